#!/bin/sh
# run.sh BUILD_DIR SECONDS: run every libFuzzer target of a -Dfuzz=true build
# for SECONDS each, on a scratch copy of its seed corpus (the checked-in
# corpus is never modified).  Fails on the first crash, leak, timeout or
# sanitizer report; the reproducer is left in BUILD_DIR/fuzz-artifacts/.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
# Every target has a seed corpus directory of the same name.
targets=$(cd "$here/corpus" && ls)

case $seconds in
    ''|*[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;;
esac

artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d "${TMPDIR:-/tmp}/bb-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

status=0
for t in $targets; do
    exe="$build/tests/fuzz/fuzz_$t"
    if [ ! -x "$exe" ]; then
        echo "run.sh: $exe not found (configure with -Dfuzz=true)" >&2
        exit 1
    fi
    mkdir -p "$work/$t"
    cp "$here/corpus/$t/"* "$work/$t/"
    echo "== fuzz_$t: ${seconds}s"
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
            "$work/$t" >"$work/$t.log" 2>&1; then
        tail -n 60 "$work/$t.log" >&2
        echo "run.sh: fuzz_$t FAILED; artifacts in $artifacts" >&2
        status=1
        continue
    fi
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "$work/$t.log" || true
done
exit $status
