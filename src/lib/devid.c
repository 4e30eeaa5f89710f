/* devid: device ID strings as given to --device-id (spec §1.6). */
#include "devid.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEVID_MAX_BUS 127u
#define DEVID_MAX_DEV 127u
#define DEVID_MAX_PORT 255u
#define DEVID_MAX_PORT_LEVELS 7u

static int fail(const char *s, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const char *s, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        int n = snprintf(err, errlen, "invalid device ID '%s': ", s);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

/* Plain decimal digits only, [b, e); *out capped above max+1 so long digit
 * strings cannot overflow.  Returns false if empty or not all digits. */
static bool parse_dec(const char *b, const char *e, unsigned max, unsigned *out)
{
    if (b == e)
        return false;
    unsigned v = 0;
    for (const char *p = b; p < e; p++) {
        if (*p < '0' || *p > '9')
            return false;
        if (v <= max)
            v = v * 10 + (unsigned)(*p - '0');
    }
    *out = v;
    return true;
}

/* Dotted port path: 1..7 levels of 1..255, no leading zeros (the path is
 * compared literally with what the kernel reports, which has none). */
bool devid_valid_port(const char *p)
{
    unsigned levels = 0;
    for (;;) {
        const char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        unsigned v;
        if (!parse_dec(p, q, DEVID_MAX_PORT, &v) || v < 1 || v > DEVID_MAX_PORT || *p == '0')
            return false;
        if (++levels > DEVID_MAX_PORT_LEVELS)
            return false;
        if (*q == '\0')
            return true;
        if (*q != '.')
            return false;
        p = q + 1;
    }
}

int devid_parse(const char *s, struct devid *out, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!s || !out)
        return -EINVAL;

    struct devid id;
    memset(&id, 0, sizeof(id));
    size_t len = strlen(s);
    if (len == 0)
        return fail(s, err, errlen, "empty");

    const char *dash = strchr(s, '-');
    const char *colon = strchr(s, ':');
    if (dash) {
        id.kind = DEVID_PORT;
        id.has_bus = true;
        if (!parse_dec(s, dash, DEVID_MAX_BUS, &id.bus) || id.bus > DEVID_MAX_BUS)
            return fail(s, err, errlen, "bus number must be 0..%u", DEVID_MAX_BUS);
        const char *port = dash + 1;
        if (*port == '\0')
            return fail(s, err, errlen, "port path is empty");
        if (strlen(port) >= DEVINFO_PORT_MAX || !devid_valid_port(port))
            return fail(s, err, errlen,
                        "port path must be 1..%u dot-separated port numbers 1..%u",
                        DEVID_MAX_PORT_LEVELS, DEVID_MAX_PORT);
        memcpy(id.str, port, strlen(port) + 1);
    } else if (colon) {
        id.kind = DEVID_BUSDEV;
        if (colon != s) {
            id.has_bus = true;
            if (!parse_dec(s, colon, DEVID_MAX_BUS, &id.bus) || id.bus > DEVID_MAX_BUS)
                return fail(s, err, errlen, "bus number must be 0..%u", DEVID_MAX_BUS);
        }
        const char *dev = colon + 1;
        if (!parse_dec(dev, s + len, DEVID_MAX_DEV, &id.dev) || id.dev < 1 ||
            id.dev > DEVID_MAX_DEV)
            return fail(s, err, errlen, "device number must be 1..%u", DEVID_MAX_DEV);
    } else if (len < 4) {
        id.kind = DEVID_BUSDEV;
        if (!parse_dec(s, s + len, DEVID_MAX_DEV, &id.dev) || id.dev < 1 ||
            id.dev > DEVID_MAX_DEV)
            return fail(s, err, errlen, "device number must be 1..%u", DEVID_MAX_DEV);
    } else {
        id.kind = DEVID_SERIAL;
        if (len >= sizeof(id.str))
            return fail(s, err, errlen, "serial number longer than %zu characters",
                        sizeof(id.str) - 1);
        memcpy(id.str, s, len + 1);
    }
    *out = id;
    return 0;
}

bool devid_match(const struct devid *id, const struct devinfo *d)
{
    if (!id || !d)
        return false;
    switch (id->kind) {
    case DEVID_SERIAL:
        return strncmp(id->str, d->serial, sizeof(d->serial)) == 0;
    case DEVID_BUSDEV:
        return d->dev == id->dev && (!id->has_bus || d->bus == id->bus);
    case DEVID_PORT:
        return d->bus == id->bus && id->str[0] != '\0' &&
               strncmp(id->str, d->port, sizeof(d->port)) == 0;
    case DEVID_NONE:
    default:
        return false;
    }
}

const char *devid_format(const struct devid *id, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    if (!id) {
        snprintf(buf, len, "No device selected");
        return buf;
    }
    switch (id->kind) {
    case DEVID_SERIAL:
        snprintf(buf, len, "Serial '%.*s'", (int)sizeof(id->str), id->str);
        break;
    case DEVID_BUSDEV:
        if (id->has_bus)
            snprintf(buf, len, "Bus:Device %03u:%03u", id->bus, id->dev);
        else
            snprintf(buf, len, "Bus:Device *:%03u", id->dev);
        break;
    case DEVID_PORT:
        snprintf(buf, len, "Port %u-%.*s", id->bus, (int)sizeof(id->str), id->str);
        break;
    case DEVID_NONE:
    default:
        snprintf(buf, len, "No device selected");
        break;
    }
    return buf;
}
