//! The failures partners meet in the field, one test per case, under every Terraform version:
//! the sandbox answers as Microsoft does (its named error cases, and what it answers an app-only
//! caller, a dead token or another cloud's token request); the diagnostic's summary and first
//! paragraph say what is wrong and what to do, Microsoft's own text follows with the ids of the
//! request that failed, nothing secret shows, and nothing is retried.

use partnercenter_sandbox::{DEMO_SCHOOL as SCHOOL, ErrorCase};
use serde_json::Value as Json;

use crate::common::{
    Sandbox, Workspace, assert_contains_all, assert_no_secret, diagnostics,
    for_each_version_with_sandbox,
};

/// How a case is brought about.
#[derive(Clone, Copy, Debug)]
enum Setup {
    /// The sandbox's named case, lasting.
    Case(ErrorCase),
    /// App-only credentials (no refresh token) setting a qualification.
    AppOnly,
    /// A ready access token the API does not know.
    DeadToken,
    /// `environment = "china"` signing in at an authority of the global cloud.
    OtherCloud,
}

/// What the diagnostic of a case says.
struct Expected {
    /// Part of the summary.
    summary: &'static str,
    /// Words of the detail's first paragraph: what to do.
    advice: &'static [&'static str],
    /// Microsoft's (or Entra's) own text, quoted after it.
    quoted: &'static str,
}

const GCC_ROLES: &str =
    "Directory Reader, Directory Writer, License Administrator or User Administrator";
const NEW_REFRESH_TOKEN: &[&str] = &["secure application model", "PARTNERCENTER_REFRESH_TOKEN"];

fn expected(setup: Setup) -> Expected {
    let says = |summary, advice, quoted| Expected {
        summary,
        advice,
        quoted,
    };
    match setup {
        Setup::Case(ErrorCase::MfaRequired) => says(
            "Partner Center refused the token: sign in again with multi-factor authentication",
            &["multi-factor", "secure application model", "refresh_token"],
            "code 900421: MFA required",
        ),
        Setup::Case(ErrorCase::NoRelationship) => says(
            "no reseller relationship with the customer",
            &[
                "no reseller relationship",
                "Request a reseller relationship",
            ],
            "code 20002: The partner ID",
        ),
        Setup::Case(ErrorCase::RoleMissing) => says(
            "a GDAP role is missing",
            &["GDAP", GCC_ROLES],
            "code 900150: The supplied role doesn't have the rights",
        ),
        Setup::Case(ErrorCase::AccessDenied) => says(
            "a GDAP role is missing",
            &["GDAP", GCC_ROLES],
            "code 2032: Access denied",
        ),
        Setup::Case(ErrorCase::BareString) => says(
            "Partner Center refused the request",
            &["reseller relationship", "App+User", GCC_ROLES],
            "HTTP 403 Forbidden: Customer tagging denied.",
        ),
        Setup::Case(ErrorCase::SignInNeedsMfa) => says(
            "Partner Center authentication failed: sign in again with multi-factor authentication",
            NEW_REFRESH_TOKEN,
            "AADSTS50076: Due to a configuration change",
        ),
        Setup::Case(ErrorCase::SignInNeedsMfaEnrollment) => says(
            "the user must set up multi-factor authentication",
            &["https://aka.ms/mfasetup", "secure application model"],
            "AADSTS50079: Due to a configuration change",
        ),
        Setup::Case(ErrorCase::RefreshTokenInactive) => says(
            "the refresh token has expired",
            NEW_REFRESH_TOKEN,
            "AADSTS700082: The refresh token has expired due to inactivity.",
        ),
        Setup::Case(ErrorCase::RefreshTokenExpired) => says(
            "the refresh token has expired",
            NEW_REFRESH_TOKEN,
            "AADSTS70008: The provided authorization code or refresh token has expired",
        ),
        Setup::Case(ErrorCase::RefreshTokenRevoked) => says(
            "the refresh token was revoked",
            &["password", "secure application model"],
            "AADSTS50173: The provided grant has expired due to it being revoked",
        ),
        Setup::Case(ErrorCase::NoConsent) => says(
            "grant admin consent to the application",
            &["admin consent", "client_id"],
            "AADSTS65001: The user or administrator has not consented",
        ),
        Setup::AppOnly => says(
            "it needs App+User credentials",
            &["application alone", "refresh_token"],
            "This resource can't be accessed by application credentials.",
        ),
        Setup::DeadToken => says(
            "Partner Center refused the token",
            &["access_token", "environment"],
            "HTTP 401 Unauthorized",
        ),
        Setup::OtherCloud => says(
            "check environment",
            &["environment", "\"usgovernment\""],
            "AADSTS500011: The resource principal named https://partner.partnercenterapi.microsoftonline.cn",
        ),
    }
}

/// One test per case; the list must name every case the sandbox knows.
macro_rules! cases {
    ($($name:ident: $setup:expr,)*) => {
        $(
            #[test]
            fn $name() {
                for_each_version_with_sandbox(|version, sandbox| check($setup, version, sandbox));
            }
        )*

        #[test]
        fn every_named_case_has_its_test() {
            let tested: Vec<Setup> = vec![$($setup),*];
            for case in ErrorCase::ALL {
                assert!(
                    tested.iter().any(|setup| matches!(setup, Setup::Case(c) if *c == case)),
                    "no test for {}", case.name()
                );
            }
        }
    };
}

