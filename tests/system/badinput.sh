#!/bin/sh
# Bad input of every kind gets exactly one line on stderr naming the
# problem, exit status 1, and nothing at all on stdout.
. "$SRC/tests/system/lib.sh"

DEV="--device GK9VZF@3-2,dev=6"
WRAP=""

# bad "DESCRIPTION" "EXPECTED TEXT" SEEDD-ARGS...: seedd with the devices
# $DEVS (run through the command $WRAP, if set).
bad() {
    desc=$1 want=$2
    shift 2
    # shellcheck disable=SC2086
    emu $DEVS -- $WRAP "$SEEDD" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc = 1 ] && [ ! -s "$T/out" ] && [ "$(lines_in "$T/err")" = 1 ] &&
        grep -q -- "$want" "$T/err"; then
        ok "$desc"
    else
        not_ok "$desc (rc=$rc, stdout $(size_of "$T/out") bytes, stderr:)"
        sed 's/^/#   /' "$T/err"
    fi
}

printf '[Service]\nudp-out :1200\nudp-allow 10.0.0.1/8\n' >"$T/udp.conf"
mkdir "$T/pub"
touch "$T/pub/secret"
chmod 755 "$T" "$T/pub"
chmod 000 "$T/pub/secret"
DEVS=$DEV
bad "device ID with dev 0" "invalid device ID '3:0'" -b 1M --no-qa -i 3:0
bad "device ID with bus 200" "invalid device ID '200:5'" -b 1M --no-qa -i 200:5
bad "device ID with an empty port" "invalid device ID '3-'" -b 1M --no-qa -i 3-
bad "device ID with a bad port path" "invalid device ID '3-2..1'" -b 1M --no-qa -i 3-2..1
bad "device ID with a sign" "invalid device ID '+3:4'" -b 1M --no-qa -i +3:4
bad "unknown long option" "unrecognized option '--bogus'" --bogus
bad "unknown short option" "invalid option -- 'x'" -x
bad "unknown QA gate mode" "--qa-gate 'strict': expected 'exact' or 'upstream'" -b 1M --qa-gate=strict
bad "missing argument" "missing argument for '-b'" -b
bad "missing argument (long)" "missing argument for '--bitrate'" -s --bitrate
bad "stray argument" "unexpected argument 'extra'" -s extra
bad "bitrate too low" "--bitrate '100': must be between 458 and 30M" -b 1M --no-qa -r 100
bad "bitrate too high" "--bitrate '40M'" -b 1M --no-qa -r 40M
bad "bitrate not a number" "--bitrate 'fast'" -b 1M --no-qa -r fast
bad "size zero" "--bytes '0'" -b 0 --no-qa
bad "bad size suffix" "--bytes '1Q'" -b 1Q --no-qa
bad "garbage after a suffix" "--bytes '1kB'" -b 1kB --no-qa
bad "fold too large" "--fold '11'" -b 1M --no-qa -f 11
bad "enable mask zero" "--enable-mask '0'" -b 1M --no-qa --enable-mask 0
bad "enable mask too wide" "--enable-mask '0x1F'" -b 1M --no-qa --enable-mask 0x1F
bad "latency zero" "--latency '0'" -b 1M --no-qa --latency 0
bad "pool size zero" "--pool-size '0'" -b 1M -P 0
bad "pool size with a bad suffix" "--pool-size '64q'" -b 1M -P 64q
bad "group size not a power of two" "--group-size '1:3000': the size must be a power of two" -b 1M -G 1:3000
bad "group size without a group" "--group-size '4k'" -b 1M -G 4k
bad "group size zero" "--group-size '2:0'" -b 1M -G 2:0
bad "group size below 512" "--group-size '2:256': the size must be 512 to 256M" -b 1M -G 2:256
# Raw blocks (group size << fold) are limited to 1 GiB.
bad "explicit fold making the raw block 256 GiB" \
    "--fold 10 with group 0 of 268435456 bytes needs a raw block of 274877906944 bytes, over the limit of 1G" \
    -b 64k --no-qa -G 0:256M -f 10
bad "explicit fold with a large pool (group 0 = pool size rounded up)" \
    "--fold 3 with group 0 of 268435456 bytes needs a raw block of 2147483648 bytes" \
    -b 64k --no-qa -P 200M -f 3
bad "per-device fold over the limit names the device" \
    "--fold 3 with group 2 of 268435456 bytes for Serial 'GK9VZF' needs" \
    -b 64k --no-qa -G 2:256M -i GK9VZF -g 2 -f 3
