#!/bin/sh
# Print one closing line for `make check`, counting test programs over the
# given build directories' meson test logs: "N passed, N failed, N skipped".
pass=0 fail=0 skip=0
for d in "$@"; do
    log=$d/meson-logs/testlog.json
    [ -f "$log" ] || continue
    p=$(grep -o '"result": "[A-Z]*"' "$log" | grep -c '"OK"')
    s=$(grep -o '"result": "[A-Z]*"' "$log" | grep -c '"SKIP"')
    a=$(grep -c '"result":' "$log")
    pass=$((pass + p))
    skip=$((skip + s))
    fail=$((fail + a - p - s))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
