#!/bin/sh
# bbctl against a fake control socket (helpers/fakectl.py, serving the
# replies of golden/ctl/*.reply): every option's output equals the golden
# text (golden/ctl/*.out, spec §9.2), the actions run in upstream's order
# whatever the order of the options, -i IDs are JSON-escaped, --json prints
# the replies, bad replies and unreachable sockets are one clear message and
# exit 1; --waitfor retries while the socket is absent or refuses or the ID
# is not registered yet, until its timeout (exit 2, measured on the clock);
# seedd-wait.service's own command started before the server succeeds.
# Then the same against a real seedd on bbemu devices (skipped by name
# while seedd has no control socket service).
#
# BB_REGEN=1: write the golden outputs instead of comparing (review them!).
. "$SRC/tests/system/lib.sh"

BBCTL=$BUILD/bbctl
FAKECTL=$SRC/tests/system/helpers/fakectl.py
G=$SRC/tests/system/golden/ctl
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

# fake NAME [FAKECTL-ARGS...]: a fake server on $T/NAME.sock, its requests
# in $T/NAME.log; waits until it listens.
fake() {
    name=$1
    shift
    rm -f "$T/$name.ready"
    timeout -k 3 120 python3 "$FAKECTL" --socket "$T/$name.sock" --replies "$G" \
        --log "$T/$name.log" --ready "$T/$name.ready" "$@" 2>"$T/$name.fake.err" &
    FAKE_PID=$!
    BG_PIDS="$BG_PIDS $FAKE_PID"
    wait_for test -e "$T/$name.ready" || not_ok "fake server $name started"
}
stop_fake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }

# ctl OUT ERR ARGS...: bbctl with a time limit; exit status in RC.
ctl() {
    out=$1
    err=$2
    shift 2
    timeout -k 3 60 "$BBCTL" "$@" >"$out" 2>"$err"
    RC=$?
}

# golden CASE ARGS...: bbctl -c main.sock ARGS... prints golden/ctl/CASE.out.
golden() {
    case=$1
    shift
    ctl "$T/$case.out" "$T/$case.err" -c "$T/main.sock" "$@"
    if [ -n "${BB_REGEN:-}" ]; then
        cp "$T/$case.out" "$G/$case.out"
    fi
    if [ "$RC" = 0 ] && [ ! -s "$T/$case.err" ] && cmp -s "$T/$case.out" "$G/$case.out"; then
        ok "bbctl $* prints golden/ctl/$case.out"
    else
        not_ok "bbctl $* prints golden/ctl/$case.out (exit $RC)"
        diff "$G/$case.out" "$T/$case.out" | head -20 | sed 's/^/#   /'
        sed 's/^/# stderr: /' "$T/$case.err"
    fi
}
one_line() { [ "$(wc -l <"$1")" -eq 1 ] && grep -q -x -- "$2" "$1"; }

