#!/bin/sh
# The EGD service (--egd-out) against a real seedd on emulated devices,
# through helpers/egdclient.py:
#   1. every command (0x00 available, 0x01 non-blocking read, 0x02 blocking
#      read, 0x03 write refused and the stream kept in step, 0x04 pid, a
#      request split over sends); the bytes a client got are exactly what
#      seedd served (SEEDD_TEST_EGD_TEE), in order; the socket mode (0600,
#      0660 with --egd-group); an unknown command closes that client only;
#      tcp:127.0.0.1:PORT beside a unix socket;
#   2. 200 clients at once, each 20 blocking reads of 64 bytes: all served;
#      a client that never reads is dropped for its queued output while the
#      others are served;
#   3. the per-client rate (--egd-rate 1000): a burst of non-blocking reads
#      gets at most the bucket (1000) plus the rate times the time it took;
#   4. a device failing QA (all-zero payload): no byte served, also with
#      --no-qa (its blocks in the pool: the EGD monitor's gate);
#   bad --egd-out/--egd-rate values: one line, exit 1; SIGTERM removes the
#   socket files.
. "$SRC/tests/system/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
CLI="env -u LD_PRELOAD python3 $SRC/tests/system/helpers/egdclient.py"
E=$T/egd/seedd.sock # its directory made by seedd
GRP=$(getent group daemon >/dev/null 2>&1 && echo daemon || id -gn)

# start_seedd BBEMU-DEVICES -- SEEDD-ARGS: seedd under bbemu in the background.
start_seedd() {
    devs=""
    while [ "$1" != -- ]; do devs="$devs $1"; shift; done
    shift
    rm -f "$T/pid"
    # shellcheck disable=SC2086
    timeout -k 3 200 "$BBEMU" $devs -- sh -c 'echo $$ >"$0"; exec "$@"' "$T/pid" \
        "$SEEDD" -c none -vv "$@" >/dev/null 2>"$T/err" &
    PID=$!
    BG_PIDS="$BG_PIDS $PID"
}
stop_seedd() {
    kill -TERM "$PID"
    wait "$PID"
    RC=$?
}
logged() { grep -q -- "$1" "$T/err"; }

# === 1. the commands ===========================================================
start_seedd --device EGDA01@1-1 -- --egd-out="unix:$E" --egd-group "$GRP"
check "socket: listening" wait_for test -S "$E"
check "socket: mode 0660, group $GRP" equals "$(stat -c '%a %G' "$E")" "660 $GRP"
check "socket directory: made, mode 0755" equals "$(stat -c '%a' "$T/egd")" 755
wait_for test -s "$T/pid"
SPID=$(cat "$T/pid")
# ready_bits N: the service holds at least N bits ready (0x00), so that a
# check of 0x00 does not race the device's and the monitor's start
ready_bits() { $CLI nothing "$E" 0.01 | awk -v n="$1" '{ exit !($2 >= n) }'; }
wait_for ready_bits 2296 # the 287 bytes basics reads
$CLI basics "$E" "$SPID" "$T/got1" >"$T/b1" 2>"$T/b1.err"
check "basics: exit 0 ($(cat "$T/b1.err"))" equals $? 0
check "0x00: the ready bytes as bits (1..32768 bytes)" awk \
    '/^avail / { exit !($2 > 0 && $2 <= 262144 && $2 % 8 == 0) }' "$T/b1"
check "0x04: seedd's pid" grep -q -x "pid $SPID" "$T/b1"
check "0x01 16: 16 bytes" grep -q -x "nb16 16" "$T/b1"
check "0x01 0: an empty reply" grep -q -x "nb0 0" "$T/b1"
check "0x02 0 then 0x02 255: 255 bytes" grep -q -x "block255 ok" "$T/b1"
check "0x03 refused without a reply, the next read answered" grep -q -x "after-write 7" "$T/b1"
check "a request split over two sends: answered" grep -q -x "split 9" "$T/b1"
check "the connection still in step at the end" grep -q -x "pid-again True" "$T/b1"
check "the data: 16 + 255 + 7 + 9 bytes" equals "$(size_of "$T/got1")" 287
check "unknown command 0x05: that client closed" equals "$($CLI bad "$E")" closed
check "unknown command: logged" logged "egd: a client sent .*(0x05): closed"
check "after it, other clients served" sh -c "$CLI basics '$E' '$SPID' '$T/got2' >/dev/null"
stop_seedd
check "SIGTERM: exit 0" equals "$RC" 0
check "SIGTERM: the socket file removed" test ! -e "$E"

# The bytes are the ones seedd served, in order; unix and tcp side by side.
EGD_TEE=$T/tee
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SEEDD_TEST_EGD_TEE=$EGD_TEE
export SEEDD_TEST_EGD_TEE
chmod 0700 "$T/egd" # as systemd's RuntimeDirectory= makes it
start_seedd --device EGDB01@1-1 -- --egd-out="unix:$E" --egd-out="tcp:127.0.0.1:$PORT"
unset SEEDD_TEST_EGD_TEE
check "unix and tcp: listening" wait_for test -S "$E"
check "socket: mode 0600 without a group" equals "$(stat -c '%a' "$E")" 600
check "socket directory 0700: set to 0755, logged" sh -c \
    "[ \$(stat -c '%a' '$T/egd') = 755 ] && grep -q 'had mode 0700' '$T/err'"