cases! {
    mfa_required: Setup::Case(ErrorCase::MfaRequired),
    no_relationship: Setup::Case(ErrorCase::NoRelationship),
    role_missing: Setup::Case(ErrorCase::RoleMissing),
    access_denied: Setup::Case(ErrorCase::AccessDenied),
    bare_string: Setup::Case(ErrorCase::BareString),
    aadsts50076_sign_in_needs_mfa: Setup::Case(ErrorCase::SignInNeedsMfa),
    aadsts50079_mfa_enrollment: Setup::Case(ErrorCase::SignInNeedsMfaEnrollment),
    aadsts700082_refresh_token_inactive: Setup::Case(ErrorCase::RefreshTokenInactive),
    aadsts70008_refresh_token_expired: Setup::Case(ErrorCase::RefreshTokenExpired),
    aadsts50173_refresh_token_revoked: Setup::Case(ErrorCase::RefreshTokenRevoked),
    aadsts65001_no_consent: Setup::Case(ErrorCase::NoConsent),
    app_only_change: Setup::AppOnly,
    dead_access_token: Setup::DeadToken,
    another_clouds_authority: Setup::OtherCloud,
}

/// Creates the school's Education under `setup`: the apply fails with the case's diagnostic.
fn check(setup: Setup, version: &'static str, sandbox: &Sandbox) {
    let mut workspace = Workspace::new(
        version,
        &format!(
            "provider \"partnercenter\" {{}}\n\nresource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id   = \"{SCHOOL}\"\n  qualification = \"Education\"\n}}\n"
        ),
    );
    workspace.use_sandbox(sandbox);
    match setup {
        Setup::Case(case) => {
            sandbox.admin(sandbox.client.add_error_case(case, None));
        }
        // An empty variable is an unset one.
        Setup::AppOnly => workspace.set_env("PARTNERCENTER_REFRESH_TOKEN", ""),
        Setup::DeadToken => workspace.set_env("PARTNERCENTER_ACCESS_TOKEN", "not-a-token-it-knows"),
        Setup::OtherCloud => workspace.set_env("PARTNERCENTER_ENVIRONMENT", "china"),
    }
    workspace.init();
    sandbox.reset_counters();
    let said = workspace.fails(&["apply", "-input=false", "-auto-approve", "-json"]);
    let context = format!("{setup:?} under Terraform {version}");
    assert_no_secret(&said, &context);
    let errors: Vec<Json> = diagnostics(&said)
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{context}: {said}");
    let expected = expected(setup);
    let summary = errors[0]["summary"].as_str().unwrap_or_default();
    let detail = errors[0]["detail"].as_str().unwrap_or_default();
    assert!(
        summary.contains(expected.summary),
        "{context}: summary {summary:?}"
    );
    let (first, rest) = detail
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("{context}: one paragraph only: {detail}"));
    assert_contains_all(first, expected.advice, &context);
    assert!(
        rest.contains(expected.quoted),
        "{context}: {:?} not quoted in: {rest}",
        expected.quoted
    );
    assert_names_the_failed_request(sandbox, rest, &context);
}

/// The detail names the ids of the one request that failed, which was not retried: for the
/// API, the `MS-RequestId` and `MS-CorrelationId` the sandbox logged; for the token endpoint,
/// the `client-request-id` (Entra's correlation id) and Entra's trace id.
fn assert_names_the_failed_request(sandbox: &Sandbox, detail: &str, context: &str) {
    let requests = sandbox.admin(sandbox.client.requests());
    let failed: Vec<&Json> = requests
        .iter()
        .filter(|entry| entry["status"].as_u64().is_some_and(|s| s >= 400))
        .collect();
    assert_eq!(failed.len(), 1, "{context}: not retried: {requests:?}");
    let counters = sandbox.counters();
    if failed[0]["route"] == "POST token" {
        assert_eq!(counters.route("PUT qualification"), 0, "{context}");
        let sent = failed[0]["client_request_id"].as_str().expect("sent");
        assert!(
            detail.contains(&format!("client-request-id {sent}")),
            "{context}: client-request-id {sent} not in: {detail}"
        );
        // Entra's trace id is its own, logged nowhere the test can read: named, as a GUID.
        let trace_id = detail
            .split_once("trace ID ")
            .map(|(_, after)| &after[..36.min(after.len())])
            .unwrap_or_else(|| panic!("{context}: no trace ID in: {detail}"));
        assert!(
            uuid::Uuid::parse_str(trace_id).is_ok(),
            "{context}: trace ID {trace_id}"
        );
    } else {
        assert_eq!(counters.route("PUT qualification"), 1, "{context}");
        for header in ["ms_requestid", "ms_correlationid"] {
            let id = failed[0][header].as_str().expect("sent");
            assert!(
                detail.contains(id),
                "{context}: {header} {id} not in: {detail}"
            );
        }
    }
}