# --- every option's output -------------------------------------------
python3 "$G/gen.py" "$T" --wide
cp "$G"/*.reply "$T/" 2>/dev/null
fake main --replies "$T"

golden scan -s
golden stats -S
golden stats-one -S -i GK9VZF
golden stats-one-long --stats --device-id=Kernel
golden runs -r
golden runs-one --bit-runs -i Pool
golden binfreq -b -i Kernel
golden bincount --bin-count -i GK9VZF
golden bins-first --bin-freq --first=3 -i GK9VZF
golden bins-last --bin-freq --last=2 -i GK9VZF
golden bins-firstlast --bin-count --first=2 --last=1k -i GK9VZF
golden bins-none -b --first=0 --last=0 -i GK9VZF
golden bins-all-sources -b --first=1 --last=1
golden bins16 -B --first=3 --last=2 -i Wide
golden bincount16 --bin-count16 --first=2 --last=2 -i Wide
golden bins16-missing -B --first=1 --last=1 -i GK9VZF
golden verbosity -V 3
golden verbosity-long --log-verbosity=0

# Action order: SetLogVerbosity, scan, bins, bit runs, stats, whatever the
# order of the options (and the last -i counts).
: >"$T/main.log"
golden order -S -r -b --first=1 --last=1 -s -i Pool -i Kernel -V 2
check "order: the requests went in upstream's order" sh -c "
    printf '%s\n' '[\"SetLogVerbosity\",0,2]' '\"GetIDs\"' '[\"GetRawData\",1,\"Kernel\"]' \
        '[\"ReportStats\",1,\"Kernel\"]' '[\"ReportStats\",1,\"Kernel\"]' | cmp -s - '$T/main.log'"

# -i is JSON-escaped (upstream spliced it in raw: invalid JSON).
: >"$T/main.log"
golden escaped -S -i 'we"ird'
check "-i 'we\"ird' is sent escaped" grep -q -x -F '["ReportStats",1,"we\"ird"]' "$T/main.log"

# --json: each reply, one line per request, as the server sent it.
ctl "$T/json.out" "$T/json.err" -c "$T/main.sock" --json -S -s -i GK9VZF
{ cat "$G/GetIDs.reply"; echo; cat "$G/ReportStats@GK9VZF.reply"; echo; } >"$T/json.want"
check "--json -S -s: exit 0" equals "$RC" 0
check "--json -S -s: the two replies, GetIDs first, one line each" cmp -s "$T/json.want" "$T/json.out"
ctl "$T/jv.out" "$T/jv.err" -c "$T/main.sock" --json -V 4
check "--json -V 4: the reply only" one_line "$T/jv.out" '\["SetLogVerbosity",0,4\]'

# No action: a reachability check.
ctl "$T/none.out" "$T/none.err" -c "$T/main.sock"
check "no action, server up: exit 0, no output" test "$RC" = 0 -a ! -s "$T/none.out"

# TCP.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
timeout -k 3 60 python3 "$FAKECTL" --tcp "127.0.0.1:$PORT" --replies "$G" \
    --ready "$T/tcp.ready" 2>"$T/tcp.err" &
TCP_PID=$!
BG_PIDS="$BG_PIDS $TCP_PID"
wait_for test -e "$T/tcp.ready"
ctl "$T/tcp.out" "$T/tcp.err2" -c "tcp:127.0.0.1:$PORT" -s
check "-c tcp:127.0.0.1:PORT -s: the scan" cmp -s "$G/scan.out" "$T/tcp.out"
kill "$TCP_PID"

# --- errors: one clear message, exit 1 ---------------------------------
ctl "$T/e.out" "$T/e.err" -c "$T/nope.sock" -s
check "unreachable socket: exit 1" equals "$RC" 1
check "unreachable socket: one line naming it" \
    one_line "$T/e.err" "bbctl: cannot connect to $T/nope.sock: No such file or directory"
ctl "$T/e.out" "$T/e.err" -c "$T/nope.sock"
check "no action, unreachable: exit 1" equals "$RC" 1
for mode in garbage wrong close huge silent; do
    stop_fake
    fake "$mode" --mode "$mode"
    ctl "$T/$mode.out" "$T/$mode.err" -c "$T/$mode.sock" --reply-timeout=1 -S
    check "$mode reply: exit 1" equals "$RC" 1
    check "$mode reply: one line, no output" test "$(wc -l <"$T/$mode.err")" -eq 1 -a ! -s "$T/$mode.out"
    sed 's/^/# /' "$T/$mode.err"
done
check "garbage: says it is not JSON" grep -q "reply is not JSON" "$T/garbage.err"
check "wrong: says what came back" grep -q -F "unrecognised reply 'GetIDs' to ReportStats" "$T/wrong.err"
check "close: says the server closed" grep -q "closed the connection" "$T/close.err"
check "huge: says 64 MiB" grep -q "larger than 64 MiB" "$T/huge.err"
check "silent: says no reply in time" grep -q "no reply from .* in time" "$T/silent.err"
stop_fake

usage() {
    ctl "$T/u.out" "$T/u.err" "$@"
    [ "$RC" = 1 ] && [ ! -s "$T/u.out" ] && [ "$(wc -l <"$T/u.err")" -eq 1 ]
}
check "unknown option: exit 1, one line" usage -x
check "missing argument: exit 1, one line" usage -c
check "--waitfor without bytes: exit 1, one line" usage --waitfor=GK9VZF
check "--waitfor retry 0: exit 1, one line" usage --waitfor=GK9VZF:1:0
check "--first=abc: exit 1, one line" usage --first=abc
check "-V x: exit 1, one line" usage -V x
ctl "$T/h.out" "$T/h.err" --help
check "--help: exit 0, usage on stdout" sh -c "[ $RC = 0 ] && grep -q '^Usage: bbctl' '$T/h.out'"
for o in --waitfor --json --reply-timeout --first --last --bin-count16 --log-verbosity; do
    check "--help names $o" grep -q -- "$o" "$T/h.out"
done
for o in $(grep -o -- '--[a-z0-9-]*' "$T/h.out" | sort -u); do
    esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
    check "bbctl.1 describes $o" grep -q -- "$esc" "$SRC/doc/bbctl.1"
done
ctl "$T/v.out" "$T/v.err" --version
check "--version: bbctl 0.9" sh -c "[ $RC = 0 ] && grep -q -x 'bbctl 0.9' '$T/v.out'"

# --- --waitfor ------------------------------------------------------
fake wait
ctl "$T/w1.out" "$T/w1.err" -c "$T/wait.sock" --waitfor GK9VZF:1000 --waitfor Kernel:10k:20
check "--waitfor twice, both reached: exit 0" equals "$RC" 0
check "--waitfor twice: one request each, in order" sh -c "
    printf '%s\n' '[\"ReportStats\",1,\"GK9VZF\"]' '[\"ReportStats\",1,\"Kernel\"]' | cmp -s - '$T/wait.log'"

# Not enough bytes: the timeout is wall time on the monotonic clock, not
# retries x retry (retry 10 s, timeout 0.3 s: upstream would wait 10 s).
start=$(date +%s%N)
ctl "$T/w2.out" "$T/w2.err" -c "$T/wait.sock" --waitfor GK9VZF:1G:10000:300
ms=$((($(date +%s%N) - start) / 1000000))
check "--waitfor not reached: exit 2 (timeout)" equals "$RC" 2
check "--waitfor not reached: the timeout message" \
    grep -q "^bbctl: Timeout after [0-9]*ms waiting for 1073741824 bytes from GK9VZF (have 19464192)$" "$T/w2.err"
check "--waitfor timeout 300 ms with retry 10 s: over after ${ms} ms (< 5 s)" test "$ms" -lt 5000
w=$(sed -n 's/.*Timeout after \([0-9]*\)ms.*/\1/p' "$T/w2.err")
check "--waitfor: the elapsed time told (${w:-?} ms) is at least the timeout" test "${w:-0}" -ge 300
stop_fake

