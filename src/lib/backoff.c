/* backoff: idle-sleep back-off.  See backoff.h. */
#include "backoff.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "num.h"

void backoff_init(struct backoff *b, unsigned initial, unsigned max, unsigned suspend_after)
{
    memset(b, 0, sizeof(*b));
    b->initial = initial;
    b->max = max;
    b->suspend_after = suspend_after;
}

void backoff_reset(struct backoff *b)
{
    b->sleep = 0;
    b->forever = false;
}

void backoff_after_block(struct backoff *b, bool pool_was_full)
{
    if (!pool_was_full) {
        backoff_reset(b);
        return;
    }
    if (b->forever)
        return;
    if (b->sleep == 0) {
        if (b->initial == 0)
            b->forever = true;
        else
            b->sleep = b->initial;
    } else if (b->sleep < BACKOFF_MIN_SLEEP || b->sleep < b->max) {
        b->sleep *= 2;
        if (b->max && b->sleep > b->max)
            b->sleep = b->max;
    } else if (b->max == 0) {
        b->forever = true;
    }
}

enum backoff_wait backoff_next(const struct backoff *b, bool pool_full, uint64_t *ms,
                               bool *release)
{
    *ms = 0;
    *release = false;
    if (!pool_full)
        return BACKOFF_GO;
    if (b->forever) {
        *release = b->suspend_after != 0;
        return BACKOFF_FOREVER;
    }
    if (b->sleep >= BACKOFF_MIN_SLEEP) {
        *ms = b->sleep;
        *release = b->suspend_after != 0 && b->sleep >= b->suspend_after;
        return BACKOFF_TIMED;
    }
    return BACKOFF_GO;
}

static int parse_side(const char *s, size_t len, unsigned *out)
{
    char buf[32];
    uint64_t v;
    if (len == 0)
        return 0; /* keep */
    if (len >= sizeof(buf))
        return -EINVAL;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (num_parse_scaled_u64(buf, 1000, &v) < 0 || v > 0xFFFFFFFFu)
        return -EINVAL;
    *out = (unsigned)v;
    return 0;
}

int backoff_parse_idle_sleep(const char *s, unsigned *initial, unsigned *max, char *err,
                             size_t errlen)
{
    const char *colon = strchr(s, ':');
    unsigned i = *initial, m = *max;
    if (!colon) {
        snprintf(err, errlen, "'%s': expected INIT:MAX (the ':' is required)", s);
        return -EINVAL;
    }
    if (parse_side(s, (size_t)(colon - s), &i) < 0 ||
        parse_side(colon + 1, strlen(colon + 1), &m) < 0) {
        snprintf(err, errlen, "'%s': INIT and MAX must be numbers of ms (k = x1000)", s);
        return -EINVAL;
    }
    if (m != 0 && i > m) {
        snprintf(err, errlen, "'%s': INIT (%u) is larger than MAX (%u)", s, i, m);
        return -EINVAL;
    }
    *initial = i;
    *max = m;
    return 0;
}
