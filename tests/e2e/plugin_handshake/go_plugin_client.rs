//! The client side of the handshake as go-plugin's client does it: the certificate it makes,
//! the one server certificate it trusts, and the mutual-TLS connection over the unix socket.

use std::sync::Arc;

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use p521::ecdsa::signature::Signer as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, Signer, SigningKey, SingleCertAndKey};
use rustls::{DigitallySignedStruct, SignatureAlgorithm, SignatureScheme};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};
use yasna::models::{GeneralizedTime, ObjectIdentifier, UTCTime};
use yasna::{DERWriter, Tag};

use super::Plugin;

/// A client certificate as go-plugin's client makes it: ECDSA P-521, self-signed with SHA-512,
/// CA:true, "localhost". The tests write it out themselves: rcgen makes P-521 keys only with its
/// aws-lc backend, and enabling that here would change the provider built alongside the tests
/// (the `crypto_backend` tests). The key is the RustCrypto `p521` crate's, which the provider
/// verifies with too: ring knows no P-521.
pub(super) struct ClientIdentity {
    pub(super) pem: String,
    cert: CertificateDer<'static>,
    key: P521Key,
}

pub(super) fn go_plugin_client_identity() -> ClientIdentity {
    let key = P521Key::generate();
    let public_key_info = key.subject_public_key_info();
    // Whole seconds: X.509 times have no fractions.
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    let tbs = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_tagged(Tag::context(0), |w| w.write_u8(2)); // X.509 v3
            w.next()
                .write_bigint_bytes(&rand::random::<[u8; 16]>(), true);
            write_algorithm(w.next(), ECDSA_WITH_SHA512);
            write_go_plugin_name(w.next());
            w.next().write_sequence(|w| {
                let not_before = now - time::Duration::seconds(30);
                w.next().write_utctime(&UTCTime::from_datetime(not_before));
                // 30 years, past 2049: GeneralizedTime, as RFC 5280 requires.
                let not_after = now + time::Duration::hours(262_980);
                w.next()
                    .write_generalized_time(&GeneralizedTime::from_datetime(not_after));
            });
            write_go_plugin_name(w.next());
            w.next().write_der(&public_key_info);
            w.next().write_tagged(Tag::context(3), |w| {
                w.write_sequence(|w| {
                    // digitalSignature, keyEncipherment, keyAgreement, keyCertSign
                    write_extension(w.next(), KEY_USAGE, true, |w| {
                        w.write_bitvec_bytes(&[0b1010_1100], 6);
                    });
                    write_extension(w.next(), EXTENDED_KEY_USAGE, false, |w| {
                        w.write_sequence(|w| {
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(CLIENT_AUTH));
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(SERVER_AUTH));
                        });
                    });
                    write_extension(w.next(), BASIC_CONSTRAINTS, true, |w| {
                        w.write_sequence(|w| w.next().write_bool(true));
                    });
                    write_extension(w.next(), SUBJECT_ALT_NAME, false, |w| {
                        w.write_sequence(|w| {
                            w.next().write_tagged_implicit(Tag::context(2), |w| {
                                w.write_ia5_string("localhost")
                            });
                        });
                    });
                });
            });
        });
    });
    let signature = key.sign(&tbs).unwrap();
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(&tbs);
            write_algorithm(w.next(), ECDSA_WITH_SHA512);
            w.next().write_bitvec_bytes(&signature, signature.len() * 8);
        });
    });
    let base64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    ClientIdentity {
        pem: format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            lines.join("\n")
        ),
        cert: CertificateDer::from(der),
        key,
    }
}

/// An ECDSA P-521 key that signs with SHA-512, as Terraform's does, for the certificate and for
/// the client's handshake.
#[derive(Clone, Debug)]
struct P521Key(p521::ecdsa::SigningKey);

impl P521Key {
    fn generate() -> Self {
        let mut scalar = rand::random::<[u8; 66]>();
        // Below 2^521, as a P-521 scalar's bytes must be; below the group order too, but for
        // odds under 2^-260.
        scalar[0] &= 0x01;
        Self(p521::ecdsa::SigningKey::from_slice(&scalar).unwrap())
    }

    /// SubjectPublicKeyInfo: id-ecPublicKey on secp521r1, and the uncompressed point.
    fn subject_public_key_info(&self) -> Vec<u8> {
        let point = self.0.verifying_key().to_sec1_point(false);
        yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next().write_sequence(|w| {
                    w.next()
                        .write_oid(&ObjectIdentifier::from_slice(EC_PUBLIC_KEY));
                    w.next().write_oid(&ObjectIdentifier::from_slice(SECP521R1));
                });
                let point = point.as_bytes();
                w.next().write_bitvec_bytes(point, point.len() * 8);
            });
        })
    }
}

impl SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(self.clone()) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

impl Signer for P521Key {
    /// DER, as X.509 and TLS carry ECDSA signatures.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let signature: p521::ecdsa::DerSignature = self.0.sign(message);
        Ok(signature.as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}

const ECDSA_WITH_SHA512: &[u64] = &[1, 2, 840, 10045, 4, 3, 4];
const EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const SECP521R1: &[u64] = &[1, 3, 132, 0, 35];
const ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const EXTENDED_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
const SERVER_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 1];
const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];

fn write_algorithm(w: DERWriter<'_>, oid: &[u64]) {
    w.write_sequence(|w| w.next().write_oid(&ObjectIdentifier::from_slice(oid)));
}

/// O=HashiCorp, CN=localhost, go-plugin's issuer and subject, in Go's order.
fn write_go_plugin_name(w: DERWriter<'_>) {
    w.write_sequence(|w| {
        for (oid, value) in [(ORGANIZATION, "HashiCorp"), (COMMON_NAME, "localhost")] {
            w.next().write_set(|w| {
                w.next().write_sequence(|w| {
                    w.next().write_oid(&ObjectIdentifier::from_slice(oid));
                    w.next().write_printable_string(value);
                });
            });
        }
    });
}

fn write_extension(
    w: DERWriter<'_>,
    oid: &[u64],
    critical: bool,
    value: impl FnOnce(DERWriter<'_>),
) {
    w.write_sequence(|w| {
        w.next().write_oid(&ObjectIdentifier::from_slice(oid));
        if critical {
            w.next().write_bool(true);
        }
        w.next().write_bytes(&yasna::construct_der(value));
    });
}

/// Accepts exactly the certificate from the handshake line, as go-plugin's root pool does.
#[derive(Debug)]
struct PinnedServer {
    cert: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.cert.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

pub(super) async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    // ring for everything but the P-521 signature, which the client's own key makes.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = PinnedServer {
        cert: plugin.server_cert.clone(),
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match identity {
        Some(identity) => {
            let key =
                CertifiedKey::new(vec![identity.cert.clone()], Arc::new(identity.key.clone()));
            builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key)))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let socket = plugin.socket.clone();
    Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let (connector, socket) = (connector.clone(), socket.clone());
            async move {
                let stream = UnixStream::connect(socket).await?;
                let tls = connector
                    .connect(ServerName::try_from("localhost").unwrap(), stream)
                    .await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await
}
