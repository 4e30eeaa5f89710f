/* vmctl: bbvirt's decisions as plans (see vmctl.h). */
#include "vmctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devid.h"
#include "log.h"
#include "virtxml.h"
#include "vmconf.h"

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

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

void vmctl_plan_free(struct vmctl_plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].domain);
        free(p->items[i].conf_id);
        free(p->items[i].uri);
        free(p->items[i].xml);
    }
    free(p->items);
    p->items = NULL;
    p->n = 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

static int add_item(struct vmctl_plan *p, enum vmctl_action a, const char *serial, unsigned bus,
                    unsigned dev, bool present, const char *domain, const char *conf_id,
                    const char *uri)
{
    struct vmctl_item *v = realloc(p->items, (p->n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    p->items = v;
    struct vmctl_item *it = &v[p->n];
    memset(it, 0, sizeof(*it));
    it->action = a;
    snprintf(it->serial, sizeof(it->serial), "%s", serial);
    it->bus = bus;
    it->dev = dev;
    it->present = present;
    bool oom = false;
    it->domain = dup_or_null(domain, &oom);
    it->conf_id = dup_or_null(conf_id, &oom);
    it->uri = dup_or_null(uri, &oom);
    it->xml = virtxml_hostdev_addr(bus, dev);
    p->n++; /* counted even on failure, so vmctl_plan_free releases it */
    return oom || !it->xml ? -ENOMEM : 0;
}

static const struct devinfo *find_serial(const struct vmctl *c, const char *serial)
{
    for (size_t i = 0; i < c->ndevs; i++)
        if (strcmp(c->devs[i].serial, serial) == 0)
            return &c->devs[i];
    return NULL;
}

/* ", 003:006 (Serial 'GK9VZF')" for each device id matches, after the
 * first, into err. */
static void list_matches(const struct vmctl *c, const struct devid *id, char *err, size_t errlen)
{
    size_t used = strlen(err);
    const char *sep = "";
    for (size_t i = 0; i < c->ndevs && used + 1 < errlen; i++) {
        const struct devinfo *d = &c->devs[i];
        if (!d->serial[0] || !devid_match(id, d))
            continue;
        snprintf(err + used, errlen - used, "%s%03u:%03u (Serial '%s')", sep, d->bus, d->dev,
                 d->serial);
        used += strlen(err + used);
        sep = " and ";
    }
    if (used + 1 < errlen)
        snprintf(err + used, errlen - used, "; name one by BUS:DEV or serial number");
}

int vmctl_find(const struct vmctl *c, const struct devid *id, const struct devinfo **out,
               char *err, size_t errlen)
{
    const struct devinfo *found = NULL;
    char what[DEVINFO_STR_MAX + 64];
    for (size_t i = 0; i < c->ndevs; i++) {
        if (!c->devs[i].serial[0] || !devid_match(id, &c->devs[i]))
            continue;
        if (found) {
            devid_format(id, what, sizeof(what));
            fail(-EINVAL, err, errlen, "%s matches more than one BitBabbler: ", what);
            if (err && errlen > 0)
                list_matches(c, id, err, errlen);
            return -EINVAL;
        }
        found = &c->devs[i];
    }
    if (!found)
        return -ENODEV;
    *out = found;
    return 0;
}

int vmctl_plan_one(const struct vmctl *c, enum vmctl_action a, const char *device,
                   struct vmctl_plan *out, char *err, size_t errlen)
{
    struct devid id;
    char what[DEVINFO_STR_MAX + 64];
    int r = devid_parse(device, &id, err, errlen);
    if (r)
        return r;
    devid_format(&id, what, sizeof(what));
    memset(out, 0, sizeof(*out));

    const struct devinfo *d = NULL;
    r = vmctl_find(c, &id, &d, err, errlen);
    if (r == -EINVAL)
        return r;
    const char *serial;
    unsigned bus, dev;
    if (d) {
        if ((c->bus && c->bus != d->bus) || (c->dev && c->dev != d->dev))
            return fail(-EINVAL, err, errlen,
                        "%s is at Bus:Device %03u:%03u, not at the address given with -b/-d",
                        what, d->bus, d->dev);
        serial = d->serial;
        bus = d->bus;
        dev = d->dev;
    } else if (id.kind == DEVID_SERIAL && c->bus && c->dev) {
        /* Gone already (udev remove), or not visible to us: go by the
         * address the caller knows. */
        serial = id.str;
        bus = c->bus;
        dev = c->dev;
    } else if (id.kind == DEVID_SERIAL) {
        return fail(-ENODEV, err, errlen,
                    "no BitBabbler with %s is present (give -b and -d to name its address)", what);
    } else {
        return fail(-ENODEV, err, errlen, "no BitBabbler at %s", what);
    }

    const struct vmconf_domain *cd = vmconf_for_serial(c->conf, serial);
    const char *name;
    if (c->domain) {
        const struct vmconf_domain *named = vmconf_find(c->conf, c->domain);
        if (cd && cd != named)
            log_msg(LOG_WARN_LVL, "Serial '%s' is assigned to '%s' in vm.conf, using '%s' as asked",
                    serial, cd->name, c->domain);
        cd = named;
        name = cd ? cd->name : c->domain;
    } else if (cd) {
        name = cd->name;
    } else {
        log_msg(LOG_WARN_LVL, "Serial '%s' is not assigned to any domain: nothing to do", serial);
        return 0;
    }
    const char *uri = c->uri ? c->uri : cd ? cd->uri : NULL;
    r = add_item(out, a, serial, bus, dev, d != NULL, name, cd ? cd->id : NULL, uri);
    if (r) {
        vmctl_plan_free(out);
        return fail(r, err, errlen, "out of memory");
    }
    return 0;
}

int vmctl_plan_all(const struct vmctl *c, enum vmctl_action a, const char *domain,
                   struct vmctl_plan *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const struct vmconf_domain *only = NULL;
    if (domain) {
        only = vmconf_find(c->conf, domain);
        if (!only)
            return fail(-ENOENT, err, errlen, "no domain '%s' in vm.conf", domain);
    }
    for (size_t i = 0; i < vmconf_count(c->conf); i++) {
        const struct vmconf_domain *cd = vmconf_domain(c->conf, i);
        if (only && cd != only)
            continue;
        const char *uri = c->uri ? c->uri : cd->uri;
        for (size_t k = 0; k < cd->nserials; k++) {
            const struct devinfo *d = find_serial(c, cd->serials[k]);
            if (!d) {
                log_msg(LOG_INFO_LVL, "Serial '%s' (for '%s') is not present, skipped",
                        cd->serials[k], cd->name);
                continue;
            }
            int r = add_item(out, a, d->serial, d->bus, d->dev, true, cd->name, cd->id, uri);
            if (r) {
                vmctl_plan_free(out);
                return fail(r, err, errlen, "out of memory");
            }
        }
    }
    return 0;
}

/* The running domains of one URI, fetched once per check/status. */
struct uri_doms {
    const char *uri;
    struct virt_domain *doms;
    size_t n;
    int rc;
    struct virt_err err;
};

struct uri_cache {
    struct uri_doms *v;
    size_t n;
};

static struct uri_doms *running_on(const struct vmctl *c, struct uri_cache *uc, const char *uri)
{
    for (size_t i = 0; i < uc->n; i++)
        if (same_str(uc->v[i].uri, uri))
            return &uc->v[i];
    struct uri_doms *v = realloc(uc->v, (uc->n + 1) * sizeof(*v));
    if (!v)
        return NULL;
    uc->v = v;
    struct uri_doms *u = &v[uc->n++];
    memset(u, 0, sizeof(*u));
    u->uri = uri;
    u->rc = c->ops->list_running(c->ops_ctx, uri, &u->doms, &u->n, &u->err);
    if (u->rc) {
        u->doms = NULL;
        u->n = 0;
    }
    return u;
}

static void uri_cache_free(struct uri_cache *uc)
{
    for (size_t i = 0; i < uc->n; i++)
        virt_domains_free(uc->v[i].doms, uc->v[i].n);
    free(uc->v);
}

/* The running domain (of u) whose live XML passes d through, or NULL.
 * Entries by vendor/product are ignored unless nothing more specific
 * names the device: they match every BitBabbler. */
static const char *attached_to(const struct uri_doms *u, const struct devinfo *d, bool *vague)
{
    const char *loose = NULL;
    for (size_t i = 0; i < u->n; i++) {
        struct virtxml_usb *usb = NULL;
        size_t n = 0;
        if (virtxml_usb_devices(u->doms[i].xml, strlen(u->doms[i].xml), &usb, &n) != 0)
            continue;
        for (size_t k = 0; k < n; k++) {
            if (!virtxml_usb_matches(&usb[k], d))
                continue;
            if (usb[k].kind == VIRTXML_USB_VIDPID || usb[k].kind == VIRTXML_USB_QEMU_VIDPID) {
                if (!loose)
                    loose = u->doms[i].name;
                continue;
            }
            free(usb);
            *vague = false;
            return u->doms[i].name;
        }
        free(usb);
    }
    *vague = loose != NULL;
    return loose;
}

static void item_devinfo(const struct vmctl *c, const struct vmctl_item *it, struct devinfo *d)
{
    const struct devinfo *scan = find_serial(c, it->serial);
    if (scan && scan->bus == it->bus && scan->dev == it->dev) {
        *d = *scan;
        return;
    }
    memset(d, 0, sizeof(*d));
    d->bus = it->bus;
    d->dev = it->dev;
    d->vid = BB_VENDOR_ID;
    d->pid = BB_PRODUCT_ID;
    snprintf(d->serial, sizeof(d->serial), "%s", it->serial);
}

/* The domain of it must exist and run.  A domain among the running ones of
 * its URI (fetched once per URI) needs no further question; otherwise its
 * state tells "no such domain" from "not running". */
static int check_domain(const struct vmctl *c, const struct uri_doms *u,
                        const struct vmctl_item *it, char *err, size_t errlen)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->doms[i].name, it->domain) == 0)
            return 0;
    enum virt_state st = VIRT_STATE_OTHER;
    struct virt_err ve = { 0 };
    int r = c->ops->state(c->ops_ctx, it->uri, it->domain, &st, &ve);
    if (r == -ENOENT)
        return fail(r, err, errlen, "no libvirt domain '%s' at %s", it->domain,
                    virt_uri_name(it->uri));
    if (r)
        return fail(r, err, errlen, "%s", ve.msg);
    if (st != VIRT_STATE_RUNNING)
        return fail(-ESRCH, err, errlen, "domain '%s' is not running", it->domain);
    return 0;
}

