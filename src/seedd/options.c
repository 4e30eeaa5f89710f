/* options: seedd command line parsing.  See options.h. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "bbdev.h"
#include "climsg.h"
#include "config.h"
#include "ftdi.h"
#include "num.h"
#include "pool.h"
#include "sources.h"

/* Which per-device settings a -i group set explicitly. */
enum {
    SET_BITRATE = 1 << 0,
    SET_LATENCY = 1 << 1,
    SET_FOLD = 1 << 2,
    SET_MASK = 1 << 3,
    SET_LIMIT = 1 << 4,
    SET_NOQA = 1 << 5,
    SET_GROUP = 1 << 6,
    SET_IDLE = 1 << 7,
    SET_SUSPEND = 1 << 8,
    SET_LOWPOWER = 1 << 9,
};

enum {
    OPT_SHELL_MR = 256,
    OPT_LATENCY,
    OPT_ENABLE_MASK,
    OPT_LIMIT_MAX_XFER,
    OPT_NO_QA,
    OPT_VERSION,
    OPT_PROGRESS,
    OPT_IDLE_SLEEP,
    OPT_SUSPEND_AFTER,
    OPT_LOW_POWER,
    OPT_WATCH,
    OPT_VM_CONF,
    OPT_QA_GATE,
    /* The kernel feed (kept together; the option table replaces this). */
    OPT_KERNEL_DEVICE,
    OPT_KERNEL_REFILL,
    OPT_KERNEL_RESEED,
};

