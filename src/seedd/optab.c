/* optab: seedd's option table.  See optab.h. */
#include "optab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "config.h"
#include "devcfg.h"
#include "egdproto.h"
#include "egdsrv.h"
#include "ftdi.h"
#include "listenaddr.h"
#include "num.h"
#include "options.h"
#include "pool.h"
#include "udpproto.h"
#include "watchspec.h"

#define STR_(x) #x
#define STR(x) STR_(x)

__attribute__((format(printf, 3, 4))) static int why_f(char *why, size_t len, const char *fmt,
                                                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* An out-of-range number: "too large; " before what when it overflowed
 * (num_* gave -ERANGE) or is above the range. */
static int why_num(char *why, size_t len, int r, bool too_large, const char *what)
{
    if (r == -ERANGE || too_large)
        return why_f(why, len, "%s; %s", num_strerror(-ERANGE), what);
    return why_f(why, len, "%s", what);
}

/* ---- [Service] and [Pool] (target: struct seedd_opts) ------------------ */

static int set_str(char **field, const char *val)
{
    char *s = strdup(val);
    if (!s)
        return -ENOMEM;
    free(*field);
    *field = s;
    return 0;
}

static int p_daemon(const char *v, void *t, char *why, size_t len)
{
    ((struct seedd_opts *)t)->daemon = true;
    return 0;
}

static int p_kernel(const char *v, void *t, char *why, size_t len)
{
    ((struct seedd_opts *)t)->kernel = true;
    return 0;
}

static int p_freebind(const char *v, void *t, char *why, size_t len)
{
    ((struct seedd_opts *)t)->ip_freebind = true;
    return 0;
}

/* HOST:PORT, split at the last ':' (spec §6.3): the port is required. */
static bool host_port(const char *v)
{
    const char *colon = strrchr(v, ':');
    return colon && colon[1];
}

static int p_udp_out(const char *v, void *t, char *why, size_t len)
{
    if (!host_port(v))
        return why_f(why, len, "expected HOST:PORT (the host may be empty)");
    return set_str(&((struct seedd_opts *)t)->udp_out, v);
}

static int p_udp_allow(const char *v, void *t, char *why, size_t len)
{
    struct udpacl *acl = NULL;
    char err[300];
    int r = udpacl_parse(v, &acl, err, sizeof(err));
    udpacl_free(acl);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return why_f(why, len, "%s", err);
    return set_str(&((struct seedd_opts *)t)->udp_allow, v);
}

/* A service's rate limit: bytes/s, 0 for none. */
static int byte_rate(const char *v, uint64_t *out, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_scaled_u64(v, 1024, &n);
    if (r < 0 || n > TBUCKET_MAX_RATE)
        return why_num(why, len, r, n > TBUCKET_MAX_RATE,
                       "must be 0 (no limit) to 1000000000 bytes/s (k, M: x1024)");
    *out = n;
    return 0;
}

static int p_udp_rate(const char *v, void *t, char *why, size_t len)
{
    return byte_rate(v, &((struct seedd_opts *)t)->udp_rate, why, len);
}

static int p_udp_max_rate(const char *v, void *t, char *why, size_t len)
{
    return byte_rate(v, &((struct seedd_opts *)t)->udp_max_rate, why, len);
}

static int p_control_socket(const char *v, void *t, char *why, size_t len)
{
    if (strncmp(v, "tcp:", 4) == 0 && !host_port(v + 4))
        return why_f(why, len, "expected tcp:HOST:PORT, a path or 'none'");
    return set_str(&((struct seedd_opts *)t)->control_socket, v);
}

static int p_metrics(const char *v, void *t, char *why, size_t len)
{
    char host[256];
    unsigned port;
    if (listenaddr_parse(v, host, sizeof(host), &port) < 0)
        return why_f(why, len, "expected [HOST:]PORT (port 1 to 65535; IPv6 as [ADDR]:PORT)");
    return set_str(&((struct seedd_opts *)t)->metrics, v);
}

static int p_egd_out(const char *v, void *t, char *why, size_t len)
{
    if (egd_check_addrs(v, why, len) < 0)
        return -EINVAL;
    return set_str(&((struct seedd_opts *)t)->egd_out, v);
}

static int p_egd_rate(const char *v, void *t, char *why, size_t len)
{
    return byte_rate(v, &((struct seedd_opts *)t)->egd_rate, why, len);
}

static bool group_name(const char *v)
{
    return v[0] != '-' && strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-$") == strlen(v);
}

static int p_egd_group(const char *v, void *t, char *why, size_t len)
{
    if (!group_name(v))
        return why_f(why, len, "not a group name or number");
    return set_str(&((struct seedd_opts *)t)->egd_group, v);
}

static int p_socket_group(const char *v, void *t, char *why, size_t len)
{
    if (!group_name(v))
        return why_f(why, len, "not a group name or number");
    return set_str(&((struct seedd_opts *)t)->socket_group, v);
}

static int p_pid_file(const char *v, void *t, char *why, size_t len)
{
    return set_str(&((struct seedd_opts *)t)->pid_file, v);
}

static int p_vm_conf(const char *v, void *t, char *why, size_t len)
{
    struct seedd_opts *o = t;
    o->vm_conf_explicit = true;
    if (strcmp(v, "none") == 0) {
        free(o->vm_conf);
        o->vm_conf = NULL;
        return 0;
    }
    return set_str(&o->vm_conf, v);
}

static int p_verbose(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 0, &n);
    if (r < 0 || n > 255)
        return why_num(why, len, r, n > 255, "must be a number, 0 to 255");
    ((struct seedd_opts *)t)->verbose = (int)n;
    return 0;
}

