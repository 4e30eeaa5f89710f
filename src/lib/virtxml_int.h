/* virtxml_int.h: what the two halves of virtxml (virtxml.c reads domain
 * XML, virtxml_gen.c writes snippets) share.  Private to them. */
#ifndef BB_VIRTXML_INT_H
#define BB_VIRTXML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <libxml/tree.h>

#include "devid.h"

#define VIRTXML_MAX_INPUT (16u * 1024 * 1024)
#define QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

#define USB_BUS_MAX 255u  /* libusb bus numbers are 8 bits */
#define USB_DEV_MAX 127u  /* USB device addresses */
#define USB_ID_MAX 0xffffu

#define PCI_SLOT_MIN 3
#define PCI_SLOT_MAX 31

/* What slow_model says for a USB controller without a model attribute. */
#define DEFAULT_SLOW_MODEL "piix3-uhci (default)"

/* Dotted port path, 1..7 levels of 1..255 without leading zeros, in at most
 * max bytes including the NUL (what the kernel and QEMU compare literally). */
static inline bool virtxml_valid_port_path(const char *p, size_t max)
{
    return p && strnlen(p, max) < max && devid_valid_port(p);
}

/* A whole document whose root is an unqualified <domain>, parsed with the
 * hardening virtxml.c describes: 0 and *out (xmlFreeDoc it), -EINVAL,
 * -ENOMEM. */
int virtxml_parse_domain(const char *xml, size_t len, xmlDocPtr *out);

#endif
