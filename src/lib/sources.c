/* sources: devices feeding a program.  See sources.h. */
#include "sources.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "bbdev.h"
#include "evl.h"
#include "ftdi.h"
#include "health.h"
#include "log.h"
#include "monitors.h"
#include "pool.h"
#include "usbenum.h"
#include "vmconf.h"

struct src {
    struct sources *set;
    struct bbdev *dev;
    struct devinfo info;
    const struct devcfg *cfg;
    unsigned fold;
    size_t raw_len;
    struct health *qa;
    struct pool_group *group;
    uint32_t member;
    struct backoff bo;
    struct evl_timer *wake;   /* end of a timed idle wait */
    struct evl_timer *rel;    /* release the device (outside callbacks) */
    struct evl_timer *warn;   /* the repeated "still failing QA" warning */
    bool waiting;
    bool streaming;           /* BBDEV_READY seen */
    /* QA reports: failing since the verdict last went bad, and the bytes
     * dropped since (or since the last warning). */
    bool failing, ever_ok, said_bringup;
    uint64_t dropped, dropped_total, fail_start_ms;
    struct sources_devstat st;  /* introspection */
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
    /* Devices that failed or went away, newest first. */
    struct sources_devstat departed[SOURCES_MAX_DEPARTED];
    size_t n_departed;
    struct pending pending[PENDING_MAX];
    size_t n_pending;
    struct evl_timer *retry;
};

static void on_drained(void *ud);
static void tell_changed(struct sources *s);

