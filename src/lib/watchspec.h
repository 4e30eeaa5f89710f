/* watchspec: the --watch=PATH:DELAY:BLOCK_SIZE:MAX_BYTES argument (spec
 * §6.4), parsed as a pure function.  Trailing fields may be omitted; an empty
 * field keeps its default. */
#ifndef BB_WATCHSPEC_H
#define BB_WATCHSPEC_H

#include <stddef.h>
#include <stdint.h>

#define WATCH_DEFAULT_BLOCK 65536
#define WATCH_MAX_BLOCK (64u * 1024 * 1024)

struct watchspec {
    char path[4096];
    unsigned delay_ms;   /* between blocks; k = x1000 */
    size_t block_size;   /* 1..64 MiB; k/M = x1024 */
    uint64_t max_bytes;  /* 0 = unlimited; k/M/G = x1024 */
};

int watchspec_parse(const char *s, struct watchspec *out, char *err, size_t errlen);

/* One field, as a [Watch:LABEL] option gives it: sets that field of *w
 * from val (not empty), or returns -EINVAL with the reason alone in err
 * ("delay must be 0 to 86400k ms"). */
enum watchspec_field {
    WATCHSPEC_PATH,
    WATCHSPEC_DELAY,
    WATCHSPEC_BLOCK_SIZE,
    WATCHSPEC_MAX_BYTES,
};
int watchspec_set(struct watchspec *w, enum watchspec_field f, const char *val, char *err,
                  size_t errlen);

#endif
