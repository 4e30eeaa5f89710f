#!/bin/sh
# bbvirt without a libvirt daemon, under bbemu with the user's three devices
# (GK9VZF 3-2 dev 6, GDYXTH 5-4 dev 2, GTH4R8 5-2.3 dev 7): dry runs for
# every device ID form, the generated XML (schema-valid), qemu args, udev
# rules and cgroup ACL, the shipped udev rules evaluated by udevadm, vm.conf
# errors and hostile input, bad input and exit codes, and a libvirt that is
# absent or accepts connections and never answers.
. "$SRC/tests/system/lib.sh"

BBVIRT=$BUILD/bbvirt
HANGSOCK=$BUILD/tests/system/hangsock
DEVS="--device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 --device GTH4R8@5-2.3,dev=7"

cat >"$T/vm.conf" <<'EOF'
# two guests
DOMAIN_RNG_vm1=( GK9VZF   # the first
                 GDYXTH )
DOMAIN_NAME_web="web server"
DOMAIN_URI_web='qemu:///session'
DOMAIN_RNG_web=( GTH4R8 )
EOF

: >"$T/empty.conf"

# Everything that needs the emulated devices runs in one bbemu session:
# run NAME ARGS... leaves NAME.out, NAME.err and NAME.rc in $T.
cat >"$T/steps.sh" <<EOF
run() { n=\$1; shift; "$BBVIRT" -C "$T/vm.conf" "\$@" >"$T/\$n.out" 2>"$T/\$n.err"; echo \$? >"$T/\$n.rc"; }
run dry_serial -n attach GK9VZF
run dry_busdev -n attach 5:7
run dry_port -n detach 5-4
run dry_unassigned -n attach GTH4R8 -C "$T/empty.conf"
run dry_all -n attach-all
run dry_all_web -n detach-all "web server"
run xml_dev xml 5-2.3
run xml_vidpid xml --by-vid-pid
run qemu_args qemu-args GK9VZF 5-2.3
run qemu_args_all qemu-args
run udev_rules udev-rules --group kvm
run cgroup cgroup-acl
run cgroup_args cgroup-acl ABC123
run bad_id -n attach 3:
run bad_id2 -n attach 200:1
run no_dev -n attach NOSUCH1
run no_dev2 -n attach 4:9
run conflict -n attach GK9VZF -b 3 -d 7
run xml_missing xml NOSUCH1
echo "unplug GK9VZF" >"\$BBEMU_CONTROL"
i=0; while "$SEEDD" -s | grep -q GK9VZF; do i=\$((i+1)); [ \$i -gt 600 ] && exit 3; sleep 0.05; done
run gone_no_addr -n detach GK9VZF
run gone_addr -n detach GK9VZF --busnum 003 --devnum 006
echo done >"$T/steps.done"
EOF
emu $DEVS -- sh "$T/steps.sh"
rs=$?
# Every step of the session ran (each left its .rc), the unplug was seen
# (else exit 3) and the script reached its end, under a bbemu that exited 0.
every_step_ran() {
    for n in $(sed -n 's/^run \([a-z_0-9]*\) .*/\1/p' "$T/steps.sh"); do
        [ -s "$T/$n.rc" ] || return 1
    done
}
check "bbemu session ran to its end (exit status $rs), the unplug seen" \
    sh -c "[ $rs = 0 ] && [ -s '$T/steps.done' ]"
check "bbemu session: every step ($(grep -c '^run ' "$T/steps.sh")) left its exit status" \
    every_step_ran

rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
out_is() { printf '%s' "$2" | cmp -s - "$T/$1.out"; }
empty_out() { [ ! -s "$T/$1.out" ]; }
one_line_err() { [ "$(wc -l <"$T/$1.err")" -eq 1 ] && grep -q "^bbvirt: " "$T/$1.err"; }

