#!/usr/bin/env python3
"""Binary size and start time of the provider on each platform, for BENCHMARKS.md.

usage: scripts/bench_platforms.py [--profile PROFILE] [--runs N] [--baseline PATH]

Builds the provider for all five platforms with scripts/crossbuild.py (profile `release` by
default), then prints a Markdown table: each binary's size, and where it runs here, exec → the
handshake line with Terraform's environment (median and range of N starts) and, natively, the
resident memory right after it. linux/arm64 runs under qemu-user and windows/amd64 under wine:
their times are the emulator's, labelled so, and not comparable with native ones; darwin
cannot run here, so only its size is given. --baseline adds a row for another linux/amd64 build
(say, `cargo build --release` with the rustup toolchain) measured the same way.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
import bench  # noqa: E402  (after the line above)
import crossbuild  # noqa: E402

PROVIDER = "terraform-provider-partnercenter"
WINE = Path("/usr/lib/wine/wine64")
QEMU = Path("/usr/bin/qemu-aarch64-static")


def runner(platform, binary):
    """The command that starts `binary` here, its environment additions and how it runs."""
    if platform == "linux_amd64":
        return [], {}, "native"
    if platform == "linux_arm64":
        return [str(QEMU)], {}, "qemu-user"
    if platform == "windows_amd64":
        prefix = crossbuild.target_dir() / "wine-prefix"
        dll = crossbuild.target_dir() / "bcryptprimitives.dll"
        if dll.is_file():
            shutil.copy(dll, binary.with_name("bcryptprimitives.dll"))
        env = {"WINEPREFIX": str(prefix), "WINEDEBUG": "-all",
               "WINEDLLOVERRIDES": "mscoree,mshtml="}
        return [str(WINE)], env, "wine"
    return None, None, "cannot run here"


def starts(runner, binary, env, runs):
    """exec → handshake line over `runs` starts (after one unmeasured), and the RSS after the
    last one (KiB)."""
    bench.handshake_once(binary, env, runner)
    measured = [bench.handshake_once(binary, env, runner) for _ in range(runs)]
    return [seconds for seconds, _ in measured], measured[-1][1]


def row(label, binary, how, measured):
    size = f"{binary.stat().st_size / 1e6:.1f} MB"
    if measured is None:
        return f"| {label} | {size} | {how} | – | – |"
    seconds, rss = measured
    ms = [s * 1000 for s in seconds]
    start = f"{statistics.median(ms):.1f} ms ({min(ms):.1f}–{max(ms):.1f})"
    memory = f"{rss / 1024:.1f} MiB" if how == "native" and rss else "– (emulator's)"
    return f"| {label} | {size} | {how} | {start} | {memory} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="release")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    built = crossbuild.build_all(list(crossbuild.PLATFORMS), [PROVIDER], args.profile)
    with tempfile.TemporaryDirectory() as scratch:
        env = bench.plugin_env(bench.client_certificate(Path(scratch)))
        rows = []
        if args.baseline:
            rows.append(row("linux_amd64 (baseline)", args.baseline, "native",
                            starts([], args.baseline, env, args.runs)))
        for platform in crossbuild.PLATFORMS:
            binary = built[platform, PROVIDER]
            prefix, extra, how = runner(platform, binary)
            measured = None
            if prefix is not None:
                measured = starts(prefix, binary, {**env, **extra}, args.runs)
            rows.append(row(platform, binary, how, measured))
    print("| platform | binary | runs here | exec → handshake | RSS after handshake |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
