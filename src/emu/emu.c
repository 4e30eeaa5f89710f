/* emu: testbed, topology, devices and control commands.  See emu.h. */
#include "emu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <umockdev.h>
#include <unistd.h>

#include "log.h"
#include "topo.h"
#include "uevq.h"
#include "usbdev.h"

struct edev {
    struct emu *emu;
    char serial[FMODEL_SERIAL_MAX + 1];
    unsigned bus, want_dev, devnum;
    char port[SPEC_PORT_MAX];
    bool plugged;
    struct usbdev *ud;
    int wire_fd;
};

struct emu {
    UMockdevTestbed *tb;
    char *root;
    struct topo *topo;
    char *wire_dir;
    struct edev **devs;
    size_t ndevs, cap;
};

int emu_new(const char *wire_dir, struct emu **out)
{
    struct emu *e = calloc(1, sizeof(*e));
    int rc;

    *out = NULL;
    if (!e)
        return -ENOMEM;
    e->tb = umockdev_testbed_new();
    e->root = umockdev_testbed_get_root_dir(e->tb);
    rc = uevq_init(e->root);
    if (rc == 0)
        rc = topo_new(e->tb, &e->topo);
    if (rc)
        goto fail;
    if (wire_dir && !(e->wire_dir = strdup(wire_dir))) {
        rc = -ENOMEM;
        goto fail;
    }
    *out = e;
    return 0;
fail:
    emu_free(e);
    return rc;
}

void emu_free(struct emu *e)
{
    if (!e)
        return;
    /* the testbed first: it stops the worker thread that runs handlers */
    if (e->tb)
        g_object_unref(e->tb);
    uevq_fini();
    for (size_t i = 0; i < e->ndevs; i++) {
        usbdev_free(e->devs[i]->ud);
        if (e->devs[i]->wire_fd >= 0)
            close(e->devs[i]->wire_fd);
        free(e->devs[i]);
    }
    free(e->devs);
    topo_free(e->topo);
    g_free(e->root);
    free(e->wire_dir);
    free(e);
}

const char *emu_root(const struct emu *e)
{
    return e->root;
}

static struct edev *find(const struct emu *e, const char *serial)
{
    for (size_t i = 0; e && i < e->ndevs; i++)
        if (strcmp(e->devs[i]->serial, serial) == 0)
            return e->devs[i];
    return NULL;
}

/* Ports a and b (same bus) cannot both hold a BitBabbler. */
static int port_clash(unsigned bus, const char *a, const char *b, char *err, size_t err_len)
{
    size_t la = strlen(a), lb = strlen(b);
    if (strcmp(a, b) == 0)
        snprintf(err, err_len, "port %u-%s is already in use", bus, a);
    else if (lb > la && strncmp(a, b, la) == 0 && b[la] == '.')
        snprintf(err, err_len, "port %u-%s is a hub", bus, a);
    else if (la > lb && strncmp(a, b, lb) == 0 && a[lb] == '.')
        snprintf(err, err_len, "port %u-%s holds a BitBabbler, not a hub", bus, b);
    else
        return 0;
    return -EINVAL;
}

static unsigned bus_of(const struct spec *s)
{
    return s->bus ? s->bus : 1;
}

int emu_check(const struct emu *e, const struct spec *specs, size_t n, char *err,
              size_t err_len)
{
    for (size_t i = 0; i < n; i++) {
        const struct spec *s = &specs[i];
        unsigned bus = bus_of(s);
        const char *sn = s->serial;

        if (find(e, sn)) {
            snprintf(err, err_len, "duplicate serial '%s'", sn);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(specs[j].serial, sn) == 0) {
                snprintf(err, err_len, "duplicate serial '%s'", sn);
                return -EINVAL;
            }
            if (s->port[0] && specs[j].port[0] && bus_of(&specs[j]) == bus &&
                port_clash(bus, s->port, specs[j].port, err, err_len))
                return -EINVAL;
            if (s->dev && specs[j].dev == s->dev && bus_of(&specs[j]) == bus) {
                snprintf(err, err_len, "device number %u on bus %u given twice", s->dev, bus);
                return -EINVAL;
            }
        }
        for (size_t j = 0; s->port[0] && e && j < e->ndevs; j++)
            if (e->devs[j]->bus == bus && port_clash(bus, s->port, e->devs[j]->port, err,
                                                     err_len))
                return -EINVAL;
        if (s->dev && e && topo_devnum_used(e->topo, bus, s->dev)) {
            snprintf(err, err_len, "device number %u on bus %u is in use", s->dev, bus);
            return -EINVAL;
        }
    }
    return 0;
}

/* Lowest top-level port of bus that no device (in e or new) uses. */
static unsigned free_top_port(const struct emu *e, struct edev **extra, size_t nextra,
                              unsigned bus)
{
    for (unsigned p = 1;; p++) {
        bool used = false;
        for (size_t i = 0; i < e->ndevs + nextra && !used; i++) {
            const struct edev *d = i < e->ndevs ? e->devs[i] : extra[i - e->ndevs];
            used = d->bus == bus && d->port[0] && strtoul(d->port, NULL, 10) == p;
        }
        if (!used)
            return p;
    }
}

