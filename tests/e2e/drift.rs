//! Drift that says who made it, under real Terraform (both pinned versions) against the sandbox:
//! an out-of-band change shows in `plan`, `plan -refresh-only` and `apply` with a warning naming
//! who and when (both contracts, each drifted resource its own warning); the newest of several
//! changes is named whatever order and paging the activity log answers with; a plan without drift
//! (a vetting that moved included) makes no audit request; a lookup that fails leaves the drift
//! and the plan standing and says why; `explain_drift = false` makes no lookup.

use std::time::{Duration, SystemTime};

use crate::common::{
    Sandbox, Workspace, assert_no_secret, diagnostic, diagnostics, for_each_version_with_sandbox,
};
use partnercenter_sandbox::{
    Actor, AuditOrder, AuditSettings, DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, Qualification,
    SeedAuditRecord,
};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The sandbox's route of the activity log, as its counters name it.
const LOOKUPS: &str = "GET auditrecords";
const BOB: &str = "bob@contoso.com";
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Which Partner Center contract the provider speaks.
#[derive(Clone, Copy, Debug)]
enum Contract {
    Legacy,
    Async,
}

impl Contract {
    /// The provider block's setting, and what an Education resource needs beside it.
    fn settings(self) -> (&'static str, &'static str) {
        match self {
            Self::Legacy => ("", ""),
            Self::Async => (
                "  qualification_api = \"async\"\n",
                "  education_segment = \"K12\"\n",
            ),
        }
    }

    /// The route that reads qualifications back, as the sandbox's counters name it.
    fn read_route(self) -> &'static str {
        match self {
            Self::Legacy => "GET qualification",
            Self::Async => "GET qualifications",
        }
    }
}

/// `main.tf`: a provider block with `contract`'s setting and `provider`, and each of `customers`
/// as an Education resource named after its index.
fn config(contract: Contract, provider: &str, customers: &[&str]) -> String {
    let (setting, education) = contract.settings();
    let mut config = format!("provider \"partnercenter\" {{\n{setting}{provider}}}\n");
    for (index, customer) in customers.iter().enumerate() {
        config.push_str(&format!(
            "\nresource \"partnercenter_customer_qualification\" \"{}\" {{\n  \
             customer_id   = \"{customer}\"\n  qualification = \"Education\"\n{education}}}\n",
            name(index)
        ));
    }
    config
}

fn name(index: usize) -> &'static str {
    ["school", "agency"][index]
}

/// `before` now.
fn ago(before: Duration) -> SystemTime {
    SystemTime::now() - before
}

/// An instant as the warning shows it: RFC 3339 to the second, in UTC.
fn shown(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at)
        .replace_nanosecond(0)
        .expect("a whole second");
    at.format(&Rfc3339).expect("an RFC 3339 date")
}

/// The warning's summary that names `who` for `customer`'s change at `at`.
fn named(customer: &str, who: &str, at: SystemTime) -> String {
    format!(
        "Qualification of customer {customer} last changed by {who} on {}",
        shown(at)
    )
}

/// The warning's summary when nobody could be named for `customer`.
fn unknown(customer: &str) -> String {
    format!("Who changed the qualification of customer {customer} is not known")
}

/// Bob changes `customer` to Nonprofit through the portal, out of band, `before` now.
fn bob_changes(sandbox: &Sandbox, customer: &str, before: Duration) -> SystemTime {
    let at = ago(before);
    sandbox.admin(sandbox.client.set_qualification_by(
        customer,
        Qualification::Nonprofit,
        &Actor::user(BOB).through("portal"),
        Some(at),
    ));
    at
}

/// A plan that shows drift (exit code 2): what it printed.
fn drifted_plan(workspace: &Workspace, extra: &[&str]) -> String {
    let (code, plan) = workspace.plan_exit(extra);
    assert_eq!(
        code, 2,
        "{}: the drift must show: {plan}",
        workspace.version
    );
    plan
}

/// The plan's warning about `summary`, from `plan -json`: a warning on the resource's
/// `qualification`; its detail.
fn warning_detail(workspace: &Workspace, extra: &[&str], summary: &str) -> String {
    let mut args = vec!["plan", "-input=false", "-no-color", "-json"];
    args.extend_from_slice(extra);
    let warning = diagnostic(&workspace.ok(&args), summary);
    assert_eq!(warning["severity"], "warning", "{warning}");
    workspace.assert_points_at(&warning, "qualification");
    warning["detail"].as_str().unwrap_or_default().to_owned()
}

