//! The provider in each Partner Center cloud and behind proxies, under every Terraform
//! version, each test in a network namespace of its own with nothing but loopback.
//!
//! The provider is given Microsoft's real endpoints (only `environment` set) and a proxy on
//! 127.0.0.1 in `HTTPS_PROXY`. The proxy records each `CONNECT host:port`, ends the TLS with a
//! certificate of its own CA (which `SSL_CERT_FILE` names, as a company installs a
//! TLS-inspecting proxy's CA) and hands the requests to the sandbox posing as that cloud, whose
//! token endpoint insists on the cloud's `resource`. The recorded targets are the hosts the
//! provider dialled; the namespace makes sure nothing could have gone anywhere else.

mod netns;
mod pki;
mod proxy;

use base64::Engine as _;
use partnercenter_sandbox::{Cloud, DEMO_SCHOOL as SCHOOL, DEMO_TENANT_ID, SandboxConfig};

use crate::common::{
    Sandbox, Workspace, assert_contains_all, diagnostics, for_each_version,
    for_each_version_with_sandbox, text,
};
use pki::Pki;
use proxy::RecordingProxy;

/// Each cloud's sign-in authority and REST API root, as Microsoft's pages give them
/// (partner-center-rest-urls, the Entra national-cloud page), written here as `host:443`.
const CLOUDS: [(Cloud, &str, &str); 3] = [
    (
        Cloud::Public,
        "login.microsoftonline.com:443",
        "api.partnercenter.microsoft.com:443",
    ),
    (
        Cloud::UsGovernment,
        "login.microsoftonline.us:443",
        "api.partnercenter.microsoft.com:443",
    ),
    (
        Cloud::China,
        "login.partner.microsoftonline.cn:443",
        "partner.partnercenterapi.microsoftonline.cn:443",
    ),
];

/// The proxy's certificate covers every host of [`CLOUDS`].
fn pki() -> Pki {
    let hosts: Vec<&str> = CLOUDS
        .iter()
        .flat_map(|(_, login, api)| [*login, *api])
        .map(|target| target.trim_end_matches(":443"))
        .collect();
    Pki::for_hosts(&hosts)
}

const SCHOOL_EDUCATION: &str = "resource \"partnercenter_customer_qualification\" \"school\" {\n  customer_id   = \"SCHOOL\"\n  qualification = \"Education\"\n}\n";
const VALIDATION_CODES: &str = "data \"partnercenter_validation_codes\" \"all\" {}\n";

/// `provider "partnercenter" {}` and `blocks`, the school's id filled in.
fn config(blocks: &[&str]) -> String {
    format!("provider \"partnercenter\" {{}}\n\n{}", blocks.join("\n")).replace("SCHOOL", SCHOOL)
}

/// A workspace signing in with the sandbox's demo credentials, at the endpoints `environment`
/// gives (no base_url, no authority_url), with these proxy variables and no other.
fn workspace(
    version: &'static str,
    sandbox: &Sandbox,
    environment: Cloud,
    proxies: &[(&str, String)],
    blocks: &[&str],
) -> Workspace {
    let mut workspace = Workspace::new(version, &config(blocks));
    workspace.use_sandbox(sandbox);
    // Empty is unset: the environment's own endpoints.
    workspace.set_env("PARTNERCENTER_BASE_URL", "");
    workspace.set_env("PARTNERCENTER_AUTHORITY_URL", "");
    workspace.set_env("PARTNERCENTER_ENVIRONMENT", environment.name());
    // None of the caller's proxy settings count.
    for key in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        workspace.set_env(key, "");
    }
    for (key, value) in proxies {
        workspace.set_env(key, value);
    }
    workspace.init();
    workspace
}

