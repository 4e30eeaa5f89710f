#!/bin/sh
# The VM tier's guest initramfs (newc cpio):
#   mkinitramfs.sh ROOTDIR MODDIR OUT PROGRAM...
# busybox (busybox-static), udevadm (only `udevadm monitor -k`), the
# kernel modules in MODDIR (flat), the PROGRAMs in /bin with the shared
# libraries ldd lists, and /init (init.sh here).  Needs no root.
set -eu
[ $# -ge 3 ] || { echo "usage: mkinitramfs.sh ROOTDIR MODDIR OUT PROGRAM..." >&2; exit 2; }
R=$1
MODDIR=$2
OUT=$3
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)

[ ! -e "$R" ] || { echo "mkinitramfs: $R exists" >&2; exit 2; }
mkdir -p "$R/bin" "$R/sbin" "$R/lib/modules" "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp" \
    "$R/etc"
BUSYBOX=$(command -v busybox)
UDEVADM=$(command -v udevadm)
cp "$BUSYBOX" "$R/bin/busybox"
cp "$UDEVADM" "$R/bin/udevadm"
cp "$MODDIR"/*.ko "$R/lib/modules/"
for p in "$@"; do
    cp "$p" "$R/bin/"
done
for b in "$BUSYBOX" "$UDEVADM" "$@"; do
    ldd "$b" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' || true
done | sort -u | while read -r l; do
    mkdir -p "$R$(dirname "$l")"
    cp -L "$l" "$R$l"
done
echo "root:x:0:0:root:/:/bin/sh" >"$R/etc/passwd"
echo "root:x:0:" >"$R/etc/group"
cp "$HERE/init.sh" "$R/init"
chmod 755 "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet) >"$OUT"
