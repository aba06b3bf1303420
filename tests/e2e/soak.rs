//! A short soak: 100 resources at parallelism 50 while the sandbox injects 429s, 500s, 503s,
//! latency and dropped connections at random, drawn from a seeded generator so that a failure
//! can be replayed (`SOAK_SEED=N`). The apply converges with no error, the sandbox ends as
//! configured, and no PUT is applied twice: a retry of a PUT whose answer was lost is recognised
//! by its MS-RequestId. `scripts/bench.py` runs the long one (1,000 resources).

use crate::common::bulk::{
    applied_customers, changes_per_customer, generated_ids, generated_resources,
    sandbox_with_customers, state_customers,
};
use crate::common::{Workspace, for_each_version, text};
use serde_json::{Value as Json, json};

const RESOURCES: usize = 100;
const PARALLELISM: &str = "-parallelism=50";
/// A seed under which each kind of fault strikes at least once in this soak.
const DEFAULT_SEED: u64 = 11;

/// Each fault strikes an API request with its own chance.
fn faults() -> Vec<Json> {
    vec![
        json!({ "kind": "status", "status": 429, "retry_after_secs": 1, "fraction": 0.04 }),
        json!({ "kind": "status", "status": 500, "fraction": 0.04 }),
        json!({ "kind": "status", "status": 503, "fraction": 0.04 }),
        json!({ "kind": "latency", "millis": 200, "fraction": 0.05 }),
        json!({ "kind": "drop", "fraction": 0.04 }),
        // Applied, then the answer lost on its way back.
        json!({ "kind": "drop", "fraction": 0.06, "after_handler": true }),
    ]
}

/// The apply converges under random faults, applies each PUT once, and a plan under the same
/// faults finds nothing to do.
#[test]
fn soak() {
    for_each_version(soak_under);
}

fn soak_under(version: &'static str) {
    let seed = std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(DEFAULT_SEED);
    let sandbox = sandbox_with_customers(RESOURCES, Some(seed));
    let workspace = Workspace::on_sandbox(
        version,
        &sandbox,
        &generated_resources(RESOURCES, "Education"),
    );
    for fault in faults() {
        sandbox.admin(sandbox.client.add_fault(fault));
    }
    let replay = format!("{version}, SOAK_SEED={seed}");

    let output = workspace.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        PARALLELISM,
    ]);
    assert!(
        output.status.success(),
        "{replay}: the apply did not converge:\n{}",
        text(&output)
    );
    let all = generated_ids(RESOURCES);
    assert_eq!(applied_customers(&sandbox), all, "{replay}: sandbox state");
    assert_eq!(
        state_customers(&workspace),
        all,
        "{replay}: Terraform state"
    );

    let seen = sandbox.counters();
    for status in [429, 500, 503] {
        assert!(
            seen.status(status) > 0,
            "{replay}: no {status} was injected, so the soak_under proved nothing about it: {seen:?}"
        );
    }
    let log = sandbox.admin(sandbox.client.requests());
    for fault in ["drop", "drop_after_handler", "latency"] {
        assert!(
            log.iter().any(|entry| entry["fault"] == fault),
            "{replay}: no {fault} was injected, so the soak_under proved nothing about it"
        );
    }
    // Answers lost after the change were retried under the same MS-RequestId, and recognised.
    let changes = changes_per_customer(&seen);
    let doubled: Vec<_> = changes.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        doubled.is_empty() && changes.len() == RESOURCES,
        "{replay}: every customer's PUT applied exactly once: {doubled:?} ({} customers changed)",
        changes.len()
    );

    // Still under the same faults, a plan finds nothing to do.
    let plan = workspace.run(&[
        "plan",
        "-input=false",
        "-no-color",
        "-detailed-exitcode",
        PARALLELISM,
    ]);
    assert_eq!(
        plan.status.code(),
        Some(0),
        "{replay}: the plan after the soak_under:\n{}",
        text(&plan)
    );
}
