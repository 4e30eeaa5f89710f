#!/bin/sh
# --metrics: seedd on an emulated device serves GET /metrics (Prometheus text)
# from its one event loop: the device's passed-bytes counter grows and agrees
# with the other counters; other paths are 404, other methods 405; a client
# holding a half-sent request open does not stop another being answered, and
# is closed by seedd after its idle time (MHD's timeout, kept by the evl
# timer: nothing else would wake it); the data path streams meanwhile.  And a
# real Prometheus (Debian's `prometheus`) scrapes seedd and is queried for
# the device's counter through its HTTP API.
. "$SRC/tests/system/lib.sh"

command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

# The HTTP client (python3's http.client: no proxy, no redirects).
cat >"$T/webc.py" <<'EOF'
import http.client, json, socket, sys, urllib.parse
cmd, port = sys.argv[1], int(sys.argv[2])

def req(method, path, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.getheader("Allow", ""), r.getheader("Content-Type", ""), body

if cmd == "get":        # get PORT PATH: the body, exit 0 on 200
    try:
        st, _, _, body = req("GET", sys.argv[3])
    except OSError:
        sys.exit(2)
    sys.stdout.buffer.write(body)
    sys.exit(0 if st == 200 else 1)
elif cmd == "status":   # status PORT METHOD PATH: "STATUS ALLOW|CONTENT-TYPE"
    st, allow, ctype, _ = req(sys.argv[3], sys.argv[4])
    print("%d %s|%s" % (st, allow, ctype))
elif cmd == "hold":     # hold PORT NBYTES (data on stdin)
    a = socket.create_connection(("127.0.0.1", port), timeout=5)
    a.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")   # no blank line: never ends
    st = req("GET", "/metrics")[0]
    print("other answered: %d" % st)
    n, got = int(sys.argv[3]), 0
    while got < n:
        d = sys.stdin.buffer.read(min(65536, n - got))
        if not d:
            break
        got += len(d)
    print("streamed: %d" % got)
    a.settimeout(60)   # seedd closes it after 5 s idle; a generous bound
    try:
        while a.recv(4096):
            pass
        print("held: closed")
    except socket.timeout:
        print("held: still open")
elif cmd == "limit":    # limit PORT N: N idle connections, then a request; then without them
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(int(sys.argv[3]))]
    print("with %s idle: %d" % (sys.argv[3], req("GET", "/metrics", timeout=20)[0]))
    closed = 0
    for c in idle:   # which had seedd closed (idle) by the time of the answer
        c.setblocking(False)
        try:
            closed += c.recv(1) == b""
        except BlockingIOError:
            pass
    print("closed before the answer: %d" % closed)
    for c in idle:
        c.close()
    print("after: %d" % req("GET", "/metrics")[0])
elif cmd == "big":      # big PORT: a request head larger than seedd's 16 KiB
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", "/metrics", headers={"X-Big": "x" * 20000})
        print("big: %d" % c.getresponse().status)
    except TimeoutError:
        print("big: no answer")
    except (OSError, http.client.HTTPException):   # reset: seedd closed it unread
        print("big: closed")
elif cmd == "query":    # query PORT PROMQL: the first sample's value, exit 1 if none
    try:
        st, _, _, body = req("GET", "/api/v1/query?" +
                             urllib.parse.urlencode({"query": sys.argv[3]}), timeout=5)
        res = json.loads(body)["data"]["result"]
        print(res[0]["value"][1])
    except (OSError, ValueError, KeyError, IndexError):
        sys.exit(1)
EOF
http() { python3 "$T/webc.py" "$@"; }

# --- bad values, --gen-conf ---------------------------------------------------
for v in foo 0 65536 host: '::1:80' '[]:80' 'a b:80'; do
    "$SEEDD" -c none --metrics "$v" -o >/dev/null 2>"$T/bad"
    check "--metrics '$v': exit 1" equals $? 1
    check "--metrics '$v': says why" contains "$T/bad" "expected \\[HOST:\\]PORT"
done
"$SEEDD" --metrics '[::1]:9100' --gen-conf >"$T/gen" 2>&1
check "--gen-conf writes the [Service] key" contains "$T/gen" '^metrics \[::1\]:9100$'
printf '[Service]\nmetrics 9100\n' >"$T/c.conf"
"$SEEDD" -C "$T/c.conf" --gen-conf >"$T/gen" 2>&1
check "the [Service] key is read" contains "$T/gen" '^metrics 9100$'