/// The variables by which the provider goes through `proxy` (named by `variable`) and trusts
/// `ca` and nothing else: the PEM file, and a folder of no certificates in place of the
/// system's. (Empty values would not do: to rustls an empty `SSL_CERT_FILE` is a file of no
/// certificates, not an unset variable.)
fn inspected_by(
    proxy: &RecordingProxy,
    variable: &'static str,
    pki: &Pki,
    ca: &std::path::Path,
) -> Vec<(&'static str, String)> {
    vec![
        (variable, proxy.url.clone()),
        ("SSL_CERT_FILE", ca.display().to_string()),
        ("SSL_CERT_DIR", pki.no_certificates.display().to_string()),
    ]
}

/// `terraform apply` in `workspace`, which must fail with one error: its summary and detail,
/// read from `-json` (the human form wraps long lines).
fn failed_apply(workspace: &Workspace) -> (String, String) {
    failure(
        workspace,
        &["apply", "-input=false", "-auto-approve", "-json"],
    )
}

/// `terraform plan`, which must fail likewise.
fn failed_plan(workspace: &Workspace) -> (String, String) {
    failure(workspace, &["plan", "-input=false", "-json"])
}

fn failure(workspace: &Workspace, args: &[&str]) -> (String, String) {
    let output = workspace.run(args);
    let said = text(&output);
    assert!(!output.status.success(), "{}: {said}", workspace.version);
    let errors: Vec<_> = diagnostics(&said)
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{}: {said}", workspace.version);
    let field = |name: &str| errors[0][name].as_str().unwrap_or_default().to_owned();
    (field("summary"), field("detail"))
}

