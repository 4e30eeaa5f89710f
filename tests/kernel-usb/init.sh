#!/bin/busybox sh
# PID 1 of the kernel-usb test guest: mount the basics, load the USB stack
# of the pinned Debian kernel (usbcore, dummy_hcd with two UDC/host pairs,
# libcomposite, usb_f_fs), start systemd-udevd, run /scenarios.sh (which
# prints `ok - ...`/`not ok - ...` lines and the RESULT line on the serial
# console) and power off.  Anything that goes wrong here is a `not ok` too,
# so the host never sees a silent pass.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run /tmp /dev/pts
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1

uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "# guest: init at $(uptime_s) s, kernel $(uname -r)"
echo "# guest: CRNG $(crng state) at init"
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^bbtier\.$1=//p"; }

SETUP_ERR=""
for m in usb-common usbcore udc-core dummy_hcd configfs libcomposite usb_f_fs; do
    args=""
    [ "$m" = dummy_hcd ] && args="num=2"
    # shellcheck disable=SC2086
    insmod "/lib/modules/$m.ko" $args || SETUP_ERR="$SETUP_ERR insmod:$m"
done
mount -t configfs none /sys/kernel/config || SETUP_ERR="$SETUP_ERR configfs"
/lib/systemd/systemd-udevd --daemon 2>/tmp/udevd.log || SETUP_ERR="$SETUP_ERR udevd"
echo "# guest: USB stack up at $(uptime_s) s"
if [ "$(arg mode)" = crng-idle ]; then
    # make bench, on the same guest (USB stack and udevd up): when does
    # the CRNG become ready with nobody feeding it?  (On the pinned kernel
    # under TCG: not within 240 s.)
    r=$(crng wait "$(arg idle_ms)")
    case $r in
        "ready at "*) echo "# BENCH crng_ready_unfed_ms ${r#ready at } ms (from boot)" ;;
        *) echo "# BENCH crng_ready_unfed_ms >$(arg idle_ms) ms (from boot: not ready yet)" ;;
    esac
    case $r in *ready*) echo "ok - crng wait ran"; echo "RESULT PASS 1/1" ;;
               *) echo "not ok - crng wait ran: $r"; echo "RESULT FAIL 0/1" ;; esac
    poweroff -f
fi

if [ -n "$SETUP_ERR" ]; then
    echo "not ok - guest setup:$SETUP_ERR"
    echo "RESULT FAIL 0/1"
else
    # shellcheck source=/dev/null
    . /scenarios.sh
fi
echo "# guest: done at $(uptime_s) s"
sync
poweroff -f
