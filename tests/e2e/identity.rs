//! Resource identity under real Terraform: the newest version stores it, imports by it and
//! shows it; a state written by the oldest, which knows nothing of identities, keeps working
//! under the newest.

use crate::common::{NEWEST, OLDEST, Sandbox, Workspace};
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

fn set_education(sandbox: &Sandbox, customer: &str) {
    sandbox.admin(
        sandbox
            .client
            .set_qualification(customer, Qualification::Education),
    );
}

/// The identity Terraform stored for `address`, read from the state file itself.
fn stored_identity(workspace: &Workspace) -> Json {
    let file = std::fs::read_to_string(workspace.work_dir().join("terraform.tfstate"))
        .expect("terraform.tfstate");
    let state: Json = serde_json::from_str(&file).expect("state JSON");
    state["resources"][0]["instances"][0]["identity"].clone()
}

/// An `import` block with an identity (the id in upper case: identities are canonical) plans
/// the import with no change, and Terraform stores the lower-case identity.
#[test]
fn import_by_identity() {
    let sandbox = Sandbox::start();
    set_education(&sandbox, SCHOOL);
    let config = format!(
        "import {{\n  to = {ADDRESS}\n  identity = {{\n    customer_id = \"{}\"\n  }}\n}}\n\n{}",
        SCHOOL.to_uppercase(),
        school(SCHOOL)
    );
    let workspace = Workspace::on_sandbox(NEWEST, &sandbox, &config);
    let change = workspace.planned_change(ADDRESS);
    assert_eq!(change["actions"], json!(["no-op"]), "{change}");
    // Terraform records the identity the provider answered: the canonical one.
    let canonical = json!({ "customer_id": SCHOOL });
    assert_eq!(change["importing"]["identity"], canonical, "{change}");
    assert_eq!(change["after_identity"], canonical, "{change}");
    workspace.ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    assert_eq!(stored_identity(&workspace), canonical);
    assert_eq!(workspace.attributes(ADDRESS)["qualification"], "Education");
    let (code, output) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "no changes after the import:\n{output}");
}

/// An identity naming no GUID is refused at plan time, before any request.
#[test]
fn a_bad_import_identity_is_refused() {
    let sandbox = Sandbox::start();
    let config = format!(
        "import {{\n  to = {ADDRESS}\n  identity = {{\n    customer_id = \"school-1\"\n  }}\n}}\n\n{}",
        school(SCHOOL)
    );
    let workspace = Workspace::on_sandbox(NEWEST, &sandbox, &config);
    let all = workspace.fails(&["plan", "-input=false", "-no-color"]);
    assert!(all.contains("Invalid import id"), "{all}");
    assert!(all.contains("school-1"), "{all}");
    let counters = sandbox.counters();
    assert_eq!(
        counters.total, 0,
        "requests before the refusal: {counters:?}"
    );
}

/// Created by the oldest Terraform (no identity in the state), then planned and applied by the
/// newest: no error, no change, and the state gains its identity at the refresh.
#[test]
fn a_state_without_identity_gains_one_under_a_newer_terraform() {
    let sandbox = Sandbox::start();
    // Another spelling of the id, to show that the identity is canonical.
    let config = school(&SCHOOL.to_uppercase());
    let old = Workspace::on_sandbox(OLDEST, &sandbox, &config);
    old.apply();
    assert_eq!(
        stored_identity(&old),
        Json::Null,
        "{OLDEST} stores no identity"
    );

    let new = Workspace::on_sandbox(NEWEST, &sandbox, &config);
    std::fs::copy(
        old.work_dir().join("terraform.tfstate"),
        new.work_dir().join("terraform.tfstate"),
    )
    .expect("copy the state");
    let (code, output) = new.plan_exit(&[]);
    assert_eq!(
        code, 0,
        "{NEWEST} plans no change on {OLDEST}'s state:\n{output}"
    );
    new.apply();
    assert_eq!(stored_identity(&new), json!({ "customer_id": SCHOOL }));
    let (code, output) = new.plan_exit(&[]);
    assert_eq!(code, 0, "{output}");
}
