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
 *
 * <id> is [A-Za-z0-9_]+.  One statement per line (an array may continue
 * over several lines); '#' starts a comment at the start of a word.  Values
 * are bash words: unquoted text, '...' (literal) and "..." (\" \\ \$ \`
 * escapes), concatenated; backslash-newline continues a line.  Anything
 * that bash would expand or run ($, `, ;, &, |, <, >, globs, unknown
 * variables, commands) is an error naming the file, line and what was
 * found.  A serial is 4..127 letters and digits; it may be assigned to one
 * domain only.  A setting given twice, or two ids naming the same libvirt
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

#define VMCONF_MAX_FILE (1024 * 1024)

struct vmconf;

struct vmconf_domain {
    const char *id;                /* the <id> of DOMAIN_*_<id> */
    const char *name;              /* libvirt name: DOMAIN_NAME_<id>, else id */
    const char *uri;               /* DOMAIN_URI_<id>, or NULL */
    const char *const *serials;    /* nserials serials, in file order */
    size_t nserials;
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

/* True if s is acceptable as a serial in vm.conf (4..127 letters/digits). */
bool vmconf_valid_serial(const char *s);

#endif
