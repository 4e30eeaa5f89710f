#!/bin/sh
# The programs' edges: started with stdin, stdout or stderr closed (no
# internal descriptor may become fd 0-2: checked with strace -y, and by
# what the programs do), and bbvirt given a bare device number that names
# devices on two buses (an error naming both, never the first), plus
# bbvirt's option messages.
. "$SRC/tests/system/lib.sh"

BBVIRT=$BUILD/bbvirt
DEV="--device GK9VZF@3-2,dev=6"
TWO="--device GK9VZF@3-2,dev=6 --device GTH4R8@1-1,dev=6 --device GDYXTH@5-4,dev=2"

cat >"$T/vm.conf" <<'EOF'
DOMAIN_RNG_vm1=( GK9VZF GTH4R8 GDYXTH )
EOF

# in_emu NAME BBEMU-ARGS -- SHELL-COMMAND: the command (sh -c, with $SEEDD,
# $BBVIRT and $T set) under bbemu; NAME.out, NAME.err, NAME.rc in $T.
in_emu() {
    n=$1
    shift
    args=""
    while [ "$1" != "--" ]; do args="$args $1"; shift; done
    shift
    # shellcheck disable=SC2086
    emu $args -- env SEEDD="$SEEDD" BBVIRT="$BBVIRT" T="$T" sh -c "$1; echo \$? >'$T/$n.rc'" \
        >"$T/$n.out" 2>"$T/$n.err"
}
# on_host NAME SHELL-COMMAND: the same without the emulator.  umockdev's
# preload connects its socket before main on the lowest free descriptor,
# so under bbemu a closed stdout or stderr is taken before seedd runs at
# all; on the host, fds 0-2 are left to the programs (with no BitBabbler
# there, or none matching the serial used).
on_host() {
    timeout -k 3 60 env SEEDD="$SEEDD" BBVIRT="$BBVIRT" T="$T" sh -c "$2; echo \$? >'$T/$1.rc'" \
        >"$T/$1.out" 2>"$T/$1.err"
}
rc_is() { [ "$(cat "$T/$1.rc")" = "$2" ]; }
empty() { [ ! -s "$T/$1" ]; }
# rc_no_out NAME RC: run NAME exited RC and wrote nothing on stdout.
rc_no_out() { rc_is "$1" "$2" && empty "$1.out"; }
# once_to_devnull NAME TEXT PREFIX: TEXT was written exactly once in run
# NAME's strace log, as a write to fd 2 on /dev/null of a line that starts
# with PREFIX (a regular expression) and TEXT.
once_to_devnull() {
    [ "$(grep -c "$2" "$T/$1.st")" = 1 ] && grep -q "write(2</dev/null>, \"$3$2" "$T/$1.st"
}

# fd_offenders LOG: the writes strace -y logged on fd 0, 1 or 2 that did
# not go to /dev/null, a pipe or a file of the test (but into libusb's
# eventfd or timerfd, a udev socket, vm.conf, ...).  Only writes count:
# library constructors read files on these fds before main, and a program
# that never writes to them cannot leak anything there.
fd_offenders() {
    grep -E '^[0-9]+ +(write|writev|pwrite64|pwritev2?|send|sendto|sendmsg)\([012]<' "$1" |
        grep -v -E '\([012]<(/dev/null|pipe:[^>]*|/tmp/bbst[^>]*\.(out|err|st))>'
}
fds_clean() { ! fd_offenders "$1" | grep -q .; }

if command -v strace >/dev/null 2>&1; then
    STRACE=1
else
    STRACE=""
    echo "# strace is not installed: the descriptor checks are skipped"
fi
# traced NAME COMMAND...: COMMAND under strace -f -y into $T/NAME.st (when
# strace is there), as a shell command string.
traced() {
    n=$1
    shift
    if [ -n "$STRACE" ]; then
        # LeakSanitizer cannot run under ptrace (it aborts at exit): in the
        # sanitizer tier the traced runs keep ASan and UBSan but not LSan.
        if [ -n "${BB_SANITIZED:-}" ]; then
            printf 'env ASAN_OPTIONS=%s ' "${ASAN_OPTIONS:-}:detect_leaks=0"
        fi
        echo "strace -f -y -qq -s 200 -e trace=desc,network -o '$T/$n.st' $*"
    else
        echo "$*"
    fi
}
# clean NAME DESCRIPTION: the strace check for run NAME.
clean() {
    if [ -z "$STRACE" ]; then
        ok "$2: fds 0-2 # SKIP strace not installed"
    elif fds_clean "$T/$1.st"; then
        ok "$2: fds 0-2 only /dev/null or the test's own"
    else
        not_ok "$2: fds 0-2 only /dev/null or the test's own"
        fd_offenders "$T/$1.st" | head -5 | sed 's/^/#   /'
    fi
}
# rc_out NAME RC: exit status RC and nothing on stderr.
quiet_rc() { [ "$(cat "$T/$1.rc")" = "$2" ] && [ ! -s "$T/$1.err" ]; }

