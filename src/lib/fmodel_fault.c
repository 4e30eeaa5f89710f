/* fmodel_fault: the fault table, fault parsing and set/clear.  See fmodel.h. */
#include "fmodel_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ faults */

/* ARG_COUNT: an optional count N, the times the fault fires (default
 * FMODEL_UNLIMITED: until cleared; 0: off at once). */
enum argkind { ARG_NONE, ARG_OPT, ARG_REQ, ARG_COUNT };

static const struct {
    const char *name;
    enum argkind kind;
    int base;
    long def, min, max;
} faults[FMODEL_FAULT_COUNT] = {
    [FMODEL_FAULT_STUCK] = { "stuck", ARG_OPT, 16, 0x00, 0, 0xff },
    [FMODEL_FAULT_BIAS] = { "bias", ARG_OPT, 10, 60, 0, 100 },
    [FMODEL_FAULT_REPEAT] = { "repeat", ARG_OPT, 10, 100, 1, 1000000000L },
    [FMODEL_FAULT_STATUS] = { "status", ARG_OPT, 16, 0x00, 0, 0xff },
    [FMODEL_FAULT_STALL] = { "stall", ARG_COUNT, 10, FMODEL_UNLIMITED, 0, 1000000000L },
    [FMODEL_FAULT_TIMEOUT] = { "timeout", ARG_OPT, 10, 0, 0, 1000000000000L },
    [FMODEL_FAULT_SHORT] = { "short", ARG_OPT, 10, 100, 1, PKT_DATA },
    [FMODEL_FAULT_EXCESS] = { "excess", ARG_COUNT, 10, FMODEL_UNLIMITED, 0, 1000000000L },
    [FMODEL_FAULT_UNPLUG] = { "unplug", ARG_REQ, 10, 0, 0, 1000000000000L },
    [FMODEL_FAULT_BUSY] = { "busy", ARG_NONE, 10, 0, 0, 0 },
    [FMODEL_FAULT_ACCESS] = { "access", ARG_NONE, 10, 0, 0, 0 },
    [FMODEL_FAULT_CTRLSTALL] = { "ctrlstall", ARG_COUNT, 10, FMODEL_UNLIMITED, 0, 1000000000L },
};

const char *fmodel_fault_name(enum fmodel_fault f)
{
    return (unsigned)f < FMODEL_FAULT_COUNT ? faults[f].name : "?";
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return 99;
}

/* Unsigned number, digits only (hex: optional 0x); -EINVAL or -ERANGE. */
static int parse_num(const char *s, int base, long max, long *out)
{
    long v = 0;
    if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        int d = digit_value(*s);
        if (d >= base)
            return -EINVAL;
        if (v > (max - d) / base)
            return -ERANGE;
        v = v * base + d;
    }
    *out = v;
    return 0;
}

/* "@N": decimal bytes with an optional K, M or G (1024-based) suffix. */
static int parse_offset(const char *s, uint64_t *out)
{
    char digits[24];
    size_t n = strlen(s);
    unsigned shift = 0;
    long v;

    if (n && (s[n - 1] == 'K' || s[n - 1] == 'k' || s[n - 1] == 'M' || s[n - 1] == 'G')) {
        shift = s[n - 1] == 'G' ? 30 : s[n - 1] == 'M' ? 20 : 10;
        n--;
    }
    if (n == 0 || n >= sizeof(digits))
        return -EINVAL;
    memcpy(digits, s, n);
    digits[n] = '\0';
    if (parse_num(digits, 10, (long)(FMODEL_AT_MAX >> shift), &v) != 0)
        return -EINVAL;
    *out = (uint64_t)v << shift;
    return 0;
}

/* NAME[:ARG] of text[0 .. len) for fault f into *v.  0 or -EINVAL. */
static int parse_arg(unsigned f, const char *text, size_t len, long *v, char *err,
                     size_t err_len)
{
    const char *colon = memchr(text, ':', len);
    char arg[32];
    size_t alen = colon ? len - (size_t)(colon + 1 - text) : 0;

    *v = faults[f].def;
    if (colon && faults[f].kind == ARG_NONE) {
        snprintf(err, err_len, "fault '%s' takes no argument", faults[f].name);
        return -EINVAL;
    }
    if (!colon && faults[f].kind == ARG_REQ) {
        snprintf(err, err_len, "fault '%s' needs an argument (%s:N)", faults[f].name,
                 faults[f].name);
        return -EINVAL;
    }
    if (!colon)
        return 0;
    int rc = alen < sizeof(arg) ? 0 : -ERANGE;
    if (rc == 0) {
        memcpy(arg, colon + 1, alen);
        arg[alen] = '\0';
        rc = parse_num(arg, faults[f].base, faults[f].max, v);
    }
    if (rc == 0 && *v < faults[f].min)
        rc = -ERANGE;
    if (rc) {
        snprintf(err, err_len, "fault '%s': bad %s argument '%.*s' (%ld..%ld)", faults[f].name,
                 faults[f].base == 16 ? "hex" : "decimal", (int)(alen > 32 ? 32 : alen),
                 colon + 1, faults[f].min, faults[f].max);
        return -EINVAL;
    }
    return 0;
}

