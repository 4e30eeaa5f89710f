#!/bin/sh
# The VM tier (`make check-vm`, part of `make check`): BitBabblers chosen by
# serial, live in booted guests, through a real libvirtd and QEMU (TCG).
#
# bbemu's testbed holds the emulated devices; libvirtd (no systemd, private
# mount and PID namespaces: its own /etc/libvirt, /run/libvirt,
# /var/lib/libvirt, /var/log/libvirt; QEMU's capabilities cached under the
# build dir) and QEMU run inside it (LD_PRELOAD=$BBEMU_PRELOAD; libvirt
# clears QEMU's environment, so the domains' <emulator> is a wrapper).  The
# guests boot the real-kernel tier's pinned Debian kernel with a busybox
# initramfs (init.sh) that reports the USB devices it sees on its serial
# console and runs our seedd on request.  See docs/virtual-machines.md.
#
# Environment: BUILD, SRC (meson); VM_KEEP=1 keeps the temp dir;
# VM_WAIT_TRIES (default 2400 = 120 s) bounds each wait for a guest report.
# Exit 0 pass, 1 fail, 77 skip (a prerequisite is missing: the message
# names it).  Every process dies with the PID namespace, every mount with
# the mount namespace, on any exit.
set -u
: "${BUILD:?BUILD must name the build directory}"
: "${SRC:?SRC must name the source directory}"
HERE=$SRC/tests/vm
KERNEL_PKG=linux-image-6.1.0-56-amd64
KERNEL_VER=6.1.192-2
KREL=${KERNEL_PKG#linux-image-}
VMCACHE=$BUILD/vm-cache
BBEMU=$BUILD/bbemu
BBVIRT=$BUILD/bbvirt
SEEDD=$BUILD/seedd

skip() {
    echo "SKIP: $*"
    exit 77
}

if [ -z "${BBVM_NS:-}" ]; then
    [ "$(id -u)" = 0 ] || skip "needs root (libvirtd with qemu:///system, namespaces)"
    for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare busybox udevadm cpio ldd \
             timeout dpkg-deb sha256sum; do
        command -v $p >/dev/null 2>&1 ||
            skip "$p not found (scripts/deps.sh installs libvirt-daemon, libvirt-clients," \
                 "libvirt-daemon-driver-qemu, qemu-system-x86, busybox-static, udev, cpio)"
    done
    for p in "$BBEMU" "$BBVIRT" "$SEEDD" "$BUILD/libbbemu-preload.so"; do
        [ -e "$p" ] || skip "$p not built (umockdev missing?)"
    done
    [ -r /dev/kvm ] && echo "# /dev/kvm exists: not used, the domains are TCG (type='qemu')"
    # --- the guest kernel: the kernel tier's cache, else downloaded -------
    KDIR=$BUILD/kernel-usb-cache/${KREL}_$KERNEL_VER
    DEB=$(ls "$KDIR"/dl/*.deb 2>/dev/null | head -n 1)
    if [ -z "$DEB" ] || [ ! -f "$KDIR/complete" ]; then
        command -v apt-get >/dev/null || skip "no cached kernel and no apt-get to fetch $KERNEL_PKG"
        mkdir -p "$VMCACHE/dl"
        DEB=$(ls "$VMCACHE"/dl/*.deb 2>/dev/null | head -n 1)
        if [ -z "$DEB" ]; then
            echo "# fetching $KERNEL_PKG=$KERNEL_VER"
            (cd "$VMCACHE/dl" && apt-get download "$KERNEL_PKG=$KERNEL_VER" >/dev/null 2>&1)
            DEB=$(ls "$VMCACHE"/dl/*.deb 2>/dev/null | head -n 1)
            [ -n "$DEB" ] || skip "$KERNEL_PKG=$KERNEL_VER cannot be downloaded (make check-kernel caches it)"
        fi
    fi
    KM=$VMCACHE/${KREL}_$KERNEL_VER
    # complete2: the USB and the virtio-rng modules (a cache made before
    # the virtio ones is made again)
    if [ ! -f "$KM/complete2" ]; then
        rm -rf "$KM"
        mkdir -p "$KM/x" "$KM/modules"
        pats="./boot/vmlinuz-$KREL"
        for m in usb/common/usb-common usb/core/usbcore usb/host/xhci-hcd usb/host/xhci-pci \
                 virtio/virtio virtio/virtio_ring virtio/virtio_pci_legacy_dev \
                 virtio/virtio_pci_modern_dev virtio/virtio_pci char/hw_random/virtio-rng; do
            pats="$pats ./lib/modules/$KREL/kernel/drivers/$m.ko"
        done
        # shellcheck disable=SC2086
        dpkg-deb --fsys-tarfile "$DEB" | tar -x -C "$KM/x" $pats ||
            { echo "not ok - unpacking $DEB"; exit 1; }
        mv "$KM/x/boot/vmlinuz-$KREL" "$KM/vmlinuz"
        find "$KM/x" -name '*.ko' -exec mv {} "$KM/modules/" \;
        rm -rf "$KM/x"
        touch "$KM/complete2"
    fi
    T=$(mktemp -d /tmp/bbvm.XXXXXX) || exit 1
    trap '[ "${VM_KEEP:-0}" = 1 ] && echo "# kept $T" || rm -rf "$T"' EXIT
    trap 'exit 130' INT TERM HUP
    sh "$HERE/mkinitramfs.sh" "$T/root" "$KM/modules" "$T/initrd.cpio" "$SEEDD" \
        >"$T/mkinitramfs.log" 2>&1 || { cat "$T/mkinitramfs.log"; echo "not ok - initramfs"; exit 1; }
    rm -rf "$T/root"
    # Everything else in private mount + PID namespaces: when its init (the
    # shell below) exits, or is killed with unshare (--kill-child: meson's
    # timeout), the kernel kills whatever is left in it.
    BBVM_NS=1 BBVM_T=$T BBVM_KM=$KM timeout -k 10 840 \
        unshare -m -p -f --kill-child --mount-proc --propagation private sh "$0"
    exit $?
fi

# ===================== inside the namespaces =====================
T=$BBVM_T
KM=$BBVM_KM
. "$SRC/tests/lib/tap.sh"
equals() { [ "$1" = "$2" ]; }
LV=$T/lv
cleanup() {
    for d in $(timeout 20 virsh -c qemu:///system list --name 2>/dev/null); do
        timeout 20 virsh -c qemu:///system destroy "$d" >/dev/null 2>&1
    done
    for f in "$LV/libvirtd.pid" "$LV/virtlogd.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    [ -n "${QPID:-}" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
    [ -n "${EGDPID:-}" ] && kill "$EGDPID" 2>/dev/null && wait "$EGDPID" 2>/dev/null
    [ -n "${EMUPID:-}" ] && kill "$EMUPID" 2>/dev/null && wait "$EMUPID" 2>/dev/null
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$LV/etc/hooks" "$LV/run" "$LV/lib" "$LV/log" "$VMCACHE/libvirt" "$T/rules"
for m in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt \
         cache:/var/cache/libvirt; do
    src=$LV/${m%%:*}
    [ "${m%%:*}" = cache ] && src=$VMCACHE/libvirt
    mkdir -p "${m#*:}"
    mount --bind "$src" "${m#*:}" || { echo "not ok - cannot bind ${m#*:}"; exit 1; }
done
# The testbed's /sys has no cgroup hierarchy: libvirt must see none.
mountpoint -q /sys/fs/cgroup && umount -R /sys/fs/cgroup
cp "$BUILD/data/60-bit-babbler.rules" "$T/rules/"
mkdir -p /etc/udev/rules.d && mount --bind "$T/rules" /etc/udev/rules.d
printf '%s\n' 'user = "root"' 'group = "root"' 'security_driver = "none"' 'namespaces = [ ]' \
    'remember_owner = 0' >/etc/libvirt/qemu.conf
# libvirt's QMP traffic, to see an attach in flight (section 6)
# and, at info level, what the daemon does at start and stop (its
# reconnection to running guests, its shutdown), for lv_diag below
printf '%s\n' 'log_filters = "1:qemu.qemu_monitor 2:daemon 2:rpc.netdaemon 2:qemu.qemu_process 2:util.pidfile"' \
    "log_outputs = \"1:file:$LV/qmp.log\"" >/etc/libvirt/libvirtd.conf
getent passwd libvirt-qemu >/dev/null ||
    useradd -r -U -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

# --- the emulated devices -----------------------------------------------
# HSTRNG is in no vm.conf entry: the host's seedd may use it (and only it).
# USB0001 is not a BitBabbler (1d6b:0104): vm.conf names it by
# VID:PID:SERIAL for vmB; seedd never claims it.
# (its testbed under $T: removed by the outer trap even after a SIGKILL)
TMPDIR=$T "$BBEMU" --device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 --device GTH4R8@5-2.3,dev=7 \
    --device HSTRNG@1-1,dev=2 --device USB0001@4-1,dev=3,vid=1d6b,pid=0104,product=Test_Gadget \
    >"$T/emu.env" 2>"$T/emu.err" &
EMUPID=$!
emu_up() { grep -q '^BBEMU_PRELOAD=' "$T/emu.env" 2>/dev/null; }
wait_for emu_up || { cat "$T/emu.err"; echo "not ok - bbemu did not start"; exit 1; }
UMOCKDEV_DIR=$(sed -n 's/^UMOCKDEV_DIR=//p' "$T/emu.env")
CTL=$(sed -n 's/^BBEMU_CONTROL=//p' "$T/emu.env")
BBEMU_PRELOAD=$(sed -n 's/^BBEMU_PRELOAD=//p' "$T/emu.env")
export UMOCKDEV_DIR
# libvirtd's forked children read /sys/devices/system (CPUs, NUMA).
ln -s /sys/devices/system "$UMOCKDEV_DIR/sys/devices/system"
printf 'UMOCKDEV_DIR=%s\nBBEMU_PRELOAD=%s\n' "$UMOCKDEV_DIR" "$BBEMU_PRELOAD" \
    >/run/libvirt/bbvm-emu.env
# The emulator wrapper, at a stable path and rewritten only when it changes
# (libvirt's capability cache is keyed on the emulator binary's mtime).
WRAP=$VMCACHE/qemu-wrap
cat >"$T/qemu-wrap" <<'EOF'
#!/bin/sh
# QEMU inside bbemu's testbed (written by tests/vm/run.sh)
. /run/libvirt/bbvm-emu.env
export UMOCKDEV_DIR
LD_PRELOAD=$BBEMU_PRELOAD exec /usr/bin/qemu-system-x86_64 "$@"
EOF
cmp -s "$T/qemu-wrap" "$WRAP" || { cp "$T/qemu-wrap" "$WRAP" && chmod 755 "$WRAP"; }

cat >"$T/vm.conf" <<'EOF'
# the seed's realistic case: two devices for one guest, one for the other
DOMAIN_RNG_vmA=( GK9VZF GDYXTH )
DOMAIN_RNG_vmB=( GTH4R8 )
# any USB device by serial: not a BitBabbler
DOMAIN_USB_vmB=( 1d6b:0104:USB0001 )
EOF
# The rules run bbvirt for devices other than BitBabblers only when
# bbvirt's default vm.conf exists: a copy there (a tmpfs, this namespace only).
VMCONF_PATH=$("$BBVIRT" --help | sed -n 's/.*(default \(.*\/vm\.conf\);.*/\1/p')
ETC=$(dirname "$(dirname "$VMCONF_PATH")")
{ [ -n "$VMCONF_PATH" ] && [ -d "$ETC" ] && mount -t tmpfs tmpfs "$ETC" &&
  mkdir -p "$(dirname "$VMCONF_PATH")" && cp "$T/vm.conf" "$VMCONF_PATH"; } ||
    { echo "not ok - cannot put vm.conf at bbvirt's default path '$VMCONF_PATH'"; exit 1; }
cat >/etc/libvirt/hooks/qemu <<EOF
#!/bin/sh
echo "\$*" >>"$T/hook.calls"
LD_PRELOAD=$BBEMU_PRELOAD UMOCKDEV_DIR=$UMOCKDEV_DIR \\
    exec "$BBVIRT" -C "$T/vm.conf" --log-file "$T/hook.log" -t 30 qemu-hook "\$@"
EOF
chmod +x /etc/libvirt/hooks/qemu

# --- libvirtd ----------------------------------------------------------
# libvirtd runs as our child, not with -d: its -d parent waits, unbounded,
# for a status byte from the daemon, and the one hang seen at a restart was
# at this point.  Now the only wait is for virsh to get an answer (bounded,
# then lv_diag says what libvirtd and its children were doing).
# wait_secs SECS COMMAND...: wait_for, bounded in wall-clock seconds (each
# try of libvirt_up is a virsh run of its own).
wait_secs() {
    ws_end=$(($(date +%s) + $1))
    shift
    until "$@"; do
        [ "$(date +%s)" -ge "$ws_end" ] && return 1
        sleep 0.05
    done
}
LV_SECS=${LV_SECS:-90}
LVPID=""
start_libvirtd() {
    LD_PRELOAD="$BBEMU_PRELOAD" BBEMU_REAL_NETLINK=1 UMOCKDEV_DIR="$UMOCKDEV_DIR" \
        libvirtd -p "$LV/libvirtd.pid" >>"$LV/libvirtd.out" 2>&1 &
    LVPID=$!
    wait_secs "$LV_SECS" libvirt_up && return 0
    echo "# libvirtd (pid $LVPID) did not answer within $LV_SECS s"
    lv_diag
    return 1
}
libvirt_up() { timeout -k 2 20 virsh -c qemu:///system version >/dev/null 2>&1; }
# stop_libvirtd: SIGTERM, then wait (bounded) until it has exited and is
# reaped; if it does not, say what it is doing and SIGKILL it.
# proc_state FILE: the state letter of a /proc/.../stat (after the comm)
proc_state() { sed 's/.*) //' "$1" 2>/dev/null | cut -d' ' -f1; }
lv_gone() { ! kill -0 "$LVPID" 2>/dev/null || [ "$(proc_state "/proc/$LVPID/stat")" = Z ]; }
stop_libvirtd() {
    kill "$LVPID"
    wait_secs "$LV_SECS" lv_gone && { wait "$LVPID" 2>/dev/null; return 0; }
    echo "# libvirtd (pid $LVPID) still running $LV_SECS s after SIGTERM"
    lv_diag
    kill -9 "$LVPID"
    wait "$LVPID" 2>/dev/null
    return 1
}
# lv_diag: what libvirtd, virtlogd, QEMU, bbvirt and the hook were doing,
# so that a failure at a libvirtd start or stop explains itself: every
# process of the namespace, each thread's state, wait channel and kernel
# stack, user-space stacks (gdb, when installed), libvirtd's log tail.
lv_diag() {
    {
        echo "== processes (this PID namespace)"
        ps -eo pid,ppid,stat,etimes,wchan:32,args 2>&1 | cut -c1-220
        for pid in $(pgrep -f 'libvirtd|virtlogd|bbvirt|qemu-system' 2>/dev/null); do
            [ -d "/proc/$pid" ] || continue
            echo "== pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-160)"
            for t in /proc/$pid/task/*; do
                echo "-- thread ${t##*/} $(cat "$t/comm" 2>/dev/null)" \
                    "state $(proc_state "$t/stat") wchan $(cat "$t/wchan" 2>/dev/null)"
                sed 's/^/     /' "$t/stack" 2>/dev/null | head -n 12
            done
            if command -v gdb >/dev/null; then
                timeout -k 2 30 gdb -batch -nx -p "$pid" -ex 'thread apply all bt 12' 2>/dev/null |
                    grep -E '^(Thread|#)' | head -n 80
            fi
        done
        echo "== libvirtd's output"
        tail -n 20 "$LV/libvirtd.out" 2>/dev/null
        echo "== libvirtd's log (no QMP traffic), last 40 lines"
        grep -v -E 'qemuMonitor(JSON)?(IO|Send|Recv|Emit|Write|Read|Add|Unref|Ref)|QEMU_MONITOR' \
            "$LV/qmp.log" 2>/dev/null | tail -n 40 | cut -c1-240
        echo "== hook calls / hook log"
        tail -n 5 "$T/hook.calls" 2>/dev/null
        tail -n 10 "$T/hook.log" 2>/dev/null
        echo "== /run/libvirt"
        ls -la /run/libvirt /run/libvirt/qemu 2>&1 | head -n 30
    } | sed 's/^/# /'
}
virtlogd -d -p "$LV/virtlogd.pid"
t0=$(date +%s)
start_libvirtd || { echo "not ok - libvirtd did not come up"; exit 1; }
ok "libvirtd up in the testbed ($(($(date +%s) - t0)) s)"

V() { virsh -c qemu:///system "$@"; }
now_ms() { date +%s%3N; }
# bbv NAME ARGS...: bbvirt in the testbed; NAME.out/.err/.rc
bbv() {
    n=$1
    shift
    LD_PRELOAD=$BBEMU_PRELOAD timeout -k 3 90 "$BBVIRT" -C "$T/vm.conf" "$@" \
        >"$T/$n.out" 2>"$T/$n.err"
    echo $? >"$T/$n.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }

# domain_xml NAME CONTROLLER DATA-SERIALS [QEMU-COMMANDLINE [KERNEL-ARGS]]
domain_xml() {
    cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$KM/vmlinuz</kernel>
    <initrd>$T/initrd.cpio</initrd>
    <cmdline>console=ttyS0 quiet loglevel=3 rdinit=/init panic=-1 bbvm.data=$3 ${5:-}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$WRAP</emulator>
    <controller type='usb' model='$2'/>
    <serial type='file'><source path='$T/$1.console' append='on'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
  ${4:-}
</domain>
EOF
}
# usb_is DOMAIN LIST: the guest's latest USB report is exactly LIST
usb_is() { [ "$(tr -d '\r' <"$T/$1.console" 2>/dev/null | grep '^USB \[' | tail -n 1)" = "USB [$2]" ]; }
guest_sees() { WAIT_TRIES=${VM_WAIT_TRIES:-2400} wait_for usb_is "$1" "$2"; }
console_tail() { tr -d '\r' <"$T/$1.console" 2>/dev/null | tail -n 8 | sed 's/^/#   /'; }
BB=0403:7840
OT=1d6b:0104:USB0001                    # the other device, as the guest lists it

# ==== 1. the seed's realistic case ========================================
domain_xml vmA qemu-xhci "" >"$T/vmA.xml"
domain_xml vmB qemu-xhci GTH4R8 >"$T/vmB.xml"
V define "$T/vmA.xml" >/dev/null && V define "$T/vmB.xml" >/dev/null
check "vmA and vmB defined (TCG, qemu-xhci, the pinned $KREL)" equals $? 0
t0=$(date +%s)
V start vmA >"$T/startA.out" 2>&1
check "vmA starts" equals $? 0
V start vmB >"$T/startB.out" 2>&1
check "vmB starts" equals $? 0
echo "# both started in $(($(date +%s) - t0)) s"
check "libvirtd ran the hook for vmA's start" grep -q "^vmA started begin" "$T/hook.calls"
guest_sees vmA "$BB:GDYXTH $BB:GK9VZF"
check "vmA's guest sees exactly GDYXTH and GK9VZF (attached by the hook)" equals $? 0 ||
    console_tail vmA
guest_sees vmB "$BB:GTH4R8 $OT"
check "vmB's guest sees exactly GTH4R8 and $OT (not a BitBabbler, by VID:PID:SERIAL, attached by the hook)" \
    equals $? 0 || console_tail vmB
check "the guests run the pinned kernel" grep -q "^VM READY $KREL" "$T/vmA.console"
LD_PRELOAD=$BBEMU_PRELOAD timeout 60 "$SEEDD" --vm-conf "$T/vm.conf" -b 64k --no-qa -f 0 -v \
    >"$T/host.bin" 2>"$T/host.err"
check "host seedd --vm-conf: exit 0" equals $? 0
"$BBEMU" --device HSTRNG --expect f:64k >"$T/host.want"
check "host seedd --vm-conf: exactly HSTRNG's bytes (the one device no guest has)" \
    cmp -s "$T/host.bin" "$T/host.want"
check "host seedd --vm-conf: says it leaves the guests' three alone" \
    test "$(grep -cE "(GK9VZF|GDYXTH|GTH4R8): assigned to virtual machine .* left for it" \
            "$T/host.err")" = 3

# ==== 2. data through the passthrough =====================================
data_line() { tr -d '\r' <"$T/vmB.console" | grep "^DATA GTH4R8 $1 "; }
WAIT_TRIES=3600 wait_for data_line qa
want=$("$BBEMU" --device GTH4R8 --expect f:1M | sha256sum | cut -d' ' -f1)
check "guest seedd -b 1M --no-qa -f 0: exit 0, 1 MiB, the bytes bbemu --expect gives" \
    test "$(data_line noqa)" = "DATA GTH4R8 noqa 0 1048576 $want"
check "guest seedd -b 256k -f 0 (QA on): exit 0, 256 KiB" \
    test "$(data_line qa)" = "DATA GTH4R8 qa 0 262144"
[ "$(data_line noqa)" ] || console_tail vmB

# ==== 3. replug: udev rules -> bbvirt -> libvirt -> guest =================
# rule_cmd ACTION SYSDEV: the bbvirt command our installed rules give, as
# udevadm test evaluates them on the emulated device.
rule_cmd() {
    LD_PRELOAD=$BBEMU_PRELOAD udevadm test --action="$1" "/sys/bus/usb/devices/$2" \
        >"$T/udev-$1.out" 2>&1
    sed -n "s|^run: '.*/bbvirt \(.*\)'$|\1|p" "$T/udev-$1.out"
}
rmcmd=$(rule_cmd remove 3-2)
check "the remove rule gives a detach command for GK9VZF" \
    sh -c "echo '$rmcmd' | grep -q -- '^--syslog .*detach GK9VZF --busnum 003 --devnum 006\$'"
echo "unplug GK9VZF" >"$CTL"
gone() { [ ! -e "$UMOCKDEV_DIR/sys/bus/usb/devices/3-2" ]; }
wait_for gone
# shellcheck disable=SC2086
bbv rm --log-file "$T/rm.log" ${rmcmd#--syslog }
check "remove rule's command: exit 0" rc_is rm 0
guest_sees vmA "$BB:GDYXTH"
check "vmA's guest sees GK9VZF gone" equals $? 0 || console_tail vmA
check "vmA's live XML has no device on bus 3" \
    sh -c "! virsh -c qemu:///system dumpxml vmA | grep -q \"bus='3'\""
tp=$(now_ms)
echo "plug GK9VZF" >"$CTL"
back() { [ -e "$UMOCKDEV_DIR/sys/bus/usb/devices/3-2/devnum" ]; }
wait_for back
newdev=$(cat "$UMOCKDEV_DIR/sys/bus/usb/devices/3-2/devnum")
check "GK9VZF plugged back with another device number ($newdev)" test "$newdev" != 6
addcmd=$(rule_cmd add 3-2)
tr=$(now_ms)
check "the add rule gives an attach command at the new address" \
    sh -c "echo '$addcmd' | grep -q -- '^--syslog .*attach GK9VZF --busnum 0*3 --devnum 0*$newdev\$'"
# shellcheck disable=SC2086
bbv add --log-file "$T/add.log" ${addcmd#--syslog }
ta=$(now_ms)
check "add rule's command: exit 0" rc_is add 0
WAIT_TRIES=2400 wait_for usb_is vmA "$BB:GDYXTH $BB:GK9VZF"
check "vmA's guest sees GK9VZF again" equals $? 0 || console_tail vmA
tg=$(now_ms)
check "vmA's live XML holds GK9VZF's new address 3:$newdev" \
    sh -c "virsh -c qemu:///system dumpxml vmA | grep -q \"<address bus='3' device='$newdev'/>\""
echo "# BENCH vm_replug_to_guest_ms $((tg - tp)) (plug -> udev rule command $((tr - tp)), command -> libvirt attach returned $((ta - tr)), attach -> guest sees it $((tg - ta)))"

# ==== 3b. replug of a device other than a BitBabbler ======================
rmcmd=$(rule_cmd remove 4-1)
check "the remove rule gives a detach command for $OT" \
    sh -c "echo '$rmcmd' | grep -q -- '^--syslog .*detach $OT --busnum 004 --devnum 003\$'"
echo "unplug USB0001" >"$CTL"
ogone() { [ ! -e "$UMOCKDEV_DIR/sys/bus/usb/devices/4-1" ]; }
wait_for ogone
# shellcheck disable=SC2086
bbv orm --log-file "$T/orm.log" ${rmcmd#--syslog }
check "remove rule's command ($OT): exit 0" rc_is orm 0
guest_sees vmB "$BB:GTH4R8"
check "vmB's guest sees $OT gone" equals $? 0 || console_tail vmB
echo "plug USB0001" >"$CTL"
oback() { [ -e "$UMOCKDEV_DIR/sys/bus/usb/devices/4-1/devnum" ]; }
wait_for oback
onew=$(cat "$UMOCKDEV_DIR/sys/bus/usb/devices/4-1/devnum")
check "USB0001 plugged back with another device number ($onew)" test "$onew" != 3
addcmd=$(rule_cmd add 4-1)
check "the add rule gives an attach command for $OT at the new address" \
    sh -c "echo '$addcmd' | grep -q -- '^--syslog .*attach $OT --busnum 0*4 --devnum 0*$onew\$'"
# shellcheck disable=SC2086
bbv oadd --log-file "$T/oadd.log" ${addcmd#--syslog }
check "add rule's command ($OT): exit 0" rc_is oadd 0
guest_sees vmB "$BB:GTH4R8 $OT"
check "vmB's guest sees $OT again" equals $? 0 || console_tail vmB
check "vmB's live XML holds $OT's new address 4:$onew" \
    sh -c "virsh -c qemu:///system dumpxml vmB | grep -q \"<address bus='4' device='$onew'/>\""
bbv ostat status
check "bbvirt status: $OT attached to vmB, not the host seedd's" \
    grep -qE "^$OT +004:0*$onew +4-1 +vmB +vmB +no \(not BB\)\$" "$T/ostat.out"

# ==== 4. bbvirt attach vs virsh attach-device (same XML, same libvirtd) ====
LD_PRELOAD=$BBEMU_PRELOAD "$BBVIRT" -C "$T/vm.conf" xml GDYXTH >"$T/gdyxth.xml"
best_b=999999
best_v=999999
for i in 1 2 3; do
    bbv d$i detach GDYXTH
    t0=$(now_ms); bbv a$i attach GDYXTH; t1=$(now_ms)
    rc_is a$i 0 && [ $((t1 - t0)) -lt $best_b ] && best_b=$((t1 - t0))
    bbv d$i detach GDYXTH
    t0=$(now_ms); V attach-device vmA "$T/gdyxth.xml" --live >/dev/null 2>&1; r=$?; t1=$(now_ms)
    [ $r = 0 ] && [ $((t1 - t0)) -lt $best_v ] && best_v=$((t1 - t0))
done
check "bbvirt attach and virsh attach-device both worked 3 times" \
    test $best_b -lt 999999 -a $best_v -lt 999999
echo "# BENCH bbvirt_vs_virsh_attach $(awk "BEGIN{printf \"%.2f\", $best_b / ($best_v ? $best_v : 1)}") (bbvirt attach ${best_b} ms, virsh attach-device ${best_v} ms; best of 3)"
guest_sees vmA "$BB:GDYXTH $BB:GK9VZF"
check "vmA's guest ends up with both again" equals $? 0

# ==== 5. VM restart ========================================================
V destroy vmA >/dev/null
: >"$T/vmA.console"                      # the reports of this boot only
V start vmA >/dev/null 2>&1
check "vmA starts again after destroy" equals $? 0
guest_sees vmA "$BB:GDYXTH $BB:GK9VZF"
check "after the restart the hook attached both again" equals $? 0 || console_tail vmA
check "nothing stale in vmA's persistent definition" \
    sh -c "! virsh -c qemu:///system dumpxml --inactive vmA | grep -q hostdev"

# ==== 6. conflicts and faults ==============================================
bbv busy -D vmA attach GTH4R8
check "a device in another running domain: refused (exit 2)" rc_is busy 2
check "the refusal names both domains" \
    grep -q "GTH4R8.* is attached to 'vmB' already, not attaching it to 'vmA'" "$T/busy.err"
# libvirtd stopped and started again between two attaches
bbv r1 detach GDYXTH
check "detach before the libvirtd restart" rc_is r1 0
stop_libvirtd
check "libvirtd stops on SIGTERM" equals $? 0
bbv r2 -t 3 attach GDYXTH
check "attach while libvirtd is down: exit 4" rc_is r2 4
start_libvirtd
check "libvirtd starts again" equals $? 0
check "libvirtd back, the domains still running" sh -c "virsh -c qemu:///system domstate vmA | grep -q running"
bbv r3 attach GDYXTH
check "attach after the restart: exit 0" rc_is r3 0
guest_sees vmA "$BB:GDYXTH $BB:GK9VZF"
check "and vmA's guest sees GDYXTH again" equals $? 0
# a guest that goes away while an attach is in flight: vmB's QEMU is
# stopped (SIGSTOP), so libvirt's device_add waits; vmB is destroyed meanwhile.
bbv f0 detach GTH4R8
QB=$(cat /run/libvirt/qemu/vmB.pid)
adds() { grep -c '"execute":"device_add"' "$LV/qmp.log" 2>/dev/null; }
n_adds=$(adds)
kill -STOP "$QB"
LD_PRELOAD=$BBEMU_PRELOAD timeout -k 3 60 "$BBVIRT" -C "$T/vm.conf" -t 20 -v \
    --log-file "$T/f1.log" attach GTH4R8 >"$T/f1.out" 2>"$T/f1.err" &
AP=$!
attaching() { [ "$(adds)" -gt "$n_adds" ]; }   # libvirt sent device_add to vmB
wait_for attaching
check "the attach is in flight (libvirt sent device_add to the stopped QEMU)" equals $? 0
V destroy vmB >/dev/null 2>&1
t0=$(date +%s)
wait "$AP"
arc=$?
check "attach to a guest destroyed meanwhile: a libvirt error (exit $arc: 2 or 3), at once" \
    test \( "$arc" = 2 -o "$arc" = 3 \) -a $(($(date +%s) - t0)) -le 10
check "libvirtd still answers, vmB shut off" sh -c "virsh -c qemu:///system domstate vmB | grep -q 'shut off'"

# ==== 7. the by-port path ==================================================
LD_PRELOAD=$BBEMU_PRELOAD "$BBVIRT" -C "$T/vm.conf" qemu-args GTH4R8 >"$T/qargs.xml"
domain_xml vmC qemu-xhci "" "$(cat "$T/qargs.xml")" >"$T/vmC.xml"
V define "$T/vmC.xml" >/dev/null && V start vmC >"$T/startC.out" 2>&1
check "a domain with bbvirt qemu-args' block starts" equals $? 0 || cat "$T/startC.out"
guest_sees vmC "$BB:GTH4R8"
check "its guest sees GTH4R8, passed by host port 5-2.3" equals $? 0 || console_tail vmC
bbv chk check vmC
check "bbvirt check accepts its XHCI controller (exit 0)" rc_is chk 0
domain_xml vmD piix3-uhci "" >"$T/vmD.xml"
V define "$T/vmD.xml" >/dev/null
bbv chk11 check vmD
check "a USB 1.1-only domain is warned about (exit 5, names piix3-uhci)" \
    sh -c "[ \$(cat '$T/chk11.rc') = 5 ] && grep -q piix3-uhci '$T/chk11.out'"

# ==== 8. virtio-rng from the host's seedd (EGD), no passthrough ============
# The host's seedd (vm.conf leaves it HSTRNG) serves its EGD socket; a guest
# whose virtio-rng is QEMU's rng-egd on that socket reads /dev/hwrng.  Every
# byte seedd sends an EGD client is teed (SEEDD_TEST_EGD_TEE): the guest's
# bytes must be a run of them, in order (the guest kernel takes the first
# ones itself; rng_core.default_quality=0 keeps its hwrng thread from taking
# more meanwhile).  First QEMU alone, then libvirt with the <rng> that
# bbvirt rng attach writes into the definition.
EGDS=$T/egd/seedd.sock
HWARGS="rng_core.default_quality=0 bbvm.hwrng=4096"
LD_PRELOAD=$BBEMU_PRELOAD SEEDD_TEST_EGD_TEE=$T/egd.tee "$SEEDD" --vm-conf "$T/vm.conf" -c none \
    --egd-out="unix:$EGDS" -v >"$T/egd.out" 2>"$T/egd.err" &
EGDPID=$!
egd_ready() { grep -q 'HSTRNG: streaming' "$T/egd.err" && [ -S "$EGDS" ]; }
wait_for egd_ready
check "host seedd --egd-out: serving, on HSTRNG" equals $? 0 || sed 's/^/#   /' "$T/egd.err"
# hw_ok CONSOLE: the guest's hwrng report is complete
hw_done() { tr -d '\r' <"$1" 2>/dev/null | grep -q '^HWRNG END '; }
# hw_check NAME CONSOLE: the guest's bytes, a run of what seedd served
hw_check() {
    tr -d '\r' <"$2" | sed -n 's/^HWRNG DATA //p' | tr -d '\n' >"$T/$1.hex"
    python3 - "$T/$1.hex" "$T/egd.tee" <<'PY'
import sys
g = bytes.fromhex(open(sys.argv[1]).read().strip())
t = open(sys.argv[2], "rb").read()
at = t.find(g) if g else -1
print("# guest bytes %d, served %d, found at %d" % (len(g), len(t), at))
sys.exit(0 if len(g) == 4096 and at >= 0 else 1)
PY
}
t0=$(now_ms)
"$WRAP" -M pc -accel tcg -m 256 -nodefaults -display none -no-reboot \
    -kernel "$KM/vmlinuz" -initrd "$T/initrd.cpio" \
    -append "console=ttyS0 quiet loglevel=3 rdinit=/init panic=-1 $HWARGS" \
    -serial "file:$T/vmq.console" -chardev "socket,id=egd,path=$EGDS" \
    -object rng-egd,id=rng0,chardev=egd -device virtio-rng-pci,rng=rng0 \
    >"$T/vmq.out" 2>&1 &
QPID=$!
WAIT_TRIES=${VM_WAIT_TRIES:-2400} wait_for hw_done "$T/vmq.console"
check "QEMU rng-egd guest: the kernel's hwrng is virtio_rng" \
    sh -c "tr -d '\r' <'$T/vmq.console' | grep -q '^HWRNG virtio_rng'" || console_tail vmq
echo "# BENCH vm_egd_boot_to_4k_hwrng_ms $(($(now_ms) - t0)) (QEMU start -> 4096 bytes read from /dev/hwrng; TCG)"
hw_check vmq "$T/vmq.console"
check "QEMU rng-egd guest: its 4096 /dev/hwrng bytes are bytes seedd served, in order" equals $? 0
kill "$QPID" && wait "$QPID" 2>/dev/null
QPID=""

domain_xml vmE qemu-xhci "" "" "$HWARGS" >"$T/vmE.xml"
V define "$T/vmE.xml" >/dev/null
bbv rngA rng attach vmE --socket "$EGDS"
check "bbvirt rng attach vmE (stopped: the definition): exit 0" rc_is rngA 0 || cat "$T/rngA.err"
check "vmE's definition has the egd rng on seedd's socket" \
    sh -c "virsh -c qemu:///system dumpxml --inactive vmE | grep -q \"<source mode='connect' path='$EGDS'\""
: >"$T/vmE.console"
V start vmE >"$T/startE.out" 2>&1
check "vmE starts with it" equals $? 0 || cat "$T/startE.out"
WAIT_TRIES=${VM_WAIT_TRIES:-2400} wait_for hw_done "$T/vmE.console"
check "libvirt guest: the kernel's hwrng is virtio_rng" \
    sh -c "tr -d '\r' <'$T/vmE.console' | grep -q '^HWRNG virtio_rng'" || console_tail vmE
hw_check vmE "$T/vmE.console"
check "libvirt guest: its 4096 /dev/hwrng bytes are bytes seedd served, in order" equals $? 0
V destroy vmE >/dev/null 2>&1
kill "$EGDPID" && wait "$EGDPID"
check "host seedd --egd-out: exit 0 on SIGTERM" equals $? 0
EGDPID=""

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
