#!/bin/sh
# Devices without a serial number (spec 1.1): listed by seedd -s and
# --shell-mr, but never claimed or used, neither at startup nor when
# hotplugged; with no other device, seedd -b fails with a clear message.
. "$SRC/tests/system/lib.sh"

head -c 1M /dev/urandom >"$T/payload"
DEVS="--device GK9VZF@1-1,payload=$T/payload --device NOSER1@1-2,noserial"

# claims SERIAL / cmds SERIAL: claims and bulk OUT transfers the device saw.
claims() { grep -c '^claim$' "$T/w/$1.wire" 2>/dev/null; }
cmds() { grep -c '^out ' "$T/w/$1.wire" 2>/dev/null; }
fresh_wire() { rm -rf "$T/w" && mkdir "$T/w"; }

# --- listing ---------------------------------------------------------------
# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" -s >"$T/out" 2>"$T/err"
check "-s: exit 0" equals $? 0
check "-s: both devices listed" contains "$T/out" "^Have 2 devices:$"
check "-s: the one without a serial, with an empty serial" \
    contains "$T/out" "^  001:003 Serial '', port 1-2$"
check "-s: the one with a serial" contains "$T/out" "^  001:002 Serial 'GK9VZF', port 1-1$"

# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" --shell-mr >"$T/out" 2>"$T/err"
tr '\0' '|' <"$T/out" >"$T/mr"
check "--shell-mr: empty serial field" contains "$T/mr" "D:|001|003|0403|7840||Voicetronix"

# --- never used ------------------------------------------------------------
fresh_wire
# shellcheck disable=SC2086
emu --wire-log "$T/w" $DEVS -- "$SEEDD" -b 1M --no-qa -f 0 >"$T/out" 2>"$T/err"
check "-b 1M beside it: exit 0" equals $? 0
check "-b 1M beside it: the output is the other device's payload" same_file "$T/out" "$T/payload"
check "-b 1M beside it: says it is not used" \
    contains "$T/err" "Bus:Device 001:003 has no serial number, not used"
check "-b 1M beside it: never claimed" equals "$(claims NOSER1)" 0
check "-b 1M beside it: never sent a command" equals "$(cmds NOSER1)" 0
check "-b 1M beside it: the other device was claimed" equals "$(claims GK9VZF)" 1

fresh_wire
emu --wire-log "$T/w" --device NOSER1@1-2,noserial -- "$SEEDD" -b 1M --no-qa \
    >"$T/out" 2>"$T/err"
check "alone: exit 1" equals $? 1
check "alone: nothing on stdout" equals "$(size_of "$T/out")" 0
check "alone: says why (no serial, then no devices)" \
    sh -c "grep -q 'Bus:Device 001:002 has no serial number, not used' '$T/err' &&
        tail -n 1 '$T/err' | grep -q 'No devices found'"
check "alone: never claimed" equals "$(claims NOSER1)" 0

# --- hotplugged: not selected, not claimed; the other keeps streaming --------
fresh_wire
timeout -k 3 60 "$BBEMU" --control "$T/ctl" --wire-log "$T/w" \
    --device "GK9VZF@1-1,payload=$T/payload" -- "$SEEDD" -o --no-qa -v \
    >"$T/out" 2>"$T/err" &
pid=$!
BG_PIDS="$BG_PIDS $pid"
wait_for grep -q 'GK9VZF: streaming' "$T/err"
echo "add NOSER2@1-3,noserial" >"$T/ctl"
wait_for grep -q "('') added, not selected" "$T/err"
check "hotplugged: seedd saw it and did not select it" contains "$T/err" "('') added, not selected"
kill -TERM $pid
wait $pid
check "hotplugged: seedd stopped cleanly" equals $? 0
check "hotplugged: never claimed" equals "$(claims NOSER2)" 0
check "hotplugged: never sent a command" equals "$(cmds NOSER2)" 0
check "hotplugged: the other device streamed" test "$(size_of "$T/out")" -gt 0

finish
