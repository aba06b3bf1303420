//! A forward proxy on loopback that records where each connection was headed, as a corporate
//! proxy sees it, and hands every request to the sandbox:
//!
//! - `CONNECT host:443` (an https URL through `HTTPS_PROXY`): it records the target, answers
//!   200 and, like a TLS-inspecting proxy, ends the TLS itself with a certificate for the host
//!   from its own CA; the first request inside is recorded too, then the decrypted stream goes
//!   to the sandbox;
//! - `GET http://host/path` (an http URL through `HTTP_PROXY`): it records the host and passes
//!   the connection on as it is.
//!
//! So the test sees the real hosts the provider dialled, while nothing leaves the machine.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::common::server_runtime;

/// One connection the proxy was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tunnel {
    /// `host:port` of a `CONNECT`, or the host of an absolute-form request.
    pub(crate) target: String,
    /// The first request line inside, e.g. `POST /tenant/oauth2/token HTTP/1.1`; `None` when
    /// the client refused the proxy's certificate.
    pub(crate) first_request: Option<String>,
    /// The `Proxy-Authorization` the client sent.
    pub(crate) authorization: Option<String>,
}

pub(crate) struct RecordingProxy {
    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` / `HTTP_PROXY`.
    pub(crate) url: String,
    tunnels: Arc<Mutex<Vec<Tunnel>>>,
    _runtime: tokio::runtime::Runtime,
}

impl RecordingProxy {
    /// A proxy that passes every request to `upstream` (the sandbox), ending TLS with `tls`.
    pub(crate) fn start(upstream: &str, tls: Arc<rustls::ServerConfig>) -> Self {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("the sandbox's address");
        let runtime = server_runtime("proxy", 1);
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("the proxy listens");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&tunnels);
        let acceptor = TlsAcceptor::from(tls);
        runtime.spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (seen, acceptor) = (Arc::clone(&seen), acceptor.clone());
                tokio::spawn(async move {
                    // A connection that ends early is the client's business.
                    let _ = serve(client, upstream, acceptor, seen).await;
                });
            }
        });
        Self {
            url,
            tunnels,
            _runtime: runtime,
        }
    }

    /// What the proxy was asked for so far, in order.
    pub(crate) fn tunnels(&self) -> Vec<Tunnel> {
        self.tunnels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The targets asked for, without repeats, in order.
    pub(crate) fn targets(&self) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        for tunnel in self.tunnels() {
            if !targets.contains(&tunnel.target) {
                targets.push(tunnel.target);
            }
        }
        targets
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: SocketAddr,
    acceptor: TlsAcceptor,
    seen: Arc<Mutex<Vec<Tunnel>>>,
) -> std::io::Result<()> {
    let head = read_head(&mut client).await?;
    let text = String::from_utf8_lossy(&head).into_owned();
    let request_line = text.lines().next().unwrap_or_default().to_owned();
    let authorization = header(&text, "proxy-authorization");
    let mut parts = request_line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let record = |target: String, first_request| {
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Tunnel {
                target,
                first_request,
                authorization: authorization.clone(),
            });
    };
    if method != "CONNECT" {
        let host = target.split_once("://").map_or(target, |(_, rest)| {
            rest.split('/').next().unwrap_or_default()
        });
        record(host.to_owned(), Some(request_line.clone()));
        return pass_on(client, head, upstream).await;
    }
    client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await?;
    let Ok(mut tls) = acceptor.accept(client).await else {
        record(target.to_owned(), None);
        return Ok(());
    };
    let inner = read_head(&mut tls).await?;
    let first = String::from_utf8_lossy(&inner)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    record(target.to_owned(), Some(first));
    pass_on(tls, inner, upstream).await
}

/// Sends what was read of `client` to `upstream`, then relays both ways until either ends.
async fn pass_on<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    read: Vec<u8>,
    upstream: SocketAddr,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&read).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

/// Reads until the end of a request head (and perhaps a little beyond it).
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<Vec<u8>> {
    let mut read = Vec::new();
    let mut chunk = [0; 4096];
    while !read.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || read.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        read.extend_from_slice(&chunk[..n]);
    }
    Ok(read)
}

/// The value of header `name` (lower case) in a request head.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}