int vmctl_check(const struct vmctl *c, struct vmctl_plan *p, char *err, size_t errlen)
{
    struct uri_cache uc = { 0 };
    int r = 0;
    for (size_t i = 0; i < p->n && r == 0; i++) {
        struct vmctl_item *it = &p->items[i];
        struct uri_doms *u = running_on(c, &uc, it->uri);
        if (!u) {
            r = fail(-ENOMEM, err, errlen, "out of memory");
            break;
        }
        if (u->rc) {
            r = fail(u->rc, err, errlen, "%s", u->err.msg);
            break;
        }
        if ((r = check_domain(c, u, it, err, errlen)) < 0)
            break;
        struct devinfo d;
        bool vague;
        item_devinfo(c, it, &d);
        const char *where = attached_to(u, &d, &vague);
        if (it->action == VMCTL_ATTACH) {
            if (where && !vague && strcmp(where, it->domain) == 0)
                it->fate = VMCTL_ALREADY;
            else if (where && !vague)
                r = fail(-EBUSY, err, errlen,
                         "Serial '%s' (Bus:Device %03u:%03u) is attached to '%s' already,"
                         " not attaching it to '%s'",
                         it->serial, it->bus, it->dev, where, it->domain);
        } else if (!where || vague || strcmp(where, it->domain) != 0) {
            it->fate = VMCTL_ALREADY;
        }
    }
    uri_cache_free(&uc);
    return r;
}

