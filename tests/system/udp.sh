#!/bin/sh
# The UDP service (-u HOST:PORT) against a real seedd on emulated devices,
# through helpers/udpclient.py, on loopback only:
#   1. round trips: 2-byte big-endian requests of 1, 32 and 32768 get one
#      datagram of exactly that many bytes, which are exactly what seedd
#      served (SEEDD_TEST_UDP_TEE), in order; on ::1 too (-u [::1]:PORT);
#   2. malformed requests (1 byte, 3 bytes, count 0, count 32769) get no
#      reply: a valid request sent after them on the same socket is the
#      first one answered; counted as refusals of the udp sink;
#   3. the allow-list: --udp-allow=127.0.0.2/32 answers 127.0.0.2, not
#      127.0.0.1 (the default: loopback only);
#   4. the per-source rate (--udp-rate 10000: a bucket of 32768 bytes, the
#      largest reply) and the global one (--udp-max-rate): a burst of 15
#      requests of 3000 gets at most the bucket plus the rate times the time
#      it took;
#   5. a failing device (all zeros), also with --no-qa: nothing served
#      (the requests wait for data up to 1 s, then are refused);
#   bad -u/--udp-allow/--udp-rate values: one line, exit 1.
# The order of datagrams on one socket is kept, so "the service has handled
# these" is shown by the reply to a later request, never by waiting.
. "$SRC/tests/system/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
UDP="env -u LD_PRELOAD python3 $SRC/tests/system/helpers/udpclient.py"
CTL="env -u LD_PRELOAD python3 $SRC/tests/system/helpers/ctlclient.py"
PORT=$(free_port udp)

# start_seedd BBEMU-DEVICE -- SEEDD-ARGS: seedd under bbemu in the background,
# with a control socket ($T/ctl).
start_seedd() {
    devs=""
    while [ "$1" != -- ]; do devs="$devs $1"; shift; done
    shift
    rm -f "$T/ctl"
    # shellcheck disable=SC2086
    timeout -k 3 200 "$BBEMU" $devs -- "$SEEDD" -c "$T/ctl" -vv "$@" >/dev/null 2>"$T/err" &
    PID=$!
    BG_PIDS="$BG_PIDS $PID"
    wait_for test -S "$T/ctl"
}
stop_seedd() {
    kill -TERM "$PID"
    wait "$PID"
    RC=$?
}
# sink FIELD: the udp sink's FIELD in GetStatus
sink() {
    $CTL ask "$T/ctl" '["GetStatus",1]' | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
print([s for s in r[2]["Sinks"] if s["Name"] == "udp"][0][sys.argv[1]])' "$1"
}
# The ready buffer is full (64 KiB less a block): read - delivered - dropped.
ready_full() {
    [ "$(($(sink BytesRead) - $(sink BytesDelivered) - $(sink BytesDropped)))" -ge 60000 ]
}

# === 1. round trips ================================================================
UDP_TEE=$T/tee
SEEDD_TEST_UDP_TEE=$UDP_TEE
export SEEDD_TEST_UDP_TEE
start_seedd --device UDPA01@1-1 -- -u "127.0.0.1:$PORT"
unset SEEDD_TEST_UDP_TEE
check "round trips: serving (a udp sink)" wait_for ready_full
$UDP ask 127.0.0.1 "$PORT" "$T/got" 1 32 32768 >"$T/ask"
check "1, 32, 32768 bytes asked: one datagram of each length" \
    equals "$(tr '\n' ' ' <"$T/ask")" "len 1 len 32 len 32768 "
check "the bytes are what seedd served, in order (32801 bytes)" \
    sh -c "[ \$(wc -c <'$T/got') = 32801 ] && cmp -s '$T/got' '$UDP_TEE'"

# === 2. malformed requests ========================================================
$UDP bad 127.0.0.1 "$PORT" 05 000100 0000 8001 -- 7 >"$T/bad"
check "1 byte, 3 bytes, count 0, count 32769: no reply (the next request's is first)" \
    equals "$(cat "$T/bad")" "first 7"
check "counted: 4 refusals of 8 requests so far" \
    equals "$(sink Refusals) of $(sink Requests)" "4 of 8"
if python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' \
        2>/dev/null; then
    SKIP6=""
else
    SKIP6="::1 is not available here"
fi
stop_seedd
check "SIGTERM: exit 0" equals "$RC" 0

if [ -z "$SKIP6" ]; then
    PORT6=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0)); print(s.getsockname()[1])')
    start_seedd --device UDPB01@1-1 -- -u "[::1]:$PORT6"
    wait_for ready_full
    check "-u [::1]:PORT: 64 bytes asked, 64 got" \
        equals "$($UDP ask ::1 "$PORT6" "$T/got6" 64)" "len 64"
    stop_seedd
