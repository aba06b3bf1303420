//! Discovery and adoption under the newest pinned Terraform (`terraform query` needs 1.14): the
//! list resource finds exactly the customers it should, costs one request per page and one
//! read per customer, stops at `limit`, and `-generate-config-out` then `terraform plan` adopts
//! Education and GovernmentCommunityCloud customers with imports and no change.

use std::collections::BTreeMap;

use crate::common::{NEWEST, Sandbox, Workspace, events, readme_block, repo_root, text};
use partnercenter_sandbox::{
    DEMO_AGENCY as AGENCY, DEMO_NONPROFIT as NONPROFIT, DEMO_SCHOOL as SCHOOL,
    DEMO_STATE_DEPARTMENT as STATE_DEPARTMENT, DEMO_UNIVERSITY as UNIVERSITY, Qualification,
    SandboxConfig, generated_customer_id,
};
use serde_json::{Value as Json, json};

const TYPE: &str = "partnercenter_customer_qualification";
/// Customers the sandbox makes up beyond the five demo ones; their ids sort before them.
const GENERATED: usize = 250;
/// What the provider asks for per `GET /v1/customers`.
const PAGE_SIZE: usize = 100;

/// The demo customers with qualifications set (the school and the university Education, the
/// agency GovernmentCommunityCloud, the state department StateOwnedEntity, the nonprofit
/// Nonprofit) and `GENERATED` customers without one.
fn sandbox() -> Sandbox {
    let sandbox = Sandbox::start_with(SandboxConfig {
        generated_customers: GENERATED,
        ..SandboxConfig::default()
    });
    for (customer, qualification) in [
        (SCHOOL, Qualification::Education),
        (UNIVERSITY, Qualification::Education),
        (AGENCY, Qualification::GovernmentCommunityCloud),
        (STATE_DEPARTMENT, Qualification::StateOwnedEntity),
        (NONPROFIT, Qualification::Nonprofit),
    ] {
        sandbox.admin(sandbox.client.set_qualification(customer, qualification));
    }
    sandbox
}

fn workspace(sandbox: &Sandbox, query: &str) -> Workspace {
    let mut workspace = Workspace::new(NEWEST, "provider \"partnercenter\" {}\n");
    workspace.use_sandbox(sandbox);
    workspace.write_file("main.tfquery.hcl", query);
    workspace.init();
    workspace
}

/// A `list` block named `name` with `body` (arguments and an optional `config` block).
fn list(name: &str, body: &str) -> String {
    format!("list \"{TYPE}\" \"{name}\" {{\n  provider = partnercenter\n{body}}}\n")
}

