#!/bin/sh
# The QA gate in seedd: data that fails the health tests never reaches
# stdout; --no-qa lets it through; a device that recovers rejoins; a failing
# member stalls its own pool group only; -b gives exactly N bytes.
. "$SRC/tests/system/lib.sh"

# run_for SECONDS OUT BBEMU-ARGS... -- SEEDD-ARGS: a daemon run cut short,
# with the devices' wire logs in $T/w.
run_for() {
    secs=$1 out=$2
    shift 2
    rm -rf "$T/w"
    mkdir "$T/w"
    timeout -s TERM -k 3 "$secs" "$BBEMU" --wire-log "$T/w" "$@" >"$out" 2>"$T/err"
}
# reads SERIAL: read commands (64 KiB of raw data each) the device received,
# so that "no output" is only judged once the device was really read.
reads() { cat "$T/w/$1.wire" 2>/dev/null | grep -c '^out 20 '; }

# --- -b with QA on ---------------------------------------------------------
emu --device GOOD01@1-1 -- "$SEEDD" -b 300k >"$T/b" 2>"$T/err"
check "-b 300k with QA: exit 0" equals $? 0
check "-b 300k with QA: exactly 307200 bytes" equals "$(size_of "$T/b")" 307200

# --- bad devices give nothing with QA, everything with --no-qa ---------------
for f in stuck:0x55 bias:70 repeat:2; do
    run_for 4 "$T/qa" --device "BAD001@1-1,fault=$f" -- "$SEEDD" -o -v
    check "$f: the device was read (>= 40 x 64 KiB)" test "$(reads BAD001)" -ge 40
    check "$f with QA: no bytes on stdout" equals "$(size_of "$T/qa")" 0
    run_for 2 "$T/noqa" --device "BAD001@1-1,fault=$f" -- "$SEEDD" -o --no-qa
    check "$f with --no-qa: data passes" test "$(size_of "$T/noqa")" -gt 65536
done

# --- recovery: failing FIPS (repeated words: every 64th, so that they
# survive the fold), then healthy again --------------------------------------
# (A stuck device is not used for this: its zeros stay in the long-term Ent8
# chi-square, which by upstream's rules then fails for a very long time.)
rm -rf "$T/w" && mkdir "$T/w"
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" \
    --device "FLAKY1@1-1,fault=repeat:64" -- "$SEEDD" -o -v >"$T/rec" 2>"$T/err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
n=0
while [ "$(reads FLAKY1)" -lt 100 ] && [ $n -lt 400 ]; do
    sleep 0.05
    n=$((n + 1))
done
check "while faulty: the device was read (>= 100 x 64 KiB)" test "$(reads FLAKY1)" -ge 100
check "while faulty: nothing on stdout" equals "$(size_of "$T/rec")" 0
echo "clear FLAKY1" >"$T/ctl"
n=0
while [ "$(size_of "$T/rec")" -eq 0 ] && [ $n -lt 400 ]; do
    sleep 0.05
    n=$((n + 1))
done
check "after the fault clears, the device rejoins" test "$(size_of "$T/rec")" -gt 0
kill -TERM $pid
wait $pid
check "stopped cleanly" equals $? 0
check "only whole blocks" equals $(($(size_of "$T/rec") % 65536)) 0

# --- groups ------------------------------------------------------------------
DEVS="--device GOOD01@1-1 --device BAD002@1-2,fault=stuck:0"
# shellcheck disable=SC2086
run_for 4 "$T/g1" $DEVS -- "$SEEDD" -o -i GOOD01 -g 1 -i BAD002 -g 1
check "group 1: the healthy member was read" test "$(reads GOOD01)" -ge 20
check "group 1 with a failing member stalls" equals "$(size_of "$T/g1")" 0
# shellcheck disable=SC2086
run_for 4 "$T/g0" $DEVS -- "$SEEDD" -o
check "group 0 keeps the healthy device flowing" test "$(size_of "$T/g0")" -gt 65536
# shellcheck disable=SC2086
run_for 4 "$T/gx" $DEVS -- "$SEEDD" -o -i GOOD01 -g 1 -i BAD002 -g 2
check "the failing device in its own group does not stall group 1" \
    test "$(size_of "$T/gx")" -gt 65536

finish
