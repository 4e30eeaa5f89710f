/* bbdev: the asynchronous FT232H/MPSSE driver for one BitBabbler.
 *
 * Claims the device, runs the init sequence of spec §2.3 (SIO reset, purge,
 * latency, flow control, MPSSE mode, sync check 0xAA/0xAB, 13-byte setup),
 * then streams: one read command per chunk, bulk IN transfers stripped of
 * FTDI status bytes, chunks gathered into raw blocks of params.block_len
 * bytes, folded params.fold times (spec §3) as they arrive (so only the
 * folded block is ever buffered), each folded block handed whole to
 * ops->block.  Everything is libusb asynchronous
 * transfers and evl timers on the caller's loop; at most one transfer is in
 * flight per device.
 *
 * Error policy (upstream's, made bounded; see docs/design.md):
 *  - 10 consecutive empty reads: re-initialise and re-issue the command, at
 *    most 19 times per chunk, then give up (FAILED);
 *  - init: 20 attempts, then give up (FAILED);
 *  - stall, transfer error/timeout, invalid status bytes, excess data:
 *    release (or USB-reset) and re-claim with a growing back-off, at most
 *    BBDEV_MAX_RECOVERIES times in a row without a good chunk in between,
 *    then give up (FAILED);
 *  - device gone: GONE.
 * A partly gathered block is always discarded on any of these, so a block
 * is never made of data from both sides of an error.
 */
#ifndef BB_BBDEV_H
#define BB_BBDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devinfo.h"

#define BBDEV_INIT_ATTEMPTS 20
#define BBDEV_EMPTY_READS 10
#define BBDEV_READ_RESETS 19
#define BBDEV_MAX_RECOVERIES 3

struct evl;
struct usbenum;
struct bbdev;

/* The smallest raw block (params.block_len) a device can read: one USB
 * packet at high speed (a BitBabbler's FT232H), the smallest chunk it can
 * be asked for.  (At full speed, 64 bytes would do.) */
#define BBDEV_MIN_RAW_BLOCK 512

struct bbdev_params {
    unsigned bitrate;      /* requested; 0 = default 2.5 MHz */
    unsigned latency_ms;   /* 0 = computed from the bitrate */
    unsigned enable_mask;  /* generators, 0x01..0x0F */
    bool limit_max_xfer;   /* chunk size at most 16384 */
    size_t block_len;      /* raw bytes per block */
    unsigned fold;         /* XOR-folds: block_len >> fold bytes are delivered
                              (block_len must be divisible by 2^fold) */
};

enum bbdev_event {
    BBDEV_READY,    /* init done, streaming */
    BBDEV_RECOVER,  /* an error; recovering (msg says what) */
    BBDEV_FAILED,   /* gave up; err and msg say why.  Terminal. */
    BBDEV_GONE,     /* unplugged.  Terminal. */
};

struct bbdev_ops {
    /* A whole block, folded (len = block_len >> fold).  May call
     * bbdev_pause(), not bbdev_free(). */
    void (*block)(void *ud, struct bbdev *d, const uint8_t *data, size_t len);
    /* Terminal events are delivered from a timer with nothing in flight, so
     * the callee may bbdev_free() there. */
    void (*event)(void *ud, struct bbdev *d, enum bbdev_event ev, int err, const char *msg);
};

int bbdev_new(struct evl *loop, struct usbenum *ue, const struct devinfo *di,
              const struct bbdev_params *p, const struct bbdev_ops *ops, void *ud,
              struct bbdev **out);
/* Cancels what is in flight (waiting a bounded time), puts the FTDI back out
 * of MPSSE mode and releases the device. */
void bbdev_free(struct bbdev *d);

/* Open, claim and start.  Errors found synchronously (busy, no permission,
 * bad descriptors, block_len not a multiple of the chunk size) are returned
 * as negative errno with a message logged; later ones arrive as events. */
int bbdev_start(struct bbdev *d);

/* Whether libusb lists the device (yet). */
bool bbdev_present(struct bbdev *d);

/* Stop issuing read commands after the current chunk (true) or go on. */
void bbdev_pause(struct bbdev *d, bool pause);

/* While paused (once bbdev_pause(d, true) took effect), release the device
 * (FTDI out of MPSSE mode, interface released, handle closed) so the kernel
 * may autosuspend it; bbdev_pause(d, false) re-claims and re-initialises.
 * Not from within a bbdev callback.  -EAGAIN if not paused (yet). */
int bbdev_suspend(struct bbdev *d);

#endif
