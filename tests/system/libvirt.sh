#!/bin/sh
# bbvirt against a real libvirtd and real QEMU (TCG), with emulated devices.
#
# The test runs in a private mount namespace with its own /etc/libvirt,
# /run/libvirt, /var/lib/libvirt and /var/log/libvirt (libvirtd and virtlogd
# started by hand, no systemd), so nothing of the host's libvirt is seen or
# touched; QEMU's capability probe is cached under the build directory.
# Domains run SeaBIOS with no disk: enough to be "running".
#
# What a host without a USB subsystem lets us prove (see
# shared/research/virt-testing.md): a live hostdev attach reaches libvirt
# with the right address and libvirt's refusal is surfaced with exit 3, the
# persistent definition stays clean; status reads real live XML (a device
# passed by port through qemu:commandline shows as attached); the qemu hook,
# installed in libvirt's hooks directory, is run by libvirtd when a domain
# starts and attaches exactly that domain's devices; detach after an unplug
# goes by the last address and finds nothing to detach; the XML bbvirt
# generates is accepted by libvirt; check finds USB 1.1 controllers and its
# XHCI suggestion is accepted; a stopped or unknown domain and a stopped
# libvirtd are clear errors with their exit codes.  The same for a device
# other than a BitBabbler (USB0001, presented by bbemu as 1d6b:0104), named
# in vm.conf as DOMAIN_USB_bbtest=( 1d6b:0104:USB0001 ): the hook tries it,
# a hand attach surfaces libvirt's refusal, status shows it (not the host
# seedd's), the installed remove rule's detach finds it by the last address;
# seedd never claims it (its wire log has no claim).
. "$SRC/tests/system/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (libvirtd with qemu:///system)"
    exit 77
fi
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare; do
    if ! command -v $p >/dev/null; then
        echo "SKIP: $p is not installed (scripts/deps.sh installs it)"
        exit 77
    fi
done

if [ -z "${BB_LIBVIRT_NS:-}" ]; then
    # Re-run in a private mount namespace; the outer trap still cleans $T.
    BB_LIBVIRT_NS=1 BB_T=$T timeout -k 5 240 unshare -m --propagation private sh "$0"
    exit $?
fi

rmdir "$T"   # lib.sh made a fresh one in here; the outer one is ours
T=$BB_T
BBVIRT=$BUILD/bbvirt
CACHE=$BUILD/libvirt-cache
LV=$T/lv
mkdir -p "$LV/etc/hooks" "$LV/run" "$LV/lib" "$LV/log" "$CACHE"
for m in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt \
         cache:/var/cache/libvirt; do
    src=$LV/${m%%:*}
    [ "${m%%:*}" = cache ] && src=$CACHE
    mkdir -p "${m#*:}"
    mount --bind "$src" "${m#*:}" || { echo "not ok - cannot bind ${m#*:}"; exit 1; }
done
printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' >/etc/libvirt/qemu.conf
# libvirtd resolves its built-in default QEMU user before reading qemu.conf.
getent passwd libvirt-qemu >/dev/null ||
    useradd -r -U -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

