/* gadget: FunctionFS transport over fmodel.  See gadget.h. */
#include "gadget.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evl.h"
#include "ffsdesc.h"
#include "gaio.h"
#include "log.h"

#define IN_PKTS 128                      /* at most 64 KiB per IN write */
#define IN_CAP (IN_PKTS * FMODEL_MAXPACKET)
#define CTRL_BUF 4096
#define LOG_EVENT 2
#define LOG_SETUP 5
#define LOG_IO 6

struct gadget {
    struct evl *loop;
    struct fmodel *m;
    int ep0, ep_in, ep_out;
    struct gaio *aio;
    struct gaio_op op_in, op_out;
    struct evl_timer *latency;
    unsigned long gen;                   /* bumped on every enable/disable */
    bool enabled;
    bool fresh;                          /* bound, not enabled since */
    bool halted;                         /* IN halted: wait for the host */
    bool waiting;                        /* enabled, the host has not spoken yet */
    size_t in_len;                       /* bytes of the IN write in flight */
    bool in_cancel;                      /* a status-only write withdrawn */
    uint8_t inbuf[IN_CAP];
    uint8_t outbuf[FMODEL_MAXPACKET];
};

static const char *const event_names[] = { "BIND", "UNBIND", "ENABLE", "DISABLE", "SETUP",
                                           "SUSPEND", "RESUME" };

/* ------------------------------------------------------------ bulk IN */

static void halt_in(struct gadget *g)
{
    uint8_t b;

    /* FunctionFS halts an endpoint that is read against its direction. */
    if (read(g->ep_in, &b, 1) >= 0 || errno != EBADMSG)
        log_msg(1, "bbgadget: could not halt the IN endpoint: %s", strerror(errno));
    else
        log_msg(LOG_EVENT, "bbgadget: IN endpoint halted (stall)");
    g->halted = true;
}

/* Prepare the next IN transfer if the endpoint is free.  expired: the
 * latency timer ran out with nothing queued. */
static void in_kick(struct gadget *g, bool expired)
{
    size_t n = 0;
    int rc;

    if (!g->enabled || g->waiting || g->op_in.busy || g->halted)
        return;
    rc = fmodel_bulk_in(g->m, g->inbuf, sizeof(g->inbuf), expired, &n);
    if (rc == -EAGAIN) {
        if (!evl_timer_armed(g->latency))
            evl_timer_arm(g->latency, fmodel_latency_ms(g->m));
        return;
    }
    evl_timer_disarm(g->latency);
    if (rc == -EPIPE) {
        halt_in(g);
        return;
    }
    if (rc != 0 && rc != -EOVERFLOW) {
        log_msg(0, "bbgadget: model refused an IN transfer: %s", strerror(-rc));
        return;
    }
    rc = gaio_submit(g->aio, &g->op_in, g->ep_in, true, g->inbuf, n, g->gen);
    if (rc) {
        log_msg(1, "bbgadget: IN write of %zu bytes not queued: %s", n, strerror(-rc));
        return;
    }
    g->in_len = n;
    log_msg(LOG_IO, "bbgadget: IN write of %zu bytes queued", n);
}

static void on_latency(struct evl *loop, struct evl_timer *t, void *ud)
{
    in_kick(ud, true);
}

/* Data is queued but a status-only packet is still waiting for the host:
 * withdraw it, the FTDI would send the data. */
static void in_withdraw_status(struct gadget *g)
{
    if (g->op_in.busy && g->in_len == 2 && !g->in_cancel && fmodel_queued(g->m) > 0 &&
        gaio_cancel(g->aio, &g->op_in) == 0)
        g->in_cancel = true;
}

static void in_done(struct gadget *g, long res)
{
    bool current = g->op_in.tag == g->gen, cancelled = g->in_cancel;

    g->in_cancel = false;
    if (res < 0 && current && !cancelled) {
        /* the endpoint went away (disable, unbind): its data is lost like
         * the chip's buffer; ENABLE starts again */
        log_msg(LOG_EVENT, "bbgadget: IN write ended: %s", strerror((int)-res));
        return;
    }
    log_msg(LOG_IO, "bbgadget: IN write done: %ld", res);
    in_kick(g, false);
}

/* ------------------------------------------------------------ bulk OUT */

static void out_submit(struct gadget *g)
{
    int rc;

    if (!g->enabled || g->op_out.busy)
        return;
    rc = gaio_submit(g->aio, &g->op_out, g->ep_out, false, g->outbuf, sizeof(g->outbuf),
                     g->gen);
    if (rc)
        log_msg(1, "bbgadget: OUT read not queued: %s", strerror(-rc));
}

