/* outfd: the sink (sink.h) "stdout", writing pool data to a file descriptor
 * (seedd -o / -b).  It has no health monitor of its own (as upstream: no QA
 * beyond the device gate).
 *
 * Wants min(remaining, 64 KiB) from the pool, reads it when the pool's
 * sharing policy serves it (pool.h), and writes it out before it wants more.  Pipes and sockets are made non-blocking and
 * waited on with EPOLLOUT, so a slow consumer never stalls the event loop
 * (the pool then fills, and the sources back off); regular files and
 * terminals are written directly.  Only whole reads are written: a write
 * error is reported, and nothing half-read is dropped silently.
 */
#ifndef BB_OUTFD_H
#define BB_OUTFD_H

#include <stdint.h>

struct evl;
struct pool;
struct outfd;

struct outfd_ops {
    /* err 0: the limit was reached; else the write error (-EPIPE ...). */
    void (*done)(void *ud, int err);
};

/* limit 0: unlimited. */
int outfd_new(struct evl *loop, struct pool *pool, int fd, uint64_t limit,
              const struct outfd_ops *ops, void *ud, struct outfd **out);
/* Restores the fd's flags. */
void outfd_free(struct outfd *o);

uint64_t outfd_written(const struct outfd *o);

#endif
