#!/bin/sh
# bbvirt rng attach|detach against a real libvirtd (9.0 on Debian 12) and
# real QEMU (TCG): the <rng> egd element it adds is accepted by libvirt's
# validation, persisted once however often it is attached, started by QEMU
# (a python3 listener stands in for seedd's EGD socket; a domain whose
# socket is missing starts too, thanks to <reconnect>, which libvirt passes
# to QEMU as the chardev's reconnect option), shown by status, removed by
# detach; and the qemu hook adds it to a domain vm.conf names at its start.
# Private mount namespace, libvirtd and virtlogd by hand, as libvirt.sh.
. "$SRC/tests/system/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: needs root (libvirtd with qemu:///system)"
    exit 77
fi
for p in libvirtd virtlogd virsh qemu-system-x86_64 unshare python3; do
    if ! command -v $p >/dev/null; then
        echo "SKIP: $p is not installed (scripts/deps.sh installs it)"
        exit 77
    fi
done

if [ -z "${BB_LIBVIRT_NS:-}" ]; then
    BB_LIBVIRT_NS=1 BB_T=$T timeout -k 5 200 unshare -m --propagation private sh "$0"
    exit $?
fi

rmdir "$T"
T=$BB_T
BBVIRT=$BUILD/bbvirt
CACHE=$BUILD/libvirt-cache
LV=$T/lv
mkdir -p "$LV/etc/hooks" "$LV/run" "$LV/lib" "$LV/log" "$CACHE"
for m in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt \
         cache:/var/cache/libvirt; do
    src=$LV/${m%%:*}
    [ "${m%%:*}" = cache ] && src=$CACHE
    mkdir -p "${m#*:}"
    mount --bind "$src" "${m#*:}" || { echo "not ok - cannot bind ${m#*:}"; exit 1; }
done
printf 'user = "root"\ngroup = "root"\nsecurity_driver = "none"\n' >/etc/libvirt/qemu.conf
getent passwd libvirt-qemu >/dev/null ||
    useradd -r -U -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu

stop_all() {
    for d in $(virsh -c qemu:///system list --name 2>/dev/null); do
        virsh -c qemu:///system destroy "$d" >/dev/null 2>&1
    done
    for f in /run/libvirt/qemu/*.pid; do
        [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    for f in "$LV/libvirtd.pid" "$LV/virtlogd.pid" "$LV/egd.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    return 0
}
trap 'stop_all; rm -rf "$T"' EXIT

SOCK=$T/egd.sock
# A stand-in for seedd's EGD socket: accepts, answers 0x02 N with N bytes.
cat >"$T/egd.py" <<'EOF'
import os, socket, sys, threading
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
def serve(c):
    while True:
        h = c.recv(2)
        if len(h) < 2:
            return
        c.sendall(os.urandom(h[1]))
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
python3 "$T/egd.py" "$SOCK" &
echo $! >"$LV/egd.pid"
sock_up() { [ -S "$SOCK" ]; }
wait_for sock_up || { echo "not ok - the EGD stand-in did not start"; exit 1; }

cat >"$T/vm.conf" <<EOF
DOMAIN_VIRTIO_RNG_hooked=$SOCK
EOF
cat >/etc/libvirt/hooks/qemu <<EOF
#!/bin/sh
exec "$BBVIRT" -C "$T/vm.conf" --log-file "$T/hook.log" -t 10 qemu-hook "\$@"
EOF
chmod +x /etc/libvirt/hooks/qemu

virtlogd -d -p "$LV/virtlogd.pid"
libvirtd -d -p "$LV/libvirtd.pid"
libvirt_up() { virsh -c qemu:///system version >/dev/null 2>&1; }
WAIT_TRIES=1200 wait_for libvirt_up || { echo "not ok - libvirtd did not come up"; exit 1; }
ok "libvirtd up"

V="virsh -c qemu:///system"
bbv() { # NAME ARGS...: NAME.out/.err/.rc
    n=$1
    shift
    timeout -k 3 60 "$BBVIRT" -C "$T/vm.conf" "$@" >"$T/$n.out" 2>"$T/$n.err"
    echo $? >"$T/$n.rc"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
nrng() { grep -c '<rng ' "$1"; }

define() {
    cat >"$T/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    $V define "$T/$1.xml" >/dev/null
}

# ---- a stopped domain: --config by default, idempotent ----
define rngdom
bbv a1 rng attach rngdom --socket "$SOCK"
check "attach to a stopped domain: exit 0" rc_is a1 0
check "attach: says it added it to the definition" grep -q "added a virtio-rng from $SOCK to the definition of 'rngdom'" "$T/a1.err"
$V dumpxml --inactive rngdom >"$T/d1.xml"
check "the definition has exactly one rng" test "$(nrng "$T/d1.xml")" -eq 1
check "an egd backend on the socket" grep -q "<source mode='connect' path='$SOCK'>" "$T/d1.xml"
check "with reconnect (libvirt kept it)" grep -q "<reconnect enabled='yes' timeout='1'/>" "$T/d1.xml"
bbv a2 rng attach rngdom --socket "$SOCK"
check "attach again: exit 0" rc_is a2 0
check "attach again: says it is there already" grep -q "has a virtio-rng from $SOCK already" "$T/a2.err"
$V dumpxml --inactive rngdom >"$T/d2.xml"
check "attach again: still exactly one rng" test "$(nrng "$T/d2.xml")" -eq 1
bbv live rng attach rngdom --socket "$SOCK" --live
check "--live on a stopped domain: exit 2" rc_is live 2

# ---- started: libvirt and QEMU take it ----
$V start rngdom >"$T/start.out" 2>&1
check "a domain with the rng starts" equals $? 0
check "QEMU got the chardev with reconnect" grep -q "reconnect" /var/log/libvirt/qemu/rngdom.log
$V dumpxml rngdom >"$T/live.xml"
check "the live domain has one rng" test "$(nrng "$T/live.xml")" -eq 1
bbv st status
check "status: exit 0" rc_is st 0
check "status: rngdom running, live and config, not from vm.conf" \
    sh -c "grep '^rngdom ' '$T/st.out' | tr -s ' ' | grep -qx 'rngdom running yes yes no $SOCK'"

# ---- a missing socket: QEMU starts anyway (reconnect) ----
define nosock
bbv ns rng attach nosock --socket "$T/missing.sock"
$V start nosock >"$T/start-ns.out" 2>&1
check "a domain whose EGD socket is missing starts (reconnect)" equals $? 0

# ---- detach ----
bbv d1 rng detach rngdom --socket "$SOCK" --config
check "detach --config: exit 0" rc_is d1 0
$V dumpxml --inactive rngdom >"$T/d3.xml"
check "detach --config: the definition has no rng" test "$(nrng "$T/d3.xml")" -eq 0
$V dumpxml rngdom >"$T/live2.xml"
check "detach --config: the running domain keeps it" test "$(nrng "$T/live2.xml")" -eq 1
bbv d2 rng detach rngdom --socket "$SOCK" --config
check "detach of none: exit 0" rc_is d2 0
check "detach of none: a clear message" grep -q "has no virtio-rng from $SOCK: nothing to remove" "$T/d2.err"
$V destroy nosock >/dev/null
bbv d3 rng detach nosock --socket "$T/missing.sock"
$V dumpxml --inactive nosock >"$T/d4.xml"
check "detach from a stopped domain: no rng left" test "$(nrng "$T/d4.xml")" -eq 0

# ---- the hook: vm.conf's DOMAIN_VIRTIO_RNG_hooked ----
define hooked
$V start hooked >"$T/start-h.out" 2>&1
check "hooked starts" equals $? 0
hook_done() { grep -q "qemu hook: done for 'hooked'" "$T/hook.log" 2>/dev/null; }
check "the hook's worker finished" wait_for hook_done
$V dumpxml hooked >"$T/h-live.xml"
$V dumpxml --inactive hooked >"$T/h-conf.xml"
check "hook: the running domain got one rng on vm.conf's socket" \
    sh -c "[ \$(grep -c '<rng ' '$T/h-live.xml') = 1 ] && grep -q \"path='$SOCK'\" '$T/h-live.xml'"
check "hook: so did its definition (next boots have it from the start)" \
    test "$(nrng "$T/h-conf.xml")" -eq 1
sed "s/^/# hook.log: /" "$T/hook.log"
bbv st2 status
check "status: hooked, from vm.conf" \
    sh -c "grep '^hooked ' '$T/st2.out' | tr -s ' ' | grep -qx 'hooked running yes yes yes $SOCK'"

# A live detach needs the guest's consent (ACPI); SeaBIOS never gives it:
# libvirt asks, waits its 5 s and returns, and bbvirt says the guest still
# has the device rather than claiming it gone.
bbv d5 rng detach hooked --live
sed "s/^/# d5: /" "$T/d5.err"
check "live detach of an unconsenting guest: exit 0" rc_is d5 0
check "live detach: says the guest still has it" grep -q "its guest still has it" "$T/d5.err"

finish
