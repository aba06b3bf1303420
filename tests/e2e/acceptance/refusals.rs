//! Partner Center's refusals and faults under Terraform: retried until the apply converges,
//! reported with the request's id, and the state kept true.

use partnercenter_sandbox::{DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, Qualification};
use serde_json::{Value as Json, json};

use super::{
    ADDRESS, config, config_with_base_url, env_workspace, in_state, new_workspace, school,
    school_government, server_qualification, set_out_of_band, state_qualification,
};
use crate::common::{Sandbox, diagnostic, events, for_each_version_with_sandbox};

/// Throttling and server errors during apply are retried until the apply converges; a PUT the
/// server refuses leaves the state as it was.
#[test]
fn faults_and_refusals() {
    for_each_version_with_sandbox(faults_and_refusals_under);
}

fn faults_and_refusals_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = new_workspace(version, sandbox, &school("Education"));
    sandbox.admin(sandbox.client.add_fault(
        json!({ "kind": "status", "status": 429, "retry_after_secs": 1, "count": 1, "method": "PUT" }),
    ));
    sandbox.admin(
        sandbox
            .client
            .add_fault(json!({ "kind": "status", "status": 503, "count": 2, "method": "PUT" })),
    );
    workspace.apply();
    assert_eq!(
        server_qualification(sandbox, SCHOOL),
        Qualification::Education,
        "{version}: converged"
    );
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("Education")
    );

    // Refused PUTs: the code does not exist. Terraform's state keeps Education for the school,
    // and the agency, not yet created, stays out of it.
    workspace.write_config(&config(
        sandbox,
        &format!(
            "{}\nresource \"partnercenter_customer_qualification\" \"agency\" {{\n  customer_id     = \"{AGENCY}\"\n  \
             qualification   = \"GovernmentCommunityCloud\"\n  validation_code = \"NO-SUCH-CODE\"\n}}\n",
            school_government("\"NO-SUCH-CODE\"")
        ),
    ));
    sandbox.reset_counters();
    let all = workspace.fails(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    assert!(
        all.contains("Partner Center refused the request"),
        "{version}: {all}"
    );
    // Each refused PUT's error names the MS-RequestId the sandbox received with it.
    let refused: Vec<String> = sandbox
        .admin(sandbox.client.requests())
        .iter()
        .filter(|entry| entry["route"] == "PUT qualification" && entry["status"] == 400)
        .filter_map(|entry| entry["ms_requestid"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(refused.len(), 2, "{version}: one refused PUT each");
    for request_id in &refused {
        assert!(
            all.contains(request_id.as_str()),
            "{version}: the error does not name the request id {request_id}: {all}"
        );
    }
    assert!(
        !all.contains("NO-SUCH-CODE"),
        "{version}: the validation code leaked: {all}"
    );
    assert_eq!(sandbox.puts(), 2, "{version}: one refused PUT each");
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("Education"),
        "{version}: state unchanged"
    );
    assert!(
        !in_state(&workspace, "partnercenter_customer_qualification.agency"),
        "{version}: a failed create leaves nothing in state"
    );
    assert_eq!(
        server_qualification(sandbox, SCHOOL),
        Qualification::Education
    );

    // A base_url with a wrong path answers a bare 404, without Partner Center's not-found
    // code: refresh fails, and the resource stays in state.
    workspace.write_config(&config_with_base_url(
        &format!("{}/nope", sandbox.url),
        sandbox,
        &school("Education"),
    ));
    let all = workspace.fails(&[
        "apply",
        "-refresh-only",
        "-input=false",
        "-no-color",
        "-auto-approve",
    ]);
    assert!(all.contains("HTTP 404"), "{version}: {all}");
    assert!(
        !all.contains("Customer not found in Partner Center"),
        "{version}: {all}"
    );
    assert!(
        in_state(&workspace, ADDRESS),
        "{version}: the resource must stay in state"
    );
}

/// A customer that disappeared is dropped from state with a warning, and the same plan
/// proposes to create it again; the data source reads. The provider block is empty: every
/// setting comes from the environment.
#[test]
fn missing_customer_and_data_source() {
    for_each_version_with_sandbox(missing_customer_and_data_source_under);
}

fn missing_customer_and_data_source_under(version: &'static str, sandbox: &Sandbox) {
    let resources = format!(
        "{}\ndata \"partnercenter_customer_qualification\" \"agency\" {{\n  customer_id = \"{AGENCY}\"\n}}\n\n\
         output \"agency\" {{\n  value = data.partnercenter_customer_qualification.agency.qualification\n}}\n",
        school("Education")
    );
    set_out_of_band(sandbox, AGENCY, Qualification::Nonprofit);
    let workspace = env_workspace(version, sandbox, &resources);
    workspace.apply();
    let output = workspace.json(&["output", "-json"]);
    assert_eq!(
        output["agency"]["value"], "Nonprofit",
        "{version}: {output}"
    );

    sandbox.admin(sandbox.client.remove_customer(SCHOOL));
    let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let warning = diagnostic(&stdout, "Customer not found in Partner Center");
    assert_eq!(warning["severity"], "warning", "{version}: {warning}");
    let detail = warning["detail"].as_str().unwrap_or_default();
    assert!(detail.ends_with('.'), "{version}: {detail}");
    let creates: Vec<Json> = events(&stdout, "planned_change")
        .into_iter()
        .filter(|e| e["change"]["resource"]["addr"] == ADDRESS)
        .collect();
    assert_eq!(creates.len(), 1, "{version}: {stdout}");
    assert_eq!(
        creates[0]["change"]["action"], "create",
        "{version}: {stdout}"
    );
}
