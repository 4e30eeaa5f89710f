/* watch: QA-only monitoring of a file or device.  See watch.h. */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evl.h"
#include "health.h"
#include "log.h"
#include "monitors.h"

/* Bytes read per wakeup, so one fast watch cannot monopolise the loop. */
#define WATCH_READ_MAX 65536

struct watch {
    struct evl *loop;
    struct monitors *mons;
    struct watchspec spec;
    int fd;
    bool pollable;   /* epoll works on it (pipes, sockets, most devices) */
    bool watching;
    bool ended;
    struct health *qa;
    uint8_t *buf;
    size_t have;
    uint64_t total;
    struct evl_timer *timer;
    void (*ended_fn)(void *ud);
    void *ended_ud;
};

static void stop(struct watch *w, const char *why)
{
    if (w->ended)
        return;
    w->ended = true;
    log_msg(1, "watch %s: %s after %llu bytes, %llu passed QA", w->spec.path, why,
            (unsigned long long)w->total, (unsigned long long)health_bytes_passed(w->qa));
    if (w->watching)
        evl_del_fd(w->loop, w->fd);
    w->watching = false;
    evl_timer_disarm(w->timer);
    if (w->ended_fn)
        w->ended_fn(w->ended_ud);
}

static void on_readable(struct evl *loop, int fd, uint32_t events, void *ud);

static void wait_for_data(struct watch *w)
{
    if (w->pollable) {
        if (!w->watching)
            w->watching = evl_add_fd(w->loop, w->fd, EPOLLIN, on_readable, w) == 0;
    } else {
        evl_timer_arm(w->timer, 0);
    }
}

/* Read once; check a block when one is complete.  Returns false when the
 * watch should wait (for data, or for the delay). */
static bool step(struct watch *w)
{
    size_t want = w->spec.block_size - w->have;
    if (want > WATCH_READ_MAX)
        want = WATCH_READ_MAX;
    ssize_t n = read(w->fd, w->buf + w->have, want);
    if (n < 0 && errno == EINTR)
        return true;
    if (n < 0 && errno == EAGAIN) {
        wait_for_data(w);
        return false;
    }
    if (n < 0) {
        stop(w, strerror(errno));
        return false;
    }
    if (n == 0) {
        stop(w, "end of file");
        return false;
    }
    w->have += (size_t)n;
    if (w->have < w->spec.block_size)
        return true;
    health_check(w->qa, w->buf, w->have);
    w->total += w->have;
    w->have = 0;
    if (w->spec.max_bytes && w->total >= w->spec.max_bytes) {
        stop(w, "done");
        return false;
    }
    if (w->spec.delay_ms) {
        if (w->watching)
            evl_del_fd(w->loop, w->fd);
        w->watching = false;
        evl_timer_arm(w->timer, w->spec.delay_ms);
        return false;
    }
    return true;
}

static void run(struct watch *w)
{
    /* A bounded number of reads per wakeup keeps the loop fair. */
    for (int i = 0; i < 16 && !w->ended; i++)
        if (!step(w))
            return;
    if (!w->ended) {
        if (w->pollable)
            wait_for_data(w);
        else
            evl_timer_arm(w->timer, 0);
    }
}

static void on_readable(struct evl *loop, int fd, uint32_t events, void *ud)
{
    run(ud);
}

static void on_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    run(ud);
}

void watch_on_end(struct watch *w, void (*fn)(void *ud), void *ud)
{
    w->ended_fn = fn;
    w->ended_ud = ud;
}

int watch_new(struct evl *loop, struct monitors *mons, const struct watchspec *spec,
              struct watch **out)
{
    int r;
    struct watch *w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->loop = loop;
    w->spec = *spec;
    w->fd = -1;
    w->fd = open(spec->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (w->fd < 0) {
        r = -errno;
        log_msg(0, "watch: cannot open '%s': %s", spec->path, strerror(errno));
        goto fail;
    }
    /* What cannot be read as a stream is bad input, found now rather than
     * as a quiet end of the watch: a directory opens fine but does not
     * read; a zero-byte read shows other refusals (EINVAL, EISDIR...). */
    struct stat st;
    if (fstat(w->fd, &st) < 0) {
        r = -errno;
        log_msg(0, "watch: cannot stat '%s': %s", spec->path, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        r = -EISDIR;
        log_msg(0, "watch: '%s' is a directory, not a readable file or device", spec->path);
        goto fail;
    }
    char probe;
    if (read(w->fd, &probe, 0) < 0 && errno != EAGAIN && errno != EINTR) {
        r = -errno;
        log_msg(0, "watch: cannot read '%s': %s", spec->path, strerror(errno));
        goto fail;
    }
    w->buf = malloc(spec->block_size);
    r = -ENOMEM;
    if (!w->buf)
        goto fail;
    if ((r = health_new(spec->path, true, &w->qa)) < 0)
        goto fail;
    if ((r = monitors_add(mons, spec->path, w->qa)) < 0) {
        log_msg(0, "watch: '%s' is watched twice", spec->path);
        goto fail;
    }
    w->mons = mons;
    if ((r = evl_timer_new(loop, on_timer, w, &w->timer)) < 0)
        goto fail;
    /* Regular files cannot be polled (EPERM): they are always ready. */
    r = evl_add_fd(loop, w->fd, EPOLLIN, on_readable, w);
    if (r == 0) {
        w->pollable = true;
        w->watching = true;
    } else if (r == -EPERM) {
        evl_timer_arm(w->timer, 0);
    } else {
        goto fail;
    }
    log_msg(2, "watch %s: block %zu, delay %u ms, max %llu", spec->path, spec->block_size,
            spec->delay_ms, (unsigned long long)spec->max_bytes);
    *out = w;
    return 0;
fail:
    watch_free(w);
    return r;
}

void watch_free(struct watch *w)
{
    if (!w)
        return;
    if (w->watching)
        evl_del_fd(w->loop, w->fd);
    if (w->mons && w->qa)
        monitors_remove(w->mons, w->qa);
    health_free(w->qa);
    evl_timer_free(w->timer);
    if (w->fd >= 0)
        close(w->fd);
    free(w->buf);
    free(w);
}

bool watch_ended(const struct watch *w)
{
    return w->ended;
}
