//! The plugin host as Terraform sees it: environment, handshake line, AutoMTLS, gRPC services.
//! The client side here does what go-plugin's client does (a P-521 CA:true certificate, the
//! server certificate from the handshake as the only root, ALPN h2).

// Helpers here are test code: a panic is how they fail the test.
#![allow(clippy::unwrap_used)]

use crate::common::{HANG_GUARD, KillOnDrop};

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P521_SHA512_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use hyper_util::rt::TokioIo;
use partnercenter_sandbox::DEMO_SCHOOL;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_partnercenter::plugin::handshake::MAGIC_COOKIE_VALUE;
use terraform_provider_partnercenter::plugin::proto::grpc_controller_client::GrpcControllerClient;
use terraform_provider_partnercenter::plugin::proto::grpc_stdio_client::GrpcStdioClient;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_client::ProviderClient;
use terraform_provider_partnercenter::protocol::tfplugin6::{
    DynamicValue, RawState, get_provider_schema, upgrade_resource_state, validate_resource_config,
};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};
use yasna::models::{GeneralizedTime, ObjectIdentifier, UTCTime};
use yasna::{DERWriter, Tag};

/// A client certificate as go-plugin's client makes it: ECDSA P-521, self-signed with SHA-512,
/// CA:true, "localhost". The tests write it out themselves: rcgen makes P-521 keys only with its
/// aws-lc backend, and enabling that here would change the provider built alongside the tests
/// (tests/crypto_backend.rs).
struct ClientIdentity {
    pem: String,
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn go_plugin_client_identity() -> ClientIdentity {
    let key = EcdsaKeyPair::generate(&ECDSA_P521_SHA512_ASN1_SIGNING).unwrap();
    let public_key_info = key.public_key().as_der().unwrap();
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
            w.next().write_der(public_key_info.as_ref());
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
    let signature = key.sign(&SystemRandom::new(), &tbs).unwrap();
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(&tbs);
            write_algorithm(w.next(), ECDSA_WITH_SHA512);
            let signature = signature.as_ref();
            w.next().write_bitvec_bytes(signature, signature.len() * 8);
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
        key: PrivatePkcs8KeyDer::from(key.to_pkcs8v1().unwrap().as_ref().to_vec()),
    }
}

const ECDSA_WITH_SHA512: &[u64] = &[1, 2, 840, 10045, 4, 3, 4];
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

