/* usbenum: finding BitBabblers.  Owns the libusb context (hooked into the
 * event loop) and a libudev handle; enumerates devices and watches for
 * hotplug add/remove through a udev monitor.
 *
 * Identity comes from udev (sysattrs idVendor/idProduct, serial,
 * manufacturer, product, busnum, devnum, devpath), which needs no access to
 * the device node, so an unprivileged `seedd -s` still shows serials.  A
 * string udev lacks is read over USB when the node can be opened.  The port
 * path comes from libusb_get_port_numbers(), else from udev's devpath.
 */
#ifndef BB_USBENUM_H
#define BB_USBENUM_H

#include <stdbool.h>
#include <stddef.h>

#include "devinfo.h"

struct evl;
struct usbenum;
struct libusb_context;
struct libusb_device;

typedef void (*usbenum_hotplug_fn)(void *ud, bool added, const struct devinfo *d);

/* loop may be NULL (scan only: libusb events are then not dispatched). */
int usbenum_new(struct evl *loop, struct usbenum **out);
void usbenum_free(struct usbenum *ue);

struct libusb_context *usbenum_ctx(struct usbenum *ue);

/* All BitBabblers present, in udev enumeration order; devices without a
 * serial are included (callers skip them).  *devs is malloc'd (NULL when
 * *n is 0). */
int usbenum_scan(struct usbenum *ue, struct devinfo **devs, size_t *n);

/* The libusb device at bus/dev, with a reference the caller must drop with
 * libusb_unref_device().  -ENODEV if libusb does not (yet) list it. */
int usbenum_find(struct usbenum *ue, unsigned bus, unsigned dev, struct libusb_device **out);

/* Start delivering hotplug add/remove events for BitBabblers. */
int usbenum_monitor(struct usbenum *ue, usbenum_hotplug_fn fn, void *ud);

/* Handle libusb events for at most timeout_ms (returns after the first
 * batch); teardown paths loop on it until their cancelled transfers are
 * back. */
void usbenum_drain(struct usbenum *ue, unsigned timeout_ms);

#endif
