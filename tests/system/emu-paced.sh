#!/bin/sh
# bbemu's paced devices clock out data no faster than the bit rate the host
# set, as real ones (benchmarks of the services use them): seedd -b 1M at
# the default 2.5 Mbit/s cannot finish before the bytes could have been
# clocked out (1 MiB of output, less the 128 KiB the device may owe the
# host, at 312500 bytes/s: 2.9 s), and the same bytes come out as unpaced.
# A lower bound only: a loaded machine makes it slower, never faster.
. "$SRC/tests/system/lib.sh"

t0=$(date +%s%3N)
emu --device PAC001@1-1,paced -- "$SEEDD" -b 1M -c none --no-qa -f 0 >"$T/paced" 2>"$T/err"
RC=$?
ms=$(($(date +%s%3N) - t0))
check "paced, seedd -b 1M --no-qa: exit 0" equals "$RC" 0
check "paced: 1 MiB took at least 2900 ms ($ms ms)" test "$ms" -ge 2900
"$BBEMU" --device PAC001 --expect f:1M >"$T/want"
check "paced: the same bytes as bbemu --expect" cmp -s "$T/paced" "$T/want"
finish
