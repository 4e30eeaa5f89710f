/* usbdev internals shared by usbdev.c (lifecycle, URB queues, timers) and
 * usbfs.c (the usbdevfs ioctls).  Not for other modules. */
#ifndef BB_EMU_USBDEV_INT_H
#define BB_EMU_USBDEV_INT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <umockdev.h>

#include "fmodel.h"
#include "usbdev.h"

struct plug {
    struct usbdev *dev;
    UMockdevIoctlBase *handler;
    bool live;                           /* the current, connected plug */
    bool in_sysfs;
    unsigned bus, devnum;
    char port[32], sysname[48];
    char syspath[600], ifpath[700];      /* with the /sys prefix */
    char devnode[32];                    /* /dev/bus/usb/BBB/DDD */
    char *node;                          /* the FIFO inside the testbed */
    int fifo_fd;
    bool ready;                          /* FIFO empty: client sees POLLOUT */
    GSource *timer;                      /* latency timer (own reference) */
    GPtrArray *clients;                  /* open fds (weakly referenced) */
};

struct urb {
    struct plug *plug;
    UMockdevIoctlClient *client;        /* not a reference: see on_client_gone */
    UMockdevIoctlData *urb_data, *buf_data;
    uint8_t type, ep;
    size_t len;
    gint64 t_start;
    int status;
    size_t actual;
    uint8_t *result;                     /* IN data (control: data stage) */
};

struct usbdev {
    UMockdevTestbed *tb;
    struct fmodel *model;
    GMutex lock;
    struct plug *cur;                    /* live plug or NULL */
    struct plug *shown;                  /* plug whose sysfs records exist */
    GPtrArray *plugs;                    /* every plug ever: handlers stay attached */
    GQueue inflight, done;
    UMockdevIoctlClient *claimed_by;
    GMainContext *worker, *main_ctx;
    usbdev_unplug_fn unplug_fn;
    void *unplug_user;
    bool paced;                          /* the spec's paced */
    double pace_tokens;                  /* bytes it may clock out now */
    gint64 pace_last;                    /* µs; 0: not started */
};

/* The client's read() position (a GObject data key, size_t value). */
#define USBDEV_OFF_KEY "bbemu-off"

void usbdev_urb_free(struct urb *u);
void usbdev_urb_complete(struct usbdev *d, struct urb *u, int status, size_t actual);
/* Complete the bulk IN URBs the model can answer now (lock held). */
void usbdev_service_in(struct usbdev *d);

/* One usbdevfs ioctl of client on plug pl (lock held): result >= 0 or -errno. */
long usbfs_ioctl(struct usbdev *d, struct plug *pl, UMockdevIoctlClient *client, gulong req,
                 UMockdevIoctlData *arg);

#endif
