#!/bin/sh
# seedd -s / -sv / --shell-mr against three emulated devices (one behind a
# hub, 5-2.3), one device, and none: byte-exact (spec §1.4, §1.5).
. "$SRC/tests/system/lib.sh"

DEVS="--device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 --device GTH4R8@5-2.3,dev=7"
MFG="Voicetronix Australia"

# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" -s >"$T/s" 2>"$T/s.err"
check "seedd -s exits 0" equals $? 0
printf '%s\n' "Have 3 devices:" "  Bus:Device" \
    "  003:006 Serial 'GK9VZF', port 3-2" \
    "  005:007 Serial 'GTH4R8', port 5-2.3" \
    "  005:002 Serial 'GDYXTH', port 5-4" >"$T/s.exp"
check "seedd -s output is byte-exact" same_file "$T/s" "$T/s.exp"
check "seedd -s writes nothing to stderr" equals "$(size_of "$T/s.err")" 0

# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" -sv >"$T/sv" 2>"$T/sv.err"
check "seedd -sv exits 0" equals $? 0
printf '%s\n' "Have 3 devices:" "  Bus:Dev  VID:PID" \
    "  003:006 0403:7840 Serial 'GK9VZF', Mfg '$MFG', Product 'White RNG', port 3-2" \
    "  005:007 0403:7840 Serial 'GTH4R8', Mfg '$MFG', Product 'White RNG', port 5-2.3" \
    "  005:002 0403:7840 Serial 'GDYXTH', Mfg '$MFG', Product 'White RNG', port 5-4" >"$T/sv.exp"
check "seedd -sv output is byte-exact" same_file "$T/sv" "$T/sv.exp"

# shellcheck disable=SC2086
emu $DEVS -- "$SEEDD" --shell-mr >"$T/mr" 2>"$T/mr.err"
check "seedd --shell-mr exits 0" equals $? 0
rec() { printf '\nD:\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0%s\0' "$@"; }
{
    rec 003 006 0403 7840 GK9VZF "$MFG" "White RNG" 2
    rec 005 007 0403 7840 GTH4R8 "$MFG" "White RNG" 2.3
    rec 005 002 0403 7840 GDYXTH "$MFG" "White RNG" 4
} >"$T/mr.exp"
check "seedd --shell-mr output is byte-exact (9 NUL-terminated fields each)" \
    same_file "$T/mr" "$T/mr.exp"
# The way bbvirt reads it: fields split at NUL, stride 9.
check "--shell-mr has 27 NUL-terminated fields" \
    equals "$(tr -cd '\0' <"$T/mr" | wc -c | tr -d ' ')" 27

emu --device BLK0001@2-1.4.2,black,dev=9 -- "$SEEDD" -sv >"$T/one" 2>/dev/null
printf '%s\n' "Have 1 device:" "  Bus:Dev  VID:PID" \
    "  002:009 0403:7840 Serial 'BLK0001', Mfg '$MFG', Product 'Black RNG', port 2-1.4.2" \
    >"$T/one.exp"
check "one Black RNG behind two hubs: 'Have 1 device:'" same_file "$T/one" "$T/one.exp"

emu -- "$SEEDD" -s >"$T/none" 2>/dev/null
check "no devices: exit 0" equals $? 0
printf 'No devices found.\n' >"$T/none.exp"
check "no devices: 'No devices found.'" same_file "$T/none" "$T/none.exp"
emu -- "$SEEDD" --shell-mr >"$T/none.mr" 2>/dev/null
check "no devices: --shell-mr writes nothing" equals "$(size_of "$T/none.mr")" 0

finish
