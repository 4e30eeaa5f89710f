/* egdsrv: the EGD service.  See egdsrv.h. */
#include "egdsrv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctlpath.h"
#include "egdproto.h"
#include "evl.h"
#include "log.h"
#include "readybuf.h"
#include "sink.h"
#include "srv.h"
#include "udpproto.h"

#define EGD_READY (32u * 1024u) /* bytes kept ready */
#define EGD_IDLE_MS (24u * 3600u * 1000u)
#define EGD_MAX_OUTPUT (64u * 1024u)
#define EGD_QUEUE 32u           /* requests kept per client; more: srv pauses it */

struct egdreq {
    uint8_t cmd, count;
};

struct egdcli {
    struct egdsrv *e;
    struct srv_conn *c;
    struct egdreq q[EGD_QUEUE]; /* its requests, in arrival order (a ring) */
    unsigned q_head, q_len;
    unsigned pending;      /* bytes of the head's blocking read still to send */
    struct tbucket tb;
    struct egdcli *next;   /* in the wait queue or the rate queue */
    bool queued;           /* in either queue */
    bool paused;           /* its queue was full: srv reads no more of it */
    bool gone;             /* ended during our own send: freed by send_data */
};

struct egdsrv {
    struct evl *loop;
    struct srv *srv;
    struct readybuf *rb;
    struct sink *sink;
    struct evl_timer *rate_timer;
    uint64_t rate;
    struct egdcli *wq_head, *wq_tail; /* clients with requests, round robin */
    size_t wq_n;
    struct egdcli *rq;                /* out of tokens, waiting for the timer */
    struct egdcli *sending;           /* in srv_conn_send, which may end it */
};

static uint64_t now_ns(void)
{
    return evl_now_ms() * 1000000u;
}

/* ---- sending ------------------------------------------------------------- */

/* Sends hdr (hlen bytes, may be 0) and n ready bytes to cl.  -EPIPE if
 * that ended the client (over its output bound): cl is freed then. */
static int send_data(struct egdcli *cl, const uint8_t *hdr, size_t hlen, size_t n)
{
    struct egdsrv *e = cl->e;
    uint8_t buf[1 + EGD_MAX_COUNT];
    if (hlen > 0)
        memcpy(buf, hdr, hlen);
    readybuf_take(e->rb, buf + hlen, n);
    if (n > 0 && !tbucket_take(&cl->tb, n, now_ns()))
        log_msg(4, "egd: client %llu: over its rate", (unsigned long long)srv_conn_id(cl->c));
    e->sending = cl;
    srv_conn_send(cl->c, buf, hlen + n);
    e->sending = NULL;
    if (cl->gone) {
        free(cl);
        return -EPIPE;
    }
    return 0;
}

/* Bytes cl may have now: its pending read, what is ready, its tokens. */
static size_t grant(struct egdcli *cl, size_t asked)
{
    size_t n = asked < readybuf_len(cl->e->rb) ? asked : readybuf_len(cl->e->rb);
    if (cl->e->rate) {
        uint64_t t = tbucket_avail(&cl->tb, now_ns());
        if (t < n)
            n = (size_t)t;
    }
    return n;
}

static void wq_push(struct egdsrv *e, struct egdcli *cl)
{
    cl->next = NULL;
    cl->queued = true;
    e->wq_n++;
    if (e->wq_tail)
        e->wq_tail->next = cl;
    else
        e->wq_head = cl;
    e->wq_tail = cl;
}

static struct egdcli *wq_pop(struct egdsrv *e)
{
    struct egdcli *cl = e->wq_head;
    if (cl) {
        e->wq_n--;
        e->wq_head = cl->next;
        if (!e->wq_head)
            e->wq_tail = NULL;
        cl->next = NULL;
        cl->queued = false;
    }
    return cl;
}

/* Out of tokens: wait for the timer, armed for the soonest client. */
static void rate_wait(struct egdsrv *e, struct egdcli *cl)
{
    struct egdcli **p = &e->rq;
    while (*p) /* at the end: the timer puts them back in this order */
        p = &(*p)->next;
    cl->next = NULL;
    cl->queued = true;
    *p = cl;
    uint64_t need = cl->pending < EGD_MAX_COUNT ? cl->pending : EGD_MAX_COUNT;
    uint64_t have = tbucket_avail(&cl->tb, now_ns());
    uint64_t ms = have >= need ? 1 : ((need - have) * 1000u + e->rate - 1) / e->rate;
    if (!evl_timer_armed(e->rate_timer))
        evl_timer_arm(e->rate_timer, ms ? ms : 1);
}

/* The head request done: the next one, and more input if it was paused. */
static void pop_request(struct egdcli *cl)
{
    cl->q_head = (cl->q_head + 1) % EGD_QUEUE;
    cl->q_len--;
    cl->pending = 0;
    if (cl->paused) {
        cl->paused = false;
        srv_conn_resume(cl->c);
    }
}

