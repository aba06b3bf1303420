//! Resource identity under real Terraform: 1.15.5 stores it, imports by it and shows it; a state
//! written by Terraform 1.0.3, which knows nothing of identities, keeps working under 1.15.5.

use crate::common::{Sandbox, Workspace, text};
use partnercenter_sandbox::{DEMO_SCHOOL as SCHOOL, Qualification};
use serde_json::{Value as Json, json};

const ADDRESS: &str = "partnercenter_customer_qualification.school";

fn school(customer_id: &str) -> String {
    format!(
        "provider \"partnercenter\" {{}}\n\n\
         resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
         customer_id   = \"{customer_id}\"\n  qualification = \"Education\"\n}}\n"
    )
}

fn workspace(version: &'static str, sandbox: &Sandbox, main_tf: &str) -> Workspace {
    let mut workspace = Workspace::new(version, main_tf);
    workspace.use_sandbox(sandbox);
    workspace.init();
    workspace
}

fn set_education(sandbox: &Sandbox, customer: &str) {
    sandbox.admin(
        sandbox
            .client
            .set_qualification(customer, Qualification::Education),
    );
}

/// The resource at `address` in `terraform show -json`.
fn shown(workspace: &Workspace, address: &str) -> Json {
    let state = workspace.json(&["show", "-json"]);
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|resources| resources.iter().find(|r| r["address"] == address))
        .cloned()
        .unwrap_or_else(|| panic!("{address} not in {state}"))
}

/// The identity Terraform stored for `address`, read from the state file itself.
fn stored_identity(workspace: &Workspace) -> Json {
    let file = std::fs::read_to_string(workspace.work_dir().join("terraform.tfstate"))
        .expect("terraform.tfstate");
    let state: Json = serde_json::from_str(&file).expect("state JSON");
    state["resources"][0]["instances"][0]["identity"].clone()
}

fn plan_exit(workspace: &Workspace) -> (i32, String) {
    let output = workspace.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    (output.status.code().unwrap_or(-1), text(&output))
}

/// An `import` block with an identity (the id in upper case: identities are canonical) plans
/// the import with no change, and Terraform stores the lower-case identity.
#[test]
fn import_by_identity_terraform_1_15_5() {
    let sandbox = Sandbox::start();
    set_education(&sandbox, SCHOOL);
    let config = format!(
        "import {{\n  to = {ADDRESS}\n  identity = {{\n    customer_id = \"{}\"\n  }}\n}}\n\n{}",
        SCHOOL.to_uppercase(),
        school(SCHOOL)
    );
    let workspace = workspace("1.15.5", &sandbox, &config);
    workspace.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
    let plan = workspace.json(&["show", "-json", "tfplan"]);
    let change = plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == ADDRESS))
        .map(|c| c["change"].clone())
        .unwrap_or_else(|| panic!("no change for {ADDRESS} in {plan}"));
    assert_eq!(change["actions"], json!(["no-op"]), "{change}");
    // Terraform records the identity the provider answered: the canonical one.
    let canonical = json!({ "customer_id": SCHOOL });
    assert_eq!(change["importing"]["identity"], canonical, "{change}");
    assert_eq!(change["after_identity"], canonical, "{change}");
    workspace.ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    assert_eq!(stored_identity(&workspace), canonical);
    assert_eq!(
        shown(&workspace, ADDRESS)["values"]["qualification"],
        "Education"
    );
    let (code, output) = plan_exit(&workspace);
    assert_eq!(code, 0, "no changes after the import:\n{output}");
}

/// An identity naming no GUID is refused at plan time, before any request.
#[test]
fn a_bad_import_identity_is_refused_terraform_1_15_5() {
    let sandbox = Sandbox::start();
    let config = format!(
        "import {{\n  to = {ADDRESS}\n  identity = {{\n    customer_id = \"school-1\"\n  }}\n}}\n\n{}",
        school(SCHOOL)
    );
    let workspace = workspace("1.15.5", &sandbox, &config);
    let output = workspace.run(&["plan", "-input=false", "-no-color"]);
    let all = text(&output);
    assert!(!output.status.success(), "{all}");
    assert!(all.contains("Invalid import id"), "{all}");
    assert!(all.contains("school-1"), "{all}");
}

/// Created by Terraform 1.0.3 (no identity in the state), then planned and applied by 1.15.5:
/// no error, no change, and the state gains its identity at the refresh.
#[test]
fn a_state_without_identity_gains_one_terraform_1_0_3_then_1_15_5() {
    let sandbox = Sandbox::start();
    // Another spelling of the id, to show that the identity is canonical.
    let config = school(&SCHOOL.to_uppercase());
    let old = workspace("1.0.3", &sandbox, &config);
    old.ok(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    assert_eq!(
        stored_identity(&old),
        Json::Null,
        "1.0.3 stores no identity"
    );

    let new = workspace("1.15.5", &sandbox, &config);
    std::fs::copy(
        old.work_dir().join("terraform.tfstate"),
        new.work_dir().join("terraform.tfstate"),
    )
    .expect("copy the state");
    let (code, output) = plan_exit(&new);
    assert_eq!(
        code, 0,
        "1.15.5 plans no change on 1.0.3's state:\n{output}"
    );
    new.ok(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    assert_eq!(stored_identity(&new), json!({ "customer_id": SCHOOL }));
    let (code, output) = plan_exit(&new);
    assert_eq!(code, 0, "{output}");
}
