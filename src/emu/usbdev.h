/* usbdev: one emulated BitBabbler in a umockdev testbed, speaking Linux
 * usbdevfs (the ioctls libusb uses) on /dev/bus/usb/BBB/DDD, backed by an
 * fmodel.
 *
 * The node is a FIFO kept full while the client has nothing to reap and
 * drained when a URB completed, so poll() on it behaves like usbdev_poll()
 * (no busy polling).  FTDI latency-timer status packets come from a GLib
 * timer in the testbed's worker context, where all ioctls are handled.
 * Every ioctl completes under the device lock.  Unplug completes in-flight
 * URBs with -ESHUTDOWN and makes every later ioctl on old fds fail with
 * ENODEV; a re-plug gets a new node and handler (pass a new device number,
 * like a real re-enumeration).
 *
 * Threads: usbdev_new/plug/unplug/free and the unplug callback run in the
 * main thread (the default GMainContext); the handler runs in the testbed
 * worker thread. */
#ifndef BB_EMU_USBDEV_H
#define BB_EMU_USBDEV_H

#include <stdbool.h>
#include <umockdev.h>

#include "fmodel.h"

struct usbdev;

/* Called in the main context when the model asked to be unplugged (unplug
 * fault); the device is already disconnected at the USB level, the
 * callback is expected to call usbdev_unplug(). */
typedef void (*usbdev_unplug_fn)(struct usbdev *d, void *user);

/* Takes ownership of model (also on error).  0 or -ENOMEM. */
int usbdev_new(UMockdevTestbed *tb, struct fmodel *model, struct usbdev **out);
/* Only once the testbed is gone (no handler can run any more). */
void usbdev_free(struct usbdev *d);
void usbdev_set_unplug_fn(struct usbdev *d, usbdev_unplug_fn fn, void *user);
/* Bulk IN data no faster than the host's MPSSE bit rate (spec: paced). */
void usbdev_set_paced(struct usbdev *d, bool paced);

/* Plug in at bus-port with devnum; parent is the sysfs devpath (without
 * "/sys") of the hub the port belongs to.  0 or -errno. */
int usbdev_plug(struct usbdev *d, unsigned bus, unsigned devnum, const char *port,
                const char *parent);
void usbdev_unplug(struct usbdev *d);

/* Model access from the main thread: the lock must be held. */
void usbdev_lock(struct usbdev *d);
void usbdev_unlock(struct usbdev *d);
struct fmodel *usbdev_model(struct usbdev *d);

/* Set (or arm) a fault / clear all (takes the lock; applies "access" to the
 * node).  0 or -ENOSPC (fmodel_fault_set()). */
int usbdev_fault(struct usbdev *d, const struct fmodel_fault_spec *f);
void usbdev_clear_faults(struct usbdev *d);
/* Write the wire log to path atomically.  0 or -errno. */
int usbdev_dump(struct usbdev *d, const char *path);

#endif