# ---- seedd with closed standard descriptors (on the host) ----
# libusb's eventfd and timerfd and the udev monitor would be fds 0-2 here.
on_host s_out "$(traced s_out '"$SEEDD"' -s) >&-"
check "seedd -s >&- (no device): exit 0, nothing on stderr" quiet_rc s_out 0
clean s_out "seedd -s >&- (no device)"
on_host s_in_err "$(traced s_in_err '"$SEEDD"' -s) <&- 2>&-"
check "seedd -s <&- 2>&- (host): exit 0, the listing on stdout" \
    sh -c "[ \$(cat '$T/s_in_err.rc') = 0 ] && grep -q 'No devices found.\\|Serial' '$T/s_in_err.out'"
clean s_in_err "seedd -s <&- 2>&- (no device)"
on_host b_noerr "$(traced b_noerr '"$SEEDD"' -b 1M --no-qa -i NOSUCH1) 2>&-"
check "seedd -b 1M 2>&- (no device): exit 1, nothing on stdout" rc_no_out b_noerr 1
clean b_noerr "seedd -b 1M 2>&- (no device)"
if [ -n "$STRACE" ]; then
    check "seedd -b 1M 2>&-: 'No device matching' written to /dev/null as fd 2, nowhere else" \
        once_to_devnull b_noerr 'No device matching' '[0-9:.]*: '
fi
on_host b_all "$(traced b_all '"$SEEDD"' -b 1M --no-qa -i NOSUCH1) <&- >&- 2>&-"
check "seedd -b 1M with fds 0-2 closed (no device): exit 1" rc_is b_all 1
clean b_all "seedd -b 1M <&- >&- 2>&- (no device)"

# With a device, umockdev's preload connects its socket before main, on
# the lowest free descriptor: closing stdout or stderr would hand the
# emulator's socket to seedd as fd 1 or 2 before seedd runs at all, so the
# device cases are left to the no-device runs above and this one, where
# only stdin is closed (and taken before main).
in_emu d_data $DEV -- "\"\$SEEDD\" -b 64k --no-qa <&-"
check "seedd -b 64k <&- (a device): exit 0, 64 KiB on stdout" \
    sh -c "[ \$(cat '$T/d_data.rc') = 0 ] && [ \$(stat -c %s '$T/d_data.out') = 65536 ]"

# A daemon that keeps running (-o, on the host: waiting for NOSUCH1): once
# libusb and the udev monitor are set up, fds 0-2 are /dev/null or the
# test's files (checked in /proc, without strace).
cat >"$T/daemon.sh" <<DAEMON
"$SEEDD" -o -i NOSUCH1 <&- 2>&- &
p=\$!
i=0
until ls -l /proc/\$p/fd 2>/dev/null | grep -q 'anon_inode:\[eventfd\]' &&
      ls -l /proc/\$p/fd 2>/dev/null | grep -q 'socket:'; do
    i=\$((i + 1)); [ \$i -gt 600 ] && break; sleep 0.05
done
for fd in 0 1 2; do readlink /proc/\$p/fd/\$fd || echo closed; done >"$T/daemon.fds"
kill \$p
wait \$p
echo \$? >"$T/daemon.rc"
DAEMON
timeout -k 3 60 sh "$T/daemon.sh" >"$T/daemon.out" 2>"$T/daemon.err"
check "seedd -o <&- 2>&-: fd 0 and fd 2 are /dev/null once libusb and udev are set up" \
    sh -c "[ \"\$(sed -n '1p;3p' '$T/daemon.fds' | tr '\n' ' ')\" = '/dev/null /dev/null ' ]"
check "seedd -o <&- 2>&-: stops with exit 0 on SIGTERM" rc_is daemon 0

# ---- bbvirt with closed standard descriptors (no device) ----
on_host v_out "$(traced v_out '"$BBVIRT"' -C "'$T/vm.conf'" -n attach GK9VZF) >&-"
check "bbvirt -n attach (absent) >&-: exit 2, the message on stderr" \
    sh -c "[ \$(cat '$T/v_out.rc') = 2 ] && grep -q 'no BitBabbler with Serial .GK9VZF. is present' '$T/v_out.err'"