int vmctl_execute(const struct vmctl *c, struct vmctl_plan *p)
{
    int first = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct vmctl_item *it = &p->items[i];
        if (it->fate != VMCTL_TODO)
            continue;
        struct virt_err ve = { 0 };
        int r = it->action == VMCTL_ATTACH
                    ? c->ops->attach(c->ops_ctx, it->uri, it->domain, it->xml, &ve)
                    : c->ops->detach(c->ops_ctx, it->uri, it->domain, it->xml, &ve);
        if (r == 0) {
            it->fate = VMCTL_DONE;
            continue;
        }
        it->fate = VMCTL_FAILED;
        it->rc = r;
        snprintf(it->err, sizeof(it->err), "%s", ve.msg[0] ? ve.msg : strerror(-r));
        if (!first)
            first = r;
    }
    return first;
}

void vmctl_rows_free(struct vmctl_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++)
        free(rows[i].attached);
    free(rows);
}

static int add_row(struct vmctl_row **rows, size_t *n, const struct vmctl *c,
                   const struct devinfo *d, const char *serial)
{
    struct vmctl_row *v = realloc(*rows, (*n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    *rows = v;
    struct vmctl_row *row = &v[(*n)++];
    memset(row, 0, sizeof(*row));
    snprintf(row->serial, sizeof(row->serial), "%s", serial);
    if (d) {
        row->present = true;
        row->bus = d->bus;
        row->dev = d->dev;
        if (d->port[0])
            snprintf(row->port, sizeof(row->port), "%u-%s", d->bus, d->port);
    }
    const struct vmconf_domain *cd = vmconf_for_serial(c->conf, serial);
    row->assigned = cd ? cd->name : NULL;
    row->host_may_claim = cd == NULL;
    return 0;
}

int vmctl_status(const struct vmctl *c, struct vmctl_row **rows, size_t *n, char *err,
                 size_t errlen)
{
    struct vmctl_row *v = NULL;
    size_t cnt = 0;
    struct uri_cache uc = { 0 };
    int r = 0, first = 0;

    for (size_t i = 0; i < c->ndevs && r == 0; i++)
        if (c->devs[i].serial[0])
            r = add_row(&v, &cnt, c, &c->devs[i], c->devs[i].serial);
    for (size_t i = 0; i < vmconf_count(c->conf) && r == 0; i++) {
        const struct vmconf_domain *cd = vmconf_domain(c->conf, i);
        for (size_t k = 0; k < cd->nserials && r == 0; k++)
            if (!find_serial(c, cd->serials[k]))
                r = add_row(&v, &cnt, c, NULL, cd->serials[k]);
    }
    if (r)
        goto fail_oom;

    /* Ask every URI that matters: -c, else each domain's URI and the
     * default one. */
    if (c->uri) {
        if (!running_on(c, &uc, c->uri))
            goto fail_oom;
    } else {
        if (!running_on(c, &uc, NULL))
            goto fail_oom;
        for (size_t i = 0; i < vmconf_count(c->conf); i++)
            if (!running_on(c, &uc, vmconf_domain(c->conf, i)->uri))
                goto fail_oom;
    }
    for (size_t u = 0; u < uc.n; u++) {
        if (uc.v[u].rc && !first) {
            first = uc.v[u].rc;
            fail(first, err, errlen, "%s", uc.v[u].err.msg);
        }
    }
    for (size_t i = 0; i < cnt; i++) {
        struct vmctl_row *row = &v[i];
        if (!row->present)
            continue;
        const struct devinfo *d = find_serial(c, row->serial);
        for (size_t u = 0; u < uc.n && !row->attached; u++) {
            if (uc.v[u].rc) {
                row->attached_unknown = true;
                continue;
            }
            bool vague;
            const char *where = attached_to(&uc.v[u], d, &vague);
            if (where && !vague) {
                row->attached = strdup(where);
                if (!row->attached)
                    goto fail_oom;
                row->attached_unknown = false;
            }
        }
    }
    uri_cache_free(&uc);
    *rows = v;
    *n = cnt;
    return first;

fail_oom:
    uri_cache_free(&uc);
    vmctl_rows_free(v, cnt);
    return fail(-ENOMEM, err, errlen, "out of memory");
}