bad "raw block limit also applies to -s" "over the limit of 1G" -s -G 0:256M -f 3
DEVS="--device BLK001@1-1,black"
bad "product default fold (Black: 3) over the limit, at start" \
    "BLK001: raw block of 2147483648 bytes (group size 268435456 << fold 3) is larger than the limit" \
    -b 64k --no-qa -G 0:256M
DEVS=$DEV
# The address-space limit cases (up to the fi) cannot run under
# AddressSanitizer: its shadow memory alone reserves terabytes.
if [ -n "${BB_SANITIZED:-}" ]; then
    why="ASan's shadow memory needs terabytes of address space"
    skip_check "raw block of 1 GiB (fold 2) streams under a 1 GiB address-space limit" "$why"
    skip_check "block that cannot be allocated: exit 1, one line naming device and reason" "$why"
else
# sh $T/ulimit-v KIB COMMAND...: COMMAND under an address-space limit.
printf 'ulimit -v "$1" && shift && exec "$@"\n' >"$T/ulimit-v"
# A raw block of 1 GiB is allowed, and is folded as it arrives: only the
# folded block (256 MiB here) is ever buffered, so it streams under a 1 GiB
# address-space limit.
EMU_TIMEOUT=240 emu $DEV -- sh "$T/ulimit-v" 1048576 "$SEEDD" -b 64k --no-qa -G 0:256M -f 2 >"$T/out" 2>"$T/err"
rc=$?
check "raw block of 1 GiB (fold 2) streams under a 1 GiB address-space limit" \
    equals "$rc $(size_of "$T/out") $(size_of "$T/err")" "0 65536 0"
# A folded block that cannot be allocated (the group buffer of 256 MiB fits
# under 448 MiB, the block of 256 MiB does not): one line naming the device
# and the reason.
WRAP="sh $T/ulimit-v 458752"
bad "block that cannot be allocated: exit 1, one line naming device and reason" \
    "GK9VZF: cannot start (Bus:Device 003:006): allocating its transfer buffer and its block of 268435456 bytes: Cannot allocate memory" \
    -b 64k --no-qa -G 0:256M -f 2
WRAP=""
fi
bad "group not a number" "--group 'x'" -b 1M -g x
bad "negative group" "--group '-1'" -b 1M -g -1
bad "idle-sleep without ':'" "':' is required" -b 1M --idle-sleep 500
bad "idle-sleep INIT > MAX" "INIT (500) is larger than MAX (100)" -b 1M --idle-sleep 500:100
bad "suspend-after not a time" "--suspend-after 'soon'" -b 1M --suspend-after soon
bad "watch without a path" "--watch ':10': a path is required" --watch :10
bad "watch with a bad block size" "block size must be" --watch /dev/zero:0:0
bad "watch on a missing path" "cannot open '/nonexistent/x'" --watch /nonexistent/x
DEVS=""
bad "watch on a directory" "watch: '$T' is a directory, not a readable file or device" --watch "$T"
bad "watch on a directory (with options)" "watch: '/tmp' is a directory" --watch /tmp:0:64k:1M
DEVS="--user nobody"
# -c none: nobody cannot make the default control path's directory.
bad "watch on an unreadable path" "cannot open '$T/pub/secret': Permission denied" -c none --watch "$T/pub/secret"
DEVS=$DEV
bad "nothing to do" "nothing to do" -v
bad "--udp-out on an address not on this host: one line naming it" "seedd: --udp-out: cannot bind 192.0.2.1:1234" -u 192.0.2.1:1234 -c none
bad "udp-allow in a config file: file:line and the entry" "udp.conf:3: .*'10.0.0.1/8'" -C "$T/udp.conf" -c none
bad "ID matching no device" "No device matching Serial 'NOSUCH'" -b 1M --no-qa -i NOSUCH
bad "ID matching no device (port)" "No device matching Port 3-9" -b 1M --no-qa -i 3-9
DEVS=""
bad "no devices at all" "No devices found" -b 1M --no-qa
DEVS="$DEV,fault=busy"
bad "device busy" "device busy" -b 1M --no-qa

# Pool sizes whose raw block (group size << fold) is smaller than one USB
# packet can never work: refused up front, naming the smallest that does.
DEVS=$DEV
bad "pool size 1 (default fold: the smallest product default, 1)" \
    "--pool-size 1 is too small for fold 1 (the smallest product default): pool group 0 of 1 bytes gives raw blocks of 2 bytes, less than one USB packet (512 bytes); the smallest pool size for fold 1 is 129" \
    -b 1k -P 1
