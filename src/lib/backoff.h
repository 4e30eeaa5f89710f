/* backoff: a source's idle-sleep back-off while the pool is full (spec §5.3),
 * as a pure state machine; the caller does the waiting (evl timers, pool
 * notifications) and the releasing.  Each source has its own instance, so
 * per-device settings really are per device (upstream's bug #5 fixed). */
#ifndef BB_BACKOFF_H
#define BB_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BACKOFF_MIN_SLEEP 512u       /* ms: shorter sleeps are not taken */
#define BACKOFF_DEFAULT_INITIAL 100u
#define BACKOFF_DEFAULT_MAX 60000u

struct backoff {
    unsigned initial;       /* ms; 0: go straight to waiting indefinitely */
    unsigned max;           /* ms; 0: after the doubling, wait indefinitely */
    unsigned suspend_after; /* ms; 0: never release the device */
    uint64_t sleep;         /* current, ms */
    bool forever;           /* current sleep is indefinite */
};

void backoff_init(struct backoff *b, unsigned initial, unsigned max, unsigned suspend_after);

/* After reading a block: pool_was_full is the pool state before adding it. */
void backoff_after_block(struct backoff *b, bool pool_was_full);

/* A block failed QA: keep data flowing so recovery is quick. */
void backoff_reset(struct backoff *b);

enum backoff_wait {
    BACKOFF_GO,        /* read the next block now */
    BACKOFF_TIMED,     /* wait for a reader or *ms, whichever first */
    BACKOFF_FOREVER,   /* wait for a reader */
};

/* Before reading the next block, with the pool's current state.  *release
 * says whether to release the device during the wait (suspend-after). */
enum backoff_wait backoff_next(const struct backoff *b, bool pool_full, uint64_t *ms,
                               bool *release);

/* "INIT:MAX" (the ':' is required; an empty side keeps the current value;
 * k/M suffixes x1000).  -EINVAL with a reason in err on bad input, e.g.
 * MAX != 0 and INIT > MAX. */
int backoff_parse_idle_sleep(const char *s, unsigned *initial, unsigned *max, char *err,
                             size_t errlen);

#endif
