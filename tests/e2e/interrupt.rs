//! Ctrl-C during `terraform apply`, as a user presses it: SIGINT to Terraform's process group
//! while PUTs that Partner Center has already applied still have their answers on the way. Each
//! of them must reach Terraform's state, and the next apply must finish the rest without
//! sending any customer's PUT again.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::common::bulk::{
    Background, Finished, answered_puts, applied_customers, changes_per_customer, generated_ids,
    generated_resources, sandbox_with_customers, slow_answers_to_puts, state_customers,
};
use crate::common::{Sandbox, Workspace, for_each_version};
use serde_json::json;

/// Enough resources for several rounds at parallelism 10, few enough to stay well under a
/// minute per Terraform version.
const RESOURCES: usize = 50;
const PARALLELISM: &str = "-parallelism=10";
/// Each PUT is applied at once and answered this long after (or twice as long).
const ANSWER_LATENCY_MS: u64 = 1500;
/// The `Retry-After` of the throttled PUTs: a provider that waited it out despite the stop would
/// hold Terraform this long.
const THROTTLED_SECS: u64 = 60;
/// How soon Terraform must end after Ctrl-C while the PUTs are throttled: the PUTs on their way
/// answer within twice `ANSWER_LATENCY_MS`; the rest is room for a loaded machine, and still a
/// third of `THROTTLED_SECS`.
const STOPPED_WITHIN: Duration = Duration::from_secs(20);

fn apply_args() -> [&'static str; 5] {
    [
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        PARALLELISM,
    ]
}

/// An apply of every resource whose PUTs are answered late, once the sandbox has applied more
/// PUTs than one round of Terraform's parallelism: PUTs are then on their way all the time.
fn apply_under_way(version: &'static str) -> (Sandbox, Workspace, Background) {
    let sandbox = sandbox_with_customers(RESOURCES, None);
    let workspace = Workspace::on_sandbox(
        version,
        &sandbox,
        &generated_resources(RESOURCES, "Education"),
    );
    slow_answers_to_puts(&sandbox, ANSWER_LATENCY_MS);
    let mut apply = Background::spawn(&workspace, &apply_args());
    apply.wait_for("a second round of PUTs was applied", || {
        applied_customers(&sandbox).len() > 12
    });
    (sandbox, workspace, apply)
}

/// Presses Ctrl-C and waits for Terraform to end.
fn interrupt(apply: Background) -> Finished {
    apply.interrupt();
    apply.wait()
}

/// Terraform stopped on the interrupt, by itself and in order: it said it was interrupted, ended
/// with the error status of a halted apply, and no plugin crashed or stopped answering.
fn assert_interrupted(version: &str, finished: &Finished) {
    let text = finished.text();
    assert!(
        text.contains("Interrupt received"),
        "{version}: Terraform did not see the interrupt:\n{text}"
    );
    assert_eq!(
        finished.status.code(),
        Some(1),
        "{version}: an interrupted apply exits 1:\n{text}"
    );
    for sign_of_a_crash in [
        "plugin crashed",
        "Plugin did not respond",
        "panic",
        "connection refused",
        "transport is closing",
    ] {
        assert!(
            !text.contains(sign_of_a_crash),
            "{version}: {sign_of_a_crash:?} after the interrupt:\n{text}"
        );
    }
}

/// Everything the sandbox applied is in the state and nothing else is, and the interrupt left
/// work to do.
fn assert_nothing_lost(version: &str, sandbox: &Sandbox, workspace: &Workspace) {
    let applied = applied_customers(sandbox);
    let recorded = state_customers(workspace);
    let missing: BTreeSet<_> = applied.difference(&recorded).collect();
    assert!(
        missing.is_empty(),
        "{version}: applied by Partner Center but missing from the state: {missing:?}"
    );
    let invented: BTreeSet<_> = recorded.difference(&applied).collect();
    assert!(
        invented.is_empty(),
        "{version}: in the state but never applied: {invented:?}"
    );
    assert!(
        applied.len() < RESOURCES,
        "{version}: the interrupt should cut the apply short; all {RESOURCES} applied"
    );
}

/// A second apply finishes the rest, and no customer's change was ever applied twice.
fn assert_second_apply_finishes(version: &str, sandbox: &Sandbox, workspace: &Workspace) {
    sandbox.admin(sandbox.client.clear_faults());
    workspace.ok(&apply_args());
    let all = generated_ids(RESOURCES);
    assert_eq!(applied_customers(sandbox), all, "{version}: sandbox state");
    assert_eq!(
        state_customers(workspace),
        all,
        "{version}: Terraform state"
    );
    let changes = changes_per_customer(&sandbox.counters());
    let repeated: Vec<_> = changes.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "{version}: customers whose PUT was applied more than once: {repeated:?}"
    );
    assert_eq!(
        changes.keys().cloned().collect::<BTreeSet<_>>(),
        all,
        "{version}: one applied PUT per customer"
    );
}

/// SIGINT while answers are slow: PUTs already sent run to their answer and are recorded.
#[test]
fn interrupt_slow_answers() {
    for_each_version(interrupt_slow_answers_under);
}

fn interrupt_slow_answers_under(version: &'static str) {
    let (sandbox, workspace, apply) = apply_under_way(version);
    let applied = changes_per_customer(&sandbox.counters()).len();
    let answered = answered_puts(&sandbox);
    assert!(
        applied > answered,
        "{version}: Ctrl-C should come while applied PUTs wait for their answers \
         ({applied} applied, {answered} answered)"
    );
    let finished = interrupt(apply);
    assert_interrupted(version, &finished);
    assert_nothing_lost(version, &sandbox, &workspace);
    assert_second_apply_finishes(version, &sandbox, &workspace);
}

/// SIGINT while the sandbox throttles for a minute: the provider stops waiting at once, so
/// Terraform ends long before the minute is over, and what was applied before is recorded.
#[test]
fn interrupt_while_throttled() {
    for_each_version(interrupt_while_throttled_under);
}

fn interrupt_while_throttled_under(version: &'static str) {
    let (sandbox, workspace, mut apply) = apply_under_way(version);
    sandbox.admin(sandbox.client.add_fault(json!({
        "kind": "status", "status": 429, "retry_after_secs": THROTTLED_SECS, "method": "PUT"
    })));
    apply.wait_for("the sandbox throttled a PUT", || {
        sandbox.counters().status(429) >= 1
    });
    let pressed = Instant::now();
    let finished = interrupt(apply);
    let took = pressed.elapsed();
    assert_interrupted(version, &finished);
    assert!(
        took < STOPPED_WITHIN,
        "{version}: Terraform ended {took:?} after Ctrl-C, as if the provider waited out the \
         {THROTTLED_SECS} s throttling:\n{}",
        finished.text()
    );
    assert!(
        finished.text().contains("asked the provider to stop"),
        "{version}: the throttled calls should end as cancelled:\n{}",
        finished.text()
    );
    assert_nothing_lost(version, &sandbox, &workspace);
    assert_second_apply_finishes(version, &sandbox, &workspace);
}