static const struct option long_opts[] = {
    { "scan", no_argument, NULL, 's' },
    { "shell-mr", no_argument, NULL, OPT_SHELL_MR },
    { "device-id", required_argument, NULL, 'i' },
    { "bytes", required_argument, NULL, 'b' },
    { "stdout", no_argument, NULL, 'o' },
    { "bitrate", required_argument, NULL, 'r' },
    { "latency", required_argument, NULL, OPT_LATENCY },
    { "fold", required_argument, NULL, 'f' },
    { "enable-mask", required_argument, NULL, OPT_ENABLE_MASK },
    { "limit-max-xfer", no_argument, NULL, OPT_LIMIT_MAX_XFER },
    { "no-qa", no_argument, NULL, OPT_NO_QA },
    { "group", required_argument, NULL, 'g' },
    { "idle-sleep", required_argument, NULL, OPT_IDLE_SLEEP },
    { "suspend-after", required_argument, NULL, OPT_SUSPEND_AFTER },
    { "low-power", no_argument, NULL, OPT_LOW_POWER },
    { "pool-size", required_argument, NULL, 'P' },
    { "group-size", required_argument, NULL, 'G' },
    { "watch", required_argument, NULL, OPT_WATCH },
    { "vm-conf", required_argument, NULL, OPT_VM_CONF },
    { "qa-gate", required_argument, NULL, OPT_QA_GATE },
    { "kernel", no_argument, NULL, 'k' },
    { "kernel-device", required_argument, NULL, OPT_KERNEL_DEVICE },
    { "kernel-refill", required_argument, NULL, OPT_KERNEL_REFILL },
    { "kernel-reseed", required_argument, NULL, OPT_KERNEL_RESEED },
    { "verbose", no_argument, NULL, 'v' },
    { "progress", no_argument, NULL, OPT_PROGRESS },
    { "help", no_argument, NULL, '?' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

static void usage(void)
{
    printf("Usage: seedd [options]\n"
           "\n"
           "Read entropy from BitBabbler hardware random number generators.\n"
           "\n"
           "Options:\n"
           "  -s, --scan             List the available devices and exit (-sv for more)\n"
           "      --shell-mr         List devices in a machine-readable (NUL-separated) form\n"
           "  -i, --device-id=ID     Use only this device (repeatable): a serial number,\n"
           "                         [BUS:]DEV, or BUS-PORT[.PORT...]. Per-device options\n"
           "                         after it apply to this device only\n"
           "  -b, --bytes=N          Write N bytes (k, M, G: x1024) to stdout and exit\n"
           "  -o, --stdout           Write to stdout until stopped (follows hotplug)\n"
           "  -P, --pool-size=N      Entropy pool size in bytes (k, M: x1024; default 64k)\n"
           "  -G, --group-size=G:N   Size of pool group G (a power of two; k, M: x1024)\n"
           "      --vm-conf=FILE     Leave the devices this vm.conf gives to virtual machines\n"
           "                         alone unless -i names them ('none': use all; default\n"
           "                         %s/bit-babbler/vm.conf)\n"
           "      --watch=PATH[:DELAY[:BLOCK[:MAX]]]\n"
           "                         Run the QA checks on the data of any readable file\n"
           "                         or device (delay ms, k = x1000; sizes k/M = x1024)\n"
           "  -k, --kernel           Feed QA-passed entropy to the kernel\n"
           "      --kernel-device=PATH  The kernel's random device (default %s)\n"
           "      --kernel-refill=S  Once the kernel's CRNG is ready, feed it every S\n"
           "                         seconds (default %d, %d with --low-power; 0: only\n"
           "                         when the kernel asks)\n"
           "      --kernel-reseed=yes|no  RNDRESEEDCRNG after each such feed (default yes)\n"
           "      --qa-gate=MODE     'exact' (default): no byte of a failing FIPS block\n"
           "                         or of a rejected block is output; 'upstream': whole\n"
           "                         blocks as upstream 0.9 gates them (compatibility)\n"
           "  -v, --verbose          More messages (repeatable)\n"
           "      --progress         Show progress on stderr (default: when it is a\n"
           "                         terminal and stdout is not)\n"
           "  -?, --help             Show this help and exit\n"
           "      --version          Show the version and exit\n"
           "\n"
           "Per-device options:\n"
           "  -r, --bitrate=RATE     Bit rate in Hz, 458 to 30M (SI suffixes; default 2.5M)\n"
           "      --latency=MS       USB latency timer, 1 to 255 ms (default: from bit rate)\n"
           "  -f, --fold=N           Times to XOR-fold the raw data, 0 to %d\n"
           "                         (default: 1 for White RNG, 3 for Black RNG)\n"
           "      --enable-mask=M    Generators to enable, 0x01 to 0x0F (default 0x0F)\n"
           "      --limit-max-xfer   Limit USB transfers to 16 kB\n"
           "      --no-qa            Pass data to stdout even when it fails the QA checks\n"
           "  -g, --group=G          Pool group of the device (default 0)\n"
           "      --idle-sleep=INIT:MAX\n"
           "                         Back-off while the pool is full, ms (default 100:60000;\n"
           "                         MAX 0: then wait until data is read)\n"
           "      --suspend-after=MS Release the device during idle waits this long or longer\n"
           "      --low-power        Same as --idle-sleep=100:0 --suspend-after=10000\n"
           "\n"
           "See seedd(1).\n",
           BB_SYSCONFDIR, SEEDD_KERNEL_DEVICE, SEEDD_KERNEL_REFILL,
           SEEDD_KERNEL_REFILL_LOW_POWER, DEVCFG_MAX_FOLD);
}

/* The longest message line, "seedd: " and newline included; longer ones
 * lose the middle, keeping the end (the reason). */
#define MSG_MAX 600

/* One line on stderr, "seedd: " and the message with anything that came
 * from an argument made printable (climsg_escape). */
static void say(const char *fmt, ...)
{
    char *msg = NULL, shown[MSG_MAX - sizeof("seedd: ")];
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "seedd: out of memory\n");
        return;
    }
    fprintf(stderr, "seedd: %s\n", climsg_escape(msg, shown, sizeof(shown)));
    free(msg);
}

static int bad_value(const char *opt, const char *arg, const char *why)
{
    say("%s '%s': %s", opt, arg, why);
    return -1;
}

/* An out-of-range number: "too large; " before why when it overflowed
 * (num_* gave -ERANGE) or is above the range. */
static int bad_number(const char *opt, const char *arg, int r, bool too_large, const char *why)
{
    if (r == -ERANGE || too_large)
        say("%s '%s': %s; %s", opt, arg, num_strerror(-ERANGE), why);
    else
        say("%s '%s': %s", opt, arg, why);
    return -1;
}

/* The settings group the next per-device option applies to. */
static struct devcfg *current(struct seedd_opts *o, unsigned **setp, unsigned *set_flags,
                              unsigned *dflt_flags)
{
    if (o->n_ids) {
        *setp = &set_flags[o->n_ids - 1];
        return &o->ids[o->n_ids - 1];
    }
    *setp = dflt_flags;
    return &o->defaults;
}

