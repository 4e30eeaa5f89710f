#!/bin/sh
# Idle back-off while the pool is full (nobody reads): the device stops being
# read, is released with --suspend-after / --low-power, and is re-claimed
# and re-initialised as soon as a reader drains the pool.
. "$SRC/tests/system/lib.sh"

reads() { cat "$T/w/$1.wire" 2>/dev/null | grep -c '^out 20 '; }
count() { cat "$T/w/$1.wire" 2>/dev/null | grep -c "^$2\$"; }

# idle_run SEEDD-ARGS...: seedd -o into a reader that waits 3 s, then reads
# 1 MiB; wire log in $T/w, what was read in $T/out.
idle_run() {
    rm -rf "$T/w"
    mkdir "$T/w"
    emu --wire-log "$T/w" --device IDLE01@1-1 -- \
        sh -c '"$0" -o "$@" | { sleep 3; head -c 1048576 >"'"$T/out"'"; }' "$SEEDD" "$@" \
        2>"$T/err"
}

idle_run --idle-sleep 100:1000 --suspend-after 800
check "reader came back: 1 MiB read" equals "$(size_of "$T/out")" 1048576
# Before anything was read the device was released once its wait reached
# 800 ms, then claimed again when the reader drained the pool.
first_release=$(grep -n '^release$' "$T/w/IDLE01.wire" | head -1 | cut -d: -f1)
check "released while idle" test -n "$first_release"
reads_before=$(head -n "${first_release:-1}" "$T/w/IDLE01.wire" | grep -c '^out 20 ')
check "few reads before the release ($reads_before)" test "$reads_before" -le 40
check "re-claimed after the release" test "$(count IDLE01 claim)" -ge 2
check "re-initialised after the release (a second MPSSE setup)" \
    test "$(grep -c '^out 8a 97 8d' "$T/w/IDLE01.wire")" -ge 2

idle_run --low-power
check "--low-power: 1 MiB read" equals "$(size_of "$T/out")" 1048576
check "--low-power: released while idle" test "$(count IDLE01 release)" -ge 2

# Without suspend-after the device is never released before the end.
idle_run --idle-sleep 100:1000
check "no suspend-after: 1 MiB read" equals "$(size_of "$T/out")" 1048576
check "no suspend-after: released only at exit" equals "$(count IDLE01 release)" 1
# Flat out, 3 s would be well over 1000 reads of 64 KiB; backing off, the
# idle phase takes a handful, plus 32 for the 1 MiB finally read.
check "backed off while nobody read ($(reads IDLE01) reads in all)" test "$(reads IDLE01)" -le 150

# Per-device settings are per device (upstream applied the first device's to
# all): only the device with --suspend-after is released while idle.
rm -rf "$T/w"
mkdir "$T/w"
emu --wire-log "$T/w" --device IDLE01@1-1 --device IDLE02@1-2 -- \
    sh -c '"$0" -o -i IDLE01 --idle-sleep 100:1000 --suspend-after 800 \
        -i IDLE02 --idle-sleep 100:1000 | { sleep 3; head -c 1048576 >/dev/null; }' "$SEEDD" \
    2>"$T/err"
check "per device: IDLE01 (suspend-after 800) released while idle" \
    test "$(count IDLE01 release)" -ge 2
check "per device: IDLE02 (no suspend-after) released only at exit" \
    equals "$(count IDLE02 release)" 1

finish
