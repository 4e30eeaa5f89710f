/* bbdev: asynchronous FT232H/MPSSE driver.  See bbdev.h for the contract and
 * the error policy; spec §2 for the wire protocol. */
#include "bbdev.h"

#include <errno.h>
#include <libusb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbusb.h"
#include "evl.h"
#include "fold.h"
#include "ftdi.h"
#include "log.h"
#include "usbenum.h"
#include "usberr.h"

#define EP_IN_DEFAULT 0x81
#define PURGE_READ_MAX 8192
#define PURGE_READS_LIMIT 1000   /* a device that never stops talking */
#define SYNC_READS 10
#define SYNC_READS_LIMIT 100
#define RECOVER_BACKOFF_MS 100

enum step {
    S_IDLE,
    /* one init attempt, in order */
    S_SIO_RESET,
    S_PURGE1,
    S_EVENT_CHAR,
    S_ERROR_CHAR,
    S_LATENCY,
    S_FLOW,
    S_BITMODE_RESET,
    S_BITMODE_MPSSE,
    S_WAIT50,
    S_MODEM_STATUS,
    S_SYNC_OUT,
    S_SYNC_IN,
    S_SETUP,
    S_WAIT30,
    S_PURGE2,
    /* before the next attempt: a stalled endpoint is cleared (a halt stays
     * until the host clears it, so every later attempt would fail) */
    S_CLEAR_HALT,
    /* streaming */
    S_READ_CMD,
    S_READ_IN,
    S_PAUSED,
    S_SUSPENDED,  /* paused and released */
    /* waiting to re-claim after an error */
    S_RECOVER,
    S_DEAD,
};

struct bbdev {
    struct evl *loop;
    struct usbenum *ue;
    struct devinfo info;
    struct bbdev_params p;
    const struct bbdev_ops *ops;
    void *ud;
    char name[DEVINFO_STR_MAX + 16];

    libusb_device *dev;
    libusb_device_handle *h;
    uint8_t ep_in, ep_out;
    unsigned maxpacket;
    size_t max_xfer;
    unsigned rate;
    unsigned latency;
    size_t chunk;

    struct libusb_transfer *xfer;
    bool in_flight;
    uint8_t *inbuf;        /* one bulk IN transfer, stripped in place */
    size_t inbuf_len;
    uint8_t outbuf[16];
    uint8_t ctrlbuf[LIBUSB_CONTROL_SETUP_SIZE + 8];

    enum step step;
    uint8_t line_status;
    unsigned attempts;     /* init attempts in this init */
    unsigned purge_empty, purge_reads;
    uint8_t sync_char;
    unsigned sync_pass, sync_reads, sync_total;
    bool reinit_for_read;  /* init was triggered by empty reads */
    uint8_t halted_ep;     /* endpoint whose last transfer stalled, 0 if none */

    uint8_t *block;        /* the block being gathered, folded as it comes */
    size_t block_len;      /* p.block_len >> p.fold */
    size_t block_pos;      /* raw bytes of the block gathered so far */
    size_t got;            /* data bytes of the current chunk */
    unsigned empty_reads, read_resets;
    unsigned recoveries;
    bool paused;
    bool ready_sent;
    bool stopping;

    struct evl_timer *timer;   /* init waits, recovery back-off */
    struct evl_timer *notify;  /* deferred terminal event */
    enum bbdev_event final_ev;
    int final_err;
    char final_msg[256];
};

static void run_step(struct bbdev *d);
static void fail_attempt(struct bbdev *d, int err, const char *what);
static void recover(struct bbdev *d, int err, const char *what);

/* ---- helpers ---------------------------------------------------------- */

