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

static bool is_bb(uint16_t vid, uint16_t pid)
{
    return vid == BB_VENDOR_ID && pid == BB_PRODUCT_ID;
}

const char *vmctl_what(uint16_t vid, uint16_t pid, const char *serial, char *buf, size_t len)
{
    if (is_bb(vid, pid))
        snprintf(buf, len, "Serial '%s'", serial);
    else
        snprintf(buf, len, "Device %04x:%04x:%s", vid, pid, serial);
    return buf;
}

static int add_item(struct vmctl_plan *p, enum vmctl_action a, const struct devinfo *d,
                    bool present, const char *domain, const char *conf_id, const char *uri)
{
    struct vmctl_item *v = realloc(p->items, (p->n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    p->items = v;
    struct vmctl_item *it = &v[p->n];
    memset(it, 0, sizeof(*it));
    it->action = a;
    it->vid = d->vid;
    it->pid = d->pid;
    snprintf(it->serial, sizeof(it->serial), "%s", d->serial);
    it->bus = d->bus;
    it->dev = d->dev;
    it->present = present;
    bool oom = false;
    it->domain = dup_or_null(domain, &oom);
    it->conf_id = dup_or_null(conf_id, &oom);
    it->uri = dup_or_null(uri, &oom);
    it->xml = virtxml_hostdev_addr(d->bus, d->dev);
    p->n++; /* counted even on failure, so vmctl_plan_free releases it */
    return oom || !it->xml ? -ENOMEM : 0;
}

static const struct devinfo *find_dev(const struct vmctl *c, uint16_t vid, uint16_t pid,
                                      const char *serial)
{
    for (size_t i = 0; i < c->ndevs; i++)
        if (c->devs[i].vid == vid && c->devs[i].pid == pid &&
            strcmp(c->devs[i].serial, serial) == 0)
            return &c->devs[i];
    return NULL;
}

/* A bare serial names a BitBabbler only; other IDs any device scanned. */
static bool id_matches(const struct devid *id, const struct devinfo *d)
{
    if (!d->serial[0] || (id->kind == DEVID_SERIAL && !is_bb(d->vid, d->pid)))
        return false;
    return devid_match(id, d);
}

/* ", 003:006 (Serial 'GK9VZF')" for each device id matches, after the
 * first, into err. */
static void list_matches(const struct vmctl *c, const struct devid *id, char *err, size_t errlen)
{
    size_t used = strlen(err);
    const char *sep = "";
    for (size_t i = 0; i < c->ndevs && used + 1 < errlen; i++) {
        const struct devinfo *d = &c->devs[i];
        char w[DEVINFO_STR_MAX + 32];
        if (!id_matches(id, d))
            continue;
        snprintf(err + used, errlen - used, "%s%03u:%03u (%s)", sep, d->bus, d->dev,
                 vmctl_what(d->vid, d->pid, d->serial, w, sizeof(w)));
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
        if (!id_matches(id, &c->devs[i]))
            continue;
        if (found) {
            devid_format(id, what, sizeof(what));
            bool bb = is_bb(found->vid, found->pid) && is_bb(c->devs[i].vid, c->devs[i].pid);
            fail(-EINVAL, err, errlen, "%s matches more than one %s: ", what,
                 bb ? "BitBabbler" : "USB device");
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

/* The device DEVICE names: *found from the scan, or (gone, with -b/-d
 * given) *gone filled in from the ID and -b/-d.  "VID:PID:SERIAL" names
 * any device; 0403:7840:SERIAL is the same as SERIAL. */
static int resolve_one(const struct vmctl *c, const char *device, const struct devinfo **found,
                       struct devinfo *gone, char *err, size_t errlen)
{
    struct devid id;
    struct vmconf_usb u;
    char what[DEVINFO_STR_MAX + 64];
    int r;

    memset(gone, 0, sizeof(*gone));
    *found = NULL;
    bool by_usb = vmconf_parse_usb(device, &u) == 0;
    if (by_usb && !is_bb(u.vid, u.pid)) {
        vmctl_what(u.vid, u.pid, u.serial, what, sizeof(what));
        *found = find_dev(c, u.vid, u.pid, u.serial);
    } else {
        if (by_usb && !vmconf_valid_serial(u.serial))
            return fail(-EINVAL, err, errlen, "'%s': a BitBabbler's serial is 4 to 127 letters "
                        "and digits", device);
        if ((r = devid_parse(by_usb ? u.serial : device, &id, err, errlen)))
            return r;
        devid_format(&id, what, sizeof(what));
        r = vmctl_find(c, &id, found, err, errlen);
        if (r == -EINVAL)
            return r;
        if (!*found && id.kind != DEVID_SERIAL)
            return fail(-ENODEV, err, errlen, "no device at %s", what);
        u.vid = BB_VENDOR_ID;
        u.pid = BB_PRODUCT_ID;
        snprintf(u.serial, sizeof(u.serial), "%s", id.str);
    }
    const struct devinfo *d = *found;
    if (d && ((c->bus && c->bus != d->bus) || (c->dev && c->dev != d->dev)))
        return fail(-EINVAL, err, errlen,
                    "%s is at Bus:Device %03u:%03u, not at the address given with -b/-d",
                    what, d->bus, d->dev);
    if (d)
        return 0;
    if (!c->bus || !c->dev)
        return fail(-ENODEV, err, errlen,
                    "no %s with %s is present (give -b and -d to name its address)",
                    is_bb(u.vid, u.pid) ? "BitBabbler" : "USB device", what);
    /* Gone already (udev remove), or not visible to us: go by the address
     * the caller knows. */
    gone->vid = u.vid;
    gone->pid = u.pid;
    snprintf(gone->serial, sizeof(gone->serial), "%s", u.serial);
    gone->bus = c->bus;
    gone->dev = c->dev;
    return 0;
}

int vmctl_plan_one(const struct vmctl *c, enum vmctl_action a, const char *device,
                   struct vmctl_plan *out, char *err, size_t errlen)
{
    const struct devinfo *d = NULL;
    struct devinfo gone;
    char what[DEVINFO_STR_MAX + 32];
    memset(out, 0, sizeof(*out));
    int r = resolve_one(c, device, &d, &gone, err, errlen);
    if (r)
        return r;
    const struct devinfo *dev = d ? d : &gone;
    vmctl_what(dev->vid, dev->pid, dev->serial, what, sizeof(what));

    const struct vmconf_domain *cd = vmconf_for_usb(c->conf, dev->vid, dev->pid, dev->serial);
    const char *name;
    if (c->domain) {
        const struct vmconf_domain *named = vmconf_find(c->conf, c->domain);
        if (cd && cd != named)
            log_msg(LOG_WARN_LVL, "%s is assigned to '%s' in vm.conf, using '%s' as asked",
                    what, cd->name, c->domain);
        cd = named;
        name = cd ? cd->name : c->domain;
    } else if (cd) {
        name = cd->name;
    } else {
        /* udev runs us for every USB device with a serial: quiet for
         * devices other than BitBabblers. */
        log_msg(is_bb(dev->vid, dev->pid) ? LOG_WARN_LVL : LOG_INFO_LVL,
                "%s is not assigned to any domain: nothing to do", what);
        return 0;
    }
    const char *uri = c->uri ? c->uri : cd ? cd->uri : NULL;
    r = add_item(out, a, dev, d != NULL, name, cd ? cd->id : NULL, uri);
    if (r) {
        vmctl_plan_free(out);
        return fail(r, err, errlen, "out of memory");
    }
    return 0;
}

/* One device of domain cd, if present. */
static int plan_dev(const struct vmctl *c, enum vmctl_action a, const struct vmconf_domain *cd,
                    uint16_t vid, uint16_t pid, const char *serial, struct vmctl_plan *out)
{
    const struct devinfo *d = find_dev(c, vid, pid, serial);
    if (!d) {
        char what[DEVINFO_STR_MAX + 32];
        log_msg(LOG_INFO_LVL, "%s (for '%s') is not present, skipped",
                vmctl_what(vid, pid, serial, what, sizeof(what)), cd->name);
        return 0;
    }
    return add_item(out, a, d, true, cd->name, cd->id, c->uri ? c->uri : cd->uri);
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
        int r = 0;
        for (size_t k = 0; k < cd->nserials && r == 0; k++)
            r = plan_dev(c, a, cd, BB_VENDOR_ID, BB_PRODUCT_ID, cd->serials[k], out);
        for (size_t k = 0; k < cd->nusb && r == 0; k++)
            r = plan_dev(c, a, cd, cd->usb[k].vid, cd->usb[k].pid, cd->usb[k].serial, out);
        if (r) {
            vmctl_plan_free(out);
            return fail(r, err, errlen, "out of memory");
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
    const struct devinfo *scan = find_dev(c, it->vid, it->pid, it->serial);
    if (scan && scan->bus == it->bus && scan->dev == it->dev) {
        *d = *scan;
        return;
    }
    memset(d, 0, sizeof(*d));
    d->bus = it->bus;
    d->dev = it->dev;
    d->vid = it->vid;
    d->pid = it->pid;
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
        char what[DEVINFO_STR_MAX + 32];
        bool vague;
        item_devinfo(c, it, &d);
        const char *where = attached_to(u, &d, &vague);
        if (it->action == VMCTL_ATTACH) {
            if (where && !vague && strcmp(where, it->domain) == 0)
                it->fate = VMCTL_ALREADY;
            else if (where && !vague)
                r = fail(-EBUSY, err, errlen,
                         "%s (Bus:Device %03u:%03u) is attached to '%s' already,"
                         " not attaching it to '%s'",
                         vmctl_what(it->vid, it->pid, it->serial, what, sizeof(what)),
                         it->bus, it->dev, where, it->domain);
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
                   const struct devinfo *d, uint16_t vid, uint16_t pid, const char *serial)
{
    struct vmctl_row *v = realloc(*rows, (*n + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    *rows = v;
    struct vmctl_row *row = &v[(*n)++];
    memset(row, 0, sizeof(*row));
    row->vid = vid;
    row->pid = pid;
    snprintf(row->serial, sizeof(row->serial), "%s", serial);
    if (d) {
        row->present = true;
        row->bus = d->bus;
        row->dev = d->dev;
        if (d->port[0])
            snprintf(row->port, sizeof(row->port), "%u-%s", d->bus, d->port);
    }
    const struct vmconf_domain *cd = vmconf_for_usb(c->conf, vid, pid, serial);
    row->assigned = cd ? cd->name : NULL;
    row->host_may_claim = cd == NULL && is_bb(vid, pid);
    return 0;
}

int vmctl_status(const struct vmctl *c, struct vmctl_row **rows, size_t *n, char *err,
                 size_t errlen)
{
    struct vmctl_row *v = NULL;
    size_t cnt = 0;
    struct uri_cache uc = { 0 };
    int r = 0, first = 0;

    for (size_t i = 0; i < c->ndevs && r == 0; i++) {
        const struct devinfo *d = &c->devs[i];
        if (d->serial[0])
            r = add_row(&v, &cnt, c, d, d->vid, d->pid, d->serial);
    }
    for (size_t i = 0; i < vmconf_count(c->conf) && r == 0; i++) {
        const struct vmconf_domain *cd = vmconf_domain(c->conf, i);
        for (size_t k = 0; k < cd->nserials && r == 0; k++)
            if (!find_dev(c, BB_VENDOR_ID, BB_PRODUCT_ID, cd->serials[k]))
                r = add_row(&v, &cnt, c, NULL, BB_VENDOR_ID, BB_PRODUCT_ID, cd->serials[k]);
        for (size_t k = 0; k < cd->nusb && r == 0; k++) {
            const struct vmconf_usb *u = &cd->usb[k];
            if (!find_dev(c, u->vid, u->pid, u->serial))
                r = add_row(&v, &cnt, c, NULL, u->vid, u->pid, u->serial);
        }
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
        const struct devinfo *d = find_dev(c, row->vid, row->pid, row->serial);
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
