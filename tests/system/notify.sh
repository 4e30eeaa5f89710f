#!/bin/sh
# sd_notify: seedd started by a service manager (NOTIFY_SOCKET names a unix
# datagram socket this test owns, helpers/notifysink) says READY=1 once
# everything is set up, a STATUS= line when a device streams, and
# STOPPING=1 on SIGTERM, in that order; with NOTIFY_SOCKET set, -d does
# not detach (the manager keeps the main pid).
. "$SRC/tests/system/lib.sh"

NOTIFYSINK=$BUILD/tests/system/notifysink
head -c 1M /dev/urandom >"$T/payload"

"$NOTIFYSINK" "$T/notify" >"$T/notes" 2>"$T/sink.err" &
BG_PIDS="$BG_PIDS $!"
check "the notify socket is up" wait_for test -S "$T/notify"

NOTIFY_SOCKET=$T/notify timeout -k 3 60 "$BBEMU" \
    --device "GK9VZF@3-2,payload=$T/payload" -- \
    "$SEEDD" -d -o --no-qa -f 0 -v -c "$T/run/seedd.socket" >/dev/null 2>"$T/err" &
PID=$!
BG_PIDS="$BG_PIDS $PID"

noted() { grep -q -x -- "$1" "$T/notes"; }
line_of() { grep -n -x -- "$1" "$T/notes" | head -1 | cut -d: -f1; }
check "READY=1 arrives" wait_for noted "READY=1"
check "a STATUS= line says the device streams" wait_for noted "STATUS=Streaming from 1 device"
check "-d under a service manager: not detached (still bbemu's child)" kill -0 "$PID"
check "the lock is held meanwhile" test -s "$T/run/seedd.socket.lock"
kill -TERM "$PID"
wait "$PID"
check "SIGTERM: exit 0" equals $? 0
check "STOPPING=1 arrives" wait_for noted "STOPPING=1"
r=$(line_of "READY=1")
s=$(line_of "STATUS=Streaming from 1 device")
p=$(line_of "STOPPING=1")
check "in order: READY=1 ($r), STATUS= ($s), STOPPING=1 ($p)" \
    test -n "$r" -a -n "$s" -a -n "$p" -a "${r:-0}" -lt "${s:-0}" -a "${s:-0}" -lt "${p:-0}"
check "the first STATUS= comes with READY=1" \
    sh -c "sed -n '$((r + 1))p' '$T/notes' | grep -q '^STATUS='"
check "SIGTERM: the lock file is removed" test ! -e "$T/run/seedd.socket.lock"
# A start-up that fails says nothing to the manager: no READY=1 (it comes
# only once every service is up).  Our marker, queued after seedd exited,
# shows that the sink has read everything seedd sent.
cp "$T/notes" "$T/notes.before"
NOTIFY_SOCKET=$T/notify timeout -k 3 30 "$SEEDD" -o -i NOSUCH1 -c "$T/run/seedd.socket" \
    --socket-group no-such-group-bb >/dev/null 2>"$T/fail.err"
check "failed start-up: exit 1" equals $? 1
"$NOTIFYSINK" -s "$T/notify" "MARK"
check "failed start-up: the marker arrives" wait_for noted "MARK"
check "failed start-up: no READY=1 (nor anything else) before the marker" \
    equals "$(sed -n "$(($(lines_in "$T/notes.before") + 1))p" "$T/notes")" "MARK"

# Without journald the journal target falls back to stderr: nothing lost.
if [ -S /run/systemd/journal/socket ]; then
    skip_check "messages on stderr without journald" "journald runs here"
else
    check "without journald, the log is on stderr" contains "$T/err" "GK9VZF: streaming from"
fi
sed 's/^/# notes: /' "$T/notes"

finish
