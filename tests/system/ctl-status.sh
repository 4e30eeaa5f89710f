#!/bin/sh
# The control socket's keys beyond upstream, read from a real seedd on two
# emulated devices with the kernel feed on (root: -k feeds the host's
# /dev/random, harmless, see kernel.sh):
#   - GetStatus: "Devices" names both serials, each streaming, with its bus
#     and device number and bytes read; the device with one stall armed at
#     1 MiB (before seedd starts) shows exactly 1 recovery, the other 0;
#     "Sinks" has stdout and kernel; "CRNG" is ready (the host's is, as
#     getrandom(GRND_NONBLOCK) shows) with the feeds counted in 625 bytes.
#   - ReportStats: the device's STATS carries "Device" (the same state,
#     bus, device and recoveries as GetStatus), Kernel's carries "Sink"
#     (kernel) and "CRNG", Pool's carries "PoolFill".
. "$SRC/tests/system/lib.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the kernel feed (-k) needs root (CAP_SYS_ADMIN)"
    exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
CLI="python3 $SRC/tests/system/helpers/ctlclient.py"
S=$T/seedd.socket
ask() { $CLI ask "$S" "$@" 2>>"$T/cli.err"; }

# jq-like checks in python: status EXPR is true of the GetStatus object.
status() {
    ask '"GetStatus"' >"$T/st.json" || return 1
    python3 - "$T/st.json" "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
st = r[2]
dev = {d["ID"]: d for d in st["Devices"]}
sinks = {s["Name"]: s for s in st["Sinks"]}
sys.exit(0 if eval(sys.argv[2]) else 1)
EOF
}
# stats ID EXPR: EXPR is true of ReportStats ID's STATS object (s).
stats() {
    ask "[\"ReportStats\",1,\"$1\"]" >"$T/rs.json" || return 1
    python3 - "$T/rs.json" "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
s = r[2][sys.argv[2]]
sys.exit(0 if eval(sys.argv[3]) else 1)
EOF
}

timeout -k 3 200 "$BBEMU" --device "CSTA01@1-1,fault=stall:1@1M" --device "CSTB01@1-2" -- \
    "$SEEDD" -o --no-qa -k -c "$S" -v >/dev/null 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"

check "GetStatus: both devices listed" wait_for status \
    'sorted(dev) == ["CSTA01", "CSTB01"]'
check "GetStatus: both read past 2 MiB (the stall is at 1 MiB)" wait_for status \
    'all(d["BytesRead"] > 2 << 20 for d in dev.values())'
check "GetStatus: both streaming" status 'all(d["State"] == "streaming" for d in dev.values())'
check "GetStatus: the stalled device has recovered once" status 'dev["CSTA01"]["Recoveries"] == 1'
check "GetStatus: the other device never recovered" status 'dev["CSTB01"]["Recoveries"] == 0'
check "GetStatus: bus 1, two distinct device numbers" status \
    'all(d["Bus"] == 1 for d in dev.values()) and dev["CSTA01"]["Device"] != dev["CSTB01"]["Device"] and min(d["Device"] for d in dev.values()) > 0'
check "GetStatus: sinks stdout and kernel" status 'sorted(sinks) == ["kernel", "stdout"]'
check "GetStatus: stdout delivered bytes" status 'sinks["stdout"]["BytesDelivered"] > 0'
ready=$(python3 -c 'import os
try:
    os.getrandom(1, os.GRND_NONBLOCK); print("True")
except BlockingIOError:
    print("False")')
check "GetStatus: CRNG ready is the host's ($ready)" status "st['CRNG']['Ready'] == $ready"
check "GetStatus: CRNG fed at start, in 625-byte feeds" wait_for status \
    'st["CRNG"]["Feeds"] >= 1 and st["CRNG"]["BytesFed"] == 625 * st["CRNG"]["Feeds"] and not st["CRNG"]["Failed"]'
check "GetStatus: the pool's size and fill" status \
    'st["Pool"]["Size"] > 0 and 0 <= st["Pool"]["Fill"] <= st["Pool"]["Size"] and st["Pool"]["BytesIn"] > 0'

# ReportStats: the same facts under the new keys.
ask '"GetStatus"' >"$T/st.json"
bus_dev=$(python3 -c 'import json,sys; d={x["ID"]: x for x in json.load(open(sys.argv[1]))[2]["Devices"]}["CSTA01"]; print(d["Bus"], d["Device"])' "$T/st.json")
check "ReportStats CSTA01: Device state, recoveries, bus and device ($bus_dev)" stats CSTA01 \
    "s['Device']['State'] == 'streaming' and s['Device']['Recoveries'] == 1 and '%d %d' % (s['Device']['Bus'], s['Device']['Device']) == '$bus_dev' and s['Device']['BytesRead'] > 1 << 20"
check "ReportStats CSTB01: no recoveries" stats CSTB01 "s['Device']['Recoveries'] == 0"
check "ReportStats Kernel: Sink kernel and CRNG" stats Kernel \
    "s['Sink']['Name'] == 'kernel' and s['CRNG']['Ready'] == $ready and s['CRNG']['Feeds'] >= 1"
check "ReportStats Pool: PoolFill, and its sink (the kernel feed's first monitor)" stats Pool \
    "s['PoolFill']['Size'] > 0 and s['PoolFill']['Fill'] <= s['PoolFill']['Size'] and s['Sink']['Name'] == 'kernel'"
check "ReportStats CSTA01: no Sink or CRNG key on a device" stats CSTA01 \
    "'Sink' not in s and 'CRNG' not in s"

kill -TERM "$PID"
wait "$PID"
check "SIGTERM: exit 0" equals $? 0
finish
