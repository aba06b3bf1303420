//! Shared harness of the end-to-end tests: the real Terraform binaries the project installs,
//! a workspace wired to this build of the provider, and the sandbox server.
#![allow(dead_code, unreachable_pub)] // each test crate uses a different part of the harness

pub mod bulk;
pub mod gpg;

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use partnercenter_sandbox::{
    AdminError, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN, DEMO_TENANT_ID,
    RunningSandbox, SandboxAdmin, SandboxConfig,
};
use serde_json::Value as Json;

pub const PROVIDER_SOURCE: &str = "partnercenter-oss/partnercenter";
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/partnercenter-oss/partnercenter";
pub const VERSIONS: [&str; 2] = ["1.15.5", "1.0.3"];

/// How long a test waits for something that must happen before it calls it a hang: far longer
/// than it ever takes, so that a loaded machine cannot fail a test that is right. It guards
/// against hangs; it is no claim about speed.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A child process that is killed and reaped when dropped, so that a failing test leaves no
/// process behind.
#[derive(Debug)]
pub struct KillOnDrop(pub Child);

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

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-partnercenter"))
}

/// The pinned Terraform the project installed; a missing one fails the test loudly.
pub fn terraform(version: &str) -> PathBuf {
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

/// A Terraform working directory whose CLI configuration installs this build of the provider
/// from a filesystem mirror, so no registry is needed.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub version: &'static str,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A workspace that installs this build of the provider from a mirror of one symlink.
    pub fn new(version: &'static str, main_tf: &str) -> Self {
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

    /// A workspace whose Terraform CLI configuration is `cli_config`.
    pub fn with_cli_config(version: &'static str, cli_config: &str, main_tf: &str) -> Self {
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

    pub fn work_dir(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    /// Writes `main.tf`: the `required_providers` block that selects this provider, then `main_tf`.
    pub fn write_config(&self, main_tf: &str) {
        self.write_file("main.tf", &(required_providers() + "\n" + main_tf));
    }

    pub fn write_file(&self, name: &str, contents: &str) {
        std::fs::write(self.work_dir().join(name), contents)
            .unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    /// Points the provider at `sandbox` through its environment variables, with the sandbox's
    /// demo App+User credentials, as a partner's CI would configure it.
    pub fn use_sandbox(&mut self, sandbox: &Sandbox) {
        self.set_env("PARTNERCENTER_BASE_URL", &sandbox.url);
        self.set_env("PARTNERCENTER_AUTHORITY_URL", &sandbox.url);
        self.set_env("PARTNERCENTER_TENANT_ID", DEMO_TENANT_ID);
        self.set_env("PARTNERCENTER_CLIENT_ID", DEMO_CLIENT_ID);
        self.set_env("PARTNERCENTER_CLIENT_SECRET", DEMO_CLIENT_SECRET);
        self.set_env("PARTNERCENTER_REFRESH_TOKEN", DEMO_REFRESH_TOKEN);
    }

    /// `program` set up to run in the workspace with its environment, and none of the caller's
    /// Terraform log or `PARTNERCENTER_*` settings.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
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
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(terraform(self.version))
            .args(args)
            .output()
            .expect("run terraform")
    }

    /// Runs terraform and fails the test with its output unless it exits 0.
    pub fn ok(&self, args: &[&str]) -> String {
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

    pub fn init(&self) {
        self.ok(&["init", "-input=false", "-no-color"]);
    }

    pub fn json(&self, args: &[&str]) -> Json {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("terraform {args:?} printed no JSON ({e}): {stdout}"))
    }
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
}

/// A CLI configuration that installs this provider from the `filesystem_mirror` folder `mirror`
/// (in either of Terraform's layouts) and everything else from its registry.
pub fn mirror_config(mirror: &Path) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{PROVIDER_ADDRESS}\"]\n  }}\n  direct {{\n    exclude = [\"{PROVIDER_ADDRESS}\"]\n  }}\n}}\n",
        mirror.display()
    )
}

/// The `terraform` block that makes `partnercenter` mean this provider.
pub fn required_providers() -> String {
    format!(
        "terraform {{\n  required_providers {{\n    partnercenter = {{ source = \"{PROVIDER_SOURCE}\" }}\n  }}\n}}\n"
    )
}

/// Text of both output streams, for assertions and failure messages.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A sandbox serving in this test process, on a runtime of its own, stopped when dropped.
///
/// In-process rather than the `partnercenter-sandbox` binary: Cargo builds a package's own
/// binaries for its integration tests (`CARGO_BIN_EXE_*`), not those of a dependency, so the
/// binary could be missing or stale here. The sandbox crate's own tests drive its binary.
/// Terraform and the provider are child processes and reach it over loopback all the same.
pub struct Sandbox {
    // Declared before the runtime, so that it is stopped before the runtime shuts down.
    running: RunningSandbox,
    pub url: String,
    /// The sandbox's admin client; run its calls with [`Sandbox::admin`].
    pub client: SandboxAdmin,
    runtime: tokio::runtime::Runtime,
}

impl Sandbox {
    /// The demo seed on a free loopback port.
    pub fn start() -> Self {
        Self::start_with(SandboxConfig::default())
    }

    pub fn start_with(config: SandboxConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("sandbox runtime");
        let running = runtime
            .block_on(partnercenter_sandbox::spawn(config))
            .expect("the sandbox starts");
        let url = running.url();
        Self {
            client: running.admin(),
            running,
            url,
            runtime,
        }
    }

    /// Runs one call of the admin client, e.g. `sandbox.admin(sandbox.client.counters())`,
    /// and fails the test if the sandbox refused it.
    pub fn admin<T>(&self, call: impl Future<Output = Result<T, AdminError>>) -> T {
        self.runtime
            .block_on(call)
            .unwrap_or_else(|e| panic!("sandbox {}: {e}", self.running.url()))
    }
}

/// Paths of the `-json` diagnostics Terraform printed, as `attr` / `attr[0].inner` strings.
pub fn diagnostics(stdout: &str) -> Vec<Json> {
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter(|event| event["type"] == "diagnostic")
        .map(|event| event["diagnostic"].clone())
        .collect()
}