hostdev() {
    printf "<hostdev mode='subsystem' type='usb' managed='yes'>\n  <source>\n    <address bus='%s' device='%s'/>\n  </source>\n</hostdev>\n" "$1" "$2"
}
NL='
'
exp="# attach Serial 'GK9VZF' (Bus:Device 003:006) to domain 'vm1' at the default libvirt URI:
# virDomainAttachDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), as: virsh attach-device 'vm1' FILE --live
$(hostdev 3 6)$NL"
check "-n attach SERIAL: exit 0" rc_is dry_serial 0
check "-n attach SERIAL: the call and the XML" out_is dry_serial "$exp"
exp="# attach Serial 'GTH4R8' (Bus:Device 005:007) to domain 'web server' at qemu:///session:
# virDomainAttachDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), as: virsh -c qemu:///session attach-device 'web server' FILE --live
$(hostdev 5 7)$NL"
check "-n attach BUS:DEV: resolved to its serial, domain name and URI" out_is dry_busdev "$exp"
exp="# detach Serial 'GDYXTH' (Bus:Device 005:002) from domain 'vm1' at the default libvirt URI:
# virDomainDetachDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), as: virsh detach-device 'vm1' FILE --live
$(hostdev 5 2)$NL"
check "-n detach BUS-PORT: resolved" out_is dry_port "$exp"
check "-n attach of an unassigned device: exit 0" rc_is dry_unassigned 0
check "-n attach of an unassigned device: nothing to do" empty_out dry_unassigned
check "-n attach of an unassigned device: says so" contains "$T/dry_unassigned.err" "not assigned to any domain"
check "-n attach-all: both vm1 devices and the web device" \
    test "$(grep -c '^# attach Serial' "$T/dry_all.out")" -eq 3
check "-n detach-all 'web server' (by libvirt name): one device" \
    test "$(grep -c "^# detach Serial 'GTH4R8'" "$T/dry_all_web.out")" -eq 1

check "xml DEVICE" out_is xml_dev "$(hostdev 5 7)$NL"
check "xml --by-vid-pid" contains "$T/xml_vidpid.out" "<vendor id='0x0403'/>"
check "qemu-args: two devices by port, JSON syntax" \
    sh -c "grep -q '\"hostbus\":3,\"hostport\":\"2\"' '$T/qemu_args.out' && grep -q '\"hostbus\":5,\"hostport\":\"2.3\"' '$T/qemu_args.out' && ! grep -q 'hostport\":\"4\"' '$T/qemu_args.out'"
check "qemu-args with no DEVICE: all three" test "$(grep -c 'usb-host' "$T/qemu_args_all.out")" -eq 3
check "qemu-args: the xmlns:qemu note" contains "$T/qemu_args.out" "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"
check "udev-rules: one rule per vm.conf serial" test "$(grep -c '^ACTION==' "$T/udev_rules.out")" -eq 3
check "udev-rules: --group" contains "$T/udev_rules.out" 'ATTR{serial}=="GTH4R8", GROUP="kvm"'
check "cgroup-acl: vm.conf serials after libvirt's defaults" \
    sh -c "grep -q '\"/dev/kvm\"' '$T/cgroup.out' && grep -q '\"/dev/bitbabbler/GDYXTH\"' '$T/cgroup.out'"
check "cgroup-acl SERIAL" sh -c "grep -q 'bitbabbler/ABC123' '$T/cgroup_args.out' && ! grep -q GK9VZF '$T/cgroup_args.out'"

for n in bad_id bad_id2; do
    check "$n: exit 1, one line, no output" sh -c "[ \$(cat $T/$n.rc) = 1 ] && [ ! -s $T/$n.out ]"
    check "$n: one clear line" one_line_err $n
done
check "bad ID names the ID" contains "$T/bad_id.err" "'3:'"
for n in no_dev no_dev2 xml_missing; do
    check "$n: exit 2, nothing on stdout" sh -c "[ \$(cat $T/$n.rc) = 2 ] && [ ! -s $T/$n.out ]"
    check "$n: one clear line" one_line_err $n
done
check "unknown serial named" contains "$T/no_dev.err" "Serial 'NOSUCH1'"
check "-b/-d conflicting with the device: exit 1" rc_is conflict 1
check "-b/-d conflict explained" contains "$T/conflict.err" "003:006"

check "unplugged device without -b/-d: exit 2" rc_is gone_no_addr 2
check "unplugged device with udev's BUSNUM/DEVNUM: planned detach" rc_is gone_addr 0
check "unplugged device: detach names its last address" \
    contains "$T/gone_addr.out" "<address bus='3' device='6'/>"