# The ID not registered yet (a device still plugging in): retried, not an
# error as upstream's "No statistics available".
fake absent --absent-for 3
ctl "$T/w3.out" "$T/w3.err" -c "$T/absent.sock" -vvv --waitfor GK9VZF:1000:20:20000
check "--waitfor, ID registered after 3 polls: exit 0" equals "$RC" 0
check "--waitfor, ID registered after 3 polls: 4 requests" test "$(wc -l <"$T/absent.log")" -eq 4
check "--waitfor: the retries are logged at -vvv" grep -q "no monitor 'GK9VZF' yet" "$T/w3.err"
stop_fake

# Started before the server exists: no socket, then a stale socket file
# (connection refused), then the server.
"$BBCTL" -c "$T/late.sock" -vvv --waitfor GK9VZF:1000:20:30000 >"$T/w4.out" 2>"$T/w4.err" &
W4=$!
BG_PIDS="$BG_PIDS $W4"
check "--waitfor before the server: it retries while there is no socket" \
    wait_for grep -q "cannot connect to $T/late.sock: No such file or directory" "$T/w4.err"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/late.sock"
check "--waitfor before the server: it retries while the socket refuses" \
    wait_for grep -q "cannot connect to $T/late.sock: Connection refused" "$T/w4.err"
check "--waitfor before the server: still waiting" kill -0 "$W4"
fake late
wait "$W4"
check "--waitfor before the server: exit 0 once it answers" equals "$?" 0
stop_fake

# Never there: the timeout, exit 2.
ctl "$T/w5.out" "$T/w5.err" -c "$T/never.sock" --waitfor GK9VZF:1:50:400
check "--waitfor, no server at all: exit 2" equals "$RC" 2
check "--waitfor, no server at all: one line, the timeout and why" one_line "$T/w5.err" \
    "bbctl: Timeout after [0-9]*ms waiting for 1 bytes from GK9VZF (cannot connect to $T/never.sock: No such file or directory)"
