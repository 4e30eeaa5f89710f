#!/bin/sh
# make bench: QA throughput against rngtest (FIPS 140-2 only) and ent on the
# same 256 MB random file, measured in this run; seedd's peak RSS with 3
# emulated devices; seedd's CPU per device with the kernel feed on, against
# the same run without it; and, in the real-kernel tier's guest, the time
# to CRNG ready with seedd -k and with nobody feeding it; the control
# socket under load (100 clients of ReportStats) against a minimal server.
# Prints "BENCH <name> <value> <unit>" lines.  A
# benchmark, not a test: it reports, it does not pass or fail on numbers.
set -eu
BUILD=${1:-build}
MB=${BENCH_MB:-256}
T=$(mktemp -d /tmp/bbbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

now() { date +%s%N; }
# MB/s = 10^6 bytes per second, the unit qa_bench reports.
rate() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", b / 1e6 / (ns / 1e9) }'; }

head -c "${MB}M" /dev/urandom >"$T/data"
bytes=$((MB * 1048576))
echo "bench: $MB MiB of /dev/urandom in $T/data" >&2

# Every figure is the best of REPS runs (the machine may be busy with other
# work), ours and the other programs' alike.
REPS=${BENCH_REPS:-3}

# Our full QA (FIPS + continuous + Ent8 + Ent16 + bit runs), one core.
"$BUILD/bench/qa_bench" -m "$MB" -r 32 -n "$REPS" "$T/data" >"$T/qa"
cat "$T/qa"
qa=$(sed -n 's/^BENCH qa_full \([0-9.]*\) MB\/s$/\1/p' "$T/qa")

# The shortest of REPS runs of a command (stdin from the data file).
best_ns() {
    best=
    i=0
    while [ $i -lt "$REPS" ]; do
        t0=$(now)
        "$@" <"$T/data" >/dev/null 2>"$T/err" || true
        t1=$(now)
        [ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ] && best=$((t1 - t0))
        i=$((i + 1))
    done
    echo "$best"
}

# rngtest (rng-tools5): FIPS 140-2 only.  Its exit status reports failed
# blocks, which random data has a few of: ignore it.
rt=$(rate $bytes "$(best_ns rngtest)")
echo "BENCH rngtest $rt MB/s"

echo "BENCH ent $(rate $bytes "$(best_ns ent)") MB/s"

awk -v a="$qa" -v b="$rt" 'BEGIN { printf "BENCH qa_vs_rngtest %.1f x\n", a / b }'

# seedd's peak RSS (VmHWM) streaming with full QA, under bbemu: with the 3
# devices of the user's setup, and with none (the baseline, most of which is
# the umockdev preload library that only the emulated setup loads).
rss() {
    "$BUILD/bbemu" "$@" -- sh -c '
        "$1" -o >/dev/null 2>/dev/null &
        pid=$!
        hwm=0
        i=0
        while [ $i -lt 40 ]; do
            v=$(sed -n "s/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p" /proc/$pid/status 2>/dev/null)
            [ -n "$v" ] && hwm=$v
            sleep 0.1
            i=$((i + 1))
        done
        kill -TERM $pid
        wait $pid
        echo $hwm
    ' sh "$BUILD/seedd"
}
echo "BENCH seedd_rss_3dev $(rss --device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 \
    --device GTH4R8@5-2.3,dev=7) kB"
echo "BENCH seedd_rss_0dev $(rss) kB"

# The control socket under load (issue 11): 100 clients each sending
# ReportStats (every monitor) CTL_REQS times, one in flight per client,
# to seedd -o streaming 3 emulated devices: requests/s and p99 latency,
# against ctl_bench's own minimal NUL-framed server answering with replies
# of the same size, in this run (BENCH ctl_vs_echo); and the data path's
# rate while the clients run against its rate just before them (bytes read
# by the consumer of seedd's stdout, /proc/PID/io), BENCH ctl_datapath_ratio.
# The emulated devices are paced as real ones (2.5 Mbit/s each); unpaced,
# seedd runs at full CPU checking ~9 MB/s and the requests and the data
# path take their time from each other (ctl_datapath_ratio 0.67 then).
ctl_load() {
    "$BUILD/bbemu" --device GK9VZF@3-2,dev=6,paced --device GDYXTH@5-4,dev=2,paced \
        --device GTH4R8@5-2.3,dev=7,paced -- sh -c '
        b=$1 t=$2 n=$3
        rchar() { sed -n "s/^rchar: //p" /proc/$1/io; }
        mkfifo "$t/ctl.fifo"
        cat "$t/ctl.fifo" >/dev/null &
        cat_pid=$!
        "$b/seedd" -o -c "$t/ctl.sock" <&- >"$t/ctl.fifo" 2>"$t/ctl.err" &
        pid=$!
        i=0
        while [ ! -S "$t/ctl.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        sleep 2
        r0=$(rchar $cat_pid); t0=$(date +%s%N)
        sleep 3
        r1=$(rchar $cat_pid); t1=$(date +%s%N)
        # without the emulator preload, as a real client
        env -u LD_PRELOAD "$b/bench/ctl_bench" client "$t/ctl.sock" 100 "$n" >"$t/ctl.out"
        r2=$(rchar $cat_pid); t2=$(date +%s%N)
        kill -TERM $pid
        wait $pid
        wait $cat_pid
        awk -v a="$r0" -v b="$r1" -v c="$r2" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
            "BEGIN { printf \"%.1f %.1f\n\", (b - a) / (t1 - t0) * 1e3, (c - b) / (t2 - t1) * 1e3 }" \
            >"$t/ctl.rate"
    ' sh "$BUILD" "$T" "${CTL_REQS:-200}"
}
if ctl_load && [ -s "$T/ctl.out" ]; then
    field() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p" "$T/ctl.out"; }
    rps=$(field rps)
    echo "BENCH ctl_reportstats_rps $rps req/s"
    echo "BENCH ctl_reportstats_p99_ms $(field p99_ms) ms"
    echo "BENCH ctl_reportstats_reply_bytes $(field reply_bytes) B"
    "$BUILD/bench/ctl_bench" echo "$T/echo.sock" "$(field reply_bytes)" &
    echo_pid=$!
    i=0
    while [ ! -S "$T/echo.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    "$BUILD/bench/ctl_bench" client "$T/echo.sock" 100 "${CTL_REQS:-200}" >"$T/echo.out"
    kill $echo_pid
    erps=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$T/echo.out")
    echo "BENCH ctl_echo_rps $erps req/s"
    awk -v a="$rps" -v b="$erps" 'BEGIN { printf "BENCH ctl_vs_echo %.4f x\n", a / b }'
    read -r before during <"$T/ctl.rate"
    echo "BENCH ctl_datapath_before $before MB/s"
    echo "BENCH ctl_datapath_during $during MB/s"
    awk -v a="$during" -v b="$before" 'BEGIN { printf "BENCH ctl_datapath_ratio %.2f x\n", a / b }'
else
    echo "bench: the control socket load failed: $(tail -n 3 "$T/ctl.err" 2>/dev/null)" >&2
fi

# The EGD service under load (issue 12): 200 clients, each sending blocking
# reads of 64 bytes one at a time for EGD_SECS (default 5), against seedd
# on 3 emulated devices paced as real ones (bbemu's paced: the default
# 2.5 Mbit/s each) with --egd-rate 0 (no per-client limit): the bytes/s
# they got as a fraction of what the pool took in meanwhile (its BytesIn,
# from the control socket's GetStatus before and after; BENCH
# egd_fill_fraction), the least over the most one client got (BENCH
# egd_fairness), and the time from a request to its first byte (p50, p99).
# pool_in.py SOCKET: the pool's BytesIn (the control socket's GetStatus).
cat >"$T/pool_in.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'["GetStatus",1]\0')
r = b""
while not r.endswith(b"\0"):
    r += s.recv(65536)
print(json.loads(r[:-1])[2]["Pool"]["BytesIn"])
EOF
# egd_load [SEEDD-ARGS]: the load, into $T/egd.out and $T/egd.fill.
egd_load() {
    "$BUILD/bbemu" --device GK9VZF@3-2,dev=6,paced --device GDYXTH@5-4,dev=2,paced \
        --device GTH4R8@5-2.3,dev=7,paced -- sh -c '
        b=$1 t=$2 secs=$3
        shift 3
        pool_in() { env -u LD_PRELOAD python3 "$t/pool_in.py" "$t/egdc.sock"; }
        "$b/seedd" -c "$t/egdc.sock" --egd-out="unix:$t/egd/s" --egd-rate 0 "$@" \
            2>"$t/egd.err" &
        pid=$!
        i=0
        while [ ! -S "$t/egd/s" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        sleep 2
        p0=$(pool_in); t0=$(date +%s%N)
        env -u LD_PRELOAD "$b/bench/egd_bench" "$t/egd/s" 200 "$secs" 64 >"$t/egd.out"
        p1=$(pool_in); t1=$(date +%s%N)
        kill -TERM $pid
        wait $pid
        awk -v a="$p0" -v b="$p1" -v t0="$t0" -v t1="$t1" \
            "BEGIN { printf \"%.0f\n\", (b - a) / ((t1 - t0) / 1e9) }" >"$t/egd.fill"
    ' sh "$BUILD" "$T" "${EGD_SECS:-5}" "$@"
}
efield() { sed -n "s/.* $1 \([0-9.]*\).*/\1/p" "$T/egd.out"; }
if egd_load && [ -s "$T/egd.out" ] && [ -s "$T/egd.fill" ]; then
    bps=$(sed -n 's/.* bps \([0-9.]*\).*/\1/p' "$T/egd.out")
    fill=$(cat "$T/egd.fill")
    echo "BENCH egd_bytes_per_s $bps B/s (200 clients, 64-byte blocking reads)"
    echo "BENCH egd_pool_fill_per_s $fill B/s"
    awk -v a="$bps" -v b="$fill" 'BEGIN { printf "BENCH egd_fill_fraction %.3f x (target >= 0.9)\n", b ? a / b : 0 }'
    echo "BENCH egd_fairness $(efield fairness) x (min/max per client: $(efield min) / $(efield max) B; target >= 0.5)"
    echo "BENCH egd_first_byte_p50_ms $(efield p50_first_ms) ms"
    echo "BENCH egd_first_byte_p99_ms $(efield p99_first_ms) ms"
else
    echo "bench: the EGD load failed: $(tail -n 3 "$T/egd.err" 2>/dev/null)" >&2
fi
# The same load with 8 KiB pool-group blocks (-G 0:8192): the devices'
# blocks come 8 times as often, so a request that outruns the ready bytes
# waits less (seedd(1), The EGD service: Latency).
if egd_load -G 0:8192 && [ -s "$T/egd.out" ]; then
    echo "BENCH egd_first_byte_p50_ms_g8k $(efield p50_first_ms) ms (-G 0:8192)"
    echo "BENCH egd_first_byte_p99_ms_g8k $(efield p99_first_ms) ms (-G 0:8192)"
else
    echo "bench: the EGD load with -G 0:8192 failed: $(tail -n 3 "$T/egd.err" 2>/dev/null)" >&2
fi

# The UDP service (issue 12): requests/s for 32-byte and 1 KiB requests
# (8 in flight, UDP_SECS each, default 3) against seedd -u on 3 emulated
# devices paced as real ones at their fastest (-r 30M: 3.75 MB/s each) with
# no rate limits, as a ratio to udp_bench's own minimal echo server on
# loopback in the same run (BENCH udp_vs_echo_32, _1k).  Every reply needs
# fresh QA-passed bytes, and at 1 KiB the echo server's rate would need
# about 15 times what three BitBabblers give at their fastest: there the
# bound is the devices, so the bytes/s served is also given as a fraction
# of what the pool took in meanwhile (BENCH udp_1k_fill_fraction, as
# egd_fill_fraction), and the service's code is measured alone with its
# pool fed in-process (BENCH udpsrv_inproc_vs_echo_32, _1k).  A request that
# finds too few bytes ready waits for them; the client takes a window with
# no reply for 50 ms as lost.
udp_load() {
    "$BUILD/bbemu" --device GK9VZF@3-2,dev=6,paced --device GDYXTH@5-4,dev=2,paced \
        --device GTH4R8@5-2.3,dev=7,paced -- sh -c '
        b=$1 t=$2 secs=$3 port=$4
        pool_in() { env -u LD_PRELOAD python3 "$t/pool_in.py" "$t/udpc/s"; }
        "$b/seedd" -c "$t/udpc/s" -r 30M -u "127.0.0.1:$port" --udp-rate 0 --udp-max-rate 0 \
            2>"$t/udp.err" &
        pid=$!
        i=0
        while [ ! -S "$t/udpc/s" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        sleep 3
        for c in 32 1024; do
            p0=$(pool_in); t0=$(date +%s%N)
            env -u LD_PRELOAD "$b/bench/udp_bench" client 127.0.0.1 "$port" $c "$secs" \
                >"$t/udp.$c"
            p1=$(pool_in); t1=$(date +%s%N)
            echo "$((p1 - p0)) $((t1 - t0))" >"$t/udp.fill.$c"
        done
        kill -TERM $pid
        wait $pid
    ' sh "$BUILD" "$T" "${UDP_SECS:-3}" "$1"
}
UPORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# udp_other NAME SERVER...: udp_bench's client at 32 and 1024 bytes against
# another server on the same port, into $T/NAME.32 and $T/NAME.1024.
udp_other() {
    name=$1
    shift
    "$@" &
    other_pid=$!
    sleep 0.5
    for c in 32 1024; do
        "$BUILD/bench/udp_bench" client 127.0.0.1 "$UPORT" $c "${UDP_SECS:-3}" >"$T/$name.$c"
    done
    kill $other_pid
    wait $other_pid || true
}
if udp_load "$UPORT" && [ -s "$T/udp.32" ] && [ -s "$T/udp.1024" ] && [ -s "$T/udp.fill.1024" ]; then
    udp_other echo "$BUILD/bench/udp_bench" echo 127.0.0.1 "$UPORT"
    # The service's code alone (udpsrv_bench: the real udpsrv, its monitor
    # and gate, the pool fed in-process from a PRNG so that bytes are never
    # the bound): what it can answer, as a ratio to the same echo server.
    udp_other inproc "$BUILD/bench/udpsrv_bench" "127.0.0.1:$UPORT"
    for c in 32 1024; do
        s=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$T/inproc.$c")
        e=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$T/echo.$c")
        echo "BENCH udpsrv_inproc_rps_$c $s req/s (the service with the pool fed in-process)"
        awk -v a="$s" -v b="$e" -v c="$c" 'BEGIN { printf "BENCH udpsrv_inproc_vs_echo_%s %.3f x (target >= 0.7)\n", c == 32 ? "32" : "1k", b ? a / b : 0 }'
    done
    for c in 32 1024; do
        s=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$T/udp.$c")
        e=$(sed -n 's/.* rps \([0-9.]*\).*/\1/p' "$T/echo.$c")
        echo "BENCH udp_rps_$c $s req/s (lost $(sed -n 's/.* lost \([0-9]*\).*/\1/p' "$T/udp.$c"))"
        echo "BENCH udp_echo_rps_$c $e req/s"
        awk -v a="$s" -v b="$e" -v c="$c" 'BEGIN { printf "BENCH udp_vs_echo_%s %.3f x (target >= 0.7%s)\n", c == 32 ? "32" : "1k", b ? a / b : 0, c == 32 ? "" : "; bound here by the devices: see udp_1k_fill_fraction, udpsrv_inproc_vs_echo_1k" }'
    done
    # the bytes served over those the pool took in, in one window around
    # the client's run (the pool and the ready buffer, 128 KiB, may still
    # hold bytes from before it)
    served=$(sed -n 's/.* bytes \([0-9]*\).*/\1/p' "$T/udp.1024")
    read -r pin win <"$T/udp.fill.1024"
    awk -v b="$pin" -v w="$win" 'BEGIN { printf "BENCH udp_1k_pool_fill_per_s %.0f B/s\n", b / (w / 1e9) }'
    awk -v a="$served" -v b="$pin" 'BEGIN { printf "BENCH udp_1k_fill_fraction %.3f x (bytes served over bytes into the pool; target >= 0.9 as EGD)\n", b ? a / b : 0 }'
else
    echo "bench: the UDP load failed: $(tail -n 3 "$T/udp.err" 2>/dev/null)" >&2
fi

# The VM tier's measurements (tests/vm): replug -> guest enumerates the
# device, in its parts, and bbvirt attach vs virsh attach-device against
# the same libvirtd.  Root, libvirtd and QEMU needed (else it says why).
if [ "${BENCH_VM:-1}" = 1 ]; then
    BUILD=$(cd "$BUILD" && pwd) SRC=$(cd "$(dirname "$0")/.." && pwd) sh "$(dirname "$0")/../tests/vm/run.sh" \
        >"${TMPDIR:-/tmp}/bench-vm.log" 2>&1 && rc=0 || rc=$?
    grep '^# BENCH ' "${TMPDIR:-/tmp}/bench-vm.log" | sed 's/^# //'
    [ $rc = 0 ] || echo "# the VM tier did not pass (exit $rc): $(grep -m1 -E '^SKIP|^not ok' \
        "${TMPDIR:-/tmp}/bench-vm.log")"
fi

# seedd's CPU time per device while streaming to /dev/null for BENCH_SECS
# (default 5) with 3 emulated devices, in seconds of CPU per second: with
# the kernel feed (-k, the host's /dev/random: mixing in cannot lower its
# entropy) and without.  The ratio is the cost of the kernel sink.
cpu() {
    "$BUILD/bbemu" --device GK9VZF@3-2,dev=6 --device GDYXTH@5-4,dev=2 \
        --device GTH4R8@5-2.3,dev=7 -- sh -c '
        secs=$1; shift
        "$@" >/dev/null 2>/dev/null &
        pid=$!
        sleep "$secs"
        t=$(cut -d" " -f14,15 /proc/$pid/stat)
        kill -TERM $pid
        wait $pid
        echo "$t $(getconf CLK_TCK)"
    ' sh "${BENCH_SECS:-5}" "$BUILD/seedd" -o -c none "$@" |
        awk -v s="${BENCH_SECS:-5}" '{ printf "%.4f", ($1 + $2) / $3 / s / 3 }'
}
plain=$(cpu)
kern=$(cpu -k)
echo "BENCH cpu_per_device $plain s/s"
echo "BENCH cpu_per_device_with_kernel $kern s/s"
awk -v a="$kern" -v b="$plain" 'BEGIN { printf "BENCH cpu_per_device_kernel %.2f x\n", a / b }'

# The guest of the real-kernel tier boots with no trusted entropy source:
# its CRNG becomes ready when seedd -k feeds it (the tier's own run), or,
# unfed, not within KUSB_IDLE_MS (crng-idle mode).
if BUILD=$(cd "$BUILD" && pwd) SRC=$(pwd) sh tests/kernel-usb/run.sh >"$T/kusb" 2>&1; then
    sed -n 's/^# \(BENCH crng_ready_with_seedd_ms .*\)/\1/p' "$T/kusb"
else
    echo "bench: the kernel tier failed or was skipped: $(tail -n 1 "$T/kusb")" >&2
fi
if KUSB_MODE=crng-idle BUILD=$(cd "$BUILD" && pwd) SRC=$(pwd) sh tests/kernel-usb/run.sh \
        >"$T/kidle" 2>&1; then
    sed -n 's/^# \(BENCH crng_ready_unfed_ms .*\)/\1/p' "$T/kidle"
else
    echo "bench: the crng-idle guest failed or was skipped: $(tail -n 1 "$T/kidle")" >&2
fi
