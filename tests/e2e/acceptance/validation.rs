//! What the resource refuses, and where: every invalid configuration pointing at its attribute,
//! at validate or at plan, and nothing sent to Partner Center.

use partnercenter_sandbox::{DEMO_SCHOOL as SCHOOL, DEMO_VALIDATION_CODE};
use serde_json::Value as Json;

use super::{ADDRESS, config, in_state, new_workspace, school, school_government, school_with};
use crate::common::{
    Sandbox, diagnostic, diagnostics, events, for_each_version_with_sandbox, text,
};

/// Each invalid configuration is refused at plan time, pointing at the attribute; a value
/// known only at apply is accepted at plan and refused at apply, before any request.
#[test]
fn validation_errors() {
    for_each_version_with_sandbox(validation_errors_under);
}

fn validation_errors_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = new_workspace(version, sandbox, &school("Education"));
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
        workspace.write_config(&config(sandbox, &resources));
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
        workspace.assert_points_at(diagnostic, attribute);
        if attribute == "qualification" {
            let detail = diagnostic["detail"].as_str().unwrap_or_default();
            assert!(
                detail.contains("Education or GovernmentCommunityCloud"),
                "{version}: {detail}"
            );
        }
    }

    // `terraform validate` knows nothing of what a plan will send: a missing code is fine there.
    workspace.write_config(&config(sandbox, &school_government("null")));
    let report = workspace.json(&["validate", "-json", "-no-color"]);
    assert_eq!(report["valid"], true, "{version}: {report}");

    // The same checks run at plan time (validate is only one way to reach them).
    workspace.write_config(&config(sandbox, &school_government("\"\"")));
    let said = workspace.fails(&["plan", "-input=false", "-no-color", "-json"]);
    let refused = diagnostic(&said, missing_code);
    assert_eq!(refused["severity"], "error", "{version}: {refused}");
    workspace.assert_points_at(&refused, "validation_code");

    // Known only at apply: the plan accepts it, the apply refuses it at the attribute.
    workspace.write_config(&config(
        sandbox,
        &format!(
            "resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id   = \"{SCHOOL}\"\n  \
             qualification = timestamp() != \"\" ? \"Nonprofit\" : \"Education\"\n}}\n"
        ),
    ));
    let stdout = workspace.fails(&[
        "apply",
        "-input=false",
        "-no-color",
        "-json",
        "-auto-approve",
    ]);
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
    workspace.assert_points_at(&errors[0], "qualification");
    assert!(
        !in_state(&workspace, ADDRESS),
        "{version}: nothing was created"
    );

    // Nothing reached Partner Center.
    assert_eq!(sandbox.puts(), 0);
}
