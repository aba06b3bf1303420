//! `partnercenter_customer_qualification` and the data sources under real Terraform (both
//! pinned versions), against the sandbox over real sockets.

use crate::common::{Sandbox, Workspace, diagnostics, text};
use partnercenter_sandbox::{
    ACCESS_TOKEN_PREFIX, DEMO_ACCESS_TOKEN, DEMO_AGENCY as AGENCY, DEMO_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN, DEMO_SCHOOL as SCHOOL, DEMO_VALIDATION_CODE, Qualification,
};
use serde_json::{Value as Json, json};

const ADDRESS: &str = "partnercenter_customer_qualification.school";

/// A workspace whose provider talks to `sandbox` with App+User credentials from the environment.
fn new_workspace(version: &'static str, sandbox: &Sandbox, resources: &str) -> Workspace {
    let mut workspace = Workspace::new(version, &config(sandbox, resources));
    workspace.use_sandbox(sandbox);
    workspace.init();
    workspace
}

/// A workspace whose provider block is empty: every setting comes from `PARTNERCENTER_*`.
fn env_workspace(version: &'static str, sandbox: &Sandbox, resources: &str) -> Workspace {
    let mut workspace = Workspace::new(
        version,
        &format!("provider \"partnercenter\" {{}}\n\n{resources}"),
    );
    workspace.use_sandbox(sandbox);
    workspace.set_env("PARTNERCENTER_MAX_RETRIES", "4");
    workspace.init();
    workspace
}

fn config(sandbox: &Sandbox, resources: &str) -> String {
    config_with_base_url(&sandbox.url, sandbox, resources)
}

/// A provider block with its own `base_url`; tokens still come from the sandbox.
fn config_with_base_url(base_url: &str, sandbox: &Sandbox, resources: &str) -> String {
    format!(
        "provider \"partnercenter\" {{\n  base_url      = \"{base_url}\"\n  authority_url = \"{}\"\n  max_retries   = 4\n}}\n\n{resources}",
        sandbox.url
    )
}

fn school(qualification: &str) -> String {
    school_with(SCHOOL, qualification)
}

fn school_with(customer: &str, qualification: &str) -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id   = \"{customer}\"\n  qualification = \"{qualification}\"\n}}\n"
    )
}

/// The school as GovernmentCommunityCloud with `validation_code = <code>` (an HCL expression).
fn school_government(code: &str) -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id     = \"{SCHOOL}\"\n  \
         qualification   = \"GovernmentCommunityCloud\"\n  validation_code = {code}\n}}\n"
    )
}

fn agency_with_code_from_data_source(customer: &str) -> String {
    format!(
        "data \"partnercenter_validation_codes\" \"all\" {{}}\n\n\
         resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id     = \"{customer}\"\n  \
         qualification   = \"GovernmentCommunityCloud\"\n  \
         validation_code = data.partnercenter_validation_codes.all.codes[0].validation_id\n}}\n"
    )
}

/// The qualification the sandbox holds for `customer`.
fn server_qualification(sandbox: &Sandbox, customer: &str) -> Qualification {
    sandbox
        .admin(sandbox.client.qualification(customer))
        .unwrap_or_else(|| panic!("customer {customer} not in the sandbox"))
}

fn set_out_of_band(sandbox: &Sandbox, customer: &str, qualification: Qualification) {
    sandbox.admin(sandbox.client.set_qualification(customer, qualification));
}

/// How many requests of `method` the sandbox saw for `customer` since the last reset.
fn requests(sandbox: &Sandbox, customer: &str, method: &str) -> u64 {
    sandbox
        .admin(sandbox.client.counters())
        .customer(customer, method)
}

/// How many PUTs the sandbox saw for any customer since the last reset.
fn puts(sandbox: &Sandbox) -> u64 {
    sandbox
        .admin(sandbox.client.counters())
        .route("PUT qualification")
}

