/* outfd: pool -> file descriptor.  See outfd.h. */
#include "outfd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evl.h"
#include "log.h"
#include "pool.h"
#include "sink.h"

#define OUTFD_CHUNK 65536

static void on_writable_cb(struct evl *loop, int fd, uint32_t events, void *ud);

struct outfd {
    struct evl *loop;
    struct sink *sink;
    int fd;
    int saved_flags;
    bool nonblock;
    bool watching;
    bool finished;
    uint64_t limit;
    uint64_t written;
    const struct outfd_ops *ops;
    void *ud;
    uint8_t buf[OUTFD_CHUNK];
    size_t off, len;     /* buf[off..len) still to write */
    struct evl_timer *report;
    int result;
};

static void finish(struct outfd *o, int err)
{
    if (o->finished)
        return;
    o->finished = true;
    o->result = err;
    sink_finish(o->sink, err ? SINK_FAILED : SINK_DONE);
    /* Report from the loop, not from inside whoever added to the pool. */
    evl_timer_arm(o->report, 0);
}

static void on_report(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct outfd *o = ud;
    o->ops->done(o->ud, o->result);
}

static void watch(struct outfd *o, bool on)
{
    if (on == o->watching)
        return;
    if (on && evl_add_fd(o->loop, o->fd, EPOLLOUT, on_writable_cb, o) == 0)
        o->watching = true;
    else if (!on) {
        evl_del_fd(o->loop, o->fd);
        o->watching = false;
    }
}

/* The next chunk: min(remaining, 64 KiB); done at the limit. */
static void want_next(struct outfd *o)
{
    if (o->limit && o->written >= o->limit) {
        finish(o, 0);
        return;
    }
    size_t want = OUTFD_CHUNK;
    if (o->limit && o->limit - o->written < want)
        want = (size_t)(o->limit - o->written);
    sink_want(o->sink, want);
}

/* Writes what is buffered; when all of it is out, asks the pool for the
 * next chunk (which the pool may serve at once). */
static void write_out(struct outfd *o)
{
    while (!o->finished && o->off < o->len) {
        ssize_t n = write(o->fd, o->buf + o->off, o->len - o->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            watch(o, true);
            return;
        }
        if (n < 0) {
            finish(o, -errno);
            return;
        }
        o->off += (size_t)n;
        o->written += (uint64_t)n;
        sink_count_delivered(o->sink, (uint64_t)n);
    }
    watch(o, false);
    if (!o->finished)
        want_next(o);
}

static void on_writable_cb(struct evl *loop, int fd, uint32_t events, void *ud)
{
    write_out(ud);
}

/* The pool can serve the chunk wanted: one read, then out with it.  The
 * sink wants nothing until the chunk is written. */
static void on_ready(void *ud)
{
    struct outfd *o = ud;
    size_t want = OUTFD_CHUNK;
    if (o->limit && o->limit - o->written < want)
        want = (size_t)(o->limit - o->written);
    o->off = 0;
    o->len = sink_read(o->sink, o->buf, want);
    if (o->len == 0)
        return;
    sink_count_request(o->sink);
    sink_want(o->sink, 0);
    log_msg(5, "stdout: %zu bytes from the pool", o->len);
    write_out(o);
}

int outfd_new(struct evl *loop, struct pool *pool, int fd, uint64_t limit,
              const struct outfd_ops *ops, void *ud, struct outfd **out)
{
    struct stat st;
    int r;
    struct outfd *o = calloc(1, sizeof(*o));
    if (!o)
        return -ENOMEM;
    o->loop = loop;
    o->fd = fd;
    o->limit = limit;
    o->ops = ops;
    o->ud = ud;
    o->saved_flags = fcntl(fd, F_GETFL);
    if (o->saved_flags < 0 || fstat(fd, &st) < 0) {
        r = -errno;
        goto fail;
    }
    if ((S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) && !(o->saved_flags & O_NONBLOCK)) {
        if (fcntl(fd, F_SETFL, o->saved_flags | O_NONBLOCK) < 0) {
            r = -errno;
            goto fail;
        }
        o->nonblock = true;
    }
    if ((r = evl_timer_new(loop, on_report, o, &o->report)) < 0)
        goto fail;
    if ((r = sink_new(pool, NULL, "stdout", on_ready, o, &o->sink)) < 0)
        goto fail;
    *out = o;
    want_next(o);
    return 0;
fail:
    outfd_free(o);
    return r;
}

void outfd_free(struct outfd *o)
{
    if (!o)
        return;
    sink_free(o->sink);
    watch(o, false);
    if (o->nonblock)
        fcntl(o->fd, F_SETFL, o->saved_flags);
    evl_timer_free(o->report);
    free(o);
}

uint64_t outfd_written(const struct outfd *o)
{
    return o->written;
}
