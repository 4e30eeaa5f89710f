#!/bin/sh
# The real-kernel USB tier: our programs against a BitBabbler-identical
# USB gadget (bbgadget on dummy_hcd) inside a QEMU/TCG guest running a
# Debian kernel, through the guest kernel's real usbcore, usbfs and
# systemd-udevd.  Builds an initramfs (mkinitramfs.sh), boots it, and turns
# the guest's serial console verdict (`ok -`/`not ok -` lines of
# scenarios.sh and one RESULT line) into this test's result.
#
# Environment: BUILD and SRC (set by meson); KUSB_TIMEOUT (seconds for the
# guest, default 300: a hang guard, far above the 50-110 s a run takes);
# KUSB_KEEP=1 keeps the temp dir (serial log, rootfs); KUSB_KERNEL_PIN
# overrides KERNEL_PIN (e.g. to try the fallback); KUSB_MODE=crng-idle
# (make bench) runs no scenario: the guest only reports when its CRNG
# becomes ready with nobody feeding it (capped at KUSB_IDLE_MS, 180000).
#
# The guest boots with no entropy source of its own that the kernel trusts
# (no virtio-rng, random.trust_cpu=off random.trust_bootloader=off), so its
# CRNG is not ready until something feeds it: the kernel-feed scenario
# shows seedd -k doing that.
# Exit 0 pass, 1 fail (also: apt is there but no kernel package can be
# had), 77 skip (QEMU, apt or another tool is missing: always with a
# message saying which).
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"

# The kernel the tier is written against: one Debian package, one version,
# the first choice.  dummy_hcd's timing and the module layout differ between
# kernels, so a change here is a change to the test (check that every
# scenario passes).  When it cannot be downloaded (the security archive
# keeps only the last few), the newest linux-image-6.1.0-N-amd64 that apt
# can fetch runs instead, and the log says which.
KERNEL_PIN=${KUSB_KERNEL_PIN:-"linux-image-6.1.0-56-amd64=6.1.192-2"}
KERNEL_FALLBACK='^linux-image-6\.1\.0-[0-9]+-amd64$'

HERE=$SRC/tests/kernel-usb
CACHE=$BUILD/kernel-usb-cache
TIMEOUT=${KUSB_TIMEOUT:-300}
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
for tool in qemu-system-x86_64 busybox udevadm cpio ldd timeout; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool not found (scripts/deps.sh installs qemu-system-x86, busybox-static, cpio, udev)"
done
for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool not found: no Debian package tools to fetch the guest kernel with"
done
for p in seedd bbvirt bbgadget tests/kernel-usb/crng; do
    [ -x "$BUILD/$p" ] || skip "$BUILD/$p not built"
done
MODE=${KUSB_MODE:-check}
case $MODE in
    check|crng-idle) ;;
    *) echo "not ok - KUSB_MODE '$MODE': expected check or crng-idle"; exit 1 ;;
esac