# ---- generated XML is valid libvirt domain XML ----
dom_with() {
    printf "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n<name>t</name><memory>65536</memory>\n<os><type arch='x86_64' machine='pc'>hvm</type></os>\n<devices>\n"
    cat "$1"
    printf "</devices>\n"
    cat "$2"
    printf "</domain>\n"
}
: >"$T/none"
dom_with "$T/xml_dev.out" "$T/none" >"$T/d1.xml"
dom_with "$T/xml_vidpid.out" "$T/qemu_args.out" >"$T/d2.xml"
validates() { virt-xml-validate "$1" domain >/dev/null 2>&1; }
check "hostdev XML validates (virt-xml-validate)" validates "$T/d1.xml"
check "vid/pid hostdev + qemu:commandline validate" validates "$T/d2.xml"
sed "s/type='usb'/type='bogus'/" "$T/d1.xml" >"$T/bad.xml"
check "the validator does reject a broken hostdev" sh -c "! virt-xml-validate '$T/bad.xml' domain >/dev/null 2>&1"

# ---- the shipped udev rules, evaluated by udevadm against the emulated
# device, in a private mount namespace (our rules as the only local rules,
# a libvirt socket present) ----
mkdir -p "$T/rules" "$T/lvrun"
cp "$BUILD/data/60-bit-babbler.rules" "$T/rules/"
"$BBVIRT" -C "$T/vm.conf" udev-rules GK9VZF >"$T/rules/70-gen.rules" 2>/dev/null
: >"$T/lvrun/libvirt-sock"
cat >"$T/udev.sh" <<EOF
mount --make-rprivate / && mount --bind "$T/rules" /etc/udev/rules.d &&
mkdir -p /run/libvirt && mount --bind "$T/lvrun" /run/libvirt || exit 3
"$BBEMU" --device GK9VZF@3-2,dev=6 -- udevadm test --action=add /sys/bus/usb/devices/3-2 >"$T/udev.out" 2>&1 &&
"$BBEMU" --device GK9VZF@3-2,dev=6 -- udevadm test --action=remove /sys/bus/usb/devices/3-2 >"$T/udev-rm.out" 2>&1
EOF
if command -v udevadm >/dev/null && unshare -m true 2>/dev/null; then
    timeout -k 3 60 unshare -m sh "$T/udev.sh"
    check "udevadm test ran" equals $? 0
    check "rules parse: no errors about our files" sh -c "! grep -E '60-bit-babbler|70-gen' '$T/udev.out' | grep -qiE 'invalid|error|unknown key'"
    check "rules: bbvirt attach with the device's serial, bus and devnum" \
        grep -q "bbvirt --syslog --timeout 3 attach GK9VZF --busnum 3 --devnum 6" "$T/udev.out"
    check "rules: bbvirt detach on remove, with udev's serial, BUSNUM and DEVNUM" \
        grep -q "run: '.*/bbvirt --syslog --timeout 3 detach GK9VZF --busnum 003 --devnum 006'" "$T/udev-rm.out"
    check "rules: bitbabbler/<serial> symlink" grep -q "bitbabbler/GK9VZF" "$T/udev.out"
    check "rules: group and mode" sh -c "grep -E 'bit-babbler|kvm|libvirt-qemu' '$T/udev.out' | grep -qi group && grep -q '0660' '$T/udev.out'"
elif ! command -v udevadm >/dev/null; then
    skip_check "the shipped udev rules evaluated by udevadm (6 checks)" \
        "udevadm is not installed (scripts/deps.sh installs udev)"
else
    skip_check "the shipped udev rules evaluated by udevadm (6 checks)" \
        "cannot make a private mount namespace (unshare -m; needs root)"
fi

# ---- any USB device by VID:PID:SERIAL (vm.conf's DOMAIN_USB_<id>) ----
# GK9VZF (a BitBabbler), USB0001 (1d6b:0104, in vm.conf) and USB0002
# (1d6b:0104, in no entry), both presented by bbemu with another identity.
OTHER="--device USB0001@5-1,dev=3,vid=1d6b,pid=0104,manufacturer=Linux_Foundation,product=Gadget --device USB0002@5-2,dev=4,vid=1d6b,pid=0104"
cat >"$T/usb.conf" <<'EOF'
DOMAIN_RNG_vm1=( GK9VZF )
DOMAIN_USB_vm1=( 1d6b:0104:USB0001   # a token
                 1D6B:0104:GONE01 )
