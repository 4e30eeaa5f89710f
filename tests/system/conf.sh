#!/bin/sh
# Config files (-C, repeatable) and --gen-conf: upstream's shipped file and
# ours parse; options -> --gen-conf -> -C -> --gen-conf is identical for
# several option sets; precedence in argv order; every kind of config error
# is one line "seedd: FILE:LINE: ..." with exit 1 and nothing on stdout;
# a config file drives a real run under bbemu.
. "$SRC/tests/system/lib.sh"

DEV="--device GK9VZF@3-2,dev=6"

# gen NAME SEEDD-ARGS...: seedd --gen-conf ARGS (no device needed) into
# $T/NAME.out/.err/.rc, and the body (without the two header lines) into
# $T/NAME.body.
gen() {
    n=$1
    shift
    timeout -k 3 30 "$SEEDD" --gen-conf "$@" >"$T/$n.out" 2>"$T/$n.err"
    echo $? >"$T/$n.rc"
    tail -n +3 "$T/$n.out" >"$T/$n.body"
}
gen_ok() { [ "$(cat "$T/$1.rc")" = 0 ] && [ ! -s "$T/$1.err" ]; }

# ---- upstream's shipped seedd.conf, and ours ----
cat >"$T/upstream.conf" <<'EOF'
# This is a configuration file for seedd(1) in the format upstream ships:
# only [Service] is set, everything else is commented out.

[Service]
kernel
ip-freebind
socket-group adm

#[Pool]
#size 64k
EOF
gen up -C "$T/upstream.conf"
printf '[Service]\nip-freebind\nkernel\nsocket-group adm\n\n' >"$T/up.want"
check "upstream's shipped seedd.conf parses; --gen-conf gives its [Service], keys sorted" \
    sh -c "[ \$(cat '$T/up.rc') = 0 ] && cmp -s '$T/up.body' '$T/up.want'"
