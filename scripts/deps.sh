#!/bin/sh
# Install the Debian packages needed to build, test and demo the project
# (`deps.sh bench`: also what `make bench` compares against).
# Idempotent: packages already installed are not touched, and apt is not
# called at all when nothing is missing.
set -eu

PKGS_BENCH="rng-tools5 ent"
PKGS="build-essential meson ninja-build pkg-config
      libusb-1.0-0-dev libudev-dev libsystemd-dev libjson-c-dev
      libcmocka-dev umockdev libumockdev-dev libglib2.0-dev
      clang libclang-rt-14-dev ent
      libvirt-dev libxml2-dev libvirt-clients libvirt-daemon
      libvirt-daemon-driver-qemu qemu-system-x86 udev
      busybox-static cpio locales strace munin-node
      libmicrohttpd-dev prometheus"

[ "${1:-}" = bench ] && PKGS="$PKGS $PKGS_BENCH"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing (run as root, or install them)" >&2
    exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
