//! The `partnercenter_qualification_history` data source under real Terraform (both pinned
//! versions) against the sandbox: one customer's qualification changes and every customer's,
//! newest first whatever order the activity log answers in, over 30 days (one request) and 90
//! (three), qualification changes only; invalid arguments are errors at their attribute.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::common::{Sandbox, Workspace, for_each_version_with_sandbox};
use partnercenter_sandbox::{
    Actor, AuditOrder, AuditSettings, DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, Qualification,
    SeedAuditRecord,
};
use serde_json::{Value as Json, json};

const DAY: Duration = Duration::from_secs(86_400);

fn days_ago(days: u32) -> SystemTime {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    UNIX_EPOCH + Duration::from_secs(now.as_secs()) - DAY * days
}

/// A change of `customer` from Education to Nonprofit by `who`, `days` ago, as the log keeps it.
fn change(customer: &str, name: &str, who: Actor, days: u32) -> SeedAuditRecord {
    SeedAuditRecord {
        customer_name: Some(name.to_owned()),
        ..SeedAuditRecord::qualification_change(
            customer,
            &[Qualification::Education],
            &[Qualification::Nonprofit],
            who,
            days_ago(days),
        )
    }
}

/// The element of `changes` that `record` gives.
fn listed(record: &SeedAuditRecord) -> Json {
    json!({
        "customer_id": record.customer_id,
        "customer_name": record.customer_name,
        "changed_by": record.user_principal_name.as_ref().or(record.application_id.as_ref()),
        "application_id": record.application_id,
        "changed_at": record.operation_date,
        "old_value": record.resource_old_value,
        "new_value": record.resource_new_value,
    })
}

const CONFIG: &str = r#"
data "partnercenter_qualification_history" "school" {
  customer_id = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
}

data "partnercenter_qualification_history" "school_90" {
  customer_id = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1"
  days        = 90
}

data "partnercenter_qualification_history" "everyone" {}

output "school" {
  value = data.partnercenter_qualification_history.school.changes
}

output "school_90" {
  value = data.partnercenter_qualification_history.school_90.changes
}

output "everyone" {
  value = data.partnercenter_qualification_history.everyone.changes
}
"#;

#[test]
fn lists_qualification_changes() {
    for_each_version_with_sandbox(lists_qualification_changes_under);
}

fn lists_qualification_changes_under(version: &'static str, sandbox: &Sandbox) {
    assert!(CONFIG.contains(SCHOOL));
    let alice = change(
        SCHOOL,
        "Contoso School",
        Actor::user("alice@contoso.com"),
        45,
    );
    let bob = change(
        SCHOOL,
        "Contoso School",
        Actor::user("bob@contoso.com").through("portal"),
        3,
    );
    let carol = change(
        AGENCY,
        "Fabrikam Agency",
        Actor::application("scripted-app"),
        10,
    );
    let order = SeedAuditRecord {
        resource_type: "order".to_owned(),
        operation_type: "create_order".to_owned(),
        ..change(
            SCHOOL,
            "Contoso School",
            Actor::user("orders@contoso.com"),
            1,
        )
    };
    sandbox.admin(sandbox.client.add_audit_records(&[
        alice.clone(),
        bob.clone(),
        carol.clone(),
        order,
    ]));
    // The oldest first: the provider orders them itself.
    sandbox.admin(sandbox.client.set_audit_settings(AuditSettings {
        order: AuditOrder::OldestFirst,
        ..AuditSettings::default()
    }));

    let workspace = Workspace::on_sandbox(version, sandbox, CONFIG);
    sandbox.reset_counters();
    workspace.apply();
    // One request for each 30 days: 30, 90 and 30 days.
    sandbox.assert_requests(&[("GET auditrecords", 5)], version);
    let outputs = workspace.json(&["output", "-json"]);
    assert_eq!(
        outputs["school"]["value"],
        json!([listed(&bob)]),
        "{version}"
    );
    assert_eq!(
        outputs["school_90"]["value"],
        json!([listed(&bob), listed(&alice)]),
        "{version}"
    );
    assert_eq!(
        outputs["everyone"]["value"],
        json!([listed(&bob), listed(&carol)]),
        "{version}"
    );
    assert_eq!(
        outputs["everyone"]["value"][1]["changed_by"],
        "scripted-app"
    );
}

#[test]
fn invalid_arguments_point_at_their_attribute() {
    for_each_version_with_sandbox(invalid_arguments_under);
}

fn invalid_arguments_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = Workspace::on_sandbox(version, sandbox, "");
    for (arguments, attribute, summary) in [
        ("days = 91", "days", "Invalid days"),
        ("days = 0", "days", "Invalid days"),
        ("days = 1.5", "days", "Invalid days"),
        (
            "customer_id = \"school\"",
            "customer_id",
            "Invalid customer_id",
        ),
    ] {
        workspace.write_config(&format!(
            "data \"partnercenter_qualification_history\" \"bad\" {{\n  {arguments}\n}}\n"
        ));
        let output = workspace.run(&["validate", "-json", "-no-color"]);
        let said: Json = serde_json::from_slice(&output.stdout).expect("validate -json");
        assert_eq!(said["valid"], false, "{version} {arguments}: {said}");
        let error = said["diagnostics"]
            .as_array()
            .and_then(|all| all.iter().find(|d| d["summary"] == summary))
            .unwrap_or_else(|| panic!("{version} {arguments}: {said}"));
        assert_eq!(error["severity"], "error");
        workspace.assert_points_at(error, attribute);
    }
}
