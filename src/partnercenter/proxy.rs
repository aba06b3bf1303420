//! Which proxy a request goes through: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their
//! lower-case forms), read by the rules of Go's `net/http` (golang.org/x/net/http/httpproxy),
//! which Terraform and its Go providers follow, so that the provider's token and API requests
//! go where theirs go.
//!
//! reqwest reads these variables too, by other rules: an empty variable hides its lower-case
//! twin, `ALL_PROXY` counts, and loopback addresses are proxied unless `NO_PROXY` names them.
//! The client therefore switches reqwest's own reading off and asks [`ProxyRule`] instead.

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

use super::error::ConfigError;

/// The proxy variables as the environment gives them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyEnv {
    /// `HTTPS_PROXY`, else `https_proxy` (the first that is set and not empty).
    https_proxy: Option<(&'static str, String)>,
    /// `HTTP_PROXY`, else `http_proxy`.
    http_proxy: Option<(&'static str, String)>,
    /// `NO_PROXY`, else `no_proxy`.
    no_proxy: String,
    /// A CGI handler's `HTTP_PROXY` may come from a client's `Proxy:` header (httpoxy).
    cgi: bool,
}

impl ProxyEnv {
    /// The variables of this process.
    pub fn from_process() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The variables `var` gives.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let first = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|name| var(name).filter(|v| !v.is_empty()).map(|v| (name, v)))
        };
        Self {
            https_proxy: first(["HTTPS_PROXY", "https_proxy"]),
            http_proxy: first(["HTTP_PROXY", "http_proxy"]),
            no_proxy: first(["NO_PROXY", "no_proxy"])
                .map(|(_, v)| v)
                .unwrap_or_default(),
            cgi: var("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }
}

/// Names the variables that are set, never their values: a proxy URL may carry a password.
impl fmt::Debug for ProxyEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyEnv")
            .field("https_proxy", &self.https_proxy.as_ref().map(|(n, _)| n))
            .field("http_proxy", &self.http_proxy.as_ref().map(|(n, _)| n))
            .field("no_proxy", &self.no_proxy)
            .field("cgi", &self.cgi)
            .finish()
    }
}

/// A proxy and the variable that named it.
#[derive(Clone)]
struct Proxy {
    url: Url,
    variable: &'static str,
}

/// Without the credentials the URL may hold.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown())
    }
}

impl Proxy {
    /// Go's reading: a URL of scheme http, https or socks5, else the value taken as
    /// `host[:port]` of an http proxy. What Go would take and then fail to connect to (no host,
    /// another scheme) is refused here, at once.
    fn parse(variable: &'static str, value: &str) -> Result<Self, ConfigError> {
        let unusable = ConfigError::ProxyUrl { variable };
        let url = if value.contains("://") {
            Url::parse(value)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https" | "socks5"))
        } else {
            Url::parse(&format!("http://{value}")).ok()
        }
        .filter(|url| url.host_str().is_some_and(|host| !host.is_empty()))
        .ok_or(unusable)?;
        if url.scheme() == "socks5" {
            return Err(ConfigError::SocksProxy { variable });
        }
        Ok(Self { url, variable })
    }

    /// The proxy's address without its credentials, for logs and messages.
    fn shown(&self) -> String {
        let mut url = self.url.clone();
        // Only fails for URLs that cannot have credentials, which then have none to hide.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        format!("{} ({})", url.as_str().trim_end_matches('/'), self.variable)
    }
}

/// Where requests go: through the proxy their scheme's variable names, unless `NO_PROXY`
/// exempts their host, or the host is loopback (Go never proxies `localhost` nor a loopback
/// address).
#[derive(Clone, Debug, Default)]
pub(crate) struct ProxyRule {
    https: Option<Proxy>,
    http: Option<Proxy>,
    exempt: Vec<Exemption>,
}

impl ProxyRule {
    pub(crate) fn new(env: &ProxyEnv) -> Result<Self, ConfigError> {
        let parse = |var: &Option<(&'static str, String)>| {
            var.as_ref()
                .map(|(name, value)| Proxy::parse(name, value))
                .transpose()
        };
        let exempt = if env.no_proxy.split(',').any(|entry| entry.trim() == "*") {
            vec![Exemption::Everything]
        } else {
            env.no_proxy
                .split(',')
                .filter_map(Exemption::parse)
                .collect()
        };
        Ok(Self {
            https: parse(&env.https_proxy)?,
            // A CGI handler's HTTP_PROXY may be a client's `Proxy:` header; Go refuses it too.
            http: parse(&env.http_proxy)?.filter(|_| !env.cgi),
            exempt,
        })
    }

