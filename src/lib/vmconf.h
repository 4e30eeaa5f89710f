/* vmconf: /etc/bit-babbler/vm.conf, which assigns BitBabblers (by serial)
 * to libvirt domains.  Upstream sources this file as bash, as root, from
 * udev; we parse a strict subset of that syntax and never execute anything:
 *
 *     # comment
 *     DOMAIN_RNG_<id>=( SERIAL ... )     serials for the domain (may span lines)
 *     DOMAIN_RNG_<id>+=( SERIAL ... )    more serials for the same domain
 *     DOMAIN_RNG_<id>=SERIAL             a one-element array, as in bash
 *     DOMAIN_NAME_<id>="libvirt name"    when the libvirt name is not an id
 *     DOMAIN_URI_<id>="qemu:///system"   the libvirt URI for this domain
 *     DOMAIN_USB_<id>=( VID:PID:SERIAL ... )  any USB devices for the domain
 *     DOMAIN_USB_<id>+=( VID:PID:SERIAL ... ) (also one VID:PID:SERIAL)
 *     DOMAIN_VIRTIO_RNG_<id>=yes         a virtio-rng from seedd's EGD socket
 *     DOMAIN_VIRTIO_RNG_<id>=/run/x.sock   ... from that socket (no: none)
 *
 * <id> is [A-Za-z0-9_]+.  One statement per line (an array may continue
 * over several lines); '#' starts a comment at the start of a word.  Values
 * are bash words: unquoted text, '...' (literal) and "..." (\" \\ \$ \`
 * escapes), concatenated; backslash-newline continues a line.  Anything
 * that bash would expand or run ($, `, ;, &, |, <, >, globs, unknown
 * variables, commands) is an error naming the file, line and what was
 * found.  A serial is 4..127 letters and digits; it may be assigned to one
 * domain only.  VID and PID are 4 hex digits each (not 0000; either case,
 * kept as numbers), SERIAL 1..127 of letters, digits and . _ - : (the
 * first two colons end VID and PID).  A DOMAIN_USB_ entry with VID:PID
 * 0403:7840 is a BitBabbler: it is kept as a serial of the domain (and
 * must be a valid one), so seedd leaves it alone too.  One VID:PID:SERIAL
 * may be assigned to one domain only.  A setting given twice, or two ids naming the same libvirt
 * domain, are errors too.
 *
 * Domains are kept in order of first mention.  A domain can have NAME/URI
 * and no serials.  Pure over buffers (vmconf_parse); vmconf_load reads the
 * file first.
 */
#ifndef BB_VMCONF_H
#define BB_VMCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMCONF_MAX_FILE (1024 * 1024)

#define VMCONF_USB_SERIAL_MAX 127

struct vmconf;

/* A device by VID:PID:SERIAL (DOMAIN_USB_<id>); never 0403:7840. */
struct vmconf_usb {
    uint16_t vid, pid;
    char serial[VMCONF_USB_SERIAL_MAX + 1];
};

struct vmconf_domain {
    const char *id;                /* the <id> of DOMAIN_*_<id> */
    const char *name;              /* libvirt name: DOMAIN_NAME_<id>, else id */
    const char *uri;               /* DOMAIN_URI_<id>, or NULL */
    bool virtio_rng;               /* DOMAIN_VIRTIO_RNG_<id> is yes or a path */
    const char *rng_socket;        /* its path, NULL for yes (seedd's default) */
    const char *const *serials;    /* nserials serials, in file order */
    size_t nserials;
    const struct vmconf_usb *usb;  /* nusb other USB devices, in file order */
    size_t nusb;
    unsigned line;                 /* line of the domain's first mention */
};

/* Parse len bytes of buf (NUL bytes in it are an error).  fname is only
 * used in messages ("FILE:LINE: what").  Returns 0 with *out set, or
 * -EINVAL with the one-line message in err (-ENOMEM on allocation failure).
 * *out is untouched on error. */
int vmconf_parse(const char *buf, size_t len, const char *fname, struct vmconf **out,
                 char *err, size_t errlen);

/* Read and parse path.  -ENOENT (with a message) if it does not exist,
 * -EACCES/-EISDIR/-EFBIG etc. if it cannot be read, else as vmconf_parse. */
int vmconf_load(const char *path, struct vmconf **out, char *err, size_t errlen);

/* An empty configuration (no domains): what a missing file means. */
int vmconf_new_empty(struct vmconf **out);

void vmconf_free(struct vmconf *c);

size_t vmconf_count(const struct vmconf *c);
const struct vmconf_domain *vmconf_domain(const struct vmconf *c, size_t i);

/* By config id first, then by libvirt name; NULL if neither. */
const struct vmconf_domain *vmconf_find(const struct vmconf *c, const char *id_or_name);

/* The domain a serial is assigned to, or NULL. */
const struct vmconf_domain *vmconf_for_serial(const struct vmconf *c, const char *serial);

/* The domain the device vid:pid:serial is assigned to, or NULL; for
 * 0403:7840 that is vmconf_for_serial(). */
const struct vmconf_domain *vmconf_for_usb(const struct vmconf *c, uint16_t vid, uint16_t pid,
                                           const char *serial);

#define VMCONF_SOCKET_MAX 107 /* sun_path less its NUL */

/* A DOMAIN_VIRTIO_RNG_ value: "yes", "no", or an absolute path of at most
 * VMCONF_SOCKET_MAX bytes without blanks or control characters.  Pure. */
bool vmconf_valid_virtio_rng(const char *s);

/* True if s is acceptable as a serial in vm.conf (4..127 letters/digits). */
bool vmconf_valid_serial(const char *s);

/* Parse "VID:PID:SERIAL" (as in DOMAIN_USB_<id>, 0403:7840 included; no
 * BitBabbler serial check).  0, or -EINVAL (*out untouched).  Pure. */
int vmconf_parse_usb(const char *s, struct vmconf_usb *out);

/* "1d6b:0104:ABC123" into buf (at least VMCONF_USB_TEXT_MAX); returns buf. */
#define VMCONF_USB_TEXT_MAX (10 + VMCONF_USB_SERIAL_MAX + 1)
const char *vmconf_usb_format(uint16_t vid, uint16_t pid, const char *serial, char *buf,
                              size_t len);

#endif