static int parse_device_opt(struct seedd_opts *o, int c, const char *arg, struct devcfg *g,
                            unsigned *set)
{
    uint64_t v = 0;
    double d;
    int r;

    switch (c) {
    case 'r':
        r = num_parse_scaled_double(arg, &d);
        if (r == -EINVAL)
            return bad_value("--bitrate", arg, "not a number");
        if (r < 0 || d < FTDI_MIN_BITRATE || d > FTDI_MASTER_CLOCK)
            return bad_number("--bitrate", arg, r, r == 0 && d > FTDI_MASTER_CLOCK,
                              "must be between 458 and 30M");
        g->bitrate = (unsigned)d;
        *set |= SET_BITRATE;
        return 0;
    case OPT_LATENCY:
        if ((r = num_parse_u64(arg, 10, &v)) < 0 || v < 1 || v > 255)
            return bad_number("--latency", arg, r, v > 255, "must be 1 to 255 (ms)");
        g->latency_ms = (unsigned)v;
        *set |= SET_LATENCY;
        return 0;
    case 'f':
        if ((r = num_parse_u64(arg, 10, &v)) < 0 || v > DEVCFG_MAX_FOLD)
            return bad_number("--fold", arg, r, v > DEVCFG_MAX_FOLD, "must be 0 to 10");
        g->fold = (int)v;
        *set |= SET_FOLD;
        return 0;
    case OPT_ENABLE_MASK:
        if ((r = num_parse_u64(arg, 0, &v)) < 0 || v < 1 || v > 0x0F)
            return bad_number("--enable-mask", arg, r, v > 0x0F, "must be 0x01 to 0x0F");
        g->enable_mask = (unsigned)v;
        *set |= SET_MASK;
        return 0;
    case OPT_LIMIT_MAX_XFER:
        g->limit_max_xfer = true;
        *set |= SET_LIMIT;
        return 0;
    case OPT_NO_QA:
        g->no_qa = true;
        *set |= SET_NOQA;
        return 0;
    case 'g':
        if ((r = num_parse_u64(arg, 10, &v)) < 0 || v > 0xFFFFFFFFu)
            return bad_number("--group", arg, r, v > 0xFFFFFFFFu,
                              "must be a group number, 0 to 4294967295");
        g->group = (unsigned)v;
        *set |= SET_GROUP;
        return 0;
    case OPT_IDLE_SLEEP: {
        char err[200];
        if (backoff_parse_idle_sleep(arg, &g->idle_initial, &g->idle_max, err, sizeof(err)) < 0) {
            say("--idle-sleep %s", err);
            return -1;
        }
        *set |= SET_IDLE;
        return 0;
    }
    case OPT_SUSPEND_AFTER:
        if ((r = num_parse_scaled_u64(arg, 1000, &v)) < 0 || v > 0xFFFFFFFFu)
            return bad_number("--suspend-after", arg, r, v > 0xFFFFFFFFu,
                              "must be a time in ms up to 4294967295 (k = x1000)");
        g->suspend_after = (unsigned)v;
        *set |= SET_SUSPEND;
        return 0;
    case OPT_LOW_POWER:
        *set |= SET_LOWPOWER;
        return 0;
    }
    (void)o;
    return 1; /* not a per-device option */
}

/* --low-power presets what was not set explicitly, whatever the order. */
static void apply_low_power(struct devcfg *g, unsigned set)
{
    if (!(set & SET_LOWPOWER))
        return;
    if (!(set & SET_IDLE)) {
        g->idle_initial = BACKOFF_DEFAULT_INITIAL;
        g->idle_max = DEVCFG_LOW_POWER_IDLE_MAX;
    }
    if (!(set & SET_SUSPEND))
        g->suspend_after = DEVCFG_LOW_POWER_SUSPEND;
}

/* Per-ID groups take every setting they did not set from the defaults,
 * whatever the order on the command line (as upstream's [Devices]). */
static void resolve(struct seedd_opts *o, const unsigned *set, unsigned dflt_set)
{
    apply_low_power(&o->defaults, dflt_set);
    for (size_t i = 0; i < o->n_ids; i++) {
        struct devcfg *g = &o->ids[i];
        const struct devcfg *d = &o->defaults;
        if (!(set[i] & SET_BITRATE))
            g->bitrate = d->bitrate;
        if (!(set[i] & SET_LATENCY))
            g->latency_ms = d->latency_ms;
        if (!(set[i] & SET_FOLD))
            g->fold = d->fold;
        if (!(set[i] & SET_MASK))
            g->enable_mask = d->enable_mask;
        if (!(set[i] & SET_LIMIT))
            g->limit_max_xfer = d->limit_max_xfer;
        if (!(set[i] & SET_NOQA))
            g->no_qa = d->no_qa;
        if (!(set[i] & SET_GROUP))
            g->group = d->group;
        if (!(set[i] & SET_IDLE)) {
            g->idle_initial = d->idle_initial;
            g->idle_max = d->idle_max;
        }
        if (!(set[i] & SET_SUSPEND))
            g->suspend_after = d->suspend_after;
        apply_low_power(g, set[i]);
    }
}

