/* conf: seedd's config files and merged configuration.  See conf.h. */
#include "conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "climsg.h"
#include "config.h"
#include "egdsrv.h"
#include "udpsrv.h"
#include "ini.h"
#include "optab.h"
#include "pool.h"

#define NAME_MAX_LEN 4200 /* a canonical section name: "Device:" and an ID, "Watch:" and a label */

__attribute__((format(printf, 3, 4))) static int err_f(char *err, size_t len, const char *fmt,
                                                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* "FILE:LINE: " ("FILE: " for line 0). */
static void where(char *buf, size_t len, const char *file, unsigned line)
{
    if (line)
        snprintf(buf, len, "%s:%u: ", file, line);
    else
        snprintf(buf, len, "%s: ", file);
}

/* ---- import ------------------------------------------------------------- */

struct seen {
    char **names; /* canonical section names of this file */
    unsigned *lines;
    size_t n;
};

static void seen_free(struct seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
    free(s->lines);
}

/* 0, or the line where canon was seen before in this file. */
static unsigned seen_line(const struct seen *s, const char *canon)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->names[i], canon) == 0)
            return s->lines[i];
    return 0;
}

static int seen_add(struct seen *s, const char *canon, unsigned line)
{
    char **n = realloc(s->names, (s->n + 1) * sizeof(*n));
    if (n)
        s->names = n;
    unsigned *l = realloc(s->lines, (s->n + 1) * sizeof(*l));
    if (l)
        s->lines = l;
    char *d = strdup(canon);
    if (!n || !l || !d) {
        free(d);
        return -ENOMEM;
    }
    s->names[s->n] = d;
    s->lines[s->n++] = line;
    return 0;
}

static int import_section(struct cfgmap *m, const struct ini_section *is, const char *file,
                          struct seen *seen, char *err, size_t errlen)
{
    char at[300], canon[NAME_MAX_LEN], why[400];
    enum optab_sec sec;
    where(at, sizeof(at), file, is->line);
    int r = optab_section(is->name, &sec, canon, sizeof(canon), why, sizeof(why));
    if (r == -ENOENT)
        return err_f(err, errlen, "%sunknown section [%s]", at, is->name);
    if (r < 0)
        return err_f(err, errlen, "%s%s", at, why);
    unsigned first = seen_line(seen, canon);
    if (first)
        return err_f(err, errlen, "%s[%s] is the section [%s] again (first at line %u)", at,
                     is->name, canon, first);
    if ((r = seen_add(seen, canon, is->line)) < 0 ||
        (r = cfgmap_add_section(m, canon, file, is->line)) < 0)
        return r;
    for (size_t k = 0; k < is->n_opts; k++) {
        const struct ini_option *io = &is->opts[k];
        const struct optab *e = optab_key(sec, io->name);
        where(at, sizeof(at), file, io->line);
        if (!e)
            return err_f(err, errlen, "%sunknown option '%s' in section [%s]", at, io->name,
                         is->name);
        if ((r = optab_check(e, io->value, why, sizeof(why))) < 0) {
            if (r == -ENOMEM)
                return r;
            return err_f(err, errlen, "%s[%s] %s '%s': %s", at, is->name, io->name, io->value,
                         why);
        }
        if ((r = cfgmap_set(m, canon, io->name, io->value, file, io->line)) < 0)
            return r;
    }
    return 0;
}

int conf_import(struct cfgmap *m, const char *buf, size_t len, const char *file, char *err,
                size_t errlen)
{
    struct ini *ini = NULL;
    struct seen seen = { 0 };
    char why[600], at[300];
    unsigned line = 0;
    if (errlen)
        err[0] = 0;
    int r = ini_parse(buf, len, &ini, &line, why, sizeof(why));
    if (r < 0) {
        where(at, sizeof(at), file, line);
        err_f(err, errlen, "%s%s", at, why);
        goto out;
    }
    for (size_t i = 0; i < ini_count(ini) && r == 0; i++)
        r = import_section(m, ini_section(ini, i), file, &seen, err, errlen);
out:
    if (r == -ENOMEM)
        err_f(err, errlen, "%s: out of memory", file);
    seen_free(&seen);
    ini_free(ini);
    return r;
}

