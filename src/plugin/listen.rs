//! Where the plugin listens, in go-plugin's two dialects: a unix socket everywhere but Windows,
//! TCP on 127.0.0.1 within `PLUGIN_MIN_PORT`..`PLUGIN_MAX_PORT` on Windows.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[cfg(any(windows, test))]
use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

/// The byte stream of one accepted connection on this platform.
#[cfg(unix)]
pub(crate) type Stream = tokio::net::UnixStream;
#[cfg(windows)]
pub(crate) type Stream = tokio::net::TcpStream;

/// Where Terraform finds the plugin: the handshake line's network and address fields, and the
/// `Addr` of `TF_REATTACH_PROVIDERS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl Address {
    /// go-plugin's name of the network (Go's `net.Addr.Network()`).
    pub fn network(&self) -> &'static str {
        match self {
            Self::Unix(_) => "unix",
            Self::Tcp(_) => "tcp",
        }
    }
}

/// The address as Go's `net.Addr.String()` writes it: a path, or `127.0.0.1:PORT`.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "{}", path.display()),
            Self::Tcp(addr) => write!(f, "{addr}"),
        }
    }
}

/// Why the plugin could not listen.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error("could not listen on unix socket {path}: {source}")]
    Unix {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{variable} is {value:?}, which is not a TCP port (0 to 65535)")]
    Port {
        variable: &'static str,
        value: String,
    },
    #[error("PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})")]
    PortOrder { min: u16, max: u16 },
    #[error("could not listen on any port of 127.0.0.1 from {min} to {max}: {source}")]
    Tcp {
        min: u16,
        max: u16,
        #[source]
        source: io::Error,
    },
}

/// The listening socket.
#[derive(Debug)]
pub(crate) struct Listener {
    #[cfg(unix)]
    inner: UnixListener,
    #[cfg(windows)]
    inner: TcpListener,
}

/// What must live as long as the plugin serves: on unix the socket's file (and the directory made
/// for it), removed when this is dropped; nothing on Windows.
#[cfg(unix)]
pub(crate) type Place = SocketPlace;
#[cfg(windows)]
pub(crate) type Place = ();

/// Listens where go-plugin's server would on this platform. `socket_dir` is
/// `PLUGIN_UNIX_SOCKET_DIR`, which Windows has no use for.
#[cfg(unix)]
pub(crate) fn bind(socket_dir: Option<&Path>) -> Result<(Listener, Address, Place), ListenError> {
    let (inner, place) = listen_unix(socket_dir)?;
    let address = Address::Unix(place.path().to_path_buf());
    Ok((Listener { inner }, address, place))
}

#[cfg(windows)]
pub(crate) fn bind(_socket_dir: Option<&Path>) -> Result<(Listener, Address, Place), ListenError> {
    let non_empty = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
    let ports = port_range(
        non_empty("PLUGIN_MIN_PORT").as_deref(),
        non_empty("PLUGIN_MAX_PORT").as_deref(),
    )?;
    let (min, max) = (*ports.start(), *ports.end());
    let inner = listen_tcp(ports)?;
    let address = inner
        .local_addr()
        .map_err(|source| ListenError::Tcp { min, max, source })?;
    Ok((Listener { inner }, Address::Tcp(address), ()))
}

impl Listener {
    pub(crate) async fn accept(&self) -> io::Result<Stream> {
        let (stream, _) = self.inner.accept().await?;
        #[cfg(windows)]
        // gRPC sends small frames and waits for their answers: Nagle's algorithm would hold
        // each one back for the previous one's acknowledgement.
        stream.set_nodelay(true)?;
        Ok(stream)
    }
}

/// Where the socket lives; dropping it removes the socket (and the directory made for it).
#[cfg(unix)]
#[derive(Debug)]
pub(crate) enum SocketPlace {
    /// Directly in the user's `PLUGIN_UNIX_SOCKET_DIR`, as go-plugin does: that variable exists
    /// so a client running elsewhere (another user, a container) can reach the socket, which a
    /// private directory around it would prevent.
    Given(tempfile::TempPath),
    /// In a fresh directory only we can enter, under the system's temporary directory.
    Private {
        _dir: tempfile::TempDir,
        socket: PathBuf,
    },
}

#[cfg(unix)]
impl SocketPlace {
    fn path(&self) -> &Path {
        match self {
            Self::Given(path) => path,
            Self::Private { socket, .. } => socket,
        }
    }
}