/* A reply that needs no waiting: 0x00, 0x01, 0x04.  -EPIPE: cl is gone. */
static int answer(struct egdcli *cl, const struct egdreq *r)
{
    uint8_t out[EGD_PID_REPLY_MAX > EGD_AVAIL_REPLY ? EGD_PID_REPLY_MAX : EGD_AVAIL_REPLY];
    int n;
    switch (r->cmd) {
    case EGD_CMD_AVAIL:
        n = egd_reply_avail((uint64_t)readybuf_len(cl->e->rb) * 8u, out);
        return send_data(cl, out, (size_t)n, 0);
    case EGD_CMD_READ_NB:
        n = (int)grant(cl, r->count);
        out[0] = (uint8_t)n;
        return send_data(cl, out, 1, (size_t)n);
    default: /* EGD_CMD_PID */
        n = egd_reply_pid(getpid(), out, sizeof(out));
        return n > 0 ? send_data(cl, out, (size_t)n, 0) : 0;
    }
}

/* Answers the requests at the head of cl's queue up to its next blocking
 * read (which then waits its turn).  -EPIPE: cl is gone. */
static int answer_heads(struct egdcli *cl)
{
    while (cl->q_len > 0) {
        const struct egdreq *r = &cl->q[cl->q_head];
        if (r->cmd == EGD_CMD_READ_BLOCK && r->count > 0)
            return 0;
        if (r->cmd != EGD_CMD_READ_BLOCK && answer(cl, r) < 0)
            return -EPIPE;
        pop_request(cl);
    }
    return 0;
}

static void wq_push_front(struct egdsrv *e, struct egdcli *cl)
{
    cl->next = e->wq_head;
    cl->queued = true;
    e->wq_n++;
    e->wq_head = cl;
    if (!e->wq_tail)
        e->wq_tail = cl;
}

/* Serve the blocking reads round robin: each client in turn gets its read
 * (what is ready of it, within its rate), then the replies behind it that
 * need no waiting, and goes to the back.  A read cut short because nothing
 * more is ready stays at the front: it finishes its turn first. */
static void serve(struct egdsrv *e)
{
    while (e->wq_head && readybuf_len(e->rb) > 0) {
        struct egdcli *cl = wq_pop(e);
        if (cl->pending == 0)
            cl->pending = cl->q[cl->q_head].count;
        size_t n = grant(cl, cl->pending);
        if (n == 0) { /* data is ready: out of tokens */
            rate_wait(e, cl);
            continue;
        }
        if (send_data(cl, NULL, 0, n) < 0)
            continue;
        cl->pending -= (unsigned)n;
        if (cl->pending > 0) {
            if (readybuf_len(e->rb) == 0)
                wq_push_front(e, cl);
            else
                rate_wait(e, cl);
            continue;
        }
        pop_request(cl);
        if (answer_heads(cl) == 0 && cl->q_len > 0)
            wq_push(e, cl);
    }
    readybuf_refill(e->rb);
}

static void on_rate_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct egdsrv *e = ud;
    struct egdcli *cl = e->rq;
    e->rq = NULL;
    while (cl) { /* back into the wait queue, in their order */
        struct egdcli *next = cl->next;
        wq_push(e, cl);
        cl = next;
    }
    serve(e);
}

static void on_ready(void *ud)
{
    serve(ud);
}

/* ---- requests ------------------------------------------------------------ */

static ssize_t egd_frame(void *ud, const uint8_t *buf, size_t len)
{
    struct egd_request req;
    const char *why = NULL;
    int r = egd_parse(buf, len, &req, NULL, &why);
    if (r == -EAGAIN)
        return 0;
    if (r < 0) {
        log_msg(1, "egd: a client sent %s (0x%02x): closed", why ? why : "garbage", buf[0]);
        return -1;
    }
    return (ssize_t)req.size;
}

static void egd_request(void *ud, struct srv_conn *c, const uint8_t *buf, size_t len)
{
    struct egdsrv *e = ud;
    struct egdcli *cl = srv_conn_data(c);
    struct egd_request req;
    if (egd_parse(buf, len, &req, NULL, NULL) < 0)
        return;
    sink_count_request(e->sink);
    if (req.cmd == EGD_CMD_WRITE) { /* no reply: its place in the order does not matter */
        sink_count_refusal(e->sink);
        log_msg(3, "egd: client %llu: a write of %u bytes refused", (unsigned long long)srv_conn_id(c),
                req.count);
        return;
    }
    cl->q[(cl->q_head + cl->q_len) % EGD_QUEUE] = (struct egdreq){ (uint8_t)req.cmd,
                                                                   (uint8_t)req.count };
    if (++cl->q_len == EGD_QUEUE) {
        cl->paused = true;
        srv_conn_pause(c);
    }
    if (cl->queued) /* behind a read waiting its turn */
        return;
    if (answer_heads(cl) < 0)
        return;
    if (cl->q_len > 0)
        wq_push(e, cl);
    serve(e);
}