/// An out-of-band change of two customers shows in plan, refresh-only plan and apply, each with
/// its own warning; one lookup per drifted resource, none without drift.
fn names_who_and_when(version: &'static str, sandbox: &Sandbox, contract: Contract) {
    let workspace =
        Workspace::on_sandbox(version, sandbox, &config(contract, "", &[SCHOOL, AGENCY]));
    workspace.apply();

    sandbox.reset_counters();
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "{version} {contract:?}: {plan}");
    sandbox.assert_requests(
        &[(contract.read_route(), 2), (LOOKUPS, 0)],
        &format!("{version} {contract:?}: no drift, no lookup"),
    );

    // After the apply, whose own records are then older.
    let school_at = bob_changes(sandbox, SCHOOL, Duration::ZERO);
    let agency_at = bob_changes(sandbox, AGENCY, Duration::ZERO);
    sandbox.reset_counters();
    let plan = drifted_plan(&workspace, &[]);
    for summary in [named(SCHOOL, BOB, school_at), named(AGENCY, BOB, agency_at)] {
        assert!(
            plan.contains(&format!("Warning: {summary}\n")),
            "{version} {contract:?}: every drifted resource names its author: {plan}"
        );
    }
    assert!(!plan.contains("similar warning"), "{version}: {plan}");
    assert!(
        plan.contains("\"Nonprofit\" -> \"Education\""),
        "{version}: {plan}"
    );
    sandbox.assert_requests(
        &[(contract.read_route(), 2), (LOOKUPS, 2)],
        &format!("{version} {contract:?}: one lookup per drifted resource"),
    );

    let detail = warning_detail(&workspace, &[], &named(SCHOOL, BOB, school_at));
    assert!(
        detail.contains(&format!(
            "was made by {BOB} through application portal on {}",
            shown(school_at)
        )),
        "{version} {contract:?}: {detail}"
    );
    let refresh_only = drifted_plan(&workspace, &["-refresh-only"]);
    assert!(
        refresh_only.contains("changed outside of Terraform")
            && refresh_only.contains(&named(SCHOOL, BOB, school_at)),
        "{version} {contract:?}: {refresh_only}"
    );
    warning_detail(
        &workspace,
        &["-refresh-only"],
        &named(AGENCY, BOB, agency_at),
    );

    let applied = workspace.apply();
    assert!(
        applied.contains(&named(SCHOOL, BOB, school_at)),
        "{version} {contract:?}: apply shows it too: {applied}"
    );
    sandbox.reset_counters();
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "{version} {contract:?}: restored: {plan}");
    sandbox.assert_requests(&[(LOOKUPS, 0)], &format!("{version}: restored"));
}

#[test]
fn legacy_names_who_and_when() {
    for_each_version_with_sandbox(|version, sandbox| {
        names_who_and_when(version, sandbox, Contract::Legacy);
    });
}

#[test]
fn async_names_who_and_when() {
    for_each_version_with_sandbox(|version, sandbox| {
        names_who_and_when(version, sandbox, Contract::Async);
    });
}

/// A vetting that moves (InReview, then Denied) is no drift: no lookup.
#[test]
fn vetting_is_no_drift() {
    for_each_version_with_sandbox(vetting_is_no_drift_under);
}

fn vetting_is_no_drift_under(version: &'static str, sandbox: &Sandbox) {
    let workspace =
        Workspace::on_sandbox(version, sandbox, &config(Contract::Async, "", &[SCHOOL]));
    workspace.apply();
    assert_eq!(
        workspace.attributes("partnercenter_customer_qualification.school")["vetting_status"],
        "InReview"
    );
    sandbox.admin(sandbox.client.deny(SCHOOL, "Not an Education Customer"));
    sandbox.reset_counters();
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "{version}: a denial is no drift: {plan}");
    assert!(
        plan.contains("Qualification denied by Partner Center"),
        "{version}: {plan}"
    );
    sandbox.assert_requests(&[(LOOKUPS, 0)], &format!("{version}: a denial"));
}

