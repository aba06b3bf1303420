#!/usr/bin/env python3
"""Builds the provider and the sandbox for every platform Terraform users run, on linux/amd64.

usage: scripts/crossbuild.py [--profile PROFILE] [--platforms LIST] [--package NAME]...

  --profile PROFILE  the Cargo profile: `release` (the default; what scripts/release.py ships)
                     or `cross-test` (the same optimisation without fat LTO, for the tests)
  --platforms LIST   comma-separated, of linux_amd64, linux_arm64, darwin_amd64, darwin_arm64,
                     windows_amd64; default all five (or PARTNERCENTER_PLATFORMS)
  --package NAME     terraform-provider-partnercenter and/or partnercenter-sandbox; default both

Prints one line per binary built: `<platform> <package> <path>`.

How: the rustup toolchain has no standard library for other targets and none can be downloaded
here, so these builds use Debian's `rustc-web` (which ships the standard library's sources as
`rust-web-src`) with `-Zbuild-std`, and zig (PyPI's `ziglang`, driven by `cargo-zigbuild`) as
C compiler and linker for every target: it brings musl, mingw-w64 and a Mach-O linker, so no
cross gcc and no Apple SDK are needed.

- linux: static musl binaries, which start on any Linux (no glibc version needed at all).
- windows: x86_64-pc-windows-gnu, linked against zig's mingw-w64; a Windows 10+ binary.
- darwin: Security and CoreFoundation, which the certificate verifier needs (it asks the macOS
  keychain, where companies put their TLS-inspection CAs), are linked through the text stubs in
  scripts/darwin-frameworks/ (the system's own libraries, by their install names); minimum
  macOS 11.0; every darwin binary is signed ad hoc: zig's linker signs the arm64 ones (macOS
  kills an unsigned arm64 program), scripts/macho_sign.py the amd64 ones, which zig cannot.

Installs what is missing: Debian's rustc-web and rust-web-src with apt-get (as root, or through
sudo), and ziglang and cargo-zigbuild from PyPI into a venv under $TOOLS_DIR (default .tools/).
Everyday builds and tests keep using the rustup toolchain.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import macho_sign

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = {
    "linux_amd64": "x86_64-unknown-linux-musl",
    "linux_arm64": "aarch64-unknown-linux-musl",
    "darwin_amd64": "x86_64-apple-darwin",
    "darwin_arm64": "aarch64-apple-darwin",
    "windows_amd64": "x86_64-pc-windows-gnu",
}
PACKAGES = {
    "terraform-provider-partnercenter": "terraform-provider-partnercenter",
    "partnercenter-sandbox": "partnercenter-sandbox",
}
PLATFORMS_VARIABLE = "PARTNERCENTER_PLATFORMS"
# Debian's compiler with the standard library's sources (bookworm-security carries 1.96).
DEBIAN_RUSTC = Path("/usr/bin/rustc")
DEBIAN_PACKAGES = ["rustc-web", "rust-web-src"]
STD_SOURCES = Path("/usr/lib/rustlib/src/rust/library/Cargo.lock")
PYPI_PACKAGES = ["ziglang==0.17.1", "cargo-zigbuild==0.24.1"]
MACOS_MINIMUM = "11.0"
FRAMEWORK_STUBS = REPO / "scripts" / "darwin-frameworks"


class CrossBuildError(Exception):
    """A reason the cross build cannot run, said as is."""


def tools_dir():
    return Path(os.environ.get("TOOLS_DIR") or REPO / ".tools").resolve()


def venv_dir():
    return tools_dir() / "cross"


def target_dir():
    """Apart from the everyday target/: another compiler, another set of artifacts."""
    return REPO / "target" / "cross"


def as_root(command):
    if os.geteuid() == 0:
        return command
    if shutil.which("sudo"):
        return ["sudo", *command]
    raise CrossBuildError(
        f"crossbuild: {' '.join(command)} needs root; run it as root (or install sudo)"
    )


def ensure_debian_packages(packages, present):
    """Installs the Debian `packages` with apt-get unless `present()` already holds."""
    if present():
        return
    if not shutil.which("apt-get"):
        raise CrossBuildError(
            f"crossbuild: missing {', '.join(packages)} and no apt-get to install them; "
            "this needs a Debian 12 (bookworm) machine with bookworm-security"
        )
    print(f"crossbuild: apt-get install {' '.join(packages)}", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        if subprocess.run(as_root(command), env=env, stdout=sys.stderr).returncode != 0:
            raise CrossBuildError(
                f"crossbuild: `{' '.join(command)}` failed (output above); "
                f"{', '.join(packages)} are needed"
            )
    if not present():
        raise CrossBuildError(f"crossbuild: {', '.join(packages)} installed but not usable")


def rustc_has_sources():
    return DEBIAN_RUSTC.is_file() and STD_SOURCES.is_file()


def ensure_zig():
    venv = venv_dir()
    zigbuild = venv / "bin" / "cargo-zigbuild"
    python = venv / "bin" / "python3"
    if zigbuild.is_file() and python.is_file():
        installed = subprocess.run(
            [str(python), "-m", "pip", "freeze", "--disable-pip-version-check"],
            capture_output=True, text=True,
        ).stdout.split()
        if all(package in installed for package in PYPI_PACKAGES):
            return venv / "bin"
    print(f"crossbuild: installing {' '.join(PYPI_PACKAGES)} into {venv}", file=sys.stderr)
    if subprocess.run([sys.executable, "-m", "venv", str(venv)]).returncode != 0:
        raise CrossBuildError(
            f"crossbuild: could not create a venv at {venv} (is python3-venv installed?)"
        )
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if subprocess.run([*install, *PYPI_PACKAGES], stdout=sys.stderr).returncode != 0:
        raise CrossBuildError(
            f"crossbuild: pip could not install {' '.join(PYPI_PACKAGES)} from PyPI"
        )
    return venv / "bin"


def ensure_toolchain():
    """Everything the builds need, installed when missing; returns their environment."""
    ensure_debian_packages(DEBIAN_PACKAGES, rustc_has_sources)
    bin_dir = ensure_zig()
    return dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        RUSTC=str(DEBIAN_RUSTC),
        # -Zbuild-std is an unstable cargo flag; Debian's compiler is a stable one.
        RUSTC_BOOTSTRAP="1",
        CARGO_TARGET_DIR=str(target_dir()),
        MACOSX_DEPLOYMENT_TARGET=MACOS_MINIMUM,
    )


def mingw_stubs():
    """Rust's windows-gnu target asks for gcc's stack-protector libraries (-lssp_nonshared
    -lssp), which zig's mingw-w64 does without; nothing here is compiled with the stack
    protector, so empty archives satisfy the linker."""
    folder = target_dir() / "mingw-stubs"
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("libssp.a", "libssp_nonshared.a"):
        (folder / name).write_bytes(b"!<arch>\n")
    return folder


def link_flags(triple):
    """The target's flags: they only change how binaries are linked."""
    if "apple" in triple:
        # Stripping happens after the link, with a tool rustc runs (rust-objcopy) that Debian's
        # rustc lacks, and would break the signature zig writes at link time. There is no debug
        # information to strip: the profiles build none, the standard library included.
        return ["-C", f"link-arg=-F{FRAMEWORK_STUBS}", "-C", "strip=none"]
    # With -Zbuild-std there are no prebuilt start files in the sysroot: zig supplies musl's and
    # mingw-w64's own.
    flags = ["-C", "link-self-contained=no"]
    if "windows" in triple:
        flags += ["-C", f"link-arg=-L{mingw_stubs()}"]
    return flags


