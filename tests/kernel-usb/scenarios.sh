# The kernel-usb scenarios, run by /init in the guest (busybox sh).  Our own
# programs (seedd, bbvirt) against bbgadget gadgets on dummy_hcd, through
# the guest kernel's usbcore, usbfs and systemd-udevd.  Each check prints
# `ok - ...` or `not ok - ...`; the last line is `RESULT PASS|FAIL N/M`.
# Gadget A: serial KUSB01, default generators, on dummy_udc.0 (bus 1).
# Gadget B: serial KUSB02, a random payload file, on dummy_udc.1 (bus 2).

# ok, not_ok, check, wait_for (tests/lib/tap.sh); waits of up to 15 s
# shellcheck source=../lib/tap.sh
. /tap.sh
WAIT_TRIES=300
note() { echo "# $*"; }
stamp() { note "t=$(cut -d' ' -f1 /proc/uptime) s: $*"; }

G=/sys/kernel/config/usb_gadget
BLOCK=65536                              # -f 0: one 64 KiB block per chunk

size_of() { if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
grown() { [ "$(size_of "$1")" -ge "$2" ]; }
lines() { if [ -e "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
# count_since FILE N REGEX: matching lines after the first N lines
count_since() { tail -n +$(($2 + 1)) "$1" | grep -c -- "$3"; }
logged() { grep -q -- "$2" "$1"; }
is() { [ "$1" = "$2" ]; }

# The sysfs directory of the USB device with serial $1 (empty if none).
sysdev() {
    for d in /sys/bus/usb/devices/*; do
        [ -f "$d/serial" ] && [ "$(cat "$d/serial")" = "$1" ] && { echo "$d"; return; }
    done
}
present() { d=$(sysdev "$1") && [ -n "$d" ] && [ -e "$(devnode "$d")" ]; }
absent() { [ -z "$(sysdev "$1")" ]; }
devnode() { printf '/dev/bus/usb/%03d/%03d' "$(cat "$1/busnum")" "$(cat "$1/devnum")"; }
busdev() { printf '%03d:%03d' "$(cat "$1/busnum")" "$(cat "$1/devnum")"; }

# start_gadget NAME UDC SERIAL [BBGADGET-ARGS...]: control FIFO
# /run/ctl-NAME, wire log /tmp/wire-NAME, messages /tmp/gadget-NAME.log.
start_gadget() {
    name=$1
    udc=$2
    serial=$3
    shift 3
    bbgadget -v -g "$name" -u "$udc" -c "/run/ctl-$name" -w "/tmp/wire-$name" "$@" "$serial" \
        2>"/tmp/gadget-$name.log" &
    eval "GPID_$name=$!"
    wait_for present "$serial" && udevadm settle -t 10
}

# run_seedd NAME ARGS...: seedd with a hard time limit; /tmp/NAME.out and
# /tmp/NAME.err, exit status in $RC.
run_seedd() {
    n=$1
    shift
    timeout 90 seedd "$@" >"/tmp/$n.out" 2>"/tmp/$n.err"
    RC=$?
}

# ---------------------------------------------------------------- kernel feed
# First of all: the guest has no trusted entropy source (run.sh boots it
# with random.trust_cpu=off random.trust_bootloader=off and no virtio-rng),
# so its CRNG is not ready until seedd -k feeds it QA-passed bytes.
# `crng wait` (poll on /dev/random) notices readiness without causing it.
ms_now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
# Its own gadget (KUSBK on dummy_udc.1), so gadget A's stream stays where
# the data scenario expects it.
scn_kernel_feed() {
    if ! start_gadget bbK dummy_udc.1 KUSBK; then
        not_ok "gadget K (KUSBK) plugged in on dummy_udc.1"
        return
    fi
    check "before seedd: the CRNG is not ready (getrandom GRND_NONBLOCK: EAGAIN)" \
        is "$(crng state)" "not ready"
    crng wait 60000 >/tmp/crng.out &
    cwpid=$!
    t0=$(ms_now)
    seedd -k -c none -v -v -i KUSBK >/tmp/kfeed.out 2>/tmp/kfeed.err &
    spid=$!
    wait $cwpid
    r=$(cat /tmp/crng.out)
    check "seedd -k: the CRNG becomes ready (crng wait: '$r')" \
        sh -c "case '$r' in 'ready at '*) exit 0;; esac; exit 1"
    case $r in
        "ready at "*) note "BENCH crng_ready_with_seedd_ms $((${r#ready at } - t0)) ms" \
                           "(from seedd's start; at ${r#ready at } ms from boot)" ;;
    esac
    check "seedd -k: it saw the CRNG not ready, fed it, and saw it become ready" \
        sh -c "grep -q 'CRNG is not ready' /tmp/kfeed.err &&
               grep -q 'CRNG is ready after [1-9][0-9]* bytes' /tmp/kfeed.err"
    kill -TERM $spid
    wait $spid
    krc=$?
    check "seedd -k: SIGTERM, exit 0 (got $krc)" is "$krc" 0
    [ "$krc" = 0 ] || sed 's/^/#   seedd: /' /tmp/kfeed.err | tail -n 20
    stop_gadget bbK
}

# ---------------------------------------------------------------- listing
scn_listing() {
    d=$(sysdev KUSB01)
    check "gadget A: the kernel enumerated 0403:7840 at high speed" \
        is "$(cat "$d/idVendor"):$(cat "$d/idProduct"):$(cat "$d/speed")" "0403:7840:480"
    check "gadget A: strings from the model (Voicetronix Australia, White RNG, KUSB01)" \
        is "$(cat "$d/manufacturer")|$(cat "$d/product")|$(cat "$d/serial")" \
        "Voicetronix Australia|White RNG|KUSB01"
    check "gadget A: bus 1 (dummy_hcd.0), device 2, port 1-1, bcdDevice 0900" \
        sh -c "[ '$(busdev "$d") ${d##*/} $(cat "$d/bcdDevice")' = '001:002 1-1 0900' ] &&
               readlink -f '$d' | grep -q /dummy_hcd.0/"

    seedd -sv >/tmp/sv.out 2>&1
    rc=$?
    exp="  $(busdev "$d") 0403:7840 Serial 'KUSB01', Mfg 'Voicetronix Australia', Product 'White RNG', port ${d##*/}"
    check "seedd -sv: exit 0, one device" sh -c "[ $rc = 0 ] && grep -qx 'Have 1 device:' /tmp/sv.out"
    check "seedd -sv: bus, device, port and strings as the kernel has them" grep -qxF "$exp" /tmp/sv.out

    seedd --shell-mr >/tmp/mr.out 2>/tmp/mr.err
    rc=$?
    port=${d##*/}
    exp="#D:|$(busdev "$d" | tr ':' '|')|0403|7840|KUSB01|Voicetronix Australia|White RNG|${port#*-}|"
    check "seedd --shell-mr: exit 0, the kernel's bus, device, port and the strings" \
        sh -c "[ $rc = 0 ] && [ \"\$(tr '\\000\\n' '|#' </tmp/mr.out)\" = \"$exp\" ]"
}

# ---------------------------------------------------------------- data
scn_data() {
    bbgadget --expect f:1M KUSB01 >/tmp/want.bin
    n0=$(lines /tmp/wire-bbA)
    run_seedd read -b 1M --no-qa -f 0
    check "seedd -b 1M --no-qa -f 0: exit 0" is "$RC" 0
    check "seedd -b 1M --no-qa -f 0: 1 MiB" is "$(size_of /tmp/read.out)" 1048576
    check "seedd -b 1M --no-qa -f 0: the model's payload (bbgadget --expect f:1M)" \
        cmp -s /tmp/read.out /tmp/want.bin
    check "the gadget's model saw seedd's init: MPSSE mode, sync, setup, 64 KiB reads" \
        sh -c "tail -n +$((n0 + 1)) /tmp/wire-bbA >/tmp/w.txt &&
               grep -qx 'ctrl 40 0b 0200 0001 0000' /tmp/w.txt && grep -qx 'out aa 87' /tmp/w.txt &&
               grep -qx 'out 8a 97 8d 80 00 0b 82 00 00 86 0b 00 85' /tmp/w.txt &&
               grep -qx 'out 20 ff ff 87' /tmp/w.txt"

    run_seedd qa -b 256k
    check "seedd -b 256k (QA on, fold 1): exit 0, 256 KiB" \
        sh -c "[ $RC = 0 ] && [ $(size_of /tmp/qa.out) = 262144 ]"
}

# ---------------------------------------------------------------- faults
# Each fault scenario gets a fresh gadget bbF (serial KUSBF<n>) on
# dummy_udc.1 with its faults on bbgadget's command line, mid-stream ones
# armed at a byte offset (@N): all set before seedd starts, nothing in
# flight from an earlier run, so no scenario depends on timing.
# fault_gadget N FAULT...: start it (SERIAL=KUSBF<N>); fault_done: stop it.
fault_gadget() {
    SERIAL=KUSBF$1
    shift
    fargs=""
    for f in "$@"; do fargs="$fargs --fault $f"; done
    # shellcheck disable=SC2086
    start_gadget bbF dummy_udc.1 "$SERIAL" $fargs
}
fault_done() {
    kill -TERM "$GPID_bbF"
    wait "$GPID_bbF"
    frc=$?
    GPID_bbF=""
    check "$SERIAL: its gadget stopped (exit 0) and went away" \
        sh -c "[ $frc = 0 ] && [ ! -e '$G/bbF' ]" && wait_for absent "$SERIAL"
}
fwire() { grep -c -- "$1" /tmp/wire-bbF; }

scn_faults() {
    # wrong modem status bytes: 3 recoveries (release, re-claim, re-init), then give up
    fault_gadget 1 status
    run_seedd st -b 1M --no-qa -f 0 -i "$SERIAL"
    check "wrong status bytes: no hang, exit 1, nothing on stdout" \
        sh -c "[ $RC = 1 ] && [ $(size_of /tmp/st.out) = 0 ]"
    check "wrong status bytes: one message, giving up after 3 recoveries" \
        sh -c "[ $(lines /tmp/st.err) = 1 ] &&
               grep -q '$SERIAL: giving up after 3 recoveries: invalid packet status' /tmp/st.err"
    check "wrong status bytes: re-initialised after each recovery (4 MPSSE setups)" \
        is "$(fwire '^out 8a 97 8d ')" 4
    fault_done

    # every vendor control request stalls: 20 init attempts, then give up
    fault_gadget 2 ctrlstall
    run_seedd cs -b 1M --no-qa -f 0 -i "$SERIAL"
    check "stalled control requests: no hang, exit 1" is "$RC" 1
    check "stalled control requests: init given up after 20 attempts" \
        logged /tmp/cs.err "$SERIAL: init failed after 20 attempts: control request"
    check "stalled control requests: 20 stalls on the wire (one per attempt), no read" \
        sh -c "[ $(fwire '^ctrlstall$') = 20 ] && [ $(fwire '^out 20 ') = 0 ]"
    fault_done

    # three stalls: the init retries and streams
    fault_gadget 3 ctrlstall:3
    run_seedd cs3 -b 1M --no-qa -f 0 -v -i "$SERIAL"
    check "3 stalled control requests: init retried, exit 0, 1 MiB" \
        sh -c "[ $RC = 0 ] && [ $(size_of /tmp/cs3.out) = 1048576 ]"
    check "3 stalled control requests: attempts 1 to 3 failed, named" \
        sh -c "grep -q 'init attempt 3 failed: control request' /tmp/cs3.err &&
               ! grep -q 'init attempt 4 failed' /tmp/cs3.err"
    fault_done

    # an IN stall during init halts the endpoint: the next attempt must
    # clear it first, or every attempt fails the same way
    fault_gadget 4 stall:1
    run_seedd si -b 1M --no-qa -f 0 -v -i "$SERIAL"
    check "IN stall at init: cleared, retried, exit 0, 1 MiB" \
        sh -c "[ $RC = 0 ] && [ $(size_of /tmp/si.out) = 1048576 ]"
    check "IN stall at init: one failed attempt only" \
        sh -c "grep -q 'init attempt 1 failed: bulk transfer' /tmp/si.err &&
               ! grep -q 'init attempt 2 failed' /tmp/si.err"
    check "IN stall at init: the endpoint stalled once" is "$(fwire '^stall$')" 1
    fault_done

    # one IN stall mid-stream (the endpoint halts), armed at 1 MiB: the read
    # of [1M-64K, 1M) is lost, seedd recovers and carries on
    fault_gadget 5 stall:1@1M
    run_seedd st1 -b 4M --no-qa -f 0 -v -i "$SERIAL"
    check "one stall mid-stream: recovered, exit 0, all 4 MiB" \
        sh -c "[ $RC = 0 ] && [ $(size_of /tmp/st1.out) = 4194304 ]"
    check "one stall mid-stream: the endpoint stalled once, seedd recovering (1 of 3)" \
        sh -c "[ $(fwire '^stall$') = 1 ] &&
               grep -q '$SERIAL: bulk transfer (.*), recovering (1 of 3)' /tmp/st1.err"
    bbgadget --expect f:$((4194304 + BLOCK)) "$SERIAL" >/tmp/st1.all
    { head -c $((1048576 - BLOCK)) /tmp/st1.all && tail -c +1048577 /tmp/st1.all; } >/tmp/st1.want
    check "one stall mid-stream: the model's stream without the stalled read" \
        cmp -s /tmp/st1.out /tmp/st1.want
    fault_done

    # the device stops sending data after 300000 bytes: 19 re-inits, give up
    fault_gadget 6 timeout:300000
    run_seedd nd -b 4M --no-qa -f 0 -v -i "$SERIAL"
    check "data stops: no hang, exit 1" is "$RC" 1
    check "data stops: gives up after 20 reset attempts (19 re-inits logged)" \
        sh -c "tail -n 1 /tmp/nd.err | grep -q 'no data from the device after 20 reset attempts' &&
               [ \$(grep -c 're-initialising ([0-9]* of 19)' /tmp/nd.err) = 19 ]"
    check "data stops: the 4 whole blocks before it, no partial block" \
        is "$(size_of /tmp/nd.out)" $((4 * BLOCK))
    fault_done
}

# ---------------------------------------------------------------- hotplug, bbvirt
bbvirt_attach() {
    bbvirt -C /tmp/vm.conf -n attach KUSB01 >"/tmp/$1.out" 2>"/tmp/$1.err"
    RC=$?
}
bbvirt_names() {
    d=$(sysdev KUSB01)
    grep -qF "# attach Serial 'KUSB01' (Bus:Device $(busdev "$d")) to domain 'kusbvm'" "$1" &&
        grep -qF "<address bus='$(cat "$d/busnum")' device='$(cat "$d/devnum")'/>" "$1"
}

scn_hotplug() {
    printf 'DOMAIN_RNG_kusbvm=( KUSB01 )\n' >/tmp/vm.conf
    bbvirt_attach bv1
    d=$(sysdev KUSB01)
    dev0=$(cat "$d/devnum")
    check "bbvirt -n attach KUSB01 (vm.conf assigns it): exit 0" is "$RC" 0
    check "bbvirt -n attach KUSB01: names Bus:Device $(busdev "$d") and <address bus/device>" \
        bbvirt_names /tmp/bv1.out

    timeout 120 seedd -o --no-qa -f 0 -v -i KUSB01 >/tmp/hp.out 2>/tmp/hp.err &
    sp=$!
    check "hotplug: seedd -o streams" wait_for grown /tmp/hp.out 1048576
    n0=$(lines /tmp/wire-bbA)
    stamp "unbind"
    echo "" >"$G/bbA/UDC"
    check "unbind: the kernel removed the device" wait_for absent KUSB01
    check "unbind: seedd drops it" wait_for grep -qE 'KUSB01: (removed|device gone)' /tmp/hp.err
    s1=$(size_of /tmp/hp.out)
    check "unbind: only whole blocks written ($s1 bytes)" is $((s1 % BLOCK)) 0
    check "unbind: seedd still runs" kill -0 $sp
    if grep -q 'recovering' /tmp/hp.err; then
        note "the transfer in flight at the unbind ended with a transfer error"
    else
        note "the transfer in flight at the unbind ended with NO_DEVICE"
    fi

    stamp "rebind"
    echo dummy_udc.0 >"$G/bbA/UDC"
    check "rebind: the kernel enumerates it again" wait_for present KUSB01
    d=$(sysdev KUSB01)
    dev1=$(cat "$d/devnum")
    check "rebind: at a new device number ($dev0 -> $dev1)" test "$dev1" != "$dev0"
    check "rebind: seedd re-adds it at $(busdev "$d")" \
        wait_for grep -q "KUSB01: added at Bus:Device $(busdev "$d")" /tmp/hp.err
    check "rebind: seedd streams again" wait_for grown /tmp/hp.out $((s1 + 1048576))
    check "rebind: re-initialised (plug, then a new MPSSE setup)" \
        sh -c "tail -n +$((n0 + 1)) /tmp/wire-bbA | sed -n '/^plug$/,\$p' | grep -q '^out 8a 97 8d '"
    kill -TERM $sp
    wait $sp
    RC=$?
    s2=$(size_of /tmp/hp.out)
    check "SIGTERM: seedd exits 0 (never crashed)" is "$RC" 0
    check "only whole blocks in the end ($s2 bytes)" is $((s2 % BLOCK)) 0

    udevadm settle -t 10
    bbvirt_attach bv2
    check "bbvirt -n attach KUSB01 after the rebind: exit 0, the new Bus:Device $(busdev "$d")" \
        sh -c "[ $RC = 0 ] && ! grep -q \"Bus:Device 001:$(printf %03d "$dev0")\" /tmp/bv2.out"
    check "bbvirt -n attach KUSB01 after the rebind: plan and XML follow the kernel" \
        bbvirt_names /tmp/bv2.out
}

# ---------------------------------------------------------------- two gadgets
scn_two() {
    head -c 1048576 /dev/urandom >/tmp/payloadB
    start_gadget bbB dummy_udc.1 KUSB02 -p /tmp/payloadB
    dA=$(sysdev KUSB01)
    dB=$(sysdev KUSB02)
    check "gadget B: KUSB02 enumerated on dummy_hcd.1, its own bus" \
        sh -c "[ -n '$dB' ] && readlink -f '$dB' | grep -q /dummy_hcd.1/ &&
               [ $(cat "$dB/busnum" 2>/dev/null) != $(cat "$dA/busnum") ]"
    seedd -sv >/tmp/sv2.out 2>&1
    check "seedd -sv: both gadgets, each as the kernel has it" \
        sh -c "grep -qx 'Have 2 devices:' /tmp/sv2.out &&
               grep -qF \"  $(busdev "$dA") 0403:7840 Serial 'KUSB01', \" /tmp/sv2.out &&
               grep -qF \"  $(busdev "$dB") 0403:7840 Serial 'KUSB02', Mfg 'Voicetronix Australia', Product 'White RNG', port ${dB##*/}\" /tmp/sv2.out"

    nA=$(lines /tmp/wire-bbA)
    run_seedd selB -b 1M --no-qa -f 0 -i KUSB02
    check "-i KUSB02: exit 0, and the output is KUSB02's payload file" \
        sh -c "[ $RC = 0 ] && cmp -s /tmp/selB.out /tmp/payloadB"
    check "-i KUSB02: KUSB01 was left alone (nothing on its wire)" is "$(lines /tmp/wire-bbA)" "$nA"

    nB=$(lines /tmp/wire-bbB)
    n0=$(lines /tmp/wire-bbA)
    run_seedd selA -b 256k --no-qa -f 0 -i KUSB01
    check "-i KUSB01: exit 0, 256 KiB read from KUSB01 only" \
        sh -c "[ $RC = 0 ] && [ $(size_of /tmp/selA.out) = 262144 ] &&
               [ $(count_since /tmp/wire-bbA "$n0" '^out 20 ') -ge 4 ]"
    check "-i KUSB01: KUSB02 was left alone" is "$(lines /tmp/wire-bbB)" "$nB"
}

stop_gadget() {
    eval "pid=\${GPID_$1:-}"
    [ -n "$pid" ] || return 0
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    eval "GPID_$1="
    check "bbgadget $1: SIGTERM, exit 0, its configfs gadget removed" \
        sh -c "[ $rc = 0 ] && [ ! -e '$G/$1' ]"
}

# A fault given on bbgadget's command line (fmodel's names and parsing), on
# the UDC gadget B has just given back.
scn_fault_option() {
    start_gadget bbC dummy_udc.1 KUSB03 --fault status:31
    check "gadget C (KUSB03, --fault status:31) plugged into the freed dummy_udc.1" \
        present KUSB03
    run_seedd fo -b 64k --no-qa -f 0 -i KUSB03
    check "--fault status:31: seedd gives up on KUSB03 with invalid packet status, exit 1" \
        sh -c "[ $RC = 1 ] && grep -q 'KUSB03: giving up after 3 recoveries: invalid packet status' /tmp/fo.err"
    stop_gadget bbC
}

diagnostics() {
    for f in /tmp/gadget-*.log /tmp/*.err /tmp/udevd.log; do
        [ -s "$f" ] || continue
        note "--- last lines of $f"
        tail -n 8 "$f" | sed 's/^/#   /'
    done
}

stamp "scenarios start"
if start_gadget bbA dummy_udc.0 KUSB01; then
    ok "gadget A (KUSB01) plugged in on dummy_udc.0"
    stamp "kernel feed"
    scn_kernel_feed
    stamp "listing"
    scn_listing
    stamp "data"
    scn_data
    stamp "faults"
    scn_faults
    stamp "hotplug"
    scn_hotplug
    stamp "two gadgets"
    scn_two
    stop_gadget bbB
    stamp "fault option"
    scn_fault_option
else
    not_ok "gadget A (KUSB01) plugged in on dummy_udc.0"
fi
stop_gadget bbA
stamp "scenarios end"
[ "$FAIL" -eq 0 ] || diagnostics
if [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]; then
    echo "RESULT PASS $PASS/$((PASS + FAIL))"
else
    echo "RESULT FAIL $PASS/$((PASS + FAIL))"
fi
