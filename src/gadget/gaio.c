/* gaio: Linux native AIO with eventfd completions.  See gaio.h. */
#include "gaio.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define REAP_BATCH 8

struct gaio {
    aio_context_t ctx;
    int efd;
};

int gaio_new(unsigned nr, struct gaio **out)
{
    struct gaio *a = calloc(1, sizeof(*a));
    int rc;

    *out = NULL;
    if (!a)
        return -ENOMEM;
    a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (a->efd < 0) {
        rc = -errno;
        goto fail;
    }
    if (syscall(SYS_io_setup, nr, &a->ctx) != 0) {
        rc = -errno;
        goto fail;
    }
    *out = a;
    return 0;
fail:
    if (a->efd >= 0)
        close(a->efd);
    free(a);
    return rc;
}

void gaio_free(struct gaio *a)
{
    if (!a)
        return;
    if (a->ctx)
        syscall(SYS_io_destroy, a->ctx);
    close(a->efd);
    free(a);
}

int gaio_fd(const struct gaio *a)
{
    return a->efd;
}

int gaio_submit(struct gaio *a, struct gaio_op *op, int fd, bool write, void *buf,
                size_t len, unsigned long tag)
{
    struct iocb *list[1] = { &op->cb };

    if (op->busy)
        return -EBUSY;
    memset(&op->cb, 0, sizeof(op->cb));
    op->cb.aio_data = (uint64_t)(uintptr_t)op;
    op->cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
    op->cb.aio_fildes = (uint32_t)fd;
    op->cb.aio_buf = (uint64_t)(uintptr_t)buf;
    op->cb.aio_nbytes = len;
    op->cb.aio_flags = IOCB_FLAG_RESFD;
    op->cb.aio_resfd = (uint32_t)a->efd;
    op->tag = tag;
    errno = 0;
    long r = syscall(SYS_io_submit, a->ctx, 1L, list);
    if (r != 1)
        return r < 0 && errno ? -errno : -EIO;
    op->busy = true;
    return 0;
}

int gaio_cancel(struct gaio *a, struct gaio_op *op)
{
    struct io_event ev;

    if (!op->busy)
        return -EINVAL;
    /* The result comes as an ordinary completion (EINPROGRESS here). */
    if (syscall(SYS_io_cancel, a->ctx, &op->cb, &ev) != 0 && errno != EINPROGRESS)
        return -errno;
    return 0;
}

int gaio_reap(struct gaio *a, gaio_done_fn fn, void *ud)
{
    struct io_event ev[REAP_BATCH];
    struct timespec zero = { 0, 0 };
    uint64_t count;
    long n;

    if (read(a->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
        return -errno;
    do {
        n = syscall(SYS_io_getevents, a->ctx, 0L, (long)REAP_BATCH, ev, &zero);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (long i = 0; i < n; i++) {
            struct gaio_op *op = (struct gaio_op *)(uintptr_t)ev[i].data;
            op->busy = false;
            fn(op, (long)ev[i].res, ud);
        }
    } while (n == REAP_BATCH);
    return 0;
}
