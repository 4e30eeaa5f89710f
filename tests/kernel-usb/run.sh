#!/bin/sh
# The real-kernel USB tier: our programs against a BitBabbler-identical
# USB gadget (bbgadget on dummy_hcd) inside a QEMU/TCG guest running a
# pinned Debian kernel, through the guest kernel's real usbcore, usbfs and
# systemd-udevd.  Builds an initramfs (mkinitramfs.sh), boots it, and turns
# the guest's serial console verdict (`ok -`/`not ok -` lines of
# scenarios.sh and one RESULT line) into this test's result.
#
# Environment: BUILD and SRC (set by meson); KUSB_TIMEOUT (seconds for the
# guest, default 150); KUSB_KEEP=1 keeps the temp dir (serial log, rootfs).
# Exit 0 pass, 1 fail, 77 skip (QEMU, a tool or the pinned kernel package
# cannot be had: always with a message saying which).
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"

# The kernel the tier is written against: one Debian package, one version.
# dummy_hcd's timing and the module layout differ between kernels, so a
# change here is a change to the test (check that every scenario passes).
KERNEL_PIN="linux-image-6.1.0-56-amd64=6.1.192-2"

KPKG=${KERNEL_PIN%%=*}
KVER=${KERNEL_PIN#*=}
KREL=${KPKG#linux-image-}
HERE=$SRC/tests/kernel-usb
CACHE=$BUILD/kernel-usb-cache
TIMEOUT=${KUSB_TIMEOUT:-150}
MODULES="drivers/usb/common/usb-common drivers/usb/core/usbcore
         drivers/usb/gadget/udc/udc-core drivers/usb/gadget/udc/dummy_hcd
         fs/configfs/configfs drivers/usb/gadget/libcomposite
         drivers/usb/gadget/function/usb_f_fs"

skip() {
    echo "SKIP: $*"
    exit 77
}

T=""
QPID=""
cleanup() {
    # timeout(1) passes the signal on to QEMU
    [ -n "$QPID" ] && kill -TERM "$QPID" 2>/dev/null
    [ -n "$QPID" ] && wait "$QPID" 2>/dev/null
    if [ -n "$T" ]; then
        if [ "${KUSB_KEEP:-0}" = 1 ]; then echo "# kept $T"; else rm -rf "$T"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# --- what the host needs ------------------------------------------------
for tool in qemu-system-x86_64 busybox udevadm cpio ldd dpkg-deb apt-get timeout; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool not found (scripts/deps.sh installs qemu-system-x86, busybox-static, cpio, udev)"
done
for p in seedd bbvirt bbgadget; do
    [ -x "$BUILD/$p" ] || skip "$BUILD/$p not built"
done

# --- the pinned kernel, cached under the build dir ------------------------
# $CACHE/$KREL_$KVER/ holds the .deb, vmlinuz and the modules, once complete.
KDIR=$CACHE/${KREL}_$KVER
find_deb() {
    DEB=""
    for f in "$KDIR/dl/"*.deb; do [ -f "$f" ] && DEB=$f; done
    [ -n "$DEB" ]
}
if [ ! -f "$KDIR/complete" ]; then
    rm -rf "$KDIR"
    mkdir -p "$KDIR/dl" || skip "cannot create $KDIR"
    echo "# fetching $KPKG $KVER (cached in $KDIR)"
    (cd "$KDIR/dl" && apt-get download "$KPKG=$KVER" >"$KDIR/apt.log" 2>&1)
    if ! find_deb && [ "$(id -u)" = 0 ]; then
        # stale package lists are the usual reason: refresh once
        apt-get update -qq >>"$KDIR/apt.log" 2>&1
        (cd "$KDIR/dl" && apt-get download "$KPKG=$KVER" >>"$KDIR/apt.log" 2>&1)
    fi
    if ! find_deb; then
        tail -n 3 "$KDIR/apt.log" | sed 's/^/# apt: /'
        rm -rf "$KDIR"
        skip "the pinned kernel package $KPKG version $KVER cannot be downloaded" \
            "(KERNEL_PIN in tests/kernel-usb/run.sh)"
    fi
    mkdir -p "$KDIR/x" "$KDIR/modules"
    pats="./boot/vmlinuz-$KREL"
    for m in $MODULES; do pats="$pats ./lib/modules/$KREL/kernel/$m.ko"; done
    # shellcheck disable=SC2086
    if ! dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$KDIR/x" $pats; then
        rm -rf "$KDIR"
        echo "not ok - $KPKG $KVER: vmlinuz or a USB module missing from the package"
        exit 1
    fi
    mv "$KDIR/x/boot/vmlinuz-$KREL" "$KDIR/vmlinuz"
    for m in $MODULES; do mv "$KDIR/x/lib/modules/$KREL/kernel/$m.ko" "$KDIR/modules/"; done
    rm -rf "$KDIR/x"
    touch "$KDIR/complete"
fi

# --- initramfs and boot --------------------------------------------------
T=$(mktemp -d /tmp/bbkusb.XXXXXX) || exit 1
if ! sh "$HERE/mkinitramfs.sh" "$T/root" "$KDIR/modules" "$T/initrd.cpio" \
        "$BUILD/seedd" "$BUILD/bbvirt" "$BUILD/bbgadget" >"$T/mkinitramfs.log" 2>&1; then
    cat "$T/mkinitramfs.log"
    echo "not ok - building the initramfs"
    exit 1
fi

LOG=$T/serial.log
t0=$(date +%s)
# TCG only (KVM does not work on these machines and must never be picked).
# --foreground keeps QEMU in our process group, so whoever kills the test
# (meson on its timeout) kills QEMU too; the trap does it on any exit.
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max \
    -smp 2 -m 1024 -nodefaults -display none -no-reboot \
    -kernel "$KDIR/vmlinuz" -initrd "$T/initrd.cpio" \
    -append "console=ttyS0 quiet loglevel=3 rdinit=/init panic=-1" \
    -serial "file:$LOG" </dev/null >"$T/qemu.log" 2>&1 &
QPID=$!
wait "$QPID"
QRC=$?
QPID=""
echo "# guest ran $(($(date +%s) - t0)) s (qemu exit $QRC; $KPKG $KVER)"

# --- the verdict -----------------------------------------------------------
tr -d '\r' <"$LOG" | grep -E '^(ok|not ok) - |^# ' || true
result=$(tr -d '\r' <"$LOG" | grep -E '^RESULT (PASS|FAIL) [0-9]+/[0-9]+$' | tail -n 1)
pass=$(tr -d '\r' <"$LOG" | grep -c '^ok - ')
fail=$(tr -d '\r' <"$LOG" | grep -c '^not ok - ')
if [ "$QRC" = 124 ] || [ "$QRC" = 137 ]; then
    echo "not ok - the guest did not finish within $TIMEOUT s"
    fail=$((fail + 1))
elif [ "$QRC" != 0 ]; then
    sed 's/^/# qemu: /' "$T/qemu.log"
    echo "not ok - qemu exited with status $QRC"
    fail=$((fail + 1))
fi
if [ -z "$result" ]; then
    echo "# last lines of the serial console:"
    tr -d '\r' <"$LOG" | tail -n 30 | sed 's/^/#   /'
    echo "not ok - no RESULT line from the guest"
    fail=$((fail + 1))
elif [ "$result" != "RESULT PASS $pass/$pass" ]; then
    echo "not ok - guest verdict '$result' ($pass ok, $fail not ok lines seen)"
    fail=$((fail + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