/// A workspace that imported the school, which Alice set to Education `before` now: Terraform
/// itself wrote nothing to the activity log.
fn imported_school(version: &'static str, sandbox: &Sandbox, before: Duration) -> Workspace {
    sandbox.admin(sandbox.client.set_qualification_by(
        SCHOOL,
        Qualification::Education,
        &Actor::user("alice@contoso.com"),
        Some(ago(before)),
    ));
    let workspace =
        Workspace::on_sandbox(version, sandbox, &config(Contract::Legacy, "", &[SCHOOL]));
    workspace.ok(&[
        "import",
        "-input=false",
        "-no-color",
        "partnercenter_customer_qualification.school",
        SCHOOL,
    ]);
    workspace
}

/// A qualification change of the school made by `who` at `at` (the log alone: Partner Center's
/// state is left as it is).
fn record(who: &str, at: SystemTime) -> SeedAuditRecord {
    SeedAuditRecord::qualification_change(
        SCHOOL,
        &[Qualification::Education],
        &[Qualification::GovernmentCommunityCloud],
        Actor::user(who),
        at,
    )
}

/// The school's history beside Alice's: Bob's out-of-band change an hour ago is the drift
/// (made once Terraform imported the school); around it, older changes and newer records that
/// are no qualification change, or failed.
fn history(sandbox: &Sandbox) -> SystemTime {
    let bob_at = ago(HOUR);
    let order = SeedAuditRecord {
        resource_type: "order".to_owned(),
        operation_type: "create_order".to_owned(),
        ..record("orders@contoso.com", ago(HOUR / 6))
    };
    let failed = SeedAuditRecord {
        operation_status: "failed".to_owned(),
        ..record("mallory@contoso.com", ago(HOUR / 2))
    };
    sandbox.admin(sandbox.client.add_audit_records(&[
        record("carol@contoso.com", ago(3 * HOUR)),
        record("dave@contoso.com", ago(2 * DAY)),
        order,
        failed,
    ]));
    bob_at
}

/// The newest change is named whatever the order of the answer, and however many pages it
/// takes: one request per page, and more only while an answer says more follow.
#[test]
fn the_newest_change_is_named() {
    for_each_version_with_sandbox(the_newest_change_is_named_under);
}

fn the_newest_change_is_named_under(version: &'static str, sandbox: &Sandbox) {
    let bob_at = history(sandbox);
    sandbox.reset_counters();
    let workspace = imported_school(version, sandbox, 20 * DAY);
    sandbox.assert_requests(
        &[(LOOKUPS, 0)],
        &format!("{version}: an import is no drift"),
    );
    sandbox.admin(sandbox.client.set_qualification_by(
        SCHOOL,
        Qualification::Nonprofit,
        &Actor::user(BOB),
        Some(bob_at),
    ));
    // Six records of the school in the last 30 days: Alice's, Carol's, Dave's, Bob's, the
    // order and the failed change.
    for (order, seed, page_size, pages) in [
        (AuditOrder::NewestFirst, 0, 500, 1),
        (AuditOrder::OldestFirst, 0, 500, 1),
        (AuditOrder::Shuffled, 1, 500, 1),
        (AuditOrder::Shuffled, 2, 500, 1),
        (AuditOrder::OldestFirst, 0, 2, 3),
        (AuditOrder::Shuffled, 3, 4, 2),
    ] {
        sandbox.admin(sandbox.client.set_audit_settings(AuditSettings {
            order,
            seed,
            page_size,
        }));
        sandbox.reset_counters();
        let plan = drifted_plan(&workspace, &[]);
        let context = format!("{version}: {order:?} (seed {seed}), {page_size} a page");
        assert!(
            plan.contains(&format!("Warning: {}\n", named(SCHOOL, BOB, bob_at))),
            "{context}: {plan}"
        );
        sandbox.assert_requests(&[(LOOKUPS, pages)], &context);
    }
}

/// A plan whose lookup is refused, throttled past its retries or its budget, failing, or finds
/// no record still succeeds and shows the drift, with a warning that says why nobody is named
/// and repeats no secret.
#[test]
fn a_failing_lookup_leaves_the_drift() {
    for_each_version_with_sandbox(a_failing_lookup_leaves_the_drift_under);
}

