//! The go-plugin handshake: what Terraform puts in our environment and the one line we answer with.

use std::path::PathBuf;

use base64::Engine as _;

use super::listen::Address;
use crate::quote::quote;

/// The environment variable Terraform sets so a plugin knows it was started by Terraform.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value (the same for every Terraform version).
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version: the first handshake field.
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol we speak: tfplugin6.
pub const PLUGIN_PROTOCOL_VERSION: u32 = 6;

/// What the handshake reads from the process environment, captured once so it can be tested.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandshakeEnv {
    pub magic_cookie: Option<String>,
    pub protocol_versions: Option<String>,
    pub client_cert_pem: Option<String>,
    pub unix_socket_dir: Option<PathBuf>,
}

impl HandshakeEnv {
    pub fn from_process() -> Self {
        let non_empty = |key: &str| std::env::var(key).ok().filter(|v| !v.is_empty());
        Self {
            magic_cookie: non_empty(MAGIC_COOKIE_KEY),
            protocol_versions: non_empty("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert_pem: non_empty("PLUGIN_CLIENT_CERT"),
            unix_socket_dir: non_empty("PLUGIN_UNIX_SOCKET_DIR").map(PathBuf::from),
        }
    }
}

/// Why we cannot serve the Terraform process that started us.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    #[error(
        "This binary is a plugin for Terraform. It is not meant to be run by hand: Terraform \
         starts it when a configuration uses the partnercenter provider. Install it as described \
         in the README (a filesystem mirror or dev_overrides in your Terraform CLI configuration) \
         and run terraform init, plan and apply as usual. To debug the provider, run it with \
         --debug and follow the instructions it prints."
    )]
    NotStartedByTerraform,
    #[error(
        "Terraform offered plugin protocol version(s) {}, but this provider speaks only \
         protocol {PLUGIN_PROTOCOL_VERSION} (Terraform 1.0 and later); upgrade Terraform",
        quote(.offered)
    )]
    UnsupportedProtocol { offered: String },
}

/// The checks go-plugin makes before serving; returns the protocol version to announce.
pub fn negotiate(env: &HandshakeEnv) -> Result<u32, HandshakeError> {
    if env.magic_cookie.as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(HandshakeError::NotStartedByTerraform);
    }
    // A client that sends no list predates version negotiation; go-plugin then serves its
    // default, which for a tfplugin6 server is 6.
    let Some(offered) = env.protocol_versions.as_deref() else {
        return Ok(PLUGIN_PROTOCOL_VERSION);
    };
    let speaks_ours = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == PLUGIN_PROTOCOL_VERSION);
    if speaks_ours {
        Ok(PLUGIN_PROTOCOL_VERSION)
    } else {
        Err(HandshakeError::UnsupportedProtocol {
            offered: offered.to_owned(),
        })
    }
}

/// The line go-plugin's client parses from our stdout. Exactly six fields: Terraform 1.0's
/// parser rejects a seventh. The certificate is DER in base64 without padding, as go-plugin
/// decodes it with `RawStdEncoding`. The address is a unix socket's path, or on Windows
/// `127.0.0.1:PORT` with the network `tcp`.
pub fn handshake_line(protocol: u32, address: &Address, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    let network = address.network();
    format!("{CORE_PROTOCOL_VERSION}|{protocol}|{network}|{address}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(cookie: Option<&str>, versions: Option<&str>) -> HandshakeEnv {
        HandshakeEnv {
            magic_cookie: cookie.map(str::to_owned),
            protocol_versions: versions.map(str::to_owned),
            ..HandshakeEnv::default()
        }
    }

    #[test]
    fn refuses_without_the_magic_cookie() {
        assert_eq!(
            negotiate(&env(None, Some("6"))),
            Err(HandshakeError::NotStartedByTerraform)
        );
        assert_eq!(
            negotiate(&env(Some("wrong"), Some("6"))),
            Err(HandshakeError::NotStartedByTerraform)
        );
    }

    #[test]
    fn accepts_six_in_any_order_or_no_list() {
        for offered in ["6", "5,6", "6,5", " 5 , 6 ", "4,x,6"] {
            assert_eq!(
                negotiate(&env(Some(MAGIC_COOKIE_VALUE), Some(offered))),
                Ok(6)
            );
        }
        assert_eq!(negotiate(&env(Some(MAGIC_COOKIE_VALUE), None)), Ok(6));
    }

    #[test]
    fn refuses_when_six_is_not_offered() {
        let err = negotiate(&env(Some(MAGIC_COOKIE_VALUE), Some("4,5"))).unwrap_err();
        assert!(err.to_string().contains("\"4,5\""), "{err}");
        assert!(err.to_string().contains("protocol 6"), "{err}");
    }

    #[test]
    fn human_message_is_one_plain_paragraph() {
        let text = HandshakeError::NotStartedByTerraform.to_string();
        assert!(!text.contains('\n'));
        assert!(text.contains("plugin for Terraform"));
    }

    #[test]
    fn handshake_line_has_exactly_six_fields_and_unpadded_cert() {
        let der = [1u8, 2, 3, 4]; // 4 bytes: padded base64 would end in "=="
        let socket = Address::Unix(PathBuf::from("/tmp/x/p.sock"));
        let line = handshake_line(6, &socket, Some(&der));
        assert_eq!(line, "1|6|unix|/tmp/x/p.sock|grpc|AQIDBA");
        assert_eq!(line.split('|').count(), 6);
        let plain = handshake_line(6, &Address::Unix(PathBuf::from("/s")), None);
        assert_eq!(plain, "1|6|unix|/s|grpc|");
    }

    #[test]
    fn on_windows_the_line_names_tcp_on_loopback() {
        let port = Address::Tcp("127.0.0.1:10007".parse().unwrap());
        let line = handshake_line(6, &port, Some(&[1, 2, 3, 4]));
        assert_eq!(line, "1|6|tcp|127.0.0.1:10007|grpc|AQIDBA");
    }
}