fn reset_counters(sandbox: &Sandbox) {
    sandbox.admin(sandbox.client.reset_counters());
}

/// `plan -detailed-exitcode`: 0 no changes, 2 changes; anything else fails the test.
fn plan_exit(workspace: &Workspace, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["plan", "-input=false", "-no-color", "-detailed-exitcode"];
    args.extend_from_slice(extra);
    let output = workspace.run(&args);
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 2,
        "plan failed ({code}):\n{}",
        text(&output)
    );
    (code, text(&output))
}

/// The planned change of the resource at `address` from a saved plan.
fn planned_change(workspace: &Workspace, address: &str) -> Json {
    workspace.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
    let plan = workspace.json(&["show", "-json", "tfplan"]);
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == address))
        .map(|c| c["change"].clone())
        .unwrap_or_else(|| panic!("no change for {address} in {plan}"))
}

fn apply(workspace: &Workspace) -> String {
    workspace.ok(&["apply", "-input=false", "-no-color", "-auto-approve"])
}

/// Whether Terraform's state holds `address` (read without the provider).
fn in_state(workspace: &Workspace, address: &str) -> bool {
    let output = workspace.run(&["state", "list"]);
    assert!(
        output.status.success() || text(&output).contains("No state file"),
        "{}: state list failed: {}",
        workspace.version,
        text(&output)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .any(|line| line.trim() == address)
}

/// The line of `main.tf` a `-json` diagnostic's range starts on.
fn source_line(workspace: &Workspace, diagnostic: &Json) -> String {
    let line = diagnostic["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
    let main_tf = std::fs::read_to_string(workspace.work_dir().join("main.tf")).expect("main.tf");
    main_tf
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or_default()
        .to_owned()
}

/// Asserts that the attribute path of `diagnostic` became the range of `attribute` in main.tf.
fn assert_points_at(workspace: &Workspace, diagnostic: &Json, attribute: &str) {
    let line = source_line(workspace, diagnostic);
    assert!(
        line.trim_start().starts_with(attribute),
        "{}: \"{}\" points at {line:?}, not at {attribute}: {diagnostic}",
        workspace.version,
        diagnostic["summary"]
    );
}

/// The `-json` events of one type Terraform printed, one JSON object a line.
fn events(stdout: &str, kind: &str) -> Vec<Json> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter(|event| event["type"] == kind)
        .collect()
}

fn state_qualification(workspace: &Workspace) -> Option<String> {
    let state = workspace.json(&["show", "-json"]);
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|resources| resources.iter().find(|r| r["address"] == ADDRESS))
        .and_then(|r| r["values"]["qualification"].as_str())
        .map(str::to_owned)
}

