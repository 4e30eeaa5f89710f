/* virtrng: virtio-rng from seedd's EGD socket in libvirt domains (see
 * virtrng.h). */
#include "virtrng.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtxml.h"

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static const char *sock_of(const char *socket)
{
    return socket ? socket : VIRTRNG_DEFAULT_SOCKET;
}

char *virtrng_xml(const char *socket)
{
    return virtxml_rng_egd(sock_of(socket), VIRTXML_RNG_RECONNECT_S);
}

/* The egd rngs on socket in xml: *out (elements to detach by) and *n. */
static int matching(const char *xml, const char *socket, struct virtxml_rng **out, size_t *n)
{
    struct virtxml_rng *v = NULL;
    size_t cnt = 0, k = 0;
    int r = virtxml_rng_list(xml, strlen(xml), &v, &cnt);
    if (r < 0)
        return r;
    for (size_t i = 0; i < cnt; i++) {
        if (strcmp(v[i].path, socket) != 0) {
            free(v[i].element);
            continue;
        }
        v[k++] = v[i];
    }
    *out = v;
    *n = k;
    return 0;
}

int virtrng_count(const char *xml, const char *socket)
{
    struct virtxml_rng *v = NULL;
    size_t n = 0;
    int r = matching(xml, sock_of(socket), &v, &n);
    virtxml_rng_free(v, n);
    return r < 0 ? r : (int)n;
}

static int decide(const struct virtrng_req *q, struct virtrng_result *res, char *err,
                  size_t errlen)
{
    bool running = res->info.state == VIRT_STATE_RUNNING;
    unsigned a = q->affect;
    if (a == 0)
        a = running ? (VIRT_AFFECT_LIVE | (res->info.persistent ? VIRT_AFFECT_CONFIG : 0u))
                    : VIRT_AFFECT_CONFIG;
    if ((a & VIRT_AFFECT_LIVE) && !running)
        return fail(-ESRCH, err, errlen, "domain '%s' is not running (--config changes its "
                    "definition only)", q->domain);
    if ((a & VIRT_AFFECT_CONFIG) && !res->info.persistent)
        return fail(-ESRCH, err, errlen, "domain '%s' is transient: it has no definition to "
                    "change (use --live)", q->domain);
    res->affect = a;
    return 0;
}

/* One side (VIRT_AFFECT_LIVE or _CONFIG) made as asked. */
static int one_side(const struct virt_ops *ops, void *ctx, const struct virtrng_req *q,
                    unsigned side, const char *xml_new, struct virtrng_result *res, char *err,
                    size_t errlen)
{
    const char *where = side == VIRT_AFFECT_LIVE ? "running domain" : "definition";
    char *xml = NULL;
    struct virt_err ve = { 0 };
    int r = ops->get_xml(ctx, q->uri, q->domain, side == VIRT_AFFECT_CONFIG, &xml, &ve);
    if (r)
        return fail(r, err, errlen, "%s", ve.msg[0] ? ve.msg : strerror(-r));
    struct virtxml_rng *v = NULL;
    size_t n = 0;
    r = matching(xml, sock_of(q->socket), &v, &n);
    free(xml);
    if (r)
        return fail(-EIO, err, errlen, "libvirt returned domain XML that cannot be read");
    if (q->attach ? n > 0 : n == 0) {
        res->already |= side;
    } else if (q->attach) {
        r = ops->change(ctx, q->uri, q->domain, xml_new, true, side, &ve);
    } else {
        for (size_t i = 0; i < n && r == 0; i++)
            r = ops->change(ctx, q->uri, q->domain, v[i].element, false, side, &ve);
    }
    virtxml_rng_free(v, n);
    if (r)
        return fail(r, err, errlen, "%s the %s of '%s' failed: %s",
                    q->attach ? "adding the virtio-rng to" : "removing the virtio-rng from",
                    where, q->domain, ve.msg[0] ? ve.msg : strerror(-r));
    if (!(res->already & side))
        res->done |= side;
    return 0;
}

/* After a live detach: libvirt returns once the guest was asked; a guest
 * that has not released the device yet still lists it. */
static void check_pending(const struct virt_ops *ops, void *ctx, const struct virtrng_req *q,
                          struct virtrng_result *res)
{
    char *xml = NULL;
    struct virt_err ve = { 0 };
    if (ops->get_xml(ctx, q->uri, q->domain, false, &xml, &ve) == 0 &&
        virtrng_count(xml, q->socket) > 0)
        res->pending |= VIRT_AFFECT_LIVE;
    free(xml);
}

int virtrng_run(const struct virt_ops *ops, void *ctx, const struct virtrng_req *q,
                struct virtrng_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    char *xml_new = virtrng_xml(q->socket);
    if (!xml_new)
        return fail(errno == EINVAL ? -EINVAL : -ENOMEM, err, errlen,
                    errno == EINVAL ? "socket '%s': not an absolute path of at most 107 bytes"
                                    : "out of memory (%s)", sock_of(q->socket));
    struct virt_err ve = { 0 };
    int r = ops->info(ctx, q->uri, q->domain, &res->info, &ve);
    if (r == -ENOENT)
        r = fail(r, err, errlen, "no libvirt domain '%s' at %s", q->domain,
                 virt_uri_name(q->uri));
    else if (r)
        r = fail(r, err, errlen, "%s", ve.msg[0] ? ve.msg : strerror(-r));
    if (r == 0)
        r = decide(q, res, err, errlen);
    int first = r;
    static const unsigned sides[] = { VIRT_AFFECT_LIVE, VIRT_AFFECT_CONFIG };
    for (size_t i = 0; r == 0 && i < 2; i++) {
        if (!(res->affect & sides[i]))
            continue;
        int e = one_side(ops, ctx, q, sides[i], xml_new, res,
                         first ? NULL : err, first ? 0 : errlen);
        if (e) {
            res->failed |= sides[i];
            if (!first)
                first = e;
        }
    }
    if (r == 0 && !q->attach && (res->done & VIRT_AFFECT_LIVE))
        check_pending(ops, ctx, q, res);
    free(xml_new);
    return first;
}