EOF
cat >"$T/usb.sh" <<EOF
run() { n=\$1; shift; "$BBVIRT" -C "$T/usb.conf" "\$@" >"$T/\$n.out" 2>"$T/\$n.err"; echo \$? >"$T/\$n.rc"; }
"$SEEDD" -s >"$T/u_scan.out" 2>&1; echo \$? >"$T/u_scan.rc"
"$SEEDD" --shell-mr >"$T/u_mr.out" 2>&1
"$SEEDD" -o -b 64k --no-qa -f 0 >"$T/u_data.bin" 2>"$T/u_data.err"; echo \$? >"$T/u_data.rc"
run u_dry -n attach 1d6b:0104:USB0001
run u_dry_bb -n attach 0403:7840:GK9VZF
run u_dry_all -n attach-all vm1
run u_unnamed -n attach 1d6b:0104:USB0002
run u_unnamed_v -n -v attach 1d6b:0104:USB0002
run u_bare -n attach USB0001
run u_absent -n attach 1d6b:0104:GONE01
run u_gone -n detach 1d6b:0104:GONE01 --busnum 005 --devnum 012
run u_xml xml 1d6b:0104:USB0001
run u_status -t 2 -c "qemu+unix:///system?socket=$T/nosock" status
echo done >"$T/usb.done"
EOF
emu --device GK9VZF@3-2,dev=6 $OTHER -- sh "$T/usb.sh"
check "non-BitBabbler session ran to its end" test -s "$T/usb.done"
check "seedd -s lists the BitBabbler only, not the two 1d6b:0104 devices" \
    sh -c "grep -q 'Have 1 device' '$T/u_scan.out' && grep -q GK9VZF '$T/u_scan.out' && ! grep -q USB000 '$T/u_scan.out'"
check "seedd --shell-mr: no 1d6b:0104 device" sh -c "! grep -q USB000 '$T/u_mr.out' && grep -q GK9VZF '$T/u_mr.out'"
"$BBEMU" --device GK9VZF --expect f:64k >"$T/u_want.bin"
check "seedd -o: exit 0, exactly GK9VZF's bytes (the other devices never claimed)" \
    sh -c "[ \$(cat '$T/u_data.rc') = 0 ] && cmp -s '$T/u_data.bin' '$T/u_want.bin'"
check "seedd -o: never opened the other devices" sh -c "! grep -q USB000 '$T/u_data.err'"
emu $OTHER -- "$SEEDD" -s >"$T/u_none.out" 2>&1
check "seedd -s with only non-BitBabblers: no devices" grep -q "No devices found" "$T/u_none.out"
exp="# attach Device 1d6b:0104:USB0001 (Bus:Device 005:003) to domain 'vm1' at the default libvirt URI:
# virDomainAttachDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), as: virsh attach-device 'vm1' FILE --live
$(hostdev 5 3)$NL"
check "-n attach VID:PID:SERIAL: exit 0" rc_is u_dry 0
check "-n attach VID:PID:SERIAL: the call and the XML by bus/device" out_is u_dry "$exp"
check "-n attach 0403:7840:SERIAL is the BitBabbler" \
    sh -c "grep -q \"^# attach Serial 'GK9VZF' (Bus:Device 003:006)\" '$T/u_dry_bb.out'"
check "-n attach-all vm1: GK9VZF and USB0001 (GONE01 absent, skipped)" \
    sh -c "[ \$(grep -c '^# attach ' '$T/u_dry_all.out') = 2 ] && grep -q 'Device 1d6b:0104:USB0001' '$T/u_dry_all.out'"
check "a device vm.conf does not name: exit 0, nothing, silent (udev runs us for every device)" \
    sh -c "[ \$(cat '$T/u_unnamed.rc') = 0 ] && [ ! -s '$T/u_unnamed.out' ] && [ ! -s '$T/u_unnamed.err' ]"
check "... and with -v it says so" contains "$T/u_unnamed_v.err" "1d6b:0104:USB0002 is not assigned"
check "a bare serial is a BitBabbler's: USB0001 alone is not found (exit 2)" rc_is u_bare 2
check "absent VID:PID:SERIAL without -b/-d: exit 2, named" \
    sh -c "[ \$(cat '$T/u_absent.rc') = 2 ] && grep -q 'no USB device with Device 1d6b:0104:GONE01' '$T/u_absent.err'"
check "unplugged VID:PID:SERIAL with udev's BUSNUM/DEVNUM: detach planned at that address" \
    sh -c "[ \$(cat '$T/u_gone.rc') = 0 ] && grep -q \"<address bus='5' device='12'/>\" '$T/u_gone.out'"
