/* options: seedd's command line and config files.  See options.h.
 *
 * Every option is a row of optab; the command line and -C files both make
 * config keys in one cfgmap, in argv order (later wins), and conf_extract
 * makes *o from it at the end. */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bbdev.h"
#include "cfgmap.h"
#include "climsg.h"
#include "conf.h"
#include "config.h"
#include "ini.h"
#include "log.h"
#include "num.h"
#include "optab.h"
#include "pool.h"
#include "sources.h"

#define N_ROWS 64 /* at least the rows of optab with a long option, plus one */

/* The longest message line, "seedd: " and newline included; longer ones
 * lose the middle, keeping the end (the reason). */
#define MSG_MAX 600

/* Usage errors are log_say() lines: "seedd: " and the message on stderr,
 * with anything from an argument made printable. */
#define say log_say
/* The longest message (log_say's limit). */
#define MSG_MAX 600

/* ---- the table as getopt_long's and --help's -------------------------- */

/* The value getopt_long returns for row e. */
static int opt_val(const struct optab *e)
{
    return e->sname ? e->sname : 256 + (int)(e - optab);
}

static void build_getopt(struct option *lo, char *shorts, size_t slen)
{
    size_t n = 0, k = 0;
    shorts[k++] = ':';
    for (const struct optab *e = optab; e->kind != OK_END; e++) {
        if (!e->lname)
            continue;
        if (n + 1 < N_ROWS)
            lo[n++] = (struct option){ e->lname, e->arg ? required_argument : no_argument, NULL,
                                       opt_val(e) };
        if (e->sname && k + 3 < slen) {
            shorts[k++] = (char)e->sname;
            if (e->arg)
                shorts[k++] = ':';
        }
    }
    lo[n] = (struct option){ NULL, 0, NULL, 0 };
    shorts[k] = 0;
}

static void usage(void)
{
    const char *heading = NULL;
    printf("Usage: seedd [options]\n"
           "\n"
           "Read entropy from BitBabbler hardware random number generators.\n");
    for (const struct optab *e = optab; e->kind != OK_END; e++) {
        if (e->kind == OK_HEADING)
            heading = e->help;
        if (!e->lname)
            continue;
        if (heading)
            printf("\n%s:\n", heading);
        heading = NULL;
        char left[64];
        snprintf(left, sizeof(left), "%c%c%c --%s%s%s", e->sname ? '-' : ' ',
                 e->sname ? e->sname : ' ', e->sname ? ',' : ' ', e->lname, e->arg ? "=" : "",
                 e->arg ? e->arg : "");
        const char *h = e->help;
        size_t n = strcspn(h, "\n");
        if (strlen(left) > 22)
            printf("  %s\n%25s", left, "");
        else
            printf("  %-22s ", left);
        printf("%.*s\n", (int)n, h);
        for (h += n; *h; h += n) {
            h++;
            n = strcspn(h, "\n");
            printf("%25s%.*s\n", "", (int)n, h);
        }
    }
    printf("\nEvery option with a config key can also be set in a config file\n"
           "(-C; see seedd(1) and --gen-conf).\n");
}

/* The size pool group id will have: its -G, else the pool size rounded up
 * to a power of two. */
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


/* ---- command line → config keys ---------------------------------------- */

struct state {
    struct cfgmap *m;
    char *dev;   /* the section of the last -i; NULL: [Devices] */
    int verbose; /* -v count */
    bool gen_conf;
    bool help;
};

static int nomem(void)
{
    say("out of memory");
    return -1;
}

/* Sets row e's key to val in section, validated as a file's value. */
static int set_key(struct state *st, const struct optab *e, const char *section, const char *val)
{
    char why[400];
    int r = optab_check(e, val, why, sizeof(why));
    if (r == -ENOMEM)
        return nomem();
    if (r < 0) {
        say("--%s '%s': %s", e->lname, val, why);
        return -1;
    }
    const struct cfgmap_entry *old = optab_list(e) ? cfgmap_get(st->m, section, e->key) : NULL;
    if (old && !old->file) { /* given before on the command line: a list */
        char *both = NULL;
        if (asprintf(&both, "%s,%s", old->value, val) < 0)
            return nomem();
        r = cfgmap_set(st->m, section, e->key, both, NULL, 0);
        free(both);
        return r < 0 ? nomem() : 0;
    }
    return cfgmap_set(st->m, section, e->key, val, NULL, 0) < 0 ? nomem() : 0;
}

/* -i ID: the section [Device:ID] (canonical), and per-device options after
 * it go there.  The error buffer holds the whole ID. */
