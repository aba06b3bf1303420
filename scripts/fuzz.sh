#!/usr/bin/env bash
# Runs each fuzz target under fuzz/ for a while, one at a time on one core, and prints what
# libFuzzer reports at the end of each run: executions, coverage (cov, ft), corpus, crashes.
#
#   scripts/fuzz.sh                 # every target, 60 seconds each
#   scripts/fuzz.sh 600             # every target, 10 minutes each
#   scripts/fuzz.sh 600 dynamic_value
#
# Needs rustup; installs the nightly toolchain and cargo-fuzz (from crates.io) when missing.
# The committed seeds (fuzz/seeds/<target>) are read and never written; what a run finds
# grows fuzz/corpus/<target>, its log is fuzz/logs/<target>.log, and a crash leaves its input
# in fuzz/artifacts/<target>/ (all ignored by git). The exit status is non-zero if any target
# crashed.
set -euo pipefail

cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=(dynamic_value partner_center_answer provider_configuration)
fi

if ! rustup toolchain list | grep -q '^nightly'; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

mkdir -p fuzz/logs
# No sanitizer: the provider forbids unsafe code, and the runs are after panics, failed
# properties, hangs and memory blow-ups, at full speed. Debug assertions catch overflows.
build_flags=(--fuzz-dir fuzz --sanitizer none --debug-assertions)
cargo +nightly fuzz build "${build_flags[@]}"

failed=()
for target in "${targets[@]}"; do
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus"
    log="fuzz/logs/$target.log"
    echo "== $target: ${seconds}s"
    # -jobs=1 -workers=1: one fuzzing process beside the others on a shared machine. libFuzzer
    # runs it as a child writing fuzz-0.log in the working directory (a scratch one here) and
    # repeats that log when the child ends.
    work=$(mktemp -d)
    status=0
    (
        cd "$work"
        cargo +nightly fuzz run --fuzz-dir "$OLDPWD/fuzz" "${build_flags[@]:2}" "$target" \
            "$OLDPWD/$corpus" "$OLDPWD/fuzz/seeds/$target" -- \
            -max_total_time="$seconds" -jobs=1 -workers=1 -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1
    ) >"$log" 2>&1 || status=$?
    rm -rf "$work"
    # The last coverage line and the final stats; a crash names its input.
    grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1 || true
    grep -E '^stat::|panicked at|ERROR: libFuzzer|Test unit written' "$log" || true
    if [ "$status" -ne 0 ] || grep -q 'Test unit written' "$log"; then
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs under fuzz/artifacts/, logs under fuzz/logs/)" >&2
    exit 1
fi