/// create → empty plan → case variants → update → drift → restore → replace → import →
/// destroy, counting requests.
fn lifecycle(version: &'static str) {
    let sandbox = Sandbox::start();
    let workspace = new_workspace(version, &sandbox, &school("education"));

    // Create: exactly one PUT, and the user's lower-case spelling gives no perpetual diff.
    reset_counters(&sandbox);
    apply(&workspace);
    assert_eq!(
        requests(&sandbox, SCHOOL, "PUT"),
        1,
        "{version}: create is one PUT"
    );
    assert_eq!(
        requests(&sandbox, SCHOOL, "GET"),
        0,
        "{version}: create needs no GET"
    );
    assert_eq!(
        server_qualification(&sandbox, SCHOOL),
        Qualification::Education
    );
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("education")
    );

    reset_counters(&sandbox);
    let (code, output) = plan_exit(&workspace, &[]);
    assert_eq!(
        code, 0,
        "{version}: plan after create must be empty:\n{output}"
    );
    assert_eq!(
        requests(&sandbox, SCHOOL, "GET"),
        1,
        "{version}: refresh is one GET"
    );
    assert_eq!(requests(&sandbox, SCHOOL, "PUT"), 0);

    // Case variants: another spelling of the qualification and of the customer id is an
    // in-place update (never a replacement) that sends nothing, and leaves no diff behind.
    workspace.write_config(&config(
        &sandbox,
        &school_with(&SCHOOL.to_uppercase(), "EDUCATION"),
    ));
    let change = planned_change(&workspace, ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    reset_counters(&sandbox);
    apply(&workspace);
    assert_eq!(
        puts(&sandbox),
        0,
        "{version}: a spelling change sends no PUT"
    );
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("EDUCATION")
    );
    let (code, output) = plan_exit(&workspace, &[]);
    assert_eq!(
        code, 0,
        "{version}: plan after a spelling change must be empty:\n{output}"
    );

    // Update in place to GovernmentCommunityCloud with a code from the data source.
    workspace.write_config(&config(
        &sandbox,
        &agency_with_code_from_data_source(SCHOOL),
    ));
    let change = planned_change(&workspace, ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    reset_counters(&sandbox);
    apply(&workspace);
    assert_eq!(
        requests(&sandbox, SCHOOL, "PUT"),
        1,
        "{version}: update is one PUT"
    );
    assert_eq!(
        server_qualification(&sandbox, SCHOOL),
        Qualification::GovernmentCommunityCloud
    );
    let (code, output) = plan_exit(&workspace, &[]);
    assert_eq!(
        code, 0,
        "{version}: plan after update must be empty:\n{output}"
    );

    // Drift: someone sets another qualification outside Terraform.
    set_out_of_band(&sandbox, SCHOOL, Qualification::Nonprofit);
    let (code, output) = plan_exit(&workspace, &["-refresh-only"]);
    assert_eq!(
        code, 2,
        "{version}: refresh-only plan must show the drift:\n{output}"
    );
    assert!(
        output.contains("changed outside of Terraform"),
        "{version}: {output}"
    );
    assert!(output.contains("Nonprofit"), "{version}: {output}");
    let change = planned_change(&workspace, ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    assert_eq!(change["before"]["qualification"], "Nonprofit");
    assert_eq!(change["after"]["qualification"], "GovernmentCommunityCloud");
    reset_counters(&sandbox);
    apply(&workspace);
    assert_eq!(
        requests(&sandbox, SCHOOL, "PUT"),
        1,
        "{version}: restoring is one PUT"
    );
    assert_eq!(puts(&sandbox), 1, "{version}: restoring is one PUT");
    assert_eq!(
        server_qualification(&sandbox, SCHOOL),
        Qualification::GovernmentCommunityCloud,
        "{version}: apply restores"
    );

    // Another customer replaces the resource: one PUT to the new customer, none to the old.
    workspace.write_config(&config(
        &sandbox,
        &agency_with_code_from_data_source(AGENCY),
    ));
    let change = planned_change(&workspace, ADDRESS);
    let actions = change["actions"].clone();
    assert!(
        actions == json!(["delete", "create"]) || actions == json!(["create", "delete"]),
        "{version}: a new customer_id must replace: {change}"
    );
    reset_counters(&sandbox);
    let output = apply(&workspace);
    assert!(
        output.contains("Partner Center cannot remove a qualification"),
        "{version}: the replaced customer keeps its qualification, and the user is told: {output}"
    );
    assert_eq!(requests(&sandbox, AGENCY, "PUT"), 1, "{version}");
    assert_eq!(requests(&sandbox, SCHOOL, "PUT"), 0, "{version}");
    assert_eq!(puts(&sandbox), 1, "{version}");
    assert_eq!(
        server_qualification(&sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );

    // Import into an empty state: a matching configuration plans no qualification change.
    let imported = new_workspace(
        version,
        &sandbox,
        &agency_with_code_from_data_source(SCHOOL),
    );
    imported.ok(&["import", "-input=false", "-no-color", ADDRESS, SCHOOL]);
    assert_eq!(
        state_qualification(&imported).as_deref(),
        Some("GovernmentCommunityCloud")
    );
    let change = planned_change(&imported, ADDRESS);
    assert_eq!(
        change["before"]["qualification"], change["after"]["qualification"],
        "{version}: {change}"
    );
    reset_counters(&sandbox);
    apply(&imported);
    assert_eq!(
        requests(&sandbox, SCHOOL, "PUT"),
        0,
        "{version}: recording the code needs no PUT"
    );

    // Destroy forgets the resource, warns, and leaves Partner Center as it was. Terraform
    // 1.3+ plans destroys, so the warning comes before the user approves; 1.0.3 shows it only
    // once the destroy is applied.
    reset_counters(&sandbox);
    let plan = workspace.ok(&["plan", "-destroy", "-input=false", "-no-color"]);
    let warned_at_plan = plan.contains("Warning: Qualification kept in Partner Center")
        && plan.contains("Partner Center cannot remove a qualification");
    assert_eq!(warned_at_plan, version != "1.0.3", "{version}: {plan}");
    if warned_at_plan {
        // The interactive destroy shows it above its question; answering "no" keeps it all.
        let prompt = answer_destroy_prompt(&workspace, "no");
        let asked_at = prompt.find("Do you really want to destroy");
        let warned_at = prompt.find("Qualification kept in Partner Center");
        assert!(
            matches!((warned_at, asked_at), (Some(w), Some(a)) if w < a),
            "{version}: the warning must come before the question: {prompt}"
        );
        assert!(prompt.contains("Destroy cancelled"), "{version}: {prompt}");
        assert!(in_state(&workspace, ADDRESS), "{version}: still managed");
    }
    let output = workspace.ok(&["destroy", "-input=false", "-no-color", "-auto-approve"]);
    assert!(
        output.contains("Warning: Qualification kept in Partner Center")
            && output.contains("Partner Center cannot remove a qualification"),
        "{version}: {output}"
    );
    assert_eq!(puts(&sandbox), 0);
    assert_eq!(
        server_qualification(&sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );
    assert_eq!(state_qualification(&workspace), None);
}

/// Runs an interactive `terraform destroy`, types `answer` at its question, and returns all
/// it printed.
fn answer_destroy_prompt(workspace: &Workspace, answer: &str) -> String {
    use std::io::Write as _;
    let mut child = workspace
        .command(crate::common::terraform(workspace.version))
        .args(["destroy", "-no-color"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start terraform destroy");
    let mut stdin = child.stdin.take().expect("terraform's stdin");
    writeln!(stdin, "{answer}").expect("answer the question");
    drop(stdin);
    let output = child.wait_with_output().expect("terraform destroy");
    crate::common::text(&output)
}

#[test]
fn lifecycle_terraform_1_15_5() {
    lifecycle("1.15.5");
}

#[test]
fn lifecycle_terraform_1_0_3() {
    lifecycle("1.0.3");
}

/// Each invalid configuration is refused at plan time, pointing at the attribute; a value
/// known only at apply is accepted at plan and refused at apply, before any request.
fn validation_errors(version: &'static str) {
    let sandbox = Sandbox::start();
    let workspace = new_workspace(version, &sandbox, &school("Education"));
    let invalid = "Invalid qualification";
    let missing_code = "Missing validation_code";
    let cases = [
        (school("None"), "qualification", invalid, "error"),
        (school("Nonprofit"), "qualification", invalid, "error"),
        (school("Gold"), "qualification", invalid, "error"),
        (
            school_with("customer-1", "Education"),
            "customer_id",
            "Invalid customer_id",
            "error",
        ),
        (
            school_government("null"),
            "validation_code",
            missing_code,
            "error",
        ),
        (
            school_government("\"  \""),
            "validation_code",
            missing_code,
            "error",
        ),
        (
            format!(
                "resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id     = \"{SCHOOL}\"\n  \
                 qualification   = \"Education\"\n  validation_code = \"{DEMO_VALIDATION_CODE}\"\n}}\n"
            ),
            "validation_code",
            "validation_code is not used",
            "warning",
        ),
    ];
    for (resources, attribute, summary, severity) in cases {
        workspace.write_config(&config(&sandbox, &resources));
        // A missing code is an error only when a request will be sent, which only a plan
        // knows (here: a create); the other checks need no state and run at validate.
        let (output, found) = if summary == missing_code {
            let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
            let found = diagnostics(&String::from_utf8_lossy(&output.stdout));
            (output, found)
        } else {
            let output = workspace.run(&["validate", "-json", "-no-color"]);
            let report: Json = serde_json::from_slice(&output.stdout).expect("validate -json");
            let found = report["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            (output, found)
        };
        assert_eq!(
            output.status.success(),
            severity == "warning",
            "{version}: {resources}: {}",
            text(&output)
        );
        let diagnostic = found
            .iter()
            .find(|d| d["summary"] == summary)
            .unwrap_or_else(|| panic!("{version}: no \"{summary}\" in {found:?}"));
        assert_eq!(diagnostic["severity"], severity);
        assert_points_at(&workspace, diagnostic, attribute);
        if attribute == "qualification" {
            let detail = diagnostic["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains("Education or GovernmentCommunityCloud"),
                "{version}: {detail}"
            );
        }
    }

    // `terraform validate` knows nothing of what a plan will send: a missing code is fine there.
    workspace.write_config(&config(&sandbox, &school_government("null")));
    let report = workspace.json(&["validate", "-json", "-no-color"]);
    assert_eq!(report["valid"], true, "{version}: {report}");

    // The same checks run at plan time (validate is only one way to reach them).
    workspace.write_config(&config(&sandbox, &school_government("\"\"")));
    let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
    assert!(
        !output.status.success(),
        "{version}: an empty code must fail the plan"
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let found = diagnostics(&stdout);
    let diagnostic = found
        .iter()
        .find(|d| d["summary"] == missing_code)
        .unwrap_or_else(|| panic!("{version}: no \"{missing_code}\" in {stdout}"));
    assert_eq!(diagnostic["severity"], "error");
    assert_points_at(&workspace, diagnostic, "validation_code");

    // Known only at apply: the plan accepts it, the apply refuses it at the attribute.
    workspace.write_config(&config(
        &sandbox,
        &format!(
            "resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id   = \"{SCHOOL}\"\n  \
             qualification = timestamp() != \"\" ? \"Nonprofit\" : \"Education\"\n}}\n"
        ),
    ));
    let output = workspace.run(&[
        "apply",
        "-input=false",
        "-no-color",
        "-json",
        "-auto-approve",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        !output.status.success(),
        "{version}: the apply must fail: {stdout}"
    );
    // Terraform validates the configuration again once its values are known, before it
    // applies: that is where the error comes from, after a plan that accepted the unknown.
    assert!(
        events(&stdout, "planned_change")
            .iter()
            .any(
                |e| e["change"]["resource"]["addr"] == ADDRESS && e["change"]["action"] == "create"
            ),
        "{version}: the plan must accept the unknown: {stdout}"
    );
    let errors: Vec<Json> = diagnostics(&stdout)
        .into_iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{version}: {stdout}");
    assert_eq!(errors[0]["summary"], invalid, "{version}: {stdout}");
    assert_points_at(&workspace, &errors[0], "qualification");
    assert!(
        !in_state(&workspace, ADDRESS),
        "{version}: nothing was created"
    );

    // Nothing reached Partner Center.
    assert_eq!(puts(&sandbox), 0);
}

#[test]
fn validation_errors_terraform_1_15_5() {
    validation_errors("1.15.5");
}

#[test]
fn validation_errors_terraform_1_0_3() {
    validation_errors("1.0.3");
}

/// Throttling and server errors during apply are retried until the apply converges; a PUT the
/// server refuses leaves the state as it was.
fn faults_and_refusals(version: &'static str) {
    let sandbox = Sandbox::start();
    let workspace = new_workspace(version, &sandbox, &school("Education"));
    sandbox.admin(sandbox.client.add_fault(
        json!({ "kind": "status", "status": 429, "retry_after_secs": 1, "count": 1, "method": "PUT" }),
    ));
    sandbox.admin(
        sandbox
            .client
            .add_fault(json!({ "kind": "status", "status": 503, "count": 2, "method": "PUT" })),
    );
    apply(&workspace);
    assert_eq!(
        server_qualification(&sandbox, SCHOOL),
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
        &sandbox,
        &format!(
            "{}\nresource \"partnercenter_customer_qualification\" \"agency\" {{\n  customer_id     = \"{AGENCY}\"\n  \
             qualification   = \"GovernmentCommunityCloud\"\n  validation_code = \"NO-SUCH-CODE\"\n}}\n",
            school_government("\"NO-SUCH-CODE\"")
        ),
    ));
    reset_counters(&sandbox);
    let output = workspace.run(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    assert!(
        !output.status.success(),
        "{version}: the refused PUT must fail the apply"
    );
    let all = text(&output);
    assert!(
        all.contains("Partner Center refused the request"),
        "{version}: {all}"
    );
    assert!(
        all.contains("MS-RequestId"),
        "{version}: the error names the request id: {all}"
    );
    assert!(
        !all.contains("NO-SUCH-CODE"),
        "{version}: the validation code leaked: {all}"
    );
    assert_eq!(puts(&sandbox), 2, "{version}: one refused PUT each");
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
        server_qualification(&sandbox, SCHOOL),
        Qualification::Education
    );

    // A base_url with a wrong path answers a bare 404, without Partner Center's not-found
    // code: refresh fails, and the resource stays in state.
    workspace.write_config(&config_with_base_url(
        &format!("{}/nope", sandbox.url),
        &sandbox,
        &school("Education"),
    ));
    let output = workspace.run(&[
        "apply",
        "-refresh-only",
        "-input=false",
        "-no-color",
        "-auto-approve",
    ]);
    let all = text(&output);
    assert!(
        !output.status.success(),
        "{version}: a 404 from a wrong base_url must fail the refresh: {all}"
    );
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

#[test]
fn faults_and_refusals_terraform_1_15_5() {
    faults_and_refusals("1.15.5");
}

#[test]
fn faults_and_refusals_terraform_1_0_3() {
    faults_and_refusals("1.0.3");
}

/// Secrets stay out of trace logs and human output; the JSON output marks them sensitive.
/// The provider block is empty: every setting comes from the environment.
fn secrets_stay_hidden(version: &'static str) {
    let sandbox = Sandbox::start();
    let mut workspace = env_workspace(
        version,
        &sandbox,
        &agency_with_code_from_data_source(AGENCY),
    );
    workspace.set_env("TF_LOG", "trace");
    let output = workspace.run(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    let all = text(&output);
    assert!(output.status.success(), "{version}: {all}");
    for secret in [
        DEMO_VALIDATION_CODE,
        DEMO_CLIENT_SECRET,
        DEMO_REFRESH_TOKEN,
        ACCESS_TOKEN_PREFIX,
    ] {
        assert!(
            !all.contains(secret),
            "{version}: {secret} appeared in TF_LOG=trace output"
        );
    }

    // A ready access token: used as is (no token request), and never logged either.
    workspace.set_env("PARTNERCENTER_ACCESS_TOKEN", DEMO_ACCESS_TOKEN);
    reset_counters(&sandbox);
    let output = workspace.run(&["plan", "-input=false", "-no-color"]);
    let all = text(&output);
    assert!(output.status.success(), "{version}: {all}");
    assert!(
        !all.contains(DEMO_ACCESS_TOKEN),
        "{version}: the access token appeared in TF_LOG=trace output"
    );
    let counters = sandbox.admin(sandbox.client.counters());
    assert_eq!(counters.route("POST token"), 0, "{version}: {counters:?}");
    assert_eq!(
        counters.customer(AGENCY, "GET"),
        1,
        "{version}: {counters:?}"
    );
    workspace.set_env("TF_LOG", "");
    let human = workspace.ok(&["show", "-no-color"]);
    assert!(!human.contains(DEMO_VALIDATION_CODE), "{version}: {human}");
    let state = workspace.json(&["show", "-json"]);
    let resources = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let resource = resources
        .iter()
        .find(|r| r["address"] == ADDRESS)
        .expect("resource in state");
    assert_eq!(
        resource["sensitive_values"]["validation_code"], true,
        "{version}: {resource}"
    );
    let codes = resources
        .iter()
        .find(|r| r["address"] == "data.partnercenter_validation_codes.all")
        .expect("data source in state");
    // Terraform 1.0's JSON marks only values made sensitive by the configuration, not by a
    // data source's schema; the human output above hides them in every version.
    if version != "1.0.3" {
        assert_eq!(
            codes["sensitive_values"]["codes"], true,
            "{version}: {codes}"
        );
    }
    assert_eq!(
        server_qualification(&sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );
}

#[test]
fn secrets_stay_hidden_terraform_1_15_5() {
    secrets_stay_hidden("1.15.5");
}

#[test]
fn secrets_stay_hidden_terraform_1_0_3() {
    secrets_stay_hidden("1.0.3");
}

/// A customer that disappeared is dropped from state with a warning, and the same plan
/// proposes to create it again; the data source reads. The provider block is empty: every
/// setting comes from the environment.
fn missing_customer_and_data_source(version: &'static str) {
    let sandbox = Sandbox::start();
    let resources = format!(
        "{}\ndata \"partnercenter_customer_qualification\" \"agency\" {{\n  customer_id = \"{AGENCY}\"\n}}\n\n\
         output \"agency\" {{\n  value = data.partnercenter_customer_qualification.agency.qualification\n}}\n",
        school("Education")
    );
    set_out_of_band(&sandbox, AGENCY, Qualification::Nonprofit);
    let workspace = env_workspace(version, &sandbox, &resources);
    apply(&workspace);
    let output = workspace.json(&["output", "-json"]);
    assert_eq!(
        output["agency"]["value"], "Nonprofit",
        "{version}: {output}"
    );

    sandbox.admin(sandbox.client.remove_customer(SCHOOL));
    let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let warnings: Vec<Json> = diagnostics(&stdout)
        .into_iter()
        .filter(|d| d["severity"] == "warning")
        .collect();
    let warning = warnings
        .iter()
        .find(|w| w["summary"] == "Customer not found in Partner Center")
        .unwrap_or_else(|| panic!("{version}: no not-found warning in {stdout}"));
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

#[test]
fn missing_customer_and_data_source_terraform_1_15_5() {
    missing_customer_and_data_source("1.15.5");
}

#[test]
fn missing_customer_and_data_source_terraform_1_0_3() {
    missing_customer_and_data_source("1.0.3");
}

/// Terraform 1.5+ `import` blocks plan an import with no qualification change.
#[test]
fn import_block_terraform_1_15_5() {
    let sandbox = Sandbox::start();
    set_out_of_band(&sandbox, SCHOOL, Qualification::Education);
    let resources = format!(
        "import {{\n  to = {ADDRESS}\n  id = \"{SCHOOL}\"\n}}\n\n{}",
        school("Education")
    );
    let workspace = new_workspace("1.15.5", &sandbox, &resources);
    let change = planned_change(&workspace, ADDRESS);
    assert_eq!(change["actions"], json!(["no-op"]), "{change}");
    assert!(change["importing"].is_object(), "{change}");
    apply(&workspace);
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("Education")
    );
}
