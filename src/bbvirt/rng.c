/* bbvirt rng: a virtio-rng reading seedd's EGD socket, added to or removed
 * from a domain (virtrng), its rows in `bbvirt status`, and the qemu
 * hook's part for domains vm.conf gives one (DOMAIN_VIRTIO_RNG_<id>). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbvirt.h"
#include "climsg.h"
#include "log.h"
#include "virt.h"
#include "virtrng.h"
#include "virtxml.h"
#include "vmconf.h"

static int complain(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line on stderr (and in the log when that is elsewhere); the exit
 * code for rc. */
static int complain(int rc, const char *fmt, ...)
{
    char msg[700], shown[800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "bbvirt: %s\n", climsg_escape(msg, shown, sizeof(shown)));
    return bbvirt_exit_code(rc);
}

static const char *sides(unsigned a)
{
    if (a == (VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG))
        return "the running domain and the definition";
    return a == VIRT_AFFECT_LIVE ? "the running domain" : "the definition";
}

/* The socket for a domain: --socket, else vm.conf's, else the default. */
static const char *socket_for(const struct bbvirt_opts *o, const struct vmconf_domain *cd)
{
    if (o->socket)
        return o->socket;
    if (cd && cd->rng_socket)
        return cd->rng_socket;
    return VIRTRNG_DEFAULT_SOCKET;
}

static void report(const struct virtrng_req *q, const struct virtrng_result *res)
{
    const char *s = q->socket;
    unsigned done = res->done & ~res->pending;
    if (done)
        log_msg(0, "%s a virtio-rng from %s %s %s of '%s'", q->attach ? "added" : "removed", s,
                q->attach ? "to" : "from", sides(done), q->domain);
    if (res->already)
        log_msg(0, q->attach ? "%s of '%s' has a virtio-rng from %s already"
                             : "%s of '%s' has no virtio-rng from %s: nothing to remove",
                sides(res->already), q->domain, s);
    if (res->pending)
        log_msg(0, "'%s' was asked to release the virtio-rng; its guest still has it (it goes "
                "once the guest's kernel lets it go)", q->domain);
}

/* Attach (or detach) for domain cd or name, logging the outcome; the exit
 * code. */
static int run_one(const struct bbvirt_opts *o, struct virt_libvirt *lv, bool attach,
                   const char *name, const struct vmconf_domain *cd, unsigned affect)
{
    struct virtrng_req q = {
        .attach = attach,
        .uri = o->uri ? o->uri : cd ? cd->uri : NULL,
        .domain = name,
        .socket = socket_for(o, cd),
        .affect = affect,
    };
    if (o->dry_run) {
        char *xml = virtrng_xml(q.socket);
        if (!xml)
            return complain(-EINVAL, "--socket '%s': not an absolute path of at most 107 "
                            "bytes", q.socket);
        printf("# %s, where %s it, %s of domain '%s' at %s:\n",
               attach ? "add" : "remove", attach ? "it lacks" : "it has",
               affect ? sides(affect) : "the running domain (if running) and the definition",
               name, virt_uri_name(q.uri));
        fputs(xml, stdout);
        fflush(stdout);
        free(xml);
        return EXIT_OK;
    }
    struct virtrng_result res;
    char err[700] = "";
    int r = virtrng_run(&virt_libvirt_ops, lv, &q, &res, err, sizeof(err));
    report(&q, &res);
    if (r) {
        int code = complain(r, "%s", err);
        if (o->syslog || o->log_file)
            log_msg(0, "%s", err);
        return code;
    }
    return EXIT_OK;
}

int bbvirt_rng(const struct bbvirt_opts *o, const struct vmconf *conf, struct virt_libvirt *lv)
{
    if (o->nargs != 2 || (strcmp(o->args[0], "attach") != 0 && strcmp(o->args[0], "detach") != 0)) {
        fprintf(stderr, "bbvirt: usage: bbvirt rng attach|detach DOMAIN [--socket=PATH] "
                        "[--live] [--config]\n");
        return EXIT_USAGE;
    }
    /* libvirt waits up to 5 s for a guest to release a device it unplugs
     * live: more time than the default limit. */
    if (!o->timeout_explicit && strcmp(o->args[0], "detach") == 0 &&
        lv->timeout_ms < BBVIRT_RNG_DETACH_TIMEOUT_MS)
        lv->timeout_ms = BBVIRT_RNG_DETACH_TIMEOUT_MS;
    const struct vmconf_domain *cd = vmconf_find(conf, o->args[1]);
    return run_one(o, lv, strcmp(o->args[0], "attach") == 0, cd ? cd->name : o->args[1], cd,
                   o->affect);
}

