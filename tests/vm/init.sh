#!/bin/busybox sh
# PID 1 of the VM tier's guest (tests/vm): the pinned Debian kernel with
# usbcore and xhci-pci (libvirt gives the domain a qemu-xhci controller).
# It reports on the serial console, and never decides a verdict itself:
#   VM READY <kernel>            once the USB stack is up
#   USB [<vid:pid:serial> ...]   the USB devices it sees (no root hubs),
#                                sorted, at boot and whenever that changes
#                                (kernel uevents, no polling)
#   DATA <serial> <what> ...     bbvm.data=SERIAL[,SERIAL]: the first time a
#                                BitBabbler with that serial appears, seedd
#                                reads it (see data() below)
#   HWRNG <rng_current>          bbvm.hwrng=N: the hardware RNG the kernel
#   HWRNG DATA <hex>             uses (virtio-rng: QEMU's rng-egd on the
#   HWRNG END <bytes>            host's seedd), then N bytes read from
#                                /dev/hwrng, 32 a line, and their count
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run /tmp
mount -t tmpfs run /run
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^bbvm\.$1=//p"; }
for m in usb-common usbcore xhci-hcd xhci-pci virtio_ring virtio virtio_pci_legacy_dev \
         virtio_pci_modern_dev virtio_pci virtio-rng; do
    insmod "/lib/modules/$m.ko" || echo "VM SETUP FAILED insmod $m"
done
DATA=$(arg data | tr ',' ' ')
HWRNG=$(arg hwrng)

# hwrng N: N bytes of /dev/hwrng, as the host's test reads them back.
hwrng() {
    echo "HWRNG $(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
    head -c "$1" /dev/hwrng >/tmp/hwrng.bin 2>/tmp/hwrng.err ||
        sed 's/^/# hwrng: /' /tmp/hwrng.err
    od -An -v -tx1 -w32 /tmp/hwrng.bin | tr -d ' ' | sed 's/^/HWRNG DATA /'
    echo "HWRNG END $(wc -c </tmp/hwrng.bin)"
}
[ -n "$HWRNG" ] && hwrng "$HWRNG" &

# usb_list [GONE-DEVPATH]: the devices in sysfs, less one that is being removed
# (its remove uevent comes before sysfs lets go of it).
usb_list() {
    for d in /sys/bus/usb/devices/*-*; do
        case $d in *:*) continue ;; esac
        [ -f "$d/idVendor" ] || continue
        [ -n "${1:-}" ] && [ "$(readlink -f "$d")" = "/sys$1" ] && continue
        echo "$(cat "$d/idVendor"):$(cat "$d/idProduct"):$(cat "$d/serial" 2>/dev/null)"
    done | sort | tr '\n' ' ' | sed 's/ $//'
}

# data SERIAL: seedd on that BitBabbler, as the host tier's comparisons need:
#   DATA S noqa RC SIZE SHA256   seedd -b 1M --no-qa -f 0 (the raw bits)
#   DATA S qa RC SIZE            seedd -b 256k -f 0 (QA on)
data() {
    seedd -b 1M --no-qa -f 0 -i "$1" >/tmp/noqa.bin 2>/tmp/noqa.err
    rc=$?
    echo "DATA $1 noqa $rc $(wc -c </tmp/noqa.bin) $(sha256sum </tmp/noqa.bin | cut -d' ' -f1)"
    [ $rc = 0 ] || sed 's/^/# seedd: /' /tmp/noqa.err | head -n 5
    seedd -b 256k -f 0 -i "$1" >/tmp/qa.bin 2>/tmp/qa.err
    rc=$?
    echo "DATA $1 qa $rc $(wc -c </tmp/qa.bin)"
    [ $rc = 0 ] || sed 's/^/# seedd: /' /tmp/qa.err | head -n 5
    rm -f /tmp/noqa.bin /tmp/qa.bin
}

PREV="(none)"
DONE=""
report() {
    cur=$(usb_list "${1:-}")
    [ "$cur" = "$PREV" ] && return
    PREV=$cur
    echo "USB [$cur]"
    for s in $DATA; do
        case " $DONE " in *" $s "*) continue ;; esac
        case " $cur " in *" 0403:7840:$s "*) DONE="$DONE $s"; data "$s" & ;; esac
    done
}

echo "VM READY $(uname -r)"
# kernel uevents of the usb subsystem: one report per event
udevadm monitor -k -s usb 2>/dev/null | {
    report
    while read -r src action devpath _; do
        case $src in KERNEL*) ;; *) continue ;; esac
        if [ "$action" = remove ]; then report "$devpath"; else report; fi
    done
}
echo "VM MONITOR ENDED"
poweroff -f
