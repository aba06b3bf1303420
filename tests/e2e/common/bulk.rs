//! Many resources at once: their configuration, Terraform in its own process group (so that a
//! test can press Ctrl-C as a terminal does), and what the sandbox applied and answered.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};

use partnercenter_sandbox::{Counters, Qualification, SandboxConfig, generated_customer_id};
use serde_json::json;

use super::{Sandbox, Workspace, terraform, wait_until};

/// A sandbox with `count` generated customers, its faults' dice seeded with `fault_seed`.
pub(crate) fn sandbox_with_customers(count: usize, fault_seed: Option<u64>) -> Sandbox {
    Sandbox::start_with(SandboxConfig {
        generated_customers: count,
        fault_seed,
        ..SandboxConfig::default()
    })
}

/// `count` resources `partnercenter_customer_qualification.c[i]`, one for each of the sandbox's
/// generated customers 1 to `count`.
pub(crate) fn generated_resources(count: usize, qualification: &str) -> String {
    format!(
        "provider \"partnercenter\" {{}}\n\n\
         resource \"partnercenter_customer_qualification\" \"c\" {{\n  \
         count         = {count}\n  \
         customer_id   = format(\"00000000-0000-4000-8000-%012d\", count.index + 1)\n  \
         qualification = \"{qualification}\"\n}}\n"
    )
}

/// The ids `generated_resources(count, _)` names.
pub(crate) fn generated_ids(count: usize) -> BTreeSet<String> {
    (1..=count).map(generated_customer_id).collect()
}

/// Customers whose qualification in the sandbox is no longer None: the PUTs it applied.
pub(crate) fn applied_customers(sandbox: &Sandbox) -> BTreeSet<String> {
    sandbox
        .admin(sandbox.client.state())
        .customers
        .into_iter()
        .filter(|c| c.qualification != Qualification::None)
        .map(|c| c.id)
        .collect()
}

/// The customer ids of the resources in Terraform's state (read without the provider).
pub(crate) fn state_customers(workspace: &Workspace) -> BTreeSet<String> {
    workspace
        .shown_resources()
        .iter()
        .filter_map(|r| r["values"]["customer_id"].as_str().map(str::to_owned))
        .collect()
}

/// How many changes the sandbox applied to each customer, under any MS-RequestId: a retry it
/// recognised by its MS-RequestId is not applied again, a PUT sent anew is.
pub(crate) fn changes_per_customer(counters: &Counters) -> BTreeMap<String, u64> {
    counters
        .accepted
        .iter()
        .map(|(customer, ids)| (customer.clone(), ids.values().sum()))
        .collect()
}

/// PUTs the sandbox has answered 200 so far, from its request log.
pub(crate) fn answered_puts(sandbox: &Sandbox) -> usize {
    sandbox
        .admin(sandbox.client.requests())
        .iter()
        .filter(|entry| entry["route"] == "PUT qualification" && entry["status"] == 200)
        .count()
}

/// Every PUT is applied at once but answered `millis` later, and half of them as late again:
/// the answers come back spread out, so that Terraform always has applied PUTs whose answers
/// are on their way.
pub(crate) fn slow_answers_to_puts(sandbox: &Sandbox, millis: u64) {
    for fraction in [1.0, 0.5] {
        sandbox.admin(sandbox.client.add_fault(json!({
            "kind": "latency", "millis": millis, "method": "PUT", "fraction": fraction,
            "after_handler": true,
        })));
    }
}

/// A Terraform command running in its own process group, its output in files; the whole group
/// is killed if the test ends while it still runs.
pub(crate) struct Background {
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
    label: String,
}

/// How a background Terraform ended.
pub(crate) struct Finished {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Finished {
    pub(crate) fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl Background {
    pub(crate) fn spawn(workspace: &Workspace, args: &[&str]) -> Self {
        use std::os::unix::process::CommandExt;
        let stdout = workspace.dir.path().join("background.stdout");
        let stderr = workspace.dir.path().join("background.stderr");
        let child = workspace
            .command(terraform(workspace.version))
            .args(args)
            .process_group(0)
            .stdout(File::create(&stdout).expect("stdout file"))
            .stderr(File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start terraform");
        Self {
            child,
            stdout,
            stderr,
            label: format!("terraform {} ({})", args.join(" "), workspace.version),
        }
    }

    /// Polls `condition` while Terraform runs; Terraform ending first fails the test, and so
    /// does a hang.
    pub(crate) fn wait_for(&mut self, what: &str, mut condition: impl FnMut() -> bool) {
        let mut ended = None;
        wait_until(&format!("{what} while {} runs", self.label), || {
            if condition() {
                return true;
            }
            ended = self.child.try_wait().expect("poll terraform");
            ended.is_some()
        });
        if let Some(status) = ended {
            panic!(
                "{} ended ({status}) before {what}:\n{}",
                self.label,
                self.output(status).text()
            );
        }
    }

    /// Ctrl-C as a terminal sends it: SIGINT to every process of the group (Terraform and its
    /// plugins).
    pub(crate) fn interrupt(&self) {
        assert!(
            signal_group(self.child.id(), "-INT"),
            "could not send SIGINT to {}",
            self.label
        );
    }

    pub(crate) fn wait(mut self) -> Finished {
        let status = self.child.wait().expect("wait for terraform");
        self.output(status)
    }

    fn output(&self, status: ExitStatus) -> Finished {
        let read = |path: &PathBuf| std::fs::read_to_string(path).unwrap_or_default();
        Finished {
            status,
            stdout: read(&self.stdout),
            stderr: read(&self.stderr),
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = signal_group(self.child.id(), "-KILL");
            let _ = self.child.wait();
        }
    }
}

/// `kill SIGNAL -- -PGID` to the group whose leader is `pid`; whether it was delivered.
fn signal_group(pid: u32, signal: &str) -> bool {
    Command::new("kill")
        .args([signal, "--", &format!("-{pid}")])
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