int fmodel_fault_parse(const char *text, struct fmodel_fault_spec *out, char *err,
                       size_t err_len)
{
    const char *at = strchr(text, '@');
    size_t len = at ? (size_t)(at - text) : strlen(text);
    const char *colon = memchr(text, ':', len);
    size_t nlen = colon ? (size_t)(colon - text) : len;
    char dummy[1];

    if (!err) {
        err = dummy;
        err_len = sizeof(dummy);
    }
    for (unsigned f = 0; f < FMODEL_FAULT_COUNT; f++) {
        if (strlen(faults[f].name) != nlen || strncmp(faults[f].name, text, nlen) != 0)
            continue;
        long v;
        if (parse_arg(f, text, len, &v, err, err_len) != 0)
            return -EINVAL;
        out->fault = (enum fmodel_fault)f;
        out->arg = v;
        out->armed = at != NULL;
        out->at = 0;
        if (at && f == FMODEL_FAULT_ACCESS) {
            snprintf(err, err_len, "fault 'access' cannot wait for '@' (it acts at plug time)");
            return -EINVAL;
        }
        if (at && parse_offset(at + 1, &out->at) != 0) {
            snprintf(err, err_len,
                     "fault '%s': bad byte offset '@%.32s' (decimal, optional K, M or G; "
                     "at most 2^50)",
                     faults[f].name, at + 1);
            return -EINVAL;
        }
        if (err_len)
            err[0] = '\0';
        return 0;
    }
    snprintf(err, err_len, "unknown fault '%.*s'", (int)(nlen > 64 ? 64 : nlen), text);
    return -EINVAL;
}

static void set_now(struct fmodel *m, enum fmodel_fault f, long arg)
{
    m->on[f] = true;
    m->arg[f] = arg;
    m->base[f] = f == FMODEL_FAULT_UNPLUG ? m->sent : m->pos;
    if (faults[f].kind == ARG_COUNT && arg == 0)
        m->on[f] = false;
}

static void update_next_at(struct fmodel *m)
{
    m->next_at = UINT64_MAX;
    for (size_t i = 0; i < m->narmed; i++)
        if (m->armed[i].at < m->next_at)
            m->next_at = m->armed[i].at;
}

int fmodel_fault_set(struct fmodel *m, const struct fmodel_fault_spec *f)
{
    if ((unsigned)f->fault >= FMODEL_FAULT_COUNT)
        return -EINVAL;
    if (!f->armed) {
        set_now(m, f->fault, f->arg);
        return 0;
    }
    if (m->narmed == FMODEL_MAX_ARMED)
        return -ENOSPC;
    m->armed[m->narmed].fault = f->fault;
    m->armed[m->narmed].arg = f->arg;
    m->armed[m->narmed].at = m->pos + f->at;
    m->narmed++;
    update_next_at(m);
    fmodel_arm_due(m);                   /* @0 */
    return 0;
}

void fmodel_arm_due(struct fmodel *m)
{
    size_t i = 0;

    if (m->pos < m->next_at)
        return;
    /* in the order given: a later fault of the same kind wins */
    while (i < m->narmed) {
        if (m->armed[i].at > m->pos) {
            i++;
            continue;
        }
        struct fmodel_armed a = m->armed[i];
        memmove(&m->armed[i], &m->armed[i + 1], (m->narmed - i - 1) * sizeof(a));
        m->narmed--;
        set_now(m, a.fault, a.arg);
        fmodel_wire_event(m, "fault %s set at %llu", faults[a.fault].name,
                          (unsigned long long)m->pos);
    }
    update_next_at(m);
}

static void disarm(struct fmodel *m, enum fmodel_fault f, bool all)
{
    size_t keep = 0;

    for (size_t i = 0; i < m->narmed; i++)
        if (!all && m->armed[i].fault != f)
            m->armed[keep++] = m->armed[i];
    m->narmed = keep;
    update_next_at(m);
}

bool fmodel_fault_fires(struct fmodel *m, enum fmodel_fault f)
{
    if (!m->on[f])
        return false;
    if (m->arg[f] > 0 && --m->arg[f] == 0)
        m->on[f] = false;
    return true;
}

void fmodel_fault_clear(struct fmodel *m, enum fmodel_fault f)
{
    if ((unsigned)f < FMODEL_FAULT_COUNT) {
        m->on[f] = false;
        disarm(m, f, false);
    }
}

void fmodel_faults_clear(struct fmodel *m)
{
    for (unsigned f = 0; f < FMODEL_FAULT_COUNT; f++)
        m->on[f] = false;
    disarm(m, FMODEL_FAULT_COUNT, true);
}

bool fmodel_fault_active(const struct fmodel *m, enum fmodel_fault f)
{
    return (unsigned)f < FMODEL_FAULT_COUNT && m->on[f];
}

bool fmodel_fault_transport(enum fmodel_fault f)
{
    return f == FMODEL_FAULT_UNPLUG || f == FMODEL_FAULT_BUSY || f == FMODEL_FAULT_ACCESS;
}