# --- seedd -o into a FIFO the test reads as it pleases -----------------------
PORT=$(free_port)
mkfifo "$T/data"
EMU_TIMEOUT=150 emu --device MET001@1-1 -- \
    "$SEEDD" -o -c none --metrics "$PORT" -v -v >"$T/data" 2>"$T/err" &
BG_PIDS="$BG_PIDS $!"
exec 3<"$T/data"   # held open to the end: seedd never sees its reader go
head -c 1048576 <&3 >/dev/null
served() { http get "$PORT" /metrics >/dev/null; }
check "seedd serves /metrics" wait_for served
check "the bound address is logged" contains "$T/err" "Serving metrics on 127.0.0.1:$PORT"

# --- the counters -----------------------------------------------------------
passed_ok() {
    http get "$PORT" /metrics >"$T/m1" &&
        test "$(metric "$T/m1" 'bitbabbler_device_passed_bytes_total{serial="MET001"}')" -gt 0
}
check "the device's passed-bytes counter is > 0" wait_for passed_ok
read1=$(metric "$T/m1" 'bitbabbler_device_read_bytes_total{serial="MET001"}')
passed1=$(metric "$T/m1" 'bitbabbler_device_passed_bytes_total{serial="MET001"}')
deliv1=$(metric "$T/m1" 'bitbabbler_sink_delivered_bytes_total{sink="stdout"}')
check "read ($read1) >= passed ($passed1)" test "$read1" -ge "$passed1"
check "stdout delivered ($deliv1) >= the 1 MiB read from it" test "$deliv1" -ge 1048576
check "delivered <= passed" test "$deliv1" -le "$passed1"
nstates=$(grep -c '^bitbabbler_device_state{serial="MET001",state="[a-z]*"} 1$' "$T/m1")
check "the device is in exactly one state" equals "$nstates" 1
check "state streaming or idle" sh -c "grep -Eq '^bitbabbler_device_state\\{serial=\"MET001\",state=\"(streaming|idle)\"\\} 1\$' '$T/m1'"
check "pool size 64 KiB" equals "$(metric "$T/m1" bitbabbler_pool_size_bytes)" 65536
check "FIPS counters per test" test "$(grep -c '^bitbabbler_fips_failures_total{monitor="MET001",test=' "$T/m1")" -eq 7
check "HELP and TYPE lines" contains "$T/m1" '^# TYPE bitbabbler_device_passed_bytes_total counter$'
check "no NaN" sh -c "! grep -q NaN '$T/m1'"
if command -v promtool >/dev/null; then
    check "promtool check metrics: no problems" sh -c "promtool check metrics <'$T/m1' >'$T/lint' 2>&1"
    [ -s "$T/lint" ] && sed 's/^/# /' "$T/lint"
else
    skip_check "promtool check metrics" "promtool not installed (package prometheus)"
fi
check "text format 0.0.4" equals "$(http status "$PORT" GET /metrics)" \
    "200 |text/plain; version=0.0.4; charset=utf-8"

# --- the port taken: a second seedd (watch only, no devices) cannot start ----
timeout 20 "$SEEDD" -c none --watch /dev/urandom --metrics "127.0.0.1:$PORT" 2>"$T/busy"
check "port in use: exit 1" equals $? 1
check "port in use: says so" contains "$T/busy" "cannot listen"

# --- paths and methods ------------------------------------------------------
check "GET /other: 404" equals "$(http status "$PORT" GET /other | cut -d' ' -f1)" 404
check "GET /: 404" equals "$(http status "$PORT" GET / | cut -d' ' -f1)" 404
check "GET /metrics/x: 404" equals "$(http status "$PORT" GET /metrics/x | cut -d' ' -f1)" 404
check "POST /metrics: 405, Allow: GET, HEAD" equals \
    "$(http status "$PORT" POST /metrics | cut -d'|' -f1)" "405 GET, HEAD"
check "DELETE /metrics: 405" equals "$(http status "$PORT" DELETE /metrics | cut -d' ' -f1)" 405

# --- a client that never finishes its request -------------------------------
# While it holds its connection: another request is answered, and 2 MiB more
# stream out of the data path; then seedd closes it (idle 5 s: only the
# timer from MHD_get_timeout() can wake MHD for that, nothing else happens).
http hold "$PORT" 2097152 <&3 >"$T/hold"
check "partial request held: another is answered" contains "$T/hold" '^other answered: 200$'
check "partial request held: the data path streams (2 MiB)" \
    contains "$T/hold" '^streamed: 2097152$'