fn a_failing_lookup_leaves_the_drift_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = Workspace::on_sandbox(
        version,
        sandbox,
        &config(Contract::Legacy, "  max_retries = 1\n", &[SCHOOL]),
    );
    workspace.apply();
    bob_changes(sandbox, SCHOOL, Duration::ZERO);
    let on_lookups = |fault: serde_json::Value| {
        let mut fault = fault;
        fault["path_prefix"] = json!("/v1/auditrecords");
        fault
    };
    for (fault, requests, why) in [
        (
            json!({"kind": "status", "status": 403,
                   "body": {"code": 2032, "description": "Access denied"}}),
            1,
            "did not let these credentials read its activity log",
        ),
        (
            json!({"kind": "status", "status": 429, "retry_after_secs": 1}),
            2,
            "was throttling when the activity log lookup gave up: gave up after 2 attempts",
        ),
        // Partner Center's usual wait is longer than the lookup's budget: no wait at all.
        (
            json!({"kind": "status", "status": 429, "retry_after_secs": 57}),
            1,
            "did not finish within its deadline of 15s, after 1 attempt",
        ),
        (
            json!({"kind": "status", "status": 500}),
            2,
            "the activity log lookup failed: gave up after 2 attempts",
        ),
    ] {
        let context = format!("{version}: {fault}");
        sandbox.admin(sandbox.client.clear_faults());
        sandbox.admin(sandbox.client.add_fault(on_lookups(fault)));
        sandbox.reset_counters();
        let plan = drifted_plan(&workspace, &[]);
        assert!(
            plan.contains(&format!("Warning: {}\n", unknown(SCHOOL)))
                && plan.contains("\"Nonprofit\" -> \"Education\""),
            "{context}: {plan}"
        );
        assert_no_secret(&plan, &context);
        sandbox.assert_requests(&[(LOOKUPS, requests)], &context);
        let detail = warning_detail(&workspace, &[], &unknown(SCHOOL));
        assert!(
            detail.starts_with("The plan shows the change made outside Terraform, but ")
                && detail.contains(why),
            "{context}: {detail}"
        );
    }
}

/// A drift the activity log has no record of in the last 30 days: the customer was imported,
/// and changed 40 days ago.
#[test]
fn an_unrecorded_drift_says_so() {
    for_each_version_with_sandbox(an_unrecorded_drift_says_so_under);
}

fn an_unrecorded_drift_says_so_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = imported_school(version, sandbox, 60 * DAY);
    bob_changes(sandbox, SCHOOL, 40 * DAY);
    let plan = drifted_plan(&workspace, &[]);
    assert!(
        plan.contains(&format!("Warning: {}\n", unknown(SCHOOL))),
        "{version}: {plan}"
    );
    let detail = warning_detail(&workspace, &[], &unknown(SCHOOL));
    assert!(
        detail.ends_with("records no qualification change of this customer in the last 30 days."),
        "{version}: {detail}"
    );
}

/// `explain_drift = false`, in the block or the environment: the drift shows, nothing is
/// looked up.
#[test]
fn explain_drift_off_makes_no_lookup() {
    for_each_version_with_sandbox(explain_drift_off_makes_no_lookup_under);
}

fn explain_drift_off_makes_no_lookup_under(version: &'static str, sandbox: &Sandbox) {
    let mut workspace = Workspace::on_sandbox(
        version,
        sandbox,
        &config(Contract::Legacy, "  explain_drift = false\n", &[SCHOOL]),
    );
    workspace.apply();
    bob_changes(sandbox, SCHOOL, Duration::ZERO);
    let silent = |workspace: &Workspace, context: &str| {
        sandbox.reset_counters();
        let plan = drifted_plan(workspace, &[]);
        assert!(
            plan.contains("\"Nonprofit\" -> \"Education\"") && !plan.contains("Warning: "),
            "{version} {context}: {plan}"
        );
        let said = workspace.ok(&["plan", "-input=false", "-json"]);
        assert_eq!(
            diagnostics(&said),
            [] as [serde_json::Value; 0],
            "{version} {context}"
        );
        sandbox.assert_requests(&[(LOOKUPS, 0)], &format!("{version} {context}"));
    };
    silent(&workspace, "in the block");
    workspace.write_config(&config(Contract::Legacy, "", &[SCHOOL]));
    workspace.set_env("PARTNERCENTER_EXPLAIN_DRIFT", "false");
    silent(&workspace, "in the environment");
}
