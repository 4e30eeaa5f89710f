/* ctl: seedd's control socket service (spec §7): srv (listener,
 * connections, limits) with NUL framing, each request answered by
 * ctlproto_handle() and the reply sent with its NUL.
 *
 * Limits (srv.h): requests of CTLPROTO_MAX_REQUEST (1024) bytes with their
 * NUL (a longer one gets ctlproto_too_large()'s BadRequest reply once and
 * the rest of it up to its NUL is discarded), 64 clients, 60 s idle (or
 * output not draining), 1 MiB queued output.  For the tests only, the
 * environment variable SEEDD_TEST_CONTROL_LIMITS="idle_ms=N,clients=N,
 * output=N" (any of them) changes the last three (docs/design.md). */
#ifndef SEEDD_CTL_H
#define SEEDD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "ctlproto.h"

struct evl;
struct srv;
struct ctl;

struct ctl_cfg {
    const char *addr;   /* a unix socket path or tcp:HOST:PORT */
    gid_t group;        /* unix: the socket group, or (gid_t)-1 */
    bool freebind;      /* tcp: IP_FREEBIND */
    struct ctlproto_env env;
};

/* Listening when it returns 0; else -errno with a message for the user in err. */
int ctl_new(struct evl *loop, const struct ctl_cfg *cfg, struct ctl **out, char *err,
            size_t errlen);
void ctl_free(struct ctl *c);
/* Counters (srv_get_stats), for metrics. */
const struct srv *ctl_srv(const struct ctl *c);

#endif
