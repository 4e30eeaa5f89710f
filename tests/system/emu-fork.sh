#!/bin/sh
# A program under bbemu that forks while its other threads are inside
# umockdev's path wrappers: every child runs on (libbbemu-preload's fork
# handlers take umockdev's trap_path_lock around fork).  Without them a
# child inherits the lock held and hangs (or crashes) at its first path
# call: libvirtd's children did, in the VM tier, before exec.
. "$SRC/tests/system/lib.sh"
FORKPATH=$BUILD/tests/system/forkpath

timeout -k 3 100 "$BBEMU" --device FRK001@1-1 -- "$FORKPATH" 1000 >"$T/out" 2>"$T/err"
RC=$?
check "1000 forks beside two threads in umockdev's opendir(): every child ran ($(cat "$T/out"))" \
    sh -c "[ $RC = 0 ] && grep -q -x 'forks 1000 stuck 0' '$T/out'"
finish
