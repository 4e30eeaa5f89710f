#!/bin/sh
# make install honours PREFIX and DESTDIR: programs and man pages land under
# DESTDIR/PREFIX and nothing outside it, at any depth, nor in the real
# PREFIX.  Uses a build dir of its own.
set -u
: "${BUILD:?}" "${SRC:?}"
T=$(mktemp -d /tmp/bbinst.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
# PASS, FAIL, check (not lib.sh: this test needs no bbemu)
# shellcheck source=../lib/tap.sh
. "$SRC/tests/lib/tap.sh"

# The real PREFIX must stay untouched (only DESTDIR/PREFIX is written).
real_prefix() { find /opt/bb 2>/dev/null | sort; }
real_prefix >"$T/real.before"

make -C "$SRC" --no-print-directory install BUILD="$T/build" PREFIX=/opt/bb \
    DESTDIR="$T/stage" MESON_OPTS="-Dwerror=true -Demulator=disabled" >"$T/log" 2>&1
rc=$?
[ $rc = 0 ] || tail -20 "$T/log"
check "make install exits 0" test $rc = 0
check "seedd installed under DESTDIR/PREFIX/bin" test -x "$T/stage/opt/bb/bin/seedd"
check "seedd.1 installed under DESTDIR/PREFIX/share/man/man1" test -f "$T/stage/opt/bb/share/man/man1/seedd.1"
check "bbctl and bbctl.1 installed" test -x "$T/stage/opt/bb/bin/bbctl" -a -f "$T/stage/opt/bb/share/man/man1/bbctl.1"
check "the munin plugin installed, executable" test -x "$T/stage/opt/bb/share/munin/plugins/bit_babbler"
check "the installed seedd runs" sh -c "'$T/stage/opt/bb/bin/seedd' --version | grep -qx 'seedd 0.9'"
# Everything below the stage dir, at any depth: files and links only under
# DESTDIR/PREFIX, and no directory but DESTDIR/PREFIX's ancestors outside it.
find "$T/stage" ! -type d | sed "s|^$T/stage||" | sort >"$T/files"
find "$T/stage" -type d | sed "s|^$T/stage||" | sort >"$T/dirs"
check "files were installed ($(wc -l <"$T/files") of them)" test -s "$T/files"
check "every installed file is under DESTDIR/PREFIX" \
    sh -c "! grep -v '^/opt/bb/' '$T/files'"
check "no directory outside DESTDIR/PREFIX but its parents" \
    sh -c "! grep -v -e '^\$' -e '^/opt\$' -e '^/opt/bb\$' -e '^/opt/bb/' '$T/dirs'"
check "no absolute symbolic link points outside PREFIX" \
    sh -c "! find '$T/stage' -type l -printf '%l\\n' | grep '^/' | grep -v '^/opt/bb/'"
real_prefix >"$T/real.after"
check "the real PREFIX (/opt/bb) was not touched" cmp -s "$T/real.before" "$T/real.after"
check "bbemu (a test tool) is not installed by default" test ! -e "$T/stage/opt/bb/bin/bbemu"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