check "partial request held: seedd closes it when idle" contains "$T/hold" '^held: closed$'
http get "$PORT" /metrics >"$T/m2"
passed2=$(metric "$T/m2" 'bitbabbler_device_passed_bytes_total{serial="MET001"}')
deliv2=$(metric "$T/m2" 'bitbabbler_sink_delivered_bytes_total{sink="stdout"}')
check "passed bytes grew ($passed1 -> $passed2)" test "$passed2" -gt "$passed1"
check "delivered grew by the 2 MiB read ($deliv1 -> $deliv2)" \
    test "$deliv2" -ge $((deliv1 + 2097152))

# --- bounded: 16 KiB per connection (a larger request is refused) -----------
http big "$PORT" >"$T/big"
sed "s/^/# /" "$T/big"
check "a 20 KB request head is refused" grep -Eq '^big: (4[0-9][0-9]|closed)$' "$T/big"
check "... and the next request is answered" served

# --- bounded: 16 connections at once (METRICS_MAX_CONNECTIONS) ---------------
# A 17th waits (in the listen backlog) until a slot is free: here until seedd
# drops an idle one (5 s), so when it is answered one of them is closed
# already; without the bound it would be answered at once, none closed.
# Then seedd takes connections again (MHD re-arms its listening socket).
http limit "$PORT" 16 >"$T/limit"
check "16 idle connections: a 17th is answered" contains "$T/limit" '^with 16 idle: 200$'
check "... only once seedd dropped an idle one" \
    grep -Eq '^closed before the answer: ([1-9]|1[0-6])$' "$T/limit"
check "... and requests are answered after that" contains "$T/limit" '^after: 200$'
http limit "$PORT" 15 >"$T/limit"
check "15 idle connections: a 16th is answered" contains "$T/limit" '^with 15 idle: 200$'
check "... and after that" contains "$T/limit" '^after: 200$'

# --- a quiet loop: seedd with only a watch that sleeps 60 s ------------------
# Nothing else wakes its loop, so MHD's steps (refusing a request head that
# is too large takes several runs, each asked for with a 0 timeout) are
# driven by the metrics timer alone.
PORT2=$(free_port)
"$SEEDD" -c none --watch /dev/urandom:60000 --metrics "$PORT2" 2>"$T/quiet.err" &
BG_PIDS="$BG_PIDS $!"
quiet_served() { http get "$PORT2" /metrics >"$T/q1"; }
check "watch only: /metrics served" wait_for quiet_served
check "watch only: the watch's monitor is reported" \
    contains "$T/q1" '^bitbabbler_qa_analysed_bytes_total{monitor="/dev/urandom"} 65536$'
check "watch only: no device series" sh -c "! grep -q '^bitbabbler_device_' '$T/q1'"
http big "$PORT2" >"$T/big"
sed "s/^/# /" "$T/big"
check "quiet loop: a 20 KB request head is refused" grep -Eq '^big: (4[0-9][0-9]|closed)$' "$T/big"
check "quiet loop: the next request is answered" quiet_served

# --- a real Prometheus ------------------------------------------------------
if command -v prometheus >/dev/null; then
    PPORT=$(free_port)
    cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: seedd
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
    timeout -k 3 120 prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/tsdb" \
        --web.listen-address="127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
    BG_PIDS="$BG_PIDS $!"
    prom_passed() {
        v=$(http query "$PPORT" 'bitbabbler_device_passed_bytes_total{serial="MET001"}') &&
            test "${v%%.*}" -gt 0 2>/dev/null
    }
    check "Prometheus scraped the device's passed-bytes counter (> 0)" wait_for prom_passed
    check "Prometheus: the target is up" equals "$(http query "$PPORT" 'up{job="seedd"}')" 1
    check "Prometheus: one state series is 1" equals \
        "$(http query "$PPORT" 'sum(bitbabbler_device_state{serial="MET001"})')" 1
else
    skip_check "a real Prometheus scrapes seedd" "prometheus not installed (scripts/deps.sh)"
fi

# The data path still streams after all that.
head -c 1048576 <&3 >"$T/d3"
check "the data path still streams" equals "$(size_of "$T/d3")" 1048576
finish
