//! Installing the provider as a user would: the release artifacts `scripts/release.py` builds
//! (their contents, sums and signature), and the README's CLI configurations, verbatim, with a
//! real Terraform (each pinned version) installing from those artifacts or the build folder.
//! The releases here are built with the tests' `cross-test` profile (the binary users get, a
//! static musl build on linux, without the release profile's fat LTO); the `platforms` module
//! runs the other platforms' binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{
    NEWEST, PROVIDER_ADDRESS, Sandbox, Workspace, for_each_version, gpg, provider_binary,
    readme_block, repo_root, temp_dir, text, zip,
};
use partnercenter_sandbox::DEMO_SCHOOL;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const KEY_ID_VARIABLE: &str = "PARTNERCENTER_GPG_KEY_ID";

/// Builds a linux_amd64 release into a fresh folder and returns it.
fn package() -> tempfile::TempDir {
    let out = temp_dir("tfpc-release");
    package_into(out.path());
    out
}

fn package_into(out: &Path) -> Output {
    let output = release(out, None);
    assert!(
        output.status.success(),
        "release.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs `scripts/release.py` for linux_amd64 into `out`, signing with `key` (a keyring and the
/// key's id) if given.
fn release(out: &Path, key: Option<(&gpg::Keyring, &str)>) -> Output {
    release_of("linux_amd64", out, key)
}

/// Runs `scripts/release.py` for `platforms` (comma-separated) into `out`.
fn release_of(platforms: &str, out: &Path, key: Option<(&gpg::Keyring, &str)>) -> Output {
    let mut command = Command::new(repo_root().join("scripts/release.py"));
    command
        .args(["--platforms", platforms, "--profile", "cross-test", "--out"])
        .arg(out)
        // A key the developer's shell has set must not sign the tests' releases.
        .env_remove(KEY_ID_VARIABLE);
    if let Some((keyring, key_id)) = key {
        command
            .env(KEY_ID_VARIABLE, key_id)
            .env("GNUPGHOME", keyring.home());
    }
    command.output().expect("run scripts/release.py")
}

fn artifact(out: &Path, name: &str) -> PathBuf {
    let path = out.join(PROVIDER_ADDRESS).join(name);
    assert!(path.is_file(), "{} was not written", path.display());
    path
}

/// The artifact `name` of the release in `out`, read as JSON.
fn artifact_json(out: &Path, name: &str) -> serde_json::Value {
    let path = artifact(out, name);
    let text = std::fs::read_to_string(&path).expect("read the artifact");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {text}", path.display()))
}

fn zip_name() -> String {
    format!("terraform-provider-partnercenter_{VERSION}_linux_amd64.zip")
}

fn sandbox_zip_name() -> String {
    format!("partnercenter-sandbox_{VERSION}_linux_amd64.zip")
}

fn manifest_name() -> String {
    format!("terraform-provider-partnercenter_{VERSION}_manifest.json")
}

fn sums_name() -> String {
    format!("terraform-provider-partnercenter_{VERSION}_SHA256SUMS")
}

fn signature_name() -> String {
    format!("{}.sig", sums_name())
}

fn public_key_name() -> String {
    format!("terraform-provider-partnercenter_{VERSION}_signing-key.asc")
}

/// The SHA256SUMS lists exactly the folder's zips and the manifest, and `sha256sum` recomputes each
/// listed file's digest to the one listed.
fn check_sums(out: &Path) {
    let dir = out.join(PROVIDER_ADDRESS);
    let sums = std::fs::read_to_string(artifact(out, &sums_name())).expect("read SHA256SUMS");
    let mut listed: Vec<&str> = sums
        .lines()
        .map(|line| line.split_once("  ").map_or(line, |(_, name)| name))
        .collect();
    listed.sort_unstable();
    let mut expected: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the release folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".zip"))
        .chain([manifest_name()])
        .collect();
    expected.sort_unstable();
    assert_eq!(listed, expected, "{sums}");
    let check = Command::new("sha256sum")
        .args(["--check", "--strict"])
        .arg(sums_name())
        .current_dir(&dir)
        .output()
        .expect("run sha256sum");
    let report = text(&check);
    assert!(check.status.success(), "sha256sum --check: {report}");
    for name in expected {
        assert!(report.contains(&format!("{name}: OK")), "{report}");
    }
}

