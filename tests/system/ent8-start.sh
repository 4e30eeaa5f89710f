#!/bin/sh
# The first-Ent8-result rule (spec §4.1): a device read at a real bit rate
# of 5 Mbit/s or more gives no output before its first Ent8 result (500000
# bytes analysed) has passed; below that, output starts once FIPS is up (20
# passing FIPS blocks, 50000 bytes).  Read with -f 0 (output = payload) in
# 4096-byte blocks, the exact QA gate (whole FIPS blocks from blocks the
# monitor passed) starts the output with FIPS block 20 (byte 50000) below
# 5 Mbit/s and with FIPS block 200 (byte 500000, after the first Ent8
# result in the block holding byte 499999) at 5 Mbit/s, also when 5 Mbit/s
# is what a request just under it (4999999) is rounded up to.
. "$SRC/tests/system/lib.sh"

QAREF=$BUILD/tests/system/qaref
B=4096
"$QAREF" gen 7 1048576 >"$T/p"

# first_out_at RATE OFFSET: seedd -r RATE's first 4096 bytes are the
# payload's from OFFSET.
first_out_at() {
    emu --device "ENT8RT@1-1,payload=$T/p" -- "$SEEDD" -b $B -f 0 -G 0:$B -r "$1" \
        >"$T/out" 2>"$T/err" &&
        tail -c +$(($2 + 1)) "$T/p" | head -c $B | cmp -s - "$T/out"
}
check "-r 4285714 (30/7 MHz): output starts at byte 50000 (FIPS up)" first_out_at 4285714 50000
check "-r 5M: output starts at byte 500000 (after the first Ent8 result)" \
    first_out_at 5M 500000
check "-r 4999999 (runs at 5 MHz): output starts at byte 500000" first_out_at 4999999 500000
check "-r 6M: output starts at byte 500000" first_out_at 6M 500000

finish
