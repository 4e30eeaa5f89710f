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

int watchspec_parse(const char *s, struct watchspec *out, char *err, size_t errlen)
{
    struct watchspec w = { .block_size = WATCH_DEFAULT_BLOCK };
    char f[64];
    uint64_t v;
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
    if (field(s, 1, f, sizeof(f)) < 0 ||
        (f[0] && (num_parse_scaled_u64(f, 1000, &v) < 0 || v > 86400000))) {
        snprintf(err, errlen, "'%s': delay must be 0 to 86400k ms", s);
        return -EINVAL;
    }
    if (f[0])
        w.delay_ms = (unsigned)v;
    if (field(s, 2, f, sizeof(f)) < 0 ||
        (f[0] && (num_parse_scaled_u64(f, 1024, &v) < 0 || v == 0 || v > WATCH_MAX_BLOCK))) {
        snprintf(err, errlen, "'%s': block size must be 1 to 64M bytes", s);
        return -EINVAL;
    }
    if (f[0])
        w.block_size = (size_t)v;
    if (field(s, 3, f, sizeof(f)) < 0 || (f[0] && num_parse_scaled_u64(f, 1024, &v) < 0)) {
        snprintf(err, errlen, "'%s': max bytes must be a size (k, M, G: x1024)", s);
        return -EINVAL;
    }
    if (f[0])
        w.max_bytes = v;
    *out = w;
    return 0;
}
