//! `qualification_api = "async"` (POST / GET `/qualifications`, with vetting) under real
//! Terraform, both pinned versions, against the sandbox: create, empty plan, vetting and a
//! denial, drift and its repair, import, StateOwnedEntity beside Education, the plan-time
//! errors, every documented answer shape, the request counts, and no secret in the logs.

use crate::common::{NEWEST, Sandbox, Workspace, diagnostic, for_each_version_with_sandbox, text};
use partnercenter_sandbox::{
    AnswerShapes, DEMO_AGENCY as AGENCY, DEMO_SCHOOL as SCHOOL, DEMO_VALIDATION_CODE as CODE,
    DateField, GetShape, PostShape, Qualification,
};
use serde_json::Value as Json;

const SCHOOL_ADDRESS: &str = "partnercenter_customer_qualification.school";

/// The provider block that chooses the asynchronous contract.
const ASYNC_PROVIDER: &str = "provider \"partnercenter\" {\n  qualification_api = \"async\"\n}\n\n";

/// A workspace whose provider speaks the asynchronous contract to `sandbox`.
fn workspace(version: &'static str, sandbox: &Sandbox, resources: &str) -> Workspace {
    Workspace::on_sandbox(version, sandbox, &format!("{ASYNC_PROVIDER}{resources}"))
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

/// Create, empty plan, a denial, drift and its repair, import, and the data source, counting
/// requests.
#[test]
fn lifecycle() {
    for_each_version_with_sandbox(lifecycle_under);
}

fn lifecycle_under(version: &'static str, sandbox: &Sandbox) {
    let workspace = workspace(version, sandbox, &school_and_state_owned());

    // Create: one POST each, no read.
    workspace.apply();
    sandbox.assert_requests(
        &[
            ("POST qualifications", 2),
            ("GET qualifications", 0),
            ("PUT qualification", 0),
        ],
        &format!("{version}: create"),
    );
    let school = workspace.attributes(SCHOOL_ADDRESS);
    assert_eq!(school["vetting_status"], "InReview", "{version}: {school}");
    assert!(
        school["vetting_created_at"].is_string(),
        "{version}: {school}"
    );
    assert_eq!(school["education_segment"], "K12");
    let owned = workspace.attributes("partnercenter_customer_qualification.owned");
    assert_eq!(owned["qualification"], "StateOwnedEntity");
    assert_eq!(owned["vetting_status"], Json::Null, "{version}: {owned}");

    // Nothing to do: one GET per resource, and InReview is no drift.
    sandbox.reset_counters();
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "{version}: {plan}");
    sandbox.assert_requests(
        &[("GET qualifications", 2), ("POST qualifications", 0)],
        &format!("{version}: refresh"),
    );

    // A denial: a warning on every refresh quoting the reason, visible in vetting_status.
    sandbox.admin(sandbox.client.deny(SCHOOL, "Not an Education Customer"));
    let (code, plan) = workspace.plan_exit(&[]);
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
    let school = workspace.attributes(SCHOOL_ADDRESS);
    assert_eq!(school["vetting_status"], "Denied", "{version}");
    assert_eq!(school["vetting_reason"], "Not an Education Customer");

    // Drift: Education taken away outside Terraform; the plan shows it, one POST restores it.
    sandbox.admin(
        sandbox
            .client
            .remove_qualification(SCHOOL, Qualification::Education),
    );
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 2, "{version}: drift must show: {plan}");
    assert!(
        plan.contains("\"None\" -> \"Education\""),
        "{version}: {plan}"
    );
    sandbox.reset_counters();
    workspace.apply();
    assert_eq!(
        sandbox.counters().route("POST qualifications"),
        1,
        "{version}"
    );
    let (code, plan) = workspace.plan_exit(&[]);
    assert_eq!(code, 0, "{version}: {plan}");

    // Import into an empty state: the qualifications are read back; nothing is sent.
    let imported = workspace_for_import(version, sandbox);
    sandbox.reset_counters();
    imported.ok(&[
        "import",
        "-input=false",
        "-no-color",
        SCHOOL_ADDRESS,
        SCHOOL,
    ]);
    let school = imported.attributes(SCHOOL_ADDRESS);
    assert_eq!(school["qualification"], "Education", "{version}: {school}");
    assert_eq!(
        sandbox.counters().route("GET qualifications"),
        1,
        "{version}"
    );
    imported.apply();
    assert_eq!(
        sandbox.counters().route("POST qualifications"),
        0,
        "{version}: recording the segment sends nothing"
    );

    // The data source lists both qualifications.
    let data = workspace_with_data_source(version, sandbox);
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
    workspace.apply();
    workspace
}