check "--gen-conf header: the date and argv (each argument after one space)" \
    sh -c "sed -n 1p '$T/up.out' | grep -qE '^# Generated configuration file for seedd\\(1\\), created [0-9]{4}-[0-9]{2}-[0-9]{2} using:\$' &&
           [ \"\$(sed -n 2p '$T/up.out')\" = '#  $SEEDD --gen-conf -C $T/upstream.conf' ]"
gen ours -C "$SRC/data/seedd.conf"
printf '[Service]\nkernel\nsocket-group adm\n\n[Pool]\n\n' >"$T/ours.want"
check "data/seedd.conf (installed as the example) parses: [Service] kernel, socket-group adm, an empty [Pool]" \
    sh -c "[ \$(cat '$T/ours.rc') = 0 ] && cmp -s '$T/ours.body' '$T/ours.want'"

# ---- round trips ----
i=0
while IFS= read -r args; do
    [ -n "$args" ] || continue
    i=$((i + 1))
    # shellcheck disable=SC2086
    gen rt$i $args
    gen rt${i}b -C "$T/rt$i.out"
    if gen_ok rt$i && gen_ok rt${i}b && [ -s "$T/rt$i.body" ] && cmp -s "$T/rt$i.body" "$T/rt${i}b.body"; then
        ok "round trip $i: $args"
    else
        not_ok "round trip $i: $args"
        sed 's/^/#   /' "$T/rt$i.err" "$T/rt${i}b.err"
        diff "$T/rt$i.body" "$T/rt${i}b.body" | sed 's/^/#   /'
    fi
done <<'EOF'
-k
-d -k -u :1200 -c tcp:localhost:56789 --socket-group adm --ip-freebind --pid-file /run/s.pid --vm-conf none -vv
-P 128k --kernel-device /dev/urandom --kernel-refill 600 --kernel-reseed=no --qa-gate upstream -G 1:4k -G 7:1M -k
-r 5M -f 2 --latency 20 --enable-mask 0x3 --limit-max-xfer --no-qa -g 1 --idle-sleep 200:5000 --suspend-after 5k --low-power -o
-f 2 -i GK9VZF -r 1M -g 1 -i 003:006 --no-qa -i 5-2.3 --low-power -G 1:64k -o
--watch /dev/zero --watch /dev/urandom:10:4k:1M --watch /dev/hwrng::8k -i GTH4R8 -o
-c none -b 1M -i 9 -f 0 --watch /dev/zero:1k
EOF
# The first body is what its options make (the sections in upstream's order).
printf '[Service]\ncontrol-socket tcp:localhost:56789\ndaemon\nip-freebind\nkernel\npid-file /run/s.pid\nsocket-group adm\nudp-out :1200\nverbose 2\nvm-conf none\n\n' >"$T/rt2.want"
check "--gen-conf of the [Service] options: every key, sorted, verbose from -vv" cmp -s "$T/rt2.body" "$T/rt2.want"
check "--gen-conf: section order Service, Pool, PoolGroup:*, Devices, Device:* (sorted), Watch:*" \
    sh -c "grep '^\\[' '$T/rt5.body' | tr '\\n' ' ' | grep -qx '\\[PoolGroup:1\\] \\[Devices\\] \\[Device:3:6\\] \\[Device:5-2.3\\] \\[Device:GK9VZF\\] ' &&
           grep '^\\[' '$T/rt6.body' | tr '\\n' ' ' | grep -qx '\\[Device:GTH4R8\\] \\[Watch:0\\] \\[Watch:1\\] \\[Watch:2\\] '"
check "--gen-conf: a blank line after each section, 'name value' or a bare 'name'" \
    sh -c "[ \"\$(sed -n '/^\\[Device:3:6\\]/,/^\$/p' '$T/rt5.body' | tr '\\n' '|')\" = '[Device:3:6]|no-qa||' ]"
check "-b is not a config key; -c none is" \
    sh -c "! grep -q bytes '$T/rt7.body' && grep -qx 'control-socket none' '$T/rt7.body'"

# ---- precedence ----
printf '[Service]\nverbose 4\ndaemon\n[Pool]\nsize 128k\n' >"$T/p.conf"
gen p1 -P 256k -C "$T/p.conf"
gen p2 -C "$T/p.conf" -P 256k
check "argv order: -P before -C loses to the file" grep -qx 'size 128k' "$T/p1.body"
check "argv order: -P after -C wins" grep -qx 'size 256k' "$T/p2.body"
gen p3 -v -C "$T/p.conf"
check "-v overrides the file's verbose, wherever it is" grep -qx 'verbose 1' "$T/p3.body"
printf '[Pool]\nsize 32k\n' >"$T/p2.conf"
gen p4 -C "$T/p.conf" -C "$T/p2.conf"
check "two -C files: merged, the later wins" sh -c "grep -qx 'size 32k' '$T/p4.body' && grep -qx 'daemon' '$T/p4.body'"
NOTIFY_SOCKET=/run/systemd/notify gen p5 -C "$T/p.conf"
check "NOTIFY_SOCKET set: daemon is dropped" sh -c "! grep -q daemon '$T/p5.body'"
NOTIFY_SOCKET=x gen p6 -C "$T/p.conf"
check "NOTIFY_SOCKET not a socket name: daemon stays" grep -qx daemon "$T/p6.body"

# ---- errors: one line naming FILE:LINE, exit 1, nothing on stdout ----
# cbad DESCRIPTION "FILE TEXT (printf)" "EXPECTED MESSAGE" [MORE SEEDD ARGS]
cbad() {
    desc=$1 text=$2 want=$3
    shift 3
    # shellcheck disable=SC2059
    printf "$text" >"$T/bad.conf"
    timeout -k 3 30 "$SEEDD" -C "$T/bad.conf" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc = 1 ] && [ ! -s "$T/out" ] && [ "$(lines_in "$T/err")" = 1 ] &&
        [ "$(cat "$T/err")" = "seedd: $T/bad.conf:$want" ]; then
        ok "$desc"
    else
        not_ok "$desc (rc=$rc, stdout $(size_of "$T/out") bytes, stderr:)"
        sed 's/^/#   /' "$T/err"
    fi
}
cbad "unknown section" '[Service]\nkernel\n[Kernel]\n' "3: unknown section [Kernel]" -b 1k
cbad "unknown option" '[Devices]\nbitrat 5M\n' "2: unknown option 'bitrat' in section [Devices]" -b 1k
cbad "option before any section" '# c\nkernel\n[Service]\n' "2: option 'kernel' before any section" -b 1k
cbad "bad value" '[Devices]\nbitrate 100\n' "2: [Devices] bitrate '100': must be between 458 and 30M" -b 1k
cbad "value to an option that takes none" '[Service]\ndaemon yes\n' "2: [Service] daemon 'yes': takes no value" -b 1k
cbad "missing value" '[Service]\nudp-out\n' "2: [Service] udp-out '': a value is required" -b 1k
cbad "duplicate option in one section" '[Pool]\nsize 1k\n\nsize 2k\n' \
    "4: option 'size' appears twice in section [Pool] (first at line 2)" -b 1k
