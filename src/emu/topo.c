/* topo: emulated USB tree (root hubs, hubs, device numbers).  See topo.h. */
#include "topo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "spec.h"
#include "sysrec.h"

#define NBUS (SPEC_MAX_BUS + 1)
#define NDEV (SPEC_MAX_DEV + 1)

struct bus {
    bool exists;
    char path[96];              /* /devices/pci0000:00/0000:00:SS.0/usbB */
    bool used[NDEV];
    unsigned last;              /* last number handed out to a device */
};

struct hub {
    unsigned bus;
    char port[SPEC_PORT_MAX];
};

struct topo {
    UMockdevTestbed *tb;
    struct bus bus[NBUS];
    unsigned ncontrollers;
    struct hub *hubs;
    size_t nhubs, cap_hubs;
};

int topo_new(UMockdevTestbed *tb, struct topo **out)
{
    struct topo *t = calloc(1, sizeof(*t));
    *out = NULL;
    if (!t)
        return -ENOMEM;
    t->tb = tb;
    *out = t;
    return 0;
}

void topo_free(struct topo *t)
{
    if (!t)
        return;
    free(t->hubs);
    free(t);
}

bool topo_devnum_used(const struct topo *t, unsigned bus, unsigned devnum)
{
    return bus < NBUS && devnum < NDEV && t->bus[bus].used[devnum];
}

void topo_devnum_take(struct topo *t, unsigned bus, unsigned devnum)
{
    if (bus < NBUS && devnum < NDEV)
        t->bus[bus].used[devnum] = true;
}

void topo_devnum_put(struct topo *t, unsigned bus, unsigned devnum)
{
    if (bus < NBUS && devnum > 1 && devnum < NDEV)
        t->bus[bus].used[devnum] = false;
}

static int take_from(struct topo *t, unsigned bus, unsigned start, unsigned *out)
{
    struct bus *b = &t->bus[bus];
    for (unsigned i = 0; i < NDEV - 2; i++) {
        unsigned d = 2 + (start - 2 + i) % (NDEV - 2);
        if (!b->used[d]) {
            b->used[d] = true;
            b->last = d;
            *out = d;
            return 0;
        }
    }
    return -ENOSPC;
}

int topo_devnum_lowest(struct topo *t, unsigned bus, unsigned *out)
{
    return bus < NBUS ? take_from(t, bus, 2, out) : -EINVAL;
}

int topo_devnum_next(struct topo *t, unsigned bus, unsigned *out)
{
    if (bus >= NBUS)
        return -EINVAL;
    unsigned start = t->bus[bus].last + 1;
    return take_from(t, bus, start < 2 || start >= NDEV ? 2 : start, out);
}

static int add_record(struct topo *t, char *rec)
{
    GError *err = NULL;
    int rc = 0;
    if (!umockdev_testbed_add_from_string(t->tb, rec, &err)) {
        log_msg(LOG_ERR_LVL, "bbemu: umockdev refused a hub record: %s", err->message);
        g_error_free(err);
        rc = -EIO;
    }
    g_free(rec);
    return rc;
}

static int ensure_bus(struct topo *t, unsigned bus)
{
    struct bus *b = &t->bus[bus];
    if (b->exists)
        return 0;
    snprintf(b->path, sizeof(b->path), "/devices/pci0000:00/0000:00:%02x.0/usb%u",
             0x10 + t->ncontrollers, bus);
    int rc = add_record(t, sysrec_hub(b->path, bus, 1, ""));
    if (rc)
        return rc;
    t->ncontrollers++;
    b->used[1] = true;
    b->exists = true;
    return 0;
}

bool topo_is_hub(const struct topo *t, unsigned bus, const char *port)
{
    for (size_t i = 0; i < t->nhubs; i++)
        if (t->hubs[i].bus == bus && strcmp(t->hubs[i].port, port) == 0)
            return true;
    return false;
}

static int add_hub(struct topo *t, unsigned bus, const char *port, const char *devpath)
{
    struct bus *b = &t->bus[bus];
    unsigned d;

    if (t->nhubs == t->cap_hubs) {
        size_t cap = t->cap_hubs ? 2 * t->cap_hubs : 8;
        struct hub *h = realloc(t->hubs, cap * sizeof(*h));
        if (!h)
            return -ENOMEM;
        t->hubs = h;
        t->cap_hubs = cap;
    }
    for (d = NDEV - 1; d >= 2 && b->used[d]; d--)
        ;
    if (d < 2)
        return -ENOSPC;
    int rc = add_record(t, sysrec_hub(devpath, bus, d, port));
    if (rc)
        return rc;
    b->used[d] = true;
    t->hubs[t->nhubs].bus = bus;
    snprintf(t->hubs[t->nhubs].port, sizeof(t->hubs[0].port), "%s", port);
    t->nhubs++;
    log_msg(LOG_INFO_LVL, "bbemu: hub %u-%s is device %03u:%03u", bus, port, bus, d);
    return 0;
}

int topo_attach_point(struct topo *t, unsigned bus, const char *port, char *parent,
                      size_t parent_len)
{
    char prefix[SPEC_PORT_MAX], path[512];
    int rc;

    if (bus == 0 || bus >= NBUS || strlen(port) >= sizeof(prefix))
        return -EINVAL;
    rc = ensure_bus(t, bus);
    if (rc)
        return rc;
    snprintf(path, sizeof(path), "%s", t->bus[bus].path);
    for (const char *dot = strchr(port, '.'); dot; dot = strchr(dot + 1, '.')) {
        snprintf(prefix, sizeof(prefix), "%.*s", (int)(dot - port), port);
        size_t n = strlen(path);
        snprintf(path + n, sizeof(path) - n, "/%u-%s", bus, prefix);
        if (!topo_is_hub(t, bus, prefix)) {
            rc = add_hub(t, bus, prefix, path);
            if (rc)
                return rc;
        }
    }
    if (strlen(path) >= parent_len)
        return -ENAMETOOLONG;
    memcpy(parent, path, strlen(path) + 1);
    return 0;
}