/// Runs `test` in an isolated network namespace under each version, each time with a fresh
/// demo sandbox and a recording proxy in front of it that ends TLS with the test PKI's server
/// certificate.
fn for_each_version_behind_a_proxy(test: impl Fn(&'static str, &Pki, &Sandbox, &RecordingProxy)) {
    netns::isolated(|| {
        let pki = pki();
        for_each_version_with_sandbox(|version, sandbox| {
            let proxy = RecordingProxy::start(&sandbox.url, pki.server.clone());
            test(version, &pki, sandbox, &proxy);
        });
    });
}

/// `environment` alone sends the token request to the cloud's authority asking for the
/// cloud's resource, and the API calls to the cloud's root; 21Vianet is not asked for
/// validation codes.
#[test]
fn each_cloud_signs_in_at_its_authority_and_calls_its_root() {
    netns::isolated(|| {
        let pki = pki();
        for_each_version(|version| {
            for (cloud, login, api) in CLOUDS {
                let sandbox = Sandbox::start_with(SandboxConfig {
                    cloud,
                    ..SandboxConfig::default()
                });
                let proxy = RecordingProxy::start(&sandbox.url, pki.server.clone());
                let codes = cloud != Cloud::China;
                let blocks: &[&str] = if codes {
                    &[VALIDATION_CODES, SCHOOL_EDUCATION]
                } else {
                    &[SCHOOL_EDUCATION]
                };
                let proxies = inspected_by(&proxy, "HTTPS_PROXY", &pki, &pki.ca);
                let workspace = workspace(version, &sandbox, cloud, &proxies, blocks);
                sandbox.reset_counters();
                workspace.apply();
                let context = format!("{} under Terraform {version}", cloud.name());
                assert_eq!(
                    proxy.targets(),
                    [login, api],
                    "{context}: {:?}",
                    proxy.tunnels()
                );
                for tunnel in proxy.tunnels() {
                    let first = tunnel.first_request.unwrap_or_default();
                    let expected = if tunnel.target == login {
                        format!("POST /{DEMO_TENANT_ID}/oauth2/token ")
                    } else {
                        "/v1/customers/".to_owned()
                    };
                    assert!(
                        first.contains(&expected),
                        "{context}: {first} through {}",
                        tunnel.target
                    );
                }
                let counters = sandbox.counters();
                let tokens = counters.route("POST token");
                assert!(tokens >= 1, "{context}: {counters:?}");
                assert_eq!(
                    counters.token_resource(cloud.resource()),
                    tokens,
                    "{context}: {counters:?}"
                );
                assert_eq!(counters.route("PUT qualification"), 1, "{context}");
                assert_eq!(
                    counters.route("GET validations"),
                    u64::from(codes),
                    "{context}"
                );
                assert_eq!(workspace.plan_exit(&[]).0, 0, "{context}: refreshed clean");

                if !codes {
                    workspace.write_config(&config(&[VALIDATION_CODES, SCHOOL_EDUCATION]));
                    let (summary, detail) = failed_plan(&workspace);
                    assert_eq!(summary, "No validation codes in this Partner Center");
                    assert!(
                        detail.starts_with(
                            "Partner Center operated by 21Vianet (environment = \"china\") has \
                             no Government Community Cloud validation codes"
                        ),
                        "{context}: {detail}"
                    );
                    assert_eq!(
                        sandbox.counters().route("GET validations"),
                        0,
                        "{context}: not asked"
                    );
                }
            }
        });
    });
}

/// `https_proxy` and `no_proxy` count in lower case; `no_proxy` sends a host's requests
/// around the proxy, where nothing can be reached from the namespace.
#[test]
fn lower_case_variables_and_no_proxy_are_honoured() {
    let (_, login, api) = CLOUDS[0];
    for_each_version_behind_a_proxy(|version, pki, sandbox, proxy| {
        let workspace = |no_proxy: &str| {
            let mut proxies = inspected_by(proxy, "https_proxy", pki, &pki.ca);
            proxies.push(("no_proxy", no_proxy.to_owned()));
            proxies.push(("PARTNERCENTER_MAX_RETRIES", "0".to_owned()));
            workspace(
                version,
                sandbox,
                Cloud::Public,
                &proxies,
                &[SCHOOL_EDUCATION],
            )
        };

        let (summary, detail) = failed_apply(&workspace("example.com, microsoftonline.com"));
        assert_eq!(summary, "Partner Center authentication failed", "{version}");
        assert!(
            detail
                .contains("could not reach the token endpoint https://login.microsoftonline.com/"),
            "{version}: {detail}"
        );
        assert_eq!(proxy.targets(), Vec::<String>::new(), "{version}");

        let (summary, detail) = failed_apply(&workspace("microsoft.com"));
        assert_eq!(summary, "Partner Center request failed", "{version}");
        assert!(
            detail.contains("failed before Partner Center answered"),
            "{version}: {detail}"
        );
        assert_eq!(
            proxy.targets(),
            [login],
            "{version}: the token request only"
        );

        workspace("").apply();
        assert_eq!(proxy.targets(), [login, api], "{version}");
    });
}

/// `HTTP_PROXY` carries http URLs, with the credentials its URL holds, which show nowhere;
/// loopback addresses never go through a proxy.
#[test]
fn http_proxy_with_credentials_and_loopback_direct() {
    for_each_version_behind_a_proxy(|version, _, sandbox, proxy| {
        let credentials = "proxyuser:proxy-Secret-7";
        let with_credentials = proxy
            .url
            .replace("http://", &format!("http://{credentials}@"));
        let proxies = [("HTTP_PROXY", with_credentials)];

        let mut loopback = workspace(
            version,
            sandbox,
            Cloud::Public,
            &proxies,
            &[SCHOOL_EDUCATION],
        );
        loopback.set_env("PARTNERCENTER_BASE_URL", &sandbox.url);
        loopback.set_env("PARTNERCENTER_AUTHORITY_URL", &sandbox.url);
        loopback.apply();
        assert!(
            proxy.tunnels().is_empty(),
            "{version}: {:?}",
            proxy.tunnels()
        );

        let host = "partnercenter.sandbox.test";
        let mut named = workspace(
            version,
            sandbox,
            Cloud::Public,
            &proxies,
            &[SCHOOL_EDUCATION],
        );
        named.set_env("PARTNERCENTER_BASE_URL", &format!("http://{host}"));
        named.set_env("PARTNERCENTER_AUTHORITY_URL", &format!("http://{host}"));
        let said = named.traced(&["apply", "-input=false", "-no-color", "-auto-approve"]);
        let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
        for secret in ["proxy-Secret-7", basic.as_str()] {
            assert!(
                !said.contains(secret),
                "{version}: the proxy's password showed"
            );
        }
        let tunnels = proxy.tunnels();
        assert!(!tunnels.is_empty(), "{version}");
        for tunnel in tunnels {
            assert_eq!(tunnel.target, host, "{version}");
            assert_eq!(
                tunnel.authorization,
                Some(format!("Basic {basic}")),
                "{version}"
            );
            let first = tunnel.first_request.unwrap_or_default();
            assert!(
                first.contains(&format!(" http://{host}/")),
                "{version}: {first}"
            );
        }
    });
}

/// A TLS-inspecting proxy whose CA this machine does not trust: one attempt, and a
/// diagnostic that names the proxy's CA and where the provider reads trust roots.
#[test]
fn an_untrusted_inspecting_proxy_is_named_and_not_retried() {
    let (_, login, _) = CLOUDS[0];
    for_each_version_behind_a_proxy(|version, pki, sandbox, proxy| {
        let proxies = inspected_by(proxy, "HTTPS_PROXY", pki, &pki.other_ca);
        let workspace = workspace(
            version,
            sandbox,
            Cloud::Public,
            &proxies,
            &[SCHOOL_EDUCATION],
        );
        let (summary, detail) = failed_apply(&workspace);
        assert!(
            summary.contains("the server's TLS certificate is not trusted"),
            "{version}: {summary}: {detail}"
        );
        assert_contains_all(
            &detail,
            &[
                "TLS-inspecting proxy",
                "/etc/ssl/certs",
                "SSL_CERT_FILE",
                "UnknownIssuer",
            ],
            version,
        );
        let tunnels = proxy.tunnels();
        assert_eq!(tunnels.len(), 1, "{version}: not retried: {tunnels:?}");
        assert_eq!(
            (tunnels[0].target.as_str(), &tunnels[0].first_request),
            (login, &None)
        );
    });
}

/// Anything but the three names is refused before any request, naming the attribute (at its
/// line) or the variable, and the accepted values.
#[test]
fn an_unknown_environment_names_the_accepted_values() {
    for_each_version(|version| {
        let sandbox = Sandbox::start();
        let accepted = "environment must be \"public\", \"usgovernment\" or \"china\"";
        let mut workspace = Workspace::on_sandbox(
            version,
            &sandbox,
            &format!(
                "provider \"partnercenter\" {{\n  environment = \"AzureChinaCloud\"\n}}\n\n{}",
                SCHOOL_EDUCATION.replace("SCHOOL", SCHOOL)
            ),
        );
        let output = workspace.run(&["validate", "-json"]);
        let validated: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("validate -json prints JSON");
        let diagnostic = validated["diagnostics"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["summary"] == "Invalid environment"))
            .cloned()
            .unwrap_or_else(|| panic!("{version}: {validated}"));
        let detail = diagnostic["detail"].as_str().unwrap_or_default();
        assert!(detail.starts_with(accepted), "{version}: {detail}");
        workspace.assert_points_at(&diagnostic, "environment");

        workspace.write_config(&config(&[SCHOOL_EDUCATION]));
        workspace.set_env("PARTNERCENTER_ENVIRONMENT", "gcc");
        let (summary, detail) = failed_plan(&workspace);
        assert_eq!(summary, "Invalid environment", "{version}");
        assert_eq!(
            detail,
            format!("{accepted}; got \"gcc\" (from PARTNERCENTER_ENVIRONMENT)."),
            "{version}"
        );
        assert_eq!(sandbox.counters().total, 0, "{version}: nothing sent");
    });
}
