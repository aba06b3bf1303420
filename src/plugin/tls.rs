//! AutoMTLS: our throw-away server certificate and the verifier that admits only Terraform.
//!
//! Terraform hands us its client certificate in `PLUGIN_CLIENT_CERT`: a self-signed ECDSA P-521
//! certificate marked CA:true and used as a leaf. A path-building verifier (webpki) rejects that,
//! so we pin it instead: the presented certificate must equal Terraform's byte for byte, and the
//! handshake signature is checked with the pure-Rust `p521` crate, as ring verifies no P-521.
//!
//! Everything else (our key, its certificate, key exchange, ciphers, randomness) runs on ring,
//! which takes its random numbers straight from the OS: nothing to seed between exec and the
//! handshake line, which Terraform waits for on every plan and apply. Our key is made and used
//! by ring directly, not through rcgen's `KeyPair`: rcgen picks aws-lc-rs whenever any crate in
//! the build enables its `aws_lc_rs` feature, so the key would otherwise depend on which targets
//! are built alongside the provider.

use std::sync::Arc;

use p521::ecdsa::signature::Verifier as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyIdMethod,
    KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{
    AlgorithmIdentifier, CertificateDer, InvalidSignature, PrivateKeyDer, PrivatePkcs8KeyDer,
    SignatureVerificationAlgorithm, UnixTime, alg_id,
};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Everything that can go wrong while setting up TLS before the handshake line.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCertificate(#[source] rustls::pki_types::pem::Error),
    #[error("could not generate the plugin's TLS key")]
    Key,
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
    /// mirror go-plugin's own certificate: "localhost" (the name its client verifies), the CA
    /// flag, because the client puts this certificate in its root pool, and a random serial.
    pub fn generate() -> Result<Self, TlsError> {
        let rng = SystemRandom::new();
        let key = RingKey::generate(&rng)?;
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
        // Given here, so that rcgen needs no hash function of its own (it would take it from
        // whichever backend it was built with).
        let mut serial = [0; 16];
        rng.fill(&mut serial).map_err(|_| TlsError::Key)?;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.key_identifier_method = KeyIdMethod::PreSpecified(key.identifier());
        let now = time::OffsetDateTime::now_utc();
        // A little slack for clocks; the process never lives anywhere near a year.
        params.not_before = now - time::Duration::seconds(30);
        params.not_after = now + time::Duration::days(365);
        let cert = params.self_signed(&key)?;
        Ok(Self {
            cert_der: cert.der().clone(),
            key_der: key.pkcs8,
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

/// The plugin's P-256 key, made and used by ring; rcgen only lays out the certificate and asks
/// this key to sign it.
struct RingKey {
    pair: EcdsaKeyPair,
    pkcs8: PrivatePkcs8KeyDer<'static>,
    rng: SystemRandom,
}

impl RingKey {
    fn generate(rng: &SystemRandom) -> Result<Self, TlsError> {
        let alg = &ECDSA_P256_SHA256_ASN1_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, rng).map_err(|_| TlsError::Key)?;
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng).map_err(|_| TlsError::Key)?;
        Ok(Self {
            pair,
            pkcs8: PrivatePkcs8KeyDer::from(pkcs8.as_ref().to_vec()),
            rng: rng.clone(),
        })
    }

    /// The subject key identifier: the first 160 bits of the SHA-256 of the public key info
    /// (RFC 7093, method 1), as rcgen computes it by default.
    fn identifier(&self) -> Vec<u8> {
        let digest = ring::digest::digest(&ring::digest::SHA256, &self.subject_public_key_info());
        digest.as_ref()[..20].to_vec()
    }
}

impl PublicKeyData for RingKey {
    fn der_bytes(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for RingKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let signature = self
            .pair
            .sign(&self.rng, message)
            .map_err(|_| rcgen::Error::RingUnspecified)?;
        Ok(signature.as_ref().to_vec())
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

/// The signature checks of the client's handshake: ECDSA P-521 with SHA-512 alone, the key
/// go-plugin's AutoMTLS gives Terraform, which ring cannot verify.
pub fn client_signature_algorithms() -> WebPkiSupportedAlgorithms {
    WebPkiSupportedAlgorithms {
        all: &[ECDSA_P521_SHA512],
        mapping: &[(SignatureScheme::ECDSA_NISTP521_SHA512, &[ECDSA_P521_SHA512])],
    }
}

/// ECDSA over P-521 with SHA-512, verified by the RustCrypto `p521` crate.
#[derive(Debug)]
struct EcdsaP521Sha512;

const ECDSA_P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    /// `public_key` is the certificate's point (SEC1), `signature` the DER form TLS carries.
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key as rustls loads it from the configuration, on the backend the plugin serves with.
    fn certified(
        cert: &CertificateDer<'static>,
        key: &PrivatePkcs8KeyDer<'static>,
    ) -> Result<(), rustls::Error> {
        rustls::sign::CertifiedKey::from_der(
            vec![cert.clone()],
            PrivateKeyDer::Pkcs8(key.clone_key()),
            &crypto_provider(),
        )
        .map(drop)
    }

    #[test]
    fn the_certificate_carries_the_public_half_of_the_key() {
        let identity = ServerIdentity::generate().unwrap();
        let other = ServerIdentity::generate().unwrap();
        // rustls parses the certificate and compares its public key with the private key's.
        certified(&identity.cert_der, &identity.key_der).expect("certificate and key agree");
        assert!(matches!(
            certified(&identity.cert_der, &other.key_der),
            Err(rustls::Error::InconsistentKeys(
                rustls::InconsistentKeys::KeyMismatch
            ))
        ));
        assert_ne!(
            identity.cert_der, other.cert_der,
            "a fresh certificate per run"
        );
        let config = identity.server_config(other.cert_der.clone()).unwrap();
        assert_eq!(config.alpn_protocols, vec![b"h2".to_vec()]);

        let someone_elses = ServerIdentity {
            cert_der: other.cert_der.clone(),
            key_der: identity.key_der.clone_key(),
        };
        assert!(
            matches!(
                someone_elses.server_config(other.cert_der.clone()),
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
                not_a_certificate.server_config(other.cert_der),
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

    /// A fresh P-521 key, as go-plugin makes Terraform's.
    fn p521_key() -> p521::ecdsa::SigningKey {
        let mut scalar = [0; 66];
        SystemRandom::new().fill(&mut scalar).unwrap();
        // Below 2^521, as a P-521 scalar's bytes must be; below the group order too, but for
        // odds under 2^-260.
        scalar[0] &= 0x01;
        p521::ecdsa::SigningKey::from_slice(&scalar).unwrap()
    }

    fn p521_verifies(key: &p521::ecdsa::SigningKey, message: &[u8], signature: &[u8]) -> bool {
        let point = key.verifying_key().to_sec1_point(false);
        ECDSA_P521_SHA512
            .verify_signature(point.as_bytes(), message, signature)
            .is_ok()
    }

    #[test]
    fn p521_signatures_verify_for_their_message_and_key_only() {
        use p521::ecdsa::signature::Signer as _;

        let key = p521_key();
        let message = b"TLS 1.3, client CertificateVerify";
        let signature: p521::ecdsa::DerSignature = key.sign(message);
        let signature = signature.as_bytes();
        assert!(p521_verifies(&key, message, signature));

        assert!(!p521_verifies(&key, b"another message", signature));
        assert!(!p521_verifies(&p521_key(), message, signature));
        let mut mangled = signature.to_vec();
        let last = mangled.len() - 1;
        mangled[last] ^= 0x01;
        assert!(!p521_verifies(&key, message, &mangled));
        let fixed_size: p521::ecdsa::Signature = key.sign(message);
        assert!(
            !p521_verifies(&key, message, &fixed_size.to_bytes()),
            "TLS carries DER signatures"
        );
        assert!(
            ECDSA_P521_SHA512
                .verify_signature(b"no point", message, signature)
                .is_err()
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
