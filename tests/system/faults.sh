#!/bin/sh
# Each emulated device fault gives the driver's documented behaviour (retry,
# re-initialise, recover, give up) with a clear message and no hang; data
# faults pass through untouched with --no-qa (the QA engine is not there).
. "$SRC/tests/system/lib.sh"

head -c 4M /dev/urandom >"$T/payload"
DEV="GK9VZF@3-2,dev=6,payload=$T/payload"

# fault_run FAULT [SEEDD-ARGS...]: one run, output in $T/out, $T/err, $T/w.
fault_run() {
    f=$1
    shift
    rm -rf "$T/w"
    mkdir "$T/w"
    emu --wire-log "$T/w" --device "$DEV,fault=$f" -- "$SEEDD" --no-qa -f 0 "$@" \
        >"$T/out" 2>"$T/err"
    RC=$?
}

not_hung() { [ "$RC" != 124 ] && [ "$RC" != 137 ]; }
count() { grep -c -- "$1" "$T/w/GK9VZF.wire"; }

# --- data faults pass through with --no-qa --------------------------------
fault_run stuck:0x5a -b 1M
check "stuck: exit 0" equals $RC 0
check "stuck: every byte is 0x5a" equals "$(tr -d '\132' <"$T/out" | wc -c | tr -d ' ')" 0

fault_run bias:90 -b 1M
ff=$(tr -cd '\377' <"$T/out" | wc -c)
check "bias 90%: many more 0xff bytes than chance ($ff of 1 MiB)" test "$ff" -gt 100000

fault_run repeat:4 -b 1M
dups=$(od -An -v -tx1 -w4 "$T/out" | uniq -d | wc -l)
check "repeat: repeated 32-bit words reach the output ($dups)" test "$dups" -gt 1000

# --- give up, with one clear message ----------------------------------------
fault_run status -b 1M
check "bad status bytes: no hang" not_hung
check "bad status bytes: exit 1" equals $RC 1
check "bad status bytes: nothing on stdout" equals "$(size_of "$T/out")" 0
check "bad status bytes: one line, giving up after 3 recoveries" \
    sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'giving up after 3 recoveries: invalid' '$T/err'"
check "bad status bytes: re-claimed 3 times" equals "$(count '^claim')" 4

fault_run stall -b 1M
check "endless stall: exit 1" equals $RC 1
check "endless stall: init given up after 20 attempts" contains "$T/err" "init failed after 20 attempts"
check "endless stall: 20 init attempts on the wire" equals "$(count '^ctrl 40 00 0000 0001 0000')" 20

fault_run excess -b 1M
check "endless excess data: exit 1" equals $RC 1
check "endless excess data: gives up" contains "$T/err" "giving up after 3 recoveries: excess data"
check "endless excess data: nothing on stdout" equals "$(size_of "$T/out")" 0

fault_run timeout -b 1M
check "no data: no hang" not_hung
check "no data: exit 1" equals $RC 1
check "no data: gives up after 20 reset attempts" contains "$T/err" "no data from the device after 20 reset attempts"
check "no data: re-initialised 19 times (20 syncs)" test "$(count '^out aa 87')" -ge 20

fault_run busy -b 1M
check "busy: exit 1" equals $RC 1
check "busy: one line naming it" sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'device busy' '$T/err'"
check "busy: nothing on stdout" equals "$(size_of "$T/out")" 0

rm -rf "$T/w" && mkdir "$T/w"
emu --user nobody --device "$DEV,fault=access" -- "$SEEDD" -b 1M --no-qa \
    >"$T/out" 2>"$T/err"
RC=$?
check "no permission: exit 1" equals $RC 1
check "no permission: one line naming it" \
    sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q 'permission denied' '$T/err'"

# --- unplugged mid-read --------------------------------------------------------
fault_run unplug:3000000 -b 4M
check "unplug mid-read: exit 1" equals $RC 1
check "unplug mid-read: message says so" contains "$T/err" "device gone; wrote"
sz=$(size_of "$T/out")
check "unplug mid-read: only whole 64 KiB blocks ($sz bytes)" equals $((sz % 65536)) 0
check "unplug mid-read: stopped before 3000000 bytes" test "$sz" -le 3000000
head -c "$sz" "$T/payload" >"$T/prefix"
check "unplug mid-read: what was written is the payload" same_file "$T/out" "$T/prefix"

# --- transient faults mid-stream: recover and carry on ------------------------
# The fault is injected through the control FIFO once data is flowing.
midstream() {
    f=$1
    rm -rf "$T/w" "$T/ctl"
    mkdir "$T/w"
    emu --control "$T/ctl" --wire-log "$T/w" --device "$DEV" -- \
        "$SEEDD" --no-qa -f 0 -b 32M -v >"$T/out" 2>"$T/err" &
    pid=$!
    BG_PIDS="$BG_PIDS $pid"
    n=0
    while [ "$(size_of "$T/out" 2>/dev/null || echo 0)" -lt 1048576 ] && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    echo "fault GK9VZF $f" >"$T/ctl"
    wait $pid
    RC=$?
}

midstream stall:1
check "one stall mid-stream: exit 0" equals $RC 0
check "one stall mid-stream: all 32 MiB written" equals "$(size_of "$T/out")" 33554432
check "one stall mid-stream: recovered" contains "$T/err" "recovering (1 of 3)"
check "one stall mid-stream: released and re-claimed" equals "$(count '^claim')" 2

midstream excess:1
check "one excess mid-stream: exit 0" equals $RC 0
check "one excess mid-stream: all 32 MiB written" equals "$(size_of "$T/out")" 33554432
check "one excess mid-stream: recovered" contains "$T/err" "excess data after a read.*recovering (1 of 3)"

finish