static void wire_sink(const char *line, void *user)
{
    struct edev *d = user;
    struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };
    if (d->wire_fd >= 0 && writev(d->wire_fd, iov, 2) < 0)
        log_msg(LOG_WARN_LVL, "bbemu: wire log of %s: %s", d->serial, strerror(errno));
}

static int plug_dev(struct edev *d, bool first)
{
    struct emu *e = d->emu;
    char parent[512];
    unsigned devnum = d->want_dev;
    int rc = 0;

    if (!first || !devnum)
        rc = first ? topo_devnum_lowest(e->topo, d->bus, &devnum)
                   : topo_devnum_next(e->topo, d->bus, &devnum);
    if (rc == 0)
        rc = topo_attach_point(e->topo, d->bus, d->port, parent, sizeof(parent));
    if (rc == 0)
        rc = usbdev_plug(d->ud, d->bus, devnum, d->port, parent);
    if (rc) {
        if (devnum)
            topo_devnum_put(e->topo, d->bus, devnum);
        return rc;
    }
    d->devnum = devnum;
    d->plugged = true;
    log_msg(LOG_WARN_LVL, "bbemu: plugged %s at %u-%s as %03u:%03u", d->serial, d->bus,
            d->port, d->bus, devnum);
    return 0;
}

static void unplug_dev(struct edev *d)
{
    if (!d->plugged)
        return;
    usbdev_unplug(d->ud);
    topo_devnum_put(d->emu->topo, d->bus, d->devnum);
    d->plugged = false;
    log_msg(LOG_WARN_LVL, "bbemu: unplugged %s", d->serial);
}

static void on_model_unplug(struct usbdev *ud, void *user)
{
    unplug_dev(user);
}

/* A device for spec s, not plugged yet. */
static int make_dev(struct emu *e, struct spec *s, struct edev **out)
{
    struct fmodel_config cfg = spec_model_config(s);
    struct edev *d = calloc(1, sizeof(*d));
    struct fmodel *m = NULL;
    int rc;

    *out = NULL;
    if (!d)
        return -ENOMEM;
    d->emu = e;
    d->wire_fd = -1;
    snprintf(d->serial, sizeof(d->serial), "%s", s->serial);
    d->bus = bus_of(s);
    d->want_dev = s->dev;
    snprintf(d->port, sizeof(d->port), "%s", s->port);
    rc = fmodel_new(&cfg, &m);
    if (rc)
        goto fail;
    for (size_t i = 0; i < s->nfaults; i++)
        (void)fmodel_fault_set(m, &s->faults[i]);   /* cannot fail: SPEC_MAX_FAULTS */
    fmodel_wire_sink(m, wire_sink, d);
    rc = usbdev_new(e->tb, m, &d->ud);   /* takes m */
    if (rc)
        goto fail;
    usbdev_set_unplug_fn(d->ud, on_model_unplug, d);
    usbdev_set_paced(d->ud, s->paced);
    if (e->wire_dir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s.wire", e->wire_dir, d->serial);
        d->wire_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (d->wire_fd < 0) {
            rc = -errno;
            goto fail;
        }
    }
    *out = d;
    return 0;
fail:
    if (d->ud)
        usbdev_free(d->ud);              /* not plugged: no handler exists */
    free(d);
    return rc;
}

int emu_add(struct emu *e, struct spec *specs, size_t n, char *err, size_t err_len)
{
    struct edev **nd = calloc(n ? n : 1, sizeof(*nd));
    size_t made = 0, i;
    int rc = emu_check(e, specs, n, err, err_len);

    if (!nd)
        rc = -ENOMEM;
    if (rc)
        goto fail;
    if (e->ndevs + n > e->cap) {
        size_t cap = e->ndevs + n + 8;
        struct edev **devs = realloc(e->devs, cap * sizeof(*devs));
        if (!devs) {
            rc = -ENOMEM;
            goto fail;
        }
        e->devs = devs;
        e->cap = cap;
    }
    for (made = 0; made < n; made++) {
        rc = make_dev(e, &specs[made], &nd[made]);
        if (rc) {
            snprintf(err, err_len, "device '%s': %s", specs[made].serial, strerror(-rc));
            goto fail;
        }
    }
    for (i = 0; i < n; i++)
        if (!nd[i]->port[0])
            snprintf(nd[i]->port, sizeof(nd[i]->port), "%u",
                     free_top_port(e, nd, n, nd[i]->bus));
    for (i = 0; i < n; i++)
        if (nd[i]->want_dev)
            topo_devnum_take(e->topo, nd[i]->bus, nd[i]->want_dev);
    for (i = 0; i < n; i++)
        e->devs[e->ndevs++] = nd[i];
    made = 0;                            /* owned by e from here on */
    for (i = 0; i < n; i++) {
        rc = plug_dev(nd[i], true);
        if (rc) {
            snprintf(err, err_len, "cannot plug '%s': %s", nd[i]->serial, strerror(-rc));
            goto fail;
        }
    }
    free(nd);
    return 0;
fail:
    for (i = 0; i < made; i++) {
        usbdev_free(nd[i]->ud);
        if (nd[i]->wire_fd >= 0)
            close(nd[i]->wire_fd);
        free(nd[i]);
    }
    free(nd);
    return rc;
}