/* The size pool group id will have: its last -G, else the pool size
 * rounded up to a power of two. */
static uint64_t group_size_of(const struct seedd_opts *o, unsigned id)
{
    size_t size = o->pool_size;
    for (size_t i = 0; i < o->n_groups; i++)
        if (o->groups[i].id == id)
            size = o->groups[i].size;
    return pool_size_pow2(size);
}

/* The smallest pool size whose group (the size rounded up to a power of
 * two) makes a raw block of at least BBDEV_MIN_RAW_BLOCK with fold. */
static uint64_t min_pool_size(int fold)
{
    uint64_t need = (uint64_t)BBDEV_MIN_RAW_BLOCK >> fold; /* a power of two */
    return need <= 1 ? 1 : need / 2 + 1;
}

/* A raw block (group size << fold) must hold one USB packet, and must not
 * be larger than SOURCES_MAX_RAW_BLOCK.  Without --fold the smallest
 * default fold of a product counts for the lower bound (a pool that only
 * the Black RNG's fold 3 could use is refused), and a product default that
 * gives too large a block is refused when the device starts. */
static int check_raw_block(const struct seedd_opts *o, const struct devcfg *g)
{
    bool dflt = g->fold == DEVCFG_FOLD_DEFAULT;
    int fold = dflt ? DEVCFG_MIN_PRODUCT_FOLD : g->fold;
    uint64_t size = group_size_of(o, g->group);
    uint64_t raw = size << fold;
    if (raw >= BBDEV_MIN_RAW_BLOCK && (dflt || raw <= SOURCES_MAX_RAW_BLOCK))
        return 0;
    char id[DEVINFO_STR_MAX + 32] = "";
    if (g->id.kind != DEVID_NONE) {
        char buf[DEVINFO_STR_MAX + 32];
        snprintf(id, sizeof(id), " for %s", devid_format(&g->id, buf, sizeof(buf)));
    }
    if (raw > SOURCES_MAX_RAW_BLOCK) {
        say("--fold %d with group %u of %llu bytes%s needs a raw block of %llu bytes, "
            "over the limit of 1G (group size << fold must be at most 1G)",
            g->fold, g->group, (unsigned long long)size, id, (unsigned long long)raw);
        return -1;
    }
    /* -G sizes are 512 or more: this group has the pool size. */
    say("--pool-size %zu is too small for fold %d%s%s: pool group %u of %llu bytes gives raw "
        "blocks of %llu bytes, less than one USB packet (%d bytes); the smallest pool size "
        "for fold %d is %llu",
        o->pool_size, fold, dflt ? " (the smallest product default)" : "", id, g->group,
        (unsigned long long)size, (unsigned long long)raw, BBDEV_MIN_RAW_BLOCK, fold,
        (unsigned long long)min_pool_size(fold));
    return -1;
}

static int add_group_size(struct seedd_opts *o, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char id[16];
    uint64_t gid = 0, size = 0;
    int r;
    if (!colon)
        return bad_value("--group-size", arg, "expected GROUP:SIZE");
    if ((size_t)(colon - arg) >= sizeof(id))
        return bad_number("--group-size", arg, -ERANGE, true,
                          "the group must be a number, 0 to 4294967295");
    memcpy(id, arg, (size_t)(colon - arg));
    id[colon - arg] = 0;
    if ((r = num_parse_u64(id, 10, &gid)) < 0 || gid > 0xFFFFFFFFu)
        return bad_number("--group-size", arg, r, gid > 0xFFFFFFFFu,
                          "the group must be a number, 0 to 4294967295");
    r = num_parse_scaled_u64(colon + 1, 1024, &size);
    if (r < 0 || size < 512 || size > POOL_MAX_SIZE)
        return bad_number("--group-size", arg, r, size > POOL_MAX_SIZE,
                          "the size must be 512 to 256M (k, M: x1024)");
    if (size & (size - 1))
        return bad_value("--group-size", arg, "the size must be a power of two");
    struct groupsize *n = realloc(o->groups, (o->n_groups + 1) * sizeof(*n));
    if (!n) {
        fprintf(stderr, "seedd: out of memory\n");
        return -1;
    }
    o->groups = n;
    o->groups[o->n_groups++] = (struct groupsize){ (unsigned)gid, (size_t)size };
    return 0;
}

