/* readybuf: QA-passed bytes kept ready.  See readybuf.h. */
#include "readybuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "log.h"
#include "pool.h"
#include "sink.h"

#define RB_BLOCK 2500u /* one FIPS block per pool read */

struct readybuf {
    struct pool *pool;
    struct sink *sink;
    struct health *mon;
    void (*ready)(void *ud);
    void *ud;
    uint8_t raw[RB_BLOCK];
    size_t raw_len;
    uint8_t *ring;
    size_t cap, head, len;
    int tee_fd;
};

static void ring_put(void *ud, const uint8_t *p, size_t n)
{
    struct readybuf *rb = ud;
    while (n > 0 && rb->len < rb->cap) {
        size_t tail = (rb->head + rb->len) % rb->cap;
        size_t k = rb->cap - tail;
        if (k > n)
            k = n;
        if (k > rb->cap - rb->len)
            k = rb->cap - rb->len;
        memcpy(rb->ring + tail, p, k);
        rb->len += k;
        p += k;
        n -= k;
    }
}

static void on_pool(void *ud)
{
    struct readybuf *rb = ud;
    rb->raw_len += sink_read(rb->sink, rb->raw + rb->raw_len, RB_BLOCK - rb->raw_len);
    if (rb->raw_len < RB_BLOCK)
        return;
    size_t before = rb->len;
    health_gate(rb->mon, HEALTH_GATE_EXACT, rb->raw, RB_BLOCK, ring_put, rb, NULL);
    if (rb->len - before < RB_BLOCK)
        sink_count_dropped(rb->sink, RB_BLOCK - (rb->len - before));
    rb->raw_len = 0;
    if (rb->len > before)
        rb->ready(rb->ud);
    readybuf_refill(rb);
}

int readybuf_new(struct pool *pool, struct monitors *mons, const char *sink_name,
                 const char *monitor_id, size_t cap, void (*ready)(void *ud), void *ud,
                 struct readybuf **out)
{
    struct readybuf *rb = calloc(1, sizeof(*rb));
    int r = -ENOMEM;
    if (!rb)
        return -ENOMEM;
    rb->tee_fd = -1;
    if (cap < RB_BLOCK || !(rb->ring = malloc(cap)))
        goto fail;
    rb->pool = pool;
    rb->cap = cap;
    rb->ready = ready;
    rb->ud = ud;
    if ((r = sink_new(pool, mons, sink_name, on_pool, rb, &rb->sink)) < 0 ||
        (r = sink_add_monitor(rb->sink, monitor_id, &rb->mon)) < 0)
        goto fail;
    *out = rb;
    return 0;
fail:
    readybuf_free(rb);
    return cap < RB_BLOCK ? -EINVAL : r;
}

void readybuf_free(struct readybuf *rb)
{
    if (!rb)
        return;
    sink_free(rb->sink);
    if (rb->tee_fd >= 0)
        close(rb->tee_fd);
    free(rb->ring);
    free(rb);
}

size_t readybuf_len(const struct readybuf *rb)
{
    return rb->len;
}

void readybuf_peek(const struct readybuf *rb, uint8_t *out, size_t n)
{
    size_t first = rb->cap - rb->head;
    if (first > n)
        first = n;
    memcpy(out, rb->ring + rb->head, first);
    memcpy(out + first, rb->ring, n - first);
}

void readybuf_take(struct readybuf *rb, uint8_t *out, size_t n)
{
    if (n == 0)
        return;
    if (rb->tee_fd >= 0 || out) {
        uint8_t tmp[4096];
        for (size_t done = 0; done < n;) {
            size_t k = n - done < sizeof(tmp) ? n - done : sizeof(tmp);
            uint8_t *p = out ? out + done : tmp;
            readybuf_peek(rb, p, k);
            if (rb->tee_fd >= 0 && write(rb->tee_fd, p, k) != (ssize_t)k)
                log_msg(0, "%s: the test tee: %s", "readybuf", strerror(errno));
            rb->head = (rb->head + k) % rb->cap;
            rb->len -= k;
            done += k;
        }
    } else {
        rb->head = (rb->head + n) % rb->cap;
        rb->len -= n;
    }
    sink_count_delivered(rb->sink, n);
}

void readybuf_refill(struct readybuf *rb)
{
    size_t want = 0;
    if (rb->len + RB_BLOCK <= rb->cap) {
        want = RB_BLOCK - rb->raw_len;
        if (want > pool_size(rb->pool))
            want = pool_size(rb->pool);
    }
    sink_want(rb->sink, want);
}

struct sink *readybuf_sink(const struct readybuf *rb)
{
    return rb->sink;
}

int readybuf_tee_env(struct readybuf *rb, const char *env, char *err, size_t errlen)
{
    const char *path = getenv(env);
    if (!path || !*path)
        return 0;
    rb->tee_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (rb->tee_fd >= 0)
        return 0;
    int r = -errno;
    snprintf(err, errlen, "%s=%s: %s", env, path, strerror(-r));
    return r;
}