static void emit_terminal(struct bbdev *d, enum bbdev_event ev, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Let go of the device; with bitmode, take the FTDI out of MPSSE mode
 * first.  Only outside libusb callbacks. */
static void close_handle(struct bbdev *d, bool bitmode)
{
    bbusb_release(d->h, bitmode);
    d->h = NULL;
}

static void emit_terminal(struct bbdev *d, enum bbdev_event ev, int err, const char *fmt, ...)
{
    va_list ap;
    d->step = S_DEAD;
    evl_timer_disarm(d->timer);
    /* The handle is closed in on_notify: libusb_close() from inside a
     * transfer callback deadlocks (libusb holds open_devs_lock there). */
    d->final_ev = ev;
    d->final_err = err;
    va_start(ap, fmt);
    vsnprintf(d->final_msg, sizeof(d->final_msg), fmt, ap);
    va_end(ap);
    evl_timer_arm(d->notify, 0);
}

static void on_notify(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct bbdev *d = ud;
    close_handle(d, false);
    /* The callee may free d: touch nothing afterwards. */
    d->ops->event(d->ud, d, d->final_ev, d->final_err, d->final_msg);
}

static void submit(struct bbdev *d)
{
    int r = libusb_submit_transfer(d->xfer);
    if (r == 0) {
        d->in_flight = true;
        return;
    }
    r = usberr_to_errno(r);
    if (r == -ENODEV) {
        emit_terminal(d, BBDEV_GONE, r, "%s: device gone", d->name);
        return;
    }
    if (d->step >= S_READ_CMD)
        recover(d, r, "submitting a transfer");
    else
        fail_attempt(d, r, "submitting a transfer");
}

static void on_xfer(struct libusb_transfer *t);

static void ctrl_out(struct bbdev *d, uint8_t req, uint16_t value, uint16_t index)
{
    libusb_fill_control_setup(d->ctrlbuf, LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE |
                                              LIBUSB_ENDPOINT_OUT,
                              req, value, index, 0);
    libusb_fill_control_transfer(d->xfer, d->h, d->ctrlbuf, on_xfer, d, FTDI_TIMEOUT_MS);
    submit(d);
}

static void ctrl_in(struct bbdev *d, uint8_t req, uint16_t len)
{
    libusb_fill_control_setup(d->ctrlbuf, LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE |
                                              LIBUSB_ENDPOINT_IN,
                              req, 0, FTDI_INDEX, len);
    libusb_fill_control_transfer(d->xfer, d->h, d->ctrlbuf, on_xfer, d, FTDI_TIMEOUT_MS);
    submit(d);
}

/* Bulk OUT is only allowed while the cached line status is THRE|TEMT. */
static void bulk_out(struct bbdev *d, const uint8_t *data, size_t len)
{
    if (d->line_status != FTDI_LINE_STATUS_OK) {
        char what[64];
        snprintf(what, sizeof(what), "line status 0x%02x before a write", d->line_status);
        if (d->step >= S_READ_CMD)
            recover(d, -EPROTO, what);
        else
            fail_attempt(d, -EPROTO, what);
        return;
    }
    memcpy(d->outbuf, data, len);
    libusb_fill_bulk_transfer(d->xfer, d->h, d->ep_out, d->outbuf, (int)len, on_xfer, d,
                              FTDI_TIMEOUT_MS);
    submit(d);
}

static void bulk_in(struct bbdev *d, size_t len)
{
    libusb_fill_bulk_transfer(d->xfer, d->h, d->ep_in, d->inbuf, (int)len, on_xfer, d,
                              FTDI_TIMEOUT_MS);
    submit(d);
}

static size_t round_up(size_t n, size_t m)
{
    return (n + m - 1) / m * m;
}

static size_t purge_len(const struct bbdev *d)
{
    size_t n = d->chunk < PURGE_READ_MAX ? d->chunk : PURGE_READ_MAX;
    return round_up(n, d->maxpacket);
}

/* Wire bytes needed for `data` payload bytes: every packet carries 2 status
 * bytes; capped at what one transfer may carry. */
static size_t wire_len(const struct bbdev *d, size_t data)
{
    size_t per = d->maxpacket - 2;
    size_t n = (data + per - 1) / per * d->maxpacket;
    size_t cap = d->inbuf_len;
    return n < cap ? n : cap;
}

/* ---- init attempts ---------------------------------------------------- */

static void start_attempt(struct bbdev *d)
{
    if (d->halted_ep) {
        /* libusb_clear_halt() is synchronous: not from a callback. */
        d->step = S_CLEAR_HALT;
        evl_timer_arm(d->timer, 0);
        return;
    }
    d->purge_empty = d->purge_reads = 0;
    d->sync_char = 0xAA;
    d->sync_pass = d->sync_reads = d->sync_total = 0;
    d->step = S_SIO_RESET;
    run_step(d);
}

static void start_init(struct bbdev *d, bool for_read)
{
    d->attempts = 0;
    d->reinit_for_read = for_read;
    start_attempt(d);
}

static void fail_attempt(struct bbdev *d, int err, const char *what)
{
    if (err == -ENODEV) {
        emit_terminal(d, BBDEV_GONE, err, "%s: device gone", d->name);
        return;
    }
    d->attempts++;
    log_msg(1, "%s: init attempt %u failed: %s (%s)", d->name, d->attempts, what,
            usberr_str(err));
    if (d->attempts >= BBDEV_INIT_ATTEMPTS) {
        emit_terminal(d, BBDEV_FAILED, err, "%s: init failed after %u attempts: %s (%s)", d->name,
                      d->attempts, what, usberr_str(err));
        return;
    }
    start_attempt(d);
}

static void next_step(struct bbdev *d)
{
    d->step++;
    run_step(d);
}

static void start_read(struct bbdev *d)
{
    if (d->paused) {
        d->step = S_PAUSED;
        return;
    }
    d->step = S_READ_CMD;
    run_step(d);
}

static void init_done(struct bbdev *d)
{
    if (!d->ready_sent) {
        d->ready_sent = true;
        log_msg(2, "%s: ready: %u bit/s, chunk %zu, latency %u ms, mask 0x%02x", d->name,
                d->rate, d->chunk, d->latency, d->p.enable_mask);
        d->ops->event(d->ud, d, BBDEV_READY, 0, "ready");
        if (d->step == S_DEAD || d->stopping)
            return;
    }
    d->got = 0;
    d->empty_reads = 0;
    start_read(d);
}

static void on_timer(struct evl *loop, struct evl_timer *t, void *ud);

static void run_step(struct bbdev *d)
{
    uint8_t cmd[FTDI_SETUP_LEN];

    switch (d->step) {
    case S_SIO_RESET:
        ctrl_out(d, FTDI_REQ_RESET, 0, FTDI_INDEX);
        break;
    case S_PURGE1:
    case S_PURGE2:
        bulk_in(d, purge_len(d));
        break;
    case S_EVENT_CHAR:
        ctrl_out(d, FTDI_REQ_SET_EVENT_CHAR, 0, FTDI_INDEX);
        break;
    case S_ERROR_CHAR:
        ctrl_out(d, FTDI_REQ_SET_ERROR_CHAR, 0, FTDI_INDEX);
        break;
    case S_LATENCY:
        ctrl_out(d, FTDI_REQ_SET_LATENCY, (uint16_t)d->latency, FTDI_INDEX);
        break;
    case S_FLOW:
        ctrl_out(d, FTDI_REQ_SET_FLOW, 0, FTDI_FLOW_RTS_CTS_INDEX);
        break;
    case S_BITMODE_RESET:
        ctrl_out(d, FTDI_REQ_SET_BITMODE, FTDI_BITMODE_RESET, FTDI_INDEX);
        break;
    case S_BITMODE_MPSSE:
        ctrl_out(d, FTDI_REQ_SET_BITMODE, FTDI_BITMODE_MPSSE, FTDI_INDEX);
        break;
    case S_WAIT50:
        evl_timer_arm(d->timer, 50);
        break;
    case S_MODEM_STATUS:
        ctrl_in(d, FTDI_REQ_GET_MODEM_STATUS, 2);
        break;
    case S_SYNC_OUT:
        cmd[0] = d->sync_char;
        cmd[1] = 0x87;
        bulk_out(d, cmd, 2);
        break;
    case S_SYNC_IN:
        bulk_in(d, d->maxpacket);
        break;
    case S_SETUP:
        ftdi_setup_cmd(cmd, d->rate, d->p.enable_mask);
        bulk_out(d, cmd, FTDI_SETUP_LEN);
        break;
    case S_WAIT30:
        evl_timer_arm(d->timer, 30);
        break;
    case S_READ_CMD:
        ftdi_read_cmd(cmd, d->chunk);
        bulk_out(d, cmd, FTDI_READ_CMD_LEN);
        break;
    case S_READ_IN:
        bulk_in(d, wire_len(d, d->chunk - d->got));
        break;
    default:
        break;
    }
}

/* ---- completions ------------------------------------------------------ */

static void purge_done(struct bbdev *d, size_t actual)
{
    d->purge_reads++;
    if (actual <= 2)
        d->purge_empty++;
    else
        d->purge_empty = 0;
    if (d->purge_empty >= 10) {
        if (d->step == S_PURGE2) {
            init_done(d);
            return;
        }
        next_step(d);
        return;
    }
    if (d->purge_reads >= PURGE_READS_LIMIT) {
        fail_attempt(d, -EPROTO, "purge: the device does not stop sending");
        return;
    }
    run_step(d);
}

static void sync_in_done(struct bbdev *d, size_t actual)
{
    const uint8_t *b = d->inbuf;
    d->sync_total++;
    if (actual == 4 && b[2] == 0xFA && b[3] == d->sync_char) {
        if (d->sync_char == 0xAA) {
            d->sync_char = 0xAB;
            d->sync_reads = 0;
            d->step = S_SYNC_OUT;
            run_step(d);
        } else {
            d->step = S_SETUP;
            run_step(d);
        }
        return;
    }
    if (actual > 2)
        d->sync_reads = 0; /* something else arrived: keep looking */
    else
        d->sync_reads++;
    if (d->sync_reads < SYNC_READS && d->sync_total < SYNC_READS_LIMIT) {
        run_step(d);
        return;
    }
    if (d->sync_pass == 0) {
        d->sync_pass = 1;
        d->sync_char = 0xAA;
        d->sync_reads = d->sync_total = 0;
        d->step = S_SYNC_OUT;
        run_step(d);
        return;
    }
    fail_attempt(d, -EPROTO, "no MPSSE sync (bad-command echo)");
}

static void chunk_done(struct bbdev *d)
{
    if (d->line_status != FTDI_LINE_STATUS_OK) {
        recover(d, -EPROTO, "unexpected line status after a read");
        return;
    }
    d->recoveries = 0;
    d->read_resets = 0;
    d->block_pos += d->chunk;
    if (log_enabled(6))
        log_msg(6, "%s: chunk of %zu bytes, block at %zu/%zu", d->name, d->chunk, d->block_pos,
                d->p.block_len);
    if (d->block_pos >= d->p.block_len) {
        d->block_pos = 0;
        d->ops->block(d->ud, d, d->block, d->block_len);
        if (d->step == S_DEAD || d->stopping)
            return;
    }
    d->got = 0;
    d->empty_reads = 0;
    start_read(d);
}

static void read_in_done(struct bbdev *d, size_t actual)
{
    size_t n = 0;
    int r = ftdi_strip(d->inbuf, actual, d->maxpacket, d->inbuf, d->inbuf_len, &n,
                       &d->line_status);
    if (r < 0) {
        recover(d, r, r == -EPROTO ? "invalid packet status" : "unexpected line status");
        return;
    }
    if (n == 0) {
        if (++d->empty_reads < BBDEV_EMPTY_READS) {
            run_step(d);
            return;
        }
        if (++d->read_resets > BBDEV_READ_RESETS) {
            emit_terminal(d, BBDEV_FAILED, -ETIMEDOUT,
                          "%s: no data from the device after %u reset attempts", d->name,
                          d->read_resets);
            return;
        }
        log_msg(1, "%s: read failed (n = %u), re-initialising (%u of %u)", d->name,
                d->empty_reads, d->read_resets, BBDEV_READ_RESETS);
        d->block_pos = 0;
        start_init(d, true);
        return;
    }
    d->empty_reads = 0;
    if (n > d->chunk - d->got) {
        recover(d, -EOVERFLOW, "excess data after a read");
        return;
    }
    fold_add(d->block, d->block_len, d->block_pos + d->got, d->inbuf, n);
    d->got += n;
    if (d->got < d->chunk) {
        run_step(d);
        return;
    }
    chunk_done(d);
}

static void on_xfer(struct libusb_transfer *t)
{
    struct bbdev *d = t->user_data;
    int err = usberr_transfer_to_errno(t->status);
    size_t actual = (size_t)t->actual_length;

    d->in_flight = false;
    if (d->stopping || d->step == S_DEAD)
        return;
    /* A bulk timeout is a (possibly empty) result, as upstream treats it. */
    if (err == -ETIMEDOUT && t->type == LIBUSB_TRANSFER_TYPE_BULK)
        err = 0;
    if (err == -ENODEV) {
        emit_terminal(d, BBDEV_GONE, err, "%s: device gone", d->name);
        return;
    }
    if (err == -EPIPE && t->type == LIBUSB_TRANSFER_TYPE_BULK)
        d->halted_ep = t->endpoint;
    if (err < 0) {
        if (d->step >= S_READ_CMD)
            recover(d, err, t->type == LIBUSB_TRANSFER_TYPE_CONTROL ? "control request"
                                                                      : "bulk transfer");
        else
            fail_attempt(d, err, t->type == LIBUSB_TRANSFER_TYPE_CONTROL ? "control request"
                                                                           : "bulk transfer");
        return;
    }

    switch (d->step) {
    case S_PURGE1:
    case S_PURGE2:
        purge_done(d, actual);
        break;
    case S_MODEM_STATUS:
        if (actual < 2) {
            fail_attempt(d, -EPROTO, "short modem status reply");
            break;
        }
        d->line_status = d->ctrlbuf[LIBUSB_CONTROL_SETUP_SIZE + 1];
        next_step(d);
        break;
    case S_SYNC_OUT:
        d->step = S_SYNC_IN;
        run_step(d);
        break;
    case S_SYNC_IN:
        sync_in_done(d, actual);
        break;
    case S_READ_CMD:
        d->step = S_READ_IN;
        run_step(d);
        break;
    case S_READ_IN:
        read_in_done(d, actual);
        break;
    default:
        next_step(d);
        break;
    }
}

/* ---- claiming, recovery ---------------------------------------------- */

static int claim(struct bbdev *d)
{
    return bbusb_claim(d->dev, d->name, d->info.bus, d->info.dev, &d->h);
}

static void recover(struct bbdev *d, int err, const char *what)
{
    if (err == -ENODEV) {
        emit_terminal(d, BBDEV_GONE, err, "%s: device gone", d->name);
        return;
    }
    d->block_pos = 0;
    d->got = 0;
    if (++d->recoveries > BBDEV_MAX_RECOVERIES) {
        emit_terminal(d, BBDEV_FAILED, err, "%s: giving up after %u recoveries: %s (%s)", d->name,
                      BBDEV_MAX_RECOVERIES, what, usberr_str(err));
        return;
    }
    char msg[200];
    snprintf(msg, sizeof(msg), "%s (%s), recovering (%u of %u)", what, usberr_str(err),
             d->recoveries, BBDEV_MAX_RECOVERIES);
    log_msg(1, "%s: %s", d->name, msg);
    d->final_err = err;
    d->step = S_RECOVER;
    evl_timer_arm(d->timer, (uint64_t)RECOVER_BACKOFF_MS * d->recoveries);
    d->ops->event(d->ud, d, BBDEV_RECOVER, err, msg);
}

static void do_recover(struct bbdev *d)
{
    int err = d->final_err;
    if (err == -ETIMEDOUT || err == -EIO) {
        /* Upstream: USB reset for timeouts and "other" errors. */
        if (d->h && libusb_reset_device(d->h) == LIBUSB_ERROR_NOT_FOUND) {
            emit_terminal(d, BBDEV_GONE, -ENODEV, "%s: device gone", d->name);
            return;
        }
        close_handle(d, false);
    } else {
        close_handle(d, true);
    }
    int r = claim(d);
    if (r < 0) {
        if (r == -ENODEV)
            emit_terminal(d, BBDEV_GONE, r, "%s: device gone", d->name);
        else
            emit_terminal(d, BBDEV_FAILED, r, "%s: cannot re-claim: %s", d->name, usberr_str(r));
        return;
    }
    start_init(d, false);
}

static void on_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct bbdev *d = ud;
    switch (d->step) {
    case S_WAIT50:
        next_step(d);
        break;
    case S_WAIT30:
        d->purge_empty = d->purge_reads = 0;
        next_step(d);
        break;
    case S_RECOVER:
        do_recover(d);
        break;
    case S_CLEAR_HALT: {
        int r = usberr_to_errno(libusb_clear_halt(d->h, d->halted_ep));
        d->halted_ep = 0;
        if (r == -ENODEV) {
            emit_terminal(d, BBDEV_GONE, r, "%s: device gone", d->name);
            break;
        }
        if (r < 0)
            log_msg(1, "%s: clearing the stalled endpoint: %s", d->name, usberr_str(r));
        start_attempt(d);
        break;
    }
    default:
        break;
    }
}

