//! Every file under `examples/` works as written, under each pinned Terraform version: each is
//! validated, applied against the sandbox, and the resource's `import.sh` is run as a user
//! would run it.

use std::path::{Path, PathBuf};

use crate::common::{
    OLDEST, Sandbox, Workspace, for_each_version, repo_root, required_providers, terraform, text,
};
use partnercenter_sandbox::DEMO_SCHOOL;

const IMPORT_SCRIPT: &str = "resources/partnercenter_customer_qualification/import.sh";
/// An `import` block with an `identity` needs Terraform 1.12 or newer.
const IMPORT_BY_IDENTITY: &str =
    "resources/partnercenter_customer_qualification/import-by-identity.tf";

/// Every Terraform configuration under `examples/`, relative to it.
fn example_configurations() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read examples/") {
            let path = entry.expect("examples/ entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "tf") {
                found.push(path);
            }
        }
    }
    let root = repo_root().join("examples");
    let mut found = Vec::new();
    walk(&root, &mut found);
    found.sort();
    found
        .into_iter()
        .map(|p| p.strip_prefix(&root).expect("under examples/").to_owned())
        .collect()
}

fn example_source(example: &Path) -> String {
    std::fs::read_to_string(repo_root().join("examples").join(example)).expect("read the example")
}

/// A workspace holding the example `source` as `main.tf`, not yet initialised. Examples that
/// are fragments (the Registry's resource and data source pages) get the `required_providers`
/// block a real configuration has beside them.
fn workspace_for(version: &'static str, source: &str) -> Workspace {
    let workspace = Workspace::new(version, "");
    workspace.write_file("main.tf", source);
    if !source.contains("required_providers") {
        workspace.write_file("versions.tf", &required_providers());
    }
    workspace
}

/// Each example is valid and applies against the sandbox, or, where the oldest Terraform lacks
/// what it uses, is refused clearly.
#[test]
fn examples_validate_and_apply() {
    for_each_version(examples_work);
}

fn examples_work(version: &'static str) {
    let examples = example_configurations();
    for expected in [
        "provider/provider.tf",
        "quickstart/main.tf",
        "resources/partnercenter_customer_qualification/resource.tf",
        "resources/partnercenter_customer_qualification/write-only.tf",
        "resources/partnercenter_customer_qualification/async.tf",
        "data-sources/partnercenter_customer_qualification/data-source.tf",
        "data-sources/partnercenter_qualification_history/data-source.tf",
        "data-sources/partnercenter_validation_codes/data-source.tf",
        IMPORT_BY_IDENTITY,
    ] {
        assert!(
            examples.contains(&PathBuf::from(expected)),
            "examples/{expected} is missing: {examples:?}"
        );
    }
    for example in &examples {
        let source = example_source(example);
        let mut workspace = workspace_for(version, &source);
        let said = |output: &std::process::Output| {
            format!(
                "{version}: examples/{}: {}",
                example.display(),
                text(output)
            )
        };
        if version == OLDEST && example == Path::new(IMPORT_BY_IDENTITY) {
            // Terraform 1.0 has no import blocks: it must refuse the example, not misread it.
            let output = workspace.run(&["init", "-input=false", "-no-color"]);
            assert!(
                !output.status.success() && text(&output).contains("Unsupported block type"),
                "{}",
                said(&output)
            );
            continue;
        }
        // A fresh sandbox per example: each applies to the same demo customers.
        let sandbox = Sandbox::start();
        workspace.use_sandbox(&sandbox);
        workspace.init();
        if version == OLDEST && source.contains("validation_code_wo") {
            // Write-only attributes need Terraform 1.11: older versions get a clear refusal.
            let output = workspace.run(&["plan", "-input=false", "-no-color"]);
            assert!(
                !output.status.success()
                    && text(&output).contains("Write-only attribute not supported"),
                "{}",
                said(&output)
            );
            continue;
        }
        let validate = workspace.json(&["validate", "-json", "-no-color"]);
        assert_eq!(
            validate["valid"],
            true,
            "{version}: examples/{} is invalid: {validate}",
            example.display()
        );
        workspace.apply();
    }
}

/// `import.sh` runs as printed in the docs, with `terraform` on the PATH, and imports the
/// resource declared in `resource.tf`.
#[test]
fn import_script_imports() {
    for_each_version(import_script_imports_under);
}

fn import_script_imports_under(version: &'static str) {
    let sandbox = Sandbox::start();
    let mut workspace = workspace_for(
        version,
        &example_source(Path::new(
            "resources/partnercenter_customer_qualification/resource.tf",
        )),
    );
    workspace.use_sandbox(&sandbox);
    workspace.init();
    let bin = workspace.dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::os::unix::fs::symlink(terraform(version), bin.join("terraform")).expect("link terraform");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let output = workspace
        .command("bash")
        .arg(repo_root().join("examples").join(IMPORT_SCRIPT))
        .env("PATH", path)
        .env("TF_INPUT", "0")
        .output()
        .expect("run import.sh");
    assert!(
        output.status.success(),
        "{version}: import.sh failed: {}",
        text(&output)
    );

    let imported = workspace.attributes("partnercenter_customer_qualification.school");
    assert_eq!(
        imported["customer_id"], DEMO_SCHOOL,
        "{version}: {imported}"
    );
}