/// What `terraform query -json` found, by list address: (customer id, display name, event).
fn found(workspace: &Workspace) -> BTreeMap<String, Vec<(String, String, Json)>> {
    let output = workspace.run(&["query", "-json", "-no-color"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "query failed: {}", text(&output));
    let mut results: BTreeMap<String, Vec<(String, String, Json)>> = BTreeMap::new();
    for event in events(&stdout, "list_resource_found") {
        let found = &event["list_resource_found"];
        let id = found["identity"]["customer_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no identity: {found}"))
            .to_owned();
        let name = found["display_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let address = found["address"].as_str().unwrap_or_default().to_owned();
        results
            .entry(address)
            .or_default()
            .push((id, name, found.clone()));
    }
    results
}

fn ids(results: &[(String, String, Json)]) -> Vec<&str> {
    results.iter().map(|(id, _, _)| id.as_str()).collect()
}

#[test]
fn lists_exactly_the_matching_customers() {
    let sandbox = sandbox();
    let query = [
        list(
            "schools",
            "  limit    = 1000\n  config {\n    qualification = \"education\"\n  }\n",
        ),
        list(
            "agencies",
            "  limit    = 1000\n  include_resource = true\n  config {\n    qualification = \"GovernmentCommunityCloud\"\n  }\n",
        ),
        list("all", "  limit    = 1000\n"),
        list("first", "  limit    = 2\n"),
    ]
    .concat();
    let workspace = workspace(&sandbox, &query);
    let results = found(&workspace);
    let at = |name: &str| {
        results
            .get(&format!("list.{TYPE}.{name}"))
            .map(Vec::as_slice)
            .unwrap_or_default()
    };

    // In Partner Center's order (by id), with the company name as display name.
    let schools = at("schools");
    assert_eq!(ids(schools), [SCHOOL, UNIVERSITY], "{schools:?}");
    assert_eq!(schools[0].1, "Contoso School District");
    assert_eq!(schools[1].1, "Northwind University");
    assert!(
        schools[0].2.get("resource_object").is_none(),
        "include_resource defaults to false: {:?}",
        schools[0].2
    );

    let agencies = at("agencies");
    assert_eq!(ids(agencies), [AGENCY], "{agencies:?}");
    let object = &agencies[0].2["resource_object"];
    assert_eq!(object["customer_id"], AGENCY, "{agencies:?}");
    assert_eq!(object["qualification"], "GovernmentCommunityCloud");
    assert_eq!(object["validation_code"], Json::Null);

    // Without a filter: what the resource can keep under the legacy contract. Not the state
    // department (StateOwnedEntity needs qualification_api = "async"), nor the nonprofit, nor
    // the generated customers without a qualification.
    assert_eq!(ids(at("all")), [SCHOOL, AGENCY, UNIVERSITY]);
    assert_eq!(ids(at("first")), [SCHOOL, AGENCY], "the limit");
}

#[test]
fn async_contract_also_lists_state_owned_entities() {
    let sandbox = sandbox();
    let mut workspace = workspace(&sandbox, &list("all", "  limit    = 1000\n"));
    workspace.set_env("PARTNERCENTER_QUALIFICATION_API", "async");
    let results = found(&workspace);
    assert_eq!(
        ids(&results[&format!("list.{TYPE}.all")]),
        [SCHOOL, AGENCY, UNIVERSITY, STATE_DEPARTMENT]
    );
}

/// A listing costs one `GET /v1/customers` per page and one qualification read per customer
/// listed; with a `limit` it stops asking once it has what Terraform reads.
#[test]
fn a_listing_costs_its_pages_and_one_read_per_customer() {
    let sandbox = sandbox();
    let customers = GENERATED + 5;
    let workspace = workspace(&sandbox, &list("all", "  limit    = 1000\n"));
    sandbox.reset_counters();
    let results = found(&workspace);
    assert_eq!(results[&format!("list.{TYPE}.all")].len(), 3);
    let counters = sandbox.counters();
    let pages = customers.div_ceil(PAGE_SIZE) as u64;
    assert_eq!(counters.route("GET customers"), pages, "{counters:?}");
    assert_eq!(
        counters.route("GET qualification"),
        customers as u64,
        "{counters:?}"
    );
    assert_eq!(counters.route("PUT qualification"), 0);
    assert_eq!(
        counters.total,
        pages + customers as u64 + counters.route("POST token"),
        "nothing else: {counters:?}"
    );

    // The first generated customers hold Education: two results are in the first page, and
    // the listing asks for no other page and reads little more than it needs (at most the
    // reads already in flight when the second result arrives).
    for n in 1..=3 {
        let customer = generated_customer_id(n);
        sandbox.admin(
            sandbox
                .client
                .set_qualification(&customer, Qualification::Education),
        );
    }
    workspace.write_file("main.tfquery.hcl", &list("two", "  limit    = 2\n"));
    sandbox.reset_counters();
    let results = found(&workspace);
    let two = &results[&format!("list.{TYPE}.two")];
    assert_eq!(
        ids(two),
        [generated_customer_id(1), generated_customer_id(2)]
    );
    let counters = sandbox.counters();
    assert_eq!(counters.route("GET customers"), 1, "{counters:?}");
    let reads = counters.route("GET qualification");
    assert!((2..=3).contains(&reads), "{reads} reads: {counters:?}");
}

/// `-generate-config-out` writes a resource and an import block per customer; the plan after
/// it imports them all and changes nothing, GovernmentCommunityCloud (whose validation code
/// Partner Center never returns) as much as Education; the apply sends nothing.
#[test]
fn generated_config_plans_imports_and_no_change() {
    let sandbox = sandbox();
    let workspace = workspace(&sandbox, &list("adopted", "  limit    = 1000\n"));
    workspace.ok(&["query", "-no-color", "-generate-config-out=generated.tf"]);
    let generated =
        std::fs::read_to_string(workspace.work_dir().join("generated.tf")).expect("generated.tf");
    for customer in [SCHOOL, AGENCY, UNIVERSITY] {
        assert!(
            generated.contains(&format!("customer_id = \"{customer}\"")),
            "{customer} not adopted:\n{generated}"
        );
    }
    assert_eq!(generated.matches("import {").count(), 3, "{generated}");

    sandbox.reset_counters();
    let output = workspace.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
    assert!(
        output.contains("Plan: 3 to import, 0 to add, 0 to change, 0 to destroy."),
        "{output}"
    );
    let plan = workspace.json(&["show", "-json", "tfplan"]);
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(changes.len(), 3, "{plan}");
    for change in &changes {
        let change = &change["change"];
        assert_eq!(change["actions"], json!(["no-op"]), "{change}");
        assert_eq!(
            change["importing"]["identity"]["customer_id"], change["after"]["customer_id"],
            "{change}"
        );
    }
    let qualifications: Vec<&str> = changes
        .iter()
        .filter_map(|c| c["change"]["after"]["qualification"].as_str())
        .collect();
    assert_eq!(
        qualifications,
        ["Education", "GovernmentCommunityCloud", "Education"]
    );

    workspace.ok(&["apply", "-input=false", "-no-color", "tfplan"]);
    let (code, output) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "no changes once adopted: {output}");
    let counters = sandbox.counters();
    assert_eq!(counters.route("PUT qualification"), 0, "{counters:?}");
}