cbad "duplicate section" '[Pool]\n[Service]\n[Pool]\n' "3: section [Pool] appears twice (first at line 1)" -b 1k
cbad "duplicate device ID, two spellings" '[Device:3:6]\n[Device:003:006]\n' \
    "2: [Device:003:006] is the section [Device:3:6] again (first at line 1)" -b 1k
cbad "duplicate pool group ID, two spellings" '[PoolGroup:1]\n[PoolGroup:01]\n' \
    "2: [PoolGroup:01] is the section [PoolGroup:1] again (first at line 1)" -b 1k
cbad "bad device ID" '\n[Device:3:0]\n' "2: [Device:3:0]: invalid device ID '3:0': device number must be 1..127" -b 1k
cbad "bad pool group ID" '[PoolGroup:x]\n' "1: [PoolGroup:x]: the pool group must be a number, 0 to 4294967295" -b 1k
cbad "section without ']'" '[Service\n' "1: '[Service': a section needs a closing ']'" -b 1k
cbad "text after a section's ']'" '[Pool] size 1k\n' "1: '[Pool] size 1k': only a '#' comment may follow a section's ']'" -b 1k
cbad "watch without a path" '[Pool]\n[Watch:w]\ndelay 5\n' "2: [Watch:w]: 'path' is required" -b 1k
cbad "group size not a power of two" '[PoolGroup:1]\nsize 3000\n' "2: [PoolGroup:1] size '3000': must be a power of two" -b 1k
cbad "under --gen-conf too" '[Services]\n' "1: unknown section [Services]" --gen-conf
timeout -k 3 30 "$SEEDD" -b 1k -C "$T/nonexistent.conf" >"$T/out" 2>"$T/err"
check "-C of a missing file: exit 1, one line naming it" \
    sh -c "[ $? = 1 ] && [ \"\$(cat '$T/err')\" = 'seedd: $T/nonexistent.conf: No such file or directory' ]"
timeout -k 3 30 "$SEEDD" --gen-conf --socket-group 'a b' >"$T/out" 2>"$T/err"
check "command-line values are validated as file values (--socket-group 'a b')" \
    sh -c "[ $? = 1 ] && [ ! -s '$T/out' ] && [ \"\$(cat '$T/err')\" = \"seedd: --socket-group 'a b': not a group name or number\" ]"

# ---- a config file drives a run ----
printf '[Devices]\nno-qa\nfold 2\n[Device:NOSUCH]\n' >"$T/run1.conf"
# shellcheck disable=SC2086
emu $DEV -- "$SEEDD" -C "$T/run1.conf" -b 64k >"$T/out" 2>"$T/err"
check "[Device:NOSUCH] from a file: only that device is used (none matches): exit 1" \
    sh -c "[ $? = 1 ] && grep -q \"No device matching Serial 'NOSUCH'\" '$T/err'"
printf '[Devices]\nno-qa\n[Device:GK9VZF]\nfold 2\n[Pool]\nsize 4k\n' >"$T/run2.conf"
# shellcheck disable=SC2086
emu $DEV -- "$SEEDD" -C "$T/run2.conf" -b 64k >"$T/out" 2>"$T/err"
check "[Device:GK9VZF] and [Devices] no-qa from a file: 64 KiB, exit 0" \
    equals "$? $(size_of "$T/out")" "0 65536"

finish