clean v_out "bbvirt -n attach >&-"
on_host v_err "$(traced v_err '"$BBVIRT"' xml --by-vid-pid) <&- 2>&-"
check "bbvirt xml --by-vid-pid <&- 2>&-: exit 0, the XML on stdout" \
    sh -c "[ \$(cat '$T/v_err.rc') = 0 ] && grep -q '0x0403' '$T/v_err.out'"
clean v_err "bbvirt xml <&- 2>&-"
on_host v_bad "$(traced v_bad '"$BBVIRT"' -C "'$T/vm.conf'" xml NOSUCH1) 2>&-"
check "bbvirt xml NOSUCH1 2>&- (no device): exit 2, nothing on stdout" rc_no_out v_bad 2
clean v_bad "bbvirt xml NOSUCH1 2>&- (no device)"
if [ -n "$STRACE" ]; then
    check "bbvirt xml NOSUCH1 2>&-: the message written to /dev/null as fd 2, nowhere else" \
        once_to_devnull v_bad 'no BitBabbler with Serial' 'bbvirt: '
fi

# ---- bbvirt: a bare device number on two buses ----
cat >"$T/steps.sh" <<EOF
run() { n=\$1; shift; "$BBVIRT" -C "$T/vm.conf" "\$@" >"$T/\$n.out" 2>"$T/\$n.err"; echo \$? >"$T/\$n.rc"; }
run amb_attach -n attach 6
run amb_detach -n detach 6
run amb_xml xml 6
run amb_colon xml :6
run amb_qemu qemu-args 6
run one_bus xml 1:6
run other_bus xml 3:6
run unique xml 2
EOF
emu $TWO -- sh "$T/steps.sh"
amb="Bus:Device \*:006 matches more than one BitBabbler: 003:006 (Serial 'GK9VZF') and 001:006 (Serial 'GTH4R8')"
for n in amb_attach amb_detach amb_xml amb_colon amb_qemu; do
    if rc_is $n 1 && empty $n.out && [ "$(lines_in "$T/$n.err")" = 1 ] && grep -q "^bbvirt: $amb" "$T/$n.err"; then
        ok "bbvirt $n: device number 6 on buses 3 and 1 is an error naming both"
    else
        not_ok "bbvirt $n (rc $(cat "$T/$n.rc"), stdout $(size_of "$T/$n.out") bytes, stderr:)"
        sed 's/^/#   /' "$T/$n.err"
    fi
done
check "bbvirt xml 1:6 takes the device on bus 1" grep -q "<address bus='1' device='6'/>" "$T/one_bus.out"
check "bbvirt xml 3:6 takes the device on bus 3" grep -q "<address bus='3' device='6'/>" "$T/other_bus.out"
check "bbvirt xml 2 (one bus only) still works" grep -q "<address bus='5' device='2'/>" "$T/unique.out"

# ---- bbvirt option messages ----
# vbad DESCRIPTION TEXT ARGS...: exit 1, one line with TEXT, no control
# characters, nothing on stdout.
vbad() {
    desc=$1 want=$2
    shift 2
    "$BBVIRT" "$@" >"$T/v.out" 2>"$T/v.err"
    rc=$?
    if [ $rc = 1 ] && [ ! -s "$T/v.out" ] && [ "$(lines_in "$T/v.err")" = 1 ] &&
        grep -q -F -- "$want" "$T/v.err" && ! tr -d '\n' <"$T/v.err" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        ok "bbvirt: $desc"
    else
        not_ok "bbvirt: $desc (rc=$rc, stdout $(size_of "$T/v.out") bytes, stderr:)"
        sed 's/^/#   /' "$T/v.err"
    fi
}
vbad "--dry-run=1 takes no argument" "bbvirt: option '--dry-run' takes no argument, try --help" --dry-run=1 status
vbad "--verbose=yes takes no argument" "option '--verbose' takes no argument" --verbose=yes status
vbad "ambiguous --d" "option '--d' is ambiguous (--domain, --devnum, --dry-run)" --d x status
vbad "unknown option, escaped" "unrecognized option '--\\x1b[31m'" "--$(printf '\033')[31m" status
vbad "unknown short option, escaped" "invalid option -- '\\x07'" "-$(printf '\007')" status
vbad "busnum too large" "--busnum '99999999999999999999999': too large" -b 99999999999999999999999 status
vbad "busnum over 127" "--busnum '128': too large (1 to 127)" -b 128 status
vbad "timeout too large" "--timeout '1e999': too large" -t 1e999 status
vbad "domain with an escape, escaped" "unknown command '\\x1b]0;x\\x07'" "$(printf '\033]0;x\007')"
vbad "serial with a control character" "'AB\\x01CD' is not a serial number" udev-rules "$(printf 'AB\001CD')"

finish
