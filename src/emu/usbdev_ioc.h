/* The private ioctls between libbbemu-preload (preload.c) and bbemu's usbfs
 * handler (usbfs.c): lseek() on an emulated usbfs node.  The argument is
 * the offset itself (not a pointer); the result is the new position or
 * -1 with errno (EINVAL for a negative one, ENODEV once unplugged).
 * Type 'U' as usbdevfs, numbers it does not use. */
#ifndef BB_EMU_USBDEV_IOC_H
#define BB_EMU_USBDEV_IOC_H

#include <linux/ioctl.h>

#define BBEMU_IOC_SEEK_SET _IO('U', 0xb0)
#define BBEMU_IOC_SEEK_CUR _IO('U', 0xb1)

#endif