    /// The proxy a request to `url` goes through, if any.
    fn proxy_for(&self, url: &Url) -> Option<&Proxy> {
        let proxy = match url.scheme() {
            "https" => self.https.as_ref(),
            "http" => self.http.as_ref(),
            _ => None,
        }?;
        let host = Target::of(url)?;
        if host.is_loopback() || self.exempt.iter().any(|e| e.covers(&host)) {
            return None;
        }
        Some(proxy)
    }

    /// The client with this rule, in place of reqwest's own reading of the variables.
    pub(crate) fn install(
        self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ConfigError> {
        if self.https.is_none() && self.http.is_none() {
            return Ok(builder.no_proxy());
        }
        for proxy in [&self.https, &self.http].into_iter().flatten() {
            tracing::debug!(
                proxy = %proxy.shown(),
                no_proxy = self.exempt.len(),
                "requests go through a proxy"
            );
        }
        // reqwest reads credentials in the URL of a custom proxy (Basic, as Go sends them).
        let proxy = reqwest::Proxy::custom(move |url| self.proxy_for(url).map(|p| p.url.clone()));
        Ok(builder.proxy(proxy))
    }
}

/// The host (and port) of a request, as `NO_PROXY` entries are matched against.
struct Target {
    host: TargetHost,
    port: u16,
}

enum TargetHost {
    Ip(IpAddr),
    /// Lower case; the URL parser has already turned a Unicode name into its ASCII form.
    Name(String),
}

impl Target {
    fn of(url: &Url) -> Option<Self> {
        let host = url.host_str()?;
        let unbracketed = host.trim_start_matches('[').trim_end_matches(']');
        let host = match unbracketed.parse() {
            Ok(ip) => TargetHost::Ip(ip),
            Err(_) => TargetHost::Name(host.to_ascii_lowercase()),
        };
        Some(Self {
            host,
            port: url.port_or_known_default()?,
        })
    }

    fn is_loopback(&self) -> bool {
        match &self.host {
            TargetHost::Ip(ip) => ip.is_loopback(),
            TargetHost::Name(name) => name == "localhost",
        }
    }
}

/// One `NO_PROXY` entry, as Go reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Exemption {
    /// `*`.
    Everything,
    /// `10.0.0.0/8`, `fd00::/8`: any port.
    Network { base: IpAddr, prefix: u8 },
    /// `10.1.2.3`, `10.1.2.3:8443`, `[::1]:80`.
    Ip { ip: IpAddr, port: Option<u16> },
    /// `example.com` (it and its subdomains), `.example.com` and `*.example.com` (its subdomains
    /// only), each with an optional `:port`. `suffix` starts with a dot.
    Domain {
        suffix: String,
        and_itself: bool,
        port: Option<u16>,
    },
}

impl Exemption {
    /// Go ignores what it cannot read, and so does this.
    fn parse(entry: &str) -> Option<Self> {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            return None;
        }
        if let Some((base, prefix)) = entry.split_once('/') {
            let base: IpAddr = base.parse().ok()?;
            let prefix: u8 = prefix.parse().ok()?;
            let bits = if base.is_ipv4() { 32 } else { 128 };
            return (prefix <= bits).then_some(Self::Network { base, prefix });
        }
        let (host, port) = split_port(&entry)?;
        if let Ok(ip) = host.parse() {
            return Some(Self::Ip { ip, port });
        }
        let host = host.strip_prefix('*').unwrap_or(host);
        if host.is_empty() || host == "." {
            return None;
        }
        Some(match host.strip_prefix('.') {
            Some(_) => Self::Domain {
                suffix: host.to_owned(),
                and_itself: false,
                port,
            },
            None => Self::Domain {
                suffix: format!(".{host}"),
                and_itself: true,
                port,
            },
        })
    }

    fn covers(&self, target: &Target) -> bool {
        let port_matches = |port: &Option<u16>| port.is_none_or(|p| p == target.port);
        match (self, &target.host) {
            (Self::Everything, _) => true,
            (Self::Network { base, prefix }, TargetHost::Ip(ip)) => in_network(*ip, *base, *prefix),
            (Self::Ip { ip, port }, TargetHost::Ip(target_ip)) => {
                ip == target_ip && port_matches(port)
            }
            (
                Self::Domain {
                    suffix,
                    and_itself,
                    port,
                },
                TargetHost::Name(name),
            ) => {
                (name.ends_with(suffix.as_str()) || (*and_itself && name == &suffix[1..]))
                    && port_matches(port)
            }
            _ => false,
        }
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; a bare IPv6 address has no port. `None` for
/// a port that is no number.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None => after.is_empty().then_some((host, None)),
        };
    }
    match entry.split_once(':') {
        Some((host, port)) if !port.contains(':') => Some((host, Some(port.parse().ok()?))),
        _ => Some((entry, None)),
    }
}