#[cfg(unix)]
fn listen_unix(given_dir: Option<&Path>) -> Result<(UnixListener, SocketPlace), ListenError> {
    if let Some(dir) = given_dir {
        let (listener, path) = tempfile::Builder::new()
            .prefix("plugin")
            .make_in(dir, |path| UnixListener::bind(path))
            .map_err(|source| ListenError::Unix {
                path: dir.to_path_buf(),
                source,
            })?
            .into_parts();
        return Ok((listener, SocketPlace::Given(path)));
    }
    let base = std::env::temp_dir();
    let dir = tempfile::Builder::new()
        .prefix("tfpc")
        .tempdir_in(&base)
        .map_err(|source| ListenError::Unix { path: base, source })?;
    let socket = dir.path().join("plugin.sock");
    let listener = UnixListener::bind(&socket).map_err(|source| ListenError::Unix {
        path: socket.clone(),
        source,
    })?;
    Ok((listener, SocketPlace::Private { _dir: dir, socket }))
}

/// The ports go-plugin's server tries, from `PLUGIN_MIN_PORT` and `PLUGIN_MAX_PORT` (Terraform
/// sets both): an unset bound counts as 0, so with neither set the system picks the port.
#[cfg(any(windows, test))]
fn port_range(
    min: Option<&str>,
    max: Option<&str>,
) -> Result<std::ops::RangeInclusive<u16>, ListenError> {
    let port = |variable: &'static str, value: Option<&str>| {
        value.map_or(Ok(0), |value| {
            value.trim().parse::<u16>().map_err(|_| ListenError::Port {
                variable,
                value: value.to_owned(),
            })
        })
    };
    let (min, max) = (port("PLUGIN_MIN_PORT", min)?, port("PLUGIN_MAX_PORT", max)?);
    if min > max {
        return Err(ListenError::PortOrder { min, max });
    }
    Ok(min..=max)
}

/// Listens on the first port of `ports` that 127.0.0.1 has free, in order, as go-plugin does.
#[cfg(any(windows, test))]
fn listen_tcp(ports: std::ops::RangeInclusive<u16>) -> Result<TcpListener, ListenError> {
    let (min, max) = (*ports.start(), *ports.end());
    let mut last_error = None;
    for port in ports {
        let bound = std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).and_then(
            |listener| {
                listener.set_nonblocking(true)?;
                TcpListener::from_std(listener)
            },
        );
        match bound {
            Ok(listener) => return Ok(listener),
            Err(err) => last_error = Some(err),
        }
    }
    Err(ListenError::Tcp {
        min,
        max,
        source: last_error.unwrap_or_else(|| io::Error::other("the port range is empty")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_range_follows_go_plugin() {
        assert_eq!(
            port_range(Some("10000"), Some("25000")).unwrap(),
            10000..=25000
        );
        assert_eq!(port_range(None, None).unwrap(), 0..=0);
        assert_eq!(port_range(Some("7"), Some("7")).unwrap(), 7..=7);
        let reversed = port_range(Some("25000"), Some("10000")).unwrap_err();
        assert!(matches!(
            reversed,
            ListenError::PortOrder {
                min: 25000,
                max: 10000
            }
        ));
        // go-plugin reads an unset maximum as 0, so a minimum alone is out of order.
        assert!(matches!(
            port_range(Some("10000"), None),
            Err(ListenError::PortOrder { .. })
        ));
        for bad in ["ten", "-1", "65536"] {
            let err = port_range(Some("1"), Some(bad)).unwrap_err();
            assert!(err.to_string().contains("PLUGIN_MAX_PORT"), "{err}");
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[tokio::test]
    async fn tcp_takes_the_first_free_port_of_the_range() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = taken.local_addr().unwrap().port();
        let Some(next) = port.checked_add(1) else {
            return;
        };
        // The taken port is skipped; the next one is free unless another process holds it,
        // and then a later one of the range serves.
        let listener = listen_tcp(port..=next.saturating_add(50)).unwrap();
        let address = listener.local_addr().unwrap();
        assert!(address.ip().is_loopback(), "{address}");
        assert!(address.port() > port, "{address}");
        let err = listen_tcp(port..=port).unwrap_err();
        assert!(
            err.to_string().contains(&format!("from {port} to {port}")),
            "{err}"
        );
    }

    #[test]
    fn addresses_read_as_go_writes_them() {
        let tcp = Address::Tcp("127.0.0.1:10123".parse().unwrap());
        assert_eq!(
            (tcp.network(), tcp.to_string().as_str()),
            ("tcp", "127.0.0.1:10123")
        );
        let unix = Address::Unix(PathBuf::from("/tmp/tfpc/plugin.sock"));
        assert_eq!(
            (unix.network(), unix.to_string().as_str()),
            ("unix", "/tmp/tfpc/plugin.sock")
        );
    }
}
