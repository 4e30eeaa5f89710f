#!/bin/sh
# Unplug while URBs are in flight, as QEMU's usb-host (or any usbfs client)
# sees it: bbemu completes the URBs in flight with ENODEV at once, as the
# kernel does (libusb: LIBUSB_TRANSFER_NO_DEVICE), and fails every later
# ioctl with ENODEV; that is what makes QEMU drop a passed-through device
# that the host unplugs.  The client (helpers/urbpend.c, plain libusb)
# keeps 8 bulk IN URBs in flight (latency timer 255 ms: an idle device
# ends at most one per 255 ms, and each is submitted again at once), so
# URBs are in flight whenever the control FIFO's unplug arrives; without
# the ENODEV completion they would stay pending for ever (the helper gives
# up after 20 s: a failure, not a hang).
#
# And what bbemu says of a departed device with another identity: the
# remove uevent of a vid=1d6b,pid=0104 device carries its own IDs (the
# udev remove rule's detach is built from them), and it comes back with
# them, not as a BitBabbler.
. "$SRC/tests/system/lib.sh"
URBPEND=$BUILD/tests/system/urbpend

mkdir "$T/w"
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" --device URB001@2-1,dev=5 -- \
    "$URBPEND" URB001 "$T/ready" 20 >"$T/out" 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
ready() { [ -e "$T/ready" ] || ! kill -0 $PID 2>/dev/null; }
wait_for ready
check "the client has 8 bulk IN URBs in flight" test -e "$T/ready"
tu=$(date +%s%3N)
echo "unplug URB001" >"$T/ctl"
wait $PID
RC=$?
val() { sed -n "s/^$1 //p" "$T/out"; }
check "every URB in flight ended (exit 0; pending: $(val pending))" equals $RC 0
check "the URBs in flight completed with LIBUSB_TRANSFER_NO_DEVICE ($(val nodev) of 8)" \
    test "$(val nodev)" -ge 1
nd=$(val nodev)
pd=$(val pending)
resub=$((8 - ${nd:-0} - ${pd:-0}))
check "the others: re-submitted after the unplug, refused with NO_DEVICE ($resub)" \
    sh -c "[ $resub = 0 ] || [ '$(val resubmit)' = LIBUSB_ERROR_NO_DEVICE ]"
check "no transfer ended any other way" equals "$(val other)" 0
end=$(val end_ms)
check "at once: the last one ended $((${end:-0} - tu)) ms after the unplug (< 5000)" \
    test $((${end:-0} - tu)) -lt 5000
check "a later control transfer: LIBUSB_ERROR_NO_DEVICE" equals "$(val control)" LIBUSB_ERROR_NO_DEVICE
check "a later bulk submission: LIBUSB_ERROR_NO_DEVICE" equals "$(val submit)" LIBUSB_ERROR_NO_DEVICE
check "a later release of the interface: LIBUSB_ERROR_NO_DEVICE" equals "$(val release)" LIBUSB_ERROR_NO_DEVICE
check "the wire log has the unplug" grep -q '^unplug' "$T/w/URB001.wire"
[ "$FAIL" = 0 ] || sed 's/^/#   /' "$T/out" "$T/err"

# ---- the remove uevent of a device with another identity ----
if ! command -v udevadm >/dev/null; then
    skip_check "the remove uevent of a 1d6b:0104 device carries its own IDs" "no udevadm"
    finish
    exit $?
fi
rm -f "$T/ctl"
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --device USB0001@4-1,dev=3,vid=1d6b,pid=0104 -- \
    sh -c 'udevadm monitor --udev --property & p=$!; while [ ! -e "$1" ]; do sleep 0.05; done
           kill $p' sh "$T/mon.stop" >"$T/mon" 2>&1 &
MPID=$!
BG_PIDS="$BG_PIDS $MPID"
listening() { grep -q '^UDEV - ' "$T/mon"; }
wait_for listening
echo "unplug USB0001" >"$T/ctl"
# the device's remove event (not its interface's): the block with DEVNUM=
dev_event() { awk -v a="ACTION=$1" 'BEGIN{RS=""} $0 ~ a && /DEVTYPE=usb_device/' "$T/mon"; }
removed() { dev_event remove | grep -q .; }
check "a remove uevent for the device" wait_for removed
dev_event remove >"$T/rm.ev"
for p in ID_VENDOR_ID=1d6b ID_MODEL_ID=0104 PRODUCT=1d6b/104/900 ID_SERIAL_SHORT=USB0001 \
         BUSNUM=004 DEVNUM=003; do
    check "the remove uevent carries its own $p" grep -qx "$p" "$T/rm.ev"
done
echo "plug USB0001" >"$T/ctl"
added() { dev_event add | grep -q .; }
check "an add uevent when it is plugged back" wait_for added
dev_event add >"$T/add.ev"
check "plugged back with its own identity (ID_VENDOR_ID=1d6b ID_MODEL_ID=0104)" \
    sh -c "grep -qx ID_VENDOR_ID=1d6b '$T/add.ev' && grep -qx ID_MODEL_ID=0104 '$T/add.ev'"
touch "$T/mon.stop"
wait $MPID
finish
