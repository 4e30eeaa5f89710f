#!/bin/sh
# make install honours PREFIX and DESTDIR: programs and man pages land under
# DESTDIR/PREFIX and nothing outside it.  Uses a build dir of its own.
set -u
: "${BUILD:?}" "${SRC:?}"
T=$(mktemp -d /tmp/bbinst.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
PASS=0 FAIL=0
check() {
    d=$1
    shift
    if "$@"; then PASS=$((PASS + 1)); echo "ok - $d"; else FAIL=$((FAIL + 1)); echo "not ok - $d"; fi
}

make -C "$SRC" --no-print-directory install BUILD="$T/build" PREFIX=/opt/bb \
    DESTDIR="$T/stage" MESON_OPTS="-Dwerror=true -Demulator=disabled" >"$T/log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$T/log"
check "make install exits 0" test $rc = 0
check "seedd installed under DESTDIR/PREFIX/bin" test -x "$T/stage/opt/bb/bin/seedd"
check "seedd.1 installed under DESTDIR/PREFIX/share/man/man1" test -f "$T/stage/opt/bb/share/man/man1/seedd.1"
check "the installed seedd runs" sh -c "'$T/stage/opt/bb/bin/seedd' --version | grep -qx 'seedd 0.9'"
check "nothing installed outside DESTDIR/PREFIX" \
    sh -c "[ -z \"\$(find '$T/stage' -mindepth 1 -maxdepth 1 ! -name opt)\" ]"
check "bbemu (a test tool) is not installed by default" test ! -e "$T/stage/opt/bb/bin/bbemu"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
