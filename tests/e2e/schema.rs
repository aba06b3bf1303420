//! Real Terraform (each pinned version) loads the provider, reads its schema and shows its logs.

use crate::common::{
    OLDEST, PROVIDER_ADDRESS, Sandbox, Workspace, assert_contains_all, for_each_version,
    for_each_version_with_sandbox,
};
use partnercenter_sandbox::DEMO_SCHOOL;

fn attribute<'a>(block: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let attribute = &block["attributes"][name];
    assert!(
        attribute.is_object(),
        "attribute {name} missing from {block}"
    );
    attribute
}

/// Every attribute has the type and flags Terraform must see, and the identity and list
/// resource schemas load where Terraform knows them.
#[test]
fn reads_the_schema() {
    for_each_version(check_schema);
}

fn check_schema(version: &'static str) {
    let workspace = Workspace::new(version, "provider \"partnercenter\" {}\n");
    workspace.init();
    let schemas = workspace.json(&["providers", "schema", "-json"]);
    let ours = &schemas["provider_schemas"][PROVIDER_ADDRESS];
    assert!(
        ours.is_object(),
        "{version}: no schema for {PROVIDER_ADDRESS} in {schemas}"
    );

    let provider = &ours["provider"]["block"];
    for name in ["access_token", "client_secret", "refresh_token"] {
        assert_eq!(
            attribute(provider, name)["sensitive"],
            true,
            "{version}: provider.{name}"
        );
    }
    for name in ["base_url", "tenant_id", "client_id", "authority_url"] {
        assert_eq!(
            attribute(provider, name)["type"],
            "string",
            "{version}: provider.{name}"
        );
        assert_eq!(attribute(provider, name)["optional"], true);
    }
    assert_eq!(attribute(provider, "max_retries")["type"], "number");

    let resource = &ours["resource_schemas"]["partnercenter_customer_qualification"]["block"];
    assert_eq!(attribute(resource, "id")["computed"], true, "{version}");
    assert_eq!(
        attribute(resource, "customer_id")["required"],
        true,
        "{version}"
    );
    assert_eq!(
        attribute(resource, "qualification")["required"],
        true,
        "{version}"
    );
    let code = attribute(resource, "validation_code");
    assert_eq!(code["optional"], true, "{version}");
    assert_eq!(code["sensitive"], true, "{version}");

    let data = &ours["data_source_schemas"];
    let qualification = &data["partnercenter_customer_qualification"]["block"];
    assert_eq!(attribute(qualification, "customer_id")["required"], true);
    assert_eq!(attribute(qualification, "qualification")["computed"], true);
    let codes = attribute(&data["partnercenter_validation_codes"]["block"], "codes");
    assert_eq!(codes["computed"], true, "{version}");
    assert_eq!(codes["sensitive"], true, "{version}: the codes are secrets");
    assert_eq!(codes["type"][0], "list", "{version}: {codes}");
    assert_eq!(
        codes["type"][1][1]["validation_id"], "string",
        "{version}: {codes}"
    );
    assert_eq!(
        codes["type"][1][1]["remaining_creates"], "number",
        "{version}: {codes}"
    );

    // Terraform 1.12+ loads the identity schema and 1.14+ the list resource; 1.0 ignores both.
    let identity = &ours["resource_identity_schemas"]["partnercenter_customer_qualification"];
    let list = &ours["list_resource_schemas"]["partnercenter_customer_qualification"];
    if version == OLDEST {
        assert!(identity.is_null() && list.is_null(), "{version}: {ours}");
    } else {
        let customer_id = &identity["attributes"]["customer_id"];
        assert_eq!(customer_id["type"], "string", "{version}: {identity}");
        assert_eq!(
            customer_id["required_for_import"], true,
            "{version}: {identity}"
        );
        assert_eq!(
            attribute(&list["block"], "qualification")["optional"],
            true,
            "{version}: {list}"
        );
    }
}

/// Terraform shows the provider's hclog lines at their own level under TF_LOG.
#[test]
fn shows_provider_debug_logs() {
    for_each_version_with_sandbox(check_debug_log);
}

fn check_debug_log(version: &'static str, sandbox: &Sandbox) {
    // Planning a create sends no request; the sandbox is there so that nothing depends on what
    // happens to listen on some fixed port.
    let mut workspace = Workspace::new(
        version,
        &format!(
            "provider \"partnercenter\" {{\n  base_url = \"{}\"\n}}\n\n\
             resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
             customer_id   = \"{DEMO_SCHOOL}\"\n  qualification = \"Education\"\n}}\n",
            sandbox.url
        ),
    );
    workspace.set_env("PARTNERCENTER_ACCESS_TOKEN", "not-a-real-token");
    workspace.init();
    workspace.set_env("TF_LOG", "debug");
    let output = workspace.run(&["plan", "-input=false", "-no-color"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{version}: plan failed: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("configuring the provider"))
        .unwrap_or_else(|| panic!("{version}: no provider log line in:\n{stderr}"));
    assert!(line.contains("[DEBUG]"), "{version}: wrong level: {line}");
    assert!(
        line.contains("provider.terraform-provider-partnercenter"),
        "{version}: {line}"
    );
    assert!(
        !stderr.contains("not-a-real-token"),
        "{version}: the access token reached the log"
    );
    // One line per RPC, with the fields Go providers log and how long the RPC took.
    let served = stderr
        .lines()
        .find(|l| l.contains("Served request") && l.contains("tf_rpc=PlanResourceChange"))
        .unwrap_or_else(|| panic!("{version}: no line for PlanResourceChange in:\n{stderr}"));
    assert_contains_all(
        served,
        &[
            "tf_resource_type=partnercenter_customer_qualification",
            "tf_req_id=",
            "tf_req_duration_ms=",
            "tf_provider_addr=registry.terraform.io/partnercenter-oss/partnercenter",
        ],
        version,
    );
    assert!(
        served.contains("[DEBUG]"),
        "{version}: wrong level: {served}"
    );
}
