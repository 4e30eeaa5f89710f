#!/bin/sh
# The munin plugin (data/munin/bit_babbler) run by Debian's munin-run, with
# private config, plugin and plugin-conf dirs, against the fake control
# socket (helpers/fakectl.py, golden/ctl replies): config is munin's format
# and names every fetched field; fetch prints the reply's numbers in
# upstream's plugin's fields (checked by helpers/muninref.py, written
# independently of the plugin); persist_devices, always_include,
# always_ignore; autoconf; an unreachable socket gives U, not a crash.
. "$SRC/tests/system/lib.sh"

FAKECTL=$SRC/tests/system/helpers/fakectl.py
REF=$SRC/tests/system/helpers/muninref.py
G=$SRC/tests/system/golden/ctl
PLUGIN=$SRC/data/munin/bit_babbler
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
MUNIN_RUN=$(command -v munin-run || echo /usr/sbin/munin-run)
[ -x "$MUNIN_RUN" ] || { echo "SKIP: munin-run missing (munin-node, scripts/deps.sh)"; exit 77; }

fake() {
    name=$1
    replies=$2
    timeout -k 3 100 python3 "$FAKECTL" --socket "$T/$name.sock" --replies "$replies" \
        --ready "$T/$name.ready" 2>"$T/$name.fake.err" &
    BG_PIDS="$BG_PIDS $!"
    wait_for test -e "$T/$name.ready"
}

mkdir "$T/plugins" "$T/conf.d"
ln -s "$PLUGIN" "$T/plugins/bit_babbler"
echo "log_level 4" >"$T/munin-node.conf"
# conf SOCKET [ENV-LINES...]: the plugin's config (munin-run runs plugins as
# nobody by default: our test socket is root's).
conf() {
    sock=$1
    shift
    {
        echo "[bit_babbler]"
        echo "user root"
        echo "env.control_socket $sock"
        echo "env.MUNIN_STATEFILE $T/state"
        for l in "$@"; do echo "$l"; done
    } >"$T/conf.d/bit_babbler"
}
run() {
    timeout -k 3 30 "$MUNIN_RUN" --config "$T/munin-node.conf" --servicedir "$T/plugins" \
        --sconfdir "$T/conf.d" --ignore-systemd-properties bit_babbler "$@"
}
ref() {
    python3 "$REF" "$@" >"$T/ref.out"
    r=$?
    sed 's/^/#   /' "$T/ref.out"
    return $r
}
has() { grep -q -x -- "$2" "$1"; }

fake main "$G"
conf "$T/main.sock"
run config >"$T/config" 2>"$T/config.err"
check "config: exit 0" equals $? 0
run >"$T/fetch" 2>"$T/fetch.err"
check "fetch: exit 0" equals $? 0
check "nothing on stderr" test ! -s "$T/config.err" -a ! -s "$T/fetch.err"
check "fetch: the reply's numbers in upstream's fields, every source" ref "$G/ReportStats.reply" "$T/fetch"
check "config: every fetched field is configured, and only those" ref --config "$T/config" "$T/fetch"
check "config: munin's format (multigraph, graph_*, FIELD.ATTR lines only)" sh -c \
    "! grep -v -E '^(multigraph [A-Za-z0-9_.]+|graph_[a-z]+ .+|[A-Za-z0-9_]+\.[a-z]+ .+)$' '$T/config'"
check "config: each multigraph has a title" sh -c \
    "[ \$(grep -c '^multigraph ' '$T/config') = \$(grep -c '^graph_title ' '$T/config') ]"
check "config: the bytes graph counts bytes/second" has "$T/config" "GK9VZF_qa_passed.type COUNTER"
check "config: an ID is cleaned for field names, kept in labels" has "$T/config" 'we_ird_qa_passed.label we"ird'
check "fetch: bytes passed" has "$T/fetch" "GK9VZF_qa_passed.value 19464192"
check "fetch: a source without Ent results: U" has "$T/fetch" "Pool_ent_entropy_short.value U"
check "config: no long-term Ent warnings before 250M samples (GK9VZF's Ent8: 190M)" \
    sh -c "! grep -q '^GK9VZF_ent_entropy_long.warning' '$T/config'"
check "config: long-term Ent warnings once converged (Kernel's Ent8: 570M)" \
    has "$T/config" "Kernel_ent_entropy_long.warning 7.999999:"
check "config: short-term Ent warnings always" has "$T/config" "GK9VZF_ent_entropy_short.warning 7.999:"
run autoconf >"$T/autoconf" 2>&1
check "autoconf: yes" has "$T/autoconf" yes

