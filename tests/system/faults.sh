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
# stream_cut LEN FROM-TO...: the first LEN bytes the device clocks out (the
# payload, cycled) with the stream ranges [FROM, TO) left out, i.e. what
# seedd writes when the reads of those ranges are lost to recoveries.
stream_cut() {
    len=$1
    shift
    end=$len
    for r in "$@"; do end=$((end + ${r#*-} - ${r%-*})); done
    i=0
    while [ $((i * 4194304)) -lt "$end" ]; do cat "$T/payload"; i=$((i + 1)); done |
        head -c "$end" >"$T/stream"
    pos=0
    for r in "$@" "$end-$end"; do
        tail -c +$((pos + 1)) "$T/stream" | head -c $((${r%-*} - pos))
        pos=${r#*-}
    done
}
# 64 KiB reads (-f 0, the default rate): a fault armed at byte N (a multiple
# of 64 KiB) acts on the read of [N - 64K, N).
K64=65536
M=1048576
count() { grep -c -- "$1" "$T/w/GK9VZF.wire"; }
# one_line TEXT: stderr is one line, and it says TEXT (a grep pattern).
one_line() { [ "$(lines_in "$T/err")" = 1 ] && grep -q -- "$1" "$T/err"; }

# --- data faults pass through with --no-qa --------------------------------
fault_run stuck:0x5a -b 1M
check "stuck: exit 0" equals $RC 0
check "stuck: 1 MiB, every byte 0x5a" \
    equals "$(size_of "$T/out") $(tr -d '\132' <"$T/out" | wc -c | tr -d ' ')" "1048576 0"

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
    one_line 'giving up after 3 recoveries: invalid'
check "bad status bytes: re-claimed 3 times" equals "$(count '^claim')" 4

fault_run stall -b 1M
check "endless stall: exit 1" equals $RC 1
check "endless stall: init given up after 20 attempts" contains "$T/err" "init failed after 20 attempts"
check "endless stall: 20 init attempts on the wire" equals "$(count '^ctrl 40 00 0000 0001 0000')" 20

fault_run excess -b 1M
check "endless excess data: exit 1" equals $RC 1
check "endless excess data: gives up" contains "$T/err" "giving up after 3 recoveries: excess data"
check "endless excess data: nothing on stdout" equals "$(size_of "$T/out")" 0

# No data at all: 10 empty reads, then a re-init, 19 times (spec 2.6,
# BBDEV_READ_RESETS); the 20th run of empty reads gives up.  So exactly 20
# init sequences (the first plus 19), each one attempt (sync works), each
# followed by one read command; one claim, no USB reset.
fault_run timeout -b 1M -v
check "no data: no hang" not_hung
check "no data: exit 1" equals $RC 1
check "no data: gives up after 20 reset attempts" \
    sh -c "tail -n 1 '$T/err' | grep -q 'no data from the device after 20 reset attempts'"
check "no data: 19 re-inits logged, the last '19 of 19'" \
    sh -c "[ \$(grep -c 're-initialising ([0-9]* of 19)' '$T/err') = 19 ] &&
        grep -q 're-initialising (19 of 19)' '$T/err'"
check "no data: exactly 20 SIO resets (init sequences)" equals "$(count '^ctrl 40 00 0000 0001 0000$')" 20
check "no data: exactly 20 syncs (one attempt each)" equals "$(count '^out aa 87$')" 20
check "no data: exactly 20 MPSSE setups" equals "$(count '^out 8a 97 8d ')" 20
check "no data: exactly 20 read commands (one per init)" equals "$(count '^out 20 ')" 20
check "no data: claimed once, never USB-reset" equals "$(count '^claim$') $(count '^reset$')" "1 0"
check "no data: nothing on stdout" equals "$(size_of "$T/out")" 0

fault_run busy -b 1M
check "busy: exit 1" equals $RC 1
check "busy: one line naming it" one_line 'device busy'
check "busy: nothing on stdout" equals "$(size_of "$T/out")" 0

rm -rf "$T/w" && mkdir "$T/w"
emu --user nobody --device "$DEV,fault=access" -- "$SEEDD" -b 1M --no-qa \
    >"$T/out" 2>"$T/err"
RC=$?
check "no permission: exit 1" equals $RC 1
check "no permission: one line naming it" one_line 'permission denied'

# --- unplugged mid-read --------------------------------------------------------
fault_run unplug:3000000 -b 4M
check "unplug mid-read: exit 1" equals $RC 1
check "unplug mid-read: message says so" contains "$T/err" "device gone; wrote"
sz=$(size_of "$T/out")
check "unplug mid-read: only whole 64 KiB blocks ($sz bytes)" equals $((sz % 65536)) 0
check "unplug mid-read: stopped before 3000000 bytes" test "$sz" -le 3000000
head -c "$sz" "$T/payload" >"$T/prefix"
check "unplug mid-read: what was written is the payload" same_file "$T/out" "$T/prefix"

# A block that spans several chunks: at 1 Mbit/s a chunk is 16 KiB, so a
# 64 KiB block (-f 0) is 4 chunks.  The unplug at 3000000 bytes comes after
# 45 blocks and 3 chunks of the 46th: those 3 chunks are dropped, and the
# output is exactly the 45 whole blocks (the pool writes to a file at once).
fault_run unplug:3000000 -b 4M -r 1M
sz=$(size_of "$T/out")
check "unplug, 16 KiB chunks: the device read 16 KiB chunks" contains "$T/w/GK9VZF.wire" '^out 20 ff 3f 87$'
check "unplug, 16 KiB chunks: exit 1" equals $RC 1
check "unplug, 16 KiB chunks: one line saying so" \
    one_line "GK9VZF: device gone; wrote $sz of 4194304 bytes"
check "unplug, 16 KiB chunks: exactly the 45 whole blocks before it ($sz bytes)" equals "$sz" 2949120
head -c "$sz" "$T/payload" >"$T/prefix"
check "unplug, 16 KiB chunks: what was written is the payload" same_file "$T/out" "$T/prefix"

# -f 1: a 128 KiB raw block is 2 chunks of 64 KiB.  3000000 raw bytes are
# 22 raw blocks and one chunk of the 23rd: 22 folded 64 KiB blocks out.
fault_run unplug:3000000 -b 4M -f 1
sz=$(size_of "$T/out")
check "unplug, fold 1: exit 1" equals $RC 1
check "unplug, fold 1: one line saying so" one_line "device gone; wrote $sz of"
check "unplug, fold 1: exactly the 22 whole folded blocks ($sz bytes)" equals "$sz" 1441792
head -c $((22 * 131072)) "$T/payload" | "$FOLDREF" 131072 1 >"$T/prefix"
check "unplug, fold 1: what was written is the folded payload" same_file "$T/out" "$T/prefix"

# --- transient faults mid-stream: recover and carry on ------------------------
# Armed at a byte offset (@N) before seedd starts: each acts on the same read
# in every run, so the output is known to the byte.
fault_run stall:1@1M -b 4M -v
check "one stall mid-stream: exit 0" equals $RC 0
check "one stall mid-stream: all 4 MiB written" equals "$(size_of "$T/out")" 4194304
check "one stall mid-stream: recovered" contains "$T/err" "bulk transfer (.*), recovering (1 of 3)"
check "one stall mid-stream: released and re-claimed, stalled once" \
    equals "$(count '^claim') $(count '^stall$')" "2 1"
stream_cut $((4 * M)) $((M - K64))-$M >"$T/want"
check "one stall mid-stream: the stream without the stalled read [1M-64K, 1M)" \
    same_file "$T/out" "$T/want"

fault_run excess:1@1M -b 4M -v
check "one excess mid-stream: exit 0" equals $RC 0
check "one excess mid-stream: all 4 MiB written" equals "$(size_of "$T/out")" 4194304
check "one excess mid-stream: recovered" contains "$T/err" "excess data after a read.*recovering (1 of 3)"
stream_cut $((4 * M)) $M-$((M + K64 + 16)) >"$T/want"
check "one excess mid-stream: the stream without the read that had 16 bytes too many" \
    same_file "$T/out" "$T/want"

# Excess data after part of a chunk: one short packet per transfer
# (short:500), so the read of [192K, 256K) + 16 comes in 131 transfers of 500
# bytes and a 132nd of 52 bytes when only 36 are missing.  The whole read
# must go, and a recovery follow; folding the 52 would shift the rest of the
# output by 16 bytes.
fault_run short:500,fault=excess:1@192K -b 1M -v
check "excess after part of a chunk: exit 0, 1 MiB" equals "$RC $(size_of "$T/out")" "0 1048576"
check "excess after part of a chunk: one recovery, for the excess" \
    sh -c "[ \$(grep -c 'recovering' '$T/err') = 1 ] &&
        grep -q 'excess data after a read (.*), recovering (1 of 3)' '$T/err'"
stream_cut $M $((192 * 1024))-$((256 * 1024 + 16)) >"$T/want"
check "excess after part of a chunk: the stream without that read, nothing of it folded" \
    same_file "$T/out" "$T/want"

# Faults separated by good data never use up the recovery budget: 5 stalls,
# 2 MiB apart, are 5 first recoveries, never a second in a row (3 would be
# the last before giving up).
fault_run stall:1@2M,fault=stall:1@4M,fault=stall:1@6M,fault=stall:1@8M,fault=stall:1@10M \
    -b 16M -v
check "5 stalls 2 MiB apart: exit 0, all 16 MiB" equals "$RC $(size_of "$T/out")" "0 16777216"
check "5 stalls 2 MiB apart: 5 stalls, each 'recovering (1 of 3)', never '2 of 3'" \
    sh -c "[ $(count '^stall$') = 5 ] && [ \$(grep -c 'recovering (1 of 3)' '$T/err') = 5 ] &&
        ! grep -q 'recovering (2 of 3)' '$T/err'"
stream_cut $((16 * M)) $((2 * M - K64))-$((2 * M)) $((4 * M - K64))-$((4 * M)) \
    $((6 * M - K64))-$((6 * M)) $((8 * M - K64))-$((8 * M)) $((10 * M - K64))-$((10 * M)) \
    >"$T/want"
check "5 stalls 2 MiB apart: the stream without the 5 stalled reads" same_file "$T/out" "$T/want"

finish