check "xml VID:PID:SERIAL" out_is u_xml "$(hostdev 5 3)$NL"
check "status: the named device with its address, domain and 'not BB'" \
    grep -qE '^1d6b:0104:USB0001 +005:003 +5-1 +vm1 +\? +no \(not BB\)$' "$T/u_status.out"
check "status: the absent named device" grep -qE '^1d6b:0104:GONE01 +- +\(absent\) +vm1 ' "$T/u_status.out"
check "status: the BitBabbler still 'no (guest)', the unnamed device not listed" \
    sh -c "grep -qE '^GK9VZF .*no \(guest\)$' '$T/u_status.out' && ! grep -q USB0002 '$T/u_status.out'"
printf 'DOMAIN_USB_x=( 1d6b:0104:OK1\n  1d6b:104:BAD )\n' >"$T/usb-bad.conf"
"$BBVIRT" -C "$T/usb-bad.conf" status >"$T/u_bad.out" 2>"$T/u_bad.err"
check "vm.conf: a bad VID:PID:SERIAL is exit 1 with file:line" \
    sh -c "[ $? = 1 ] && grep -q \"usb-bad.conf:2: '1d6b:104:BAD' is not a valid VID:PID:SERIAL\" '$T/u_bad.err'"

# The shipped rules for a non-BitBabbler, as udevadm evaluates them: with
# vm.conf (at the path the rules test, on a tmpfs in a private mount
# namespace) a bbvirt attach/detach by VID:PID:SERIAL; nothing else for it;
# without vm.conf no bbvirt at all.
# (bbvirt's default vm.conf, which the rules must test for)
VMCONF_PATH=$("$BBVIRT" --help | sed -n 's/.*(default \(.*\/vm\.conf\);.*/\1/p')
check "bbvirt --help names its default vm.conf" test -n "$VMCONF_PATH"
check "the shipped rules test for that vm.conf" \
    grep -qF "TEST!=\"$VMCONF_PATH\", GOTO=\"bit_babbler_end\"" "$BUILD/data/60-bit-babbler.rules"
ETC=$(dirname "$(dirname "$VMCONF_PATH")")
cat >"$T/udev-usb.sh" <<EOF
mount --make-rprivate / && mount --bind "$T/rules" /etc/udev/rules.d &&
mkdir -p /run/libvirt && mount --bind "$T/lvrun" /run/libvirt || exit 3
ut() { "$BBEMU" $OTHER -- udevadm test --action=\$1 /sys/bus/usb/devices/5-\$2 >"$T/udev-u\$3.out" 2>&1; }
ut add 1 noconf
mount -t tmpfs tmpfs "$ETC" && mkdir -p "\$(dirname "$VMCONF_PATH")" &&
cp "$T/usb.conf" "$VMCONF_PATH" || exit 4
ut add 1 add && ut remove 1 rm && ut add 2 unnamed
EOF
if command -v udevadm >/dev/null && unshare -m true 2>/dev/null && [ -d "$ETC" ]; then
    rm -f "$T/rules/70-gen.rules"
    timeout -k 3 60 unshare -m sh "$T/udev-usb.sh"
    check "udevadm test (non-BitBabbler) ran" equals $? 0
    check "rules: non-BitBabbler add: bbvirt attach VID:PID:SERIAL with bus and devnum" \
        grep -q "run: '.*/bbvirt --syslog --timeout 3 attach 1d6b:0104:USB0001 --busnum 5 --devnum 3'" "$T/udev-uadd.out"
    check "rules: non-BitBabbler remove: bbvirt detach from udev's properties" \
        grep -q "run: '.*/bbvirt --syslog --timeout 3 detach 1d6b:0104:USB0001 --busnum 005 --devnum 003'" "$T/udev-urm.out"
    check "rules: the same generic rule for a device vm.conf does not name (bbvirt filters)" \
        grep -q "attach 1d6b:0104:USB0002 --busnum 5 --devnum 4" "$T/udev-uunnamed.out"
    check "rules: no group, mode, ACL or bitbabbler/ symlink for a non-BitBabbler" \
        sh -c "! grep -E 'bitbabbler/|setfacl|GROUP|MODE' '$T/udev-uadd.out' | grep -q 60-bit-babbler"
    check "rules: without vm.conf, no bbvirt for a non-BitBabbler" \
        sh -c "grep -q 60-bit-babbler '$T/udev-unoconf.out' && ! grep -q 'bbvirt' '$T/udev-unoconf.out'"
