#!/bin/sh
# make demo: the user's three BitBabblers, emulated (bbemu, umockdev), driven
# by the real seedd through real libusb/libudev code.
set -eu
BUILD=${1:-build}
BBEMU=$BUILD/bbemu
SEEDD=$BUILD/seedd
[ -x "$BBEMU" ] || { echo "demo: $BBEMU not built (umockdev missing?)" >&2; exit 1; }

DEVICES="--device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 --device GTH4R8@5-2.3,dev=7"

echo "== Three emulated BitBabblers: GK9VZF on 3-2, GDYXTH on 5-4, GTH4R8 behind a hub on 5-2.3"
echo
echo "\$ seedd -sv"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$SEEDD" -sv
echo
echo "\$ seedd -b 64M --no-qa -v --progress > /dev/null     (all three devices, folded once)"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$SEEDD" -b 64M --no-qa -v --progress >/dev/null
echo
echo "\$ seedd -b 64 --no-qa -i GTH4R8 | od -An -tx1      (first bytes of one device)"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$SEEDD" -b 64 --no-qa -i GTH4R8 | od -An -tx1