fake json
ctl "$T/w6.out" "$T/w6.err" -c "$T/json.sock" --json --waitfor GK9VZF:1:10:10000
{ cat "$G/ReportStats@GK9VZF.reply"; echo; } >"$T/w6.want"
check "--json --waitfor: exit 0, the last reply only" sh -c "[ $RC = 0 ] && cmp -s '$T/w6.want' '$T/w6.out'"
stop_fake

# --- seedd-wait.service: its own command line ---------------------------
# The unit's ExecStart with this build's bbctl; the default socket (in the
# test's private /run/bit-babbler when root), else -c added.
cmdline=$(sed -n 's/^ExecStart=@BINDIR@\/bbctl //p' "$SRC/data/seedd-wait.service.in")
check "seedd-wait.service: ExecStart is bbctl -v --waitfor Kernel:2500:250:30k" \
    equals "$cmdline" "-v --waitfor Kernel:2500:250:30k"
if [ "${BB_PRIVATE_RUN:-}" = 1 ]; then
    UNIT_SOCK=/run/bit-babbler/seedd.socket
    extra=""
else
    UNIT_SOCK=$T/unit.sock
    extra="-c $UNIT_SOCK"
fi
# shellcheck disable=SC2086
"$BBCTL" $cmdline $extra >"$T/unit.out" 2>"$T/unit.err" &
UNIT=$!
BG_PIDS="$BG_PIDS $UNIT"
check "seedd-wait's command started before the server (its -v line)" \
    wait_for grep -q "Waiting up to 30000 ms for 2500 good bytes from Kernel" "$T/unit.err"
timeout -k 3 60 python3 "$FAKECTL" --socket "$UNIT_SOCK" --replies "$G" --absent-for 2 \
    --log "$T/unit.log" 2>"$T/unit.fake.err" &
UNIT_FAKE=$!
BG_PIDS="$BG_PIDS $UNIT_FAKE"
wait "$UNIT"
check "seedd-wait's command: exit 0 once the server has the bytes" equals "$?" 0
check "seedd-wait's command: says so at -v" grep -q "Have 58392576 good bytes from Kernel in" "$T/unit.err"
kill "$UNIT_FAKE"
wait "$UNIT_FAKE" 2>/dev/null

# --- against a real seedd (bbemu) --------------------------------------
# seedd with a control socket on one emulated device: bbctl started before
# it waits for the device's data, then every option answers.  Skipped by
# name while seedd makes no control socket (no control socket service).
head -c 4M /dev/urandom >"$T/payload"
S=$T/run/seedd.socket
"$BBCTL" -c "$S" -vvv --waitfor GK9VZF:64k:50:60000 >"$T/e2e-wait.out" 2>"$T/e2e-wait.err" &
EW=$!
BG_PIDS="$BG_PIDS $EW"
wait_for grep -q "cannot connect to $S" "$T/e2e-wait.err"
"$BUILD/tests/system/notifysink" "$T/notify" >"$T/notes" 2>/dev/null &
BG_PIDS="$BG_PIDS $!"
wait_for test -S "$T/notify"
NOTIFY_SOCKET=$T/notify timeout -k 3 90 "$BBEMU" --device "GK9VZF@3-2,payload=$T/payload" -- \
    "$SEEDD" -o -c "$S" >/dev/null 2>"$T/seedd.err" &