static int add_watch(struct seedd_opts *o, const char *arg)
{
    char err[300];
    struct watchspec w;
    if (watchspec_parse(arg, &w, err, sizeof(err)) < 0) {
        say("--watch %s", err);
        return -1;
    }
    struct watchspec *n = realloc(o->watches, (o->n_watches + 1) * sizeof(*n));
    if (!n) {
        fprintf(stderr, "seedd: out of memory\n");
        return -1;
    }
    o->watches = n;
    o->watches[o->n_watches++] = w;
    return 0;
}

/* -i ID: a new per-device settings group.  The error buffer holds the
 * whole ID, so that a long one does not cut off the reason. */
static int add_id(struct seedd_opts *o, const char *arg)
{
    struct devcfg *n = &o->ids[o->n_ids];
    size_t len = strlen(arg) + 200;
    char *err = malloc(len);
    if (!err) {
        say("out of memory");
        return -1;
    }
    devcfg_init(n);
    int r = devid_parse(arg, &n->id, err, len);
    if (r < 0)
        say("--device-id: %s", err);
    else
        o->n_ids++;
    free(err);
    return r < 0 ? -1 : 0;
}

/* ---- the kernel feed: -k, --kernel-device, --kernel-refill, --kernel-reseed.
 * Returns 1 if c is not one of them. */
static int parse_kernel_opt(struct seedd_opts *o, int c, const char *arg, bool *refill_set)
{
    uint64_t v = 0;
    int r;
    switch (c) {
    case 'k':
        o->kernel = true;
        return 0;
    case OPT_KERNEL_DEVICE:
        if (!*arg)
            return bad_value("--kernel-device", arg, "expected a device path");
        free(o->kernel_device);
        if (!(o->kernel_device = strdup(arg))) {
            say("out of memory");
            return -1;
        }
        return 0;
    case OPT_KERNEL_REFILL:
        if ((r = num_parse_u64(arg, 10, &v)) < 0 || v > 0xFFFFFFFFu)
            return bad_number("--kernel-refill", arg, r, v > 0xFFFFFFFFu,
                              "must be a time in seconds up to 4294967295 (0: no timer)");
        o->kernel_refill = (unsigned)v;
        *refill_set = true;
        return 0;
    case OPT_KERNEL_RESEED:
        if (strcmp(arg, "yes") && strcmp(arg, "no"))
            return bad_value("--kernel-reseed", arg, "expected 'yes' or 'no'");
        o->kernel_reseed = strcmp(arg, "yes") == 0;
        return 0;
    }
    return 1;
}

/* The kernel feed's defaults: the refill is longer when any device is
 * low-power, unless set. */
static int kernel_defaults(struct seedd_opts *o, bool refill_set, const unsigned *set,
                           unsigned dflt_set)
{
    bool low_power = dflt_set & SET_LOWPOWER;
    for (size_t i = 0; i < o->n_ids; i++)
        low_power |= (set[i] & SET_LOWPOWER) != 0;
    if (!refill_set)
        o->kernel_refill = low_power ? SEEDD_KERNEL_REFILL_LOW_POWER : SEEDD_KERNEL_REFILL;
    if (!o->kernel_device && !(o->kernel_device = strdup(SEEDD_KERNEL_DEVICE))) {
        say("out of memory");
        return -1;
    }
    return 0;
}

static const char *optname(int c, const char *fallback)
{
    for (const struct option *lo = long_opts; lo->name; lo++)
        if (lo->val == c && c >= 256)
            return lo->name;
    return fallback;
}

