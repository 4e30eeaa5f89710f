#!/bin/sh
# seedd's QA gate, end to end, in both modes (--qa-gate): the output equals,
# byte for byte, what the reference model of the gate (qaref gate, i.e.
# ref_gate() in tests/unit/qa_ref.c over the reference monitor) predicts for
# payloads with faults at every position class; the exact gate lets no byte
# of a failing FIPS block out (the carry leak and the isolated failing block
# of upstream 0.9 are shown in the upstream mode); and seedd says when a
# device starts failing QA, that it still fails, and when it passes again.
# Payloads are read with -f 0 (output = payload) in 4096-byte groups (-G),
# so that the 64 KiB reads of the pool take whole groups in order.
. "$SRC/tests/system/lib.sh"

QAREF=$BUILD/tests/system/qaref
B=4096

# gate_run NAME PAYLOAD BYTES: seedd -b BYTES on the payload in both modes;
# its output must equal the model's first BYTES bytes.
gate_run() {
    name=$1 payload=$2 bytes=$3
    for mode in exact upstream; do
        "$QAREF" gate $mode $B <"$payload" | head -c "$bytes" >"$T/$name.$mode.exp"
        check "$name, $mode: the model gives $bytes bytes" \
            equals "$(size_of "$T/$name.$mode.exp")" "$bytes"
        emu --device "GATE01@1-1,payload=$payload" -- \
            "$SEEDD" -b "$bytes" -f 0 -G 0:$B --qa-gate=$mode >"$T/$name.$mode" 2>"$T/$name.$mode.err"
        check "$name, $mode: exit 0" equals $? 0
        check "$name, $mode: output equals the model" \
            same_file "$T/$name.$mode" "$T/$name.$mode.exp"
    done
    check "$name: the two gates differ" not same_file "$T/$name.exact" "$T/$name.upstream"
}
not() { ! "$@"; }
# zeros FILE: the longest run of zero bytes in FILE.
zeros() { od -An -v -tu1 -w1 "$1" | awk '$1 == 0 { n++; if (n > m) m = n; next } { n = 0 } END { print m + 0 }'; }

# --- every position class, one payload -------------------------------------
# Low bits cleared (Monobit fails, Ent8 does not notice): at the stream start
# (bring-up), inside one FIPS block, across two FIPS blocks (239/240),
# across a group boundary (block 157 holds 96 * 4096); then repeated words
# in FIPS blocks 600 and 601 put the Repetition rate over its limit, and
# another fault lands in the recovery (about 1400 blocks).
"$QAREF" gen 11 6291456 >"$T/p"
"$QAREF" and "$T/p" 0 700 0xfe
"$QAREF" and "$T/p" 337680 700 0xfe
"$QAREF" and "$T/p" 599300 1400 0xfe
"$QAREF" and "$T/p" $((96 * 4096 - 350)) 700 0xfe
for o in 1500000 1502900; do
    dd if="$T/p" of="$T/p" bs=1 skip=$((o - 4)) seek=$o count=4 conv=notrunc 2>/dev/null
done
"$QAREF" and "$T/p" 2500000 700 0xfe
gate_run classes "$T/p" 2752512
check "classes, exact: QA failure and recovery were logged" \
    sh -c "grep -q 'GATE01: failing QA: FIPS (Monobit.*blocks failed)' '$T/classes.exact.err' &&
           grep -q 'GATE01: passing QA again after .* s; [1-9][0-9]* bytes were dropped' \
               '$T/classes.exact.err'"

# --- upstream's carry leak: zeros in FIPS block 157, which straddles the
# 64 KiB boundary at 393216 -------------------------------------------------
"$QAREF" gen 7 4194304 >"$T/leak"
dd if=/dev/zero of="$T/leak" bs=1 seek=392500 count=5000 conv=notrunc 2>/dev/null
B=65536
"$QAREF" gate upstream $B <"$T/leak" >"$T/leak.up.model"
check "carry leak, model: upstream passes the 716 zero bytes at 392500" \
    sh -c "dd if='$T/leak.up.model' bs=1 skip=392500 count=716 2>/dev/null | cmp -s - /dev/zero -n 716 &&
           [ \$(stat -c %s '$T/leak.up.model') -ge 393216 ]"
emu --device "LEAK01@1-1,payload=$T/leak" -- "$SEEDD" -b 384k -f 0 --qa-gate=upstream \
    >"$T/leak.up" 2>"$T/leak.up.err"
check "carry leak, upstream: exit 0" equals $? 0
check "carry leak, upstream: the 716 zero bytes are out (as upstream 0.9)" \
    sh -c "head -c 393216 '$T/leak.up.model' | cmp -s - '$T/leak.up'"
# Exact: everything before FIPS block 157 and nothing after it (the zeros
# keep the monitor failing), so seedd -o is stopped once it said so.
"$QAREF" gate exact $B <"$T/leak" >"$T/leak.ex.model"
check "carry leak, model: exact passes exactly the 157 blocks before the zeros" \
    equals "$(size_of "$T/leak.ex.model")" 392500
timeout -k 3 60 "$BBEMU" --device "LEAK01@1-1,payload=$T/leak" -- \
    "$SEEDD" -o -f 0 >"$T/leak.ex" 2>"$T/leak.ex.err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
check "carry leak, exact: the failure is logged at the default verbosity" \
    wait_for grep -q 'LEAK01: failing QA: FIPS (Monobit.*blocks failed); its data is dropped' \
    "$T/leak.ex.err"
check "carry leak, exact: a warning repeats with the bytes dropped" \
    wait_for grep -q 'LEAK01: still failing QA: [1-9][0-9]* bytes dropped in the last 10 s' \
    "$T/leak.ex.err"
kill -TERM $pid
wait $pid
# 392500 bytes passed: 5 whole 64 KiB groups reached the pool and stdout,
# the rest waits for a sixth.
check "carry leak, exact: output is the model's first 5 x 64 KiB" \
    sh -c "head -c $((5 * 65536)) '$T/leak.ex.model' | cmp -s - '$T/leak.ex'"
check "carry leak, exact: no zero run longer than 4 bytes" test "$(zeros "$T/leak.ex")" -le 4
check "carry leak, exact: one 'failing QA' message" \
    equals "$(grep -c 'LEAK01: failing QA:' "$T/leak.ex.err")" 1

# --- an isolated failing FIPS block inside a good 64 KiB block -------------
"$QAREF" gen 5 1048576 >"$T/iso"
dd if=/dev/zero of="$T/iso" bs=1 seek=$((5 * 65536 + 10000)) count=536 conv=notrunc 2>/dev/null
for mode in upstream exact; do
    emu --device "ISO001@1-1,payload=$T/iso" -- "$SEEDD" -b 384k -f 0 --qa-gate=$mode \
        >"$T/iso.$mode" 2>"$T/iso.$mode.err"
    check "isolated block, $mode: exit 0" equals $? 0
done
check "isolated block, upstream: the zeros are out at 337680" \
    sh -c "dd if='$T/iso.upstream' bs=1 skip=337680 count=536 2>/dev/null | cmp -s - /dev/zero -n 536"
# Exact: the stream without FIPS block 135 ([337500, 340000)).
{ head -c 337500 "$T/iso"; tail -c +340001 "$T/iso"; } | head -c 393216 >"$T/iso.exp"
check "isolated block, exact: exactly FIPS block 135 is cut out" same_file "$T/iso.exact" "$T/iso.exp"

finish
