//! The provider's secrets under Terraform: out of trace logs and human output, marked sensitive
//! in its JSON.

use partnercenter_sandbox::{DEMO_ACCESS_TOKEN, DEMO_AGENCY as AGENCY, Qualification};

use super::{ADDRESS, agency_with_code_from_data_source, env_workspace, server_qualification};
use crate::common::{OLDEST, Sandbox, assert_no_secret, for_each_version_with_sandbox};

/// Secrets stay out of trace logs and human output; the JSON output marks them sensitive.
/// The provider block is empty: every setting comes from the environment.
#[test]
fn secrets_stay_hidden() {
    for_each_version_with_sandbox(secrets_stay_hidden_under);
}

fn secrets_stay_hidden_under(version: &'static str, sandbox: &Sandbox) {
    let mut workspace = env_workspace(version, sandbox, &agency_with_code_from_data_source(AGENCY));
    // App+User credentials: a token request, the validation codes read and one sent.
    workspace.traced(&["apply", "-input=false", "-no-color", "-auto-approve"]);

    // A ready access token: used as is (no token request), and never logged either.
    workspace.set_env("PARTNERCENTER_ACCESS_TOKEN", DEMO_ACCESS_TOKEN);
    sandbox.reset_counters();
    workspace.traced(&["plan", "-input=false", "-no-color"]);
    let counters = sandbox.counters();
    assert_eq!(counters.route("POST token"), 0, "{version}: {counters:?}");
    assert_eq!(
        counters.customer(AGENCY, "GET"),
        1,
        "{version}: {counters:?}"
    );
    let human = workspace.ok(&["show", "-no-color"]);
    assert_no_secret(&human, &format!("{version}: terraform show"));
    let resource = workspace.shown(ADDRESS).expect("resource in state");
    assert_eq!(
        resource["sensitive_values"]["validation_code"], true,
        "{version}: {resource}"
    );
    let codes = workspace
        .shown("data.partnercenter_validation_codes.all")
        .expect("data source in state");
    // Terraform 1.0's JSON marks only values made sensitive by the configuration, not by a
    // data source's schema; the human output above hides them in every version.
    if version != OLDEST {
        assert_eq!(
            codes["sensitive_values"]["codes"], true,
            "{version}: {codes}"
        );
    }
    assert_eq!(
        server_qualification(sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );
}