static void src_free(struct src *x)
{
    if (!x)
        return;
    bbdev_free(x->dev);
    if (x->set) {
        pool_remove_notify(x->set->cfg.pool, on_drained, x);
        if (x->group && x->member)
            pool_group_leave(x->group, x->member);
        if (x->qa && x->set->cfg.monitors)
            monitors_remove(x->set->cfg.monitors, x->qa);
    }
    health_free(x->qa);
    evl_timer_free(x->wake);
    evl_timer_free(x->rel);
    evl_timer_free(x->warn);
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

/* ---- introspection ------------------------------------------------------- */

static void forget_departed(struct sources *s, const char *serial)
{
    size_t k = 0;
    for (size_t i = 0; i < s->n_departed; i++)
        if (strcmp(s->departed[i].serial, serial))
            s->departed[k++] = s->departed[i];
    s->n_departed = k;
}

/* x failed or went away: its last numbers stay listed. */
static void depart(struct sources *s, struct src *x, enum sources_state st)
{
    forget_departed(s, x->info.serial);
    size_t n = s->n_departed < SOURCES_MAX_DEPARTED ? s->n_departed : SOURCES_MAX_DEPARTED - 1;
    memmove(&s->departed[1], &s->departed[0], n * sizeof(s->departed[0]));
    s->departed[0] = x->st;
    s->departed[0].state = st;
    s->n_departed = n + 1;
}

size_t sources_count(const struct sources *s)
{
    size_t n = s->n_departed;
    for (const struct src *x = s->list; x; x = x->next)
        n++;
    return n;
}

int sources_get(const struct sources *s, size_t i, struct sources_devstat *out)
{
    for (const struct src *x = s->list; x; x = x->next) {
        if (i-- == 0) {
            *out = x->st;
            return 0;
        }
    }
    if (i >= s->n_departed)
        return -ENOENT;
    *out = s->departed[i];
    return 0;
}

const char *sources_state_name(enum sources_state st)
{
    static const char *const names[] = {
        [SOURCES_STARTING] = "starting",   [SOURCES_STREAMING] = "streaming",
        [SOURCES_IDLE] = "idle",           [SOURCES_SUSPENDED] = "suspended",
        [SOURCES_RECOVERING] = "recovering", [SOURCES_FAILED] = "failed",
        [SOURCES_GONE] = "gone",
    };
    return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

/* ---- idle back-off ----------------------------------------------------- */

static void end_wait(struct src *x)
{
    if (!x->waiting)
        return;
    x->waiting = false;
    x->st.state = SOURCES_STREAMING;
    pool_remove_notify(x->set->cfg.pool, on_drained, x);
    evl_timer_disarm(x->wake);
    evl_timer_disarm(x->rel);
    bbdev_pause(x->dev, false);
}

/* A reader took data.  This may run inside another device's libusb
 * callback, where re-claiming a released device (libusb_open) would
 * deadlock: wake up from a timer instead. */
static void on_drained(void *ud)
{
    struct src *x = ud;
    if (x->waiting)
        evl_timer_arm(x->wake, 0);
}

static void on_wake(struct evl *loop, struct evl_timer *t, void *ud)
{
    end_wait(ud);
}

static void on_release(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct src *x = ud;
    if (x->waiting && bbdev_suspend(x->dev) == 0)
        x->st.state = SOURCES_SUSPENDED;
}

static void start_wait(struct src *x, enum backoff_wait w, uint64_t ms, bool release)
{
    struct pool *pool = x->set->cfg.pool;
    if (pool_on_drained(pool, on_drained, x) < 0)
        return; /* cannot wait for a reader: just go on */
    x->waiting = true;
    x->st.state = SOURCES_IDLE;
    bbdev_pause(x->dev, true);
    if (w == BACKOFF_TIMED)
        evl_timer_arm(x->wake, ms);
    if (release)
        evl_timer_arm(x->rel, 0);
    log_msg(5, "%s: pool full, idle %s%s", x->info.serial,
            w == BACKOFF_TIMED ? "for a while" : "until read",
            release ? ", device released" : "");
}

/* ---- QA reports ----------------------------------------------------------- */

/* Why the monitor rejects data, for the log: "FIPS (Runs, Poker: 3 of 26
 * blocks failed)", "Ent8", ... */
static void qa_reasons(const struct health *qa, const struct health_verdict *v, char *buf,
                       size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    if (!health_fips_ok(qa)) {
        n += (size_t)snprintf(buf + n, len - n, "FIPS");
        if (v->fips_failed) {
            const char *sep = " (";
            for (unsigned t = 0; t < FIPS_RESULT && n < len; t++) {
                if (v->fips_tests & (1u << t)) {
                    n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, fips_test_name(t));
                    sep = ", ";
                }
            }
            if (n < len)
                n += (size_t)snprintf(buf + n, len - n, ": %u of %u blocks failed)",
                                      v->fips_failed, v->fips_blocks);
        } else if (n < len) {
            n += (size_t)snprintf(buf + n, len - n, " (fail rates too high, or a pass run "
                                                    "too long, over recent blocks)");
        }
    }
    if (!health_ent8_ok(qa) && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%sEnt8 (results out of bounds)", n ? ", " : "");
    if (!health_ent16_ok(qa) && n < len)
        snprintf(buf + n, len - n, "%sEnt16 (results out of bounds)", n ? ", " : "");
}

/* Bring-up, not failure: the monitor has not been ok yet and nothing has
 * failed, it only waits for its first 20 passing FIPS blocks or (at >= 5
 * Mbit/s) its first Ent8 result. */
static bool qa_bringing_up(const struct src *x, const struct health_verdict *v)
{
    const struct health *qa = x->qa;
    return !x->ever_ok && !v->fips_failed && health_ent16_ok(qa) &&
           (health_ent8_ok(qa) || !ent_have_results(health_ent8(qa)));
}

static void on_warn(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct src *x = ud;
    log_msg(0, "%s: still failing QA: %llu bytes dropped in the last %u s (%llu since it "
               "started failing)", x->info.serial, (unsigned long long)x->dropped,
            SOURCES_QA_WARN_MS / 1000, (unsigned long long)x->dropped_total);
    x->dropped = 0;
    evl_timer_arm(t, SOURCES_QA_WARN_MS);
}

/* Says once when the device starts failing QA and once when it passes
 * again; in between on_warn repeats. */
static void qa_report(struct src *x, const struct health_verdict *v)
{
    if (!v->ok && !x->failing) {
        char why[256];
        if (qa_bringing_up(x, v)) {
            if (!x->said_bringup)
                log_msg(2, "%s: no output until QA passes the first time (20 FIPS blocks "
                           "in a row%s)", x->info.serial,
                        health_ent8_ok(x->qa) ? "" : " and the first Ent8 result");
            x->said_bringup = true;
            return;
        }
        qa_reasons(x->qa, v, why, sizeof(why));
        log_msg(0, "%s: failing QA: %s; its data is dropped until it passes again",
                x->info.serial, why);
        x->failing = true;
        x->dropped = x->dropped_total = 0;
        x->fail_start_ms = evl_now_ms();
        evl_timer_arm(x->warn, SOURCES_QA_WARN_MS);
    }
    if (x->failing) {
        x->dropped += v->dropped;
        x->dropped_total += v->dropped;
    }
    x->ever_ok |= v->ok;
    if (v->ok && x->failing) {
        uint64_t ms = evl_now_ms() - x->fail_start_ms;
        log_note(0, "%s: passing QA again after %llu.%llu s; %llu bytes were dropped",
                x->info.serial, (unsigned long long)(ms / 1000),
                (unsigned long long)(ms % 1000 / 100), (unsigned long long)x->dropped_total);
        x->failing = false;
        evl_timer_disarm(x->warn);
    } else if (v->ok && v->fips_failed) {
        log_msg(3, "%s: %u of %u FIPS blocks failed, %llu bytes dropped", x->info.serial,
                v->fips_failed, v->fips_blocks, (unsigned long long)v->dropped);
    }
}

/* ---- one block --------------------------------------------------------- */

/* Bytes the gate passed. */
static void on_pass(void *ud, const uint8_t *p, size_t n)
{
    struct src *x = ud;
    int r = pool_group_feed(x->group, x->member, p, n);
    if (r == 0)
        x->st.bytes_passed += n;
    if (r < 0)
        log_msg(0, "%s: %zu bytes lost on their way to group %u: %s", x->info.serial, n,
                pool_group_id(x->group), strerror(-r));
}

/* A block of group-size bytes, folded by the driver as it arrived. */
static void on_block(void *ud, struct bbdev *d, const uint8_t *block, size_t out)
{
    struct src *x = ud;
    struct pool *pool = x->set->cfg.pool;

    bool was_full = pool_full(pool);
    x->st.state = SOURCES_STREAMING;
    x->st.bytes_read += (uint64_t)out << x->fold;
    backoff_after_block(&x->bo, was_full);
    if (x->cfg->no_qa) {
        bool passed = health_check(x->qa, block, out);
        if (pool_group_add(x->group, x->member, block, out) == 0)
            x->st.bytes_passed += out;
        log_msg(5, "%s: %zu bytes to group %u%s", x->info.serial, out, pool_group_id(x->group),
                passed ? "" : " (QA failed, --no-qa)");
    } else {
        struct health_verdict v;
        health_gate(x->qa, x->set->cfg.gate, block, out, on_pass, x, &v);
        qa_report(x, &v);
        if (!v.ok)
            backoff_reset(&x->bo);
        log_msg(5, "%s: block %s QA, %llu bytes to group %u, %llu dropped", x->info.serial,
                v.ok ? "passed" : "failed", (unsigned long long)v.passed,
                pool_group_id(x->group), (unsigned long long)v.dropped);
    }

    uint64_t ms;
    bool release;
    enum backoff_wait w = backoff_next(&x->bo, pool_full(pool), &ms, &release);
    if (w != BACKOFF_GO)
        start_wait(x, w, ms, release);
}

static void on_event(void *ud, struct bbdev *d, enum bbdev_event ev, int err, const char *msg)
{
    struct src *x = ud;
    struct sources *s = x->set;

    switch (ev) {
    case BBDEV_READY:
        x->st.state = SOURCES_STREAMING;
        log_msg(1, "%s: streaming from Bus:Device %03u:%03u", x->info.serial, x->info.bus,
                x->info.dev);
        x->streaming = true;
        tell_changed(s);
        return;
    case BBDEV_RECOVER:
        x->st.state = SOURCES_RECOVERING;
        x->st.recoveries++;
        return;
    case BBDEV_FAILED:
    case BBDEV_GONE:
        break;
    }
    char why[300];
    snprintf(why, sizeof(why), "%s", msg);
    depart(s, x, ev == BBDEV_GONE ? SOURCES_GONE : SOURCES_FAILED);
    src_unlink(s, x);
    src_free(x);
    /* The last device's reason goes to all_gone (the program reports it
     * once); otherwise it is logged here. */
    if (s->list || s->cfg.hotplug)
        log_msg(0, "%s", why);
    tell_changed(s);
    if (!s->list)
        s->sink.all_gone(s->ud, why);
}

static void tell_changed(struct sources *s)
{
    size_t n = 0;
    if (!s->sink.changed)
        return;
    for (struct src *x = s->list; x; x = x->next)
        n += x->streaming;
    s->sink.changed(s->ud, n);
}

static const struct bbdev_ops src_ops = { .block = on_block, .event = on_event };

/* The settings a device is used with, or NULL if it is not used: no
 * serial, not selected by the IDs, or (when no ID names it) given to a
 * virtual machine by vm.conf. */
static const struct devcfg *select_cfg(const struct sources *s, const struct devinfo *di)
{
    if (!di->serial[0])
        return NULL;
    const struct vmconf_domain *guest =
        s->cfg.guests ? vmconf_for_serial(s->cfg.guests, di->serial) : NULL;
    if (s->cfg.n_ids == 0) {
        if (guest)
            log_msg(1, "%s: assigned to virtual machine '%s' in vm.conf, left for it",
                    di->serial, guest->name);
        return guest ? NULL : s->cfg.defaults;
    }
    for (size_t i = 0; i < s->cfg.n_ids; i++) {
        if (devid_match(&s->cfg.ids[i].id, di)) {
            if (guest)
                log_msg(0, "Warning: %s is assigned to virtual machine '%s' in vm.conf, "
                        "but --device-id selects it: using it on the host",
                        di->serial, guest->name);
            return &s->cfg.ids[i];
        }
    }
    return NULL;
}

static bool have_device(const struct sources *s, const struct devinfo *di)
{
    for (const struct src *x = s->list; x; x = x->next)
        if (x->info.bus == di->bus && x->info.dev == di->dev)
            return true;
    return false;
}


/* Starts one device.  Every failure is logged once, naming the device and
 * the reason, except -ENODEV with quiet_absent: a device libusb does not
 * list yet is not an error (yet). */
static int start_one(struct sources *s, const struct devinfo *di, const struct devcfg *c,
                     bool quiet_absent)
{
    const char *what = NULL; /* the failing step, when not logged already */
    char why[96];
    size_t group_size;
    int r;
    int fold = devcfg_fold_for(c, di->product);
    if (fold < 0) {
        log_msg(0, "%s: unknown product '%s' and folding not set (use --fold)", di->serial,
                di->product);
        return -EINVAL;
    }
    struct src *x = calloc(1, sizeof(*x));
    if (!x) {
        log_msg(0, "%s: cannot start: %s", di->serial, strerror(ENOMEM));
        return -ENOMEM;
    }
    x->set = s;
    x->info = *di;
    x->cfg = c;
    snprintf(x->st.serial, sizeof(x->st.serial), "%s", di->serial);
    x->st.bus = di->bus;
    x->st.dev = di->dev;
    x->st.state = SOURCES_STARTING;
    x->fold = (unsigned)fold;
    backoff_init(&x->bo, c->idle_initial, c->idle_max, c->suspend_after);
    if ((r = pool_group_get(s->cfg.pool, c->group, &x->group)) < 0) {
        x->group = NULL;
        snprintf(why, sizeof(why), "setting up pool group %u", c->group);
        what = why;
        goto fail;
    }
    group_size = pool_group_size(x->group);
    /* seedd rejects explicit folds over the limit up front; this catches
     * product-default folds. */
    if (group_size > SOURCES_MAX_RAW_BLOCK >> x->fold) {
        log_msg(0, "%s: raw block of %llu bytes (group size %zu << fold %u) is larger than "
                   "the limit of %zu bytes; use a smaller --group-size or --fold",
                di->serial, (unsigned long long)group_size << x->fold, group_size, x->fold,
                (size_t)SOURCES_MAX_RAW_BLOCK);
        r = -E2BIG;
        goto fail;
    }
    if ((r = pool_group_join(x->group, &x->member)) < 0) {
        if (r == -ENOSPC) {
            log_msg(0, "%s: pool group %u is full (32 members)", di->serial, c->group);
        } else {
            snprintf(why, sizeof(why), "joining pool group %u (%zu bytes)", c->group,
                     group_size);
            what = why;
        }
        x->group = NULL;
        goto fail;
    }
    x->raw_len = group_size << x->fold;
    /* At 5 Mbit/s and more the first Ent8 result must pass before any
     * output (spec §4.1). */
    unsigned rate = ftdi_real_bitrate(c->bitrate);
    if ((r = health_new(di->serial, devcfg_ent8_ok_initially(rate), &x->qa)) < 0) {
        what = "creating its health monitor";
        goto fail;
    }
    if (s->cfg.monitors && (r = monitors_add(s->cfg.monitors, di->serial, x->qa)) < 0) {
        if (r == -EEXIST)
            log_msg(0, "%s: a monitor with this ID exists already", di->serial);
        else
            what = "registering its health monitor";
        goto fail;
    }
    if ((r = evl_timer_new(s->loop, on_wake, x, &x->wake)) < 0 ||
        (r = evl_timer_new(s->loop, on_release, x, &x->rel)) < 0 ||
        (r = evl_timer_new(s->loop, on_warn, x, &x->warn)) < 0) {
        what = "creating its timers";
        goto fail;
    }
    const struct bbdev_params p = {
        .bitrate = c->bitrate,
        .latency_ms = c->latency_ms,
        .enable_mask = c->enable_mask,
        .limit_max_xfer = c->limit_max_xfer,
        .block_len = x->raw_len,
        .fold = x->fold,
    };
    if ((r = bbdev_new(s->loop, s->ue, di, &p, &src_ops, x, &x->dev)) < 0) {
        what = "creating its driver";
        goto fail;
    }
    if (quiet_absent && !bbdev_present(x->dev)) {
        r = -ENODEV;
        goto fail;
    }
    /* bbdev_start() logs its failures, except running out of memory for
     * its buffers. */
    if ((r = bbdev_start(x->dev)) < 0) {
        if (r == -ENOMEM) {
            snprintf(why, sizeof(why), "allocating its transfer buffer and its block of %zu bytes",
                     group_size);
            what = why;
        }
        goto fail;
    }
    log_msg(2, "%s: started, fold %u, group %u, raw block %zu bytes", di->serial, x->fold,
            c->group, x->raw_len);
    forget_departed(s, di->serial);
    x->next = s->list;
    s->list = x;
    return 0;
fail:
    if (what)
        log_msg(0, "%s: cannot start (Bus:Device %03u:%03u): %s: %s", di->serial, di->bus,
                di->dev, what, strerror(-r));
    src_free(x);
    return r;
}

static void on_hotplug(void *ud, bool added, const struct devinfo *di)
{
    struct sources *s = ud;

    if (!added) {
        for (struct src *x = s->list; x; x = x->next) {
            if (!strcmp(x->info.syspath, di->syspath)) {
                log_note(0, "%s: removed", x->info.serial);
                depart(s, x, SOURCES_GONE);
                src_unlink(s, x);
                src_free(x);
                tell_changed(s);
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
        size_t guests = 0;
        for (size_t i = 0; i < n && cfg->guests; i++)
            if (devs[i].serial[0] && vmconf_for_serial(cfg->guests, devs[i].serial))
                guests++;
        if (!cfg->hotplug && guests) {
            log_msg(0, "No devices found for the host (%zu assigned to virtual machines in "
                    "vm.conf)", guests);
            r = -ENODEV;
            goto fail;
        }
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
