/* udpsrv: the UDP entropy service.  See udpsrv.h. */
#include "udpsrv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evl.h"
#include "log.h"
#include "readybuf.h"
#include "sink.h"
#include "srv.h"
#include "udpproto.h"

#define UDP_READY (64u * 1024u)  /* bytes kept ready: two of the largest replies */
#define UDP_BATCH 64             /* datagrams taken per wake-up */

/* A request that finds too few bytes ready waits for them, in arrival
 * order, rather than being dropped (a client would wait for its own
 * timeout, and upstream's service blocked until the pool had the bytes). */
struct pending {
    struct sockaddr_storage ss;
    socklen_t sl;
    unsigned count;
    uint64_t due_ms; /* given up on then */
};

struct udpsrv {
    struct evl *loop;
    int fd;
    struct readybuf *rb;
    struct sink *sink;
    struct udpacl *acl;
    struct udprate *rate;
    struct udpsrv_counts n;
    struct pending q[UDPSRV_WAITING];
    size_t q_head, q_len;
    struct evl_timer *expire;
    uint8_t out[UDPPROTO_MAX_COUNT];
};

static uint64_t now_ns(void)
{
    return evl_now_ms() * 1000000u;
}

/* Whether one more request from sa may wait. */
static bool may_wait(const struct udpsrv *u, const struct sockaddr *sa, socklen_t salen)
{
    if (u->q_len == UDPSRV_WAITING)
        return false;
    size_t mine = 0;
    for (size_t i = 0; i < u->q_len; i++) {
        const struct pending *w = &u->q[(u->q_head + i) % UDPSRV_WAITING];
        mine += udpproto_same_host((const struct sockaddr *)&w->ss, w->sl, sa, salen);
    }
    return mine < UDPSRV_WAITING_PER_HOST;
}

static void wait_for_data(struct udpsrv *u, const struct sockaddr *sa, socklen_t salen,
                          unsigned count)
{
    struct pending *w = &u->q[(u->q_head + u->q_len) % UDPSRV_WAITING];
    if (salen > sizeof(w->ss))
        salen = sizeof(w->ss);
    memcpy(&w->ss, sa, salen);
    w->sl = salen;
    w->count = count;
    w->due_ms = evl_now_ms() + UDPSRV_WAIT_MS;
    if (u->q_len++ == 0)
        evl_timer_arm(u->expire, UDPSRV_WAIT_MS);
    u->n.waited++;
}

static void count_send_failed(struct udpsrv *u)
{
    u->n.send_failed++;
    sink_count_refusal(u->sink);
}

/* count ready bytes to sa: 0 (counted), -EAGAIN (the socket takes no more
 * now; not counted: the caller decides), or another -errno (counted as not
 * sent). */
static int send_reply(struct udpsrv *u, const struct sockaddr *sa, socklen_t salen, unsigned count)
{
    readybuf_peek(u->rb, u->out, count);
    if (sendto(u->fd, u->out, count, MSG_DONTWAIT | MSG_NOSIGNAL, sa, salen) != (ssize_t)count) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -EAGAIN;
        int r = -errno;
        count_send_failed(u);
        log_msg(4, "udp: sendto: %s", strerror(-r));
        return r;
    }
    readybuf_take(u->rb, NULL, count);
    u->n.answered++;
    u->n.bytes += count;
    return 0;
}

static void pop_waiting(struct udpsrv *u)
{
    u->q_head = (u->q_head + 1) % UDPSRV_WAITING;
    u->q_len--;
}

/* The expiry timer for the front request (none when nothing waits). */
static void arm_expiry(struct udpsrv *u)
{
    if (u->q_len == 0) {
        evl_timer_disarm(u->expire);
        return;
    }
    uint64_t now = evl_now_ms(), due = u->q[u->q_head].due_ms;
    evl_timer_arm(u->expire, due > now ? due - now : 0);
}

