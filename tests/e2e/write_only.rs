//! `validation_code_wo`: the validation code reaches Partner Center but never the plan or the
//! state (Terraform 1.11+), and Terraform versions without write-only attributes get a clear
//! error instead of a stored secret.

use std::path::Path;

use base64::Engine as _;

use crate::common::{NEWEST, OLDEST, Sandbox, Workspace, diagnostic, temp_dir, zip};
use partnercenter_sandbox::{
    DEMO_AGENCY as AGENCY, DEMO_SINGLE_USE_VALIDATION_CODE as SECOND_CODE,
    DEMO_VALIDATION_CODE as FIRST_CODE, Qualification,
};
use serde_json::Value as Json;

/// The agency with its code from an ephemeral variable, as a careful user writes it: neither
/// the plan nor the state may then hold it (a literal would sit in the configuration itself).
fn agency(version: u32) -> String {
    format!(
        "variable \"code\" {{\n  type      = string\n  sensitive = true\n  ephemeral = true\n}}\n\n\
         resource \"partnercenter_customer_qualification\" \"agency\" {{\n  \
         customer_id                = \"{AGENCY}\"\n  \
         qualification              = \"GovernmentCommunityCloud\"\n  \
         validation_code_wo         = var.code\n  \
         validation_code_wo_version = {version}\n}}\n"
    )
}

fn workspace(version: &'static str, sandbox: &Sandbox, resources: &str, code: &str) -> Workspace {
    let mut workspace = Workspace::new(version, resources);
    workspace.use_sandbox(sandbox);
    workspace.set_env("TF_VAR_code", code);
    workspace.init();
    workspace
}

/// A saved plan is a zip of compressed entries (the plan, the configuration, the state): none
/// of them, decompressed, may hold a code.
fn assert_plan_file_holds_no_code(plan: &Path) {
    let unpacked = temp_dir("tfpc-plan");
    let entries = zip::extract(plan, unpacked.path());
    assert!(
        entries.iter().any(|entry| entry.ends_with("tfplan")),
        "no plan in the plan file: {entries:?}"
    );
    for entry in &entries {
        let contents = std::fs::read(entry).expect("a plan file entry");
        assert!(
            !holds_a_code(&contents),
            "{} of the plan file holds a code",
            entry.display()
        );
    }
}

/// How many more qualifications the sandbox lets `code` create: spending one proves a
/// request carried it.
fn remaining_creates(sandbox: &Sandbox, code: &str) -> i64 {
    let state = sandbox.admin(sandbox.client.state());
    state
        .validation_codes
        .iter()
        .find(|c| c.validation_id == code)
        .map(|c| c.remaining_creates)
        .unwrap_or_else(|| panic!("no code {code} in the sandbox"))
}

/// Whether `bytes` hold either validation code.
fn holds_a_code(bytes: &[u8]) -> bool {
    [FIRST_CODE, SECOND_CODE].iter().any(|code| {
        bytes
            .windows(code.len())
            .any(|window| window == code.as_bytes())
    })
}

/// A check that no code appears anywhere in the state file, its provider's private data
/// (base64 there) included; the resource's attributes in it.
fn assert_state_holds_no_code(workspace: &Workspace, step: &str) -> Json {
    let raw = std::fs::read_to_string(workspace.work_dir().join("terraform.tfstate"))
        .expect("terraform.tfstate");
    assert!(
        !holds_a_code(raw.as_bytes()),
        "{step}: a code is in the state file:\n{raw}"
    );
    let state: Json = serde_json::from_str(&raw).expect("state JSON");
    let instance = &state["resources"][0]["instances"][0];
    if let Some(private) = instance["private"].as_str() {
        let private = base64::engine::general_purpose::STANDARD
            .decode(private)
            .expect("the private data is base64");
        assert!(
            !holds_a_code(&private),
            "{step}: a code is in the private data"
        );
    }
    let attributes = instance["attributes"].clone();
    assert_eq!(attributes["validation_code_wo"], Json::Null, "{step}");
    assert_eq!(attributes["validation_code"], Json::Null, "{step}");
    attributes
}

