//! Installing the provider as a user would: the release artifacts `scripts/release.py` builds
//! (their contents and sums), and the README's CLI configurations, verbatim, with a real
//! Terraform (both pinned versions) installing from those artifacts or the build folder.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    PROVIDER_ADDRESS, Sandbox, VERSIONS, Workspace, provider_binary, repo_root, temp_dir, text,
};
use partnercenter_sandbox::DEMO_SCHOOL;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Packages this build's provider binary (the release profile only changes the compiler flags)
/// into a fresh folder and returns it.
fn package() -> tempfile::TempDir {
    let out = temp_dir("tfpc-release");
    package_into(out.path());
    out
}

fn package_into(out: &Path) {
    let output = Command::new("python3")
        .arg(repo_root().join("scripts/release.py"))
        .arg("--binary")
        .arg(provider_binary())
        .arg("--out")
        .arg(out)
        .output()
        .expect("run scripts/release.py");
    assert!(
        output.status.success(),
        "release.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn artifact(out: &Path, name: &str) -> PathBuf {
    let path = out.join(PROVIDER_ADDRESS).join(name);
    assert!(path.is_file(), "{} was not written", path.display());
    path
}

fn zip_name() -> String {
    format!("terraform-provider-partnercenter_{VERSION}_linux_amd64.zip")
}

#[test]
fn artifacts_have_the_registry_names_and_sums() {
    let out = package();
    let zip = artifact(out.path(), &zip_name());
    let manifest_name = format!("terraform-provider-partnercenter_{VERSION}_manifest.json");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(artifact(out.path(), &manifest_name)).expect("read manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS lists the zip and the manifest with their real digests.
    let sums = std::fs::read_to_string(artifact(
        out.path(),
        &format!("terraform-provider-partnercenter_{VERSION}_SHA256SUMS"),
    ))
    .expect("read SHA256SUMS");
    let listed: Vec<&str> = sums.lines().collect();
    assert_eq!(listed.len(), 2, "{sums}");
    let check = Command::new("sha256sum")
        .arg("--check")
        .arg("--strict")
        .current_dir(out.path().join(PROVIDER_ADDRESS))
        .stdin(
            std::fs::File::open(out.path().join(PROVIDER_ADDRESS).join(format!(
                "terraform-provider-partnercenter_{VERSION}_SHA256SUMS"
            )))
            .expect("open SHA256SUMS"),
        )
        .output()
        .expect("run sha256sum");
    assert!(
        check.status.success(),
        "sha256sum --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(sums.contains(&zip_name()) && sums.contains(&manifest_name));

    // The zip holds exactly the executable, named as Terraform looks for it.
    assert_eq!(
        zip_entries(&zip),
        vec![format!(
            "terraform-provider-partnercenter_v{VERSION} 0o100755"
        )]
    );

    // The mirror's index lists this version with the zip.
    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(artifact(out.path(), "index.json")).expect("read index.json"),
    )
    .expect("index.json is JSON");
    assert!(index["versions"][VERSION].is_object(), "{index}");
    let version: serde_json::Value = serde_json::from_slice(
        &std::fs::read(artifact(out.path(), &format!("{VERSION}.json"))).expect("read"),
    )
    .expect("version JSON");
    assert_eq!(version["archives"]["linux_amd64"]["url"], zip_name());
}

/// Each entry of a zip as `name mode`, read with Python's zipfile (Python is already needed to
/// install Terraform, and this keeps a zip library out of the dependencies).
fn zip_entries(zip: &Path) -> Vec<String> {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nfor i in zipfile.ZipFile(sys.argv[1]).infolist(): print(i.filename, oct(i.external_attr >> 16))",
        ])
        .arg(zip)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The README's CLI configuration block that contains `marker`, with the placeholder clone
/// path replaced by `clone`.
fn readme_cli_config(marker: &str, clone: &Path) -> String {
    const PLACEHOLDER: &str = "/home/you/terraform-provider-partnercenter";
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("read README.md");
    let block = readme
        .split("```hcl\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .find(|block| block.starts_with("provider_installation") && block.contains(marker))
        .unwrap_or_else(|| panic!("README.md has no provider_installation block with {marker}"));
    assert!(block.contains(PLACEHOLDER), "{block}");
    block.replace(PLACEHOLDER, &clone.display().to_string())
}

fn school() -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
         customer_id   = \"{DEMO_SCHOOL}\"\n  qualification = \"Education\"\n}}\n"
    )
}

/// `terraform init` installs from the artifacts with the README's `filesystem_mirror` block,
/// records the same `h1:` hash the mirror's index carries, and the installed provider plans
/// against the sandbox.
fn installs_from_the_mirror(version: &'static str) {
    // The README's clone holds the artifacts in dist/.
    let clone = temp_dir("tfpc-clone");
    let out = clone.path().join("dist");
    package_into(&out);
    let sandbox = Sandbox::start();
    let mut workspace = Workspace::with_cli_config(
        version,
        &readme_cli_config("filesystem_mirror", clone.path()),
        &school(),
    );
    workspace.use_sandbox(&sandbox);
    workspace.init();

    let index: serde_json::Value = serde_json::from_slice(
        &std::fs::read(artifact(&out, &format!("{VERSION}.json"))).expect("read"),
    )
    .expect("version JSON");
    let h1 = index["archives"]["linux_amd64"]["hashes"][0]
        .as_str()
        .expect("an h1 hash")
        .to_owned();
    assert!(h1.starts_with("h1:"), "{h1}");
    let lock = std::fs::read_to_string(workspace.work_dir().join(".terraform.lock.hcl"))
        .expect("terraform init writes a lock file");
    assert!(
        lock.contains(&format!("version = \"{VERSION}\"")) && lock.contains(&h1),
        "{version}: the lock file does not record {h1}:\n{lock}"
    );

    let plan = workspace.ok(&["plan", "-input=false", "-no-color"]);
    assert!(plan.contains("1 to add"), "{version}: {plan}");
}

#[test]
fn terraform_1_15_5_installs_from_the_mirror() {
    installs_from_the_mirror(VERSIONS[0]);
}

#[test]
fn terraform_1_0_3_installs_from_the_mirror() {
    installs_from_the_mirror(VERSIONS[1]);
}

/// The README's `dev_overrides` block runs the binary from the build folder, without init.
fn dev_overrides_use_the_build(version: &'static str) {
    let clone = temp_dir("tfpc-clone");
    let release_dir = clone.path().join("target/release");
    std::fs::create_dir_all(&release_dir).expect("target/release");
    std::os::unix::fs::symlink(
        provider_binary(),
        release_dir.join("terraform-provider-partnercenter"),
    )
    .expect("link the build");
    let sandbox = Sandbox::start();
    let mut workspace = Workspace::with_cli_config(
        version,
        &readme_cli_config("dev_overrides", clone.path()),
        &school(),
    );
    workspace.use_sandbox(&sandbox);
    let output = workspace.run(&["plan", "-input=false", "-no-color"]);
    let all = text(&output);
    assert!(output.status.success(), "{version}: {all}");
    assert!(all.contains("overrides are in effect"), "{version}: {all}");
    assert!(all.contains("1 to add"), "{version}: {all}");
}

#[test]
fn terraform_1_15_5_uses_dev_overrides() {
    dev_overrides_use_the_build(VERSIONS[0]);
}

#[test]
fn terraform_1_0_3_uses_dev_overrides() {
    dev_overrides_use_the_build(VERSIONS[1]);
}
