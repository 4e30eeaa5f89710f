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

# Virtual machines: which device belongs to which guest, by serial.
T=$(mktemp -d /tmp/bbdemo.XXXXXX)
trap 'rm -rf "$T"' EXIT
cat >"$T/vm.conf" <<'CONF'
DOMAIN_RNG_vm1=( GK9VZF GDYXTH )
DOMAIN_NAME_web="web server"
DOMAIN_RNG_web=( GTH4R8 )
CONF
BBVIRT=$BUILD/bbvirt
echo
echo "== vm.conf gives GK9VZF and GDYXTH to 'vm1', GTH4R8 to 'web server':"
sed 's/^/   /' "$T/vm.conf"
echo
echo "\$ bbvirt -n attach-all vm1      (what udev and the qemu hook would do; -n: no libvirt needed)"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$BBVIRT" -C "$T/vm.conf" -n attach-all vm1 2>/dev/null
echo
echo "\$ bbvirt qemu-args GTH4R8       (the by-port alternative, for the domain XML)"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$BBVIRT" -C "$T/vm.conf" qemu-args GTH4R8
echo
echo "\$ seedd --vm-conf vm.conf -b 1M --no-qa -v > /dev/null   (the host leaves the guests' devices alone)"
# shellcheck disable=SC2086
"$BBEMU" $DEVICES -- "$SEEDD" --vm-conf "$T/vm.conf" -b 1M --no-qa -v >/dev/null 2>"$T/err" || true
grep -E "left for it|No devices" "$T/err" | sed 's/^[0-9:.]*: /   /'