#[test]
fn artifacts_have_the_registry_names_and_sums() {
    let out = package();
    let archive = artifact(out.path(), &zip_name());
    let manifest = artifact_json(out.path(), &manifest_name());
    assert_eq!(
        manifest,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    check_sums(out.path());

    // The zip holds exactly the executable, named as Terraform looks for it; the sandbox's zip
    // beside it holds the sandbox.
    assert_eq!(
        zip::entries(&archive),
        vec![format!(
            "terraform-provider-partnercenter_v{VERSION} 0o100755"
        )]
    );
    assert_eq!(
        zip::entries(&artifact(out.path(), &sandbox_zip_name())),
        vec!["partnercenter-sandbox 0o100755".to_owned()]
    );

    // The mirror's index lists this version with the zip.
    let index = artifact_json(out.path(), "index.json");
    assert!(index["versions"][VERSION].is_object(), "{index}");
    let version = artifact_json(out.path(), &format!("{VERSION}.json"));
    assert_eq!(version["archives"]["linux_amd64"]["url"], zip_name());
}

#[test]
fn without_a_key_the_release_says_unsigned() {
    let out = temp_dir("tfpc-release");
    let output = package_into(out.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("UNSIGNED") && stderr.contains(KEY_ID_VARIABLE),
        "{stderr}"
    );
    let dir = out.path().join(PROVIDER_ADDRESS);
    assert!(artifact(out.path(), &sums_name()).is_file());
    assert!(!dir.join(signature_name()).exists());
    assert!(!dir.join(public_key_name()).exists());
}

/// A publisher signs with their key; a user imports the public key the release carries,
/// verifies the signature of SHA256SUMS, and then every sum, as the README tells them.
#[test]
fn a_signed_release_verifies_with_its_public_key() {
    let publisher = gpg::Keyring::new();
    let fingerprint = publisher.generate(
        "Partner Center Release Test <release-test@example.invalid>",
        "rsa3072",
        "",
    );
    let out = temp_dir("tfpc-release");
    let output = release(out.path(), Some((&publisher, &fingerprint)));
    assert!(output.status.success(), "release.py: {}", text(&output));
    assert!(!text(&output).contains("UNSIGNED"), "{}", text(&output));

    // The Registry takes a binary signature: an OpenPGP packet, not an ASCII-armored text.
    let signature = artifact(out.path(), &signature_name());
    let bytes = std::fs::read(&signature).expect("read the signature");
    assert!(
        bytes.first().is_some_and(|tag| tag & 0x80 != 0),
        "not a binary OpenPGP signature: {:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
    );
    let public_key = std::fs::read_to_string(artifact(out.path(), &public_key_name()))
        .expect("read the public key");
    assert!(
        public_key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
            && !public_key.contains("PRIVATE"),
        "{public_key}"
    );

    // The README's verification, verbatim, by a user whose keyring starts empty.
    let user = gpg::Keyring::new();
    let steps = readme_block("sh", |block| block.contains("gpg --verify"));
    let readme = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &steps])
        .env("GNUPGHOME", user.home())
        .current_dir(out.path().join(PROVIDER_ADDRESS))
        .output()
        .expect("run bash");
    let said = text(&readme);
    assert!(
        readme.status.success(),
        "the README's steps:\n{steps}\n{said}"
    );
    assert!(said.contains("Good signature"), "{said}");
    for name in [zip_name(), sandbox_zip_name(), manifest_name()] {
        assert!(said.contains(&format!("{name}: OK")), "{said}");
    }

    let sums = artifact(out.path(), &sums_name());
    let verify = |sums: &Path| {
        user.gpg(&[
            "--status-fd",
            "1",
            "--verify",
            &signature.display().to_string(),
            &sums.display().to_string(),
        ])
    };
    let verified = verify(&sums);
    assert!(
        verified.status.success() && text(&verified).contains(&format!("VALIDSIG {fingerprint}")),
        "gpg --verify: {}",
        text(&verified)
    );
    check_sums(out.path());

    // The check can fail: one byte more in the sums and the signature no longer matches.
    let tampered_dir = temp_dir("tfpc-tampered");
    let tampered = tampered_dir.path().join(sums_name());
    let mut contents = std::fs::read(&sums).expect("read SHA256SUMS");
    contents.push(b'\n');
    std::fs::write(&tampered, contents).expect("write the tampered sums");
    let refused = verify(&tampered);
    assert!(
        !refused.status.success() && text(&refused).contains("BADSIG"),
        "gpg --verify accepted changed sums: {}",
        text(&refused)
    );

    // Built again without the key, the folder keeps no signature of sums it no longer has.
    let unsigned = package_into(out.path());
    assert!(String::from_utf8_lossy(&unsigned.stderr).contains("UNSIGNED"));
    let dir = out.path().join(PROVIDER_ADDRESS);
    assert!(!dir.join(signature_name()).exists());
    assert!(!dir.join(public_key_name()).exists());
}

