#!/bin/sh
# The pool (-P) and XOR pool groups (-G, -g) end to end: seedd's output
# equals an independent model of spec 5.1/5.2/6.1 (helpers/poolref.c) fed
# with the devices' payloads: the pool fills, then XOR-mixes the rest of a
# block cyclically; reads take the top of the pool; a group of two XORs its
# members' blocks (extra blocks of a faster member too) and passes the
# result on once both contributed.  The order in which the members' blocks
# reached the group is taken from seedd's log (level 5).
. "$SRC/tests/system/lib.sh"

POOLREF=$BUILD/tests/system/poolref
head -c 4M /dev/urandom >"$T/pa"
head -c 4M /dev/urandom >"$T/pb"
# zeros N: a block order with N blocks of member 0.
zeros() { yes 0 | head -n "$1"; }

# --- pool smaller than a block: fill, then mix; reads take the top ----------
# -P 1000: group 0 is 1024 bytes (the pool size rounded up).  After each
# block the pool holds 1000 bytes (24 mixed in) and stdout reads them; the
# last read (500 bytes) is the top half.
emu --device GA0001@1-1,payload="$T/pa" -- \
    "$SEEDD" -b 100500 --no-qa -f 0 -P 1000 >"$T/out" 2>"$T/err"
check "-P 1000: exit 0" equals $? 0
zeros 200 >"$T/order"
"$POOLREF" 1000 1024 100500 "$T/order" "$T/pa" >"$T/exp"
check "-P 1000: the model gives 100500 bytes" equals "$(size_of "$T/exp")" 100500
check "-P 1000: output equals the pool model" same_file "$T/out" "$T/exp"
check "-P 1000: the overflow was mixed in (not the payload)" \
    sh -c "! head -c 1000 '$T/pa' | cmp -s - '$T/out'"

# -P 100k: group 0 is 128 KiB; a pool of 102400 bytes, read 64 KiB at a time.
emu --device GA0001@1-1,payload="$T/pa" -- \
    "$SEEDD" -b 1M --no-qa -f 0 -P 100k >"$T/out" 2>"$T/err"
check "-P 100k: exit 0" equals $? 0
"$POOLREF" 102400 131072 1048576 "$T/order" "$T/pa" >"$T/exp"
check "-P 100k: output equals the pool model" same_file "$T/out" "$T/exp"

# --- a group of two: the XOR of its members --------------------------------
emu --device GA0001@1-1,payload="$T/pa" --device GB0001@1-2,payload="$T/pb" -- \
    "$SEEDD" -b 1M --no-qa -f 0 -G 1:16k -i GA0001 -g 1 -i GB0001 -g 1 -vvvvv \
    >"$T/out" 2>"$T/err"
check "group of two: exit 0" equals $? 0
sed -n 's/.* \(G[AB]0001\): 16384 bytes to group 1\( (QA failed, --no-qa)\)\{0,1\}$/\1/p' "$T/err" |
    sed 's/GA0001/0/; s/GB0001/1/' >"$T/order"
na=$(grep -c '^0$' "$T/order")
nb=$(grep -c '^1$' "$T/order")
check "group of two: both members contributed ($na and $nb blocks)" \
    test "$na" -gt 0 -a "$nb" -gt 0
"$POOLREF" 65536 16384 1048576 "$T/order" "$T/pa" "$T/pb" >"$T/exp"
check "group of two: the model gives 1 MiB" equals "$(size_of "$T/exp")" 1048576
check "group of two: output equals the XOR-group model" same_file "$T/out" "$T/exp"
# In a strict alternation the first block out would be pa[0] ^ pb[0]; in
# any order it is neither member's data alone.
check "group of two: not member A's data" sh -c "! head -c 16384 '$T/pa' | cmp -s - '$T/out'"
check "group of two: not member B's data" sh -c "! head -c 16384 '$T/pb' | cmp -s - '$T/out'"

finish
