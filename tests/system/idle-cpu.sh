#!/bin/sh
# Idle processes do not busy-poll: with the pool full and nobody reading,
# with a device released while idle, and with no device at all (waiting for
# hotplug), neither seedd nor bbemu uses more than a sliver of CPU.
#
# CPU is measured as utime + stime from /proc/PID/stat over a 4 s window.
# The bound (IDLE_MAX ticks, 5% of one CPU) is generous for a loaded 2-core
# machine, yet a busy loop exceeds it many times over; the test first shows
# that a busy loop does, so the measurement itself cannot silently pass.
# A process that is not running uses no CPU either: each measured process
# must be alive (not exited, not a zombie), and be the program it should
# be, from before the window to its end, checked every 0.25 s; the test
# also shows that an exited process and a zombie are caught.
. "$SRC/tests/system/lib.sh"

HZ=$(getconf CLK_TCK)
WINDOW=4
IDLE_MAX=$((HZ * WINDOW / 20))

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo -1; }
# running PID COMM: PID is a live (not zombie) process running COMM.
running() {
    [ -n "$1" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] &&
        case $(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) in
        [RSDI]*) true ;;
        *) false ;;
        esac
}
reads() { cat "$T/w/$1.wire" 2>/dev/null | grep -c '^out 20 '; }
read_at_least() { [ "$(reads "$1")" -ge "$2" ]; }
exited() { ! kill -0 "$1" 2>/dev/null; }

# all_running PID:COMM...: every PID is running its COMM.
all_running() {
    for pc in "$@"; do
        running "${pc%%:*}" "${pc#*:}" || return 1
    done
}

# cpu_over_window PID:COMM...: sets CPU_<n> (n = 1, 2, ...) to each PID's
# ticks used during the window, and ALIVE to 1 if every PID ran its COMM
# at the start, every 0.25 s during the window, and at its end (else 0).
cpu_over_window() {
    ALIVE=1
    all_running "$@" || ALIVE=0
    i=0
    for pc in "$@"; do
        i=$((i + 1))
        eval "t0_$i=\$(ticks ${pc%%:*})"
    done
    n=0
    while [ $n -lt $((WINDOW * 4)) ]; do
        sleep 0.25
        all_running "$@" || ALIVE=0
        n=$((n + 1))
    done
    i=0
    for pc in "$@"; do
        i=$((i + 1))
        eval "CPU_$i=\$((\$(ticks ${pc%%:*}) - t0_$i))"
    done
    all_running "$@" || ALIVE=0
}

# --- the measurement works: a busy loop exceeds the bound -------------------
sh -c 'while :; do :; done' &
busy=$!
BG_PIDS="$BG_PIDS $busy"
cpu_over_window $busy:sh
kill $busy
wait $busy 2>/dev/null
check "a busy loop exceeds the bound ($CPU_1 > $IDLE_MAX ticks in $WINDOW s)" \
    test "$CPU_1" -gt "$IDLE_MAX"
check "the busy loop was seen running throughout" equals "$ALIVE" 1

# --- and a process that is not running is caught: one that exited (and was
# reaped), and a zombie (the child of a process that never reaps it) ---------
true &
dead=$!
wait $dead
cpu_over_window $dead:true
check "an exited process is not counted as running" equals "$ALIVE" 0
# (the child ends once its parent shell has become sleep, which never
# reaps it: before that the shell could)
# shellcheck disable=SC2016
sh -c '( until [ "$(cat /proc/$$/comm)" = sleep ]; do sleep 0.01; done ) &
    echo $! >"$0"; exec sleep 60' "$T/zombie.pid" &
BG_PIDS="$BG_PIDS $!"
is_zombie() { [ -s "$T/zombie.pid" ] && sed 's/^.*) //' "/proc/$(cat "$T/zombie.pid")/stat" 2>/dev/null | grep -q '^Z'; }
check "a zombie to measure" wait_for is_zombie
cpu_over_window "$(cat "$T/zombie.pid")":sh
check "a zombie is not counted as running" equals "$ALIVE" 0

# stdout of seedd: a FIFO this shell holds open and never reads, so the pipe
# and then the pool fill up.
mkfifo "$T/fifo"
exec 3<>"$T/fifo"

# start DEVS SEEDD-ARGS...: bbemu with the devices DEVS (word-split; pid in
# $EMU_PID) running seedd -o (pid in $SEEDD_PID) into the FIFO; wire log in
# $T/w.
start() {
    devs=$1
    shift
    rm -rf "$T/w" "$T/bbemu.pid" "$T/seedd.pid"
    mkdir "$T/w"
    # shellcheck disable=SC2086
    timeout -k 3 60 sh -c 'echo $$ >"$0"; exec "$@"' "$T/bbemu.pid" \
        "$BBEMU" --wire-log "$T/w" $devs -- \
        sh -c 'echo $$ >"$0"; exec "$@"' "$T/seedd.pid" "$SEEDD" -o "$@" \
        >"$T/fifo" 2>"$T/err" &
    BG_PIDS="$BG_PIDS $!"
    wait_for test -s "$T/bbemu.pid" -a -s "$T/seedd.pid"
    EMU_PID=$(cat "$T/bbemu.pid" 2>/dev/null)
    SEEDD_PID=$(cat "$T/seedd.pid" 2>/dev/null)
}

stop() {
    kill -TERM "$EMU_PID" 2>/dev/null
    wait_for exited "$EMU_PID"
}

# idle_case NAME SERIAL-OR-EMPTY DEVS SEEDD-ARGS...
idle_case() {
    name=$1 serial=$2
    shift 2
    start "$@"
    check "$name: seedd and bbemu started" test -n "$EMU_PID" -a -n "$SEEDD_PID"
    if [ -n "$serial" ]; then
        # 64 KiB fill the pipe, 64 KiB the pool: then the back-off starts.
        check "$name: the device was read before going idle" wait_for read_at_least "$serial" 3
    fi
    sleep 2
    cpu_over_window "$SEEDD_PID:seedd" "$EMU_PID:bbemu"
    check "$name: seedd and bbemu kept running, before and throughout the window" \
        equals "$ALIVE" 1
    check "$name: seedd idle ($CPU_1 <= $IDLE_MAX ticks in $WINDOW s)" \
        test "$ALIVE" = 1 -a "$CPU_1" -ge 0 -a "$CPU_1" -le "$IDLE_MAX"
    check "$name: bbemu idle ($CPU_2 <= $IDLE_MAX ticks in $WINDOW s)" \
        test "$ALIVE" = 1 -a "$CPU_2" -ge 0 -a "$CPU_2" -le "$IDLE_MAX"
    RELEASES=$(grep -c '^release$' "$T/w/$serial.wire" 2>/dev/null)
    stop
}

idle_case "pool full, default back-off" IDLE01 "--device IDLE01@1-1"
check "pool full, default back-off: the device stays claimed" equals "${RELEASES:-0}" 0
idle_case "pool full, wait until read, released" IDLE01 "--device IDLE01@1-1" \
    --idle-sleep 100:0 --suspend-after 500
check "pool full, wait until read: the device was released while idle" test "${RELEASES:-0}" -ge 1
idle_case "no devices, waiting for hotplug" "" ""
exec 3>&-

finish
