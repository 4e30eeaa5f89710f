/* sources: devices feeding a program.  See sources.h. */
#include "sources.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbdev.h"
#include "evl.h"
#include "fold.h"
#include "log.h"
#include "usbenum.h"

struct src {
    struct sources *set;
    struct bbdev *dev;
    struct devinfo info;
    unsigned fold;
    uint8_t *buf;
    size_t raw_len;
    struct src *next;
};

/* A hotplugged device udev announced before libusb listed it. */
#define PENDING_MAX 16
#define PENDING_RETRY_MS 100
#define PENDING_TRIES 50

struct pending {
    struct devinfo info;
    const struct devcfg *cfg;
    unsigned tries;
};

struct sources {
    struct evl *loop;
    struct usbenum *ue;
    struct sources_cfg cfg;
    struct sources_sink sink;
    void *ud;
    struct src *list;
    struct pending pending[PENDING_MAX];
    size_t n_pending;
    struct evl_timer *retry;
};

static void src_free(struct src *x)
{
    if (!x)
        return;
    bbdev_free(x->dev);
    free(x->buf);
    free(x);
}

static void src_unlink(struct sources *s, struct src *x)
{
    for (struct src **pp = &s->list; *pp; pp = &(*pp)->next) {
        if (*pp == x) {
            *pp = x->next;
            return;
        }
    }
}

static void on_block(void *ud, struct bbdev *d, const uint8_t *raw, size_t len)
{
    struct src *x = ud;
    size_t out = 0;
    memcpy(x->buf, raw, len);
    if (fold_bytes(x->buf, len, x->fold, &out) < 0)
        return; /* cannot happen: raw_len is block_size << fold */
    x->set->sink.block(x->set->ud, x->buf, out);
}

static void on_event(void *ud, struct bbdev *d, enum bbdev_event ev, int err, const char *msg)
{
    struct src *x = ud;
    struct sources *s = x->set;

    switch (ev) {
    case BBDEV_READY:
        log_msg(1, "%s: streaming from Bus:Device %03u:%03u", x->info.serial, x->info.bus,
                x->info.dev);
        return;
    case BBDEV_RECOVER:
        return;
    case BBDEV_FAILED:
    case BBDEV_GONE:
        break;
    }
    char why[300];
    snprintf(why, sizeof(why), "%s", msg);
    src_unlink(s, x);
    src_free(x);
    /* The last device's reason goes to all_gone (the program reports it
     * once); otherwise it is logged here. */
    if (s->list || s->cfg.hotplug)
        log_msg(0, "%s", why);
    if (!s->list)
        s->sink.all_gone(s->ud, why);
}

static const struct bbdev_ops src_ops = { .block = on_block, .event = on_event };

static const struct devcfg *select_cfg(const struct sources *s, const struct devinfo *di)
{
    if (!di->serial[0])
        return NULL;
    if (s->cfg.n_ids == 0)
        return s->cfg.defaults;
    for (size_t i = 0; i < s->cfg.n_ids; i++)
        if (devid_match(&s->cfg.ids[i].id, di))
            return &s->cfg.ids[i];
    return NULL;
}

static bool have_device(const struct sources *s, const struct devinfo *di)
{
    for (const struct src *x = s->list; x; x = x->next)
        if (x->info.bus == di->bus && x->info.dev == di->dev)
            return true;
    return false;
}

/* quiet_absent: a device libusb does not list yet is not an error (yet). */
static int start_one(struct sources *s, const struct devinfo *di, const struct devcfg *c,
                     bool quiet_absent)
{
    int fold = devcfg_fold_for(c, di->product);
    if (fold < 0) {
        log_msg(0, "%s: unknown product '%s' and folding not set (use --fold)", di->serial,
                di->product);
        return -EINVAL;
    }
    struct src *x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    x->set = s;
    x->info = *di;
    x->fold = (unsigned)fold;
    x->raw_len = s->cfg.block_size << x->fold;
    x->buf = malloc(x->raw_len);
    if (!x->buf) {
        free(x);
        return -ENOMEM;
    }
    const struct bbdev_params p = {
        .bitrate = c->bitrate,
        .latency_ms = c->latency_ms,
        .enable_mask = c->enable_mask,
        .limit_max_xfer = c->limit_max_xfer,
        .block_len = x->raw_len,
    };
    int r = bbdev_new(s->loop, s->ue, di, &p, &src_ops, x, &x->dev);
    if (r == 0 && quiet_absent && !bbdev_present(x->dev))
        r = -ENODEV;
    else if (r == 0)
        r = bbdev_start(x->dev);
    if (r < 0) {
        src_free(x);
        return r;
    }
    log_msg(2, "%s: started, fold %u, raw block %zu bytes", di->serial, x->fold, x->raw_len);
    x->next = s->list;
    s->list = x;
    return 0;
}

