//! `qualification_api = "async"` (POST / GET `/qualifications`, with vetting) under real
//! Terraform, both pinned versions, against the sandbox: create, empty plan, vetting and a
//! denial, drift and its repair, import, StateOwnedEntity beside Education, the plan-time
//! errors, every documented answer shape, the request counts, and no secret in the logs.

use crate::common::{Sandbox, VERSIONS, Workspace, diagnostics, text};
use partnercenter_sandbox::{
    AnswerShapes, DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, DEMO_VALIDATION_CODE as CODE,
    DateField, GetShape, PostShape, Qualification,
};
use serde_json::Value as Json;

const SCHOOL_ADDRESS: &str = "partnercenter_customer_qualification.school";

/// A workspace whose provider speaks the asynchronous contract to `sandbox`.
fn workspace(version: &'static str, sandbox: &Sandbox, resources: &str) -> Workspace {
    let mut workspace = Workspace::new(
        version,
        &format!(
            "provider \"partnercenter\" {{\n  qualification_api = \"async\"\n}}\n\n{resources}"
        ),
    );
    workspace.use_sandbox(sandbox);
    workspace.init();
    workspace
}

/// The school as Education (K12) and, for the same customer, StateOwnedEntity.
fn school_and_state_owned() -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
         customer_id       = \"{SCHOOL}\"\n  qualification     = \"Education\"\n  \
         education_segment = \"K12\"\n  website           = \"https://school.example\"\n}}\n\n\
         resource \"partnercenter_customer_qualification\" \"owned\" {{\n  \
         customer_id   = \"{SCHOOL}\"\n  qualification = \"StateOwnedEntity\"\n}}\n"
    )
}

fn counter(sandbox: &Sandbox, route: &str) -> u64 {
    sandbox.admin(sandbox.client.counters()).route(route)
}

fn reset(sandbox: &Sandbox) {
    sandbox.admin(sandbox.client.reset_counters());
}

/// The attributes of `address` in `terraform show -json`.
fn attributes(workspace: &Workspace, address: &str) -> Json {
    let state = workspace.json(&["show", "-json"]);
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["address"] == address))
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} not in {state}"))
}

/// `plan -detailed-exitcode`: 0 no changes, 2 changes.
fn plan_exit(workspace: &Workspace) -> (i32, String) {
    let output = workspace.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
    (output.status.code().unwrap_or(-1), text(&output))
}

fn apply(workspace: &Workspace) -> String {
    workspace.ok(&["apply", "-input=false", "-no-color", "-auto-approve"])
}

