//! The plugin host as Terraform sees it: environment, handshake line, AutoMTLS, gRPC services.
//! The client side here does what go-plugin's client does (a P-521 CA:true certificate, the
//! server certificate from the handshake as the only root, ALPN h2).

// Helpers here are test code: a panic is how they fail the test.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use terraform_provider_partnercenter::plugin::handshake::MAGIC_COOKIE_VALUE;
use terraform_provider_partnercenter::plugin::proto::grpc_controller_client::GrpcControllerClient;
use terraform_provider_partnercenter::protocol::tfplugin6::get_provider_schema;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_client::ProviderClient;
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

/// A client certificate shaped like go-plugin's: ECDSA P-521, self-signed, CA:true.
struct ClientIdentity {
    pem: String,
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

fn go_plugin_client_identity() -> ClientIdentity {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    ClientIdentity {
        pem: cert.pem(),
        cert: cert.der().clone(),
        key: PrivatePkcs8KeyDer::from(key.serialize_der()),
    }
}

struct Plugin {
    child: Child,
    socket: PathBuf,
    server_cert: Vec<u8>,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn plugin_command() -> Command {
    let mut command = Command::new(common::provider_binary());
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn start_plugin(versions: &str, client_pem: &str, socket_dir: Option<&std::path::Path>) -> Plugin {
    let mut command = plugin_command();
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", versions)
        .env("PLUGIN_CLIENT_CERT", client_pem);
    if let Some(dir) = socket_dir {
        command.env("PLUGIN_UNIX_SOCKET_DIR", dir);
    }
    let mut child = command.spawn().expect("start the provider");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
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
struct PinnedServer(Vec<u8>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_slice() {
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
        let algorithms =
            rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(m, c, d, &algorithms)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms =
            rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(m, c, d, &algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

async fn connect(
    plugin: &Plugin,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(PinnedServer(plugin.server_cert.clone())));
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

#[tokio::test]
async fn controller_shutdown_ends_the_process_and_removes_the_socket() {
    let identity = go_plugin_client_identity();
    let socket_dir = tempfile::tempdir().unwrap();
    let mut plugin = start_plugin("6", &identity.pem, Some(socket_dir.path()));
    assert!(
        plugin.socket.starts_with(socket_dir.path()),
        "socket in PLUGIN_UNIX_SOCKET_DIR"
    );
    let channel = connect(&plugin, Some(&identity)).await.unwrap();
    GrpcControllerClient::new(channel)
        .shutdown(terraform_provider_partnercenter::plugin::proto::Empty {})
        .await
        .expect("Shutdown");
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = plugin.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the plugin did not exit after Shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
    assert!(!plugin.socket.exists(), "socket left behind");
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
    let mut child = plugin_command().arg("--debug").spawn().unwrap();
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
    let entry = &reattach[common::PROVIDER_ADDRESS];
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
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "debug server ignored SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    }
}