/* ---- extract ------------------------------------------------------------ */

int seedd_opts_defaults(struct seedd_opts *o)
{
    memset(o, 0, sizeof(*o));
    devcfg_init(&o->defaults);
    o->pool_size = POOL_DEFAULT_SIZE;
    o->kernel_refill = SEEDD_KERNEL_REFILL;
    o->kernel_reseed = true;
    o->egd_rate = EGDSRV_DEFAULT_RATE;
    o->udp_rate = UDPSRV_DEFAULT_RATE;
    o->udp_max_rate = UDPSRV_DEFAULT_MAX_RATE;
    o->vm_conf = strdup(BB_SYSCONFDIR "/bit-babbler/vm.conf");
    o->kernel_device = strdup(SEEDD_KERNEL_DEVICE);
    return o->vm_conf && o->kernel_device ? 0 : -ENOMEM;
}

void seedd_opts_clear(struct seedd_opts *o)
{
    free(o->groups);
    free(o->watches);
    free(o->ids);
    free(o->vm_conf);
    free(o->udp_out);
    free(o->udp_allow);
    free(o->control_socket);
    free(o->socket_group);
    free(o->pid_file);
    free(o->metrics);
    free(o->egd_out);
    free(o->egd_group);
    free(o->kernel_device);
    memset(o, 0, sizeof(*o));
}

/* Applies the entries of section s (of kind sec) to target. */
static int apply_section(const struct cfgmap_section *s, enum optab_sec sec, void *target,
                         char *err, size_t errlen)
{
    for (size_t k = 0; k < s->n; k++) {
        const struct cfgmap_entry *ce = &s->ents[k];
        const struct optab *e = optab_key(sec, ce->key);
        char why[400], at[300];
        if (!e)
            return err_f(err, errlen, "[%s]: unknown option '%s'", s->name, ce->key);
        int r = optab_apply(e, ce->value, target, why, sizeof(why));
        if (r == -ENOMEM)
            return r;
        if (r < 0 && ce->file) {
            where(at, sizeof(at), ce->file, ce->line);
            return err_f(err, errlen, "%s[%s] %s '%s': %s", at, s->name, ce->key, ce->value, why);
        }
        if (r < 0)
            return err_f(err, errlen, "--%s '%s': %s", e->lname ? e->lname : ce->key, ce->value,
                         why);
    }
    return 0;
}

static bool has(const struct cfgmap_section *s, const char *key)
{
    for (size_t k = 0; s && k < s->n; k++)
        if (strcmp(s->ents[k].key, key) == 0)
            return true;
    return false;
}

/* low-power presets idle-sleep and suspend-after unless either section
 * gives them (spec §5.3). */
static void low_power(struct devcfg *g, const struct cfgmap_section *dflt,
                      const struct cfgmap_section *own)
{
    if (!has(dflt, "low-power") && !has(own, "low-power"))
        return;
    if (!has(dflt, "idle-sleep") && !has(own, "idle-sleep")) {
        g->idle_initial = BACKOFF_DEFAULT_INITIAL;
        g->idle_max = DEVCFG_LOW_POWER_IDLE_MAX;
    }
    if (!has(dflt, "suspend-after") && !has(own, "suspend-after"))
        g->suspend_after = DEVCFG_LOW_POWER_SUSPEND;
}

