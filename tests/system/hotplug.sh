#!/bin/sh
# seedd -o follows hotplug: a device unplugged while streaming is dropped
# (no partial block), replugged with a new device number it is re-claimed,
# re-initialised and streams again; a device added later is picked up; an
# unselected device is left alone; a device that cannot be started is one
# message and the daemon carries on; a burst of 20 adds reaches every udev
# monitor and leaves no testbed behind.
. "$SRC/tests/system/lib.sh"

head -c 4M /dev/urandom >"$T/payload"
mkdir "$T/w"

grown() { [ "$(size_of "$T/out")" -gt "$1" ]; }
logged() { grep -q -- "$1" "$T/err"; }

# timeout(1) passes our SIGTERM on to bbemu, which passes it to seedd.
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" \
    --device "GK9VZF@3-2,dev=6,payload=$T/payload" -- \
    "$SEEDD" -o --no-qa -f 0 -v -i GK9VZF -i NEWDEV1 >"$T/out" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"

check "streams at start" wait_for grown 1048576
echo "unplug GK9VZF" >"$T/ctl"
# The transfer in flight sees the device go ("device gone"), or udev's
# remove event comes first ("removed"): either is the unplug noticed.
gone_or_removed() { grep -q -E -- "GK9VZF: (device gone|removed)" "$T/err"; }
check "unplug noticed" wait_for gone_or_removed
s1=$(size_of "$T/out")
check "only whole blocks written before the unplug" equals $((s1 % 65536)) 0

echo "plug GK9VZF" >"$T/ctl"
check "replug noticed" wait_for logged "GK9VZF: added at Bus:Device"
check "replugged at a new device number" sh -c "! grep -q 'GK9VZF: added at Bus:Device 003:006' '$T/err'"
check "streams again after the replug" wait_for grown $((s1 + 1048576))
check "re-initialised after the replug (second MPSSE setup)" \
    test "$(grep -c '^out 8a 97 8d' "$T/w/GK9VZF.wire")" -ge 2

echo "add OTHER01@3-4" >"$T/ctl"
echo "add NEWDEV1@3-5" >"$T/ctl"
check "a new selected device is picked up" wait_for logged "NEWDEV1: streaming from"
check "an unselected device is left alone" wait_for logged "'OTHER01') added, not selected"
check "the unselected device was never claimed" sh -c "! grep -q '^claim' '$T/w/OTHER01.wire' 2>/dev/null"

kill -TERM $PID
wait $PID
RC=$?
check "SIGTERM: exit 0" equals $RC 0
check "SIGTERM: logged" contains "$T/err" "Terminated by signal 15"
s2=$(size_of "$T/out")
check "only whole blocks in the end ($s2 bytes)" equals $((s2 % 65536)) 0
check "released on the way out" sh -c "tail -1 '$T/w/GK9VZF.wire' | grep -q release"

# A hotplugged device that cannot be started gets one message naming it and
# the reason, and the daemon carries on: a Black RNG (default fold 3) in a
# 256 MiB group would need a 2 GiB raw block, over the 1 GiB limit.
rm -rf "$T/w" "$T/ctl"
mkdir "$T/w"
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" -- \
    "$SEEDD" -o -v -G 2:256M -i BLK001 -g 2 -i WHT001 >"$T/out" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
check "no devices yet: waits" wait_for logged "No devices yet"
echo "add BLK001@2-1,black" >"$T/ctl"
echo "add WHT001@2-2" >"$T/ctl"
check "hotplug start failure: the good device streams" wait_for logged "WHT001: streaming from"
check "hotplug start failure: reported" wait_for logged "BLK001: raw block of"
check "hotplug start failure: one line naming the device and the reason" \
    equals "$(grep -c 'BLK001: raw block of 2147483648 bytes (group size 268435456 << fold 3) is larger than the limit' "$T/err")" 1
check "hotplug start failure: the device was never claimed" \
    sh -c "! grep -q '^claim' '$T/w/BLK001.wire'"
check "hotplug start failure: the daemon carries on" kill -0 $PID
kill -TERM $PID
wait $PID
check "hotplug start failure: SIGTERM, exit 0" equals $? 0

# A burst: 20 "add" lines in one write while seedd and a second udev monitor
# (ueventsink, which reads nothing until the 20th device is in sysfs) listen.
# Its socket holds 10 events, so umockdev's non-blocking send fails on the
# 11th: bbemu queues the rest instead of aborting, and every listener gets
# every event.  The testbed goes to our own TMPDIR, to see that none is
# left behind.
rm -rf "$T/w" "$T/ctl"
mkdir "$T/tb"
TMPDIR=$T/tb timeout -k 3 90 "$BBEMU" -v -v --control "$T/ctl" -- sh -c \
    '"$1" "$2" /sys/bus/usb/devices/1-20:1.0 20 >"$3" & exec "$4" -o -v -i NOSUCH' sh \
    "$BUILD/tests/system/ueventsink" "$T/ready" "$T/sink" "$SEEDD" >"$T/out" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
check "burst: the second monitor listens" wait_for test -e "$T/ready"
burst=""
for i in $(seq 1 20); do
    burst="${burst}add BURST$i@1-$i
"
done
printf '%s' "$burst" >"$T/ctl"
seen() { [ "$(grep -c "('BURST[0-9]*') added, not selected" "$T/err")" -eq 20 ]; }
check "burst: seedd sees all 20 devices" wait_for seen
check "burst: the monitor that did not read gets all 20 add events" \
    wait_for grep -q '^20 add events$' "$T/sink"
check "burst: bbemu is still running" kill -0 $PID
check "burst: the monitor's socket was full and its events were queued" \
    grep -q 'event[0-9]* is full: queueing its events' "$T/err"
check "burst: bbemu did not abort" sh -c "! grep -q 'sendmsg' '$T/err'"
kill -TERM $PID
wait $PID
check "burst: SIGTERM, exit 0" equals $? 0
check "burst: no testbed left behind" test -z "$(ls -A "$T/tb")"

finish