static int p_pool_size(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_scaled_u64(v, 1024, &n);
    if (r < 0 || n == 0 || n > POOL_MAX_SIZE)
        return why_num(why, len, r, n > POOL_MAX_SIZE, "must be 1 to 256M bytes (k, M: x1024)");
    ((struct seedd_opts *)t)->pool_size = (size_t)n;
    return 0;
}

static int p_kernel_device(const char *v, void *t, char *why, size_t len)
{
    return set_str(&((struct seedd_opts *)t)->kernel_device, v);
}

#define MAX_REFILL 4294967u /* seconds: its ms fit in 32 bits */

static int p_kernel_refill(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 10, &n);
    if (r < 0 || n > MAX_REFILL)
        return why_num(why, len, r, n > MAX_REFILL, "must be 0 to 4294967 (seconds)");
    ((struct seedd_opts *)t)->kernel_refill = (unsigned)n;
    return 0;
}

static int p_kernel_reseed(const char *v, void *t, char *why, size_t len)
{
    if (strcmp(v, "yes") && strcmp(v, "no"))
        return why_f(why, len, "expected 'yes' or 'no'");
    ((struct seedd_opts *)t)->kernel_reseed = strcmp(v, "yes") == 0;
    return 0;
}

static int p_qa_gate(const char *v, void *t, char *why, size_t len)
{
    if (strcmp(v, "exact") && strcmp(v, "upstream"))
        return why_f(why, len, "expected 'exact' or 'upstream'");
    ((struct seedd_opts *)t)->qa_gate_upstream = strcmp(v, "upstream") == 0;
    return 0;
}

/* ---- [PoolGroup:ID] (target: struct groupsize) -------------------------- */

static int p_group_size(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_scaled_u64(v, 1024, &n);
    if (r < 0 || n < 512 || n > POOL_MAX_SIZE)
        return why_num(why, len, r, n > POOL_MAX_SIZE, "must be 512 to 256M (k, M: x1024)");
    if (n & (n - 1))
        return why_f(why, len, "must be a power of two");
    ((struct groupsize *)t)->size = (size_t)n;
    return 0;
}

