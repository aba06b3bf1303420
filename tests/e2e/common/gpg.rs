//! Throwaway GnuPG keyrings for the release tests: a publisher's, which signs, and a user's,
//! which imports the published key and verifies.

use std::path::Path;
use std::process::{Command, Output};

use super::{temp_dir, text};

/// A GnuPG home in a temporary folder. Dropping it stops the gpg-agent gpg started for it, so
/// no agent outlives the test.
pub(crate) struct Keyring {
    home: tempfile::TempDir,
}

impl Keyring {
    pub(crate) fn new() -> Self {
        let home = temp_dir("tfpc-gnupg");
        // No passphrase prompt, on a terminal or a desktop, can hold a test up: asked for one,
        // the agent fails at once.
        std::fs::write(
            home.path().join("gpg-agent.conf"),
            "pinentry-program /bin/false\n",
        )
        .expect("write gpg-agent.conf");
        Self { home }
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// `gpg --batch ARGS` on this keyring. A machine without gpg fails here, loudly.
    pub(crate) fn gpg(&self, args: &[&str]) -> Output {
        Command::new("gpg")
            .env("GNUPGHOME", self.home())
            .arg("--batch")
            .args(args)
            .output()
            .unwrap_or_else(|error| {
                panic!("cannot run gpg ({error}): scripts/test.sh installs it (package gnupg)")
            })
    }

    /// `gpg --batch ARGS`, which must succeed; its stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.gpg(args);
        assert!(output.status.success(), "gpg {args:?}: {}", text(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Generates a signing key protected by `passphrase` (none if empty; `algorithm` as
    /// `--quick-gen-key` takes it) and returns its fingerprint.
    pub(crate) fn generate(&self, user_id: &str, algorithm: &str, passphrase: &str) -> String {
        self.ok(&[
            "--passphrase",
            passphrase,
            "--pinentry-mode",
            "loopback",
            "--quick-gen-key",
            user_id,
            algorithm,
            "sign",
            "never",
        ]);
        let listing = self.ok(&["--with-colons", "--list-secret-keys", user_id]);
        listing
            .lines()
            .find_map(|line| line.strip_prefix("fpr:"))
            .map(|rest| rest.trim_matches(':').to_owned())
            .unwrap_or_else(|| panic!("no fingerprint for {user_id}:\n{listing}"))
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // Best effort: a failure to stop the agent must not hide the test's own panic.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home())
            .args(["--kill", "all"])
            .output();
    }
}