fn lifecycle(version: &'static str) {
    let sandbox = Sandbox::start();
    let workspace = workspace(version, &sandbox, &school_and_state_owned());

    // Create: one POST each, no read.
    apply(&workspace);
    assert_eq!(counter(&sandbox, "POST qualifications"), 2, "{version}");
    assert_eq!(counter(&sandbox, "GET qualifications"), 0, "{version}");
    assert_eq!(counter(&sandbox, "PUT qualification"), 0, "{version}");
    let school = attributes(&workspace, SCHOOL_ADDRESS);
    assert_eq!(school["vetting_status"], "InReview", "{version}: {school}");
    assert!(
        school["vetting_created_at"].is_string(),
        "{version}: {school}"
    );
    assert_eq!(school["education_segment"], "K12");
    let owned = attributes(&workspace, "partnercenter_customer_qualification.owned");
    assert_eq!(owned["qualification"], "StateOwnedEntity");
    assert_eq!(owned["vetting_status"], Json::Null, "{version}: {owned}");

    // Nothing to do: one GET per resource, and InReview is no drift.
    reset(&sandbox);
    let (code, plan) = plan_exit(&workspace);
    assert_eq!(code, 0, "{version}: {plan}");
    assert_eq!(counter(&sandbox, "GET qualifications"), 2, "{version}");
    assert_eq!(counter(&sandbox, "POST qualifications"), 0, "{version}");

    // A denial: a warning on every refresh quoting the reason, visible in vetting_status.
    sandbox.admin(sandbox.client.deny(SCHOOL, "Not an Education Customer"));
    let (code, plan) = plan_exit(&workspace);
    assert_eq!(code, 0, "{version}: a denial is no drift: {plan}");
    assert!(
        plan.contains("Qualification denied by Partner Center")
            && plan.contains("Not an Education Customer"),
        "{version}: {plan}"
    );
    let refreshed = workspace.ok(&[
        "apply",
        "-refresh-only",
        "-input=false",
        "-no-color",
        "-auto-approve",
    ]);
    assert!(
        refreshed.contains("Qualification denied"),
        "{version}: {refreshed}"
    );
    let school = attributes(&workspace, SCHOOL_ADDRESS);
    assert_eq!(school["vetting_status"], "Denied", "{version}");
    assert_eq!(school["vetting_reason"], "Not an Education Customer");

    // Drift: Education taken away outside Terraform; the plan shows it, one POST restores it.
    sandbox.admin(
        sandbox
            .client
            .remove_qualification(SCHOOL, Qualification::Education),
    );
    let (code, plan) = plan_exit(&workspace);
    assert_eq!(code, 2, "{version}: drift must show: {plan}");
    assert!(
        plan.contains("\"None\" -> \"Education\""),
        "{version}: {plan}"
    );
    reset(&sandbox);
    apply(&workspace);
    assert_eq!(counter(&sandbox, "POST qualifications"), 1, "{version}");
    let (code, plan) = plan_exit(&workspace);
    assert_eq!(code, 0, "{version}: {plan}");

    // Import into an empty state: the qualifications are read back; nothing is sent.
    let imported = workspace_for_import(version, &sandbox);
    reset(&sandbox);
    imported.ok(&[
        "import",
        "-input=false",
        "-no-color",
        SCHOOL_ADDRESS,
        SCHOOL,
    ]);
    let school = attributes(&imported, SCHOOL_ADDRESS);
    assert_eq!(school["qualification"], "Education", "{version}: {school}");
    assert_eq!(counter(&sandbox, "GET qualifications"), 1, "{version}");
    apply(&imported);
    assert_eq!(
        counter(&sandbox, "POST qualifications"),
        0,
        "{version}: recording the segment sends nothing"
    );

    // The data source lists both qualifications.
    let data = workspace_with_data_source(version, &sandbox);
    let outputs = data.json(&["output", "-json"]);
    let listed: Vec<&str> = outputs["held"]["value"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    assert_eq!(
        listed,
        ["Education", "StateOwnedEntity"],
        "{version}: {outputs}"
    );
    assert_eq!(outputs["main"]["value"], "Education");
}

fn workspace_for_import(version: &'static str, sandbox: &Sandbox) -> Workspace {
    workspace(
        version,
        sandbox,
        &format!(
            "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
             customer_id       = \"{SCHOOL}\"\n  qualification     = \"Education\"\n  \
             education_segment = \"K12\"\n}}\n"
        ),
    )
}

fn workspace_with_data_source(version: &'static str, sandbox: &Sandbox) -> Workspace {
    let workspace = workspace(
        version,
        sandbox,
        &format!(
            "data \"partnercenter_customer_qualification\" \"school\" {{\n  customer_id = \"{SCHOOL}\"\n}}\n\n\
             output \"held\" {{\n  value = [for q in data.partnercenter_customer_qualification.school.qualifications : q.qualification]\n}}\n\n\
             output \"main\" {{\n  value = data.partnercenter_customer_qualification.school.qualification\n}}\n"
        ),
    );
    apply(&workspace);
    workspace
}

#[test]
fn lifecycle_terraform_1_15_5() {
    lifecycle(VERSIONS[0]);
}

#[test]
fn lifecycle_terraform_1_0_3() {
    lifecycle(VERSIONS[1]);
}

/// The line of `main.tf` a `-json` diagnostic's range starts on.
fn source_line(workspace: &Workspace, diagnostic: &Json) -> String {
    let line = diagnostic["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
    let main_tf = std::fs::read_to_string(workspace.work_dir().join("main.tf")).expect("main.tf");
    main_tf
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Each case's `plan -json` gives `summary` of `severity`, pointing at `attribute`.
fn plan_time_checks(version: &'static str) {
    let sandbox = Sandbox::start();
    let legacy = "provider \"partnercenter\" {}\n\n";
    let asynchronous = "provider \"partnercenter\" {\n  qualification_api = \"async\"\n}\n\n";
    let school = |body: &str| {
        format!(
            "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
             customer_id = \"{SCHOOL}\"\n{body}}}\n"
        )
    };
    let cases = [
        (
            asynchronous,
            school("  qualification     = \"Education\"\n  education_segment = null\n"),
            "education_segment",
            "Missing education_segment",
            "error",
        ),
        (
            legacy,
            school("  qualification = \"StateOwnedEntity\"\n"),
            "qualification",
            "Qualification needs the asynchronous contract",
            "error",
        ),
        (
            legacy,
            school("  qualification     = \"Education\"\n  education_segment = \"K12\"\n"),
            "education_segment",
            "education_segment is not sent",
            "warning",
        ),
        (
            asynchronous,
            school("  qualification     = \"Education\"\n  education_segment = \"College\"\n"),
            "education_segment",
            "Invalid education_segment",
            "error",
        ),
    ];
    for (provider, resource, attribute, summary, severity) in cases {
        let mut workspace = Workspace::new(version, &format!("{provider}{resource}"));
        workspace.use_sandbox(&sandbox);
        workspace.init();
        let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
        assert_eq!(
            output.status.success(),
            severity == "warning",
            "{version}: {resource}: {}",
            text(&output)
        );
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let found = diagnostics(&stdout);
        let diagnostic = found
            .iter()
            .find(|d| d["summary"] == summary)
            .unwrap_or_else(|| panic!("{version}: no \"{summary}\" in {stdout}"));
        assert_eq!(diagnostic["severity"], severity, "{version}");
        let line = source_line(&workspace, diagnostic);
        assert!(
            line.starts_with(attribute),
            "{version}: {summary} points at {line:?}, not {attribute}"
        );
        if summary == "Qualification needs the asynchronous contract" {
            assert!(
                diagnostic["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("qualification_api")),
                "{diagnostic}"
            );
        }
    }
}

#[test]
fn plan_time_checks_terraform_1_15_5() {
    plan_time_checks(VERSIONS[0]);
}

#[test]
fn plan_time_checks_terraform_1_0_3() {
    plan_time_checks(VERSIONS[1]);
}

/// Every shape Microsoft's documents give the answers: the POST as one object or a wrapper,
/// the GET as an array or a wrapper, the date under either spelling. GovernmentCommunityCloud
/// carries its code in the body, and no secret reaches the trace log.
#[test]
fn every_answer_shape_and_no_secret_in_the_log_terraform_1_15_5() {
    for shapes in [
        AnswerShapes {
            post: PostShape::Object,
            get: GetShape::Array,
            date_field: DateField::VettingCreateDate,
        },
        AnswerShapes {
            post: PostShape::Wrapper,
            get: GetShape::Wrapper,
            date_field: DateField::VettingCreatedDate,
        },
    ] {
        let sandbox = Sandbox::start();
        sandbox.admin(sandbox.client.set_answer_shapes(shapes));
        let mut workspace = workspace(
            VERSIONS[0],
            &sandbox,
            &format!(
                "resource \"partnercenter_customer_qualification\" \"agency\" {{\n  \
                 customer_id     = \"{AGENCY}\"\n  qualification   = \"GovernmentCommunityCloud\"\n  \
                 validation_code = \"{CODE}\"\n}}\n"
            ),
        );
        workspace.set_env("TF_LOG", "trace");
        let output = workspace.run(&["apply", "-input=false", "-no-color", "-auto-approve"]);
        let said = text(&output);
        assert!(output.status.success(), "{shapes:?}: {said}");
        assert!(!said.contains(CODE), "{shapes:?}: the code reached the log");
        workspace.set_env("TF_LOG", "");
        let agency = attributes(&workspace, "partnercenter_customer_qualification.agency");
        assert_eq!(agency["vetting_status"], "InReview", "{shapes:?}: {agency}");
        assert!(agency["vetting_created_at"].is_string(), "{shapes:?}");
        let (code, plan) = plan_exit(&workspace);
        assert_eq!(code, 0, "{shapes:?}: {plan}");
        let held = sandbox.admin(sandbox.client.qualification(AGENCY));
        assert_eq!(held, Some(Qualification::GovernmentCommunityCloud));
    }
}
