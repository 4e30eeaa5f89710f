/* ctl: the control socket service.  See ctl.h. */
#include "ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "srv.h"

#define CTL_ENV_LIMITS "SEEDD_TEST_CONTROL_LIMITS"

struct ctl {
    struct srv *srv;
    struct ctlproto_env env;
};

/* One request: up to and including its NUL. */
static ssize_t ctl_frame(void *ud, const uint8_t *buf, size_t len)
{
    const uint8_t *nul = memchr(buf, 0, len);
    return nul ? nul - buf + 1 : 0;
}

static void send_reply(struct srv_conn *conn, int r, char *out, size_t outlen)
{
    if (r < 0) {
        log_msg(0, "control socket: client %llu: %s", (unsigned long long)srv_conn_id(conn),
                strerror(-r));
        srv_conn_drop(conn);
        return;
    }
    srv_conn_send(conn, out, outlen + 1); /* the reply and its NUL */
    free(out);
}

static void ctl_request(void *ud, struct srv_conn *conn, const uint8_t *req, size_t len)
{
    struct ctl *c = ud;
    char *out = NULL;
    size_t outlen = 0;
    int r = ctlproto_handle(&c->env, (const char *)req, len - 1, &out, &outlen);
    send_reply(conn, r, out, outlen);
}

static void ctl_oversize(void *ud, struct srv_conn *conn, const uint8_t *buf, size_t len)
{
    char *out = NULL;
    size_t outlen = 0;
    log_msg(1, "control socket: client %llu: request over %d bytes",
            (unsigned long long)srv_conn_id(conn), CTLPROTO_MAX_REQUEST);
    int r = ctlproto_too_large((const char *)buf, len, &out, &outlen);
    send_reply(conn, r, out, outlen);
}

static const struct srv_ops ctl_ops = {
    .frame = ctl_frame,
    .request = ctl_request,
    .oversize = ctl_oversize,
};

/* SEEDD_TEST_CONTROL_LIMITS (tests only): "idle_ms=N,clients=N,output=N". */
static int test_limits(struct srv_cfg *sc, char *err, size_t errlen)
{
    const char *v = getenv(CTL_ENV_LIMITS);
    char *copy, *save = NULL;
    int r = 0;
    if (!v || !*v)
        return 0;
    if (!(copy = strdup(v)))
        return -ENOMEM;
    for (char *tok = strtok_r(copy, ",", &save); tok && r == 0;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        char *end;
        unsigned long long n = eq ? strtoull(eq + 1, &end, 10) : 0;
        if (!eq || end == eq + 1 || *end || n == 0 || n > 1000000000ull)
            r = -EINVAL;
        else if (strncmp(tok, "idle_ms=", 8) == 0)
            sc->idle_ms = (unsigned)n;
        else if (strncmp(tok, "clients=", 8) == 0)
            sc->max_clients = (size_t)n;
        else if (strncmp(tok, "output=", 7) == 0)
            sc->max_output = (size_t)n;
        else
            r = -EINVAL;
    }
    if (r < 0)
        snprintf(err, errlen, "%s='%s': not idle_ms=N,clients=N,output=N", CTL_ENV_LIMITS, v);
    else
        log_msg(1, "control socket: test limits %s", v);
    free(copy);
    return r;
}

int ctl_new(struct evl *loop, const struct ctl_cfg *cfg, struct ctl **out, char *err,
            size_t errlen)
{
    struct ctl *c = calloc(1, sizeof(*c));
    int r;
    if (!c) {
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    c->env = cfg->env;
    struct srv_cfg sc = {
        .name = "control socket",
        .max_request = CTLPROTO_MAX_REQUEST,
        .max_clients = SRV_MAX_CLIENTS,
        .idle_ms = SRV_IDLE_MS,
        .max_output = SRV_MAX_OUTPUT,
        .ops = &ctl_ops,
        .ud = c,
    };
    if ((r = test_limits(&sc, err, errlen)) < 0 || (r = srv_new(loop, &sc, &c->srv)) < 0)
        goto fail;
    if (strncmp(cfg->addr, "tcp:", 4) == 0)
        r = srv_listen_tcp(c->srv, cfg->addr + 4, cfg->freebind, err, errlen);
    else
        r = srv_listen_unix(c->srv, cfg->addr, cfg->group, err, errlen);
    if (r < 0)
        goto fail_logged;
    *out = c;
    return 0;
fail:
    if (r == -ENOMEM)
        snprintf(err, errlen, "%s", strerror(ENOMEM));
fail_logged:
    ctl_free(c);
    return r;
}

void ctl_free(struct ctl *c)
{
    if (!c)
        return;
    srv_free(c->srv);
    free(c);
}

const struct srv *ctl_srv(const struct ctl *c)
{
    return c->srv;
}
