//! AutoMTLS: our throw-away server certificate and the verifier that admits only Terraform.
//!
//! Terraform hands us its client certificate in `PLUGIN_CLIENT_CERT`: a self-signed ECDSA P-521
//! certificate marked CA:true and used as a leaf. A path-building verifier (webpki) rejects that,
//! so we pin it instead: the presented certificate must equal Terraform's byte for byte, and the
//! handshake signature is checked with aws-lc-rs, which (unlike ring) verifies P-521.
//!
//! Everything else (our key, key exchange, ciphers, randomness) runs on ring: aws-lc seeds its
//! random generator with CPU jitter on first use, about 20 ms that would fall between exec and
//! the handshake line, where DESIGN.md's budget is a third of a Go plugin's 18-24 ms.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Everything that can go wrong while setting up TLS before the handshake line.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(#[source] rustls::pki_types::pem::Error),
    #[error("could not generate the plugin's TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("could not build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Our server certificate, made fresh for each run like go-plugin's, and its private key.
#[derive(Debug)]
pub struct ServerIdentity {
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

impl ServerIdentity {
    /// ECDSA P-256 keeps start-up cheap; go-plugin's client accepts any key type. The fields
    /// mirror go-plugin's own certificate: "localhost" (the name its client verifies) and the
    /// CA flag, because the client puts this certificate in its root pool.
    pub fn generate() -> Result<Self, TlsError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()])?;
        params
            .distinguished_name
            .push(DnType::OrganizationName, "HashiCorp");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
            KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ClientAuth,
            ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let now = time::OffsetDateTime::now_utc();
        // A little slack for clocks; the process never lives anywhere near a year.
        params.not_before = now - time::Duration::seconds(30);
        params.not_after = now + time::Duration::days(365);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The rustls configuration that serves gRPC (h2, which Terraform 1.12+ insists on in ALPN)
    /// and admits only the client holding `client_cert`.
    pub fn server_config(
        &self,
        client_cert: CertificateDer<'static>,
    ) -> Result<rustls::ServerConfig, TlsError> {
        let provider = crypto_provider();
        let verifier = PinnedClientCert {
            expected: client_cert,
            algorithms: client_signature_algorithms(),
        };
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(
                vec![self.cert_der.clone()],
                PrivateKeyDer::Pkcs8(self.key_der.clone_key()),
            )?;
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(config)
    }
}

/// Parses the PEM certificate Terraform passes in `PLUGIN_CLIENT_CERT`.
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(TlsError::ClientCertificate)
}

/// Accepts exactly one client certificate, compared byte for byte.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls backend of our end of the plugin connection: ring, fast to start.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The signature checks of the client's handshake: aws-lc-rs's, because Terraform signs with
/// P-521, which ring cannot verify. Verifying needs no random numbers, so aws-lc's slow seeding
/// never happens.
pub fn client_signature_algorithms() -> WebPkiSupportedAlgorithms {
    rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Building the configuration parses the certificate and compares its public key with the
    /// private key, so a config that builds holds a certificate of our key; the two refusals
    /// show that the check is made.
    #[test]
    fn generated_certificate_belongs_to_its_key_and_config_builds() {
        let identity = ServerIdentity::generate().unwrap();
        let client = ServerIdentity::generate().unwrap();
        let config = identity.server_config(client.cert_der.clone()).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);

        let someone_elses = ServerIdentity {
            cert_der: client.cert_der.clone(),
            key_der: identity.key_der.clone_key(),
        };
        assert!(
            matches!(
                someone_elses.server_config(client.cert_der.clone()),
                Err(TlsError::Config(rustls::Error::InconsistentKeys(
                    rustls::InconsistentKeys::KeyMismatch
                )))
            ),
            "another key's certificate was accepted"
        );
        let not_a_certificate = ServerIdentity {
            cert_der: CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00]),
            key_der: identity.key_der.clone_key(),
        };
        assert!(
            matches!(
                not_a_certificate.server_config(client.cert_der),
                Err(TlsError::Config(rustls::Error::InvalidCertificate(_)))
            ),
            "a DER that is no certificate was accepted"
        );
    }

    #[test]
    fn pinned_verifier_accepts_only_the_expected_certificate() {
        let expected = ServerIdentity::generate().unwrap().cert_der;
        let other = ServerIdentity::generate().unwrap().cert_der;
        let verifier = PinnedClientCert {
            expected: expected.clone(),
            algorithms: client_signature_algorithms(),
        };
        assert!(
            verifier
                .verify_client_cert(&expected, &[], UnixTime::now())
                .is_ok()
        );
        assert_eq!(
            verifier
                .verify_client_cert(&other, &[], UnixTime::now())
                .err(),
            Some(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure
            ))
        );
        assert!(verifier.client_auth_mandatory());
        assert!(
            verifier
                .supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512),
            "Terraform signs with P-521"
        );
    }

    #[test]
    fn bad_client_certificate_pem_is_an_error() {
        assert!(matches!(
            parse_client_cert("not a certificate"),
            Err(TlsError::ClientCertificate(
                rustls::pki_types::pem::Error::NoItemsFound
            ))
        ));
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        // Parses as PEM; rustls rejects the DER later, during the handshake.
        assert!(parse_client_cert(pem).is_ok());
    }
}
