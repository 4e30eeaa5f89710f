/* gaio: Linux native AIO (io_submit) on FunctionFS endpoint files, with
 * completions signalled on an eventfd, so a single-threaded event loop can
 * keep a bulk transfer queued on each endpoint without blocking.
 *
 * A struct gaio_op is one transfer slot: at most one submission in flight
 * per op.  Its buffer must stay valid until the completion was reaped
 * (reads are copied to it by the kernel at completion time). */
#ifndef BB_GADGET_GAIO_H
#define BB_GADGET_GAIO_H

#include <linux/aio_abi.h>
#include <stdbool.h>
#include <stddef.h>

struct gaio;

struct gaio_op {
    struct iocb cb;
    bool busy;            /* submitted, completion not reaped yet */
    unsigned long tag;    /* the caller's (e.g. a generation number) */
};

/* Called for each reaped completion: res is bytes transferred or -errno. */
typedef void (*gaio_done_fn)(struct gaio_op *op, long res, void *ud);

/* Context for up to nr transfers in flight.  0 or -errno. */
int gaio_new(unsigned nr, struct gaio **out);
/* Cancels what is in flight and waits for it (io_destroy). */
void gaio_free(struct gaio *a);
/* The eventfd to watch for EPOLLIN. */
int gaio_fd(const struct gaio *a);

/* Queue a read (write = false) or write of len bytes at buf on fd.
 * 0 or -errno (-EBUSY: op in flight). */
int gaio_submit(struct gaio *a, struct gaio_op *op, int fd, bool write, void *buf,
                size_t len, unsigned long tag);
/* Ask the kernel to cancel op (its completion still arrives, with an error).
 * 0 or -errno. */
int gaio_cancel(struct gaio *a, struct gaio_op *op);

/* Reap every completion available now (never blocks); fn for each.
 * 0 or -errno. */
int gaio_reap(struct gaio *a, gaio_done_fn fn, void *ud);

#endif
