/* conn: bbctl's control socket connection. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"

struct conn {
    char *addr;
    int fd;
    char *buf;       /* received bytes */
    size_t len, cap; /* bytes in buf, its size */
    size_t consumed; /* bytes of buf already returned (the last reply + NUL) */
    char err[512];
};

uint64_t conn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int conn_new(const char *addr, struct conn **out)
{
    struct conn *c = calloc(1, sizeof(*c));
    if (!c || !(c->addr = strdup(addr))) {
        free(c);
        return -ENOMEM;
    }
    c->fd = -1;
    *out = c;
    return 0;
}

void conn_close(struct conn *c)
{
    if (c && c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    if (c)
        c->len = c->consumed = 0;
}

void conn_free(struct conn *c)
{
    if (!c)
        return;
    conn_close(c);
    free(c->buf);
    free(c->addr);
    free(c);
}

const char *conn_error(const struct conn *c)
{
    return c->err;
}

int conn_absent(int r)
{
    return r == -ENOENT || r == -ECONNREFUSED || r == -EPIPE || r == -ECONNRESET ||
           r == -ENOTCONN || r == -ECONNABORTED;
}

static int set_err(struct conn *c, int r, const char *what)
{
    snprintf(c->err, sizeof(c->err), "%s %s: %s", what, c->addr, strerror(-r));
    return r;
}

static int open_unix(struct conn *c)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(c->addr) >= sizeof(sa.sun_path))
        return set_err(c, -ENAMETOOLONG, "cannot connect to");
    strcpy(sa.sun_path, c->addr);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return set_err(c, -errno, "cannot connect to");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int r = -errno;
        close(fd);
        return set_err(c, r, "cannot connect to");
    }
    c->fd = fd;
    return 0;
}

/* tcp:HOST:PORT, HOST may be [v6]. */
static int open_tcp(struct conn *c)
{
    char host[256];
    const char *hp = c->addr + 4, *colon = strrchr(hp, ':');
    if (!colon || colon == hp || !colon[1] || (size_t)(colon - hp) >= sizeof(host)) {
        snprintf(c->err, sizeof(c->err), "bad address %s (tcp:HOST:PORT)", c->addr);
        return -EINVAL;
    }
    memcpy(host, hp, (size_t)(colon - hp));
    host[colon - hp] = 0;
    char *h = host;
    size_t hl = strlen(h);
    if (hl > 2 && h[0] == '[' && h[hl - 1] == ']') {
        h[hl - 1] = 0;
        h++;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
    int g = getaddrinfo(h, colon + 1, &hints, &ai);
    if (g) {
        snprintf(c->err, sizeof(c->err), "cannot resolve %s: %s", c->addr, gai_strerror(g));
        return -EHOSTUNREACH;
    }
    int r = -ECONNREFUSED;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            r = -errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            c->fd = fd;
            r = 0;
            break;
        }
        r = -errno;
        close(fd);
    }
    freeaddrinfo(ai);
    return r ? set_err(c, r, "cannot connect to") : 0;
}

int conn_open(struct conn *c)
{
    if (c->fd >= 0)
        return 0;
    c->len = c->consumed = 0;
    return strncmp(c->addr, "tcp:", 4) == 0 ? open_tcp(c) : open_unix(c);
}

static int wait_fd(struct conn *c, short ev, uint64_t deadline_ms)
{
    for (;;) {
        uint64_t now = conn_now_ms();
        if (now >= deadline_ms)
            return -ETIMEDOUT;
        uint64_t left = deadline_ms - now;
        struct pollfd p = { .fd = c->fd, .events = ev };
        int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

static int send_all(struct conn *c, const char *p, size_t n, uint64_t deadline_ms)
{
    while (n) {
        int r = wait_fd(c, POLLOUT, deadline_ms);
        if (r)
            return r;
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Drop the last reply; 1 and *end when a NUL is already buffered. */
static int buffered(struct conn *c, size_t *end)
{
    if (c->consumed) {
        memmove(c->buf, c->buf + c->consumed, c->len - c->consumed);
        c->len -= c->consumed;
        c->consumed = 0;
    }
    char *z = c->len ? memchr(c->buf, 0, c->len) : NULL;
    if (!z)
        return 0;
    *end = (size_t)(z - c->buf);
    return 1;
}

static int recv_frame(struct conn *c, uint64_t deadline_ms, size_t *end)
{
    while (!buffered(c, end)) {
        if (c->len >= CTLCLIENT_MAX_REPLY)
            return -EMSGSIZE;
        if (c->cap - c->len < 65536) {
            size_t cap = c->cap ? c->cap * 2 : 131072;
            if (cap > CTLCLIENT_MAX_REPLY + 1)
                cap = CTLCLIENT_MAX_REPLY + 1;
            char *b = realloc(c->buf, cap);
            if (!b)
                return -ENOMEM;
            c->buf = b;
            c->cap = cap;
        }
        int r = wait_fd(c, POLLIN, deadline_ms);
        if (r)
            return r;
        size_t want = c->cap - c->len;
        if (c->len + want > CTLCLIENT_MAX_REPLY)
            want = CTLCLIENT_MAX_REPLY - c->len;
        ssize_t n = recv(c->fd, c->buf + c->len, want, MSG_DONTWAIT);
        if (n == 0)
            return -EPIPE;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -errno;
        }
        c->len += (size_t)n;
    }
    return 0;
}

int conn_call(struct conn *c, const char *req, uint64_t deadline_ms, const char **reply,
              size_t *len)
{
    int r = conn_open(c);
    if (r)
        return r;
    r = send_all(c, req, strlen(req) + 1, deadline_ms);
    size_t end = 0;
    if (!r)
        r = recv_frame(c, deadline_ms, &end);
    if (r) {
        if (r == -ETIMEDOUT)
            snprintf(c->err, sizeof(c->err), "no reply from %s in time", c->addr);
        else if (r == -EMSGSIZE)
            snprintf(c->err, sizeof(c->err), "reply from %s larger than %u MiB", c->addr,
                     CTLCLIENT_MAX_REPLY >> 20);
        else if (r == -EPIPE)
            snprintf(c->err, sizeof(c->err), "%s closed the connection", c->addr);
        else
            set_err(c, r, "lost the connection to");
        conn_close(c);
        return r;
    }
    *reply = c->buf;
    *len = end;
    c->consumed = end + 1;
    return 0;
}