wait_for test -s "$T/pid"
SPID=$(cat "$T/pid")
$CLI basics "$E" "$SPID" "$T/got3" >/dev/null 2>&1
check "tee: what the client got is what seedd served, in order" same_file "$T/got3" "$EGD_TEE"
check "tcp:127.0.0.1:$PORT: answered" sh -c "$CLI basics 'tcp:127.0.0.1:$PORT' '$SPID' '$T/got4' | grep -q -x 'pid-again True'"
check "tee: the tcp client's bytes follow" sh -c "cat '$T/got3' '$T/got4' | cmp -s - '$EGD_TEE'"
stop_seedd
check "unix and tcp, SIGTERM: exit 0, no socket file" sh -c "[ $RC = 0 ] && [ ! -e '$E' ]"

# === 2. many clients, a client that never reads ===============================
start_seedd --device EGDC01@1-1 --device EGDC02@1-2 -- --egd-out="unix:$E" --egd-rate 0
check "many: listening" wait_for test -S "$E"
timeout 120 $CLI deaf "$E" "$T/deafflag" >"$T/deaf" 2>&1 &
DEAF=$!
BG_PIDS="$BG_PIDS $DEAF"
wait_for test -s "$T/deafflag"
timeout 120 $CLI many "$E" 200 20 >"$T/many" 2>&1
check "200 clients, 20 reads of 64 bytes each: all served ($(cat "$T/many"))" \
    grep -q -x "done 200 min 1280 max 1280" "$T/many"
wait "$DEAF"
check "never-reading client: dropped ($(cat "$T/deaf"))" grep -q "^dropped after" "$T/deaf"
check "never-reading client: for its queued output" logged "egd: client [0-9]* dropped (output)"
check "after it: others served" sh -c "$CLI many '$E' 5 5 | grep -q -x 'done 5 min 320 max 320'"
stop_seedd
check "many, SIGTERM: exit 0" equals "$RC" 0

# === 3. the rate ================================================================
start_seedd --device EGDD01@1-1 -- --egd-out="unix:$E" --egd-rate 1000
check "rate: listening" wait_for test -S "$E"
# Wait until the ready buffer holds more than the burst asks for.
wait_for ready_bits 40000
$CLI burst "$E" 16 >"$T/burst"
read -r got secs <"$T/burst"
bound=$(awk -v s="$secs" 'BEGIN { printf "%d", 1000 + 1000 * s + 1 }')
check "rate 1000/s: 16 x 255 asked, got $got in ${secs}s (at most $bound)" \
    test "$got" -le "$bound" -a "$got" -ge 255
stop_seedd

# === 4. QA: a failing device serves nothing ====================================
head -c 1048576 /dev/zero >"$T/zeros"
start_seedd "--device EGDE01@1-1,payload=$T/zeros" -- --egd-out="unix:$E"
check "failing device: listening" wait_for test -S "$E"
check "failing device: failing QA, logged" wait_for logged "EGDE01: failing QA"
check "failing device: no byte served (0 bits, empty 0x01, 0x02 unanswered for 2 s)" \
    equals "$($CLI nothing "$E" 2)" "avail 0 nb 0 block 0"
stop_seedd
# --no-qa lets the device's blocks into the pool (for stdout only): the EGD
# monitor's own gate still serves none of them.
start_seedd "--device EGDF01@1-1,payload=$T/zeros" -- --egd-out="unix:$E" --no-qa
check "--no-qa, failing device: listening" wait_for test -S "$E"
check "--no-qa: the pool has the device's blocks" wait_for logged "EGDF01: streaming"
check "--no-qa: still no byte served (0 bits, empty 0x01, 0x02 unanswered for 2 s)" \
    equals "$($CLI nothing "$E" 2)" "avail 0 nb 0 block 0"
stop_seedd

# === bad values =================================================================
for bad in "foo" "unix:relative" "tcp:nohostport" "unix:/x," "unix:/x" "unix:/a/"; do
    "$SEEDD" --egd-out="$bad" -o >/dev/null 2>"$T/bad.err"
    RC=$?
    check "--egd-out='$bad': exit 1, one line naming it" \
        sh -c "[ $RC = 1 ] && [ \$(wc -l <'$T/bad.err') = 1 ] && grep -q -- '--egd-out' '$T/bad.err'"
done
"$SEEDD" --egd-out="unix:$E" --egd-rate=lots -o >/dev/null 2>"$T/bad.err"
check "--egd-rate=lots: exit 1, one line" sh -c "[ $? = 1 ] && [ \$(wc -l <'$T/bad.err') = 1 ]"
mkdir -m 1777 "$T/sticky"
"$SEEDD" -c none --egd-out="unix:$T/sticky/s" -o >/dev/null 2>"$T/bad.err"
RC=$?
check "--egd-out in a sticky directory: exit 1, one line ($(cat "$T/bad.err"))" \
    sh -c "[ $RC = 1 ] && [ \$(wc -l <'$T/bad.err') = 1 ] && grep -q 'is shared' '$T/bad.err'"
finish