static int need_plugged(struct edev *d, bool want, char *err, size_t err_len)
{
    if (d->plugged == want)
        return 0;
    snprintf(err, err_len, "'%s' is %s plugged in", d->serial, want ? "not" : "already");
    return -EINVAL;
}

static int run(struct emu *e, const char *cmd, struct edev *d, const char *arg, char *err,
               size_t err_len)
{
    int rc;

    if (strcmp(cmd, "unplug") == 0) {
        rc = need_plugged(d, true, err, err_len);
        if (rc == 0)
            unplug_dev(d);
    } else if (strcmp(cmd, "plug") == 0) {
        rc = need_plugged(d, false, err, err_len);
        if (rc == 0 && (rc = plug_dev(d, false)) != 0)
            snprintf(err, err_len, "cannot plug '%s': %s", d->serial, strerror(-rc));
    } else if (strcmp(cmd, "replug") == 0) {
        rc = need_plugged(d, true, err, err_len);
        if (rc == 0) {
            unplug_dev(d);
            if ((rc = plug_dev(d, false)) != 0)
                snprintf(err, err_len, "cannot plug '%s': %s", d->serial, strerror(-rc));
        }
    } else if (strcmp(cmd, "fault") == 0) {
        struct fmodel_fault_spec f;
        rc = fmodel_fault_parse(arg, &f, err, err_len);
        if (rc == 0 && (rc = usbdev_fault(d->ud, &f)) != 0)
            snprintf(err, err_len, "fault '%s': %d faults armed already", arg, FMODEL_MAX_ARMED);
    } else if (strcmp(cmd, "clear") == 0) {
        usbdev_clear_faults(d->ud);
        rc = 0;
    } else {                             /* dump */
        rc = usbdev_dump(d->ud, arg);
        if (rc)
            snprintf(err, err_len, "cannot write '%s': %s", arg, strerror(-rc));
    }
    (void)e;
    return rc;
}

int emu_command(struct emu *e, const char *line, char *err, size_t err_len)
{
    char cmd[16], serial[FMODEL_SERIAL_MAX + 2], *arg;
    const char *p = line;
    int nargs;
    size_t n;

    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#')
        return 0;
    n = strcspn(p, " \t");
    if (n >= sizeof(cmd))
        goto unknown;
    memcpy(cmd, p, n);
    cmd[n] = '\0';
    p += n + strspn(p + n, " \t");
    if (strcmp(cmd, "add") == 0) {
        struct spec s;
        if (!*p || p[strcspn(p, " \t")]) {
            snprintf(err, err_len, "usage: add SPEC");
            return -EINVAL;
        }
        int rc = spec_parse(p, &s, err, err_len);
        if (rc == 0)
            rc = emu_add(e, &s, 1, err, err_len);
        spec_clear(&s);
        return rc;
    }
    if (strcmp(cmd, "unplug") == 0 || strcmp(cmd, "plug") == 0 ||
        strcmp(cmd, "replug") == 0 || strcmp(cmd, "clear") == 0)
        nargs = 1;
    else if (strcmp(cmd, "fault") == 0 || strcmp(cmd, "dump") == 0)
        nargs = 2;
    else
        goto unknown;
    n = strcspn(p, " \t");
    if (n == 0 || n >= sizeof(serial))
        goto usage;
    memcpy(serial, p, n);
    serial[n] = '\0';
    p += n + strspn(p + n, " \t");
    arg = strdup(p);
    if (!arg)
        return -ENOMEM;
    for (n = strlen(arg); n && (arg[n - 1] == ' ' || arg[n - 1] == '\t'); n--)
        arg[n - 1] = '\0';
    if ((nargs == 1 && arg[0]) || (nargs == 2 && (!arg[0] || (cmd[0] == 'f' &&
                                                              strpbrk(arg, " \t"))))) {
        free(arg);
        goto usage;
    }
    struct edev *d = find(e, serial);
    int rc = -ENODEV;
    if (!d)
        snprintf(err, err_len, "no device with serial '%s'", serial);
    else
        rc = run(e, cmd, d, arg, err, err_len);
    free(arg);
    return rc;
usage:
    snprintf(err, err_len, "usage: %s SERIAL%s", cmd,
             nargs == 1 ? "" : cmd[0] == 'f' ? " NAME[:ARG]" : " FILE");
    return -EINVAL;
unknown:
    snprintf(err, err_len, "unknown command '%.*s'", (int)strcspn(line, "\r\n"), line);
    return -EINVAL;
}