/* ---- [Devices] and [Device:ID] (target: struct devcfg) ------------------ */

static int p_bitrate(const char *v, void *t, char *why, size_t len)
{
    double d = 0;
    int r = num_parse_scaled_double(v, &d);
    if (r == -EINVAL)
        return why_f(why, len, "not a number");
    if (r < 0 || d < FTDI_MIN_BITRATE || d > FTDI_MASTER_CLOCK)
        return why_num(why, len, r, r == 0 && d > FTDI_MASTER_CLOCK,
                       "must be between 458 and 30M");
    ((struct devcfg *)t)->bitrate = (unsigned)d;
    return 0;
}

static int p_latency(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 10, &n);
    if (r < 0 || n < 1 || n > 255)
        return why_num(why, len, r, n > 255, "must be 1 to 255 (ms)");
    ((struct devcfg *)t)->latency_ms = (unsigned)n;
    return 0;
}

static int p_fold(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 10, &n);
    if (r < 0 || n > DEVCFG_MAX_FOLD)
        return why_num(why, len, r, n > DEVCFG_MAX_FOLD, "must be 0 to " STR(DEVCFG_MAX_FOLD));
    ((struct devcfg *)t)->fold = (int)n;
    return 0;
}

static int p_enable_mask(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 0, &n);
    if (r < 0 || n < 1 || n > 0x0F)
        return why_num(why, len, r, n > 0x0F, "must be 0x01 to 0x0F");
    ((struct devcfg *)t)->enable_mask = (unsigned)n;
    return 0;
}

static int p_group(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_u64(v, 10, &n);
    if (r < 0 || n > 0xFFFFFFFFu)
        return why_num(why, len, r, n > 0xFFFFFFFFu, "must be a group number, 0 to 4294967295");
    ((struct devcfg *)t)->group = (unsigned)n;
    return 0;
}

static int p_idle_sleep(const char *v, void *t, char *why, size_t len)
{
    struct devcfg *g = t;
    char err[300];
    if (backoff_parse_idle_sleep(v, &g->idle_initial, &g->idle_max, err, sizeof(err)) == 0)
        return 0;
    /* The reason alone: backoff's message starts with the value quoted. */
    size_t n = strlen(v);
    const char *reason = err;
    if (err[0] == '\'' && strncmp(err + 1, v, n) == 0 && strncmp(err + 1 + n, "': ", 3) == 0)
        reason = err + n + 4;
    return why_f(why, len, "%s", reason);
}

static int p_suspend_after(const char *v, void *t, char *why, size_t len)
{
    uint64_t n = 0;
    int r = num_parse_scaled_u64(v, 1000, &n);
    if (r < 0 || n > 0xFFFFFFFFu)
        return why_num(why, len, r, n > 0xFFFFFFFFu,
                       "must be a time in ms up to 4294967295 (k = x1000)");
    ((struct devcfg *)t)->suspend_after = (unsigned)n;
    return 0;
}

static int p_limit_max_xfer(const char *v, void *t, char *why, size_t len)
{
    ((struct devcfg *)t)->limit_max_xfer = true;
    return 0;
}

static int p_no_qa(const char *v, void *t, char *why, size_t len)
{
    ((struct devcfg *)t)->no_qa = true;
    return 0;
}

/* ---- [Watch:LABEL] (target: struct watchspec) --------------------------- */

static int watch_field(enum watchspec_field f, const char *v, void *t, char *why, size_t len)
{
    return watchspec_set(t, f, v, why, len) < 0 ? -EINVAL : 0;
}

static int p_watch_path(const char *v, void *t, char *why, size_t len)
{
    return watch_field(WATCHSPEC_PATH, v, t, why, len);
}

static int p_watch_delay(const char *v, void *t, char *why, size_t len)
{
    return watch_field(WATCHSPEC_DELAY, v, t, why, len);
}

static int p_watch_block(const char *v, void *t, char *why, size_t len)
{
    return watch_field(WATCHSPEC_BLOCK_SIZE, v, t, why, len);
}

