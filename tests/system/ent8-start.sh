#!/bin/sh
# The first-Ent8-result rule (spec §4.1): a device read at a real bit rate
# of 5 Mbit/s or more gives no output before its first Ent8 result (500000
# bytes analysed) has passed; below that, output starts once FIPS is up (20
# passing FIPS blocks, 50000 bytes).  Read with -f 0 (output = payload) in
# 4096-byte blocks, the first block out is payload block 12 below 5 Mbit/s
# and block 122 (holding byte 499999) at 5 Mbit/s, also when 5 Mbit/s is
# what a request just under it (4999999) is rounded up to.
. "$SRC/tests/system/lib.sh"

QAREF=$BUILD/tests/system/qaref
B=4096
"$QAREF" gen 7 1048576 >"$T/p"
block() { dd if="$T/p" bs=$B skip="$1" count=1 2>/dev/null; }

# first_block_is RATE BLOCK: seedd -r RATE's first 4096 bytes are payload
# block BLOCK.
first_block_is() {
    emu --device "ENT8RT@1-1,payload=$T/p" -- "$SEEDD" -b $B -f 0 -G 0:$B -r "$1" \
        >"$T/out" 2>"$T/err" &&
        block "$2" | cmp -s - "$T/out"
}
check "-r 4285714 (30/7 MHz): the first block out is payload block 12" first_block_is 4285714 12
check "-r 5M: the first block out is payload block 122 (after the first Ent8 result)" \
    first_block_is 5M 122
check "-r 4999999 (runs at 5 MHz): the first block out is payload block 122" \
    first_block_is 4999999 122
check "-r 6M: the first block out is payload block 122" first_block_is 6M 122

finish
