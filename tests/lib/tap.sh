# Shell test helpers shared by the system tests (sourced by
# tests/system/lib.sh) and the kernel-usb guest (copied next to
# /scenarios.sh): one `ok - ...` or `not ok - ...` line per assertion,
# counted in PASS and FAIL, a named skip, and the one bounded poll.
# POSIX sh (busybox).

PASS=0
FAIL=0
SKIPPED=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }

# skip_check DESCRIPTION REASON: an assertion that cannot be made here (a
# tool or privilege missing), counted in SKIPPED.  Its line,
# "ok - DESCRIPTION # SKIP REASON", is how `make check`'s summary
# (scripts/summary.sh) names every skipped check.
skip_check() { SKIPPED=$((SKIPPED + 1)); echo "ok - $1 # SKIP $2"; }

# check DESCRIPTION COMMAND...: one assertion.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# wait_for COMMAND...: poll a condition every 0.05 s, WAIT_TRIES times
# (default 600: 30 s; a loaded CI machine can take many seconds).  The
# tests' own synchronisation with asynchronous programs, none of which
# sleeps.
wait_for() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ $n -ge "${WAIT_TRIES:-600}" ] && return 1
        sleep 0.05
    done
}