/* The host did something: a halted IN endpoint may go on. */
static void host_activity(struct gadget *g)
{
    g->waiting = false;
    g->halted = false;
    in_withdraw_status(g);
    in_kick(g, false);
}

static void out_done(struct gadget *g, long res)
{
    int rc;

    if (g->op_out.tag != g->gen) {       /* from before a disable: read again */
        out_submit(g);
        return;
    }
    if (res < 0) {
        log_msg(LOG_EVENT, "bbgadget: OUT read ended: %s", strerror((int)-res));
        return;
    }
    if ((rc = fmodel_bulk_out(g->m, g->outbuf, (size_t)res)))
        log_msg(0, "bbgadget: model: bulk OUT: %s", strerror(-rc));
    host_activity(g);
    out_submit(g);
}

static void on_aio(struct gaio_op *op, long res, void *ud)
{
    struct gadget *g = ud;
    if (op == &g->op_in)
        in_done(g, res);
    else
        out_done(g, res);
}

static void on_aio_fd(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct gadget *g = ud;
    int rc = gaio_reap(g->aio, on_aio, g);
    if (rc)
        log_msg(0, "bbgadget: reaping transfers: %s", strerror(-rc));
}

/* ------------------------------------------------------------ ep0 */

static void ep0_stall(struct gadget *g, bool dir_in)
{
    ssize_t r = dir_in ? read(g->ep0, NULL, 0) : write(g->ep0, NULL, 0);
    if (r >= 0 || errno != EL2HLT)
        log_msg(1, "bbgadget: ep0 stall: %s", r >= 0 ? "not taken" : strerror(errno));
}

static void on_setup(struct gadget *g, const struct usb_ctrlrequest *s)
{
    uint8_t setup[8], data[CTRL_BUF];
    uint16_t len = le16toh(s->wLength);
    bool dir_in = s->bRequestType & USB_DIR_IN;
    int n;

    memcpy(setup, s, sizeof(setup));     /* wire order, little-endian fields */
    if (dir_in) {
        n = fmodel_control(g->m, setup, data);
        if (n < 0)
            ep0_stall(g, true);
        else if (write(g->ep0, data, (size_t)n) < 0)
            log_msg(1, "bbgadget: ep0 data stage: %s", strerror(errno));
    } else if (len > 0) {
        ssize_t r = read(g->ep0, data, len < sizeof(data) ? len : sizeof(data));
        if (r < 0) {
            log_msg(1, "bbgadget: ep0 data stage: %s", strerror(errno));
            return;
        }
        n = fmodel_control(g->m, setup, data);
        if (n < 0)
            log_msg(1, "bbgadget: request %02x %02x with data: too late to stall",
                    s->bRequestType, s->bRequest);
    } else {
        n = fmodel_control(g->m, setup, NULL);
        if (n < 0)
            ep0_stall(g, false);
        else if (read(g->ep0, NULL, 0) < 0)
            log_msg(1, "bbgadget: ep0 status stage: %s", strerror(errno));
    }
    log_msg(LOG_SETUP, "bbgadget: setup %02x %02x %04x %04x %04x -> %d", s->bRequestType,
            s->bRequest, le16toh(s->wValue), le16toh(s->wIndex), len, n);
    host_activity(g);
}

static void on_event(struct gadget *g, const struct usb_functionfs_event *e)
{
    if (e->type != FUNCTIONFS_SETUP)
        log_msg(LOG_EVENT, "bbgadget: event %s",
                e->type < sizeof(event_names) / sizeof(event_names[0]) ? event_names[e->type]
                                                                        : "?");
    switch (e->type) {
    case FUNCTIONFS_SETUP:
        on_setup(g, &e->u.setup);
        break;
    case FUNCTIONFS_BIND:
        fmodel_power_cycle(g->m);
        fmodel_wire_event(g->m, "plug");
        g->fresh = true;
        break;
    case FUNCTIONFS_ENABLE:
        /* events may be merged (an ENABLE can stand for DISABLE + ENABLE) */
        g->gen++;
        g->enabled = true;
        g->halted = false;
        g->in_cancel = false;
        evl_timer_disarm(g->latency);
        if (!g->fresh)
            fmodel_reset(g->m);
        g->fresh = false;
        /* no IN transfer before the host's first request or bulk OUT: one
         * prepared now would take a fault (e.g. a stall) that the host's
         * next SET_CONFIGURATION or reset throws away */
        g->waiting = true;
        out_submit(g);
        break;
    case FUNCTIONFS_DISABLE:
    case FUNCTIONFS_UNBIND:
        g->gen++;
        g->enabled = false;
        g->in_cancel = false;
        evl_timer_disarm(g->latency);
        if (e->type == FUNCTIONFS_UNBIND)
            fmodel_wire_event(g->m, "unplug");
        break;
    default:                             /* SUSPEND, RESUME */
        break;
    }
}

