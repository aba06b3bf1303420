//! Every file under `examples/` works as written, under each pinned Terraform version: each is
//! validated, applied against the sandbox, and the resource's `import.sh` is run as a user
//! would run it.

use std::path::{Path, PathBuf};

use terraform_provider_partnercenter::framework::Provider as _;
use terraform_provider_partnercenter::provider::PartnerCenterProvider;

use crate::common::{
    OLDEST, Sandbox, Workspace, for_each_version, repo_root, required_providers, terraform, text,
};

/// An `import` block with an `identity` needs Terraform 1.12 or newer.
const IMPORT_BY_IDENTITY: &str = "import-by-identity.tf";

/// The examples every type the provider offers must have, relative to `examples/`: what the
/// docs generator reads and the Registry shows.
fn required_examples() -> Vec<PathBuf> {
    let provider = PartnerCenterProvider::new();
    let mut required = vec![
        PathBuf::from("provider/provider.tf"),
        PathBuf::from("quickstart/main.tf"),
    ];
    for resource in provider.resources() {
        let dir = Path::new("resources").join(resource.type_name());
        required.push(dir.join("resource.tf"));
        required.push(dir.join("import.sh"));
        if resource.identity_schema().is_some() {
            required.push(dir.join(IMPORT_BY_IDENTITY));
        }
    }
    for data_source in provider.data_sources() {
        let dir = Path::new("data-sources").join(data_source.type_name());
        required.push(dir.join("data-source.tf"));
    }
    for list in provider.list_resources() {
        let dir = Path::new("list-resources").join(list.type_name());
        required.push(dir.join("list-resource.tfquery.hcl"));
    }
    required
}

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
    for required in required_examples() {
        assert!(
            repo_root().join("examples").join(&required).is_file(),
            "examples/{} is missing",
            required.display()
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
        if version == OLDEST && example.ends_with(IMPORT_BY_IDENTITY) {
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

/// Each resource's `import.sh` runs as printed in the docs, with `terraform` on the PATH, and
/// imports into the address it names the object whose id it gives, declared in `resource.tf`.
#[test]
fn import_scripts_import() {
    for_each_version(import_scripts_import_under);
}

fn import_scripts_import_under(version: &'static str) {
    for resource in PartnerCenterProvider::new().resources() {
        let dir = Path::new("resources").join(resource.type_name());
        let script = repo_root().join("examples").join(dir.join("import.sh"));
        let imports = import_lines(&std::fs::read_to_string(&script).expect("read import.sh"));
        assert!(!imports.is_empty(), "{} imports nothing", script.display());

        let sandbox = Sandbox::start();
        let mut workspace = workspace_for(version, &example_source(&dir.join("resource.tf")));
        workspace.use_sandbox(&sandbox);
        workspace.init();
        let bin = workspace.dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin dir");
        std::os::unix::fs::symlink(terraform(version), bin.join("terraform"))
            .expect("link terraform");
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let output = workspace
            .command("bash")
            .arg(&script)
            .env("PATH", path)
            .env("TF_INPUT", "0")
            .output()
            .expect("run import.sh");
        assert!(
            output.status.success(),
            "{version}: {} failed: {}",
            script.display(),
            text(&output)
        );
        for (address, id) in imports {
            let imported = workspace.attributes(&address);
            assert_eq!(
                imported["id"],
                id.as_str(),
                "{version}: {address}: {imported}"
            );
        }
    }
}

/// The `terraform import ADDRESS ID` lines of an import script, as (address, id).
fn import_lines(script: &str) -> Vec<(String, String)> {
    script
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words[..] {
                ["terraform", "import", address, id] => Some((address.to_owned(), id.to_owned())),
                _ => None,
            }
        })
        .collect()
}
