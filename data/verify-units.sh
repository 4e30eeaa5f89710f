#!/bin/sh
# systemd-analyze verify of the configured units (make check).  The units
# name installed paths (PREFIX/bin/seedd, PREFIX/bin/bbctl), which a build
# tree does not have: each is verified as a copy whose programs are this
# build's seedd and, while bbctl does not exist yet (a later issue), a stub
# standing in for it (said below).  Without systemd-analyze: a named skip.
# Usage: verify-units.sh SEEDD UNIT...
set -u
: "${SRC:=$(cd "$(dirname "$0")/.." && pwd)}"
# shellcheck source=../tests/lib/tap.sh
. "$SRC/tests/lib/tap.sh"
SEEDD=$1
shift

if ! command -v systemd-analyze >/dev/null 2>&1; then
    for u in "$@"; do
        skip_check "systemd-analyze verify $(basename "$u")" "systemd-analyze is not installed"
    done
    exit 77
fi
T=$(mktemp -d /tmp/bbunits.XXXXXX)
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$T/bin" "$T/units" "$T/man/man1"
# Documentation=man:seedd(1): the page from the source tree.
ln -s "$SRC/doc/seedd.1" "$T/man/man1/seedd.1"
ln -s "$SEEDD" "$T/bin/seedd"
BBCTL=$(dirname "$SEEDD")/bbctl
if [ -x "$BBCTL" ]; then
    ln -s "$BBCTL" "$T/bin/bbctl"
else
    echo "# bbctl is not built yet: a stub stands in for it in seedd-wait.service"
    printf '#!/bin/sh\nexit 0\n' >"$T/bin/bbctl"
    chmod 755 "$T/bin/bbctl"
fi
for u in "$@"; do
    name=$(basename "$u")
    # ExecStart=/any/dir/seedd ... -> our bin dir.
    sed -E "s|^(Exec[A-Za-z]*=)[^ ]*/([a-z]+)( \|$)|\\1$T/bin/\\2\\3|" "$u" >"$T/units/$name"
    grep '^Exec' "$T/units/$name" | sed 's/^/# /'
done
for u in "$@"; do
    name=$(basename "$u")
    out=$(cd "$T/units" && MANPATH=$T/man systemd-analyze verify "$T/units/$name" 2>&1)
    rc=$?
    # Only what concerns our units (verify also loads their dependencies).
    ours=$(printf '%s\n' "$out" | grep -F "$name" || true)
    if [ $rc = 0 ] && [ -z "$ours" ]; then
        ok "systemd-analyze verify $name"
    else
        not_ok "systemd-analyze verify $name (exit $rc)"
        printf '%s\n' "$out" | sed 's/^/#   /'
    fi
done
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