static void on_hotplug(void *ud, bool added, const struct devinfo *di)
{
    struct sources *s = ud;

    if (!added) {
        for (struct src *x = s->list; x; x = x->next) {
            if (!strcmp(x->info.syspath, di->syspath)) {
                log_msg(0, "%s: removed", x->info.serial);
                src_unlink(s, x);
                src_free(x);
                if (!s->list)
                    s->sink.all_gone(s->ud, "all devices removed");
                return;
            }
        }
        return;
    }
    if (have_device(s, di))
        return;
    const struct devcfg *c = select_cfg(s, di);
    if (!c) {
        log_msg(1, "Bus:Device %03u:%03u ('%s') added, not selected", di->bus, di->dev,
                di->serial);
        return;
    }
    log_msg(1, "%s: added at Bus:Device %03u:%03u", di->serial, di->bus, di->dev);
    /* libusb learns of new devices from its own udev monitor, which may
     * not have seen this one yet: retry for a while if so. */
    if (start_one(s, di, c, true) == -ENODEV && s->n_pending < PENDING_MAX) {
        s->pending[s->n_pending++] = (struct pending){ *di, c, 0 };
        evl_timer_arm(s->retry, PENDING_RETRY_MS);
    }
}

static void on_retry(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct sources *s = ud;
    size_t keep = 0;
    for (size_t i = 0; i < s->n_pending; i++) {
        struct pending *p = &s->pending[i];
        int r = have_device(s, &p->info) ? 0 : start_one(s, &p->info, p->cfg, true);
        if (r == -ENODEV && ++p->tries < PENDING_TRIES) {
            s->pending[keep++] = *p;
        } else if (r == -ENODEV) {
            log_msg(0, "%s: Bus:Device %03u:%03u never became usable", p->info.serial,
                    p->info.bus, p->info.dev);
        }
    }
    s->n_pending = keep;
    if (keep)
        evl_timer_arm(t, PENDING_RETRY_MS);
}

/* Without hotplug every configured ID must name a present device. */
static int check_ids(const struct sources *s, const struct devinfo *devs, size_t n)
{
    for (size_t i = 0; i < s->cfg.n_ids; i++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = devid_match(&s->cfg.ids[i].id, &devs[k]);
        if (!found) {
            char buf[DEVINFO_STR_MAX + 32];
            log_msg(0, "No device matching %s", devid_format(&s->cfg.ids[i].id, buf, sizeof(buf)));
            return -ENOENT;
        }
    }
    return 0;
}

int sources_new(struct evl *loop, struct usbenum *ue, const struct sources_cfg *cfg,
                const struct sources_sink *sink, void *ud, struct sources **out)
{
    struct devinfo *devs = NULL;
    size_t n = 0;
    int r;
    struct sources *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->loop = loop;
    s->ue = ue;
    s->cfg = *cfg;
    s->sink = *sink;
    s->ud = ud;
    if ((r = evl_timer_new(loop, on_retry, s, &s->retry)) < 0)
        goto fail;

    /* Monitor first, so nothing plugged during the scan is missed. */
    if (cfg->hotplug && (r = usbenum_monitor(ue, on_hotplug, s)) < 0)
        goto fail;
    if ((r = usbenum_scan(ue, &devs, &n)) < 0) {
        log_msg(0, "Device scan failed: %s", strerror(-r));
        goto fail;
    }
    if (!cfg->hotplug && (r = check_ids(s, devs, n)) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const struct devcfg *c = select_cfg(s, &devs[i]);
        if (!devs[i].serial[0])
            log_msg(0, "Bus:Device %03u:%03u has no serial number, not used", devs[i].bus,
                    devs[i].dev);
        if (!c || have_device(s, &devs[i]))
            continue;
        r = start_one(s, &devs[i], c, false);
        if (r < 0 && !cfg->hotplug)
            goto fail;
    }
    if (!s->list) {
        if (!cfg->hotplug) {
            log_msg(0, "No devices found");
            r = -ENODEV;
            goto fail;
        }
        log_msg(1, "No devices yet, waiting for one to be plugged in");
    }
    free(devs);
    *out = s;
    return 0;
fail:
    free(devs);
    sources_free(s);
    return r;
}

void sources_free(struct sources *s)
{
    if (!s)
        return;
    while (s->list) {
        struct src *x = s->list;
        s->list = x->next;
        src_free(x);
    }
    evl_timer_free(s->retry);
    free(s);
}

size_t sources_running(const struct sources *s)
{
    size_t n = 0;
    for (const struct src *x = s->list; x; x = x->next)
        n++;
    return n;
}
