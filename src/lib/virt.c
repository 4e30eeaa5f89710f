/* virt: the boundary to libvirt (see virt.h).  Each operation runs in a
 * forked child that opens its own connection; the parent waits for the
 * child's answer with a deadline and kills it if none comes. */
#include "virt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define VIRT_MAX_ANSWER (64u * 1024 * 1024)

enum virt_op { OP_STATE, OP_GET_XML, OP_LIST_RUNNING, OP_ATTACH, OP_DETACH, OP_INFO };

struct request {
    enum virt_op op;
    const char *uri;
    const char *name;
    const char *xml;     /* attach, detach */
    bool inactive;       /* get_xml */
    unsigned affect;     /* attach, detach: VIRT_AFFECT_*; 0 means live */
};

/* What the child sends back: this header, then msglen bytes of message,
 * then datalen bytes of data. */
struct answer_hdr {
    int32_t rc;
    int32_t vir_code;
    uint32_t msglen;
    uint32_t datalen;
};

struct answer {
    int rc;
    struct virt_err err;
    char *data;          /* NUL-terminated, datalen bytes before the NUL */
    size_t datalen;
};

const char *virt_uri_name(const char *uri)
{
    return uri ? uri : "the default libvirt URI";
}

void virt_domains_free(struct virt_domain *doms, size_t n)
{
    if (!doms)
        return;
    for (size_t i = 0; i < n; i++) {
        free(doms[i].name);
        free(doms[i].xml);
    }
    free(doms);
}

/* ---- the child: talks to libvirt ---- */

static void silent_errors(void *ud, virErrorPtr e)
{
    (void)ud;
    (void)e;
}

