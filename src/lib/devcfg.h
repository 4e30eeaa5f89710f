/* devcfg: per-device settings ([Devices] / [Device:ID] / per -i options). */
#ifndef BB_DEVCFG_H
#define BB_DEVCFG_H

#include <stdbool.h>

#include "devid.h"

#define DEVCFG_FOLD_DEFAULT (-1) /* from the product string */
#define DEVCFG_MAX_FOLD 10
/* The smallest fold a known product has by default (White RNG: 1; Black
 * RNG: 3): what seedd checks a pool size against when no --fold is given. */
#define DEVCFG_MIN_PRODUCT_FOLD 1

struct devcfg {
    struct devid id;      /* kind DEVID_NONE for the defaults */
    unsigned bitrate;     /* requested, 0 = default */
    unsigned latency_ms;  /* 0 = computed */
    int fold;             /* DEVCFG_FOLD_DEFAULT or 0..DEVCFG_MAX_FOLD */
    unsigned enable_mask; /* 0x01..0x0F */
    bool limit_max_xfer;
    bool no_qa;
    unsigned group;         /* pool group, 0 = the default group */
    unsigned idle_initial;  /* idle-sleep INIT, ms */
    unsigned idle_max;      /* idle-sleep MAX, ms (0: then indefinitely) */
    unsigned suspend_after; /* ms, 0 = never release while idle */
};

/* --low-power: idle-sleep 100:0 and suspend-after 10000, unless set
 * explicitly (whatever the order). */
#define DEVCFG_LOW_POWER_IDLE_MAX 0
#define DEVCFG_LOW_POWER_SUSPEND 10000

void devcfg_init(struct devcfg *c);

/* The fold for a device: the configured one, else 1 for "White RNG" and 3
 * for "Black RNG"; -EINVAL for any other product without a configured fold. */
int devcfg_fold_for(const struct devcfg *c, const char *product);

/* Real bit rates (ftdi_real_bitrate) from this one up start their health
 * monitor with Ent8 not ok: no output until the first Ent8 result (500000
 * bytes analysed) has passed (spec §4.1: ent8_ok starts as bitrate < 5 000 000). */
#define DEVCFG_ENT8_WAIT_BITRATE 5000000u

/* Whether a device read at the real bit rate REAL_BITRATE (as realised by
 * ftdi_real_bitrate, not as requested) may pass output before its first Ent8
 * result: true below DEVCFG_ENT8_WAIT_BITRATE. */
bool devcfg_ent8_ok_initially(unsigned real_bitrate);

#endif