static int device_id(struct state *st, const char *arg)
{
    size_t len = strlen(arg) + 300;
    char *err = malloc(len), *name = malloc(len), *canon = malloc(len);
    struct devid id;
    enum optab_sec sec;
    int ret = -1;
    if (!err || !name || !canon) {
        nomem();
        goto out;
    }
    if (devid_parse(arg, &id, err, len) < 0) {
        say("--device-id: %s", err);
        goto out;
    }
    snprintf(name, len, "Device:%s", arg);
    if (optab_section(name, &sec, canon, len, err, len) < 0 ||
        cfgmap_add_section(st->m, canon, NULL, 0) < 0) {
        nomem();
        goto out;
    }
    free(st->dev);
    st->dev = canon;
    canon = NULL;
    ret = 0;
out:
    free(err);
    free(name);
    free(canon);
    return ret;
}

/* -G ID:SIZE: [PoolGroup:ID] size SIZE. */
static int group_size(struct state *st, const char *arg)
{
    const char *colon = strchr(arg, ':');
    char id[16], sec[32], why[300];
    uint64_t gid = 0;
    int r;
    if (!colon) {
        say("--group-size '%s': expected GROUP:SIZE", arg);
        return -1;
    }
    r = (size_t)(colon - arg) < sizeof(id) ? 0 : -ERANGE;
    if (r == 0) {
        memcpy(id, arg, (size_t)(colon - arg));
        id[colon - arg] = 0;
        r = num_parse_u64(id, 10, &gid);
    }
    if (r < 0 || gid > 0xFFFFFFFFu) {
        say("--group-size '%s': %sthe group must be a number, 0 to 4294967295", arg,
            r == -ERANGE || gid > 0xFFFFFFFFu ? "too large; " : "");
        return -1;
    }
    const struct optab *e = optab_key(OS_POOLGROUP, "size");
    if ((r = optab_check(e, colon + 1, why, sizeof(why))) < 0) {
        if (r == -ENOMEM)
            return nomem();
        say("--group-size '%s': the size %s", arg, why);
        return -1;
    }
    snprintf(sec, sizeof(sec), "PoolGroup:%u", (unsigned)gid);
    return cfgmap_set(st->m, sec, "size", colon + 1, NULL, 0) < 0 ? nomem() : 0;
}

/* The label of the next command-line watch: 1 + the largest numeric label
 * there is, 0 if none (spec §6.4). */
static unsigned long long next_watch(const struct cfgmap *m)
{
    unsigned long long next = 0;
    for (size_t i = 0; i < cfgmap_count(m); i++) {
        const char *name = cfgmap_section(m, i)->name;
        uint64_t v;
        if (strncmp(name, "Watch:", 6) == 0 && num_parse_u64(name + 6, 10, &v) == 0 &&
            v < UINT64_MAX && v + 1 > next)
            next = v + 1;
    }
    return next;
}

/* --watch PATH:DELAY:BLOCK:MAX: a [Watch:N] with the fields given. */
static int watch(struct state *st, const char *arg)
{
    static const char *const keys[] = { "path", "delay", "block-size", "max-bytes" };
    char err[300], sec[32];
    struct watchspec w;
    if (watchspec_parse(arg, &w, err, sizeof(err)) < 0) {
        say("--watch %s", err);
        return -1;
    }
    snprintf(sec, sizeof(sec), "Watch:%llu", next_watch(st->m));
    const char *p = arg;
    for (int i = 0; i < 4 && p; i++) {
        size_t n = strcspn(p, ":");
        char *field = strndup(p, n);
        if (!field)
            return nomem();
        const struct optab *e = optab_key(OS_WATCH, keys[i]);
        int r = 0;
        if (*field && optab_check(e, field, err, sizeof(err)) < 0) {
            say("--watch '%s': %s", arg, err);
            r = -1;
        } else if (*field && cfgmap_set(st->m, sec, keys[i], field, NULL, 0) < 0) {
            r = nomem();
        }
        free(field);
        if (r < 0)
            return r;
        p = p[n] ? p + n + 1 : NULL;
    }
    return 0;
}

/* -C FILE: the file's sections and options merged in. */
static int config_file(struct state *st, const char *file)
{
    char *buf = malloc(INI_MAX_SIZE + 1), err[MSG_MAX];
    size_t len = 0;
    int ret = -1, fd = -1;
    if (!buf)
        return nomem();
    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
        say("%s: %s", file, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, INI_MAX_SIZE + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            say("%s: %s", file, strerror(errno));
            goto out;
        }
        if (n == 0 || (len += (size_t)n) > INI_MAX_SIZE)
            break;
    }
    if (conf_import(st->m, buf, len, file, err, sizeof(err)) < 0) {
        say("%s", err);
        goto out;
    }
    ret = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return ret;
}

