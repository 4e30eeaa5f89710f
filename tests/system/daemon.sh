#!/bin/sh
# seedd's process life: -d detaches once it is serving and its start-up
# result is the parent's exit status (0 ready, 4 another instance holds the
# control path, 1 any other failure, with the message on the terminal);
# one instance per control path, the refusal naming the holder's pid; the
# control path's directory (mode 0700, 0770 with --socket-group, an
# unknown group refused); the pid file; SIGHUP logged and survived; SIGTERM stops
# with exit 0 and leaves no lock, pid file or socket path behind.
# Devices are not needed: seedd -o waits for NOSUCH1 on the host (as
# cli.sh's daemon case), so it runs until stopped.
. "$SRC/tests/system/lib.sh"

S=$T/run/seedd.socket
# one_line FILE TEXT: FILE is exactly the line TEXT.
one_line() { [ "$(cat "$1")" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
running() { kill -0 "$1" 2>/dev/null; }
holds() { [ "$(cat "$S.lock" 2>/dev/null)" = "$1" ]; }
# track PIDFILE: a daemon that started (wrongly or not) is stopped on exit.
track() { [ -s "$1" ] && BG_PIDS="$BG_PIDS $(cat "$1")"; }

# --- -d: detached once ready --------------------------------------------
timeout -k 3 30 "$SEEDD" -d -o -i NOSUCH1 -c "$S" --pid-file "$T/seedd.pid" \
    >"$T/d.out" 2>"$T/d.err"
check "-d: the parent exits 0 once the daemon is ready" equals $? 0
check "-d: nothing on the terminal" sh -c "[ ! -s '$T/d.out' ] && [ ! -s '$T/d.err' ]"
DPID=$(cat "$T/seedd.pid" 2>/dev/null)
check "-d: the pid file names a running seedd" \
    sh -c "[ -n '$DPID' ] && grep -q seedd /proc/$DPID/comm"
track "$T/seedd.pid"
check "-d: the lock file holds the daemon's pid" holds "$DPID"
check "-d: the control socket is there, mode 0600" equals "$(stat -c '%F %a' "$S")" "socket 600"
check "-d: the control path's directory has mode 0700" equals "$(stat -c %a "$T/run")" 700
check "-d: the daemon leads its own session" \
    equals "$(ps -o sid= -p "$DPID" | tr -d ' ')" "$DPID"
check "-d: fds 0-2 on /dev/null, cwd /" sh -c \
    "[ \"\$(readlink /proc/$DPID/fd/0 /proc/$DPID/fd/1 /proc/$DPID/fd/2 /proc/$DPID/cwd | tr '\n' ' ')\" = '/dev/null /dev/null /dev/null / ' ]"

# --- a second instance on the same control path ---------------------------
# (Expected to exit at once: timeout only bounds a failure.)
TO="timeout -k 3 30"
$TO "$SEEDD" -o -i NOSUCH1 -c "$S" >"$T/2.out" 2>"$T/2.err"
check "second instance: exit 4" equals $? 4
check "second instance: one line naming the holder's pid" one_line "$T/2.err" \
    "seedd: control socket $S is in use: process $DPID holds $S.lock"
timeout -k 3 30 "$SEEDD" -d -o -i NOSUCH1 -c "$S" --pid-file "$T/2d.pid" \
    >"$T/2d.out" 2>"$T/2d.err"
check "second instance with -d: the parent exits 4" equals $? 4
track "$T/2d.pid"
check "second instance with -d: the message on the terminal" one_line "$T/2d.err" \
    "seedd: control socket $S is in use: process $DPID holds $S.lock"
check "second instances: the first one's lock is untouched" holds "$DPID"

# --- SIGTERM stops and cleans up (SIGHUP: in the foreground below) ----------
kill -TERM "$DPID"
check "-d, SIGTERM: the daemon ends" wait_for gone "$DPID"
check "-d, SIGTERM: no lock file left" test ! -e "$S.lock"
check "-d, SIGTERM: no pid file left" test ! -e "$T/seedd.pid"
check "-d, SIGTERM: no socket path left" test ! -e "$S"
check "-d, SIGTERM: only the directory is left" equals "$(ls -A "$T/run")" ""

# --- in the foreground: SIGHUP logged, SIGTERM exit 0 ------------------------
"$SEEDD" -o -v -v -v -i NOSUCH1 -c "$S" --pid-file "$T/fg.pid" >"$T/fg.out" 2>"$T/fg.err" &
FPID=$!
BG_PIDS="$BG_PIDS $FPID"
check "foreground: lock taken" wait_for holds "$FPID"
kill -HUP "$FPID"
hup_logged() { grep -q 'Signal 1 (Hangup) ignored: reloading the configuration is not supported' "$T/fg.err"; }
check "foreground: SIGHUP is logged (level 1)" wait_for hup_logged
check "foreground: still running after SIGHUP" running "$FPID"
kill -TERM "$FPID"
wait "$FPID"
check "foreground, SIGTERM: exit 0" equals $? 0
check "foreground, SIGTERM: no lock or pid file left" \
    sh -c "[ ! -e '$S.lock' ] && [ ! -e '$T/fg.pid' ]"
# services (-vvv: "Starting NAME", "Stopping NAME"): started in the
# table's order, stopped in reverse
SERVICES="signals,control path lock,pid file,pool,watches,stdout,kernel,usbenum,sources,control socket,metrics,egd,udp"
REVERSED="udp,egd,metrics,control socket,sources,usbenum,kernel,stdout,watches,pool,pid file,control path lock,signals"
order() { sed -n "s/^[0-9:.]*: $1 //p" "$T/fg.err" | paste -sd, -; }
check "services: started in order ($(order Starting))" equals "$(order Starting)" "$SERVICES"
check "services: stopped in reverse ($(order Stopping))" equals "$(order Stopping)" "$REVERSED"

# --- start-up failures ---------------------------------------------------
$TO "$SEEDD" -o -i NOSUCH1 -c "$T/g/seedd.socket" --socket-group no-such-group-bb \
    >"$T/g.out" 2>"$T/g.err"
check "unknown socket group: exit 1" equals $? 1
check "unknown socket group: one line naming it" one_line "$T/g.err" \
    "seedd: --socket-group 'no-such-group-bb': no such group"
check "unknown socket group: no directory made" test ! -e "$T/g"
timeout -k 3 30 "$SEEDD" -d -o -i NOSUCH1 -c "$T/g/seedd.socket" \
    --socket-group no-such-group-bb --pid-file "$T/gd.pid" >"$T/gd.out" 2>"$T/gd.err"
check "unknown socket group with -d: the parent exits 1, message on the terminal" \
    sh -c "[ $? = 1 ] && [ \"\$(cat '$T/gd.err')\" = \"seedd: --socket-group 'no-such-group-bb': no such group\" ]"
track "$T/gd.pid"

timeout -k 3 30 "$SEEDD" -d -o -i NOSUCH1 -c "$S" --socket-group "$(id -gn)" \
    --pid-file "$T/grp.pid" >/dev/null 2>&1
check "--socket-group: started" equals $? 0
GPID=$(cat "$T/grp.pid" 2>/dev/null)
track "$T/grp.pid"
check "--socket-group: the directory has mode 0770 and the group" \
    equals "$(stat -c '%a %G' "$T/run")" "770 $(id -gn)"
kill -TERM "$GPID"
check "--socket-group: stopped" wait_for gone "$GPID"
check "--socket-group: lock removed" test ! -e "$S.lock"

$TO "$SEEDD" -o -i NOSUCH1 -c relative/seedd.socket >"$T/r.out" 2>"$T/r.err"
check "relative control path: exit 1, one line" sh -c "[ $? = 1 ] && [ \"\$(cat '$T/r.err')\" = \"seedd: --control-socket 'relative/seedd.socket': must be an absolute path\" ]"

timeout -k 3 30 "$SEEDD" -d -c none --watch "$T/nonexistent" --pid-file "$T/w.pid" \
    >"$T/w.out" 2>"$T/w.err"
check "-d, a watch that cannot be opened: the parent exits 1" equals $? 1
check "-d, a watch that cannot be opened: the reason on the terminal" \
    contains "$T/w.err" "watch: cannot open '$T/nonexistent'"
check "-d, failed start-up: no pid file left" test ! -e "$T/w.pid"

# -c none: no lock.  The pid file is written once signals are handled.
"$SEEDD" -o -i NOSUCH1 -c none --pid-file "$T/n.pid" >/dev/null 2>&1 &
NPID=$!
BG_PIDS="$BG_PIDS $NPID"
check "-c none: started" wait_for test -s "$T/n.pid"
kill -TERM "$NPID"
wait "$NPID"
check "-c none: SIGTERM, exit 0" equals $? 0

finish
