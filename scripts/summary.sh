#!/bin/sh
# Closing lines for `make check`, from the given build directories' meson
# test logs (meson-logs/testlog.json):
#   one line for every skip by name:
#   "skipped: BUILD: SUITE / TEST: CASE: REASON" for each case a program
#   reported skipped (a line "ok - CASE # SKIP REASON": tests/lib/tap.sh's
#   skip_check in the shell tests, tests/unit/unit.h in the cmocka ones),
#   and "skipped: BUILD: SUITE / TEST: REASON" for a program that skipped
#   as a whole (exit 77) without naming cases (its "SKIP: REASON" line);
#   one block for every program that failed or timed out:
#   "failed: BUILD: SUITE / TEST: RESULT (DURATION s)" and, under it, its
#   "not ok" lines (at most 10), so that the end of a CI log names the cause;
#   then, alone on the last line, "N passed, N failed, N skipped" (test
#   programs).
# Exit status 1 when any program failed (or timed out).
exec python3 - "$@" <<'PY'
import json, os, re, sys

CASE = re.compile(r'^ok - (.*?) # SKIP ?(.*)$')
WHOLE = re.compile(r'^SKIP: ?(.*)$')
passed = failed = skipped = 0
lines = []
fails = []
for d in sys.argv[1:]:
    log = os.path.join(d, 'meson-logs', 'testlog.json')
    if not os.path.isfile(log):
        continue
    with open(log, encoding='utf-8', errors='replace') as f:
        for row in f:
            row = row.strip()
            if not row:
                continue
            t = json.loads(row)
            name = t.get('name', '?').split(':', 1)[-1]
            result = t.get('result', '?')
            if result == 'OK':
                passed += 1
            elif result == 'SKIP':
                skipped += 1
            else:
                failed += 1
            out = (t.get('stdout') or '') + (t.get('stderr') or '')
            if result not in ('OK', 'SKIP'):
                fails.append('failed: %s: %s: %s (%.0f s)' % (d, name, result, t.get('duration') or 0))
                notok = [l for l in out.splitlines() if l.startswith('not ok')]
                fails.extend('    ' + l for l in notok[:10])
            cases = [m.groups() for m in map(CASE.match, out.splitlines()) if m]
            for case, why in cases:
                lines.append('skipped: %s: %s: %s: %s' % (d, name, case, why or 'no reason given'))
            if result == 'SKIP' and not cases:
                whys = [m.group(1) for m in map(WHOLE.match, out.splitlines()) if m]
                lines.append('skipped: %s: %s: %s' % (d, name, whys[0] if whys else 'no reason given'))
for line in lines + fails:
    print(line)
print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
sys.exit(1 if failed else 0)
PY