struct Plugin {
    child: KillOnDrop,
    socket: PathBuf,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    /// SIGTERM first, so that the plugin removes its socket directory; the child's own guard
    /// kills it if it hangs.
    fn drop(&mut self) {
        // Once reaped, the pid may belong to another process: signal only a live child.
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn plugin_command() -> Command {
    plugin_command_via(&[])
}

/// The provider started through `wrapper`, a command that ends by exec'ing its arguments.
fn plugin_command_via(wrapper: &[&str]) -> Command {
    let mut command = match wrapper {
        [] => Command::new(crate::common::provider_binary()),
        [program, args @ ..] => {
            let mut command = Command::new(program);
            command.args(args).arg(crate::common::provider_binary());
            command
        }
    };
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn spawn_plugin(
    wrapper: &[&str],
    versions: &str,
    client_pem: &str,
    socket_dir: Option<&Path>,
) -> KillOnDrop {
    let mut command = plugin_command_via(wrapper);
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", versions)
        .env("PLUGIN_CLIENT_CERT", client_pem);
    if let Some(dir) = socket_dir {
        command.env("PLUGIN_UNIX_SOCKET_DIR", dir);
    }
    KillOnDrop(command.spawn().expect("start the provider"))
}

fn start_plugin(versions: &str, client_pem: &str, socket_dir: Option<&Path>) -> Plugin {
    let mut child = spawn_plugin(&[], versions, client_pem, socket_dir);
    let stdout = child.stdout.take().unwrap();
    read_handshake(child, stdout)
}

/// Parses the handshake line from `stdout` the way go-plugin's client does.
fn read_handshake(child: KillOnDrop, stdout: impl Read) -> Plugin {
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let fields: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line {line:?}");
    assert_eq!(&fields[..3], ["1", "6", "unix"]);
    assert_eq!(fields[4], "grpc");
    assert!(
        !fields[5].ends_with('='),
        "certificate must be unpadded base64"
    );
    let server_cert = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("certificate is base64 without padding");
    Plugin {
        child,
        socket: PathBuf::from(fields[3]),
        server_cert,
    }
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

async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    // Like Terraform, this client signs with a P-521 key, which only aws-lc-rs can.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
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
        Some(identity) => builder
            .with_client_auth_cert(
                vec![identity.cert.clone()],
                PrivateKeyDer::Pkcs8(identity.key.clone_key()),
            )
            .unwrap(),
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

#[tokio::test]
async fn terraform_style_client_gets_the_schema_over_mtls() {
    let identity = go_plugin_client_identity();
    let plugin = start_plugin("5,6", &identity.pem, None);
    let channel = connect(&plugin, Some(&identity))
        .await
        .expect("mTLS connection");
    let mut client = ProviderClient::new(channel.clone());
    let schema = client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema")
        .into_inner();
    assert!(schema.diagnostics.is_empty());
    assert!(
        schema
            .resource_schemas
            .contains_key("partnercenter_customer_qualification")
    );
    assert!(
        schema
            .data_source_schemas
            .contains_key("partnercenter_customer_qualification")
    );
    assert!(
        schema
            .data_source_schemas
            .contains_key("partnercenter_validation_codes")
    );
    let provider = schema.provider.unwrap().block.unwrap();
    let secret = provider
        .attributes
        .iter()
        .find(|a| a.name == "client_secret")
        .unwrap();
    assert!(secret.sensitive);

    // go-plugin's health check names the service "plugin".
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // A service the plugin does not serve (go-plugin's broker) is UNIMPLEMENTED, as from
    // go-plugin.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let refused = grpc
        .unary(
            tonic::Request::new(tonic_health::pb::HealthCheckRequest::default()),
            tonic::codegen::http::uri::PathAndQuery::from_static("/plugin.GRPCBroker/StartStream"),
            tonic_prost::ProstCodec::<_, tonic_health::pb::HealthCheckResponse>::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unimplemented, "{refused:?}");
}

/// Whether the plugin answers GetProviderSchema to a client holding `identity`.
async fn answers(plugin: &Plugin, identity: Option<&ClientIdentity>) -> bool {
    match connect(plugin, identity).await {
        Err(_) => false,
        Ok(channel) => ProviderClient::new(channel)
            .get_provider_schema(get_provider_schema::Request {})
            .await
            .is_ok(),
    }
}

#[tokio::test]
async fn a_client_without_terraforms_certificate_is_refused() {
    let identity = go_plugin_client_identity();
    let plugin = start_plugin("6", &identity.pem, None);

    assert!(
        !answers(&plugin, None).await,
        "a client without a certificate got an answer"
    );
    let impostor = go_plugin_client_identity();
    assert!(
        !answers(&plugin, Some(&impostor)).await,
        "a client with another certificate got an answer"
    );

    // The right client still gets in afterwards.
    let channel = connect(&plugin, Some(&identity))
        .await
        .expect("the right client connects");
    ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("schema");
}

/// Asks the plugin to stop, as Terraform does when it is done with it.
async fn shutdown(channel: Channel) {
    GrpcControllerClient::new(channel)
        .shutdown(terraform_provider_partnercenter::plugin::proto::Empty {})
        .await
        .expect("Shutdown");
}

/// Waits for the plugin to exit (Terraform would kill it 2 s after Shutdown; a loaded machine
/// may take longer, so the guard only catches a plugin that does not exit at all).
async fn exit_status(plugin: &mut Plugin) -> ExitStatus {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        if let Some(status) = plugin.child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the plugin did not exit after Shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn shutdown_leaves_the_users_socket_directory_and_removes_only_the_socket() {
    let identity = go_plugin_client_identity();
    let socket_dir = tempfile::tempdir().unwrap();
    let keep = socket_dir.path().join("keep.txt");
    std::fs::write(&keep, "the user's").unwrap();
    let mut plugin = start_plugin("6", &identity.pem, Some(socket_dir.path()));
    assert_eq!(
        plugin.socket.parent(),
        Some(socket_dir.path()),
        "the socket directly in PLUGIN_UNIX_SOCKET_DIR, as go-plugin puts it"
    );
    shutdown(connect(&plugin, Some(&identity)).await.unwrap()).await;
    let status = exit_status(&mut plugin).await;
    assert!(status.success(), "{status}");
    assert!(!plugin.socket.exists(), "socket left behind");
    let left: Vec<_> = std::fs::read_dir(socket_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(left, [keep], "only the user's own files remain");
}

#[tokio::test]
async fn shutdown_removes_the_socket_directory_the_plugin_made() {
    let identity = go_plugin_client_identity();
    let mut plugin = start_plugin("6", &identity.pem, None);
    let own_dir = plugin.socket.parent().unwrap().to_owned();
    assert!(own_dir.is_dir());
    assert_ne!(own_dir, std::env::temp_dir(), "a directory of its own");
    shutdown(connect(&plugin, Some(&identity)).await.unwrap()).await;
    let status = exit_status(&mut plugin).await;
    assert!(status.success(), "{status}");
    assert!(
        !own_dir.exists(),
        "{} left behind after Shutdown",
        own_dir.display()
    );
}

/// Runs a program as a real-time (FIFO) process pinned to one CPU: its main thread then runs
/// until it blocks, ahead of the process's other threads, as on a machine too busy to run them.
const BUSY_MACHINE: [&str; 6] = ["taskset", "-c", "0", "chrt", "--fifo", "1"];

/// `BUSY_MACHINE` where this test may use it (it needs CAP_SYS_NICE), else nothing.
fn busy_machine() -> &'static [&'static str] {
    let usable = Command::new(BUSY_MACHINE[0])
        .args(&BUSY_MACHINE[1..])
        .arg("true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if usable {
        &BUSY_MACHINE
    } else {
        eprintln!(
            "cannot run the plugin as a pinned real-time process; a late handler may go unseen"
        );
        &[]
    }
}

/// Terraform sends Ctrl-C to its whole process group, plugins included, and stops them through
/// Shutdown afterwards; a plugin that dies of the SIGINT loses what an apply was doing. The
/// signal comes right after the handshake line (a shell reads the line and signals before the
/// test sees it), to a plugin whose other threads cannot run before its main thread blocks: a
/// handler installed by a task rather than before the line is then missed in most starts.
#[tokio::test]
async fn sigint_right_after_the_handshake_line_is_ignored() {
    let identity = go_plugin_client_identity();
    let wrapper = busy_machine();
    for start in 0..20 {
        let mut child = spawn_plugin(wrapper, "6", &identity.pem, None);
        let mut relay = KillOnDrop(
            Command::new("sh")
                .args([
                    "-c",
                    r#"IFS= read -r line && kill -INT "$0" && printf '%s\n' "$line""#,
                    &child.id().to_string(),
                ])
                .stdin(child.stdout.take().unwrap())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut plugin = read_handshake(child, relay.stdout.take().unwrap());
        assert!(relay.wait().unwrap().success(), "the relay sent SIGINT");

        let channel = match connect(&plugin, Some(&identity)).await {
            Ok(channel) => channel,
            Err(err) => panic!(
                "start {start}: no connection after SIGINT ({err}); the plugin's exit: {:?}",
                plugin.child.try_wait()
            ),
        };
        ProviderClient::new(channel.clone())
            .get_provider_schema(get_provider_schema::Request {})
            .await
            .unwrap_or_else(|err| panic!("start {start}: no schema after SIGINT: {err}"));
        shutdown(channel).await;
        let status = exit_status(&mut plugin).await;
        assert!(status.success(), "start {start}: {status}");
    }
}

/// Well past tonic's 4 MiB default, far below the 256 MiB the plugin accepts.
const LARGE: usize = 5 << 20;

/// A client that, like go-plugin's, does not cap the messages it sends or receives.
fn large_message_client(channel: Channel) -> ProviderClient<Channel> {
    ProviderClient::new(channel)
        .max_decoding_message_size(64 << 20)
        .max_encoding_message_size(64 << 20)
}

#[tokio::test]
async fn messages_larger_than_4_mib_pass_both_ways() {
    let identity = go_plugin_client_identity();
    let plugin = start_plugin("6", &identity.pem, None);
    let mut client = large_message_client(connect(&plugin, Some(&identity)).await.unwrap());
    let code = "v".repeat(LARGE);

    // Terraform to plugin: a configuration holding a 5 MiB string, as msgpack.
    let config = rmpv::Value::Map(vec![
        ("id".into(), rmpv::Value::Nil),
        ("customer_id".into(), DEMO_SCHOOL.into()),
        ("qualification".into(), "GovernmentCommunityCloud".into()),
        ("validation_code".into(), code.as_str().into()),
    ]);
    let mut msgpack = Vec::new();
    rmpv::encode::write_value(&mut msgpack, &config).unwrap();
    let validated = client
        .validate_resource_config(validate_resource_config::Request {
            type_name: "partnercenter_customer_qualification".into(),
            config: Some(DynamicValue {
                msgpack,
                json: Vec::new(),
            }),
            ..Default::default()
        })
        .await
        .expect("a 5 MiB request is accepted")
        .into_inner();
    assert!(validated.diagnostics.is_empty(), "{validated:?}");

    // Plugin to Terraform: the upgraded state carries the same 5 MiB string back.
    let state = serde_json::json!({
        "id": DEMO_SCHOOL,
        "customer_id": DEMO_SCHOOL,
        "qualification": "GovernmentCommunityCloud",
        "validation_code": code,
    });
    let upgraded = client
        .upgrade_resource_state(upgrade_resource_state::Request {
            type_name: "partnercenter_customer_qualification".into(),
            version: 0,
            raw_state: Some(RawState {
                json: serde_json::to_vec(&state).unwrap(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("a 5 MiB answer is sent")
        .into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        upgraded.diagnostics
    );
    let msgpack = upgraded.upgraded_state.unwrap().msgpack;
    let value = rmpv::decode::read_value(&mut msgpack.as_slice()).unwrap();
    let returned = value
        .as_map()
        .unwrap()
        .iter()
        .find(|(key, _)| key.as_str() == Some("validation_code"))
        .and_then(|(_, value)| value.as_str())
        .unwrap();
    assert_eq!(returned.len(), LARGE);
}

#[tokio::test]
async fn stdio_stream_stays_open_and_silent_until_shutdown() {
    let identity = go_plugin_client_identity();
    let mut plugin = start_plugin("6", &identity.pem, None);
    let channel = connect(&plugin, Some(&identity)).await.unwrap();
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .expect("StreamStdio opens")
        .into_inner();
    // Anything sent here would be logged by Terraform as unexpected data.
    let early = tokio::time::timeout(Duration::from_millis(300), stdio.message()).await;
    assert!(early.is_err(), "the stream sent or ended early: {early:?}");

    shutdown(channel).await;
    let end = tokio::time::timeout(HANG_GUARD, stdio.message())
        .await
        .expect("the stream ends after Shutdown");
    assert!(
        matches!(end, Ok(None)),
        "the stream ends cleanly, without data: {end:?}"
    );
    let status = exit_status(&mut plugin).await;
    assert!(status.success(), "{status}");
}

#[test]
fn started_by_hand_it_explains_and_exits_1() {
    let output = plugin_command().output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "nothing on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("plugin for Terraform"), "{stderr}");
}

#[test]
fn fails_clearly_when_protocol_6_is_not_offered() {
    let output = plugin_command()
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "4,5")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no handshake line");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("protocol 6"), "{stderr}");
}

#[test]
fn version_flag_prints_the_version() {
    let output = plugin_command().arg("--version").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!(
            "terraform-provider-partnercenter {}",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn debug_mode_prints_reattach_instructions_and_serves_plain_grpc() {
    let mut child = KillOnDrop(plugin_command().arg("--debug").spawn().unwrap());
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut reattach = None;
    for _ in 0..10 {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(value) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS=") {
            reattach = Some(value.trim_matches('\'').to_owned());
            break;
        }
    }
    let reattach: serde_json::Value =
        serde_json::from_str(&reattach.expect("reattach line")).unwrap();
    let entry = &reattach[crate::common::PROVIDER_ADDRESS];
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().unwrap().to_owned();
    let channel = Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let socket = socket.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(socket).await?)) }
        }))
        .await
        .unwrap();
    ProviderClient::new(channel)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("schema");
    // Ctrl-C stops a debug server.
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + HANG_GUARD;
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "debug server ignored SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
}
