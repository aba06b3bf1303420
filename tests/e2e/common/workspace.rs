//! A Terraform working directory wired to this build of the provider, and what tests ask it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use partnercenter_sandbox::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, DEMO_TENANT_ID,
};
use serde_json::Value as Json;

use super::{
    PROVIDER_ADDRESS, Sandbox, assert_no_secret, provider_binary, temp_dir, terraform, text,
};

const PROVIDER_SOURCE: &str = "partnercenter-oss/partnercenter";

/// A Terraform working directory whose CLI configuration installs this build of the provider
/// from a filesystem mirror, so no registry is needed.
pub(crate) struct Workspace {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) version: &'static str,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A workspace that installs this build of the provider from a mirror of one symlink.
    pub(crate) fn new(version: &'static str, main_tf: &str) -> Self {
        let dir = temp_dir("tfpc-test");
        let mirror = dir.path().join("mirror");
        let platform_dir = mirror
            .join(PROVIDER_ADDRESS)
            .join(env!("CARGO_PKG_VERSION"))
            .join("linux_amd64");
        std::fs::create_dir_all(&platform_dir).expect("mirror dir");
        std::os::unix::fs::symlink(
            provider_binary(),
            platform_dir.join(format!(
                "terraform-provider-partnercenter_v{}",
                env!("CARGO_PKG_VERSION")
            )),
        )
        .expect("link the provider into the mirror");
        Self::in_dir(dir, version, &mirror_config(&mirror), main_tf)
    }

    /// A workspace for `main_tf` whose provider talks to `sandbox` (see
    /// [`Workspace::use_sandbox`]), initialised.
    pub(crate) fn on_sandbox(version: &'static str, sandbox: &Sandbox, main_tf: &str) -> Self {
        let mut workspace = Self::new(version, main_tf);
        workspace.use_sandbox(sandbox);
        workspace.init();
        workspace
    }

    /// A workspace whose Terraform CLI configuration is `cli_config`.
    pub(crate) fn with_cli_config(version: &'static str, cli_config: &str, main_tf: &str) -> Self {
        let dir = temp_dir("tfpc-test");
        Self::in_dir(dir, version, cli_config, main_tf)
    }

    fn in_dir(
        dir: tempfile::TempDir,
        version: &'static str,
        cli_config: &str,
        main_tf: &str,
    ) -> Self {
        let cli_config_file = dir.path().join("terraformrc");
        std::fs::write(&cli_config_file, cli_config).expect("CLI config");
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).expect("work dir");
        let workspace = Self {
            dir,
            version,
            env: vec![
                (
                    "TF_CLI_CONFIG_FILE".into(),
                    cli_config_file.display().to_string(),
                ),
                ("CHECKPOINT_DISABLE".into(), "1".into()),
                ("TF_IN_AUTOMATION".into(), "1".into()),
            ],
        };
        workspace.write_config(main_tf);
        workspace
    }

    pub(crate) fn work_dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes `main.tf`: the `required_providers` block that selects this provider, then `main_tf`.
    pub(crate) fn write_config(&self, main_tf: &str) {
        self.write_file("main.tf", &(required_providers() + "\n" + main_tf));
    }

    pub(crate) fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.work_dir().join(name), contents)
            .unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    pub(crate) fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Points the provider at `sandbox` through its environment variables, with the sandbox's
    /// demo App+User credentials, as a partner's CI would configure it.
    pub(crate) fn use_sandbox(&mut self, sandbox: &Sandbox) {
        self.set_env("PARTNERCENTER_BASE_URL", &sandbox.url);
        self.set_env("PARTNERCENTER_AUTHORITY_URL", &sandbox.url);
        self.set_env("PARTNERCENTER_TENANT_ID", DEMO_TENANT_ID);
        self.set_env("PARTNERCENTER_CLIENT_ID", DEMO_CLIENT_ID);
        self.set_env("PARTNERCENTER_CLIENT_SECRET", DEMO_CLIENT_SECRET);
        self.set_env("PARTNERCENTER_REFRESH_TOKEN", DEMO_REFRESH_TOKEN);
    }

    /// `program` set up to run in the workspace with its environment, and none of the caller's
    /// Terraform log or `PARTNERCENTER_*` settings.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(self.work_dir()).stdin(Stdio::null());
        for key in [
            "TF_LOG",
            "TF_LOG_PROVIDER",
            "TF_LOG_CORE",
            "TF_LOG_PATH",
            "TF_REATTACH_PROVIDERS",
        ] {
            command.env_remove(key);
        }
        for (key, _) in std::env::vars() {
            if key.starts_with("PARTNERCENTER_") {
                command.env_remove(key);
            }
        }
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// Runs terraform with `args` and returns its output, whatever the exit status.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command(terraform(self.version))
            .args(args)
            .output()
            .expect("run terraform")
    }

    /// Runs terraform and fails the test with its output unless it exits 0.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "terraform {} ({}) failed: {}\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            self.version,
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs terraform, which must fail; all it printed, stdout then stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let said = text(&output);
        assert!(
            !output.status.success(),
            "terraform {} ({}) should have failed: {said}",
            args.join(" "),
            self.version
        );
        said
    }

    pub(crate) fn init(&self) {
        self.ok(&["init", "-input=false", "-no-color"]);
    }

    pub(crate) fn json(&self, args: &[&str]) -> Json {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("terraform {args:?} printed no JSON ({e}): {stdout}"))
    }

    /// Runs terraform with `args` under `TF_LOG=trace`, which must succeed without a secret in
    /// anything it or the provider said; all they said.
    pub(crate) fn traced(&self, args: &[&str]) -> String {
        let output = self
            .command(terraform(self.version))
            .env("TF_LOG", "trace")
            .args(args)
            .output()
            .expect("run terraform");
        let said = text(&output);
        let context = format!(
            "terraform {} ({}) under TF_LOG=trace",
            args.join(" "),
            self.version
        );
        assert!(output.status.success(), "{context} failed: {said}");
        assert_no_secret(&said, &context);
        said
    }

    /// `terraform apply -auto-approve`, which must succeed; what it printed.
    pub(crate) fn apply(&self) -> String {
        self.ok(&["apply", "-input=false", "-no-color", "-auto-approve"])
    }

    /// `terraform plan -detailed-exitcode` with `extra` arguments: its exit code, 0 (no changes)
    /// or 2 (changes), and all it printed. A plan that fails fails the test.
    pub(crate) fn plan_exit(&self, extra: &[&str]) -> (i32, String) {
        let mut args = vec!["plan", "-input=false", "-no-color", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        let output = self.run(&args);
        let code = output.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 2,
            "{}: plan failed ({code}):\n{}",
            self.version,
            text(&output)
        );
        (code, text(&output))
    }

    /// The planned change of the resource at `address`, from a plan saved as `tfplan`.
    pub(crate) fn planned_change(&self, address: &str) -> Json {
        self.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"]);
        let plan = self.json(&["show", "-json", "tfplan"]);
        plan["resource_changes"]
            .as_array()
            .and_then(|changes| changes.iter().find(|c| c["address"] == address))
            .map(|c| c["change"].clone())
            .unwrap_or_else(|| panic!("{}: no change for {address} in {plan}", self.version))
    }

    /// The resources of the state as `terraform show -json` lists them (read without the
    /// provider).
    pub(crate) fn shown_resources(&self) -> Vec<Json> {
        let state = self.json(&["show", "-json"]);
        state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The resource at `address` as `terraform show -json` lists it, if the state holds it.
    pub(crate) fn shown(&self, address: &str) -> Option<Json> {
        self.shown_resources()
            .into_iter()
            .find(|resource| resource["address"] == address)
    }

    /// The attribute values of the resource at `address`, which the state must hold.
    pub(crate) fn attributes(&self, address: &str) -> Json {
        self.shown(address)
            .unwrap_or_else(|| panic!("{}: {address} is not in the state", self.version))["values"]
            .clone()
    }

    /// The line of `main.tf` a `-json` diagnostic's range starts on, without its indentation.
    pub(crate) fn source_line(&self, diagnostic: &Json) -> String {
        let line = diagnostic["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
        let main_tf = std::fs::read_to_string(self.work_dir().join("main.tf")).expect("main.tf");
        main_tf
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    /// Asserts that the attribute path of `diagnostic` became the range of `attribute` in
    /// `main.tf`.
    pub(crate) fn assert_points_at(&self, diagnostic: &Json, attribute: &str) {
        let line = self.source_line(diagnostic);
        assert!(
            line.starts_with(attribute),
            "{}: \"{}\" points at {line:?}, not at {attribute}: {diagnostic}",
            self.version,
            diagnostic["summary"]
        );
    }
}

/// A CLI configuration that installs this provider from the `filesystem_mirror` folder `mirror`
/// (in either of Terraform's layouts) and everything else from its registry.
pub(crate) fn mirror_config(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n",
        mirror.display()
    )
}

/// The `terraform` block that makes `partnercenter` mean this provider.
pub(crate) fn required_providers() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    partnercenter = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n"
    )
}
