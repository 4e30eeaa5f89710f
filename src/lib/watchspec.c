/* watchspec: --watch argument parsing.  See watchspec.h. */
#include "watchspec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

/* Copy field i (0-based, ':'-separated) of s into buf; "" if absent. */
static int field(const char *s, int i, char *buf, size_t len)
{
    const char *p = s;
    for (int k = 0; k < i; k++) {
        p = strchr(p, ':');
        if (!p) {
            buf[0] = 0;
            return 0;
        }
        p++;
    }
    size_t n = strcspn(p, ":");
    if (n >= len)
        return -ENAMETOOLONG;
    memcpy(buf, p, n);
    buf[n] = 0;
    return 0;
}

int watchspec_set(struct watchspec *w, enum watchspec_field f, const char *val, char *err,
                  size_t errlen)
{
    uint64_t v;
    switch (f) {
    case WATCHSPEC_PATH:
        if (!val[0] || strlen(val) >= sizeof(w->path)) {
            snprintf(err, errlen, "a path is required (at most %zu bytes)", sizeof(w->path) - 1);
            return -EINVAL;
        }
        strcpy(w->path, val);
        return 0;
    case WATCHSPEC_DELAY:
        if (num_parse_scaled_u64(val, 1000, &v) < 0 || v > 86400000) {
            snprintf(err, errlen, "delay must be 0 to 86400k ms");
            return -EINVAL;
        }
        w->delay_ms = (unsigned)v;
        return 0;
    case WATCHSPEC_BLOCK_SIZE:
        if (num_parse_scaled_u64(val, 1024, &v) < 0 || v == 0 || v > WATCH_MAX_BLOCK) {
            snprintf(err, errlen, "block size must be 1 to 64M bytes");
            return -EINVAL;
        }
        w->block_size = (size_t)v;
        return 0;
    case WATCHSPEC_MAX_BYTES:
        if (num_parse_scaled_u64(val, 1024, &v) < 0) {
            snprintf(err, errlen, "max bytes must be a size (k, M, G: x1024)");
            return -EINVAL;
        }
        w->max_bytes = v;
        return 0;
    }
    snprintf(err, errlen, "no such field");
    return -EINVAL;
}

int watchspec_parse(const char *s, struct watchspec *out, char *err, size_t errlen)
{
    struct watchspec w = { .block_size = WATCH_DEFAULT_BLOCK };
    char f[64], why[128];
    int colons = 0;

    for (const char *p = s; *p; p++)
        colons += *p == ':';
    if (colons > 3) {
        snprintf(err, errlen, "'%s': too many fields (PATH:DELAY:BLOCK_SIZE:MAX_BYTES)", s);
        return -EINVAL;
    }
    if (field(s, 0, w.path, sizeof(w.path)) < 0 || !w.path[0]) {
        snprintf(err, errlen, "'%s': a path is required", s);
        return -EINVAL;
    }
    for (int i = WATCHSPEC_DELAY; i <= WATCHSPEC_MAX_BYTES; i++) {
        int r = field(s, i, f, sizeof(f));
        if (r == 0 && !f[0])
            continue;
        if (r < 0)
            strcpy(f, "x"); /* too long for a number: fails with the field's reason */
        if (watchspec_set(&w, (enum watchspec_field)i, f, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "'%s': %s", s, why);
            return -EINVAL;
        }
    }
    *out = w;
    return 0;
}