else
    skip_check "the shipped udev rules for a non-BitBabbler (6 checks)" \
        "needs udevadm, a private mount namespace (root) and ${ETC:-the vm.conf directory}"
fi

# ---- vm.conf errors and hostile input ----
vmc() { printf '%s\n' "$2" >"$T/$1.conf"; ( cd "$T" && "$BBVIRT" -C "$T/$1.conf" -n attach-all >"$T/$1.out" 2>"$T/$1.err" ); echo $? >"$T/$1.rc"; }
vmc twice 'DOMAIN_RNG_a=( GK9VZF )
DOMAIN_RNG_b=( GDYXTH GK9VZF )'
check "serial in two domains: exit 1" rc_is twice 1
check "serial in two domains: file:line and both domains" \
    sh -c "grep -q '$T/twice.conf:2:' '$T/twice.err' && grep -q GK9VZF '$T/twice.err'"
check "serial in two domains: nothing on stdout" empty_out twice
vmc subst 'DOMAIN_RNG_a=( $(touch pwned1) )'
vmc btick 'DOMAIN_NAME_a="`touch pwned2`"'
vmc semi 'DOMAIN_RNG_a=( GK9VZF ); touch pwned3'
vmc cmd 'touch pwned4'
for n in subst btick semi cmd; do
    check "hostile vm.conf ($n): exit 1 with file:line" sh -c "[ \$(cat $T/$n.rc) = 1 ] && grep -q '$T/$n.conf:1:' '$T/$n.err'"
done
check "hostile vm.conf: nothing was run" sh -c "! ls '$T'/pwned* 2>/dev/null | grep -q ."
"$BBVIRT" -C "$T/missing.conf" status >"$T/mc.out" 2>"$T/mc.err"
check "explicit -C naming a missing file: exit 1, named" \
    sh -c "[ $? = 1 ] && grep -q 'missing.conf' '$T/mc.err'"

# ---- bad options ----
"$BBVIRT" --bogus status >"$T/o1.out" 2>"$T/o1.err"; r1=$?
"$BBVIRT" >"$T/o2.out" 2>"$T/o2.err"; r2=$?
"$BBVIRT" frobnicate >"$T/o3.out" 2>"$T/o3.err"; r3=$?
"$BBVIRT" -t 0 status >"$T/o4.out" 2>"$T/o4.err"; r4=$?
"$BBVIRT" -b 300 -d 1 -n attach X12345 >"$T/o5.out" 2>"$T/o5.err"; r5=$?
check "unknown option, no command, unknown command, bad timeout, bad busnum: exit 1" \
    test "$r1$r2$r3$r4$r5" = 11111
check "unknown option named" grep -q "'--bogus'" "$T/o1.err"
check "unknown command named" grep -q "'frobnicate'" "$T/o3.err"
check "bad busnum named" grep -q "busnum '300'" "$T/o5.err"
"$BBVIRT" --help >"$T/help.out" 2>"$T/help.err"
check "--help: exit 0" equals $? 0
check "--help: lists the commands, on stdout" contains "$T/help.out" qemu-hook

# ---- installed as libvirt's qemu hook (argv[0] "qemu") ----
mkdir -p "$T/hooks"
ln -s "$BBVIRT" "$T/hooks/qemu"
cat >"$T/hook.conf" <<EOF
DOMAIN_RNG_vm1=( GK9VZF GDYXTH )
DOMAIN_URI_vm1="qemu+unix:///system?socket=$T/nosock"
DOMAIN_USB_vm2=( 1d6b:0104:USB0001 )
DOMAIN_URI_vm2="qemu+unix:///system?socket=$T/nosock"
EOF
cat >"$T/hook.sh" <<EOF
export BBVIRT_CONFIG="$T/hook.conf" BBVIRT_LOG_FILE="$T/hook.log"
"$T/hooks/qemu" vm1 prepare begin - </dev/null; echo \$? >"$T/hook-prepare.rc"
"$T/hooks/qemu" vm1 started begin - </dev/null; echo \$? >"$T/hook-started.rc"
"$T/hooks/qemu" other started begin - </dev/null; echo \$? >"$T/hook-other.rc"
# The worker is detached: wait for its last line.
n=0; until grep -q "done for 'vm1'" "$T/hook.log" 2>/dev/null; do n=\$((n+1)); [ \$n -gt 600 ] && break; sleep 0.05; done
# a domain with only a non-BitBabbler (DOMAIN_USB_)
"$T/hooks/qemu" vm2 started begin - </dev/null; echo \$? >"$T/hook-vm2.rc"
n=0; until grep -q "done for 'vm2'" "$T/hook.log" 2>/dev/null; do n=\$((n+1)); [ \$n -gt 600 ] && break; sleep 0.05; done
BBVIRT_CONFIG="$T/twice.conf" "$T/hooks/qemu" vm1 started begin - </dev/null 2>"$T/hook-bad.err"
echo \$? >"$T/hook-bad.rc"
EOF
emu $DEVS --device USB0001@4-1,dev=3,vid=1d6b,pid=0104 -- sh "$T/hook.sh"
check "hook: prepare/started/other domain all exit 0" \
    test "$(cat "$T/hook-prepare.rc" "$T/hook-started.rc" "$T/hook-other.rc" | tr -d '\n')" = 000
