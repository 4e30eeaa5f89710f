#!/bin/sh
# Raw reads through the driver: an 8 MiB read with -f 0 equals the payload
# the emulated device clocks out; with -f 1 it equals the payload folded in
# 128 KiB blocks by an independent reference; -f 3 likewise (a Black RNG's
# default).  --enable-mask output equals what bbemu --expect predicts for
# the mask.  Device selection by serial, bus:dev and port picks the right one.
. "$SRC/tests/system/lib.sh"

head -c 8M /dev/urandom >"$T/payload"
head -c 8M /dev/urandom >"$T/other"

emu --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 8M --no-qa -f 0 >"$T/f0" 2>"$T/err"
check "-b 8M -f 0: exit 0" equals $? 0
check "-b 8M -f 0: exactly 8 MiB" equals "$(size_of "$T/f0")" 8388608
check "-b 8M -f 0: output equals the payload file" same_file "$T/f0" "$T/payload"

emu --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 4M --no-qa -f 1 -r 5M >"$T/f1" 2>"$T/err"
check "-b 4M -f 1: exit 0" equals $? 0
"$FOLDREF" 131072 1 <"$T/payload" >"$T/f1.exp"
check "-b 4M -f 1: output equals the folded payload" same_file "$T/f1" "$T/f1.exp"

# White RNG default fold is 1: the same result without -f.
emu --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 1M --no-qa >"$T/dflt" 2>"$T/err"
head -c 1M "$T/f1.exp" >"$T/dflt.exp"
check "White RNG folds once by default" same_file "$T/dflt" "$T/dflt.exp"

# Black RNG default fold is 3 (512 KiB raw per 64 KiB block).
emu --device BLK0001@1-1,black,payload="$T/payload" -- \
    "$SEEDD" -b 1M --no-qa >"$T/f3" 2>"$T/err"
check "Black RNG: exit 0" equals $? 0
"$FOLDREF" 524288 3 <"$T/payload" >"$T/f3.exp"
check "Black RNG folds 3 times by default" same_file "$T/f3" "$T/f3.exp"

# --enable-mask: the device outputs the XOR of the enabled generators only;
# bbemu --expect predicts that stream independently of seedd.
mkdir "$T/wm"
emu --wire-log "$T/wm" --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 1M --no-qa -f 0 --enable-mask 0x01 >"$T/m1" 2>"$T/err"
check "--enable-mask 0x01: exit 0" equals $? 0
check "--enable-mask 0x01: the setup enables generator 0 only (80 00 eb)" \
    contains "$T/wm/GK9VZF.wire" "^out 8a 97 8d 80 00 eb 82 00 00 86 0b 00 85$"
"$BBEMU" --expect 1:1048576 --device GK9VZF@3-2,dev=6,payload="$T/payload" >"$T/m1.exp"
check "--enable-mask 0x01: bbemu --expect gives 1 MiB" equals "$(size_of "$T/m1.exp")" 1048576
check "--enable-mask 0x01: output equals the predicted generator-0 stream" \
    same_file "$T/m1" "$T/m1.exp"
head -c 1M "$T/payload" >"$T/p1m"
check "--enable-mask 0x01: which is not the payload" sh -c "! cmp -s '$T/m1' '$T/p1m'"
emu --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 512k --no-qa -f 1 --enable-mask 0x06 >"$T/m6" 2>"$T/err"
"$BBEMU" --expect 6:1048576 --device GK9VZF@3-2,dev=6,payload="$T/payload" |
    "$FOLDREF" 131072 1 >"$T/m6.exp"
check "--enable-mask 0x06 -f 1: output equals the folded G1^G2 stream" same_file "$T/m6" "$T/m6.exp"

# Two devices, each selected in the three ID forms.
DEVS="--device GK9VZF@3-2,dev=6,payload=$T/payload --device GTH4R8@5-2.3,dev=7,payload=$T/other"
for id in GTH4R8 5:7 5-2.3; do
    # shellcheck disable=SC2086
    emu $DEVS -- "$SEEDD" -b 1M --no-qa -f 0 -i "$id" >"$T/sel" 2>"$T/err"
    head -c 1M "$T/other" >"$T/sel.exp"
    check "-i $id reads GTH4R8 only" same_file "$T/sel" "$T/sel.exp"
done

# --limit-max-xfer: chunks of 16 KiB, data unchanged.
mkdir "$T/w"
emu --wire-log "$T/w" --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 1M --no-qa -f 0 --limit-max-xfer >"$T/lim" 2>"$T/err"
head -c 1M "$T/payload" >"$T/lim.exp"
check "--limit-max-xfer: data unchanged" same_file "$T/lim" "$T/lim.exp"
check "--limit-max-xfer: read commands ask for 16 KiB" contains "$T/w/GK9VZF.wire" "^out 20 ff 3f 87"
check "--limit-max-xfer: no 64 KiB read commands" sh -c "! grep -q '^out 20 ff ff 87' '$T/w/GK9VZF.wire'"

# Short packets from the device (each ends a transfer early): data unchanged.
emu --device GK9VZF@3-2,dev=6,payload="$T/payload",fault=short:100 -- \
    "$SEEDD" -b 1M --no-qa -f 0 >"$T/short" 2>"$T/err"
check "short packets: exit 0" equals $? 0
check "short packets: data unchanged" same_file "$T/short" "$T/lim.exp"

# A group smaller than a USB chunk: smaller chunks, same data.
emu --device GK9VZF@3-2,dev=6,payload="$T/payload" -- \
    "$SEEDD" -b 256k --no-qa -f 0 -G 0:512 >"$T/small" 2>"$T/err"
check "group size 512: exit 0" equals $? 0
head -c 256k "$T/payload" >"$T/small.exp"
check "group size 512: data unchanged" same_file "$T/small" "$T/small.exp"

finish