/* The one place a libvirt error becomes -errno and a message. */
static int translate(const char *what, struct virt_err *err)
{
    virErrorPtr e = virGetLastError();
    int code = e ? e->code : VIR_ERR_INTERNAL_ERROR;
    const char *msg = e && e->message ? e->message : "unknown libvirt error";
    err->vir_code = code;
    snprintf(err->msg, sizeof(err->msg), "%s: %s", what, msg);
    switch (code) {
    case VIR_ERR_NO_DOMAIN:
        return -ENOENT;
    case VIR_ERR_OPERATION_INVALID:
        return -ESRCH;   /* "domain is not running" and kin */
    case VIR_ERR_DEVICE_MISSING:
        return -ENODEV;
    case VIR_ERR_NO_MEMORY:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static int append(char **buf, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *len + n + 1)
            nc *= 2;
        char *nb = realloc(*buf, nc);
        if (!nb)
            return -ENOMEM;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int append_str(char **buf, size_t *len, size_t *cap, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    int r = append(buf, len, cap, &n, sizeof(n));
    return r ? r : append(buf, len, cap, s, n);
}

static int child_list(virConnectPtr conn, struct answer *a)
{
    virDomainPtr *doms = NULL;
    size_t cap = 0;
    int r = 0;
    int n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0)
        return translate("listing running domains", &a->err);
    for (int i = 0; i < n && r == 0; i++) {
        const char *name = virDomainGetName(doms[i]);
        char *xml = virDomainGetXMLDesc(doms[i], 0);
        if (!name || !xml) {
            /* A domain that stopped meanwhile is simply not running. */
            free(xml);
            continue;
        }
        r = append_str(&a->data, &a->datalen, &cap, name);
        if (r == 0)
            r = append_str(&a->data, &a->datalen, &cap, xml);
        free(xml);
    }
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return r;
}

static int child_domain_op(virConnectPtr conn, const struct request *q, struct answer *a)
{
    char what[300];
    int r = 0;
    virDomainPtr dom = virDomainLookupByName(conn, q->name);
    if (!dom) {
        snprintf(what, sizeof(what), "domain '%s'", q->name);
        return translate(what, &a->err);
    }
    switch (q->op) {
    case OP_STATE:
    case OP_INFO: {
        int st, reason;
        if (virDomainGetState(dom, &st, &reason, 0) < 0) {
            r = translate("domain state", &a->err);
            break;
        }
        int active = virDomainIsActive(dom);
        int32_t v[2] = { active > 0 ? VIRT_STATE_RUNNING
                         : st == VIR_DOMAIN_SHUTOFF ? VIRT_STATE_SHUTOFF : VIRT_STATE_OTHER,
                         virDomainIsPersistent(dom) > 0 };
        size_t cap = 0;
        r = append(&a->data, &a->datalen, &cap, v, q->op == OP_INFO ? sizeof(v) : sizeof(v[0]));
        break;
    }
    case OP_GET_XML: {
        char *xml = virDomainGetXMLDesc(dom, q->inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
        if (!xml) {
            r = translate("domain XML", &a->err);
            break;
        }
        a->data = xml;
        a->datalen = strlen(xml);
        break;
    }
    case OP_ATTACH:
    case OP_DETACH: {
        unsigned fl = 0;
        if (!q->affect || (q->affect & VIRT_AFFECT_LIVE))
            fl |= VIR_DOMAIN_AFFECT_LIVE;
        if (q->affect & VIRT_AFFECT_CONFIG)
            fl |= VIR_DOMAIN_AFFECT_CONFIG;
        int rc = q->op == OP_ATTACH ? virDomainAttachDeviceFlags(dom, q->xml, fl)
                                    : virDomainDetachDeviceFlags(dom, q->xml, fl);
        if (rc < 0) {
            snprintf(what, sizeof(what), "%s '%s'",
                     q->op == OP_ATTACH ? "attaching to" : "detaching from", q->name);
            r = translate(what, &a->err);
        }
        break;
    }
    case OP_LIST_RUNNING:
        r = -EINVAL;
        break;
    }
    virDomainFree(dom);
    return r;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -EIO;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void child_main(int fd, const struct request *q)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    virSetErrorFunc(NULL, silent_errors);
    virConnectPtr conn = virConnectOpen(q->uri);
    if (!conn) {
        char what[300];
        snprintf(what, sizeof(what), "cannot connect to libvirt at %s", virt_uri_name(q->uri));
        int r = translate(what, &a.err);
        a.rc = r == -ENOMEM ? r : -ECONNREFUSED;
    } else {
        a.rc = q->op == OP_LIST_RUNNING ? child_list(conn, &a) : child_domain_op(conn, q, &a);
        virConnectClose(conn);
    }
    if (a.datalen > VIRT_MAX_ANSWER) {
        a.rc = -E2BIG;
        a.datalen = 0;
    }
    struct answer_hdr h = {
        .rc = a.rc,
        .vir_code = a.err.vir_code,
        .msglen = (uint32_t)strlen(a.err.msg),
        .datalen = a.rc == 0 ? (uint32_t)a.datalen : 0,
    };
    int ok = write_all(fd, &h, sizeof(h)) == 0 && write_all(fd, a.err.msg, h.msglen) == 0 &&
             write_all(fd, a.data ? a.data : "", h.datalen) == 0;
    _exit(ok ? 0 : 1);
}

/* ---- the parent: waits with a deadline ---- */

static long ms_left(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return ms < 0 ? 0 : ms;
}

/* Read everything the child writes until EOF or the deadline. */
static int read_until_eof(int fd, const struct timespec *deadline, char **buf, size_t *len)
{
    size_t cap = 0;
    for (;;) {
        long ms = ms_left(deadline);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int n = poll(&p, 1, (int)ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ETIMEDOUT;
        char tmp[65536];
        ssize_t got = read(fd, tmp, sizeof(tmp));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -errno;
        if (got == 0)
            return 0;
        if (*len + (size_t)got > VIRT_MAX_ANSWER + sizeof(struct answer_hdr) + 4096)
            return -E2BIG;
        int r = append(buf, len, &cap, tmp, (size_t)got);
        if (r)
            return r;
    }
}

static int run(const struct virt_libvirt *ctx, const struct request *q, struct answer *a)
{
    memset(a, 0, sizeof(*a));
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    unsigned ms = ctx && ctx->timeout_ms ? ctx->timeout_ms : 5000;
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }

    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = -errno;
        close(fds[0]);
        close(fds[1]);
        return e;
    }
    if (pid == 0) {
        close(fds[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        child_main(fds[1], q);
    }
    close(fds[1]);

    char *buf = NULL;
    size_t len = 0;
    int r = read_until_eof(fds[0], &deadline, &buf, &len);
    close(fds[0]);
    if (r != 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (r == -ETIMEDOUT) {
        snprintf(a->err.msg, sizeof(a->err.msg),
                 "libvirt at %s did not answer within %u.%03u s", virt_uri_name(q->uri),
                 ms / 1000, ms % 1000);
        goto out;
    }
    if (r) {
        snprintf(a->err.msg, sizeof(a->err.msg), "reading the answer of the libvirt client "
                 "process: %s", strerror(-r));
        goto out;
    }

    struct answer_hdr h;
    if (len < sizeof(h)) {
        r = -EIO;
        snprintf(a->err.msg, sizeof(a->err.msg), "libvirt client process died");
        goto out;
    }
    memcpy(&h, buf, sizeof(h));
    if ((size_t)h.msglen + h.datalen != len - sizeof(h) || h.msglen >= sizeof(a->err.msg)) {
        r = -EIO;
        snprintf(a->err.msg, sizeof(a->err.msg), "garbled answer from the libvirt client process");
        goto out;
    }
    memcpy(a->err.msg, buf + sizeof(h), h.msglen);
    a->err.msg[h.msglen] = '\0';
    a->err.vir_code = h.vir_code;
    r = h.rc;
    if (r == 0) {
        a->data = malloc((size_t)h.datalen + 1);
        if (!a->data) {
            r = -ENOMEM;
            goto out;
        }
        memcpy(a->data, buf + sizeof(h) + h.msglen, h.datalen);
        a->data[h.datalen] = '\0';
        a->datalen = h.datalen;
    }
out:
    free(buf);
    a->rc = r;
    return r;
}

static void give_err(const struct answer *a, struct virt_err *err)
{
    if (err)
        *err = a->err;
}

static int lv_state(void *ctx, const char *uri, const char *name, enum virt_state *st,
                    struct virt_err *err)
{
    struct request q = { .op = OP_STATE, .uri = uri, .name = name };
    struct answer a;
    int r = run(ctx, &q, &a);
    give_err(&a, err);
    if (r == 0) {
        int32_t v;
        if (a.datalen != sizeof(v)) {
            r = -EIO;
            if (err)
                snprintf(err->msg, sizeof(err->msg), "garbled domain state from libvirt client");
        } else {
            memcpy(&v, a.data, sizeof(v));
            *st = (enum virt_state)v;
        }
    }
    free(a.data);
    return r;
}

static int lv_get_xml(void *ctx, const char *uri, const char *name, bool inactive, char **xml,
                      struct virt_err *err)
{
    struct request q = { .op = OP_GET_XML, .uri = uri, .name = name, .inactive = inactive };
    struct answer a;
    int r = run(ctx, &q, &a);
    give_err(&a, err);
    if (r == 0)
        *xml = a.data;
    else
        free(a.data);
    return r;
}

/* Decode the child's [len name][len xml]... list. */
static int decode_list(const char *p, size_t len, struct virt_domain **doms, size_t *n)
{
    struct virt_domain *v = NULL;
    size_t cnt = 0;
    int r = 0;
    while (len > 0) {
        char *s[2] = { NULL, NULL };
        for (int k = 0; k < 2; k++) {
            uint32_t l;
            if (len < sizeof(l)) {
                r = -EIO;
                break;
            }
            memcpy(&l, p, sizeof(l));
            p += sizeof(l);
            len -= sizeof(l);
            if (l > len) {
                r = -EIO;
                break;
            }
            s[k] = strndup(p, l);
            if (!s[k]) {
                r = -ENOMEM;
                break;
            }
            p += l;
            len -= l;
        }
        struct virt_domain *nv = r ? NULL : realloc(v, (cnt + 1) * sizeof(*v));
        if (!nv) {
            free(s[0]);
            free(s[1]);
            r = r ? r : -ENOMEM;
            break;
        }
        v = nv;
        v[cnt].name = s[0];
        v[cnt].xml = s[1];
        cnt++;
    }
    if (r) {
        virt_domains_free(v, cnt);
        return r;
    }
    *doms = v;
    *n = cnt;
    return 0;
}

static int lv_list_running(void *ctx, const char *uri, struct virt_domain **doms, size_t *n,
                           struct virt_err *err)
{
    struct request q = { .op = OP_LIST_RUNNING, .uri = uri };
    struct answer a;
    int r = run(ctx, &q, &a);
    give_err(&a, err);
    if (r == 0) {
        *doms = NULL;
        *n = 0;
        r = decode_list(a.data, a.datalen, doms, n);
    }
    free(a.data);
    return r;
}

static int lv_change(void *ctx, enum virt_op op, const char *uri, const char *name,
                     const char *xml, unsigned affect, struct virt_err *err)
{
    struct request q = { .op = op, .uri = uri, .name = name, .xml = xml, .affect = affect };
    struct answer a;
    int r = run(ctx, &q, &a);
    give_err(&a, err);
    free(a.data);
    return r;
}

static int lv_attach(void *ctx, const char *uri, const char *name, const char *xml,
                     struct virt_err *err)
{
    return lv_change(ctx, OP_ATTACH, uri, name, xml, VIRT_AFFECT_LIVE, err);
}

static int lv_detach(void *ctx, const char *uri, const char *name, const char *xml,
                     struct virt_err *err)
{
    return lv_change(ctx, OP_DETACH, uri, name, xml, VIRT_AFFECT_LIVE, err);
}

static int lv_change_flags(void *ctx, const char *uri, const char *name, const char *xml,
                           bool attach, unsigned affect, struct virt_err *err)
{
    if (!affect || (affect & ~(unsigned)(VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG)))
        return -EINVAL;
    return lv_change(ctx, attach ? OP_ATTACH : OP_DETACH, uri, name, xml, affect, err);
}

static int lv_info(void *ctx, const char *uri, const char *name, struct virt_info *out,
                   struct virt_err *err)
{
    struct request q = { .op = OP_INFO, .uri = uri, .name = name };
    struct answer a;
    int r = run(ctx, &q, &a);
    give_err(&a, err);
    if (r == 0) {
        int32_t v[2];
        if (a.datalen != sizeof(v)) {
            r = -EIO;
            if (err)
                snprintf(err->msg, sizeof(err->msg), "garbled domain state from libvirt client");
        } else {
            memcpy(v, a.data, sizeof(v));
            out->state = (enum virt_state)v[0];
            out->persistent = v[1] != 0;
        }
    }
    free(a.data);
    return r;
}

const struct virt_ops virt_libvirt_ops = {
    .state = lv_state,
    .get_xml = lv_get_xml,
    .list_running = lv_list_running,
    .attach = lv_attach,
    .detach = lv_detach,
    .info = lv_info,
    .change = lv_change_flags,
};
