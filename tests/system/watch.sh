#!/bin/sh
# --watch: QA-only monitoring of files, FIFOs and devices; max-bytes, delay,
# end of file; good data passes, bad data does not; nothing is output.
. "$SRC/tests/system/lib.sh"

head -c 4M /dev/urandom >"$T/rnd"
head -c 1M /dev/zero >"$T/zero"

# passed PATH: "N passed QA" from the watch's closing log line.
passed() { sed -n "s|.*watch $1: .* after \([0-9]*\) bytes, \([0-9]*\) passed QA|\2|p" "$T/err"; }
total() { sed -n "s|.*watch $1: .* after \([0-9]*\) bytes, .*|\1|p" "$T/err"; }

timeout -k 3 60 "$SEEDD" -v --watch "$T/rnd" --watch "$T/zero::2500" >"$T/out" 2>"$T/err"
check "watches only: exit 0 when all have ended" equals $? 0
check "nothing on stdout" equals "$(size_of "$T/out")" 0
check "random file: all 4 MiB checked" equals "$(total "$T/rnd")" 4194304
check "random file: most of it passes QA" test "$(passed "$T/rnd")" -ge 3145728
check "zero file: whole 2500-byte blocks checked" equals "$(total "$T/zero")" 1047500
check "zero file: nothing passes QA" equals "$(passed "$T/zero")" 0

timeout -k 3 60 "$SEEDD" -v --watch /dev/urandom:0:64k:1M >"$T/out" 2>"$T/err"
check "/dev/urandom with max-bytes 1M: stops after 1 MiB" equals "$(total /dev/urandom)" 1048576
check "/dev/urandom: says done" contains "$T/err" "watch /dev/urandom: done after"

t0=$(date +%s%N)
timeout -k 3 60 "$SEEDD" -v --watch "$T/rnd:200:64k:256k" >"$T/out" 2>"$T/err"
t1=$(date +%s%N)
check "delay 200 ms between 4 blocks: at least 600 ms" test $(((t1 - t0) / 1000000)) -ge 600

mkfifo "$T/fifo"
timeout -k 3 60 "$SEEDD" -v --watch "$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
head -c 300k "$T/rnd" >"$T/fifo"
wait $pid
check "FIFO: exit 0 at its end" equals $? 0
check "FIFO: whole blocks checked up to its end" equals "$(total "$T/fifo")" 262144

# A watch beside devices does not disturb the output.
emu --device GOOD01@1-1 -- "$SEEDD" -b 300k -v --watch "/dev/urandom:0:64k" >"$T/out" 2>"$T/err"
check "watch beside a device: -b still exact" equals "$(size_of "$T/out")" 307200

finish
