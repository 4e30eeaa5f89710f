/* sources: the set of devices a program reads from.
 *
 * Picks devices by the configured IDs (first matching -i / [Device:ID]
 * wins; with no IDs configured, every device with a serial), runs a bbdev
 * per device, folds each raw block and hands folded blocks to the sink.
 * With hotplug on, devices that appear later are started and devices that
 * go away are dropped; without it, the set is fixed at startup.
 */
#ifndef BB_SOURCES_H
#define BB_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devcfg.h"

struct evl;
struct usbenum;
struct sources;

struct sources_sink {
    /* One folded block of block_size bytes from one device. */
    void (*block)(void *ud, const uint8_t *data, size_t len);
    /* No device is running any more (failed or gone), why says the last
     * reason.  With hotplug, more may come later. */
    void (*all_gone)(void *ud, const char *why);
};

struct sources_cfg {
    const struct devcfg *defaults;
    const struct devcfg *ids;   /* per-ID settings, in command-line order */
    size_t n_ids;
    size_t block_size;          /* folded bytes per block */
    bool hotplug;               /* follow add/remove */
};

/* Scans and starts the devices.  Without hotplug, no matching device, an ID
 * that matches nothing, or a device that cannot be started is an error
 * (-ENODEV, -ENOENT, or the device's error), logged once at level 0. */
int sources_new(struct evl *loop, struct usbenum *ue, const struct sources_cfg *cfg,
                const struct sources_sink *sink, void *ud, struct sources **out);
void sources_free(struct sources *s);

size_t sources_running(const struct sources *s);

#endif
