/* metrics: the Prometheus endpoint on libmicrohttpd.  See metrics.h. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "evl.h"
#include "listenaddr.h"
#include "log.h"
#include "promfmt.h"
#include "sources.h"

struct metrics {
    struct evl *loop;
    struct MHD_Daemon *mhd;
    int epfd;                  /* MHD's epoll fd, watched by evl; -1: none */
    struct evl_timer *timer;   /* MHD_get_timeout() */
    bool prepared;             /* the prepare hook is added */
    struct metrics_cfg cfg;
    unsigned port;
};

/* ---- the address ----------------------------------------------------------- */

/* The address to bind: host empty: 127.0.0.1. */
static int resolve(const char *host, unsigned port, struct sockaddr_storage *sa, bool *v6)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
    struct addrinfo *res = NULL;
    char serv[8];
    snprintf(serv, sizeof(serv), "%u", port);
    int r = getaddrinfo(*host ? host : "127.0.0.1", serv, &hints, &res);
    if (r != 0)
        return r == EAI_MEMORY ? -ENOMEM : -EADDRNOTAVAIL;
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

/* ---- requests -------------------------------------------------------------- */

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text,
                                  bool allow)
{
    struct MHD_Response *rsp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!rsp)
        return MHD_NO;
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    if (allow)
        MHD_add_response_header(rsp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result r = MHD_queue_response(c, status, rsp);
    MHD_destroy_response(rsp);
    return r;
}

/* A snapshot of the introspection API, rendered. */
static int render(const struct metrics *m, char **body, size_t *len)
{
    const struct metrics_cfg *c = &m->cfg;
    size_t n = c->sources ? sources_count(c->sources) : 0;
    struct sources_devstat *devs = calloc(n ? n : 1, sizeof(*devs));
    struct kfeed_info ki;
    int r = -ENOMEM;
    if (!devs)
        goto out;
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        if (sources_get(c->sources, i, &devs[nd]) == 0)
            nd++;
    }
    if (c->kfeed)
        kfeed_get_info(c->kfeed, &ki);
    uint64_t now = evl_now_ms();
    const struct promfmt_input in = {
        .version = c->version,
        .uptime_ms = now - c->t0_ms,
        .now_ms = now,
        .devices = devs,
        .n_devices = nd,
        .monitors = c->monitors,
        .pool = c->pool,
        .kernel = c->kfeed ? &ki : NULL,
    };
    r = promfmt_render(&in, body, len);
out:
    free(devs);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    struct metrics *m = cls;
    if (strcmp(url, "/metrics") != 0)
        return reply_text(c, MHD_HTTP_NOT_FOUND, "Not found: only /metrics is served\n", false);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed\n", true);
    char *body;
    size_t len;
    if (render(m, &body, &len) < 0)
        return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "Out of memory\n", false);
    struct MHD_Response *rsp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!rsp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(rsp, MHD_HTTP_HEADER_CONTENT_TYPE, PROMFMT_CONTENT_TYPE);
    enum MHD_Result r = MHD_queue_response(c, MHD_HTTP_OK, rsp);
    MHD_destroy_response(rsp);
    return r;
}

/* ---- the event loop --------------------------------------------------------- */

static unsigned n_connections(struct metrics *m)
{
    const union MHD_DaemonInfo *i =
        MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 0;
}

/* MHD takes its listening socket out of its epoll set while at the
 * connection limit (or out of descriptors) and puts it back only at the
 * start of a later MHD_run(), which no fd or timeout would then ask for:
 * so once a run has closed a connection, run again (the listening socket's
 * backlog is then seen). */
static void run(struct metrics *m)
{
    for (int i = 0; i < 2; i++) {
        unsigned before = n_connections(m);
        if (MHD_run(m->mhd) != MHD_YES) {
            log_msg(1, "metrics: HTTP processing failed");
            return;
        }
        if (n_connections(m) >= before)
            return;
    }
}

static void on_epoll(struct evl *loop, int fd, uint32_t events, void *ud)
{
    run(ud);
}

/* Before every wait: MHD's next timeout (an idle connection's, or 0 when it
 * has work pending that no fd will announce). */
static void on_prepare(struct evl *loop, void *ud)
{
    struct metrics *m = ud;
    MHD_UNSIGNED_LONG_LONG ms;
    if (MHD_get_timeout(m->mhd, &ms) == MHD_YES)
        evl_timer_arm(m->timer, ms);
    else
        evl_timer_disarm(m->timer);
}

/* The timer is dispatched after the prepare hooks, so its run is followed
 * by a wait without them: it re-arms itself.  MHD may answer 0 again (work
 * it does in steps, such as refusing a request head that is too large);
 * the loop then runs it again after polling its fds without waiting. */
static void on_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    run(ud);
    on_prepare(loop, ud);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[256];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_msg(3, "metrics: %s", msg);
}

/* Not MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it sets SO_REUSEPORT
 * too, and a second seedd would then share the port instead of failing. */
static int start_mhd(struct metrics *m, const struct sockaddr_storage *sa, bool v6)
{
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    m->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, m, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, m,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)sa, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)METRICS_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)METRICS_IDLE_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)METRICS_CONN_MEMORY, MHD_OPTION_END);
    if (!m->mhd)
        return errno ? -errno : -EADDRNOTAVAIL;
    const union MHD_DaemonInfo *fdi = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    const union MHD_DaemonInfo *pi = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_BIND_PORT);
    if (!fdi || fdi->epoll_fd < 0 || !pi)
        return -ENOTSUP;
    m->port = pi->port;
    return 0;
}

int metrics_new(struct evl *loop, const struct metrics_cfg *cfg, struct metrics **out)
{
    char host[256];
    unsigned port;
    struct sockaddr_storage sa;
    bool v6 = false;
    int r;
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->loop = loop;
    m->cfg = *cfg;
    m->epfd = -1;
    if ((r = listenaddr_parse(cfg->listen, host, sizeof(host), &port)) < 0 ||
        (r = resolve(host, port, &sa, &v6)) < 0) {
        log_msg(0, "--metrics '%s': not an address to listen on", cfg->listen);
        goto fail;
    }
    errno = 0;
    if ((r = start_mhd(m, &sa, v6)) < 0) {
        log_msg(0, "--metrics '%s': cannot listen: %s", cfg->listen, strerror(-r));
        goto fail;
    }
    int epfd = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
    if ((r = evl_timer_new(loop, on_timer, m, &m->timer)) < 0 ||
        (r = evl_add_fd(loop, epfd, EPOLLIN, on_epoll, m)) < 0)
        goto fail_loop;
    m->epfd = epfd;
    if ((r = evl_add_prepare(loop, on_prepare, m)) < 0)
        goto fail_loop;
    m->prepared = true;
    log_msg(2, "Serving metrics on %s%s%s:%u", v6 ? "[" : "", *host ? host : "127.0.0.1",
            v6 ? "]" : "", m->port);
    *out = m;
    return 0;
fail_loop:
    log_msg(0, "metrics: %s", strerror(-r));
fail:
    metrics_free(m);
    return r;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    if (m->prepared)
        evl_del_prepare(m->loop, on_prepare, m);
    if (m->epfd >= 0)
        evl_del_fd(m->loop, m->epfd);
    evl_timer_free(m->timer);
    if (m->mhd)
        MHD_stop_daemon(m->mhd);
    free(m);
}

unsigned metrics_port(const struct metrics *m)
{
    return m->port;
}
