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

int fmodel_fault_parse(const char *text, struct fmodel_fault_spec *out, char *err,
                       size_t err_len)
{
    const char *colon = strchr(text, ':');
    size_t nlen = colon ? (size_t)(colon - text) : strlen(text);
    char dummy[1];

    if (!err) {
        err = dummy;
        err_len = sizeof(dummy);
    }
    for (unsigned f = 0; f < FMODEL_FAULT_COUNT; f++) {
        if (strlen(faults[f].name) != nlen || strncmp(faults[f].name, text, nlen) != 0)
            continue;
        long v = faults[f].def;
        if (colon && faults[f].kind == ARG_NONE) {
            snprintf(err, err_len, "fault '%s' takes no argument", faults[f].name);
            return -EINVAL;
        }
        if (!colon && faults[f].kind == ARG_REQ) {
            snprintf(err, err_len, "fault '%s' needs an argument (%s:N)", faults[f].name,
                     faults[f].name);
            return -EINVAL;
        }
        if (colon) {
            int rc = parse_num(colon + 1, faults[f].base, faults[f].max, &v);
            if (rc == 0 && v < faults[f].min)
                rc = -ERANGE;
            if (rc) {
                snprintf(err, err_len, "fault '%s': bad %s argument '%s' (%ld..%ld)",
                         faults[f].name, faults[f].base == 16 ? "hex" : "decimal", colon + 1,
                         faults[f].min, faults[f].max);
                return -EINVAL;
            }
        }
        out->fault = (enum fmodel_fault)f;
        out->arg = v;
        if (err_len)
            err[0] = '\0';
        return 0;
    }
    snprintf(err, err_len, "unknown fault '%.*s'", (int)(nlen > 64 ? 64 : nlen), text);
    return -EINVAL;
}

void fmodel_fault_set(struct fmodel *m, const struct fmodel_fault_spec *f)
{
    if ((unsigned)f->fault >= FMODEL_FAULT_COUNT)
        return;
    m->on[f->fault] = true;
    m->arg[f->fault] = f->arg;
    m->base[f->fault] = f->fault == FMODEL_FAULT_UNPLUG ? m->sent : m->pos;
    if (faults[f->fault].kind == ARG_COUNT && f->arg == 0)
        m->on[f->fault] = false;
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
    if ((unsigned)f < FMODEL_FAULT_COUNT)
        m->on[f] = false;
}

void fmodel_faults_clear(struct fmodel *m)
{
    for (unsigned f = 0; f < FMODEL_FAULT_COUNT; f++)
        m->on[f] = false;
}

bool fmodel_fault_active(const struct fmodel *m, enum fmodel_fault f)
{
    return (unsigned)f < FMODEL_FAULT_COUNT && m->on[f];
}

bool fmodel_fault_transport(enum fmodel_fault f)
{
    return f == FMODEL_FAULT_UNPLUG || f == FMODEL_FAULT_BUSY || f == FMODEL_FAULT_ACCESS;
}