bad "pool size 100 with -o" "--pool-size 100 is too small for fold 1 .*the smallest pool size for fold 1 is 129" -o -P 100
bad "pool size 128 with the default fold" "the smallest pool size for fold 1 is 129" -b 1k -P 128
bad "pool size 32 with fold 3" "--pool-size 32 is too small for fold 3: .* raw blocks of 256 bytes.* is 33" -b 1k --no-qa -P 32 -f 3
bad "pool size 256 with fold 0" "the smallest pool size for fold 0 is 257" -b 1k --no-qa -P 256 -f 0
bad "pool size too small for one device's fold, naming it" \
    "--pool-size 200 is too small for fold 0 for Serial 'GK9VZF': .* is 257" -b 1k --no-qa -P 200 -i GK9VZF -f 0
bad "pool size too small for a group without -G" "pool group 2 of 64 bytes" -b 1k --no-qa -P 64 -G 0:512 -g 2
bad "pool size too small, also with -s" "the smallest pool size for fold 1 is 129" -s -P 100
# ... and the smallest ones work.
for args in "-P 129" "-P 33 -f 3" "-P 257 -f 0" "-P 1 -G 0:512" "-P 2 -f 8"; do
    # shellcheck disable=SC2086
    emu $DEV -- "$SEEDD" -b 4k --no-qa $args >"$T/out" 2>"$T/err"
    check "seedd -b 4k $args: exit 0, 4 KiB, nothing on stderr" \
        equals "$? $(size_of "$T/out") $(size_of "$T/err")" "0 4096 0"
done

# Option messages say what is wrong.
bad "--no-qa=1" "seedd: option '--no-qa' takes no argument, try --help" -b 1M --no-qa=1
bad "--scan=1" "option '--scan' takes no argument" --scan=1
bad "--low-power=yes (abbreviated)" "option '--low-power' takes no argument" -b 1M --low=yes
bad "ambiguous abbreviation" "option '--s' is ambiguous (--scan, --shell-mr, --stdout, --socket-group, --suspend-after)" --s
bad "ambiguous abbreviation with a value" "option '--gr' is ambiguous (--group-size, --group)" -b 1M --gr=2
bad "bad letter after a long option" "invalid option -- 'x'" --no-qa -xv
bad "overflowing size" "--bytes '99999999999999999999999': too large" -b 99999999999999999999999
bad "overflowing size with a suffix" "--bytes '18446744073709551615k': too large" -b 18446744073709551615k
bad "pool size over 256M" "--pool-size '300M': too large" -b 1M -P 300M
bad "overflowing fold" "--fold '99999999999999999999999': too large" -b 1M -f 99999999999999999999999
bad "overflowing bitrate" "--bitrate '1e999': too large" -b 1M -r 1e999
# Control characters from arguments are escaped, wherever the message
# comes from (options, the device ID parser, the log).
ESC=$(printf '\033')
noctl() { ! tr -d '\n' <"$T/err" | LC_ALL=C grep -q '[[:cntrl:]]'; }
bad "escape in an unknown option" "unrecognized option '--\\\\x1b\[31m'" "--$ESC[31m"
check "  ... with no raw control character" noctl
bad "control character as a short option" "invalid option -- '\\\\x07'" "-$(printf '\007')"
check "  ... with no raw control character" noctl
bad "escape in a bad number" "--bytes '1\\\\x1b\[2J': must be" -b "1$ESC[2J"
check "  ... with no raw control character" noctl
bad "escape in a device ID (log message)" "No device matching Serial '\\\\x1b\[31m'" -b 1M --no-qa -i "$ESC[31m"
check "  ... with no raw control character" noctl
bad "escape in a watch path" "cannot open '/nonexistent/\\\\x1b\[31m'" --watch "/nonexistent/$ESC[31m"
check "  ... with no raw control character" noctl
# A long -i keeps its reason (the middle of the message gives way).
LONG=$(printf '%0400d' 0 | tr 0 a)
bad "overlong device ID keeps its reason" "invalid device ID 'aaaa.*': serial number longer than 127 characters" -b 1M -i "$LONG"
LONG=$(printf '%05000d' 0 | tr 0 a)
bad "very long device ID: shortened in the middle, reason kept" \
    "invalid device ID 'aaaa*\.\.\.a*': serial number longer than 127 characters" -b 1M -i "$LONG"
check "  ... in at most 600 characters" sh -c "[ \$(wc -c <'$T/err') -le 600 ]"

# --help and --version are not errors.
emu -- "$SEEDD" --help >"$T/out" 2>"$T/err"
check "--help: exit 0, usage on stdout" sh -c "[ $? = 0 ] && grep -q '^Usage: seedd' '$T/out'"
emu -- "$SEEDD" --version >"$T/out" 2>"$T/err"
check "--version prints 'seedd 0.9'" equals "$(cat "$T/out")" "seedd 0.9"

finish
