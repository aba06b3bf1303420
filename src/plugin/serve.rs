//! Listening, the handshake line, and the gRPC server's life from first accept to shutdown.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::connection::Connection;
use super::controller::{Controller, Stdio};
use super::handshake::{self, HandshakeEnv, HandshakeError};
use super::listen::{self, Address, ListenError, Listener};
use super::proto::grpc_controller_server::GrpcControllerServer;
use super::proto::grpc_stdio_server::GrpcStdioServer;
use super::routes::PluginServices;
use super::tls::{self, ServerIdentity, TlsError};
use crate::protocol::tfplugin6::provider_server::{Provider, ProviderServer};
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::HealthService;

/// Terraform allows 64 MiB schemas and Go plugin servers accept 256 MiB messages; a large plan
/// must never hit tonic's 4 MiB default.
const MAX_MESSAGE_BYTES: usize = 256 << 20;
/// A client that connects but never finishes TLS must not hold a task forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait after a failed accept before trying again.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(50);
/// Terraform kills a plugin 2 s after asking it to stop; finish what we can before that.
const GRACEFUL_SHUTDOWN_LIMIT: Duration = Duration::from_millis(1500);

/// How the host was started.
#[derive(Debug, Clone)]
pub enum ServeMode {
    /// Started by Terraform: handshake on stdout, AutoMTLS when offered.
    Terraform,
    /// Started by a developer (`--debug`): plain gRPC, reattach instructions on stdout.
    Debug {
        /// The provider source address Terraform will look the reattached provider up by.
        provider_address: String,
    },
}

/// Why the plugin could not serve.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error("could not write the handshake to stdout: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("the gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
}

/// Serves `provider` until Terraform (or a signal) stops us.
pub async fn serve<P: Provider>(
    provider: P,
    mode: ServeMode,
    shutdown: CancellationToken,
) -> Result<(), PluginError> {
    let env = HandshakeEnv::from_process();
    let protocol = match mode {
        ServeMode::Terraform => handshake::negotiate(&env)?,
        ServeMode::Debug { .. } => handshake::PLUGIN_PROTOCOL_VERSION,
    };
    let tls = match (&mode, &env.client_cert_pem) {
        (ServeMode::Terraform, Some(pem)) => {
            let client_cert = tls::parse_client_cert(pem)?;
            let identity = ServerIdentity::generate()?;
            let config = identity.server_config(client_cert)?;
            Some((identity.cert_der, TlsAcceptor::from(Arc::new(config))))
        }
        _ => None,
    };

    // A unix socket (and a directory made for it) is removed when `_place` goes, on return.
    let (listener, address, _place) = listen::bind(env.unix_socket_dir.as_deref())?;

    let (cert_der, acceptor) = tls.unzip();
    let announcement = match &mode {
        ServeMode::Terraform => handshake::handshake_line(protocol, &address, cert_der.as_deref()),
        ServeMode::Debug { provider_address } => reattach_instructions(provider_address, &address),
    };
    announce(&announcement)?;
    tracing::debug!(%address, tls = acceptor.is_some(), "plugin serving");

    let health_reporter = tonic_health::server::HealthReporter::new();
    // go-plugin's client pings the service named "plugin".
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let health_service = HealthServer::new(HealthService::from_health_reporter(health_reporter));

    let incoming = incoming(listener, acceptor, shutdown.clone());
    let provider = ProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let services = PluginServices {
        health: health_service,
        controller: GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }),
        stdio: GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }),
        provider,
    };
    let server = tonic::transport::Server::builder().serve_with_incoming_shutdown(
        services,
        incoming,
        shutdown.clone().cancelled_owned(),
    );

    tokio::pin!(server);
    tokio::select! {
        result = &mut server => result?,
        () = async {
            shutdown.cancelled().await;
            tokio::time::sleep(GRACEFUL_SHUTDOWN_LIMIT).await;
        } => tracing::debug!("graceful shutdown took too long; stopping anyway"),
    }
    Ok(())
}

/// Writes the announcement and flushes: Terraform waits for this line before anything else.
fn announce(line: &str) -> Result<(), PluginError> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .map_err(PluginError::Stdout)
}

fn reattach_instructions(provider_address: &str, address: &Address) -> String {
    let reattach = serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PLUGIN_PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": address.network(), "String": address.to_string() },
        }
    });
    // The shell a developer has at hand: PowerShell on Windows.
    let set = if cfg!(windows) {
        "$env:TF_REATTACH_PROVIDERS="
    } else {
        "export TF_REATTACH_PROVIDERS="
    };
    format!(
        "Provider started. To attach Terraform, set TF_REATTACH_PROVIDERS in the shell \
         where you run terraform:\n\n\t{set}'{reattach}'\n\n\
         Stop the provider with Ctrl-C."
    )
}

/// Accepts connections and finishes each TLS handshake in its own task, so one slow client
/// cannot stall the others; yields only connections that passed client verification.
fn incoming(
    listener: Listener,
    acceptor: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) -> impl Stream<Item = std::io::Result<Connection>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                () = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(stream) => stream,
                    Err(err) => {
                        tracing::warn!(error = %err, "accepting a plugin connection failed");
                        // Errors such as EMFILE persist until something closes; retrying at
                        // once would spin and flood the log.
                        tokio::select! {
                            () = shutdown.cancelled() => break,
                            () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => continue,
                        }
                    }
                },
            };
            match &acceptor {
                None => {
                    if tx.send(Ok(Connection::plain(stream))).await.is_err() {
                        break;
                    }
                }
                Some(acceptor) => {
                    tokio::spawn(handshake_tls(acceptor.clone(), stream, tx.clone()));
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

async fn handshake_tls(
    acceptor: TlsAcceptor,
    stream: listen::Stream,
    tx: mpsc::Sender<std::io::Result<Connection>>,
) {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => {
            let _closed = tx.send(Ok(Connection::tls(tls))).await;
        }
        Ok(Err(err)) => tracing::warn!(error = %err, "refused a plugin connection during TLS"),
        Err(_) => tracing::warn!("a plugin connection did not finish TLS in time"),
    }
}