# --- the kernel, cached under the build dir -------------------------------
# $CACHE/REL_VERSION/ holds the .deb, vmlinuz and the modules, once complete.
find_deb() {
    DEB=""
    for f in "$KDIR/dl/"*.deb; do [ -f "$f" ] && DEB=$f; done
    [ -n "$DEB" ]
}
# use_kernel PKG VERSION: the kernel from the cache, else downloaded and
# unpacked into it (the modules of its own release); sets KPKG KVER KREL
# KDIR.  1 if it cannot be downloaded.
use_kernel() {
    KPKG=$1
    KVER=$2
    KREL=${KPKG#linux-image-}
    KDIR=$CACHE/${KREL}_$KVER
    [ -f "$KDIR/complete" ] && return 0
    rm -rf "$KDIR"
    mkdir -p "$KDIR/dl" || { echo "not ok - cannot create $KDIR"; exit 1; }
    echo "# fetching $KPKG $KVER (cached in $KDIR)"
    (cd "$KDIR/dl" && apt-get download "$KPKG=$KVER" >"$KDIR/apt.log" 2>&1)
    if ! find_deb; then
        tail -n 2 "$KDIR/apt.log" | sed 's/^/# apt: /'
        rm -rf "$KDIR"
        return 1
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
}
# The fallback candidates, newest ABI first: "PKG VERSION" lines (apt's
# candidate version of each package whose name matches KERNEL_FALLBACK).
fallbacks() {
    apt-cache search --names-only "$KERNEL_FALLBACK" 2>/dev/null | cut -d' ' -f1 |
        sort -t- -k4,4nr | while read -r pkg; do
            ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
            [ -n "$ver" ] && [ "$ver" != "(none)" ] && echo "$pkg $ver"
        done
}
# The pinned kernel, else the newest fallback apt can fetch; sets KWHY.
pick_kernel() {
    KWHY="the pinned kernel"
    use_kernel "${KERNEL_PIN%%=*}" "${KERNEL_PIN#*=}" && return 0
    if [ "$(id -u)" = 0 ]; then
        # stale package lists are the usual reason: refresh once
        echo "# refreshing the package lists (apt-get update)"
        apt-get update -qq >/dev/null 2>&1
        use_kernel "${KERNEL_PIN%%=*}" "${KERNEL_PIN#*=}" && return 0
    fi
    KWHY="FALLBACK: the pinned $KERNEL_PIN cannot be downloaded"
    tried=0
    for c in $(fallbacks | tr ' ' '='); do
        [ "$c" = "$KERNEL_PIN" ] && continue
        tried=$((tried + 1))
        use_kernel "${c%%=*}" "${c#*=}" && return 0
    done
    echo "not ok - no kernel package can be had: the pinned $KERNEL_PIN cannot be" \
        "downloaded, nor any of $tried others matching $KERNEL_FALLBACK"
    exit 1
}
pick_kernel
echo "# kernel: $KPKG $KVER ($KWHY)"

# --- initramfs and boot --------------------------------------------------
T=$(mktemp -d /tmp/bbkusb.XXXXXX) || exit 1
if ! sh "$HERE/mkinitramfs.sh" "$T/root" "$KDIR/modules" "$T/initrd.cpio" \
        "$BUILD/seedd" "$BUILD/bbvirt" "$BUILD/bbgadget" "$BUILD/tests/kernel-usb/crng" \
        >"$T/mkinitramfs.log" 2>&1; then
    cat "$T/mkinitramfs.log"
    echo "not ok - building the initramfs"
    exit 1
fi

LOG=$T/serial.log
APPEND="console=ttyS0 quiet loglevel=3 rdinit=/init panic=-1"
APPEND="$APPEND random.trust_cpu=off random.trust_bootloader=off"
APPEND="$APPEND bbtier.mode=$MODE bbtier.idle_ms=${KUSB_IDLE_MS:-180000}"
t0=$(date +%s)
# TCG only (KVM does not work on these machines and must never be picked).
# --foreground keeps QEMU in our process group, so whoever kills the test
# (meson on its timeout) kills QEMU too; the trap does it on any exit.
timeout --foreground -k 5 "$TIMEOUT" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max \
    -smp 2 -m 1024 -nodefaults -display none -no-reboot \
    -kernel "$KDIR/vmlinuz" -initrd "$T/initrd.cpio" \
    -append "$APPEND" \
    -serial "file:$LOG" </dev/null >"$T/qemu.log" 2>&1 &
QPID=$!
wait "$QPID"
QRC=$?
QPID=""
echo "# guest ran $(($(date +%s) - t0)) s (qemu exit $QRC; $KPKG $KVER)"
GUEST_KERNEL_BAD=0
if ! tr -d '\r' <"$LOG" | grep -q "^# guest: init at .*, kernel $KREL\$"; then
    echo "not ok - the guest did not say it runs kernel $KREL"
    GUEST_KERNEL_BAD=1
fi

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
fail=$((fail + GUEST_KERNEL_BAD))
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