def binary_path(platform, package, profile):
    triple = PLATFORMS[platform]
    name = PACKAGES[package] + (".exe" if platform.startswith("windows") else "")
    return target_dir() / triple / profile / name


def build(platforms, packages, profile, env):
    """One cargo invocation for every platform and package: the build scripts and procedural
    macros, which run here, are compiled once, and cargo spreads the rest over the cores."""
    command = ["cargo-zigbuild", "build", "--locked", "-Zbuild-std=std,panic_abort"]
    command += ["--profile", profile]
    for package in packages:
        command += ["-p", package, "--bin", PACKAGES[package]]
    for platform in platforms:
        triple = PLATFORMS[platform]
        flags = ", ".join(f'"{flag}"' for flag in link_flags(triple))
        command += ["--target", triple, "--config", f"target.{triple}.rustflags = [{flags}]"]
    print(f"crossbuild: {', '.join(packages)} for {', '.join(platforms)} ({profile})",
          file=sys.stderr)
    if subprocess.run(command, cwd=REPO, env=env).returncode != 0:
        raise CrossBuildError(f"crossbuild: building for {', '.join(platforms)} failed")
    built = {}
    for platform in platforms:
        for package in packages:
            path = binary_path(platform, package, profile)
            if not path.is_file():
                raise CrossBuildError(f"crossbuild: cargo built no {path}")
            if platform == "darwin_amd64":
                try:
                    macho_sign.sign(path)
                except macho_sign.SignError as error:
                    raise CrossBuildError(f"crossbuild: {error}") from error
            built[platform, package] = path
    return built


def parse_platforms(text):
    platforms = [p.strip() for p in text.split(",") if p.strip()]
    unknown = [p for p in platforms if p not in PLATFORMS]
    if unknown or not platforms:
        raise CrossBuildError(
            f"crossbuild: unknown platform(s) {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(PLATFORMS)}"
        )
    return platforms


def default_platforms():
    return os.environ.get(PLATFORMS_VARIABLE, "").strip() or ",".join(PLATFORMS)


def build_all(platforms, packages, profile):
    """Builds each package for each platform; returns {(platform, package): path}."""
    return build(platforms, packages, profile, ensure_toolchain())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="release")
    parser.add_argument("--platforms", default=default_platforms())
    parser.add_argument("--package", action="append", choices=sorted(PACKAGES))
    args = parser.parse_args()
    try:
        built = build_all(parse_platforms(args.platforms), args.package or list(PACKAGES), args.profile)
    except CrossBuildError as error:
        sys.exit(str(error))
    for (platform, package), path in built.items():
        print(platform, package, path)


if __name__ == "__main__":
    main()
