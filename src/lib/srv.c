/* srv: listeners and connections on the event loop.  See srv.h. */
#include "srv.h"
#include "srv_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evl.h"
#include "log.h"

#define ACCEPTS_PER_WAKEUP 16
#define RETRY_FIRST_MS 100
#define RETRY_MAX_MS 2000

struct listener {
    int fd;
    char *path; /* unix: removed at the end while still ours */
    dev_t dev;
    ino_t ino;
    struct listener *next;
};

struct srv_conn {
    struct srv *s;
    int fd;
    uint64_t id;
    uint8_t *in;
    size_t in_len;
    bool skipping;    /* discarding the rest of an oversize request */
    uint8_t *out;
    size_t out_off, out_len, out_cap;
    struct evl_timer *idle;
    struct evl_timer *kick; /* srv_conn_resume */
    uint64_t last_in;       /* ms: last input (or start, or resume) */
    uint64_t out_since;     /* ms: last output progress with a queue */
    bool paused, eof, ended;
    uint32_t events;        /* registered with the loop */
    void *data;
    struct srv_conn *next;
};

struct srv {
    struct evl *loop;
    struct srv_cfg cfg;
    char *name;
    struct srv_ops ops;
    struct listener *listeners;
    struct srv_conn *conns; /* live */
    struct srv_conn *dead;  /* ended, freed by reap */
    struct evl_timer *reap;
    struct evl_timer *retry;
    bool full;              /* max_clients reached: not accepting */
    bool backing_off;       /* accept() failed: not accepting until retry */
    unsigned retry_ms;
    uint64_t failed_accepts; /* in the current episode */
    uint64_t next_id;
    struct srv_stats st;
};

static const char *const end_names[SRV_END_N] = {
    [SRV_END_CLOSED] = "closed",     [SRV_END_STOPPED] = "stopped",
    [SRV_DROP_IDLE] = "idle",        [SRV_DROP_STALLED] = "stalled",
    [SRV_DROP_OUTPUT] = "output",    [SRV_DROP_OVERSIZE] = "oversize",
    [SRV_DROP_PROTO] = "protocol",   [SRV_DROP_IO] = "io",
    [SRV_DROP_SERVICE] = "service",
};

const char *srv_end_name(enum srv_end why)
{
    return (unsigned)why < SRV_END_N ? end_names[why] : "?";
}

static size_t queued(const struct srv_conn *c)
{
    return c->out_len - c->out_off;
}

/* ---- listeners ------------------------------------------------------------ */

static void update_listeners(struct srv *s)
{
    uint32_t ev = s->full || s->backing_off ? 0 : EPOLLIN;
    for (struct listener *l = s->listeners; l; l = l->next)
        evl_mod_fd(s->loop, l->fd, ev);
}

/* ---- connections ---------------------------------------------------------- */

static void set_events(struct srv_conn *c)
{
    uint32_t ev = (c->paused || c->eof ? 0 : EPOLLIN) | (queued(c) ? EPOLLOUT : 0);
    if (ev != c->events && evl_mod_fd(c->s->loop, c->fd, ev) == 0)
        c->events = ev;
}