fn in_network(ip: IpAddr, base: IpAddr, prefix: u8) -> bool {
    let masked = |bits: u128, width: u32| {
        let keep = u32::from(prefix);
        if keep == 0 { 0 } else { bits >> (width - keep) }
    };
    match (ip, base) {
        (IpAddr::V4(ip), IpAddr::V4(base)) => {
            masked(u32::from(ip).into(), 32) == masked(u32::from(base).into(), 32)
        }
        (IpAddr::V6(ip), IpAddr::V6(base)) => {
            masked(u128::from(ip), 128) == masked(u128::from(base), 128)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> ProxyEnv {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ProxyEnv::from_vars(|name| vars.get(name).cloned())
    }

    fn rule(vars: &[(&str, &str)]) -> ProxyRule {
        ProxyRule::new(&env(vars)).expect("a usable proxy")
    }

    /// The proxy URL a request to `url` would go through.
    fn via(rule: &ProxyRule, url: &str) -> Option<String> {
        rule.proxy_for(&Url::parse(url).expect("url"))
            .map(|p| p.url.to_string())
    }

    const API: &str = "https://api.partnercenter.microsoft.com/v1/customers";
    const LOGIN: &str = "https://login.microsoftonline.com/t/oauth2/token";

    #[test]
    fn each_scheme_takes_its_own_variable_in_either_case() {
        let upper = rule(&[
            ("HTTPS_PROXY", "http://secure:3128"),
            ("HTTP_PROXY", "http://plain:3128"),
        ]);
        assert_eq!(via(&upper, API).as_deref(), Some("http://secure:3128/"));
        assert_eq!(via(&upper, LOGIN).as_deref(), Some("http://secure:3128/"));
        assert_eq!(
            via(&upper, "http://sandbox.test/v1").as_deref(),
            Some("http://plain:3128/")
        );
        let lower = rule(&[("https_proxy", "http://secure:3128")]);
        assert_eq!(via(&lower, API).as_deref(), Some("http://secure:3128/"));
        assert_eq!(via(&lower, "http://sandbox.test/v1"), None, "no fallback");
        // Upper case wins; an empty one leaves the word to its twin, as in Go.
        let both = rule(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:2"),
        ]);
        assert_eq!(via(&both, API).as_deref(), Some("http://upper:1/"));
        let empty_upper = rule(&[("HTTPS_PROXY", ""), ("https_proxy", "http://lower:2")]);
        assert_eq!(via(&empty_upper, API).as_deref(), Some("http://lower:2/"));
        // ALL_PROXY is curl's, not Go's.
        assert_eq!(via(&rule(&[("ALL_PROXY", "http://all:1")]), API), None);
    }

    #[test]
    fn values_read_as_go_reads_them() {
        for (value, expected) in [
            ("proxy.corp:3128", "http://proxy.corp:3128/"),
            ("10.0.0.1:3128", "http://10.0.0.1:3128/"),
            ("localhost:3128", "http://localhost:3128/"),
            ("https://proxy.corp", "https://proxy.corp/"),
            (
                "http://user:p%40ss@proxy.corp:8080/",
                "http://user:p%40ss@proxy.corp:8080/",
            ),
        ] {
            let rule = rule(&[("HTTPS_PROXY", value)]);
            assert_eq!(via(&rule, API).as_deref(), Some(expected), "{value}");
        }
        let refused = |value| ProxyRule::new(&env(&[("https_proxy", value)])).map(|_| ());
        let variable = "https_proxy";
        assert_eq!(
            refused("socks5://proxy:1080"),
            Err(ConfigError::SocksProxy { variable })
        );
        for value in ["http://", ":", "http://[::1", "ftp://proxy:21"] {
            assert_eq!(
                refused(value),
                Err(ConfigError::ProxyUrl { variable }),
                "{value}"
            );
        }
    }

    #[test]
    fn credentials_never_show() {
        let proxy = Proxy::parse("HTTPS_PROXY", "http://user:hunter2@proxy.corp:8080").unwrap();
        assert_eq!(proxy.shown(), "http://proxy.corp:8080 (HTTPS_PROXY)");
        let env = env(&[("HTTPS_PROXY", "http://user:hunter2@proxy.corp:8080")]);
        assert!(!format!("{env:?}").contains("hunter2"), "{env:?}");
        let rule = ProxyRule::new(&env).expect("a proxy");
        assert!(!format!("{rule:?}").contains("hunter2"), "{rule:?}");
        let error = ProxyRule::new(&self::env(&[("HTTPS_PROXY", "socks5://u:hunter2@p:1")]))
            .expect_err("socks");
        assert!(!error.to_string().contains("hunter2"), "{error}");
    }

    #[test]
    fn loopback_is_never_proxied() {
        let rule = rule(&[("HTTPS_PROXY", "http://p:1"), ("HTTP_PROXY", "http://p:1")]);
        for url in [
            "http://127.0.0.1:8080/v1",
            "http://127.1.2.3/",
            "https://[::1]:443/",
            "http://localhost:3000/",
            "https://LOCALHOST/",
        ] {
            assert_eq!(via(&rule, url), None, "{url}");
        }
        assert!(via(&rule, "http://localhost.corp/").is_some());
    }

    #[test]
    fn no_proxy_entries_as_go_reads_them() {
        let cases: [(&str, &str, bool); 22] = [
            ("*", API, false),
            ("example.com, *", API, false),
            ("microsoft.com", API, false),
            ("partnercenter.microsoft.com", API, false),
            ("api.partnercenter.microsoft.com", API, false),
            ("API.PartnerCenter.Microsoft.com", API, false),
            ("soft.com", API, true),
            (".microsoft.com", API, false),
            ("*.microsoft.com", API, false),
            (".api.partnercenter.microsoft.com", API, true),
            ("microsoft.com:443", API, false),
            ("microsoft.com:8443", API, true),
            ("microsoftonline.com", API, true),
            ("microsoftonline.com", LOGIN, false),
            ("10.0.0.0/8", "https://10.1.2.3/", false),
            ("10.0.0.0/8", "https://11.1.2.3/", true),
            ("10.1.2.3", "https://10.1.2.3/", false),
            ("10.1.2.3:8443", "https://10.1.2.3/", true),
            ("10.1.2.3:8443", "https://10.1.2.3:8443/", false),
            ("fd00::/8", "https://[fd12::1]/", false),
            ("[fd12::1]:443", "https://[fd12::1]/", false),
            ("fd12::1", "https://[fd12::2]/", true),
        ];
        for (no_proxy, url, proxied) in cases {
            let rule = rule(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", no_proxy)]);
            assert_eq!(
                via(&rule, url).is_some(),
                proxied,
                "NO_PROXY={no_proxy} {url}"
            );
        }
        // Entries Go cannot read are ignored, the others still count.
        let rule = rule(&[
            ("HTTPS_PROXY", "http://p:1"),
            (
                "NO_PROXY",
                "a:b:c, 1.2.3.4/99, , ., microsoft.com:x, microsoft.com",
            ),
        ]);
        assert_eq!(via(&rule, API), None);
    }

    #[test]
    fn a_cgi_handler_ignores_http_proxy() {
        let rule = rule(&[
            ("HTTP_PROXY", "http://p:1"),
            ("HTTPS_PROXY", "http://p:1"),
            ("REQUEST_METHOD", "GET"),
        ]);
        assert_eq!(via(&rule, "http://sandbox.test/"), None);
        assert!(via(&rule, API).is_some());
    }

    #[test]
    fn network_prefixes() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_network(ip("192.168.1.7"), ip("192.168.0.0"), 16));
        assert!(!in_network(ip("192.169.1.7"), ip("192.168.0.0"), 16));
        assert!(in_network(ip("8.8.8.8"), ip("0.0.0.0"), 0));
        assert!(in_network(ip("1.2.3.4"), ip("1.2.3.4"), 32));
        assert!(!in_network(ip("1.2.3.5"), ip("1.2.3.4"), 32));
        assert!(!in_network(ip("::1"), ip("0.0.0.0"), 0), "families differ");
        assert!(in_network(ip("fe80::1"), ip("fe80::"), 10));
    }
}