/* ---- public ----------------------------------------------------------- */

int bbdev_new(struct evl *loop, struct usbenum *ue, const struct devinfo *di,
              const struct bbdev_params *p, const struct bbdev_ops *ops, void *ud,
              struct bbdev **out)
{
    int r = -ENOMEM;
    size_t folded;
    if (p->block_len == 0 || fold_len(p->block_len, p->fold, &folded) < 0)
        return -EINVAL;
    struct bbdev *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->loop = loop;
    d->ue = ue;
    d->info = *di;
    d->p = *p;
    d->block_len = folded;
    d->ops = ops;
    d->ud = ud;
    d->step = S_IDLE;
    d->line_status = FTDI_LINE_STATUS_OK;
    snprintf(d->name, sizeof(d->name), "%s", di->serial[0] ? di->serial : "(no serial)");
    d->rate = ftdi_real_bitrate(p->bitrate);
    d->xfer = libusb_alloc_transfer(0);
    if (!d->xfer)
        goto fail;
    if ((r = evl_timer_new(loop, on_timer, d, &d->timer)) < 0)
        goto fail;
    if ((r = evl_timer_new(loop, on_notify, d, &d->notify)) < 0)
        goto fail;
    *out = d;
    return 0;
fail:
    bbdev_free(d);
    return r;
}

