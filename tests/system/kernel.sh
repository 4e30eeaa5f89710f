#!/bin/sh
# The kernel feed (-k) under bbemu, as root, on the host's real /dev/random
# (harmless: mixing data in cannot reduce the kernel's entropy, and the host
# CRNG is ready already, so this is the "ready" side: the first feed at
# start, then the refill timer, each feed followed by RNDRESEEDCRNG).  The
# feeds are seen with strace: RNDADDENTROPY of 625 bytes credited 5000 bits,
# counted only when the kernel took them (= 0).  (kfeed's own counters are
# checked in test_kfeed.)  The state seedd reports (its metrics) agrees
# with the feeds and reseeds the kernel took.  An unopenable
# --kernel-device, one that refuses RNDADDENTROPY, or no CAP_SYS_ADMIN
# (dropped with setpriv or capsh) is one clear message and exit 3; so is a
# feed that fails at run time (an EIO injected by strace).
# stdout and the kernel together: both served.
. "$SRC/tests/system/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: feeding the kernel needs root (CAP_SYS_ADMIN)"
    exit 77
fi
if ! command -v strace >/dev/null 2>&1; then
    echo "SKIP: strace is not installed"
    exit 77
fi
# LeakSanitizer cannot run under ptrace: the traced runs keep ASan and
# UBSan in the sanitizer tier, not LSan.
if [ -n "${BB_SANITIZED:-}" ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
    export ASAN_OPTIONS
fi
head -c 8M /dev/urandom >"$T/payload"

# feeds LOG: RNDADDENTROPY calls of 625 bytes credited 5000 bits that the
# kernel took (returned 0); probes LOG: the zero-length ones that did.
feeds() { grep -c 'RNDADDENTROPY, {entropy_count=5000, buf_size=625,.*) *= 0$' "$1" 2>/dev/null; }
probes() { grep -c 'RNDADDENTROPY, {entropy_count=0, buf_size=0,.*) *= 0$' "$1" 2>/dev/null; }
reseeds() { grep -c 'RNDRESEEDCRNG) *= 0' "$1" 2>/dev/null; }
# other_feeds LOG: RNDADDENTROPY calls that are neither.
other_feeds() {
    grep 'RNDADDENTROPY' "$1" | grep -v -e 'entropy_count=5000, buf_size=625,' \
        -e 'entropy_count=0, buf_size=0,'
}

# --- -k with -b: the feed at start, next to stdout ----------------------------
emu --device "GA0001@1-1,payload=$T/payload" -- \
    strace -f -qq -s 0 -e trace=ioctl -e signal=none -o "$T/b.st" \
    "$SEEDD" -k -b 2M -v >"$T/out" 2>"$T/err"
check "-k -b 2M: exit 0" equals $? 0
check "-k -b 2M: -b still counts: 2 MiB on stdout" equals "$(size_of "$T/out")" 2097152
check "-k: one start-up probe (RNDADDENTROPY of 0 bytes)" equals "$(probes "$T/b.st")" 1
check "-k: fed at start: RNDADDENTROPY of 625 bytes, 5000 bits" test "$(feeds "$T/b.st")" -ge 1
no_other_feeds() { ! other_feeds "$1" | grep -q .; }
check "-k: no other RNDADDENTROPY" no_other_feeds "$T/b.st"
check "-k: RNDRESEEDCRNG after the feed (the host CRNG is ready)" test "$(reseeds "$T/b.st")" -ge 1
check "-k -v: the CRNG state is logged" contains "$T/err" "Kernel CRNG is ready: feeding /dev/random every 60 s, then RNDRESEEDCRNG"

# --- a kernel device that cannot be fed: exit 3, one message -----------------
emu --device "GA0001@1-1,payload=$T/payload" -- \
    "$SEEDD" -k --kernel-device "$T/missing" -b 1M >"$T/out" 2>"$T/err"
check "missing --kernel-device: exit 3" equals $? 3
check "missing --kernel-device: says so" contains "$T/err" "Kernel entropy: cannot open $T/missing: No such file or directory"
check "missing --kernel-device: one line" equals "$(lines_in "$T/err")" 1
check "missing --kernel-device: nothing on stdout" equals "$(size_of "$T/out")" 0

emu --device "GA0001@1-1,payload=$T/payload" -- \
    "$SEEDD" -k --kernel-device /dev/null -o >"$T/out" 2>"$T/err"
check "--kernel-device /dev/null: exit 3" equals $? 3
check "--kernel-device /dev/null: not a random device" contains "$T/err" "Kernel entropy: /dev/null is not a kernel random device (RNDADDENTROPY: Inappropriate ioctl for device)"
check "--kernel-device /dev/null: one line" equals "$(lines_in "$T/err")" 1

# --- no CAP_SYS_ADMIN (the container case): exit 3, one message -------------
# seedd runs as root with CAP_SYS_ADMIN out of its bounding set.
if command -v setpriv >/dev/null 2>&1; then
    set -- setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin --
elif command -v capsh >/dev/null 2>&1; then
    set -- capsh --drop=cap_sys_admin -- -c 'exec "$0" "$@"'
else
    set --
fi
if [ $# -eq 0 ]; then
    skip_check "no CAP_SYS_ADMIN: exit 3, one 'not permitted' line (3 checks)" \
        "neither setpriv nor capsh is installed"
else
    emu --device "GA0001@1-1,payload=$T/payload" -- "$@" "$SEEDD" -k -b 1M \
        >"$T/out" 2>"$T/err"
    check "no CAP_SYS_ADMIN ($1): exit 3" equals $? 3
    check "no CAP_SYS_ADMIN: says so" contains "$T/err" "Kernel entropy: feeding /dev/random is not permitted (RNDADDENTROPY needs CAP_SYS_ADMIN)"
    check "no CAP_SYS_ADMIN: one line" equals "$(lines_in "$T/err")" 1
fi

# --- a feed that fails at run time: exit 3, one message ----------------------
# strace fails the 4th ioctl on /dev/random with EIO: the probe, the first
# feed and its reseed go through, the feed on the refill timer fails.  (A
# seedd that went on feeding stdout would be ended by emu's time limit.)
EMU_TIMEOUT=30 emu --device GA0001@1-1 -- \
    strace -f -qq -s 0 -P /dev/random -e trace=ioctl -e inject=ioctl:error=EIO:when=4 \
    -e signal=none -o "$T/f.st" "$SEEDD" -o -k --kernel-refill 1 >/dev/null 2>"$T/err"
check "a feed failing at run time: exit 3" equals $? 3
check "a feed failing at run time: the kernel took one feed, not the failed one" \
    equals "$(feeds "$T/f.st")" 1
check "a feed failing at run time: says so" contains "$T/err" "Kernel: RNDADDENTROPY on /dev/random failed: Input/output error"
check "a feed failing at run time: one line" equals "$(lines_in "$T/err")" 1

# --- -o -k: both sinks served, neither starved -------------------------------
# stdout is read all along, 1 MiB at a time (one line in $T/mb each); the
# kernel is fed at start and then every second (--kernel-refill 1).  The
# device's own endless data (no payload file, which would run out).  Only
# /dev/random's ioctls are traced (-P): no other thread's call can split a
# feed's line in two.
mb() { lines_in "$T/mb" 2>/dev/null || echo 0; }
: >"$T/mb"
MPORT=$(free_port)
emu --device GA0001@1-1 -- \
    strace -f -qq -s 0 -P /dev/random -e trace=ioctl -e signal=none -o "$T/o.st" \
    sh -c 'echo $$ >"$1/pid"; exec "$2" -o -k --kernel-refill 1 --metrics "$3" -v' \
    sh "$T" "$SEEDD" "$MPORT" \
    2>"$T/err" |
    while [ "$(head -c 1048576 | wc -c)" -eq 1048576 ]; do echo x >>"$T/mb"; done &
PID=$!
BG_PIDS="$BG_PIDS $PID"
fed_at_least() { [ "$(feeds "$T/o.st")" -ge "$1" ]; }
mb_over() { [ "$(mb)" -gt "$1" ]; }
check "-o -k: the kernel is fed at start" wait_for fed_at_least 1
check "-o -k: stdout is served" wait_for mb_over 2
m1=$(mb)
f1=$(feeds "$T/o.st")
check "-o -k: the kernel is fed on the refill timer while stdout streams" \
    wait_for fed_at_least $((f1 + 2))
check "-o -k: stdout streams on while the kernel is fed" wait_for mb_over $((m1 + 2))
f2=$(feeds "$T/o.st")
check "-o -k: and the kernel is still fed" wait_for fed_at_least $((f2 + 1))
check "-o -k: each timed feed followed by a reseed" test "$(reseeds "$T/o.st")" -ge $((f2))

# What seedd reports of the kernel feed (its metrics; the control socket
# does not carry it): between two strace counts taken around the scrape.
scrape() {
    env -u LD_PRELOAD python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read().decode())' "$MPORT"
}
lo=$(feeds "$T/o.st")
rlo=$(reseeds "$T/o.st")
scrape >"$T/m" 2>"$T/merr"
hi=$(feeds "$T/o.st")
rhi=$(reseeds "$T/o.st")
mfeeds=$(metric "$T/m" bitbabbler_kernel_feeds_total)
mreseeds=$(metric "$T/m" bitbabbler_kernel_reseeds_total)
check "metrics: the CRNG is reported ready" equals "$(metric "$T/m" bitbabbler_kernel_crng_ready)" 1
check "metrics: the feed has not failed" equals "$(metric "$T/m" bitbabbler_kernel_feed_failed)" 0
check "metrics: feeds ($mfeeds) = what the kernel took (between $lo and $hi)" \
    test "${mfeeds:-0}" -ge "$lo" -a "${mfeeds:-0}" -le "$hi" -a "$lo" -gt 0
check "metrics: 625 bytes per feed" \
    equals "$(metric "$T/m" bitbabbler_kernel_fed_bytes_total)" $((625 * ${mfeeds:-0}))
check "metrics: 5000 bits credited per feed" \
    equals "$(metric "$T/m" bitbabbler_kernel_entropy_credited_total)" $((5000 * ${mfeeds:-0}))
check "metrics: nothing fed while the CRNG was not ready (it was ready)" \
    equals "$(metric "$T/m" bitbabbler_kernel_fed_until_ready_bytes)" 0
check "metrics: reseeds ($mreseeds) = what the kernel took (between $rlo and $rhi)" \
    test "${mreseeds:-0}" -ge "$rlo" -a "${mreseeds:-0}" -le "$rhi" -a "$rlo" -gt 0
age=$(metric "$T/m" bitbabbler_kernel_last_reseed_age_seconds)
check "metrics: the last reseed was under 10 s ago (refill 1 s; got '$age')" \
    awk -v a="$age" 'BEGIN { exit !(a != "" && a + 0 < 10) }'
[ -s "$T/pid" ] && kill -TERM "$(cat "$T/pid")"
wait $PID
check "-o -k: SIGTERM ends seedd" contains "$T/err" "Terminated by signal 15"

finish
