#!/bin/sh
# sanitized.sh SKIP-REASON SCRIPT: one system test against an AddressSanitizer
# + UBSan build (make check-asan; tests/system/meson.build runs every system
# test through this when b_sanitize is set).
#
# A non-empty SKIP-REASON skips the test by name (exit 77) with the reason.
# Otherwise SCRIPT runs with every sanitizer error stopping its program
# (abort: seedd, bbvirt, bbemu and the helpers are all built with the
# sanitizers, so a test sees a crash or the exit status 134 from bbemu), and
# a report anywhere fails the test whatever the test itself concluded: in
# SCRIPT's own output (checked here) or in a file under the test's temp
# dir, where the tests send the programs' stderr (checked by lib.sh's
# cleanup: BB_SANITIZED is the pattern of a report's lines).
#
# The reports cannot go to files of our own (log_path): the sanitizer
# runtime creates the log file's directories with mkdir() before umockdev's
# preload library (in bbemu and its COMMAND) can run, and crashes there.
set -u
reason=$1
script=$2
name=$(basename "$script" .sh)

if [ -n "$reason" ]; then
    echo "SKIP: $name is not run under the sanitizers: $reason"
    exit 77
fi

logs=$(mktemp -d /tmp/bbsan.XXXXXX)
trap 'rm -rf "$logs"' EXIT
trap 'cat "$logs/out" 2>/dev/null; exit 130' INT TERM

# LeakSanitizer: GLib's and umockdev's one-time allocations in bbemu are not
# ours; leaks in our own code are still reported.
printf '%s\n' 'leak:libglib-2.0.so' 'leak:libgobject-2.0.so' 'leak:libgio-2.0.so' \
    'leak:libumockdev.so' >"$logs/lsan.supp"
ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1"
UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1"
LSAN_OPTIONS="suppressions=$logs/lsan.supp:print_suppressions=0"
BB_SANITIZED='ERROR: (Address|Leak)Sanitizer|runtime error: |SUMMARY: [A-Za-z]+Sanitizer'
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS BB_SANITIZED

sh "$script" >"$logs/out" 2>&1
rc=$?
cat "$logs/out"
if grep -q -E "$BB_SANITIZED" "$logs/out"; then
    echo "not ok - $name: sanitizer report (above)"
    exit 1
fi
exit $rc
