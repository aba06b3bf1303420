//! `partnercenter_customer_qualification` and the data sources under real Terraform (every
//! pinned version), against the sandbox over real sockets: the resource's whole life here, and
//! in the submodules what it refuses, how it meets Partner Center's refusals, and its secrets.

mod refusals;
mod secrets;
mod validation;

use crate::common::{
    NEWEST, OLDEST, Sandbox, Workspace, for_each_version_with_sandbox, terraform, text,
};
use partnercenter_sandbox::{DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, Qualification};
use serde_json::json;

const ADDRESS: &str = "partnercenter_customer_qualification.school";

/// A workspace whose provider talks to `sandbox` with App+User credentials from the environment.
fn new_workspace(version: &'static str, sandbox: &Sandbox, resources: &str) -> Workspace {
    Workspace::on_sandbox(version, sandbox, &config(sandbox, resources))
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
    sandbox.counters().customer(customer, method)
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

/// The school's qualification in Terraform's state, if the state holds the school.
fn state_qualification(workspace: &Workspace) -> Option<String> {
    workspace
        .shown(ADDRESS)
        .and_then(|r| r["values"]["qualification"].as_str().map(str::to_owned))
}

/// create → empty plan → case variants → update → drift → restore → replace → import →
/// destroy, counting requests.
#[test]
fn lifecycle() {
    for_each_version_with_sandbox(lifecycle_under);
}

fn lifecycle_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = new_workspace(version, sandbox, &school("education"));

    // Create: exactly one PUT, and the user's lower-case spelling gives no perpetual diff.
    sandbox.reset_counters();
    workspace.apply();
    assert_eq!(
        requests(sandbox, SCHOOL, "PUT"),
        1,
        "{version}: create is one PUT"
    );
    assert_eq!(
        requests(sandbox, SCHOOL, "GET"),
        0,
        "{version}: create needs no GET"
    );
    assert_eq!(
        server_qualification(sandbox, SCHOOL),
        Qualification::Education
    );
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("education")
    );

    sandbox.reset_counters();
    let (code, output) = workspace.plan_exit(&[]);
    assert_eq!(
        code, 0,
        "{version}: plan after create must be empty:\n{output}"
    );
    assert_eq!(
        requests(sandbox, SCHOOL, "GET"),
        1,
        "{version}: refresh is one GET"
    );
    assert_eq!(requests(sandbox, SCHOOL, "PUT"), 0);

    // Case variants: another spelling of the qualification and of the customer id is an
    // in-place update (never a replacement) that sends nothing, and leaves no diff behind.
    workspace.write_config(&config(
        sandbox,
        &school_with(&SCHOOL.to_uppercase(), "EDUCATION"),
    ));
    let change = workspace.planned_change(ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    sandbox.reset_counters();
    workspace.apply();
    assert_eq!(
        sandbox.puts(),
        0,
        "{version}: a spelling change sends no PUT"
    );
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("EDUCATION")
    );
    let (code, output) = workspace.plan_exit(&[]);
    assert_eq!(
        code, 0,
        "{version}: plan after a spelling change must be empty:\n{output}"
    );

    // Update in place to GovernmentCommunityCloud with a code from the data source.
    workspace.write_config(&config(sandbox, &agency_with_code_from_data_source(SCHOOL)));
    let change = workspace.planned_change(ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    sandbox.reset_counters();
    workspace.apply();
    assert_eq!(
        requests(sandbox, SCHOOL, "PUT"),
        1,
        "{version}: update is one PUT"
    );
    assert_eq!(
        server_qualification(sandbox, SCHOOL),
        Qualification::GovernmentCommunityCloud
    );
    let (code, output) = workspace.plan_exit(&[]);
    assert_eq!(
        code, 0,
        "{version}: plan after update must be empty:\n{output}"
    );

    // Drift: someone sets another qualification outside Terraform.
    set_out_of_band(sandbox, SCHOOL, Qualification::Nonprofit);
    let (code, output) = workspace.plan_exit(&["-refresh-only"]);
    assert_eq!(
        code, 2,
        "{version}: refresh-only plan must show the drift:\n{output}"
    );
    assert!(
        output.contains("changed outside of Terraform"),
        "{version}: {output}"
    );
    assert!(output.contains("Nonprofit"), "{version}: {output}");
    let change = workspace.planned_change(ADDRESS);
    assert_eq!(change["actions"], json!(["update"]), "{version}: {change}");
    assert_eq!(change["before"]["qualification"], "Nonprofit");
    assert_eq!(change["after"]["qualification"], "GovernmentCommunityCloud");
    sandbox.reset_counters();
    workspace.apply();
    assert_eq!(
        requests(sandbox, SCHOOL, "PUT"),
        1,
        "{version}: restoring is one PUT"
    );
    assert_eq!(sandbox.puts(), 1, "{version}: restoring is one PUT");
    assert_eq!(
        server_qualification(sandbox, SCHOOL),
        Qualification::GovernmentCommunityCloud,
        "{version}: apply restores"
    );

    // Another customer replaces the resource: one PUT to the new customer, none to the old.
    workspace.write_config(&config(sandbox, &agency_with_code_from_data_source(AGENCY)));
    let change = workspace.planned_change(ADDRESS);
    let actions = change["actions"].clone();
    assert!(
        actions == json!(["delete", "create"]) || actions == json!(["create", "delete"]),
        "{version}: a new customer_id must replace: {change}"
    );
    sandbox.reset_counters();
    let output = workspace.apply();
    assert!(
        output.contains("Partner Center cannot remove a qualification"),
        "{version}: the replaced customer keeps its qualification, and the user is told: {output}"
    );
    assert_eq!(requests(sandbox, AGENCY, "PUT"), 1, "{version}");
    assert_eq!(requests(sandbox, SCHOOL, "PUT"), 0, "{version}");
    assert_eq!(sandbox.puts(), 1, "{version}");
    assert_eq!(
        server_qualification(sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );

    // Import into an empty state: a matching configuration plans no qualification change.
    let imported = new_workspace(version, sandbox, &agency_with_code_from_data_source(SCHOOL));
    imported.ok(&["import", "-input=false", "-no-color", ADDRESS, SCHOOL]);
    assert_eq!(
        state_qualification(&imported).as_deref(),
        Some("GovernmentCommunityCloud")
    );
    let change = imported.planned_change(ADDRESS);
    assert_eq!(
        change["before"]["qualification"], change["after"]["qualification"],
        "{version}: {change}"
    );
    sandbox.reset_counters();
    imported.apply();
    assert_eq!(
        requests(sandbox, SCHOOL, "PUT"),
        0,
        "{version}: recording the code needs no PUT"
    );

    // Destroy forgets the resource, warns, and leaves Partner Center as it was. Terraform
    // 1.3+ plans destroys, so the warning comes before the user approves; 1.0.3 shows it only
    // once the destroy is applied.
    sandbox.reset_counters();
    let plan = workspace.ok(&["plan", "-destroy", "-input=false", "-no-color"]);
    let warned_at_plan = plan.contains("Warning: Qualification kept in Partner Center")
        && plan.contains("Partner Center cannot remove a qualification");
    assert_eq!(warned_at_plan, version != OLDEST, "{version}: {plan}");
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
    assert_eq!(sandbox.puts(), 0);
    assert_eq!(
        server_qualification(sandbox, AGENCY),
        Qualification::GovernmentCommunityCloud
    );
    assert_eq!(state_qualification(&workspace), None);
}

/// Runs an interactive `terraform destroy`, types `answer` at its question, and returns all
/// it printed.
fn answer_destroy_prompt(workspace: &Workspace, answer: &str) -> String {
    use std::io::Write as _;
    let mut child = workspace
        .command(terraform(workspace.version))
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
    text(&output)
}

/// Terraform 1.5+ `import` blocks plan an import with no qualification change.
#[test]
fn import_block() {
    let sandbox = Sandbox::start();
    set_out_of_band(&sandbox, SCHOOL, Qualification::Education);
    let resources = format!(
        "import {{\n  to = {ADDRESS}\n  id = \"{SCHOOL}\"\n}}\n\n{}",
        school("Education")
    );
    let workspace = new_workspace(NEWEST, &sandbox, &resources);
    let change = workspace.planned_change(ADDRESS);
    assert_eq!(change["actions"], json!(["no-op"]), "{change}");
    assert!(change["importing"].is_object(), "{change}");
    workspace.apply();
    assert_eq!(
        state_qualification(&workspace).as_deref(),
        Some("Education")
    );
}