static void end_conn(struct srv_conn *c, enum srv_end why)
{
    struct srv *s = c->s;
    if (c->ended)
        return;
    c->ended = true;
    if (s->ops.closed)
        s->ops.closed(s->cfg.ud, c, why);
    evl_del_fd(s->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    evl_timer_disarm(c->idle);
    evl_timer_disarm(c->kick);
    for (struct srv_conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    c->next = s->dead;
    s->dead = c;
    s->st.clients--;
    s->st.ended[why]++;
    if (why == SRV_END_CLOSED || why == SRV_END_STOPPED)
        log_msg(3, "%s: client %llu %s", s->name, (unsigned long long)c->id, end_names[why]);
    else
        log_msg(1, "%s: client %llu dropped (%s)", s->name, (unsigned long long)c->id,
                end_names[why]);
    if (why != SRV_END_STOPPED)
        evl_timer_arm(s->reap, 0);
    if (s->full && s->st.clients < s->cfg.max_clients) {
        s->full = false;
        update_listeners(s);
    }
}

static void free_conn(struct srv_conn *c)
{
    evl_timer_free(c->idle);
    evl_timer_free(c->kick);
    free(c->in);
    free(c->out);
    free(c);
}

static void on_reap(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct srv *s = ud;
    while (s->dead) {
        struct srv_conn *c = s->dead;
        s->dead = c->next;
        free_conn(c);
    }
}

/* Write what the socket takes.  0, or -EPIPE if the connection ended. */
static int flush(struct srv_conn *c)
{
    while (queued(c)) {
        ssize_t n = write(c->fd, c->out + c->out_off, queued(c));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            end_conn(c, SRV_DROP_IO);
            return -EPIPE;
        }
        c->out_off += (size_t)n;
        c->s->st.bytes_out += (uint64_t)n;
        c->out_since = evl_now_ms();
    }
    if (!queued(c))
        c->out_off = c->out_len = 0;
    set_events(c);
    if (c->eof && !c->paused && !queued(c))
        end_conn(c, SRV_END_CLOSED);
    return c->ended ? -EPIPE : 0;
}

static int append(struct srv_conn *c, const void *buf, size_t len)
{
    if (c->out_off) {
        memmove(c->out, c->out + c->out_off, queued(c));
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    if (c->out_len + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + len)
            cap *= 2;
        uint8_t *p = realloc(c->out, cap);
        if (!p)
            return -ENOMEM;
        c->out = p;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += len;
    return 0;
}

int srv_conn_send(struct srv_conn *c, const void *buf, size_t len)
{
    if (c->ended)
        return -EPIPE;
    /* A queue already over the bound: the client does not read.  (One
     * reply may take it over: a big reply to a reading client is fine.) */
    if (queued(c) > c->s->cfg.max_output) {
        end_conn(c, SRV_DROP_OUTPUT);
        return -EPIPE;
    }
    if (!queued(c))
        c->out_since = evl_now_ms();
    if (append(c, buf, len) < 0) {
        log_msg(0, "%s: client %llu: out of memory", c->s->name, (unsigned long long)c->id);
        end_conn(c, SRV_DROP_IO);
        return -EPIPE;
    }
    return flush(c);
}

size_t srv_conn_queued(const struct srv_conn *c)
{
    return queued(c);
}

void srv_conn_drop(struct srv_conn *c)
{
    end_conn(c, SRV_DROP_SERVICE);
}

static void consume(struct srv_conn *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* Hand over every whole request buffered; an overfull buffer is oversize. */
static void process(struct srv_conn *c)
{
    struct srv *s = c->s;
    while (!c->ended && !c->paused && c->in_len > 0) {
        ssize_t n = s->ops.frame(s->cfg.ud, c->in, c->in_len);
        if (n == 0)
            break;
        if (n < 0 || (size_t)n > c->in_len) {
            end_conn(c, SRV_DROP_PROTO);
            return;
        }
        if (c->skipping) {
            c->skipping = false;
        } else {
            s->st.requests++;
            s->ops.request(s->cfg.ud, c, c->in, (size_t)n);
        }
        consume(c, (size_t)n);
    }
    if (c->ended || c->paused || c->in_len < s->cfg.max_request)
        return;
    if (!c->skipping) {
        s->st.oversize++;
        if (!s->ops.oversize) {
            end_conn(c, SRV_DROP_OVERSIZE);
            return;
        }
        s->ops.oversize(s->cfg.ud, c, c->in, c->in_len);
        c->skipping = true;
    }
    c->in_len = 0;
}

static void read_some(struct srv_conn *c)
{
    struct srv *s = c->s;
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, s->cfg.max_request - c->in_len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            end_conn(c, SRV_DROP_IO);
        return;
    }
    if (n == 0) {
        /* The client sent all it will; it may still read its replies. */
        c->eof = true;
        set_events(c);
        if (!c->paused && !queued(c))
            end_conn(c, SRV_END_CLOSED);
        return;
    }
    c->in_len += (size_t)n;
    s->st.bytes_in += (uint64_t)n;
    c->last_in = evl_now_ms();
    process(c);
}

static void on_conn_io(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct srv_conn *c = ud;
    if ((events & EPOLLOUT) && flush(c) < 0)
        return;
    if (c->ended || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        return;
    if (!c->paused && !c->eof)
        read_some(c);
    else if (events & (EPOLLHUP | EPOLLERR))
        end_conn(c, events & EPOLLERR ? SRV_DROP_IO : SRV_END_CLOSED); /* no reader left */
}

/* Idle or stalled?  Deadlines only move later, so the timer fires at or
 * before the current one and is re-armed for the rest. */
static void on_idle(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct srv_conn *c = ud;
    uint64_t idle = c->s->cfg.idle_ms, now = evl_now_ms(), due;
    enum srv_end why;
    if (queued(c)) {
        due = c->out_since + idle;
        why = SRV_DROP_STALLED;
    } else if (c->paused) {
        evl_timer_arm(t, idle); /* waiting for us, not for the client */
        return;
    } else {
        due = c->last_in + idle;
        why = SRV_DROP_IDLE;
    }
    if (now >= due)
        end_conn(c, why);
    else
        evl_timer_arm(t, due - now);
}

static void on_kick(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct srv_conn *c = ud;
    process(c);
    if (c->ended)
        return;
    set_events(c);
    if (c->eof && !c->paused && !queued(c))
        end_conn(c, SRV_END_CLOSED);
}

void srv_conn_pause(struct srv_conn *c)
{
    if (c->ended || c->paused)
        return;
    c->paused = true;
    set_events(c);
}

void srv_conn_resume(struct srv_conn *c)
{
    if (c->ended || !c->paused)
        return;
    c->paused = false;
    c->last_in = evl_now_ms();
    evl_timer_arm(c->kick, 0);
}

bool srv_conn_ended(const struct srv_conn *c)
{
    return c->ended;
}

void srv_conn_set_data(struct srv_conn *c, void *data)
{
    c->data = data;
}

void *srv_conn_data(const struct srv_conn *c)
{
    return c->data;
}

uint64_t srv_conn_id(const struct srv_conn *c)
{
    return c->id;
}

static int add_conn(struct srv *s, int fd)
{
    struct srv_conn *c = calloc(1, sizeof(*c));
    int r = -ENOMEM;
    if (!c || !(c->in = malloc(s->cfg.max_request)))
        goto fail;
    c->s = s;
    c->fd = fd;
    if ((r = evl_timer_new(s->loop, on_idle, c, &c->idle)) < 0 ||
        (r = evl_timer_new(s->loop, on_kick, c, &c->kick)) < 0 ||
        (r = evl_add_fd(s->loop, fd, EPOLLIN, on_conn_io, c)) < 0)
        goto fail;
    c->events = EPOLLIN;
    c->id = ++s->next_id;
    c->last_in = evl_now_ms();
    evl_timer_arm(c->idle, s->cfg.idle_ms);
    c->next = s->conns;
    s->conns = c;
    s->st.clients++;
    s->st.accepted++;
    log_msg(3, "%s: client %llu connected", s->name, (unsigned long long)c->id);
    if (s->st.clients >= s->cfg.max_clients) {
        s->full = true;
        s->st.full++;
        log_msg(2, "%s: %zu clients: not accepting more until one leaves", s->name,
                s->cfg.max_clients);
        update_listeners(s);
    }
    if (s->ops.opened)
        s->ops.opened(s->cfg.ud, c);
    return 0;
fail:
    if (c)
        free_conn(c);
    close(fd);
    return r;
}

/* ---- accepting ------------------------------------------------------------ */

/* Errors of the one connection that was to be accepted (accept(2)): the
 * next one may be fine. */
static bool per_connection(int e)
{
    switch (e) {
    case ECONNABORTED: case EPROTO: case EPERM: case ENETDOWN: case ENOPROTOOPT:
    case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
        return true;
    default:
        return false;
    }
}

static void accept_failed(struct srv *s, int e)
{
    s->st.accept_errors++;
    if (s->failed_accepts++ == 0)
        log_msg(0, "%s: accept: %s; retrying in %u ms (until it works; further errors only "
                "counted)", s->name, strerror(e), s->retry_ms);
    s->backing_off = true;
    update_listeners(s);
    evl_timer_arm(s->retry, s->retry_ms);
    s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
}

static void accepted_again(struct srv *s)
{
    if (s->failed_accepts)
        log_msg(1, "%s: accepting again (after %llu failed accept() calls)", s->name,
                (unsigned long long)s->failed_accepts);
    s->failed_accepts = 0;
    s->retry_ms = RETRY_FIRST_MS;
}

static void on_retry(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct srv *s = ud;
    s->backing_off = false;
    update_listeners(s);
}

static void on_listener(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct srv *s = ud;
    for (int i = 0; i < ACCEPTS_PER_WAKEUP && !s->full && !s->backing_off; i++) {
        int c = s->cfg.accept_fn(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c >= 0) {
            accepted_again(s);
            if (add_conn(s, c) < 0)
                log_msg(0, "%s: cannot take a client: out of memory", s->name);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        if (errno == EINTR)
            continue;
        if (per_connection(errno)) {
            s->st.accept_errors++;
            continue;
        }
        accept_failed(s, errno);
    }
}

static int add_listener(struct srv *s, int fd, const char *path, dev_t dev, ino_t ino)
{
    struct listener *l = calloc(1, sizeof(*l));
    if (!l || (path && !(l->path = strdup(path)))) {
        free(l);
        return -ENOMEM;
    }
    l->fd = fd;
    l->dev = dev;
    l->ino = ino;
    int r = evl_add_fd(s->loop, fd, s->full || s->backing_off ? 0 : EPOLLIN, on_listener, s);
    if (r < 0) {
        free(l->path);
        free(l);
        return r;
    }
    l->next = s->listeners;
    s->listeners = l;
    return 0;
}

int srv_listen_unix(struct srv *s, const char *path, gid_t group, char *err, size_t errlen)
{
    int fd;
    dev_t dev;
    ino_t ino;
    int r = srv_sock_unix(path, group, s->cfg.backlog, &fd, &dev, &ino, err, errlen);
    if (r < 0)
        return r;
    if ((r = add_listener(s, fd, path, dev, ino)) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(-r));
        srv_sock_unlink(path, dev, ino);
        close(fd);
        return r;
    }
    log_msg(2, "%s: listening on %s", s->name, path);
    return 0;
}

int srv_listen_tcp(struct srv *s, const char *hostport, bool freebind, char *err, size_t errlen)
{
    int fd;
    int r = srv_bind_inet(hostport, SOCK_STREAM, freebind, &fd, err, errlen);
    if (r < 0)
        return r;
    if (listen(fd, s->cfg.backlog) < 0)
        r = -errno;
    else
        r = add_listener(s, fd, NULL, 0, 0);
    if (r < 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", hostport, strerror(-r));
        close(fd);
        return r;
    }
    log_msg(2, "%s: listening on tcp:%s", s->name, hostport);
    return 0;
}

/* ---- the service ---------------------------------------------------------- */

int srv_new(struct evl *loop, const struct srv_cfg *cfg, struct srv **out)
{
    struct srv *s = calloc(1, sizeof(*s));
    int r = -ENOMEM;
    if (!s)
        return -ENOMEM;
    s->loop = loop;
    s->cfg = *cfg;
    s->ops = *cfg->ops;
    if (!s->cfg.max_request)
        s->cfg.max_request = SRV_MAX_REQUEST;
    if (!s->cfg.max_clients)
        s->cfg.max_clients = SRV_MAX_CLIENTS;
    if (!s->cfg.idle_ms)
        s->cfg.idle_ms = SRV_IDLE_MS;
    if (!s->cfg.max_output)
        s->cfg.max_output = SRV_MAX_OUTPUT;
    if (s->cfg.backlog <= 0)
        s->cfg.backlog = SRV_BACKLOG;
    if (!s->cfg.accept_fn)
        s->cfg.accept_fn = accept4;
    s->retry_ms = RETRY_FIRST_MS;
    if (!(s->name = strdup(cfg->name ? cfg->name : "server")) ||
        (r = evl_timer_new(loop, on_reap, s, &s->reap)) < 0 ||
        (r = evl_timer_new(loop, on_retry, s, &s->retry)) < 0) {
        srv_free(s);
        return r;
    }
    *out = s;
    return 0;
}

void srv_free(struct srv *s)
{
    if (!s)
        return;
    while (s->conns)
        end_conn(s->conns, SRV_END_STOPPED);
    on_reap(s->loop, s->reap, s);
    while (s->listeners) {
        struct listener *l = s->listeners;
        s->listeners = l->next;
        evl_del_fd(s->loop, l->fd);
        close(l->fd);
        if (l->path)
            srv_sock_unlink(l->path, l->dev, l->ino);
        free(l->path);
        free(l);
    }
    evl_timer_free(s->reap);
    evl_timer_free(s->retry);
    free(s->name);
    free(s);
}

void srv_get_stats(const struct srv *s, struct srv_stats *out)
{
    *out = s->st;
}

const char *srv_name(const struct srv *s)
{
    return s->name;
}
