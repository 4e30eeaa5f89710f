/* usbany: finding USB devices of one VID:PID, whatever they are, for
 * bbvirt, which passes them to guests by VID:PID:SERIAL (vm.conf's
 * DOMAIN_USB_<id>).  Identity from udev alone (sysattrs idVendor,
 * idProduct, serial, manufacturer, product, busnum, devnum, devpath): no
 * libusb, no access to the device node, nothing is ever claimed.  seedd
 * never uses this: it finds BitBabblers with usbenum only.
 */
#ifndef BB_USBANY_H
#define BB_USBANY_H

#include <stddef.h>
#include <stdint.h>

#include "devinfo.h"

/* The usb_device entries with that VID:PID, in udev enumeration order
 * (devices without a serial included, with serial ""); the port path is
 * udev's devpath.  *devs is malloc'd (NULL when *n is 0).  0, -ENOMEM,
 * -EIO. */
int usbany_scan(uint16_t vid, uint16_t pid, struct devinfo **devs, size_t *n);

#endif