else
    skip_check "-u [::1]:PORT: 64 bytes asked, 64 got" "$SKIP6"
fi

# === 3. the allow-list ============================================================
start_seedd --device UDPC01@1-1 -- -u "127.0.0.1:$PORT" --udp-allow=127.0.0.2/32
wait_for ready_full
check "--udp-allow=127.0.0.2/32: 127.0.0.2 answered, 127.0.0.1 not" \
    equals "$($UDP acl 127.0.0.1 "$PORT" 127.0.0.1 127.0.0.2)" "allowed 16 denied 0"
check "the denied request counted as a refusal" equals "$(sink Refusals)" 1
stop_seedd
start_seedd --device UDPC02@1-1 -- -u "127.0.0.1:$PORT"
wait_for ready_full
check "default allow-list (loopback): 127.0.0.1 and 127.0.0.2 answered" \
    equals "$($UDP acl 127.0.0.1 "$PORT" 127.0.0.1 127.0.0.2)" "allowed 16 denied 16"
stop_seedd

# === 4. rates =====================================================================
# burst_ok OUT BUCKET RATE: at least one reply, at most BUCKET + RATE * secs
# bytes (the marker's 1 byte included for the global bucket)
burst_ok() {
    read -r _ replies _ bytes _ secs <"$1"
    bound=$(awk -v s="$secs" -v b="$2" -v r="$3" 'BEGIN { printf "%d", b + r * s }')
    echo "# $(cat "$1"), at most $bound"
    [ "$replies" -ge 1 ] && [ "$bytes" -le "$bound" ]
}
# A bucket holds at least one largest reply (32768 bytes); 15 requests of
# 3000 (45000, less than the 64 KiB kept ready) would all be answered
# without a limit; 10 fit the bucket, and what is left (2768) answers the
# 1-byte marker even under the global limit.
start_seedd --device UDPD01@1-1 -- -u "127.0.0.1:$PORT" --udp-rate 10000 --udp-max-rate 0
wait_for ready_full
$UDP burst 127.0.0.1 "$PORT" 127.0.0.1 15 3000 127.0.0.2 >"$T/burst"
check "--udp-rate 10000: 15 x 3000 asked at once, at most 32768 + 10000/s served" \
    burst_ok "$T/burst" 32768 10000
stop_seedd
start_seedd --device UDPD02@1-1 -- -u "127.0.0.1:$PORT" --udp-rate 0 --udp-max-rate 10000
wait_for ready_full
$UDP burst 127.0.0.1 "$PORT" 127.0.0.1 15 3000 127.0.0.2 >"$T/gburst"
check "--udp-max-rate 10000: the same burst, at most 32768 + 10000/s in all" \
    burst_ok "$T/gburst" 32768 10000
stop_seedd

# === 5. QA: a failing device serves nothing ========================================
head -c 1048576 /dev/zero >"$T/zeros"
for noqa in "" --no-qa; do
    start_seedd "--device UDPE01@1-1,payload=$T/zeros" -- -u "127.0.0.1:$PORT" $noqa
    if [ -z "$noqa" ]; then
        failing() { grep -q 'UDPE01: failing QA' "$T/err"; }
        wait_for failing
    else
        # the device's blocks reach the pool: the udp sink reads them
        has_read() { [ "$(sink BytesRead)" -ge 25000 ]; }
        wait_for has_read
    fi
    $UDP send 127.0.0.1 "$PORT" 5 32
    # Each waits for data (1 s), then is refused: the count settles at 5.
    refused() { [ "$(sink Refusals)" -ge 5 ]; }
    wait_for refused
    check "failing device ${noqa:-(QA on)}: 5 requests, 5 refused, nothing delivered" \
        equals "$(sink Requests) $(sink Refusals) $(sink BytesDelivered)" "5 5 0"
    stop_seedd
    check "failing device ${noqa:-(QA on)}: they waited for data and got none (exit summary)" \
        contains "$T/err" "udp: 0 answered (0 bytes), 5 waited for data; refused: .* 5 not ready in 1000 ms; 0 waiting at exit"
done

# === bad values ====================================================================
bad() {
    "$SEEDD" "$@" -o >/dev/null 2>"$T/bad.err"
    RC=$?
    check "$*: exit 1, one line naming it ($(head -n 1 "$T/bad.err"))" \
        sh -c "[ $RC = 1 ] && [ \$(wc -l <'$T/bad.err') = 1 ] && grep -q -- '${1%%=*}' '$T/bad.err'"
}
bad -u nohostport
bad --udp-allow=10.0.0.1/8
bad --udp-allow=
bad --udp-rate=lots
bad --udp-max-rate=2000000000
finish