bool bbdev_present(struct bbdev *d)
{
    struct libusb_device *dev = NULL;
    if (usbenum_find(d->ue, d->info.bus, d->info.dev, &dev) < 0)
        return false;
    libusb_unref_device(dev);
    return true;
}

int bbdev_start(struct bbdev *d)
{
    int r = usbenum_find(d->ue, d->info.bus, d->info.dev, &d->dev);
    if (r < 0) {
        log_msg(0, "%s: Bus:Device %03u:%03u is not on the bus", d->name, d->info.bus,
                d->info.dev);
        return r;
    }
    struct bbusb_ep ep;
    if ((r = bbusb_check_descriptors(d->dev, d->name, &ep)) < 0)
        return r;
    d->ep_in = ep.in;
    d->ep_out = ep.out;
    d->maxpacket = ep.maxpacket;
    d->max_xfer = bbusb_max_xfer(d->info.bus, d->info.dev);
    d->chunk = ftdi_chunk_size(d->rate, d->maxpacket, d->p.limit_max_xfer ? 16384 : 0,
                               d->max_xfer);
    d->latency = d->p.latency_ms ? d->p.latency_ms : ftdi_latency_ms(d->rate, d->maxpacket);
    /* Upstream refuses blocks smaller than a chunk; reading smaller chunks
     * costs a little efficiency and nothing else. */
    if (d->p.block_len < d->chunk && d->p.block_len >= d->maxpacket &&
        d->p.block_len % d->maxpacket == 0) {
        log_msg(2, "%s: chunk size %zu cut to the raw block size %zu", d->name, d->chunk,
                d->p.block_len);
        d->chunk = d->p.block_len;
    }
    if (d->p.block_len < d->maxpacket) {
        log_msg(0, "%s: raw block of %zu bytes (group size %zu << fold %u) is smaller than "
                   "one USB packet (%u bytes); use a larger --pool-size, --group-size or --fold",
                d->name, d->p.block_len, d->p.block_len >> d->p.fold, d->p.fold, d->maxpacket);
        return -EINVAL;
    }
    if (d->p.block_len < d->chunk || d->p.block_len % d->chunk) {
        log_msg(0, "%s: raw block size %zu is not a multiple of the chunk size %zu", d->name,
                d->p.block_len, d->chunk);
        return -EINVAL;
    }
    /* One transfer holds a whole chunk plus its status bytes. */
    d->inbuf_len = round_up(d->chunk / (d->maxpacket - 2) * d->maxpacket + d->maxpacket,
                            d->maxpacket);
    if (d->inbuf_len > d->max_xfer)
        d->inbuf_len = d->max_xfer / d->maxpacket * d->maxpacket;
    d->inbuf = malloc(d->inbuf_len);
    d->block = malloc(d->block_len);
    if (!d->inbuf || !d->block)
        return -ENOMEM;
    if ((r = claim(d)) < 0)
        return r;
    log_msg(2, "%s: claimed Bus:Device %03u:%03u, maxpacket %u, max transfer %zu", d->name,
            d->info.bus, d->info.dev, d->maxpacket, d->max_xfer);
    start_init(d, false);
    return 0;
}