# always_ignore / always_include.
conf "$T/main.sock" "env.always_ignore Pool we\"ird" "env.always_include GONE1"
run >"$T/fetch2" 2>"$T/fetch2.err"
check "always_ignore, always_include: the values" ref "$G/ReportStats.reply" "$T/fetch2" GK9VZF Kernel GONE1
check "always_include: an absent source is U" has "$T/fetch2" "GONE1_qa_passed.value U"
check "always_ignore: no Pool field" sh -c "! grep -q '^Pool_' '$T/fetch2'"

# persist_devices: sources seen at config time stay, U while gone.
conf "$T/main.sock" "env.persist_devices yes"
rm -f "$T/state"
run config >"$T/config3" 2>&1
check "persist_devices: the state remembers the sources" sh -c \
    "grep -q -x GK9VZF '$T/state' && grep -q -x Pool '$T/state'"
mkdir "$T/small"
sed 's/^\["ReportStats",1,/["ReportStats",0,/' "$G/ReportStats@GK9VZF.reply" >"$T/small/ReportStats.reply"
printf '["GetIDs",0,["GK9VZF"]]' >"$T/small/GetIDs.reply"
fake small "$T/small"
conf "$T/small.sock" "env.persist_devices yes"
run >"$T/fetch3" 2>"$T/fetch3.err"
check "persist_devices: a gone source is still fetched, as U" \
    ref "$T/small/ReportStats.reply" "$T/fetch3" GK9VZF Pool Kernel 'we"ird'
run config >"$T/config4" 2>&1
check "persist_devices: config still has the gone source" has "$T/config4" "Pool_qa_passed.label Pool"
conf "$T/small.sock"
run >"$T/fetch4" 2>&1
check "persist_devices no: only the current source" sh -c "! grep -q '^Pool_' '$T/fetch4'"

# Unreachable: U values for what is known, a message, no traceback.
conf "$T/nope.sock" "env.always_include GK9VZF"
run >"$T/fetch5" 2>"$T/fetch5.err"
check "unreachable socket: exit 0, U" sh -c "[ $? = 0 ] && grep -q -x 'GK9VZF_qa_passed.value U' '$T/fetch5'"
check "unreachable socket: one message, no traceback" sh -c \
    "grep -q 'bit_babbler: $T/nope.sock' '$T/fetch5.err' && ! grep -q Traceback '$T/fetch5.err'"

# Against a real seedd on an emulated device (skipped by name while seedd
# has no control socket service).
head -c 4M /dev/urandom >"$T/payload"
S=$T/run/seedd.socket
"$BUILD/tests/system/notifysink" "$T/notify" >"$T/notes" 2>/dev/null &
BG_PIDS="$BG_PIDS $!"
wait_for test -S "$T/notify"
NOTIFY_SOCKET=$T/notify timeout -k 3 60 "$BBEMU" --device "GK9VZF@3-2,payload=$T/payload" -- \
    "$SEEDD" -o -c "$S" >/dev/null 2>"$T/seedd.err" &
SEEDD_PID=$!
BG_PIDS="$BG_PIDS $SEEDD_PID"
ready_or_gone() { grep -q -x "READY=1" "$T/notes" || ! kill -0 "$SEEDD_PID" 2>/dev/null; }
wait_for ready_or_gone
passed() { "$BUILD/bbctl" -c "$S" --reply-timeout=5 --waitfor GK9VZF:64k:50:30000 2>/dev/null; }
# At READY=1 every service is up: a seedd with a control socket service has
# made its socket (one without it, only the lock); one that has a socket
# but does not answer fails below.
if grep -q -x "READY=1" "$T/notes" && [ -S "$S" ]; then
    conf "$S"
    check "seedd: the device has passed data" passed
    run config >"$T/sconfig" 2>"$T/sconfig.err"
    check "seedd: config: exit 0, nothing on stderr" sh -c "[ $? = 0 ] && [ ! -s '$T/sconfig.err' ]"
    run >"$T/sfetch" 2>"$T/sfetch.err"
    check "seedd: fetch: exit 0, nothing on stderr" sh -c "[ $? = 0 ] && [ ! -s '$T/sfetch.err' ]"
    check "seedd: every fetched field is configured, and only those" ref --config "$T/sconfig" "$T/sfetch"
    check "seedd: the device's bytes passed, a number" grep -q -E '^GK9VZF_qa_passed.value [0-9]+$' "$T/sfetch"
else
    skip_check "the munin plugin against a real seedd" \
        "seedd made no control socket (no control socket service yet)"
fi

finish