/* The options that are not config keys, set in *o directly. */
static int cmdline_only(struct state *st, const struct optab *e, const char *arg,
                        struct seedd_opts *o)
{
    uint64_t v = 0;
    int r;
    switch (e->kind) {
    case OK_SCAN:
        o->scan = true;
        return 0;
    case OK_SHELL_MR:
        o->shell_mr = true;
        return 0;
    case OK_STDOUT:
        o->to_stdout = true;
        return 0;
    case OK_VERBOSE:
        st->verbose++;
        return 0;
    case OK_PROGRESS:
        o->progress = true;
        return 0;
    case OK_GEN_CONF:
        st->gen_conf = true;
        return 0;
    case OK_BYTES:
        if ((r = num_parse_scaled_u64(arg, 1024, &v)) < 0 || v == 0) {
            say("--bytes '%s': %smust be a positive size (k, M, G: x1024)", arg,
                r == -ERANGE ? "too large; " : "");
            return -1;
        }
        o->bytes = v;
        return 0;
    case OK_CONFIG:
        return config_file(st, arg);
    case OK_DEVICE_ID:
        return device_id(st, arg);
    case OK_GROUP_SIZE:
        return group_size(st, arg);
    case OK_WATCH:
        return watch(st, arg);
    default:
        say("unhandled option '--%s'", e->lname);
        return -1;
    }
}

static const struct optab *row_of(int c)
{
    for (const struct optab *e = optab; e->kind != OK_END; e++)
        if (e->lname && opt_val(e) == c)
            return e;
    return NULL;
}

/* 1: go on, 0: exit 0 (--help, --version), -1: error. */
static int one_option(struct state *st, int c, char **argv, const struct option *lo,
                      struct seedd_opts *o)
{
    if (c == '?' || c == ':') {
        char msg[400];
        if (climsg_getopt_error(c, optopt, argv[optind - 1], lo, msg, sizeof(msg))) {
            say("%s, try --help", msg);
            return -1;
        }
        st->help = true;
        return 0;
    }
    const struct optab *e = row_of(c);
    if (e && e->kind == OK_VERSION) {
        printf("seedd %s\n", BB_VERSION);
        return 0;
    }
    if (e && e->kind == OK_KEY) {
        const char *sec = e->sec == OS_SERVICE ? "Service" : e->sec == OS_POOL ? "Pool" :
                          st->dev              ? st->dev :
                                                 "Devices";
        return set_key(st, e, sec, optarg ? optarg : "") < 0 ? -1 : 1;
    }
    if (!e) {
        say("unhandled option %d", c);
        return -1;
    }
    return cmdline_only(st, e, optarg, o) < 0 ? -1 : 1;
}

static int gen_conf(const struct cfgmap *m, int argc, char **argv)
{
    char date[16] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (localtime_r(&now, &tm))
        strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    size_t len = 0;
    char *text = conf_gen(m, argc, argv, date, &len);
    if (!text)
        return nomem();
    fwrite(text, 1, len, stdout);
    free(text);
    if (fflush(stdout) != 0) {
        say("writing the configuration: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* After the last option: the merged config into *o and the checks across
 * options.  1, 0 (--gen-conf done) or -1. */
static int finish(struct state *st, int argc, char **argv, struct seedd_opts *o)
{
    char err[MSG_MAX], v[16];
    /* NOTIFY_SOCKET names a socket: no detaching (spec §9.1). */
    if (log_notify_socket_valid(getenv("NOTIFY_SOCKET")))
        cfgmap_unset(st->m, "Service", "daemon");
    snprintf(v, sizeof(v), "%d", st->verbose);
    if (st->verbose && cfgmap_set(st->m, "Service", "verbose", v, NULL, 0) < 0)
        return nomem();
    if (conf_extract(st->m, o, err, sizeof(err)) < 0) {
        say("%s", err);
        return -1;
    }
    if (o->n_ids == 0 && check_raw_block(o, &o->defaults) < 0)
        return -1;
    for (size_t i = 0; i < o->n_ids; i++)
        if (check_raw_block(o, &o->ids[i]) < 0)
            return -1;
    if (st->gen_conf)
        return gen_conf(st->m, argc, argv) < 0 ? -1 : 0;
    bool listing = o->scan || o->shell_mr;
    if (!listing && !o->bytes && !o->to_stdout && !o->n_watches && !o->kernel && !o->egd_out &&
        !o->udp_out) {
        say("nothing to do: use -s, --shell-mr, -b N, -o, -k, -u, --egd-out or --watch");
        return -1;
    }
    return 1;
}

int seedd_parse_args(int argc, char **argv, struct seedd_opts *o)
{
    struct option lo[N_ROWS];
    char shorts[2 * N_ROWS + 2];
    struct state st = { 0 };
    int ret = -1;

    if (seedd_opts_defaults(o) < 0 || cfgmap_new(&st.m) < 0) {
        nomem();
        goto out;
    }
    build_getopt(lo, shorts, sizeof(shorts));
    opterr = 0;
    for (;;) {
        int c = getopt_long(argc, argv, shorts, lo, NULL);
        if (c == -1)
            break;
        if ((ret = one_option(&st, c, argv, lo, o)) <= 0) {
            if (ret == 0 && st.help)
                usage();
            goto out;
        }
    }
    ret = -1;
    if (optind < argc) {
        say("unexpected argument '%s', try --help", argv[optind]);
        goto out;
    }
    ret = finish(&st, argc, argv, o);
out:
    free(st.dev);
    cfgmap_free(st.m);
    return ret;
}