/// The example file and the README's `.tfquery.hcl`, as written, list the Education customers.
#[test]
fn the_documented_queries_work_as_written() {
    let example = std::fs::read_to_string(repo_root().join(
        "examples/list-resources/partnercenter_customer_qualification/list-resource.tfquery.hcl",
    ))
    .expect("the example");
    let readme_block = readme_block("hcl", |block| block.contains(&format!("list \"{TYPE}\"")));
    let sandbox = sandbox();
    for query in [example, readme_block] {
        let workspace = workspace(&sandbox, &query);
        let results = found(&workspace);
        let all: Vec<&str> = results.values().flat_map(|r| ids(r)).collect();
        assert_eq!(all, [SCHOOL, UNIVERSITY], "{query}");
    }
}

/// Errors reach Terraform as diagnostics on the stream, and the query ends: throttling past
/// the retry budget, and credentials the authority refuses.
#[test]
fn errors_end_the_listing_with_a_diagnostic() {
    let sandbox = sandbox();
    let mut workspace = workspace(&sandbox, &list("all", "  limit    = 1000\n"));
    workspace.set_env("PARTNERCENTER_MAX_RETRIES", "0");
    sandbox.admin(sandbox.client.add_fault(json!({
        "kind": "status", "status": 429, "retry_after_secs": 1, "path_prefix": "/v1/customers/0"
    })));
    let all = workspace.fails(&["query", "-no-color"]);
    assert!(
        all.contains("Partner Center is throttling requests"),
        "{all}"
    );
    sandbox.admin(sandbox.client.clear_faults());

    workspace.set_env("PARTNERCENTER_CLIENT_SECRET", "not-the-secret");
    let all = workspace.fails(&["query", "-no-color"]);
    assert!(
        all.contains("Partner Center authentication failed"),
        "{all}"
    );
    assert!(!all.contains("not-the-secret"), "{all}");
}