/* The waiting requests the ready bytes cover, in order; true if any was
 * taken off the queue.  A socket that takes no more (-EAGAIN) keeps the
 * front waiting: the next datagram or ready bytes try again, until it
 * expires. */
static bool serve_front(struct udpsrv *u)
{
    bool popped = false;
    while (u->q_len && readybuf_len(u->rb) >= u->q[u->q_head].count) {
        const struct pending *w = &u->q[u->q_head];
        if (send_reply(u, (const struct sockaddr *)&w->ss, w->sl, w->count) == -EAGAIN)
            break;
        pop_waiting(u);
        popped = true;
    }
    return popped;
}

static void serve_waiting(struct udpsrv *u)
{
    if (serve_front(u))
        arm_expiry(u);
}

static void on_expire(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct udpsrv *u = ud;
    uint64_t now = evl_now_ms();
    while (u->q_len && u->q[u->q_head].due_ms <= now) {
        u->n.expired++;
        sink_count_refusal(u->sink);
        pop_waiting(u);
    }
    serve_front(u); /* those behind it may be covered already */
    arm_expiry(u);
}

/* One request from sa: answered, left waiting for data, or counted by why
 * not.  -EAGAIN when the socket takes no more (the request is dropped like
 * any lost datagram). */
static int handle(struct udpsrv *u, const uint8_t *buf, size_t len, const struct sockaddr *sa,
                  socklen_t salen)
{
    unsigned count = 0;
    int r = udpproto_parse(buf, len, &count);
    sink_count_request(u->sink);
    u->n.requests++;
    if (r < 0) {
        u->n.malformed++;
        log_msg(4, "udp: ignored a request: %s", udpproto_strerror(r));
        goto refused;
    }
    if (!udpacl_allows(u->acl, sa, salen)) {
        u->n.not_allowed++;
        goto refused;
    }
    /* Answered now only if nothing waits before it. */
    bool answer_now = u->q_len == 0 && readybuf_len(u->rb) >= count;
    if (!answer_now && !may_wait(u, sa, salen)) {
        u->n.short_data++;
        goto refused;
    }
    if ((r = udprate_take(u->rate, sa, salen, count, now_ns())) < 0) {
        if (r == -ENOBUFS)
            u->n.over_max_rate++;
        else
            u->n.over_rate++;
        r = 0; /* not the socket's -EAGAIN: the next datagram goes on */
        goto refused;
    }
    if (!answer_now) {
        wait_for_data(u, sa, salen, count);
        return 0;
    }
    if (send_reply(u, sa, salen, count) != -EAGAIN)
        return 0;
    count_send_failed(u); /* dropped like any lost datagram */
    return -EAGAIN;
refused:
    sink_count_refusal(u->sink);
    return 0;
}

static void on_readable(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct udpsrv *u = ud;
    for (int i = 0; i < UDP_BATCH; i++) {
        uint8_t buf[8];
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        /* MSG_TRUNC: the datagram's real length, so that a longer one is
         * not taken for its first two bytes */
        ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT,
                             (struct sockaddr *)&ss, &sl);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                log_msg(1, "udp: recvfrom: %s", strerror(errno));
            break;
        }
        if (handle(u, buf, (size_t)n, (struct sockaddr *)&ss, sl) == -EAGAIN)
            break;
    }
    serve_waiting(u);
    readybuf_refill(u->rb);
}

/* Bytes were added (inside the pool's dispatch: no refill from here; the
 * readybuf asks for more itself when its callback returns). */
static void on_ready(void *ud)
{
    serve_waiting(ud);
}