static int add_device(struct seedd_opts *o, const struct cfgmap_section *dflt,
                      const struct cfgmap_section *s, char *err, size_t errlen)
{
    struct devcfg *n = realloc(o->ids, (o->n_ids + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    o->ids = n;
    struct devcfg *g = &o->ids[o->n_ids];
    devcfg_init(g);
    if (devid_parse(s->name + strlen("Device:"), &g->id, NULL, 0) < 0)
        return err_f(err, errlen, "[%s]: not a device ID", s->name);
    int r = dflt ? apply_section(dflt, OS_DEVICE, g, err, errlen) : 0;
    if (r < 0 || (r = apply_section(s, OS_DEVICE, g, err, errlen)) < 0)
        return r;
    low_power(g, dflt, s);
    o->n_ids++;
    return 0;
}

static int add_group(struct seedd_opts *o, const struct cfgmap_section *s, char *err,
                     size_t errlen)
{
    struct groupsize gs = { 0 };
    gs.id = (unsigned)strtoul(s->name + strlen("PoolGroup:"), NULL, 10);
    int r = apply_section(s, OS_POOLGROUP, &gs, err, errlen);
    if (r < 0 || !gs.size)
        return r; /* a section without size: the group has the default size */
    struct groupsize *n = realloc(o->groups, (o->n_groups + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    o->groups = n;
    o->groups[o->n_groups++] = gs;
    return 0;
}

static int add_watch(struct seedd_opts *o, const struct cfgmap_section *s, char *err,
                     size_t errlen)
{
    struct watchspec w = { .block_size = WATCH_DEFAULT_BLOCK };
    int r = apply_section(s, OS_WATCH, &w, err, errlen);
    if (r < 0)
        return r;
    if (!has(s, "path")) {
        char at[300] = "";
        if (s->file)
            where(at, sizeof(at), s->file, s->line);
        return err_f(err, errlen, "%s[%s]: 'path' is required", at, s->name);
    }
    struct watchspec *n = realloc(o->watches, (o->n_watches + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    o->watches = n;
    o->watches[o->n_watches++] = w;
    return 0;
}

static int extract_section(const struct cfgmap *m, const struct cfgmap_section *s,
                           struct seedd_opts *o, bool *any_low_power, char *err, size_t errlen)
{
    char canon[NAME_MAX_LEN], why[400];
    enum optab_sec sec;
    if (optab_section(s->name, &sec, canon, sizeof(canon), why, sizeof(why)) < 0)
        return err_f(err, errlen, "unknown section [%s]", s->name);
    *any_low_power |= sec == OS_DEVICE && has(s, "low-power");
    switch (sec) {
    case OS_SERVICE:
    case OS_POOL:
        return apply_section(s, sec, o, err, errlen);
    case OS_POOLGROUP:
        return add_group(o, s, err, errlen);
    case OS_DEVICE:
        if (strcmp(s->name, "Devices") == 0) {
            int r = apply_section(s, sec, &o->defaults, err, errlen);
            low_power(&o->defaults, s, NULL);
            return r;
        }
        return add_device(o, cfgmap_find(m, "Devices"), s, err, errlen);
    case OS_WATCH:
        return add_watch(o, s, err, errlen);
    case OS_NONE:
        break;
    }
    return 0;
}

int conf_extract(const struct cfgmap *m, struct seedd_opts *o, char *err, size_t errlen)
{
    bool any_low_power = false;
    int r = 0;
    for (size_t i = 0; i < cfgmap_count(m) && r == 0; i++)
        r = extract_section(m, cfgmap_section(m, i), o, &any_low_power, err, errlen);
    if (r == 0 && any_low_power && !cfgmap_get(m, "Pool", "kernel-refill"))
        o->kernel_refill = SEEDD_KERNEL_REFILL_LOW_POWER;
    if (r == 0 && !o->control_socket) {
        o->control_socket = strdup(o->bytes ? "none" : SEEDD_CONTROL_SOCKET);
        if (!o->control_socket)
            r = -ENOMEM;
    }
    if (r == -ENOMEM)
        err_f(err, errlen, "out of memory");
    return r;
}

/* ---- --gen-conf ---------------------------------------------------------- */

char *conf_gen(const struct cfgmap *m, int argc, char *const *argv, const char *date,
               size_t *len)
{
    char *text = NULL, *body = NULL;
    size_t size = 0, blen = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    /* "# " and each argument after a space: two spaces before argv[0]. */
    fprintf(f, "# Generated configuration file for seedd(1), created %s using:\n# ", date);
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]) * 4 + 8; /* room for every byte as \xHH */
        char *shown = malloc(n);
        if (shown)
            fprintf(f, " %s", climsg_escape(argv[i], shown, n));
        free(shown);
        if (!shown)
            goto fail;
    }
    fputc('\n', f);
    if (!(body = cfgmap_format(m, optab_rank, &blen)))
        goto fail;
    fwrite(body, 1, blen, f);
    free(body);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
fail:
    fclose(f);
    free(text);
    return NULL;
}