stop_libvirt() {
    for d in $(virsh -c qemu:///system list --name 2>/dev/null); do
        virsh -c qemu:///system destroy "$d" >/dev/null 2>&1
    done
    for f in /run/libvirt/qemu/*.pid; do
        [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    for f in "$LV/libvirtd.pid" "$LV/virtlogd.pid" "$LV/bbemu.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    # bbemu is our child: wait until it has removed its test bed.
    [ -f "$LV/bbemu.pid" ] && wait "$(cat "$LV/bbemu.pid")" 2>/dev/null
    # The hook's worker, if it is still waiting for libvirt.
    pkill -f -- "-C $T/vm.conf" 2>/dev/null
    return 0
}
trap 'stop_libvirt; rm -rf "$T"' EXIT

# The emulated devices, as a background session whose environment the
# bbvirt runs below (and the hook) use.
mkdir "$T/w"
"$BBEMU" --wire-log "$T/w" --device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 \
    --device GTH4R8@5-2.3,dev=7 --device USB0001@4-1,dev=3,vid=1d6b,pid=0104,product=Gadget \
    >"$T/emu.env" 2>"$T/emu.err" &
echo $! >"$LV/bbemu.pid"
emu_up() { grep -q '^BBEMU_CONTROL=' "$T/emu.env" 2>/dev/null; }
wait_for emu_up || { echo "not ok - bbemu did not start"; exit 1; }
UMOCKDEV_DIR=$(sed -n 's/^UMOCKDEV_DIR=//p' "$T/emu.env")
CTL=$(sed -n 's/^BBEMU_CONTROL=//p' "$T/emu.env")
export UMOCKDEV_DIR
PRELOAD=libumockdev-preload.so.0

cat >"$T/vm.conf" <<'EOF'
DOMAIN_RNG_bbtest=( GK9VZF GDYXTH )
DOMAIN_NAME_two="bb test two"
DOMAIN_RNG_two=( GTH4R8 )
DOMAIN_RNG_ghost=( ABCD1234 )
DOMAIN_USB_bbtest=( 1d6b:0104:USB0001 )   # not a BitBabbler
EOF
# The installed rules run bbvirt for devices other than BitBabblers only
# when bbvirt's default vm.conf exists: a copy there (a tmpfs, this mount
# namespace only).
VMCONF_PATH=$("$BBVIRT" --help | sed -n 's/.*(default \(.*\/vm\.conf\);.*/\1/p')
ETC=$(dirname "$(dirname "$VMCONF_PATH")")
{ [ -n "$VMCONF_PATH" ] && [ -d "$ETC" ] && mount -t tmpfs tmpfs "$ETC" &&
  mkdir -p "$(dirname "$VMCONF_PATH")" && cp "$T/vm.conf" "$VMCONF_PATH"; } ||
    { echo "not ok - cannot put vm.conf at bbvirt's default path '$VMCONF_PATH'"; exit 1; }

# bbv NAME ARGS...: bbvirt with the emulated devices; NAME.out/.err/.rc.
bbv() {
    n=$1
    shift
    LD_PRELOAD=$PRELOAD timeout -k 3 60 "$BBVIRT" -C "$T/vm.conf" "$@" >"$T/$n.out" 2>"$T/$n.err"
    echo $? >"$T/$n.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }

domain_xml() { # NAME CONTROLLER-XML EXTRA-DEVICES QEMU-COMMANDLINE
    cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$1</name>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    $2
    $3
    <memballoon model='none'/>
  </devices>
  $4
</domain>
EOF
}

# ---- the hook: libvirtd runs it when bbtest starts ----
cat >/etc/libvirt/hooks/qemu <<EOF
#!/bin/sh
echo "\$*" >>"$T/hook.calls"
LD_PRELOAD=$PRELOAD UMOCKDEV_DIR=$UMOCKDEV_DIR \
    exec "$BBVIRT" -C "$T/vm.conf" --log-file "$T/hook.log" -t 10 qemu-hook "\$@"
EOF
chmod +x /etc/libvirt/hooks/qemu

# libvirtd looks for hooks when it starts.
virtlogd -d -p "$LV/virtlogd.pid"
libvirtd -d -p "$LV/libvirtd.pid"
libvirt_up() { virsh -c qemu:///system version >/dev/null 2>&1; }
WAIT_TRIES=1200 wait_for libvirt_up || { echo "not ok - libvirtd did not come up"; exit 1; }
ok "libvirtd up"


domain_xml bbtest "<controller type='usb' model='qemu-xhci'/>" "" "" >"$T/bbtest.xml"
virsh -c qemu:///system define "$T/bbtest.xml" >/dev/null
check "bbtest defined" equals $? 0
virsh -c qemu:///system start bbtest >"$T/start.out" 2>&1
check "bbtest starts (with the hook installed)" equals $? 0
check "libvirtd ran the hook for 'started'" grep -q "^bbtest started begin" "$T/hook.calls"
hook_done() { grep -q "qemu hook: done for 'bbtest'" "$T/hook.log" 2>/dev/null; }
check "the hook's worker finished" wait_for hook_done
check "hook: attach of GK9VZF at its current address was tried" \
    grep -q "attach Serial 'GK9VZF' (Bus:Device 003:006) to 'bbtest'" "$T/hook.log"
check "hook: attach of GDYXTH too" grep -q "attach Serial 'GDYXTH' (Bus:Device 005:002) to 'bbtest'" "$T/hook.log"
check "hook: attach of 1d6b:0104:USB0001 (not a BitBabbler, by VID:PID:SERIAL) too" \
    grep -q "attach Device 1d6b:0104:USB0001 (Bus:Device 004:003) to 'bbtest'" "$T/hook.log"
check "hook: nothing for the other domain's device" sh -c "! grep -q GTH4R8 '$T/hook.log'"
check "hook: libvirt's refusal logged (no USB on this host)" grep -q "failed: attaching to 'bbtest'" "$T/hook.log"
check "hook: the domain kept running" sh -c "virsh -c qemu:///system domstate bbtest | grep -q running"

# ---- attach by hand: libvirt's error surfaced, exit 3, config clean ----
bbv attach attach GK9VZF
check "live attach on a host without USB: exit 3" rc_is attach 3
check "live attach: libvirt's error surfaced in one line" \
    sh -c "[ \$(wc -l <'$T/attach.err') = 1 ] && grep -q \"^bbvirt: attach Serial 'GK9VZF' (Bus:Device 003:006) to 'bbtest' failed: attaching to 'bbtest': \" '$T/attach.err'"
virsh -c qemu:///system dumpxml --inactive bbtest >"$T/inactive.xml"
check "the persistent definition has no hostdev" sh -c "! grep -q hostdev '$T/inactive.xml'"
virsh -c qemu:///system dumpxml bbtest >"$T/live.xml"
check "nor has the live one" sh -c "! grep -q hostdev '$T/live.xml'"
bbv uattach attach 1d6b:0104:USB0001
check "live attach of 1d6b:0104:USB0001: libvirt's refusal, exit 3" \
    sh -c "[ \$(cat '$T/uattach.rc') = 3 ] && grep -q \"^bbvirt: attach Device 1d6b:0104:USB0001 (Bus:Device 004:003) to 'bbtest' failed: attaching to 'bbtest': \" '$T/uattach.err'"

# ---- a second domain that has GTH4R8 by port (qemu:commandline) ----
LD_PRELOAD=$PRELOAD "$BBVIRT" -C "$T/vm.conf" qemu-args GTH4R8 >"$T/qargs.xml"
domain_xml "bb test two" "<controller type='usb' model='qemu-xhci'/>" "" "$(cat "$T/qargs.xml")" \
    >"$T/two.xml"
virsh -c qemu:///system define "$T/two.xml" >/dev/null
check "libvirt accepts the generated qemu:commandline" equals $? 0
virsh -c qemu:///system start "bb test two" >"$T/start2.out" 2>&1
check "and QEMU starts with it (usb-host by port, JSON syntax)" equals $? 0
virsh -c qemu:///system dumpxml --inactive "bb test two" >"$T/two-inactive.xml"
check "the qemu:commandline round-trips" grep -q 'hostport&quot;:&quot;2.3' "$T/two-inactive.xml"

bbv status status
check "status: exit 0" rc_is status 0
row() { grep "^$1 " "$T/status.out" | tr -s ' '; }
check "status: GK9VZF assigned to bbtest, not attached, not for seedd" \
    test "$(row GK9VZF)" = "GK9VZF 003:006 3-2 bbtest - no (guest)"
check "status: GDYXTH" test "$(row GDYXTH)" = "GDYXTH 005:002 5-4 bbtest - no (guest)"
check "status: GTH4R8 attached (by port) to the running 'bb test two'" \
    sh -c "grep '^GTH4R8 ' '$T/status.out' | grep -q '005:007 *5-2.3 *bb test two *bb test two *no (guest)'"
check "status: an assigned but absent serial" \
    sh -c "grep '^ABCD1234 ' '$T/status.out' | grep -q '(absent)'"
check "status: 1d6b:0104:USB0001 assigned to bbtest, never the host seedd's" \
    test "$(row 1d6b:0104:USB0001)" = "1d6b:0104:USB0001 004:003 4-1 bbtest - no (not BB)"
check "status: 5 rows and a header" test "$(wc -l <"$T/status.out")" -eq 6

bbv busy -D bbtest attach GTH4R8
check "attach of a device another running domain has: exit 2" rc_is busy 2
check "and it says which domain" grep -q "attached to 'bb test two'" "$T/busy.err"

# ---- detach after an unplug, as udev does it ----
# The command our remove rule gives for GK9VZF, from udevadm evaluating the
# shipped rules on the emulated device (before it goes).
mkdir -p "$T/rules"
cp "$BUILD/data/60-bit-babbler.rules" "$T/rules/"
mount --bind "$T/rules" /etc/udev/rules.d
LD_PRELOAD=$PRELOAD udevadm test --action=remove /sys/bus/usb/devices/3-2 >"$T/udev-rm.out" 2>&1
rmcmd=$(sed -n "s|^run: '.*/bbvirt \(.* detach .*\)'$|\1|p" "$T/udev-rm.out")
check "udev's remove rule gives a detach command" test -n "$rmcmd"
echo "unplug GK9VZF" >"$CTL"
unplugged() { ! LD_PRELOAD=$PRELOAD "$SEEDD" -s | grep -q GK9VZF; }
wait_for unplugged
check "the remove rule logs to syslog" sh -c "echo '$rmcmd' | grep -q -- '^--syslog '"
# Run it as udev would, logging to a file instead of syslog.
# shellcheck disable=SC2086
bbv detach --log-file "$T/detach.log" ${rmcmd#--syslog }
check "detach on unplug: exit 0 (it was never attached here)" rc_is detach 0
check "detach on unplug: resolved to bbtest by serial, at its last address" \
    grep -q "Serial 'GK9VZF' (Bus:Device 003:006) is not attached to 'bbtest'" "$T/detach.log"
# The same for 1d6b:0104:USB0001: the generic remove rule, from the event's
# own ID_VENDOR_ID/ID_MODEL_ID (not the BitBabbler's).
LD_PRELOAD=$PRELOAD udevadm test --action=remove /sys/bus/usb/devices/4-1 >"$T/udev-urm.out" 2>&1
urmcmd=$(sed -n "s|^run: '.*/bbvirt \(.* detach .*\)'$|\1|p" "$T/udev-urm.out")
check "udev's remove rule gives 'detach 1d6b:0104:USB0001' at its address" \
    sh -c "echo '$urmcmd' | grep -q -- '^--syslog .*detach 1d6b:0104:USB0001 --busnum 004 --devnum 003\$'"
echo "unplug USB0001" >"$CTL"
ugone() { [ ! -e "$UMOCKDEV_DIR/sys/bus/usb/devices/4-1" ]; }
wait_for ugone
# shellcheck disable=SC2086
bbv udetach --log-file "$T/udetach.log" ${urmcmd#--syslog }
check "detach of 1d6b:0104:USB0001 on unplug: exit 0 (never attached here)" rc_is udetach 0
check "... resolved to bbtest by VID:PID:SERIAL, at its last address" \
    grep -q "Device 1d6b:0104:USB0001 (Bus:Device 004:003) is not attached to 'bbtest'" \
    "$T/udetach.log"

# ---- seedd never claims the device that is not a BitBabbler ----
echo "plug USB0001" >"$CTL"
uback() { [ -e "$UMOCKDEV_DIR/sys/bus/usb/devices/4-1/devnum" ]; }
wait_for uback
LD_PRELOAD=$PRELOAD "$SEEDD" -s >"$T/seedd-s.out" 2>&1
check "seedd -s: the BitBabblers, not USB0001" \
    sh -c "grep -q GDYXTH '$T/seedd-s.out' && ! grep -q USB0001 '$T/seedd-s.out'"
LD_PRELOAD=$PRELOAD timeout 60 "$SEEDD" --vm-conf none -b 64k --no-qa -f 0 -v >"$T/seedd.bin" 2>"$T/seedd.err"
check "seedd --vm-conf none -b 64k (every device it finds): exit 0" equals $? 0
check "seedd claimed a BitBabbler (GDYXTH)" grep -q "^claim" "$T/w/GDYXTH.wire"
check "seedd never claimed USB0001 (1d6b:0104)" sh -c "! grep -q '^claim' '$T/w/USB0001.wire'"

# ---- generated XML accepted by libvirt ----
hd_addr=$(LD_PRELOAD=$PRELOAD "$BBVIRT" -C "$T/vm.conf" xml GDYXTH)
hd_any=$("$BBVIRT" -C "$T/vm.conf" xml --by-vid-pid)
domain_xml gen "<controller type='usb' model='piix3-uhci'/>" "$hd_addr $hd_any" "" >"$T/gen.xml"
virsh -c qemu:///system define "$T/gen.xml" >/dev/null 2>"$T/gen.err"
check "libvirt accepts a domain with the generated hostdevs" equals $? 0
virsh -c qemu:///system dumpxml --inactive gen >"$T/gen-inactive.xml"
check "both hostdevs kept" test "$(grep -c '<hostdev' "$T/gen-inactive.xml")" -eq 2

# ---- check ----
bbv check_slow check gen
check "check on a USB 1.1 domain: exit 5" rc_is check_slow 5
check "check names the slow controller" grep -q "piix3-uhci" "$T/check_slow.out"
sed -n "/^<controller/,/^<\/controller>/p" "$T/check_slow.out" >"$T/xhci.xml"
check "check prints an XHCI controller" grep -q "model='qemu-xhci'" "$T/xhci.xml"
sed "/<controller type='usb'/d" "$T/gen.xml" | sed "s|<memballoon|$(tr -d '\n' <"$T/xhci.xml")<memballoon|" \
    | sed 's/<name>gen</<name>gen2</' >"$T/gen2.xml"
virsh -c qemu:///system define "$T/gen2.xml" >/dev/null 2>"$T/gen2.err"
check "libvirt accepts the suggested controller at its slot" equals $? 0
bbv check_fast check bbtest
check "check on a qemu-xhci domain: exit 0" rc_is check_fast 0

# ---- stopped and unknown domains, libvirtd down ----
virsh -c qemu:///system destroy bbtest >/dev/null
bbv stopped attach GDYXTH
check "attach to a stopped domain: exit 2" rc_is stopped 2
check "attach to a stopped domain: says so" grep -q "'bbtest' is not running" "$T/stopped.err"
bbv unknown -D nosuchdomain attach GDYXTH
check "attach to an unknown domain: exit 2" rc_is unknown 2
check "unknown domain named" grep -q "no libvirt domain 'nosuchdomain'" "$T/unknown.err"

kill "$(cat "$LV/libvirtd.pid")"
libvirt_gone() { ! kill -0 "$(cat "$LV/libvirtd.pid")" 2>/dev/null; }
wait_for libvirt_gone
t0=$(date +%s)
bbv down -t 3 attach GDYXTH
t1=$(date +%s)
check "libvirtd stopped: exit 4" rc_is down 4
check "libvirtd stopped: one clear message" \
    sh -c "[ \$(wc -l <'$T/down.err') = 1 ] && grep -q 'libvirt' '$T/down.err'"
check "libvirtd stopped: within the timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 5

finish
