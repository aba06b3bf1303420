//! The ids of every Partner Center request, as the sandbox received them and the provider
//! logged them under real Terraform: a new `MS-CorrelationId` for every request, retries
//! included; one `MS-RequestId` per logical call, kept by its retries, so that a change retried
//! after its answer was lost is not applied twice; and not one request more than before.

use std::collections::{HashMap, HashSet};

use partnercenter_sandbox::{DEMO_SCHOOL as SCHOOL, DEMO_UNIVERSITY as UNIVERSITY};
use serde_json::{Value as Json, json};

use crate::common::{Sandbox, Workspace, for_each_version_with_sandbox};

#[test]
fn every_request_has_its_own_correlation_id_and_retries_keep_their_request_id() {
    for_each_version_with_sandbox(ids_under);
}

fn ids_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = Workspace::on_sandbox(
        version,
        sandbox,
        &format!(
            "provider \"partnercenter\" {{}}\n\ndata \"partnercenter_validation_codes\" \"all\" {{}}\n\n\
             resource \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id   = \"{SCHOOL}\"\n  qualification = \"Education\"\n}}\n\n\
             resource \"partnercenter_customer_qualification\" \"university\" {{\n  customer_id   = \"{UNIVERSITY}\"\n  qualification = \"Education\"\n}}\n"
        ),
    );
    // Both changes are applied, then their answers are lost: one connection dropped, one
    // replaced by a gateway's 503. Each is retried.
    for fault in [
        json!({"kind": "drop", "count": 1, "method": "PUT", "after_handler": true,
               "path_prefix": format!("/v1/customers/{SCHOOL}")}),
        json!({"kind": "status", "status": 503, "count": 1, "method": "PUT", "after_handler": true,
               "path_prefix": format!("/v1/customers/{UNIVERSITY}")}),
    ] {
        sandbox.admin(sandbox.client.add_fault(fault));
    }
    sandbox.reset_counters();
    let said = workspace.traced(&["apply", "-input=false", "-no-color", "-auto-approve"]);

    let requests: Vec<Json> = sandbox
        .admin(sandbox.client.requests())
        .into_iter()
        .filter(|entry| entry["route"] != "POST token")
        .collect();
    let routes: Vec<&str> = requests
        .iter()
        .map(|e| e["route"].as_str().unwrap_or_default())
        .collect();
    // One read of the codes at plan, one PUT per resource and one retry each: as many requests
    // as with one correlation id per process.
    assert_eq!(
        (
            routes.iter().filter(|r| **r == "GET validations").count(),
            routes.iter().filter(|r| **r == "PUT qualification").count(),
            routes.len()
        ),
        (1, 4, 5),
        "{version}: {requests:?}"
    );

    let correlation_ids: HashSet<&str> =
        requests.iter().map(|e| id(e, "ms_correlationid")).collect();
    assert_eq!(
        correlation_ids.len(),
        requests.len(),
        "{version}: one per request: {requests:?}"
    );

    let mut by_request_id: HashMap<&str, Vec<&Json>> = HashMap::new();
    for entry in &requests {
        by_request_id
            .entry(id(entry, "ms_requestid"))
            .or_default()
            .push(entry);
    }
    for customer in [SCHOOL, UNIVERSITY] {
        let path = format!("/v1/customers/{customer}/qualification");
        let calls: Vec<_> = by_request_id
            .values()
            .filter(|entries| entries[0]["path"] == path.as_str())
            .collect();
        assert_eq!(
            calls.len(),
            1,
            "{version}: one logical call for {customer}: {requests:?}"
        );
        assert_eq!(
            calls[0].len(),
            2,
            "{version}: retried with the same MS-RequestId"
        );
        let request_id = id(calls[0][0], "ms_requestid");
        assert_eq!(
            sandbox.counters().accepted(customer, request_id),
            1,
            "{version}: the retried change is recognised, not applied again"
        );
    }
    assert_eq!(
        by_request_id.len(),
        3,
        "{version}: a new MS-RequestId per call"
    );
    assert!(sandbox.counters().doubled().is_empty(), "{version}");

    // The provider logged each request, in the log of the RPC that made it, with both ids.
    for entry in &requests {
        let correlation_id = id(entry, "ms_correlationid");
        let line = said
            .lines()
            .find(|line| line.contains(correlation_id) && line.contains("Partner Center"))
            .unwrap_or_else(|| panic!("{version}: no log line for {entry}"));
        let status = entry["status"]
            .as_u64()
            .map_or("(dropped)".to_owned(), |s| s.to_string());
        for part in [
            format!("request_id={}", id(entry, "ms_requestid")),
            format!("method={}", entry["method"].as_str().unwrap_or_default()),
            format!("path={}", entry["path"].as_str().unwrap_or_default()),
            "tf_rpc=".to_owned(),
        ] {
            assert!(line.contains(&part), "{version}: {part} not in: {line}");
        }
        if entry["status"].is_u64() {
            assert!(
                line.contains(&format!("status={status}")),
                "{version}: {line}"
            );
        }
    }
}

/// An id the sandbox logged for a request, which must be a UUID.
fn id<'a>(entry: &'a Json, header: &str) -> &'a str {
    let id = entry[header].as_str().unwrap_or_default();
    assert!(
        uuid::Uuid::parse_str(id).is_ok(),
        "{header} {id:?} of {entry}"
    );
    id
}