static void egd_opened(void *ud, struct srv_conn *c)
{
    struct egdsrv *e = ud;
    struct egdcli *cl = calloc(1, sizeof(*cl));
    if (!cl) {
        srv_conn_drop(c);
        return;
    }
    cl->e = e;
    cl->c = c;
    uint64_t burst = e->rate > EGD_MAX_COUNT ? e->rate : EGD_MAX_COUNT;
    tbucket_init(&cl->tb, e->rate, e->rate ? burst : 0, now_ns());
    srv_conn_set_data(c, cl);
}

static bool unlink_from(struct egdcli **head, struct egdcli **tail, struct egdcli *cl)
{
    struct egdcli *prev = NULL;
    for (struct egdcli *p = *head; p; prev = p, p = p->next) {
        if (p != cl)
            continue;
        if (prev)
            prev->next = p->next;
        else
            *head = p->next;
        if (tail && *tail == p)
            *tail = prev;
        return true;
    }
    return false;
}

static void egd_closed(void *ud, struct srv_conn *c, enum srv_end why)
{
    struct egdsrv *e = ud;
    struct egdcli *cl = srv_conn_data(c);
    if (!cl)
        return;
    if (cl->queued) {
        if (unlink_from(&e->wq_head, &e->wq_tail, cl))
            e->wq_n--;
        unlink_from(&e->rq, NULL, cl);
    }
    srv_conn_set_data(c, NULL);
    if (e->sending == cl)
        cl->gone = true; /* send_data frees it */
    else
        free(cl);
}

static const struct srv_ops egd_ops = {
    .frame = egd_frame,
    .request = egd_request,
    .opened = egd_opened,
    .closed = egd_closed,
};

/* ---- addresses and life -------------------------------------------------- */

static int listen_all(struct egdsrv *e, const struct egdsrv_cfg *cfg, char *err, size_t errlen)
{
    char *copy = strdup(cfg->addrs), *save = NULL;
    int r = 0;
    if (!copy)
        return -ENOMEM;
    for (char *a = strtok_r(copy, ",", &save); a && r == 0; a = strtok_r(NULL, ",", &save)) {
        if (strncmp(a, "unix:", 5) == 0) {
            if ((r = ctlpath_open_dir(a + 5, err, errlen)) == 0)
                r = srv_listen_unix(e->srv, a + 5, cfg->group, err, errlen);
        }
        else
            r = srv_listen_tcp(e->srv, a + 4, cfg->freebind, err, errlen);
    }
    free(copy);
    return r;
}

int egdsrv_new(struct evl *loop, const struct egdsrv_cfg *cfg, struct egdsrv **out, char *err,
               size_t errlen)
{
    struct egdsrv *e = calloc(1, sizeof(*e));
    int r = -ENOMEM;
    if (!e)
        goto fail;
    e->loop = loop;
    e->rate = cfg->rate;
    if ((r = egd_check_addrs(cfg->addrs, err, errlen)) < 0)
        goto fail_logged;
    if (e->rate > TBUCKET_MAX_RATE) {
        snprintf(err, errlen, "rate %llu: over %llu bytes/s", (unsigned long long)e->rate,
                 (unsigned long long)TBUCKET_MAX_RATE);
        r = -EINVAL;
        goto fail_logged;
    }
    const struct srv_cfg sc = {
        .name = "egd",
        .max_request = EGD_MAX_REQUEST,
        .max_clients = EGDSRV_MAX_CLIENTS,
        .idle_ms = EGD_IDLE_MS,
        .max_output = EGD_MAX_OUTPUT,
        .backlog = EGDSRV_MAX_CLIENTS,
        .ops = &egd_ops,
        .ud = e,
    };
    if ((r = evl_timer_new(loop, on_rate_timer, e, &e->rate_timer)) < 0 ||
        (r = srv_new(loop, &sc, &e->srv)) < 0 ||
        (r = readybuf_new(cfg->pool, cfg->mons, "egd", "EGD", EGD_READY, on_ready, e, &e->rb)) < 0)
        goto fail;
    e->sink = readybuf_sink(e->rb);
    if ((r = readybuf_tee_env(e->rb, EGDSRV_ENV_TEE, err, errlen)) < 0 ||
        (r = listen_all(e, cfg, err, errlen)) < 0)
        goto fail_logged;
    readybuf_refill(e->rb);
    *out = e;
    return 0;
fail:
    snprintf(err, errlen, "%s", strerror(-r));
fail_logged:
    egdsrv_free(e);
    return r;
}

void egdsrv_free(struct egdsrv *e)
{
    if (!e)
        return;
    srv_free(e->srv); /* every client closed first (egd_closed) */
    readybuf_free(e->rb);
    evl_timer_free(e->rate_timer);
    free(e);
}

const struct srv *egdsrv_srv(const struct egdsrv *e)
{
    return e->srv;
}

size_t egdsrv_ready(const struct egdsrv *e)
{
    return readybuf_len(e->rb);
}

size_t egdsrv_waiting(const struct egdsrv *e)
{
    size_t n = e->wq_n;
    for (const struct egdcli *cl = e->rq; cl; cl = cl->next)
        n++;
    return n;
}
