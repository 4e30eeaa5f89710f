#!/bin/sh
# Smoke test of bbemu, the BitBabbler emulator, with a plain libusb client
# (tests/system/helpers/bbclient.c; no project code involved).
#
#   emu-smoke.sh [BBEMU [BBCLIENT]]
#
# BBEMU defaults to build/bbemu; without BBCLIENT the helper is compiled
# with cc + pkg-config libusb-1.0.  Exit 0 pass, 1 fail, 77 skip.
set -u

here=$(cd "$(dirname "$0")" && pwd)
BBEMU=${1:-${BBEMU:-$here/../../build/bbemu}}
BBCLIENT=${2:-${BBCLIENT:-}}

[ -x "$BBEMU" ] || { echo "SKIP: no bbemu at $BBEMU"; exit 77; }
ldconfig -p 2>/dev/null | grep -q libumockdev-preload.so.0 ||
    { echo "SKIP: libumockdev-preload.so.0 not installed"; exit 77; }

work=$(mktemp -d /tmp/bbsmoke.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/tmp"
chmod 755 "$work" "$work/tmp"
export TMPDIR="$work/tmp"            # bbemu's testbeds land here: checked at the end

if [ -z "$BBCLIENT" ]; then
    BBCLIENT=$work/bbclient
    # shellcheck disable=SC2046
    cc -std=c11 -O2 -o "$BBCLIENT" "$here/helpers/bbclient.c" \
        $(pkg-config --cflags --libs libusb-1.0) ||
        { echo "SKIP: cannot build the libusb helper"; exit 77; }
fi
chmod 755 "$BBCLIENT"

fails=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then pass "$d"; else fail "$d"; fi
}
# wait_for COMMAND...: up to 30 s for a condition driven through the FIFO
wait_for() {
    i=0
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -gt 600 ] && return 1
        sleep 0.05
    done
}

# payload: 70000 bytes, not a multiple of 510 or of the read size
head -c 70000 /dev/urandom > "$work/pay.bin"
cat "$work/pay.bin" "$work/pay.bin" "$work/pay.bin" "$work/pay.bin" > "$work/pay4.bin"
head -c 200000 "$work/pay4.bin" > "$work/want200k.bin"

# --- bad input: one line on stderr, exit 2, nothing started
"$BBEMU" --device 'X@3-' -- true 2> "$work/err"; rc=$?
check "bad SPEC exits 2" [ $rc -eq 2 ]
check "bad SPEC message" grep -qx "bbemu: --device 'X@3-': empty port path" "$work/err"
"$BBEMU" --device A --device A -- true 2> "$work/err"; rc=$?
check "duplicate serial exits 2" [ $rc -eq 2 ]
"$BBEMU" --device 'A,fault=bogus' -- true 2>/dev/null; rc=$?
check "unknown fault exits 2" [ $rc -eq 2 ]
"$BBEMU" --device "A,payload=$work/none" -- true 2>/dev/null; rc=$?
check "missing payload exits 2" [ $rc -eq 2 ]
# A FIFO as payload (no writer) is refused at once, never a blocking open,
# on the command line and in an "add" control line; SIGTERM still ends
# bbemu (timeout bounds the old hang: 124/137 instead of 2 and 0).
mkfifo "$work/fifo"
timeout -k 2 10 "$BBEMU" --device "A,payload=$work/fifo" -- true 2> "$work/err"; rc=$?
check "FIFO payload exits 2 at once (got $rc)" [ $rc -eq 2 ]
check "FIFO payload message" grep -qx \
    "bbemu: --device 'A,payload=$work/fifo': payload file '$work/fifo' is not a regular file" \
    "$work/err"
timeout -k 2 20 "$BBEMU" --control "$work/ctl" > /dev/null 2> "$work/err" &
emu_pid=$!
check "FIFO payload: control FIFO made" wait_for test -p "$work/ctl"
echo "add B,payload=$work/fifo" > "$work/ctl"
check "FIFO payload in an add line: refused" wait_for grep -qx \
    "bbemu: control: payload file '$work/fifo' is not a regular file (ignored)" "$work/err"