int bbvirt_rng_hook(const struct bbvirt_opts *o, const struct vmconf_domain *cd,
                    struct virt_libvirt *lv)
{
    log_msg(0, "qemu hook: adding the virtio-rng of '%s'", cd->name);
    return run_one(o, lv, true, cd->name, cd, 0);
}

/* ---- status ---- */

struct rng_row {
    const char *name;
    const char *state;
    const char *socket;
    int live, config;    /* 1 yes, 0 no, -1 not applicable or unknown */
    bool conf;
};

static const char *yn(int v)
{
    return v > 0 ? "yes" : v == 0 ? "no" : "-";
}

static void print_row(const struct rng_row *w, bool *header)
{
    if (!*header) {
        printf("\n%-16s %-9s %-5s %-6s %-7s %s\n", "VIRTIO-RNG", "STATE", "LIVE", "CONFIG",
               "VM.CONF", "EGD SOCKET");
        *header = true;
    }
    printf("%-16s %-9s %-5s %-6s %-7s %s\n", w->name, w->state, yn(w->live), yn(w->config),
           w->conf ? "yes" : "no", w->socket);
}

/* 1 if the domain's live/inactive XML has a virtio-rng on socket, 0 if
 * not, -1 unknown. */
static int has_rng(struct virt_libvirt *lv, const char *uri, const char *name, bool inactive,
                   const char *socket)
{
    char *xml = NULL;
    struct virt_err ve = { 0 };
    if (virt_libvirt_ops.get_xml(lv, uri, name, inactive, &xml, &ve) != 0)
        return -1;
    int n = virtrng_count(xml, socket);
    free(xml);
    return n < 0 ? -1 : n > 0;
}

/* Every running domain (at -c, or the default URI) with a virtio-rng from
 * an EGD unix socket, then every vm.conf domain that should have one. */
int bbvirt_rng_status(const struct bbvirt_opts *o, const struct vmconf *conf,
                      struct virt_libvirt *lv)
{
    struct virt_domain *doms = NULL;
    size_t n = 0;
    struct virt_err ve = { 0 };
    bool header = false;
    if (virt_libvirt_ops.list_running(lv, o->uri, &doms, &n, &ve) != 0)
        n = 0;
    for (size_t i = 0; i < n; i++) {
        const struct vmconf_domain *cd = vmconf_find(conf, doms[i].name);
        const char *want = cd && cd->virtio_rng ? socket_for(o, cd) : NULL;
        struct virtxml_rng *v = NULL;
        size_t k = 0;
        if (virtxml_rng_list(doms[i].xml, strlen(doms[i].xml), &v, &k) != 0)
            continue;
        for (size_t j = 0; j < k; j++) {
            struct rng_row w = { doms[i].name, "running", v[j].path, 1, -1, false };
            w.config = has_rng(lv, o->uri, doms[i].name, true, v[j].path);
            w.conf = want && strcmp(want, v[j].path) == 0;
            print_row(&w, &header);
        }
        virtxml_rng_free(v, k);
    }
    for (size_t i = 0; i < vmconf_count(conf); i++) {
        const struct vmconf_domain *cd = vmconf_domain(conf, i);
        if (!cd->virtio_rng)
            continue;
        const char *uri = o->uri ? o->uri : cd->uri;
        const char *sock = socket_for(o, cd);
        bool shown = false;
        for (size_t d = 0; d < n && (o->uri || !cd->uri); d++)
            shown |= strcmp(doms[d].name, cd->name) == 0 &&
                     virtrng_count(doms[d].xml, sock) > 0;
        if (shown)
            continue;
        struct virt_info info = { 0 };
        struct rng_row w = { cd->name, "?", sock, -1, -1, true };
        int r = virt_libvirt_ops.info(lv, uri, cd->name, &info, &ve);
        if (r == -ENOENT)
            w.state = "undefined";
        else if (r == 0)
            w.state = info.state == VIRT_STATE_RUNNING ? "running"
                      : info.state == VIRT_STATE_SHUTOFF ? "shut off" : "other";
        if (r == 0 && info.state == VIRT_STATE_RUNNING)
            w.live = has_rng(lv, uri, cd->name, false, sock);
        if (r == 0 && info.persistent)
            w.config = has_rng(lv, uri, cd->name, true, sock);
        print_row(&w, &header);
    }
    virt_domains_free(doms, n);
    fflush(stdout);
    return 0;
}