static int p_watch_max(const char *v, void *t, char *why, size_t len)
{
    return watch_field(WATCHSPEC_MAX_BYTES, v, t, why, len);
}

/* ---- the table ---------------------------------------------------------- */

#define ARG_NONE NULL
const struct optab optab[] = {
    { NULL, 0, NULL, OS_NONE, NULL, OK_HEADING, NULL, "Options" },
    { "scan", 's', ARG_NONE, OS_NONE, NULL, OK_SCAN, NULL,
      "List the available devices and exit (-sv for more)" },
    { "shell-mr", 0, ARG_NONE, OS_NONE, NULL, OK_SHELL_MR, NULL,
      "List devices in a machine-readable (NUL-separated) form" },
    { "config", 'C', "FILE", OS_NONE, NULL, OK_CONFIG, NULL,
      "Read options from a config file (repeatable; merged in\n"
      "command-line order: later options win)" },
    { "gen-conf", 0, ARG_NONE, OS_NONE, NULL, OK_GEN_CONF, NULL,
      "Write the config file these options make to stdout and exit" },
    { "device-id", 'i', "ID", OS_NONE, NULL, OK_DEVICE_ID, NULL,
      "Use only this device (repeatable): a serial number,\n"
      "[BUS:]DEV, or BUS-PORT[.PORT...]. Per-device options\n"
      "after it apply to this device only ([Device:ID])" },
    { "bytes", 'b', "N", OS_NONE, NULL, OK_BYTES, NULL,
      "Write N bytes (k, M, G: x1024) to stdout and exit" },
    { "stdout", 'o', ARG_NONE, OS_NONE, NULL, OK_STDOUT, NULL,
      "Write to stdout until stopped (follows hotplug)" },
    { "watch", 0, "PATH[:DELAY[:BLOCK[:MAX]]]", OS_NONE, NULL, OK_WATCH, NULL,
      "Run the QA checks on the data of any readable file\n"
      "or device (delay ms, k = x1000; sizes k/M = x1024)" },
    { "verbose", 'v', ARG_NONE, OS_NONE, NULL, OK_VERBOSE, NULL,
      "More messages (repeatable; overrides [Service] verbose)" },
    { "progress", 0, ARG_NONE, OS_NONE, NULL, OK_PROGRESS, NULL,
      "Show progress on stderr (default: when it is a\n"
      "terminal and stdout is not)" },
    { "help", '?', ARG_NONE, OS_NONE, NULL, OK_HELP, NULL, "Show this help and exit" },
    { "version", 0, ARG_NONE, OS_NONE, NULL, OK_VERSION, NULL, "Show the version and exit" },
    { NULL, 0, NULL, OS_NONE, NULL, OK_HEADING, NULL,
      "Service options ([Service] in a config file)" },
    { "daemon", 'd', ARG_NONE, OS_SERVICE, "daemon", OK_KEY, p_daemon,
      "Run in the background, messages to syslog" },
    { "kernel", 'k', ARG_NONE, OS_SERVICE, "kernel", OK_KEY, p_kernel,
      "Feed entropy to the kernel" },
    { "udp-out", 'u', "HOST:PORT", OS_SERVICE, "udp-out", OK_KEY, p_udp_out,
      "Serve entropy over UDP on this address" },
    { "control-socket", 'c', "PATH", OS_SERVICE, "control-socket", OK_KEY, p_control_socket,
      "Control socket: a path, tcp:HOST:PORT or 'none'\n"
      "(default " SEEDD_CONTROL_SOCKET ";\n"
      "none with -b unless given)" },
    { "socket-group", 0, "GROUP", OS_SERVICE, "socket-group", OK_KEY, p_socket_group,
      "Group allowed to use the control socket" },
    { "udp-allow", 0, "NET[,NET...]", OS_SERVICE, "udp-allow", OK_KEY, p_udp_allow,
      "Networks the UDP service answers (ADDR[/PREFIX],\n"
      "IPv4 or IPv6; default 127.0.0.0/8,::1/128)" },
    { "udp-rate", 0, "BYTES", OS_SERVICE, "udp-rate", OK_KEY, p_udp_rate,
      "UDP bytes per second per source address (k, M: x1024;\n"
      "0: no limit; default 64k)" },
    { "udp-max-rate", 0, "BYTES", OS_SERVICE, "udp-max-rate", OK_KEY, p_udp_max_rate,
      "UDP bytes per second in all (0: no limit; default 1M)" },
    { "ip-freebind", 0, ARG_NONE, OS_SERVICE, "ip-freebind", OK_KEY, p_freebind,
      "Bind the UDP address even if it is not up yet" },
    { "metrics", 0, "[HOST:]PORT", OS_SERVICE, "metrics", OK_KEY, p_metrics,
      "Serve Prometheus metrics over HTTP at /metrics\n"
      "(a port alone: on 127.0.0.1; default: none)" },
    { "egd-out", 0, "ADDR[,ADDR...]", OS_SERVICE, "egd-out", OK_KEY, p_egd_out,
      "Serve entropy to EGD clients (QEMU virtio-rng rng-egd)\n"
      "on unix:PATH and/or tcp:HOST:PORT (repeatable;\n"
      "default: none)" },
    { "egd-group", 0, "GROUP", OS_SERVICE, "egd-group", OK_KEY, p_egd_group,
      "Group allowed to use the EGD unix sockets (mode 0660)" },
    { "egd-rate", 0, "BYTES", OS_SERVICE, "egd-rate", OK_KEY, p_egd_rate,
      "Bytes per second per EGD client (k, M: x1024;\n"
      "0: no limit; default 64k)" },
    { "pid-file", 0, "FILE", OS_SERVICE, "pid-file", OK_KEY, p_pid_file,
      "Write the process ID to this file" },
    { "vm-conf", 0, "FILE", OS_SERVICE, "vm-conf", OK_KEY, p_vm_conf,
      "Leave the devices this vm.conf gives to virtual machines\n"
      "alone unless -i names them ('none': use all; default\n" BB_SYSCONFDIR
      "/bit-babbler/vm.conf)" },
    { NULL, 0, "N", OS_SERVICE, "verbose", OK_KEY, p_verbose, "Verbosity (as -v N times)" },
    { NULL, 0, NULL, OS_NONE, NULL, OK_HEADING, NULL, "Pool options ([Pool])" },
    { "pool-size", 'P', "N", OS_POOL, "size", OK_KEY, p_pool_size,
      "Entropy pool size in bytes (k, M: x1024; default 64k)" },
    { "group-size", 'G', "G:N", OS_NONE, NULL, OK_GROUP_SIZE, NULL,
      "Size of pool group G, a power of two (k, M: x1024;\n"
      "[PoolGroup:G] size N)" },
    { NULL, 0, "N", OS_POOLGROUP, "size", OK_KEY, p_group_size, "Size of the pool group" },
    { "kernel-device", 0, "PATH", OS_POOL, "kernel-device", OK_KEY, p_kernel_device,
      "Device to feed with -k (default " SEEDD_KERNEL_DEVICE ")" },
    { "kernel-refill", 0, "SEC", OS_POOL, "kernel-refill", OK_KEY, p_kernel_refill,
      "Seconds between timed kernel feeds (default " STR(SEEDD_KERNEL_REFILL) ",\n"
      STR(SEEDD_KERNEL_REFILL_LOW_POWER) " with --low-power; 0: none)" },
    { "kernel-reseed", 0, "yes|no", OS_POOL, "kernel-reseed", OK_KEY, p_kernel_reseed,
      "Once the kernel's CRNG is ready, have it reseed after\n"
      "each feed (RNDRESEEDCRNG; default yes)" },
    { "qa-gate", 0, "MODE", OS_POOL, "qa-gate", OK_KEY, p_qa_gate,
      "'exact' (default): no byte of a failing FIPS block\n"
      "or of a rejected block is output; 'upstream': whole\n"
      "blocks as upstream 0.9 gates them (compatibility)" },
    { NULL, 0, NULL, OS_NONE, NULL, OK_HEADING, NULL,
      "Per-device options ([Devices], or [Device:ID] after -i ID)" },
    { "bitrate", 'r', "RATE", OS_DEVICE, "bitrate", OK_KEY, p_bitrate,
      "Bit rate in Hz, 458 to 30M (SI suffixes; default 2.5M)" },
    { "latency", 0, "MS", OS_DEVICE, "latency", OK_KEY, p_latency,
      "USB latency timer, 1 to 255 ms (default: from bit rate)" },
    { "fold", 'f', "N", OS_DEVICE, "fold", OK_KEY, p_fold,
      "Times to XOR-fold the raw data, 0 to " STR(DEVCFG_MAX_FOLD) "\n"
      "(default: 1 for White RNG, 3 for Black RNG)" },
    { "enable-mask", 0, "M", OS_DEVICE, "enable-mask", OK_KEY, p_enable_mask,
      "Generators to enable, 0x01 to 0x0F (default 0x0F)" },
    { "limit-max-xfer", 0, ARG_NONE, OS_DEVICE, "limit-max-xfer", OK_KEY, p_limit_max_xfer,
      "Limit USB transfers to 16 kB" },
    { "no-qa", 0, ARG_NONE, OS_DEVICE, "no-qa", OK_KEY, p_no_qa,
      "Pass data to stdout even when it fails the QA checks" },
    { "group", 'g', "G", OS_DEVICE, "group", OK_KEY, p_group,
      "Pool group of the device (default 0)" },
    { "idle-sleep", 0, "INIT:MAX", OS_DEVICE, "idle-sleep", OK_KEY, p_idle_sleep,
      "Back-off while the pool is full, ms (default 100:60000;\n"
      "MAX 0: then wait until data is read)" },
    { "suspend-after", 0, "MS", OS_DEVICE, "suspend-after", OK_KEY, p_suspend_after,
      "Release the device during idle waits this long or longer" },
    { "low-power", 0, ARG_NONE, OS_DEVICE, "low-power", OK_KEY, NULL,
      "Same as --idle-sleep=100:0 --suspend-after=10000\n"
      "(and kernel-refill " STR(SEEDD_KERNEL_REFILL_LOW_POWER) " unless given)" },
    { NULL, 0, NULL, OS_NONE, NULL, OK_HEADING, NULL,
      "Watch options ([Watch:LABEL]; on the command line: --watch)" },
    { NULL, 0, "PATH", OS_WATCH, "path", OK_KEY, p_watch_path, "File or device to check" },
    { NULL, 0, "MS", OS_WATCH, "delay", OK_KEY, p_watch_delay, "Wait between blocks" },
    { NULL, 0, "N", OS_WATCH, "block-size", OK_KEY, p_watch_block, "Bytes read at a time" },
    { NULL, 0, "N", OS_WATCH, "max-bytes", OK_KEY, p_watch_max, "Stop after this many bytes" },
    { NULL, 0, NULL, OS_NONE, NULL, OK_END, NULL, NULL },
};

