//! A test body run in a network namespace of its own, with nothing but loopback: a provider
//! that dials Microsoft's real hosts (a proxy rule gone wrong) finds no way out.
//!
//! The test re-runs itself (this test binary, that one test) under `unshare --net`, so that
//! everything it starts, the sandbox, the proxy, Terraform and the provider, shares the one
//! namespace. Making the namespace needs root (or CAP_SYS_ADMIN): without it the test fails,
//! saying so.

use std::process::Command;

/// Set in the re-run to the name of the test it runs.
const INSIDE: &str = "PARTNERCENTER_E2E_NETNS";

/// Runs `body`, the whole of the calling test, in a network namespace of its own.
pub(crate) fn isolated(body: impl FnOnce()) {
    // libtest runs each test on a thread named after it, `clouds::name`.
    let thread = std::thread::current();
    let name = thread
        .name()
        .filter(|name| name.contains("::"))
        .expect("called on the test's own thread");
    if std::env::var(INSIDE).as_deref() == Ok(name) {
        bring_up_loopback();
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new("unshare")
        .args(["--net", "--"])
        .arg(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, name)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run unshare (util-linux) to make a network namespace: {e}")
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{name} in its own network namespace failed ({}); unshare needs root or CAP_SYS_ADMIN:\n{stdout}\n{stderr}",
        output.status
    );
    // Zero tests run would pass too: the name must have matched.
    assert!(
        stdout.contains("test result: ok. 1 passed"),
        "{name} did not run in the namespace:\n{stdout}\n{stderr}"
    );
}

/// A new namespace's loopback is down; and it must be all there is.
fn bring_up_loopback() {
    let status = Command::new("ip")
        .args(["link", "set", "lo", "up"])
        .status()
        .unwrap_or_else(|e| panic!("cannot run ip (iproute2): {e}"));
    assert!(status.success(), "ip link set lo up: {status}");
    let devices = std::fs::read_to_string("/proc/self/net/dev").expect("/proc/self/net/dev");
    let interfaces: Vec<&str> = devices
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(interfaces, ["lo"], "the namespace has more than loopback");
}
