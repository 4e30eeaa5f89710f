# Shared helpers for the system tests; sourced, with BUILD and SRC set (the
# meson test definitions set them).  Each test gets its own temp dir, removed
# with every process the test started on any exit.
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"

SEEDD=$BUILD/seedd
BBEMU=$BUILD/bbemu
FOLDREF=$BUILD/tests/system/foldref

[ -x "$BBEMU" ] || { echo "SKIP: bbemu not built (umockdev missing)"; exit 77; }

# seedd's default control path (/run/bit-babbler/seedd.socket and its
# lock) is one per machine: a seedd running as a service, or a second test
# run, holds it.  As root, each test runs in a mount namespace of its own
# with a private, empty /run/bit-babbler (a tmpfs, mode 0700), so no test
# depends on what else runs on the machine.
if [ -z "${BB_PRIVATE_RUN:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
        mkdir -p /run/bit-babbler; then
    BB_PRIVATE_RUN=1 exec unshare -m --propagation private sh -c \
        'mount -t tmpfs -o mode=0700 bbrun /run/bit-babbler && exec "$@"' sh sh "$0" "$@"
fi

T=$(mktemp -d /tmp/bbst.XXXXXX)
BG_PIDS=""
cleanup() {
    for p in $BG_PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    sanitizer_reports
    rm -rf "$T"
}
# Under sanitized.sh (an ASan/UBSan build): a sanitizer report in any file
# the test left (the programs' stderr) fails the test, shown here.
sanitizer_reports() {
    [ -n "${BB_SANITIZED:-}" ] || return 0
    reports=$(grep -rlE "$BB_SANITIZED" "$T" 2>/dev/null)
    [ -n "$reports" ] || return 0
    for f in $reports; do
        echo "# sanitizer report in $f:"
        sed 's/^/#   /' "$f"
    done
    echo "not ok - sanitizer report (above)"
    rm -rf "$T"
    exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ok, not_ok, check, wait_for
# shellcheck source=../lib/tap.sh
. "$SRC/tests/lib/tap.sh"

finish() {
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
}

# emu ARGS...: bbemu with a hard time limit, so nothing can hang a test.
emu() {
    timeout -k 3 "${EMU_TIMEOUT:-60}" "$BBEMU" "$@"
}

# run_seedd OUT ERR BBEMU-ARGS... -- SEEDD-ARGS...: stdout and stderr to
# files, exit status in $RC.
run_emu() {
    out=$1
    err=$2
    shift 2
    emu "$@" >"$out" 2>"$err"
    RC=$?
}

size_of() { stat -c %s "$1"; }
same_file() { cmp -s "$1" "$2"; }
equals() { [ "$1" = "$2" ]; }
contains() { grep -q -- "$2" "$1"; }
lines_in() { wc -l <"$1" | tr -d ' '; }
# metric FILE NAME{LABELS}: the value of one sample in a Prometheus text.
metric() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# free_port [udp]: a loopback TCP (or UDP) port nothing is bound to now.
free_port() {
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1:] == ["udp"] else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$@"
}
