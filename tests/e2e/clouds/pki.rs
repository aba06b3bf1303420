//! The certificates of a TLS-inspecting proxy, made with the `openssl` command: a CA (what a
//! company installs on its machines) and one server certificate for Microsoft's hosts, signed
//! by it; and a second CA, which signed nothing the proxy shows.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::common::temp_dir;

pub(crate) struct Pki {
    /// The CA that signed the proxy's certificate, as a PEM file for `SSL_CERT_FILE`.
    pub(crate) ca: PathBuf,
    /// A CA that signed nothing here.
    pub(crate) other_ca: PathBuf,
    /// An empty folder, for `SSL_CERT_DIR`.
    pub(crate) no_certificates: PathBuf,
    /// The proxy's TLS server: the certificate for `hosts`, no ALPN (HTTP/1.1 inside).
    pub(crate) server: Arc<rustls::ServerConfig>,
    _dir: tempfile::TempDir,
}

impl Pki {
    /// A CA, and a certificate signed by it for every one of `hosts`.
    pub(crate) fn for_hosts(hosts: &[&str]) -> Self {
        let dir = temp_dir("tfpc-pki");
        let at = |name: &str| dir.path().join(name);
        let ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        for (ca, name) in [("ca", "Proxy"), ("other-ca", "Another")] {
            openssl(
                dir.path(),
                &format!(
                    "req -x509 {ec_key} -days 2 -subj /CN={name}-test-CA \
                     -addext basicConstraints=critical,CA:TRUE \
                     -addext keyUsage=critical,keyCertSign,cRLSign -keyout {ca}.key -out {ca}.pem"
                ),
            );
        }
        openssl(
            dir.path(),
            &format!("req {ec_key} -subj /CN=proxy -keyout server.key -out server.csr"),
        );
        let names: Vec<String> = hosts.iter().map(|host| format!("DNS:{host}")).collect();
        std::fs::write(
            at("server.ext"),
            format!(
                "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n\
                 extendedKeyUsage=serverAuth\nsubjectAltName={}\n",
                names.join(",")
            ),
        )
        .expect("write the extensions");
        openssl(
            dir.path(),
            "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -extfile server.ext -out server.pem",
        );
        let chain = CertificateDer::pem_file_iter(at("server.pem"))
            .expect("server.pem")
            .collect::<Result<Vec<_>, _>>()
            .expect("a certificate");
        let key = PrivateKeyDer::from_pem_file(at("server.key")).expect("server.key");
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the proxy's certificate");
        std::fs::create_dir(at("no-certificates")).expect("an empty folder");
        Self {
            ca: at("ca.pem"),
            other_ca: at("other-ca.pem"),
            no_certificates: at("no-certificates"),
            server: Arc::new(server),
            _dir: dir,
        }
    }
}

/// Runs `openssl` with `args` (words without spaces) in `dir`.
fn openssl(dir: &Path, args: &str) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl to make the proxy's certificates: {e}"));
    assert!(
        output.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
