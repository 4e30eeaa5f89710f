#!/bin/sh
# The bytes the emulated device receives while seedd initialises it equal
# spec §2.3 (control requests, sync, 13-byte setup) and the read commands
# equal §2.5/§2.6, for enable masks 0x0F and 0x01 at 100k, 1M, 2.5M and 5M.
. "$SRC/tests/system/lib.sh"

# rate latency(hex) divisor(LL HH) read-command
expect_for() {
    case $1 in
    100k) echo "002a 2b 01 20 ff 07 87" ;;
    1M) echo "0006 1d 00 20 ff 3f 87" ;;
    2.5M) echo "0003 0b 00 20 ff ff 87" ;;
    5M) echo "0002 05 00 20 ff ff 87" ;;
    esac
}

for mask in 0x0F 0x01; do
    case $mask in 0x0F) dir=0b ;; 0x01) dir=eb ;; esac
    for rate in 100k 1M 2.5M 5M; do
        # shellcheck disable=SC2046
        set -- $(expect_for $rate)
        lat=$1 ll=$2 hh=$3 rd="$4 $5 $6 $7"
        w=$T/wire.$mask.$rate
        mkdir -p "$w"
        emu --wire-log "$w" --device GK9VZF@3-2,dev=6 -- \
            "$SEEDD" -b 64k --no-qa -f 0 -r $rate --enable-mask $mask >"$T/out" 2>"$T/err"
        rc=$?
        check "$rate mask $mask: seedd exits 0" equals $rc 0
        check "$rate mask $mask: 64 KiB written" equals "$(size_of "$T/out")" 65536

        # The init sequence: everything up to the first read command.
        grep -E '^(ctrl|out)' "$w/GK9VZF.wire" | sed -n '1,/^out 20 /p' >"$T/init"
        printf '%s\n' \
            "ctrl 40 00 0000 0001 0000" \
            "ctrl 40 06 0000 0001 0000" \
            "ctrl 40 07 0000 0001 0000" \
            "ctrl 40 09 $lat 0001 0000" \
            "ctrl 40 02 0000 0101 0000" \
            "ctrl 40 0b 0000 0001 0000" \
            "ctrl 40 0b 0200 0001 0000" \
            "ctrl c0 05 0000 0001 0002" \
            "out aa 87" \
            "out ab 87" \
            "out 8a 97 8d 80 00 $dir 82 00 00 86 $ll $hh 85" \
            "out $rd" >"$T/init.exp"
        if same_file "$T/init" "$T/init.exp"; then
            ok "$rate mask $mask: init sequence is spec §2.3 byte for byte"
        else
            not_ok "$rate mask $mask: init sequence is spec §2.3 byte for byte"
            diff "$T/init.exp" "$T/init" | head -20
        fi
        # Every read command asks for one chunk; 64 KiB needs 65536/chunk.
        nreads=$(grep -c "^out $rd\$" "$w/GK9VZF.wire")
        others=$(grep '^out 20 ' "$w/GK9VZF.wire" | grep -vc "^out $rd\$")
        check "$rate mask $mask: all read commands are '$rd'" equals "$others" 0
        case $rate in 100k) min=32 ;; 1M) min=4 ;; *) min=1 ;; esac
        check "$rate mask $mask: at least $min read commands" test "$nreads" -ge $min
        # On the way out the FTDI is taken out of MPSSE mode and released.
        tail -3 "$w/GK9VZF.wire" >"$T/tail"
        printf '%s\n' "ctrl 40 0b 0000 0001 0000" "ctrl 40 00 0000 0001 0000" release \
            >"$T/tail.exp"
        check "$rate mask $mask: bitmode reset + SIO reset + release at exit" \
            same_file "$T/tail" "$T/tail.exp"
    done
done

finish