static void on_ep0(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct gadget *g = ud;
    struct usb_functionfs_event ev[4];
    ssize_t n = read(fd, ev, sizeof(ev));

    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        if (errno == EIDRM) {
            /* FunctionFS: the host gave up on the control request being
             * served (cancelled setup); the read clears it, go on */
            log_msg(1, "bbgadget: a control request was cancelled by the host");
            return;
        }
        log_msg(0, "bbgadget: reading ep0 events: %s", strerror(errno));
        evl_quit(loop, 1);
        return;
    }
    /* a SETUP is always the last event of a read */
    for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++)
        on_event(g, &ev[i]);
}

/* ------------------------------------------------------------ lifecycle */

static int open_file(const char *dir, const char *name, int flags, int *fd)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    *fd = open(p, flags | O_CLOEXEC);
    if (*fd < 0) {
        int rc = -errno;
        log_msg(0, "bbgadget: %s: %s", p, strerror(errno));
        return rc;
    }
    return 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len, const char *what)
{
    ssize_t w = write(fd, buf, len);
    if (w == (ssize_t)len)
        return 0;
    int rc = w < 0 ? -errno : -EIO;
    log_msg(0, "bbgadget: writing the FunctionFS %s: %s", what, strerror(-rc));
    return rc;
}

static int start_ffs(struct gadget *g, const char *dir)
{
    uint8_t desc[FFSDESC_DESC_MAX], str[FFSDESC_STRINGS_MAX];
    size_t dlen, slen;
    int rc;

    if ((rc = ffsdesc_descriptors(desc, sizeof(desc), &dlen)) ||
        (rc = ffsdesc_strings(fmodel_product(g->m), str, sizeof(str), &slen)))
        return rc;
    if ((rc = open_file(dir, "ep0", O_RDWR | O_NONBLOCK, &g->ep0)) ||
        (rc = write_all(g->ep0, desc, dlen, "descriptors")) ||
        (rc = write_all(g->ep0, str, slen, "strings")))
        return rc;
    /* ep1 and ep2 exist once the descriptors were accepted; the kernel
     * numbers them in descriptor order: IN first */
    if ((rc = open_file(dir, "ep1", O_RDWR | O_NONBLOCK, &g->ep_in)) ||
        (rc = open_file(dir, "ep2", O_RDWR | O_NONBLOCK, &g->ep_out)))
        return rc;
    return 0;
}

int gadget_new(struct evl *loop, struct fmodel *model, const char *ffs_dir, struct gadget **out)
{
    struct gadget *g = calloc(1, sizeof(*g));
    int rc;

    *out = NULL;
    if (!g) {
        fmodel_free(model);
        return -ENOMEM;
    }
    g->loop = loop;
    g->m = model;
    g->ep0 = g->ep_in = g->ep_out = -1;
    if ((rc = start_ffs(g, ffs_dir)))
        goto fail;
    if ((rc = gaio_new(4, &g->aio)) || (rc = evl_timer_new(loop, on_latency, g, &g->latency)) ||
        (rc = evl_add_fd(loop, g->ep0, EPOLLIN, on_ep0, g)) ||
        (rc = evl_add_fd(loop, gaio_fd(g->aio), EPOLLIN, on_aio_fd, g))) {
        log_msg(0, "bbgadget: event loop setup: %s", strerror(-rc));
        goto fail;
    }
    *out = g;
    return 0;
fail:
    gadget_free(g);
    return rc;
}

void gadget_free(struct gadget *g)
{
    if (!g)
        return;
    if (g->aio) {
        evl_del_fd(g->loop, gaio_fd(g->aio));
        gaio_free(g->aio);               /* cancels and waits for what is in flight */
    }
    if (g->ep0 >= 0)
        evl_del_fd(g->loop, g->ep0);
    evl_timer_free(g->latency);
    if (g->ep_in >= 0)
        close(g->ep_in);
    if (g->ep_out >= 0)
        close(g->ep_out);
    if (g->ep0 >= 0)
        close(g->ep0);
    fmodel_free(g->m);
    free(g);
}

struct fmodel *gadget_model(struct gadget *g)
{
    return g->m;
}

int gadget_fault(struct gadget *g, const struct fmodel_fault_spec *f)
{
    int rc;

    if (fmodel_fault_transport(f->fault))
        return -ENOTSUP;
    if ((rc = fmodel_fault_set(g->m, f)))
        return rc;
    in_kick(g, false);                   /* e.g. a stall for a waiting transfer */
    return 0;
}

void gadget_clear_faults(struct gadget *g)
{
    fmodel_faults_clear(g->m);
    in_kick(g, false);
}