check "hook: the worker ran for vm1 and found libvirt absent" \
    grep -q "cannot connect to libvirt at qemu+unix" "$T/hook.log"
check "hook: the worker finished" grep -q "qemu hook: done for 'vm1' (exit 4)" "$T/hook.log"
check "hook: one worker only (not for prepare, not for another domain)" \
    test "$(grep -c "qemu hook: domain 'vm1'" "$T/hook.log")" -eq 1 -a \
         "$(grep -c "qemu hook: domain 'other'" "$T/hook.log")" -eq 0
check "hook: a domain with only DOMAIN_USB_ devices gets a worker, which tries libvirt (exit 4)" \
    sh -c "[ \$(cat '$T/hook-vm2.rc') = 0 ] && grep -q \"qemu hook: done for 'vm2' (exit 4)\" '$T/hook.log'"
check "hook: a broken vm.conf is reported but does not fail the guest's start" \
    sh -c "[ \$(cat '$T/hook-bad.rc') = 0 ] && grep -q 'twice.conf:2:' '$T/hook-bad.err'"

# ---- libvirt absent, and libvirt that never answers ----
printf 'DOMAIN_RNG_a=( GK9VZF )\n' >"$T/a.conf"
start=$(date +%s)
emu $DEVS -- "$BBVIRT" -C "$T/a.conf" -t 2 -c "qemu+unix:///system?socket=$T/nosock" attach GK9VZF \
    >"$T/down.out" 2>"$T/down.err"
rd=$?
check "libvirt down: exit 4" equals $rd 4
check "libvirt down: one message naming the URI" \
    sh -c "[ \$(wc -l <'$T/down.err') = 1 ] && grep -q 'cannot connect to libvirt at qemu+unix' '$T/down.err'"
"$HANGSOCK" "$T/hang.sock" >"$T/hang.ready" &
BG_PIDS="$BG_PIDS $!"
hang_ready() { grep -q ready "$T/hang.ready" 2>/dev/null; }
wait_for hang_ready
t0=$(date +%s)
emu $DEVS -- "$BBVIRT" -C "$T/a.conf" -t 2 -c "qemu+unix:///system?socket=$T/hang.sock" attach GK9VZF \
    >"$T/hang.out" 2>"$T/hang.err"
rh=$?
t1=$(date +%s)
check "libvirt that never answers: exit 4" equals $rh 4
check "libvirt that never answers: says it did not answer within the timeout" \
    grep -q "did not answer within 2.000 s" "$T/hang.err"
check "libvirt that never answers: bounded (took $((t1 - t0)) s)" test $((t1 - t0)) -le 8
no_bbvirt_left() { ! ps -eo comm=,args= | grep '^bbvirt ' | grep -q "$T/hang.sock"; }
check "libvirt that never answers: no client process left behind" no_bbvirt_left
emu $DEVS -- "$BBVIRT" -C "$T/a.conf" -t 1 -c "qemu+unix:///system?socket=$T/hang.sock" status \
    >"$T/hs.out" 2>"$T/hs.err"
check "status with a hanging libvirt: exit 4, table still printed" \
    sh -c "[ $? = 4 ] && grep -q '^SERIAL' '$T/hs.out'"
echo "# elapsed since the first libvirt check: $(( $(date +%s) - start )) s"

finish