int seedd_parse_args(int argc, char **argv, struct seedd_opts *o)
{
    unsigned *set = NULL, dflt_set = 0;
    bool refill_set = false;
    int ret = -1;

    memset(o, 0, sizeof(*o));
    devcfg_init(&o->defaults);
    o->pool_size = POOL_DEFAULT_SIZE;
    o->vm_conf = BB_SYSCONFDIR "/bit-babbler/vm.conf";
    o->kernel_reseed = true;
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, ":si:r:f:g:b:oP:G:kv?", long_opts, NULL);
        if (c == -1)
            break;
        switch (c) {
        case 's':
            o->scan = true;
            break;
        case OPT_SHELL_MR:
            o->shell_mr = true;
            break;
        case 'o':
            o->to_stdout = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case OPT_PROGRESS:
            o->progress = true;
            break;
        case 'P': {
            uint64_t v = 0;
            int r = num_parse_scaled_u64(optarg, 1024, &v);
            if (r < 0 || v == 0 || v > POOL_MAX_SIZE) {
                bad_number("--pool-size", optarg, r, v > POOL_MAX_SIZE,
                           "must be 1 to 256M bytes (k, M: x1024)");
                goto out;
            }
            o->pool_size = (size_t)v;
            break;
        }
        case 'G':
            if (add_group_size(o, optarg) < 0)
                goto out;
            break;
        case OPT_WATCH:
            if (add_watch(o, optarg) < 0)
                goto out;
            break;
        case OPT_VM_CONF:
            if (!*optarg) {
                bad_value("--vm-conf", optarg, "expected a file name or 'none'");
                goto out;
            }
            o->vm_conf = strcmp(optarg, "none") == 0 ? NULL : optarg;
            o->vm_conf_explicit = true;
            break;
        case OPT_QA_GATE:
            if (strcmp(optarg, "exact") && strcmp(optarg, "upstream")) {
                bad_value("--qa-gate", optarg, "expected 'exact' or 'upstream'");
                goto out;
            }
            o->qa_gate_upstream = strcmp(optarg, "upstream") == 0;
            break;
        case 'b': {
            uint64_t v;
            int r = num_parse_scaled_u64(optarg, 1024, &v);
            if (r < 0 || v == 0) {
                bad_number("--bytes", optarg, r, false,
                           "must be a positive size (k, M, G: x1024)");
                goto out;
            }
            o->bytes = v;
            break;
        }
        case 'i': {
            struct devcfg *n = realloc(o->ids, (o->n_ids + 1) * sizeof(*n));
            unsigned *ns = realloc(set, (o->n_ids + 1) * sizeof(*ns));
            if (ns)
                set = ns;
            if (!n || !ns) {
                if (n)
                    o->ids = n;
                fprintf(stderr, "seedd: out of memory\n");
                goto out;
            }
            o->ids = n;
            set[o->n_ids] = 0;
            if (add_id(o, optarg) < 0)
                goto out;
            break;
        }
        case '?':
        case ':': {
            char msg[400];
            if (climsg_getopt_error(c, optopt, argv[optind - 1], long_opts, msg, sizeof(msg))) {
                say("%s, try --help", msg);
                goto out;
            }
            usage();
            ret = 0;
            goto out;
        }
        case OPT_VERSION:
            printf("seedd %s\n", BB_VERSION);
            ret = 0;
            goto out;
        default: {
            int rk = parse_kernel_opt(o, c, optarg, &refill_set);
            if (rk < 0)
                goto out;
            if (rk == 0)
                break;
            unsigned *sp;
            struct devcfg *g = current(o, &sp, set, &dflt_set);
            int r = parse_device_opt(o, c, optarg, g, sp);
            if (r < 0)
                goto out;
            if (r > 0) {
                fprintf(stderr, "seedd: unhandled option '%s'\n", optname(c, "?"));
                goto out;
            }
        }
        }
    }
    if (optind < argc) {
        say("unexpected argument '%s', try --help", argv[optind]);
        goto out;
    }
    resolve(o, set, dflt_set);
    if (kernel_defaults(o, refill_set, set, dflt_set) < 0)
        goto out;
    if (o->n_ids == 0 && check_raw_block(o, &o->defaults) < 0)
        goto out;
    for (size_t i = 0; i < o->n_ids; i++)
        if (check_raw_block(o, &o->ids[i]) < 0)
            goto out;

    bool listing = o->scan || o->shell_mr;
    if (!listing && !o->bytes && !o->to_stdout && !o->kernel && !o->n_watches) {
        fprintf(stderr, "seedd: nothing to do: use -s, --shell-mr, -b N, -o, -k or --watch "
                        "(this version has no UDP or control socket output yet)\n");
        goto out;
    }
    ret = 1;
out:
    free(set);
    return ret;
}

void seedd_opts_clear(struct seedd_opts *o)
{
    free(o->groups);
    o->groups = NULL;
    free(o->watches);
    o->watches = NULL;
    free(o->ids);
    o->ids = NULL;
    o->n_ids = 0;
    free(o->kernel_device);
    o->kernel_device = NULL;
}
