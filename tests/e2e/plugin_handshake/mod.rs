//! The plugin host as Terraform sees it: environment, handshake line, AutoMTLS, gRPC services.
//! The client side (`go_plugin_client`) does what go-plugin's client does (a P-521 CA:true
//! certificate, the server certificate from the handshake as the only root, ALPN h2).

// Helpers here are test code: a panic is how they fail the test.
#![allow(clippy::unwrap_used)]

mod go_plugin_client;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use partnercenter_sandbox::DEMO_SCHOOL;
use terraform_provider_partnercenter::plugin::handshake::MAGIC_COOKIE_VALUE;
use terraform_provider_partnercenter::plugin::proto::grpc_controller_client::GrpcControllerClient;
use terraform_provider_partnercenter::plugin::proto::grpc_stdio_client::GrpcStdioClient;
use terraform_provider_partnercenter::protocol::tfplugin6::provider_client::ProviderClient;
use terraform_provider_partnercenter::protocol::tfplugin6::{
    DynamicValue, RawState, get_provider_schema, upgrade_resource_state, validate_resource_config,
};
use tokio::net::UnixStream;
use tonic::transport::{Channel, Endpoint, Uri};

use crate::common::{
    HANG_GUARD, KillOnDrop, PROVIDER_ADDRESS, provider_binary, reattach_providers, text, wait_until,
};
use go_plugin_client::{ClientIdentity, connect, go_plugin_client_identity};

/// The provider started as Terraform starts it, once it printed its handshake line.
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
        [] => Command::new(provider_binary()),
        [program, args @ ..] => {
            let mut command = Command::new(program);
            command.args(args).arg(provider_binary());
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
/// may take longer, so the guard only catches a plugin that does not exit at all). It polls
/// without blocking the runtime, whose tasks close the client's side of the connection.
async fn exit_status(plugin: &mut Plugin) -> ExitStatus {
    let exited = async {
        loop {
            if let Some(status) = plugin.child.try_wait().unwrap() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(HANG_GUARD, exited)
        .await
        .expect("the plugin did not exit after Shutdown")
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

/// `BUSY_MACHINE`, which must work here: without it the race this test targets shows in few
/// starts, and the test would pass without proving anything. It needs `taskset` and `chrt`
/// (util-linux) and the right to use real-time scheduling.
fn busy_machine() -> &'static [&'static str] {
    let tried = Command::new(BUSY_MACHINE[0])
        .args(&BUSY_MACHINE[1..])
        .arg("true")
        .output();
    match tried {
        Ok(output) if output.status.success() => &BUSY_MACHINE,
        Ok(output) => panic!(
            "cannot run the plugin as a pinned real-time process ({}): run the tests as root, \
             or give chrt CAP_SYS_NICE or a real-time priority limit (ulimit -r)",
            text(&output).trim()
        ),
        Err(error) => panic!(
            "cannot run {} ({error}): install util-linux",
            BUSY_MACHINE[0]
        ),
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

/// Runs the plugin as `command` starts it: it must refuse to serve, exiting 1 with no
/// handshake line on stdout, and say `explanation` on stderr.
fn assert_refuses_to_serve(command: &mut Command, explanation: &str) {
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no handshake line on stdout");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(explanation), "{stderr}");
}

#[test]
fn started_by_hand_it_explains_and_exits_1() {
    assert_refuses_to_serve(&mut plugin_command(), "plugin for Terraform");
}

#[test]
fn fails_clearly_when_protocol_6_is_not_offered() {
    assert_refuses_to_serve(
        plugin_command()
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        "protocol 6",
    );
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
    let reattach = reattach_providers(
        child.stdout.as_mut().unwrap(),
        "export TF_REATTACH_PROVIDERS=",
    );
    let entry = &reattach[PROVIDER_ADDRESS];
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
    wait_until("the debug server to exit on SIGINT", || {
        child.try_wait().unwrap().is_some()
    });
}