kill -TERM $emu_pid
wait $emu_pid; rc=$?
check "FIFO payload in an add line: SIGTERM ends bbemu, exit 0 (got $rc)" [ $rc -eq 0 ]

# --- exit status
"$BBEMU" --device A -- sh -c 'exit 7'; rc=$?
check "exit status is COMMAND's" [ $rc -eq 7 ]
"$BBEMU" --device A -- sh -c 'kill -TERM $$'; rc=$?
check "killed COMMAND gives 128+signal" [ $rc -eq 143 ]
"$BBEMU" --device A -- sh -c 'test -n "$UMOCKDEV_DIR" && test -p "$BBEMU_CONTROL" &&
    case "$LD_PRELOAD" in "$BBEMU_PRELOAD"*) ;; *) exit 1;; esac &&
    case "$BBEMU_PRELOAD" in /*/libbbemu-preload.so:libumockdev-preload.so.0) exit 0;; esac
    exit 1'
check "environment of COMMAND" [ $? -eq 0 ]

# --- enumeration: explicit bus/port/dev, hub chain, strings
"$BBEMU" --device GK9VZF@3-2,dev=6 --device GTH4R8@5-2.3,black -- "$BBCLIENT" list \
    > "$work/list" 2>&1
check "device at 3-2 dev 6" grep -qx \
    "003:006 port=3-2 serial=GK9VZF product=White RNG mfg=Voicetronix Australia" "$work/list"
check "Black device behind hub 5-2" grep -qx \
    "005:002 port=5-2.3 serial=GTH4R8 product=Black RNG mfg=Voicetronix Australia" "$work/list"

# --- payload: FILE exactly with mask 0x0F, XOR model for masks, zeros for 0
"$BBEMU" -w "$work/wire" --device "PAY1,payload=$work/pay.bin" -- \
    "$BBCLIENT" read PAY1 200000 > "$work/got" 2> "$work/err"
check "read 200000 bytes = payload cycled" cmp -s "$work/got" "$work/want200k.bin"
"$BBEMU" --device "PAY1,payload=$work/pay.bin" -- "$BBCLIENT" read PAY1 70000 01 > "$work/m1"
"$BBEMU" --device "PAY1,payload=$work/pay.bin" -- "$BBCLIENT" read PAY1 70000 0e > "$work/me"
if command -v python3 >/dev/null; then
    check "mask 0x01 XOR mask 0x0E = payload" python3 -c '
import sys
a, b, f = (open(p, "rb").read() for p in sys.argv[1:4])
sys.exit(0 if bytes(x ^ y for x, y in zip(a, b)) == f and len(a) == len(f) else 1)' \
        "$work/m1" "$work/me" "$work/pay.bin"
fi
check "mask 0x01 differs from payload" sh -c "! cmp -s '$work/m1' '$work/pay.bin'"
"$BBEMU" --expect 1:70000 --device "PAY1,payload=$work/pay.bin" > "$work/e1"
check "--expect predicts mask 0x01" cmp -s "$work/e1" "$work/m1"
"$BBEMU" --expect f:200000 --device "PAY1,payload=$work/pay.bin,fault=stuck" > "$work/ef"
check "--expect with mask 0xf = payload" cmp -s "$work/ef" "$work/want200k.bin"
"$BBEMU" --device PAY1 -- "$BBCLIENT" read PAY1 5000 00 > "$work/z"
head -c 5000 /dev/zero > "$work/zeros"
check "mask 0 gives zeros" cmp -s "$work/z" "$work/zeros"

# --- wire log
w=$work/wire/PAY1.wire
check "wire: plug line" grep -qx "plug bus=1 dev=2 port=1" "$w"
check "wire: bitmode MPSSE" grep -qx "ctrl 40 0b 0200 0001 0000" "$w"
check "wire: sync" grep -qx "out aa 87" "$w"
check "wire: setup" grep -qx "out 8a 97 8d 80 00 0b 82 00 00 86 0b 00 85" "$w"
check "wire: read command" grep -qx "out 20 ff ff 87" "$w"
check "wire: claim and release" sh -c "grep -qx claim '$w' && grep -qx release '$w'"

# --- control FIFO: unplug, plug (new devnum), replug, dump, add, bad commands
cat > "$work/ctl.sh" <<'EOF'
set -u
C=$BBEMU_CONTROL; B=$1; W=$2
listed() { "$B" list | grep -q "$1"; }
gone() { ! "$B" list | grep -q "$1"; }
wait_for() { i=0; while ! "$@" >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 600 ] && return 1; sleep 0.05; done; }
r=0
listed "001:002 port=1-1 serial=CTL1" || r=1
echo "unplug CTL1" > "$C"; wait_for gone CTL1 || r=2
echo "plug CTL1" > "$C"; wait_for listed "001:003 port=1-1 serial=CTL1" || r=3
echo "replug CTL1" > "$C"; wait_for listed "001:004 port=1-1 serial=CTL1" || r=4
echo "add CTL2@4-1.2,dev=9" > "$C"; wait_for listed "004:009 port=4-1.2 serial=CTL2" || r=5
echo "bogus command" > "$C"
echo "dump CTL1 $W/dump.txt" > "$C"; wait_for test -f "$W/dump.txt" || r=6
echo "fault CTL1 busy" > "$C"; wait_for sh -c "'$B' read CTL1 10 2>&1 | grep -q BUSY" || r=7
echo "clear CTL1" > "$C"; wait_for "$B" read CTL1 10 || r=8
echo "fault CTL1 status:31" > "$C"; wait_for sh -c "'$B' read CTL1 10 2>&1 | grep -q 'bad status 31'" || r=9
echo "fault CTL1 stall" > "$C"; wait_for sh -c "'$B' read CTL1 10 2>&1 | grep -q PIPE" || r=10
echo "clear CTL1" > "$C"; echo "fault CTL1 unplug:1000" > "$C"
wait_for sh -c "'$B' read CTL1 100000 2>&1 >/dev/null | grep -q NO_DEVICE" || r=11
wait_for gone CTL1 || r=12
# device numbers wrap around at 127 and are reused after re-enumerations
echo "plug CTL1" > "$C"
i=0; while [ $i -lt 130 ]; do echo "replug CTL1"; i=$((i + 1)); done > "$C"
# (each replug rewrites the test bed: ~0.1-0.2 s on a loaded machine, so
# the 130 get a minute rather than wait_for's 30 s)
echo "dump CTL1 $W/dump2.txt" > "$C"
i=0; while [ ! -f "$W/dump2.txt" ] && [ $i -lt 1200 ]; do i=$((i+1)); sleep 0.05; done
test -f "$W/dump2.txt" || r=13
wait_for "$B" read CTL1 1000 || r=14
exit $r
EOF
"$BBEMU" --device CTL1 -- sh "$work/ctl.sh" "$BBCLIENT" "$work" 2> "$work/err"; rc=$?
check "control commands (step $rc)" [ $rc -eq 0 ]
check "control: bad command reported" grep -q "bbemu: control: unknown command 'bogus command'" \
    "$work/err"
check "dump has the replug" sh -c "grep -qx 'plug bus=1 dev=4 port=1' '$work/dump.txt' &&
    grep -qx unplug '$work/dump.txt'"
[ $rc -eq 0 ] || sed 's/^/  bbemu: /' "$work/err"

# --- a uevent listener that is gone between umockdev's glob of
# TESTBED/event* and its connect (a short-lived client's udev monitor
# closing): umockdev 0.17 aborts on that ENOENT.  A dangling
# TESTBED/event999 makes the race certain; bbemu must carry on, and
# umockdev then removes the stale name as it does for ECONNREFUSED.
"$BBEMU" --device STALE0 -- sh -c '
    ln -s "$UMOCKDEV_DIR/no-such-listener" "$UMOCKDEV_DIR/event999" || exit 3
    echo "add STALE1@2-1" > "$BBEMU_CONTROL"
    i=0; while ! "$1" list | grep -q serial=STALE1; do
        i=$((i + 1)); [ $i -gt 600 ] && exit 4; sleep 0.05; done
    [ ! -L "$UMOCKDEV_DIR/event999" ] || exit 5' sh "$BBCLIENT" 2> "$work/err"; rc=$?
check "vanished uevent listener: bbemu carries on (rc $rc)" [ $rc -eq 0 ]
[ $rc -eq 0 ] || sed 's/^/  bbemu: /' "$work/err"

# --- faults given in SPEC
"$BBEMU" --device "F1,payload=$work/pay.bin,fault=short:100" -- "$BBCLIENT" read F1 70000 \
    > "$work/got"
check "short packets keep the data" cmp -s "$work/got" "$work/pay.bin"
"$BBEMU" --device "F1,fault=excess:1" -- "$BBCLIENT" read F1 1000 > /dev/null 2> "$work/err"
check "excess data seen" grep -q "excess data" "$work/err"
"$BBEMU" --device "F1,fault=timeout:1000" -- "$BBCLIENT" read F1 5000 > /dev/null 2> "$work/err"
check "timeout: data stops" grep -q TIMEOUT "$work/err"
"$BBEMU" --device "F1,fault=stuck:5a" -- "$BBCLIENT" read F1 100 > "$work/got"
head -c 100 /dev/zero | tr '\0' 'Z' > "$work/want"          # Z = 0x5a
check "stuck bytes" cmp -s "$work/got" "$work/want"

# --- unprivileged COMMAND and the access fault (root only)
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    "$BBEMU" --user nobody --device U1 --device U2,fault=access -- "$BBCLIENT" list \
        > "$work/list" 2>&1
    check "--user: device usable" grep -q "serial=U1" "$work/list"
    check "access fault: LIBUSB_ERROR_ACCESS" grep -q "open=LIBUSB_ERROR_ACCESS" "$work/list"
fi

# --- bbemu itself killed with SIGTERM or SIGINT: it forwards the signal,
# exits with the command's status, and removes its test bed and FIFO
for sig in TERM:15 INT:2; do
    num=${sig#*:}
    sig=${sig%:*}
    rm -f "$work/child.pid"
    "$BBEMU" --device SIG1 -- sh -c 'echo $$ >"$0"; exec sleep 60' "$work/child.pid" &
    epid=$!
    wait_for test -s "$work/child.pid"
    cpid=$(cat "$work/child.pid" 2>/dev/null)
    check "SIG$sig: the command runs" kill -0 "${cpid:-0}"
    check "SIG$sig: a test bed exists while it runs" [ -n "$(ls -A "$work/tmp")" ]
    kill -s "$sig" "$epid"
    if wait_for sh -c "! kill -0 $epid"; then
        wait "$epid"
        rc=$?
    else
        kill -KILL "$epid" 2>/dev/null
        rc=timeout
    fi
    want=$((128 + num))
    check "SIG$sig: bbemu ends with the command's status ($rc, want $want)" [ "$rc" = "$want" ]
    check "SIG$sig: the command is gone" sh -c "! kill -0 ${cpid:-0} 2>/dev/null"
    check "SIG$sig: no test bed or control FIFO left" [ -z "$(ls -A "$work/tmp")" ]
done

# --- nothing left behind
check "no testbed left" [ -z "$(ls -A "$work/tmp")" ]

echo "$fails failure(s)"
[ $fails -eq 0 ]