SEEDD_PID=$!
BG_PIDS="$BG_PIDS $SEEDD_PID"
# READY=1 comes once every service is up (the control socket among them).
ready_or_gone() { grep -q -x "READY=1" "$T/notes" || ! kill -0 "$SEEDD_PID" 2>/dev/null; }
wait_for ready_or_gone
# At READY=1 every service is up: a seedd with a control socket service has
# made its socket (one without it, only the lock); one that has a socket
# but does not answer GetIDs fails here.
if grep -q -x "READY=1" "$T/notes" && [ -S "$S" ]; then
    wait "$EW"
    check "seedd: --waitfor started before seedd: exit 0" equals "$?" 0
    ctl "$T/e2e-scan.out" "$T/e2e-scan.err" -c "$S" -s
    check "seedd: -s answers" equals "$RC" 0
    check "seedd: -s lists the device" grep -q -x "  Device ID: GK9VZF" "$T/e2e-scan.out"
    for opts in "-S" "-S -i GK9VZF" "-r -i GK9VZF" "-b -i GK9VZF" "--bin-count --first=2 --last=2" \
            "-V 0" "--json -S"; do
        # shellcheck disable=SC2086
        ctl "$T/e2e.out" "$T/e2e.err" -c "$S" $opts
        check "seedd: bbctl $opts: exit 0, output, nothing on stderr" \
            test "$RC" = 0 -a -s "$T/e2e.out" -a ! -s "$T/e2e.err"
    done
    ctl "$T/e2e.out" "$T/e2e.err" -c "$S" -S -i GK9VZF
    check "seedd: -S -i GK9VZF: the device's report" grep -q "^Octets analysed [0-9]*, passed" "$T/e2e.out"
    # Every line of seedd's -S report in one of spec §9.2's forms.
    N='[0-9]+'
    F='-?[0-9]+\.[0-9]+'
    R="Hs $F, Hm $F, Mean $F, Corr [ -]$F, π $F \([ -]$F\), χ² $F \($F\)"
    ctl "$T/e2e-all.out" "$T/e2e-all.err" -c "$S" -S
    check "seedd: -S: every line in a form of spec 9.2" sh -c "! grep -v -E \
        -e '^$' -e '^source: .+$' -e '^Octets analysed $N, passed $N, \(not passed $N\)$' \
        -e '^FIPS Fail rate: $N / $N $F $F $F(, [A-Za-z ]+: $N $F $F $F)*$' \
        -e '^FIPS Pass runs: $N $N $N $N(, [A-Za-z ]+: $N $N $N $N)*$' \
        -e '^Ent(8|16): no results \(yet\)$' -e '^Ent(8|16) (short|long) Samples: $N$' \
        -e '^(Current|    Min|    Max): $R$' \
        -e '^Failure: Tested $N, Hs $N, Hm $N, Mean $N, Corr $N, π $N, χ² $N$' '$T/e2e-all.out'"
    ctl "$T/e2e-json.out" "$T/e2e-json.err" -c "$S" --json -s -S
    check "seedd: --json -s -S: two lines of JSON, GetIDs then ReportStats" python3 -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, lines
a, b = json.loads(lines[0]), json.loads(lines[1])
assert a[0] == "GetIDs" and "GK9VZF" in a[2]
assert b[0] == "ReportStats" and b[2]["GK9VZF"]["QA"]["BytesPassed"] >= 65536
' "$T/e2e-json.out"
else
    skip_check "bbctl against a real seedd (every option, --waitfor before seedd)" \
        "seedd made no control socket (no control socket service yet)"
    sed 's/^/# seedd: /' "$T/seedd.err" | head -5
fi

# The boot gate for real: seedd-wait's own command started before seedd -k
# on its default socket (the test's private /run/bit-babbler), until the
# Kernel monitor has passed 2500 bytes (seedd's first feed).  As root only:
# it feeds the host's /dev/random, harmlessly, as kernel.sh does.
if [ "$(id -u)" != 0 ] || [ "${BB_PRIVATE_RUN:-}" != 1 ]; then
    skip_check "seedd-wait's command against seedd -k" "needs root and a private /run/bit-babbler"
elif [ ! -S "$S" ]; then
    skip_check "seedd-wait's command against seedd -k" \
        "seedd made no control socket (no control socket service yet)"
else
    # shellcheck disable=SC2086
    "$BBCTL" $cmdline >"$T/gate.out" 2>"$T/gate.err" &
    GATE=$!
    BG_PIDS="$BG_PIDS $GATE"
    wait_for grep -q "Waiting up to 30000 ms for 2500 good bytes from Kernel" "$T/gate.err"
    timeout -k 3 90 "$BBEMU" --device "GKGATE@3-3,payload=$T/payload" -- \
        "$SEEDD" -k >/dev/null 2>"$T/gate-seedd.err" &
    BG_PIDS="$BG_PIDS $!"
    wait "$GATE"
    check "seedd-wait's command before seedd -k: exit 0" equals "$?" 0
    check "seedd-wait's command: the Kernel monitor's bytes at -v" \
        grep -q "Have [0-9]* good bytes from Kernel in [0-9]*ms" "$T/gate.err"
    sed 's/^/# gate: /' "$T/gate.err"
fi

finish