static int limits(struct udpsrv *u, const struct udpsrv_cfg *cfg, char *err, size_t errlen)
{
    struct udprate_cfg rc;
    udprate_cfg_default(&rc);
    /* a bucket holds at least one largest reply, else one second's worth */
    rc.src_rate = cfg->rate;
    rc.src_burst = cfg->rate > UDPPROTO_MAX_COUNT ? cfg->rate : UDPPROTO_MAX_COUNT;
    rc.global_rate = cfg->max_rate;
    rc.global_burst = cfg->max_rate > UDPPROTO_MAX_COUNT ? cfg->max_rate : UDPPROTO_MAX_COUNT;
    int r = udprate_new(&rc, now_ns(), &u->rate);
    if (r < 0)
        snprintf(err, errlen, "rate limits: %s", strerror(-r));
    return r;
}

int udpsrv_new(struct evl *loop, const struct udpsrv_cfg *cfg, struct udpsrv **out, char *err,
               size_t errlen)
{
    struct udpsrv *u = calloc(1, sizeof(*u));
    int r = -ENOMEM;
    if (!u) {
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    u->loop = loop;
    u->fd = -1;
    if ((r = udpacl_parse(cfg->allow ? cfg->allow : UDPACL_DEFAULT, &u->acl, err, errlen)) < 0 ||
        (r = limits(u, cfg, err, errlen)) < 0 ||
        (r = srv_bind_inet(cfg->addr, SOCK_DGRAM, cfg->freebind, &u->fd, err, errlen)) < 0)
        goto fail;
    if ((r = readybuf_new(cfg->pool, cfg->mons, "udp", "UDP", UDP_READY, on_ready, u,
                          &u->rb)) < 0 ||
        (r = evl_timer_new(loop, on_expire, u, &u->expire)) < 0 ||
        (r = evl_add_fd(loop, u->fd, EPOLLIN, on_readable, u)) < 0) {
        snprintf(err, errlen, "%s", strerror(-r));
        goto fail;
    }
    u->sink = readybuf_sink(u->rb);
    if ((r = readybuf_tee_env(u->rb, UDPSRV_ENV_TEE, err, errlen)) < 0)
        goto fail;
    readybuf_refill(u->rb);
    char acl[512];
    log_msg(2, "udp: serving on %s to %s", cfg->addr, udpacl_format(u->acl, acl, sizeof(acl)));
    *out = u;
    return 0;
fail:
    udpsrv_free(u);
    return r;
}

void udpsrv_free(struct udpsrv *u)
{
    if (!u)
        return;
    const struct udpsrv_counts *n = &u->n;
    if (n->answered || n->malformed || n->not_allowed || n->short_data || n->over_rate ||
        n->over_max_rate || n->send_failed || n->expired || u->q_len)
        log_msg(1, "udp: %llu answered (%llu bytes), %llu waited for data; refused: "
                "%llu malformed, %llu not allowed, %llu not ready (no room to wait), "
                "%llu over the source's rate, %llu over the rate in all, %llu not sent, "
                "%llu not ready in %u ms; %zu waiting at exit",
                (unsigned long long)n->answered, (unsigned long long)n->bytes,
                (unsigned long long)n->waited,
                (unsigned long long)n->malformed, (unsigned long long)n->not_allowed,
                (unsigned long long)n->short_data, (unsigned long long)n->over_rate,
                (unsigned long long)n->over_max_rate, (unsigned long long)n->send_failed,
                (unsigned long long)n->expired, UDPSRV_WAIT_MS, u->q_len);
    evl_timer_free(u->expire);
    if (u->fd >= 0) {
        evl_del_fd(u->loop, u->fd);
        close(u->fd);
    }
    readybuf_free(u->rb);
    udprate_free(u->rate);
    udpacl_free(u->acl);
    free(u);
}

void udpsrv_get_counts(const struct udpsrv *u, struct udpsrv_counts *c)
{
    *c = u->n;
}

size_t udpsrv_ready(const struct udpsrv *u)
{
    return readybuf_len(u->rb);
}

int udpsrv_sockname(const struct udpsrv *u, struct sockaddr_storage *ss, socklen_t *sl)
{
    *sl = sizeof(*ss);
    return getsockname(u->fd, (struct sockaddr *)ss, sl) < 0 ? -errno : 0;
}
