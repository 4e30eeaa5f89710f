/* ffsdesc: the FunctionFS descriptor and string blobs of the BitBabbler
 * function, derived from the fmodel descriptors (one identity for both
 * transports).
 *
 * Descriptors (FunctionFS v2 format, little-endian): flags HAS_FS_DESC |
 * HAS_HS_DESC | ALL_CTRL_RECIP; at each speed fmodel's interface descriptor
 * (class ff/ff/ff, two endpoints, its string = the function's string 1)
 * followed by its bulk IN 0x81 and bulk OUT 0x02 endpoint descriptors, with
 * wMaxPacketSize 64 at full speed and 512 (fmodel's) at high speed.
 * ALL_CTRL_RECIP is what makes the kernel pass the FTDI vendor requests
 * (device recipient, 0x40/0xc0) to the function at all.
 *
 * Strings: one language (0x0409) with one string, the interface string (the
 * product name).  The device-level strings (manufacturer, product, serial)
 * are configfs attributes: see configfs.h.  Pure. */
#ifndef BB_GADGET_FFSDESC_H
#define BB_GADGET_FFSDESC_H

#include <stddef.h>
#include <stdint.h>

#define FFSDESC_FS_MAXPACKET 64
#define FFSDESC_DESC_MAX 128
#define FFSDESC_STRINGS_MAX 160

/* The descriptor blob into buf (cap bytes); *len its length.  0 or -ENOSPC. */
int ffsdesc_descriptors(uint8_t *buf, size_t cap, size_t *len);

/* The strings blob with interface string s (1..126 printable ASCII chars)
 * into buf.  0, -EINVAL or -ENOSPC. */
int ffsdesc_strings(const char *s, uint8_t *buf, size_t cap, size_t *len);

#endif
