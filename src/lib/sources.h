/* sources: the set of devices feeding the pool.
 *
 * Picks devices by the configured IDs (first matching -i / [Device:ID]
 * wins; with no IDs configured, every device with a serial) and runs, per
 * device, upstream's source loop on the event loop: read a raw block of
 * group_size << fold bytes (bbdev), fold it, check it with the device's
 * health monitor (monitor ID = serial), and add it to its pool group if it
 * passed (or the device has --no-qa).  Between blocks the device backs off
 * while the pool stays full (backoff.h), releasing it during long waits
 * with suspend-after.  With hotplug on, devices that appear later are
 * started and devices that go away are dropped; without it, the set is
 * fixed at startup.
 */
#ifndef BB_SOURCES_H
#define BB_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devcfg.h"
#include "devinfo.h"
#include "health.h"

struct evl;
struct usbenum;
struct sources;

struct pool;
struct monitors;

struct sources_sink {
    /* No device is running any more (failed or gone), why says the last
     * reason.  With hotplug, more may come later. */
    void (*all_gone)(void *ud, const char *why);
    /* Optional: a device started streaming or was dropped; streaming is
     * how many are streaming now (for a status line). */
    void (*changed)(void *ud, size_t streaming);
};

/* The largest raw block a device may read per folded block (group size <<
 * fold).  seedd rejects larger explicit combinations as bad input; a
 * product's default fold that gives a larger block fails at start. */
#define SOURCES_MAX_RAW_BLOCK ((uint64_t)1 << 30)

struct vmconf;

struct sources_cfg {
    const struct devcfg *defaults;
    const struct devcfg *ids;   /* per-ID settings, in command-line order */
    size_t n_ids;
    struct pool *pool;          /* where passed blocks go, through groups */
    struct monitors *monitors;  /* where device health monitors register */
    bool hotplug;               /* follow add/remove */
    /* Devices vm.conf gives to libvirt guests: never taken unless an ID
     * names them (then with a warning).  NULL: none. */
    const struct vmconf *guests;
    /* How a device's health monitor gates its data (health.h). */
    enum health_gate_mode gate;
};

/* While a device fails QA, a warning with the bytes dropped so far repeats
 * at this interval (the first one comes when it starts failing). */
#define SOURCES_QA_WARN_MS 10000

/* Scans and starts the devices.  Without hotplug, no matching device, an ID
 * that matches nothing, or a device that cannot be started is an error
 * (-ENODEV, -ENOENT, or the device's error), logged once at level 0. */
int sources_new(struct evl *loop, struct usbenum *ue, const struct sources_cfg *cfg,
                const struct sources_sink *sink, void *ud, struct sources **out);
void sources_free(struct sources *s);

/* ---- introspection -------------------------------------------------------- */

enum sources_state {
    SOURCES_STARTING,   /* claimed, initialising */
    SOURCES_STREAMING,
    SOURCES_IDLE,       /* paused while the pool is full */
    SOURCES_SUSPENDED,  /* idle and released (suspend-after) */
    SOURCES_RECOVERING, /* after an error, until its next block */
    SOURCES_FAILED,     /* given up */
    SOURCES_GONE,       /* unplugged */
};

struct sources_devstat {
    char serial[DEVINFO_STR_MAX];
    unsigned bus, dev;
    enum sources_state state;
    uint64_t bytes_read;    /* raw bytes from the device (before folding) */
    uint64_t bytes_passed;  /* folded bytes its gate passed to its pool group */
    uint64_t recoveries;    /* errors recovered from (bbdev BBDEV_RECOVER) */
};

/* The devices: those running (newest first), then those that failed or
 * went away (the last SOURCES_MAX_DEPARTED, newest first; one per serial,
 * dropped when the serial runs again).  -ENOENT past the end. */
#define SOURCES_MAX_DEPARTED 32
size_t sources_count(const struct sources *s);
int sources_get(const struct sources *s, size_t i, struct sources_devstat *out);
const char *sources_state_name(enum sources_state st);

#endif
