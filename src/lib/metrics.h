/* metrics: seedd's Prometheus endpoint (--metrics=[HOST:]PORT), GET
 * /metrics answered with promfmt's text.
 *
 * HTTP is libmicrohttpd's, run inside the program's one event loop, with
 * no thread of its own: the daemon is started with MHD_USE_EPOLL and no
 * internal polling thread, its epoll fd (MHD_DAEMON_INFO_EPOLL_FD) is
 * watched by evl, and MHD_run() runs when that fd is readable or when an
 * evl timer fires; the timer is set from MHD_get_timeout() in an evl
 * prepare hook, before every wait, so MHD's own timeouts (an idle or
 * half-sent request) are kept without any other activity.
 *
 * Only GET (and HEAD) of /metrics: another path is 404, another method on
 * /metrics 405.  Bounded: METRICS_MAX_CONNECTIONS connections at once
 * (more wait in the listen backlog until one closes), METRICS_CONN_MEMORY
 * bytes per connection
 * (a larger request head is answered with an error by MHD), and a
 * connection idle for METRICS_IDLE_S seconds (one that never finishes its
 * request, or keeps a kept-alive connection unused) is closed. */
#ifndef BB_METRICS_H
#define BB_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct evl;
struct sources;
struct monitors;
struct pool;
struct kfeed;
struct metrics;

#define METRICS_MAX_CONNECTIONS 16
#define METRICS_CONN_MEMORY 16384
#define METRICS_IDLE_S 5

/* What is reported; any pointer may be NULL (not running), and each must
 * outlive the metrics service. */
struct metrics_cfg {
    const char *listen;        /* [HOST:]PORT, see listenaddr.h (no host: 127.0.0.1) */
    const char *version;
    uint64_t t0_ms;            /* evl_now_ms() at start: uptime's origin */
    const struct sources *sources;
    const struct monitors *monitors;
    const struct pool *pool;
    const struct kfeed *kfeed;
};

/* Listens and serves on loop.  Errors (a bad address, cannot bind) are
 * logged once at level 0 and returned as a negative errno. */
int metrics_new(struct evl *loop, const struct metrics_cfg *cfg, struct metrics **out);
void metrics_free(struct metrics *m);

/* The port listened on. */
unsigned metrics_port(const struct metrics *m);

#endif
