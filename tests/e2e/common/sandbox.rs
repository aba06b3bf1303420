//! The sandbox, serving in the test process for Terraform and the provider to reach over
//! loopback.

use std::future::Future;

use partnercenter_sandbox::{AdminError, Counters, RunningSandbox, SandboxAdmin, SandboxConfig};

use super::server_runtime;

/// A sandbox serving in this test process, on a runtime of its own, stopped when dropped.
///
/// In-process rather than the `partnercenter-sandbox` binary: Cargo builds a package's own
/// binaries for its integration tests (`CARGO_BIN_EXE_*`), not those of a dependency, so the
/// binary could be missing or stale here. The sandbox crate's own tests drive its binary.
/// Terraform and the provider are child processes and reach it over loopback all the same.
pub(crate) struct Sandbox {
    // Declared before the runtime, so that it is stopped before the runtime shuts down.
    running: RunningSandbox,
    pub(crate) url: String,
    /// The sandbox's admin client; run its calls with [`Sandbox::admin`].
    pub(crate) client: SandboxAdmin,
    runtime: tokio::runtime::Runtime,
}

impl Sandbox {
    /// The demo seed on a free loopback port.
    pub(crate) fn start() -> Self {
        Self::start_with(SandboxConfig::default())
    }

    pub(crate) fn start_with(config: SandboxConfig) -> Self {
        let runtime = server_runtime("sandbox", 2);
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

    /// Runs one call of the admin client, e.g. `sandbox.admin(sandbox.client.state())`, and
    /// fails the test if the sandbox refused it.
    pub(crate) fn admin<T>(&self, call: impl Future<Output = Result<T, AdminError>>) -> T {
        self.runtime
            .block_on(call)
            .unwrap_or_else(|e| panic!("sandbox {}: {e}", self.running.url()))
    }

    /// The requests the sandbox saw since it started or since [`Sandbox::reset_counters`].
    pub(crate) fn counters(&self) -> Counters {
        self.admin(self.client.counters())
    }

    pub(crate) fn reset_counters(&self) {
        self.admin(self.client.reset_counters());
    }

    /// Asserts how many requests of each route (e.g. `"GET qualification"`) the sandbox saw;
    /// `context` says when.
    pub(crate) fn assert_requests(&self, expected: &[(&str, u64)], context: &str) {
        let counters = self.counters();
        for (route, count) in expected {
            assert_eq!(
                counters.route(route),
                *count,
                "{context}: {route}: {counters:?}"
            );
        }
    }

    /// How many `PUT …/qualification` the sandbox saw, for any customer.
    pub(crate) fn puts(&self) -> u64 {
        self.counters().route("PUT qualification")
    }
}
