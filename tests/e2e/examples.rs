//! Every file under `examples/` works as written, under both pinned Terraform versions: each is
//! validated, applied against the sandbox, and the resource's `import.sh` is run as a user
//! would run it.

use std::path::{Path, PathBuf};

use crate::common::{Sandbox, VERSIONS, Workspace, repo_root, required_providers, terraform, text};
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

/// A workspace holding one example as `main.tf`, talking to `sandbox`. Examples that are
/// fragments (the Registry's resource and data source pages) get the `required_providers`
/// block a real configuration has beside them.
fn workspace_for(version: &'static str, sandbox: &Sandbox, example: &Path) -> Workspace {
    let source = std::fs::read_to_string(repo_root().join("examples").join(example))
        .expect("read the example");
    let mut workspace = Workspace::new(version, "");
    workspace.write_file("main.tf", &source);
    if !source.contains("required_providers") {
        workspace.write_file("versions.tf", &required_providers());
    }
    workspace.use_sandbox(sandbox);
    workspace.init();
    workspace
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
        "data-sources/partnercenter_validation_codes/data-source.tf",
        IMPORT_BY_IDENTITY,
    ] {
        assert!(
            examples.contains(&PathBuf::from(expected)),
            "examples/{expected} is missing: {examples:?}"
        );
    }
    for example in &examples {
        // A fresh sandbox per example: each applies to the same demo customers.
        let sandbox = Sandbox::start();
        if version == "1.0.3" && example == Path::new(IMPORT_BY_IDENTITY) {
            // Terraform 1.0 has no import blocks: it must refuse the example, not misread it.
            let workspace = Workspace::new(version, "");
            workspace.write_file(
                "main.tf",
                &std::fs::read_to_string(repo_root().join("examples").join(example))
                    .expect("read the example"),
            );
            workspace.write_file("versions.tf", &required_providers());
            let output = workspace.run(&["init", "-input=false", "-no-color"]);
            assert!(
                !output.status.success() && text(&output).contains("Unsupported block type"),
                "{version}: {}",
                text(&output)
            );
            continue;
        }
        let workspace = workspace_for(version, &sandbox, example);
        let source = std::fs::read_to_string(repo_root().join("examples").join(example))
            .expect("read the example");
        if version == "1.0.3" && source.contains("validation_code_wo") {
            // Write-only attributes need Terraform 1.11: older versions get a clear refusal.
            let output = workspace.run(&["plan", "-input=false", "-no-color"]);
            assert!(
                !output.status.success()
                    && text(&output).contains("Write-only attribute not supported"),
                "{version}: examples/{}: {}",
                example.display(),
                text(&output)
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
        workspace.ok(&["apply", "-input=false", "-no-color", "-auto-approve"]);
    }
}

#[test]
fn examples_validate_and_apply_terraform_1_15_5() {
    examples_work(VERSIONS[0]);
}

#[test]
fn examples_validate_and_apply_terraform_1_0_3() {
    examples_work(VERSIONS[1]);
}

/// `import.sh` runs as printed in the docs, with `terraform` on the PATH, and imports the
/// resource declared in `resource.tf`.
fn import_script_imports(version: &'static str) {
    let sandbox = Sandbox::start();
    let workspace = workspace_for(
        version,
        &sandbox,
        Path::new("resources/partnercenter_customer_qualification/resource.tf"),
    );
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

    let state = workspace.json(&["show", "-json"]);
    let imported = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|r| {
            r.iter()
                .find(|r| r["address"] == "partnercenter_customer_qualification.school")
        })
        .unwrap_or_else(|| panic!("{version}: nothing imported: {state}"));
    assert_eq!(
        imported["values"]["customer_id"], DEMO_SCHOOL,
        "{version}: {imported}"
    );
}

#[test]
fn import_script_imports_terraform_1_15_5() {
    import_script_imports(VERSIONS[0]);
}

#[test]
fn import_script_imports_terraform_1_0_3() {
    import_script_imports(VERSIONS[1]);
}