/// A key the keyring lacks, a key gpg cannot unlock, and a key the Registry would refuse each
/// stop the release with the reason, and leave no signature.
#[test]
fn an_unusable_key_fails_the_release() {
    let publisher = gpg::Keyring::new();
    let locked = publisher.generate("Locked <locked@example.invalid>", "rsa3072", "unknown");
    let ecc = publisher.generate("ECC Key <ecc@example.invalid>", "ed25519", "");
    for (key_id, reason) in [
        ("nobody@example.invalid", "gpg cannot sign with"),
        (locked.as_str(), "GPG_TTY"),
        (ecc.as_str(), "accepts only RSA and DSA"),
    ] {
        let out = temp_dir("tfpc-release");
        let output = release(out.path(), Some((&publisher, key_id)));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{key_id}: {}", text(&output));
        assert!(
            stderr.contains(reason) && stderr.contains(key_id),
            "{key_id}: {stderr}"
        );
        let dir = out.path().join(PROVIDER_ADDRESS);
        assert!(!dir.join(signature_name()).exists(), "{key_id}");
        assert!(!dir.join(public_key_name()).exists(), "{key_id}");
    }
}

const PLATFORMS: [&str; 5] = [
    "linux_amd64",
    "linux_arm64",
    "darwin_amd64",
    "darwin_arm64",
    "windows_amd64",
];

/// A release of all five platforms: each zip holds its executable (`.exe` on windows) and is
/// listed in the sums and (the provider's) in the mirror's index; `terraform providers lock`
/// from the release folder accepts every package and records the hash the index gives.
#[test]
fn terraform_locks_all_five_platforms_from_the_release() {
    let dist = temp_dir("tfpc-dist");
    let output = release_of(&PLATFORMS.join(","), dist.path(), None);
    assert!(output.status.success(), "release.py: {}", text(&output));
    check_sums(dist.path());
    let index = artifact_json(dist.path(), &format!("{VERSION}.json"));
    for platform in PLATFORMS {
        let exe = if platform == "windows_amd64" {
            ".exe"
        } else {
            ""
        };
        let zip = format!("terraform-provider-partnercenter_{VERSION}_{platform}.zip");
        assert_eq!(
            zip::entries(&artifact(dist.path(), &zip)),
            [format!(
                "terraform-provider-partnercenter_v{VERSION}{exe} 0o100755"
            )]
        );
        let sandbox = format!("partnercenter-sandbox_{VERSION}_{platform}.zip");
        assert_eq!(
            zip::entries(&artifact(dist.path(), &sandbox)),
            [format!("partnercenter-sandbox{exe} 0o100755")]
        );
        assert_eq!(index["archives"][platform]["url"], zip.as_str());
    }

    let workspace = Workspace::with_cli_config(NEWEST, "", "");
    let mirror = format!("-fs-mirror={}", dist.path().display());
    let mut args = vec!["providers", "lock", "-no-color", mirror.as_str()];
    let flags = PLATFORMS.map(|platform| format!("-platform={platform}"));
    args.extend(flags.iter().map(String::as_str));
    let said = workspace.ok(&args);
    let lock = std::fs::read_to_string(workspace.work_dir().join(".terraform.lock.hcl"))
        .unwrap_or_else(|e| panic!("no lock file ({e}): {said}"));
    for platform in PLATFORMS {
        let h1 = index["archives"][platform]["hashes"][0]
            .as_str()
            .expect("an h1 hash");
        assert!(
            lock.contains(h1),
            "{platform}: {h1} not locked:\n{lock}\n{said}"
        );
    }
}