void bbdev_pause(struct bbdev *d, bool pause)
{
    d->paused = pause;
    if (pause)
        return;
    if (d->step == S_PAUSED) {
        start_read(d);
    } else if (d->step == S_SUSPENDED) {
        int r = claim(d);
        if (r == -ENODEV)
            emit_terminal(d, BBDEV_GONE, r, "%s: device gone", d->name);
        else if (r < 0)
            emit_terminal(d, BBDEV_FAILED, r, "%s: cannot re-claim after suspend: %s", d->name,
                          usberr_str(r));
        else
            start_init(d, false);
    }
}

int bbdev_suspend(struct bbdev *d)
{
    if (d->step != S_PAUSED)
        return -EAGAIN;
    log_msg(2, "%s: releasing the device while idle", d->name);
    close_handle(d, true);
    d->step = S_SUSPENDED;
    return 0;
}

static void orphan_done(struct libusb_transfer *t)
{
    libusb_free_transfer(t);
}

void bbdev_free(struct bbdev *d)
{
    if (!d)
        return;
    d->stopping = true;
    if (d->in_flight && d->xfer) {
        libusb_cancel_transfer(d->xfer);
        uint64_t end = evl_now_ms() + 2000;
        while (d->in_flight && evl_now_ms() < end)
            usbenum_drain(d->ue, 100);
        if (d->in_flight)
            log_msg(0, "%s: a transfer did not come back after cancel", d->name);
    }
    close_handle(d, d->step != S_DEAD);
    if (d->xfer && d->in_flight) {
        /* Still owned by libusb: let it free itself when it comes back, and
         * keep its buffer alive by leaking it (this does not happen with a
         * kernel that honours cancellation). */
        d->xfer->callback = orphan_done;
        d->xfer->user_data = NULL;
        d->inbuf = NULL;
    } else if (d->xfer) {
        libusb_free_transfer(d->xfer);
    }
    if (d->dev)
        libusb_unref_device(d->dev);
    evl_timer_free(d->timer);
    evl_timer_free(d->notify);
    free(d->inbuf);
    free(d->block);
    free(d);
}
