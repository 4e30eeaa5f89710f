#!/bin/sh
# Build the test guest's initramfs (newc cpio, uncompressed) from installed
# Debian packages and our own programs:
#   mkinitramfs.sh ROOTDIR MODDIR OUT PROGRAM...
# ROOTDIR (created, must not exist) receives the tree: busybox (busybox-static),
# udevadm as systemd-udevd (udev), the kernel modules in MODDIR (flat, loaded
# by path), the PROGRAMs in /bin with every shared library ldd lists for
# them (and for udevadm and busybox), /init and /scenarios.sh from this
# folder and /tap.sh (tests/lib/tap.sh, which scenarios.sh sources).
# Nothing needs root: the guest mounts devtmpfs itself.
set -eu
[ $# -ge 3 ] || { echo "usage: mkinitramfs.sh ROOTDIR MODDIR OUT PROGRAM..." >&2; exit 2; }
R=$1
MODDIR=$2
OUT=$3
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)

[ ! -e "$R" ] || { echo "mkinitramfs: $R exists" >&2; exit 2; }
mkdir -p "$R/bin" "$R/sbin" "$R/lib/modules" "$R/lib/systemd" "$R/proc" "$R/sys" "$R/dev" \
    "$R/run" "$R/tmp" "$R/etc" "$R/root"

BUSYBOX=$(command -v busybox)
UDEVADM=$(command -v udevadm)
cp "$BUSYBOX" "$R/bin/busybox"
cp "$UDEVADM" "$R/bin/udevadm"
ln -s /bin/udevadm "$R/lib/systemd/systemd-udevd"
cp "$MODDIR"/*.ko "$R/lib/modules/"
for p in "$@"; do
    cp "$p" "$R/bin/"
done

# Shared libraries, at the paths ldd resolves them to (no ld.so.cache in
# the guest: ld.so searches the multiarch and plain lib directories).
for b in "$BUSYBOX" "$UDEVADM" "$@"; do
    ldd "$b" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' || true
done | sort -u | while read -r l; do
    mkdir -p "$R$(dirname "$l")"
    cp -L "$l" "$R$l"
done

echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
cp "$HERE/init.sh" "$R/init"
cp "$HERE/scenarios.sh" "$R/scenarios.sh"
cp "$HERE/../lib/tap.sh" "$R/tap.sh"
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet) >"$OUT"
