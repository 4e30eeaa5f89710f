#!/bin/sh
# Host/guest exclusivity: seedd leaves alone the devices vm.conf gives to
# virtual machines (at startup and when hotplugged), uses one anyway when a
# --device-id names it (with a warning), and refuses a vm.conf it cannot
# read rather than guess.
. "$SRC/tests/system/lib.sh"

head -c 1M /dev/urandom >"$T/p1"
head -c 1M /dev/urandom >"$T/p2"
DEVS="--device GK9VZF@3-2,dev=6,payload=$T/p1 --device GTH4R8@5-2.3,dev=7,payload=$T/p2"
cat >"$T/vm.conf" <<'EOF'
DOMAIN_RNG_vm1=( GK9VZF )
DOMAIN_NAME_vm1="guest one"
EOF

claims() { grep -c '^claim$' "$T/w/$1.wire" 2>/dev/null; }
fresh_wire() { rm -rf "$T/w" && mkdir "$T/w"; }

# --- a guest's device is not taken -----------------------------------------
fresh_wire
# shellcheck disable=SC2086
emu --wire-log "$T/w" $DEVS -- "$SEEDD" --vm-conf "$T/vm.conf" -b 1M --no-qa -f 0 -v \
    >"$T/out" 2>"$T/err"
check "-b 1M: exit 0" equals $? 0
check "-b 1M: the output is the host device's payload only" same_file "$T/out" "$T/p2"
check "-b 1M: the guest's device was never claimed" equals "$(claims GK9VZF)" 0
check "-b 1M: the host's device was" equals "$(claims GTH4R8)" 1
check "-b 1M: says which guest it is left for" \
    contains "$T/err" "GK9VZF: assigned to virtual machine 'guest one' in vm.conf, left for it"

# --- unless -i names it ------------------------------------------------------
fresh_wire
# shellcheck disable=SC2086
emu --wire-log "$T/w" $DEVS -- "$SEEDD" --vm-conf "$T/vm.conf" -b 1M --no-qa -f 0 -i GK9VZF \
    >"$T/out" 2>"$T/err"
check "-i GK9VZF: exit 0" equals $? 0
check "-i GK9VZF: its payload" same_file "$T/out" "$T/p1"
check "-i GK9VZF: one warning naming the guest" \
    sh -c "[ \$(grep -c 'Warning: GK9VZF is assigned to virtual machine .guest one.' '$T/err') = 1 ]"

# --- none: all devices -------------------------------------------------------
fresh_wire
# shellcheck disable=SC2086
emu --wire-log "$T/w" $DEVS -- "$SEEDD" --vm-conf none -b 64k --no-qa -f 0 >"$T/out" 2>"$T/err"
check "--vm-conf none: exit 0" equals $? 0
check "--vm-conf none: both devices claimed" test "$(claims GK9VZF)$(claims GTH4R8)" = 11

# --- only guests' devices ----------------------------------------------------
fresh_wire
printf 'DOMAIN_RNG_a=( GK9VZF GTH4R8 )\n' >"$T/all.conf"
# shellcheck disable=SC2086
emu --wire-log "$T/w" $DEVS -- "$SEEDD" --vm-conf "$T/all.conf" -b 64k --no-qa >"$T/out" 2>"$T/err"
check "every device for guests: exit 1" equals $? 1
check "every device for guests: nothing on stdout" equals "$(size_of "$T/out")" 0
check "every device for guests: says so" \
    contains "$T/err" "No devices found for the host (2 assigned to virtual machines in vm.conf)"

# --- hotplug: a guest's device plugged in later is left alone ---------------
fresh_wire
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" \
    --device "GTH4R8@5-2.3,dev=7,payload=$T/p2" -- \
    "$SEEDD" --vm-conf "$T/vm.conf" -o --no-qa -f 0 -v >/dev/null 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"
logged() { grep -q -- "$1" "$T/err"; }
check "hotplug: streaming from the host device" wait_for logged "GTH4R8: streaming from"
echo "add GK9VZF@3-2" >"$T/ctl"
check "hotplug: the guest's device is noticed and left alone" \
    wait_for logged "GK9VZF: assigned to virtual machine 'guest one' in vm.conf, left for it"
check "hotplug: never claimed" equals "$(claims GK9VZF)" 0
kill -TERM $PID
wait $PID

# --- a vm.conf that cannot be used --------------------------------------------
printf 'DOMAIN_RNG_a=( GK9VZF )\nDOMAIN_RNG_b=( GK9VZF )\n' >"$T/bad.conf"
# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" --vm-conf "$T/bad.conf" -b 64k --no-qa >"$T/out" 2>"$T/err"
check "broken vm.conf: exit 1" equals $? 1
check "broken vm.conf: one line naming file and line" \
    sh -c "[ \$(wc -l <'$T/err') = 1 ] && grep -q '$T/bad.conf:2:' '$T/err'"
check "broken vm.conf: nothing on stdout" equals "$(size_of "$T/out")" 0
# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" --vm-conf "$T/nonexistent.conf" -b 64k --no-qa >"$T/out" 2>"$T/err"
check "missing explicit vm.conf: exit 1, named" \
    sh -c "[ $? = 1 ] && grep -q 'nonexistent.conf' '$T/err'"
"$SEEDD" --vm-conf "" -b 64k >"$T/out" 2>"$T/err"
check "--vm-conf '': exit 1, one line" sh -c "[ $? = 1 ] && [ \$(wc -l <'$T/err') = 1 ]"

finish