#[test]
fn write_only_code_is_sent_but_never_stored() {
    let sandbox = Sandbox::start();
    let mut workspace = workspace(NEWEST, &sandbox, &agency(1), FIRST_CODE);
    let before = remaining_creates(&sandbox, FIRST_CODE);

    // A saved plan holds no trace of the code, in any form Terraform shows it.
    workspace.ok(&["plan", "-input=false", "-no-color", "-out=create.tfplan"]);
    let shown = workspace.ok(&["show", "-json", "create.tfplan"]);
    assert!(
        !shown.contains(FIRST_CODE),
        "the saved plan shows the code: {shown}"
    );
    assert_plan_file_holds_no_code(&workspace.work_dir().join("create.tfplan"));

    // Create: the PUT carried the code (one create spent); the state has none of it.
    workspace.ok(&["apply", "-input=false", "-no-color", "create.tfplan"]);
    assert_eq!(remaining_creates(&sandbox, FIRST_CODE), before - 1);
    let attributes = assert_state_holds_no_code(&workspace, "after create");
    assert_eq!(attributes["validation_code_wo_version"], 1);
    assert_eq!(attributes["qualification"], "GovernmentCommunityCloud");

    // Refresh: still nothing.
    workspace.ok(&[
        "apply",
        "-refresh-only",
        "-input=false",
        "-no-color",
        "-auto-approve",
    ]);
    assert_state_holds_no_code(&workspace, "after refresh");
    let (clean, plan) = workspace.plan_exit(&[]);
    assert_eq!(clean, 0, "an unchanged configuration plans nothing: {plan}");

    // Update: after drift, the PUT that restores the qualification carries the current code.
    sandbox.admin(
        sandbox
            .client
            .set_qualification(AGENCY, Qualification::Education),
    );
    workspace.set_env("TF_VAR_code", SECOND_CODE);
    workspace.write_config(&agency(2));
    let second_before = remaining_creates(&sandbox, SECOND_CODE);
    workspace.apply();
    assert_eq!(remaining_creates(&sandbox, SECOND_CODE), second_before - 1);
    assert_state_holds_no_code(&workspace, "after update");

    // Changing only the version sends the request again, once.
    workspace.write_config(&agency(3));
    let (changes, plan) = workspace.plan_exit(&[]);
    assert_eq!(changes, 2, "a new version plans an update: {plan}");
    let puts_before = sandbox.puts();
    workspace.apply();
    assert_eq!(sandbox.puts(), puts_before + 1);
    let attributes = assert_state_holds_no_code(&workspace, "after a new version");
    assert_eq!(attributes["validation_code_wo_version"], 3);

    // Both code attributes at once: an error that says which to keep.
    workspace.write_config(&format!(
        "resource \"partnercenter_customer_qualification\" \"agency\" {{\n  \
         customer_id        = \"{AGENCY}\"\n  qualification      = \"GovernmentCommunityCloud\"\n  \
         validation_code    = \"{FIRST_CODE}\"\n  validation_code_wo = \"{FIRST_CODE}\"\n}}\n"
    ));
    let said = workspace.fails(&["validate", "-no-color"]);
    assert!(
        said.contains("Two validation codes") && said.contains("Keep validation_code_wo"),
        "{said}"
    );
}

/// Terraform before 1.11 knows no write-only attributes and would store the value: the provider
/// refuses it with a clear error before any request.
#[test]
fn write_only_code_is_refused_by_an_older_terraform() {
    let sandbox = Sandbox::start();
    // Terraform 1.0 knows no ephemeral variables either: the code is a literal here.
    let literal = agency(1)
        .replace("  ephemeral = true\n", "")
        .replace("var.code", &format!("\"{FIRST_CODE}\""));
    let workspace = workspace(OLDEST, &sandbox, &literal, FIRST_CODE);
    let said = workspace.fails(&["plan", "-input=false", "-no-color", "-json"]);
    let refused = diagnostic(
        &said,
        "Write-only attribute not supported by this Terraform",
    );
    assert_eq!(refused["severity"], "error");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("validation_code_wo")),
        "{refused}"
    );
    assert_eq!(sandbox.puts(), 0);
    assert!(!workspace.work_dir().join("terraform.tfstate").exists());
}