/// The README's quick release command, typed as written in a shell at the clone's root: the
/// script is executable (in git, so in every clone) and writes the release into dist/.
#[test]
fn the_readmes_release_command_runs_as_written() {
    let mode = Command::new("git")
        .args([
            "ls-files",
            "--stage",
            "scripts/release.py",
            "scripts/crossbuild.py",
        ])
        .current_dir(repo_root())
        .output()
        .expect("run git");
    let staged = String::from_utf8_lossy(&mode.stdout);
    assert_eq!(
        staged.lines().filter(|l| l.starts_with("100755 ")).count(),
        2,
        "the scripts must be executable in git: {staged}"
    );
    let block = readme_block("sh", |block| block.contains("scripts/release.py --profile"));
    let quick = block
        .lines()
        .find(|line| line.contains("PARTNERCENTER_PLATFORMS=linux_amd64"))
        .unwrap_or_else(|| panic!("no quick release line in:\n{block}"));
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", quick])
        .current_dir(repo_root())
        .env_remove(KEY_ID_VARIABLE)
        .output()
        .expect("run bash");
    assert!(output.status.success(), "{quick}\n{}", text(&output));
    let dist = repo_root().join("dist");
    check_sums(&dist);
}

/// The README's CLI configuration block that contains `marker`, with the placeholder clone
/// path replaced by `clone`.
fn readme_cli_config(marker: &str, clone: &Path) -> String {
    const PLACEHOLDER: &str = "/home/you/terraform-provider-partnercenter";
    let block = readme_block("hcl", |block| {
        block.starts_with("provider_installation") && block.contains(marker)
    });
    assert!(block.contains(PLACEHOLDER), "{block}");
    block.replace(PLACEHOLDER, &clone.display().to_string())
}

fn school() -> String {
    format!(
        "resource \"partnercenter_customer_qualification\" \"school\" {{\n  \
         customer_id   = \"{DEMO_SCHOOL}\"\n  qualification = \"Education\"\n}}\n"
    )
}

/// `terraform init` installs from the artifacts (packaged once for every version) with the
/// README's `filesystem_mirror` block, records the same `h1:` hash the mirror's index carries,
/// and the installed provider plans against the sandbox.
#[test]
fn installs_from_the_mirror() {
    // The README's clone holds the artifacts in dist/.
    let clone = temp_dir("tfpc-clone");
    let out = clone.path().join("dist");
    package_into(&out);
    let index = artifact_json(&out, &format!("{VERSION}.json"));
    let h1 = index["archives"]["linux_amd64"]["hashes"][0]
        .as_str()
        .expect("an h1 hash");
    assert!(h1.starts_with("h1:"), "{h1}");
    for_each_version(|version| installs_from_the_mirror_under(version, clone.path(), h1));
}

fn installs_from_the_mirror_under(version: &'static str, clone: &Path, h1: &str) {
    let sandbox = Sandbox::start();
    let mut workspace = Workspace::with_cli_config(
        version,
        &readme_cli_config("filesystem_mirror", clone),
        &school(),
    );
    workspace.use_sandbox(&sandbox);
    workspace.init();
    let lock = std::fs::read_to_string(workspace.work_dir().join(".terraform.lock.hcl"))
        .expect("terraform init writes a lock file");
    assert!(
        lock.contains(&format!("version = \"{VERSION}\"")) && lock.contains(h1),
        "{version}: the lock file does not record {h1}:\n{lock}"
    );

    let plan = workspace.ok(&["plan", "-input=false", "-no-color"]);
    assert!(plan.contains("1 to add"), "{version}: {plan}");
}

/// The README's `dev_overrides` block runs the binary from the build folder, without init.
#[test]
fn uses_dev_overrides() {
    for_each_version(dev_overrides_use_the_build);
}

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