/// Each case's `plan -json` gives `summary` of `severity`, pointing at `attribute`.
#[test]
fn plan_time_checks() {
    for_each_version_with_sandbox(plan_time_checks_under);
}

fn plan_time_checks_under(version: &'static str, sandbox: &Sandbox) {
    let legacy = "provider \"partnercenter\" {}\n\n";
    let school = |body: &str| {
        format!(
            "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
             customer_id = \"{SCHOOL}\"\n{body}}}\n"
        )
    };
    let cases = [
        (
            ASYNC_PROVIDER,
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
            ASYNC_PROVIDER,
            school("  qualification     = \"Education\"\n  education_segment = \"College\"\n"),
            "education_segment",
            "Invalid education_segment",
            "error",
        ),
    ];
    for (provider, resource, attribute, summary, severity) in cases {
        let workspace = Workspace::on_sandbox(version, sandbox, &format!("{provider}{resource}"));
        let output = workspace.run(&["plan", "-input=false", "-no-color", "-json"]);
        assert_eq!(
            output.status.success(),
            severity == "warning",
            "{version}: {resource}: {}",
            text(&output)
        );
        let diagnostic = diagnostic(&text(&output), summary);
        assert_eq!(diagnostic["severity"], severity, "{version}");
        workspace.assert_points_at(&diagnostic, attribute);
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

/// Every shape Microsoft's documents give the answers, in each of their 8 combinations: the
/// POST as one object or a wrapper, the GET as an array or a wrapper, the date under either
/// spelling. The create reads the POST's answer, a refresh the GET's, and the refresh finds
/// the state as the create left it. GovernmentCommunityCloud carries its code in the body, and
/// no secret reaches the trace log.
#[test]
fn every_answer_shape_and_no_secret_in_the_log() {
    let resource = format!(
        "resource \"partnercenter_customer_qualification\" \"agency\" {{\n  \
         customer_id     = \"{AGENCY}\"\n  qualification   = \"GovernmentCommunityCloud\"\n  \
         validation_code = \"{CODE}\"\n}}\n"
    );
    let mut workspace = Workspace::new(NEWEST, &format!("{ASYNC_PROVIDER}{resource}"));
    workspace.init();
    let mut every_shape = Vec::new();
    for post in [PostShape::Object, PostShape::Wrapper] {
        for get in [GetShape::Array, GetShape::Wrapper] {
            for date_field in [DateField::VettingCreateDate, DateField::VettingCreatedDate] {
                every_shape.push(AnswerShapes {
                    post,
                    get,
                    date_field,
                });
            }
        }
    }
    for shapes in every_shape {
        // A fresh sandbox and an empty state: the apply creates.
        let sandbox = Sandbox::start();
        sandbox.admin(sandbox.client.set_answer_shapes(shapes));
        workspace.use_sandbox(&sandbox);
        let _ = std::fs::remove_file(workspace.work_dir().join("terraform.tfstate"));
        let created = workspace.traced(&["apply", "-input=false", "-no-color", "-auto-approve"]);
        let agency = workspace.attributes("partnercenter_customer_qualification.agency");
        assert_eq!(agency["vetting_status"], "InReview", "{shapes:?}: {agency}");
        assert!(
            agency["vetting_created_at"].is_string(),
            "{shapes:?}: {agency}"
        );
        let refreshed = workspace.traced(&[
            "apply",
            "-refresh-only",
            "-input=false",
            "-no-color",
            "-auto-approve",
        ]);
        assert_eq!(
            workspace.attributes("partnercenter_customer_qualification.agency"),
            agency,
            "{shapes:?}: the refresh read another state:\n{created}\n{refreshed}"
        );
        sandbox.assert_requests(
            &[("POST qualifications", 1), ("GET qualifications", 1)],
            &format!("{shapes:?}"),
        );
        let held = sandbox.admin(sandbox.client.qualification(AGENCY));
        assert_eq!(
            held,
            Some(Qualification::GovernmentCommunityCloud),
            "{shapes:?}"
        );
    }
}
