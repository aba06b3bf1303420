//! The harness every end-to-end test shares: the real Terraform binaries the project installs
//! (and the versions under test), a workspace wired to this build of the provider, the sandbox
//! server, and what several concerns read back (Terraform's `-json` events, the README's code
//! blocks, zip files).

pub(crate) mod bulk;
pub(crate) mod gpg;
mod sandbox;
mod workspace;
pub(crate) mod zip;

use std::io::{BufRead, BufReader, Read};
use std::ops::{Deref, DerefMut};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

use partnercenter_sandbox::{
    ACCESS_TOKEN_PREFIX, DEMO_ACCESS_TOKEN, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN,
    DEMO_SINGLE_USE_VALIDATION_CODE, DEMO_VALIDATION_CODE,
};
use serde_json::Value as Json;

pub(crate) use sandbox::Sandbox;
pub(crate) use workspace::{Workspace, mirror_config, required_providers};

pub(crate) const PROVIDER_ADDRESS: &str = "registry.terraform.io/partnercenter-oss/partnercenter";

/// The newest Terraform under test, for what older versions lack (import blocks, identities,
/// write-only attributes, `terraform query`).
pub(crate) const NEWEST: &str = "1.15.5";
/// The oldest Terraform under test: the first with plugin protocol 6.
pub(crate) const OLDEST: &str = "1.0.3";
/// Every Terraform version under test; `scripts/install-terraform.sh` installs them.
pub(crate) const VERSIONS: [&str; 2] = [NEWEST, OLDEST];

/// Runs `test` under each version of [`VERSIONS`] in turn. A failure under one of them is
/// reported with its version, whatever its assertion said, and ends the test.
pub(crate) fn for_each_version(test: impl Fn(&'static str)) {
    for version in VERSIONS {
        if let Err(failure) = panic::catch_unwind(AssertUnwindSafe(|| test(version))) {
            eprintln!("(the failure above is under Terraform {version})");
            panic::resume_unwind(failure);
        }
    }
}

/// Runs `test` under each version of [`VERSIONS`], each time against a fresh sandbox of the
/// demo seed, so that no version's run starts from what an earlier one left behind.
pub(crate) fn for_each_version_with_sandbox(test: impl Fn(&'static str, &Sandbox)) {
    for_each_version(|version| test(version, &Sandbox::start()));
}

/// How long a test waits for something that must happen before it calls it a hang: far longer
/// than it ever takes, so that a loaded machine cannot fail a test that is right. It guards
/// against hangs; it is no claim about speed.
pub(crate) const HANG_GUARD: Duration = Duration::from_secs(60);

/// Polls `done` until it says so; [`HANG_GUARD`] without it fails the test, naming `what` was
/// awaited.
pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + HANG_GUARD;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "waited {HANG_GUARD:?} for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `TF_REATTACH_PROVIDERS` value a provider started with `--debug` printed on `stdout`, on
/// a line that starts with `prefix` (the shell's way to set a variable) among its first ten.
/// The caller keeps `stdout`, so that the provider's stdout stays open while it serves.
pub(crate) fn reattach_providers(stdout: impl Read, prefix: &str) -> Json {
    let mut reader = BufReader::new(stdout);
    for _ in 0..10 {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .expect("read the provider's stdout");
        if let Some(value) = line.trim().strip_prefix(prefix) {
            return serde_json::from_str(value.trim_matches('\''))
                .unwrap_or_else(|e| panic!("{prefix}: no JSON ({e}): {line}"));
        }
    }
    panic!("no line starting {prefix:?} among the first ten the provider printed")
}

/// A multi-threaded runtime of its own for a server `what` that a test runs in-process, so that
/// it keeps serving while the test blocks on Terraform.
pub(crate) fn server_runtime(what: &str, worker_threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{what} runtime: {e}"))
}

/// A child process that is killed and reaped when dropped, so that a failing test leaves no
/// process behind.
#[derive(Debug)]
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Deref for KillOnDrop {
    type Target = Child;

    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for KillOnDrop {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub(crate) fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-partnercenter"))
}

/// The pinned Terraform the project installed; a missing one fails the test loudly.
pub(crate) fn terraform(version: &str) -> PathBuf {
    let tools =
        std::env::var_os("TOOLS_DIR").map_or_else(|| repo_root().join(".tools"), PathBuf::from);
    let path = tools.join(format!("terraform-{version}")).join("terraform");
    assert!(
        path.is_file(),
        "Terraform {version} is not installed at {}: run scripts/install-terraform.sh (scripts/test.sh does)",
        path.display()
    );
    path
}

/// A fresh temporary folder, removed when dropped.
pub(crate) fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

/// Text of both output streams, for assertions and failure messages.
pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The `-json` events of one type Terraform printed, one JSON object a line.
pub(crate) fn events(stdout: &str, kind: &str) -> Vec<Json> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter(|event| event["type"] == kind)
        .collect()
}

/// The diagnostics among the `-json` events Terraform printed.
pub(crate) fn diagnostics(stdout: &str) -> Vec<Json> {
    events(stdout, "diagnostic")
        .into_iter()
        .map(|event| event["diagnostic"].clone())
        .collect()
}

/// The `-json` diagnostic with `summary` that Terraform printed; none fails the test.
pub(crate) fn diagnostic(stdout: &str, summary: &str) -> Json {
    diagnostics(stdout)
        .into_iter()
        .find(|d| d["summary"] == summary)
        .unwrap_or_else(|| panic!("no diagnostic \"{summary}\" in:\n{stdout}"))
}

/// Fails the test unless `said` contains each of `parts`, naming the first it lacks; `context`
/// says what said it.
pub(crate) fn assert_contains_all(said: &str, parts: &[&str], context: &str) {
    for part in parts {
        assert!(said.contains(part), "{context}: {part:?} not in: {said}");
    }
}

/// Every secret the sandbox's demo partner has: its two validation codes, the App+User
/// credentials, the ready access token and every token the sandbox issues (they share a
/// prefix). None may reach a log line, an error or plain output.
pub(crate) const SECRETS: [&str; 6] = [
    DEMO_VALIDATION_CODE,
    DEMO_SINGLE_USE_VALIDATION_CODE,
    DEMO_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_ACCESS_TOKEN,
    ACCESS_TOKEN_PREFIX,
];

/// Fails the test if any of [`SECRETS`] appears in `said`; `context` names what said it.
pub(crate) fn assert_no_secret(said: &str, context: &str) {
    for secret in SECRETS {
        if let Some(line) = said.lines().find(|line| line.contains(secret)) {
            panic!("{context}: {secret} appeared in: {line}");
        }
    }
}

/// The first of the README's code blocks in `language` that `wanted` accepts: the tests run
/// what the README tells a user, verbatim.
pub(crate) fn readme_block(language: &str, wanted: impl Fn(&str) -> bool) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("read README.md");
    readme
        .split(&format!("```{language}\n"))
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block))
        .find(|block| wanted(block))
        .unwrap_or_else(|| panic!("README.md has no such {language} block"))
        .to_owned()
}