bool optab_list(const struct optab *e)
{
    return e->parse == p_egd_out;
}

const struct optab *optab_key(enum optab_sec sec, const char *key)
{
    for (const struct optab *e = optab; e->kind != OK_END; e++)
        if (e->sec == sec && e->key && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

/* A device ID the way seedd writes it (devid_parse reads it back the same). */
static void devid_canon(const struct devid *id, char *buf, size_t len)
{
    switch (id->kind) {
    case DEVID_BUSDEV:
        if (id->has_bus)
            snprintf(buf, len, "%u:%u", id->bus, id->dev);
        else
            snprintf(buf, len, "%u", id->dev);
        break;
    case DEVID_PORT:
        snprintf(buf, len, "%u-%s", id->bus, id->str);
        break;
    default:
        snprintf(buf, len, "%s", id->str);
        break;
    }
}

int optab_section(const char *name, enum optab_sec *sec, char *canon, size_t canonlen, char *why,
                  size_t len)
{
    static const struct {
        const char *name;
        enum optab_sec sec;
    } plain[] = { { "Service", OS_SERVICE }, { "Pool", OS_POOL }, { "Devices", OS_DEVICE } };
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strcmp(name, plain[i].name) == 0) {
            *sec = plain[i].sec;
            snprintf(canon, canonlen, "%s", name);
            return 0;
        }
    if (strncmp(name, "PoolGroup:", 10) == 0) {
        uint64_t id = 0;
        int r = num_parse_u64(name + 10, 10, &id);
        if (r < 0 || id > 0xFFFFFFFFu)
            return why_f(why, len, "[%s]: the pool group must be a number, 0 to 4294967295", name);
        *sec = OS_POOLGROUP;
        snprintf(canon, canonlen, "PoolGroup:%u", (unsigned)id);
        return 0;
    }
    if (strncmp(name, "Device:", 7) == 0) {
        struct devid id;
        char err[300], buf[DEVINFO_STR_MAX + 16];
        if (devid_parse(name + 7, &id, err, sizeof(err)) < 0)
            return why_f(why, len, "[%s]: %s", name, err);
        devid_canon(&id, buf, sizeof(buf));
        *sec = OS_DEVICE;
        snprintf(canon, canonlen, "Device:%s", buf);
        return 0;
    }
    if (strncmp(name, "Watch:", 6) == 0) {
        if (!name[6])
            return why_f(why, len, "[%s]: a label is required", name);
        *sec = OS_WATCH;
        snprintf(canon, canonlen, "%s", name);
        return 0;
    }
    return -ENOENT;
}

int optab_rank(const char *s)
{
    if (strcmp(s, "Service") == 0)
        return 0;
    if (strcmp(s, "Pool") == 0)
        return 1;
    if (strncmp(s, "PoolGroup:", 10) == 0)
        return 2;
    if (strcmp(s, "Devices") == 0)
        return 3;
    if (strncmp(s, "Device:", 7) == 0)
        return 4;
    if (strncmp(s, "Watch:", 6) == 0)
        return 5;
    return 6;
}

int optab_apply(const struct optab *e, const char *val, void *target, char *why, size_t len)
{
    if (!e->parse)
        return 0;
    int r = e->parse(val, target, why, len);
    if (r == -ENOMEM)
        why_f(why, len, "out of memory");
    return r;
}

int optab_check(const struct optab *e, const char *val, char *why, size_t len)
{
    if (strpbrk(val, "\n\r"))
        return why_f(why, len, "a line end cannot be in a config value");
    size_t n = strlen(val);
    if (n && (val[0] == ' ' || val[0] == '\t' || val[n - 1] == ' ' || val[n - 1] == '\t'))
        return why_f(why, len, "leading or trailing blanks are not allowed");
    if (!e->arg && n)
        return why_f(why, len, "takes no value");
    if (e->arg && !n)
        return why_f(why, len, "a value is required");
    /* The parser on scratch targets of the row's section. */
    struct seedd_opts o = { 0 };
    struct groupsize g = { 0 };
    struct devcfg d;
    struct watchspec w = { .block_size = WATCH_DEFAULT_BLOCK };
    void *t = &o;
    devcfg_init(&d);
    if (e->sec == OS_POOLGROUP)
        t = &g;
    else if (e->sec == OS_DEVICE)
        t = &d;
    else if (e->sec == OS_WATCH)
        t = &w;
    int r = optab_apply(e, val, t, why, len);
    seedd_opts_clear(&o);
    return r;
}
