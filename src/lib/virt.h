/* virt: the boundary to libvirt.  Every libvirt error is translated here,
 * and nowhere else, into -errno plus a message (struct virt_err).
 *
 * The operations are a table (struct virt_ops) so that the logic above it
 * (vmctl) can be tested against a fake.  The real implementation,
 * virt_libvirt_ops, runs each operation in a forked child process that
 * opens its own connection, and waits for its answer on a pipe with a
 * deadline: a libvirtd that accepts a connection and never answers (the
 * boot deadlock upstream documents), or any other hang inside libvirt,
 * costs at most the timeout.  The child is then killed; nothing of it
 * stays behind.  libvirt's own error printing is switched off; its message
 * reaches the caller in virt_err.
 *
 * Results: 0; -ENOENT no such domain; -ESRCH domain not running (attach,
 * detach); -ENODEV (detach) device not in the domain; -ETIMEDOUT no
 * answer in time; -ECONNREFUSED cannot connect;
 * -EIO libvirt refused or failed the operation (err->msg says why);
 * -ENOMEM.  err->vir_code is libvirt's virErrorNumber (0 if none).
 */
#ifndef BB_VIRT_H
#define BB_VIRT_H

#include <stdbool.h>
#include <stddef.h>

struct virt_err {
    int vir_code;
    char msg[512];
};

enum virt_state {
    VIRT_STATE_OTHER = 0,
    VIRT_STATE_RUNNING,     /* active: running, paused, or being started */
    VIRT_STATE_SHUTOFF,     /* defined but not active */
};

struct virt_domain {
    char *name;
    char *xml;              /* live XML */
};

/* What change() affects: the running domain, its persistent definition, or
 * both (libvirt's VIR_DOMAIN_AFFECT_LIVE / _CONFIG). */
enum {
    VIRT_AFFECT_LIVE = 1,
    VIRT_AFFECT_CONFIG = 2,
};

struct virt_info {
    enum virt_state state;
    bool persistent;        /* defined (has a persistent definition) */
};

struct virt_ops {
    /* The state of one domain (-ENOENT if there is none of that name). */
    int (*state)(void *ctx, const char *uri, const char *name, enum virt_state *st,
                 struct virt_err *err);
    /* A domain's XML: the live one, or the persistent one if inactive. */
    int (*get_xml)(void *ctx, const char *uri, const char *name, bool inactive, char **xml,
                   struct virt_err *err);
    /* Every running domain with its live XML; free with virt_domains_free. */
    int (*list_running)(void *ctx, const char *uri, struct virt_domain **doms, size_t *n,
                        struct virt_err *err);
    /* Attach or detach a device to/from the live domain only. */
    int (*attach)(void *ctx, const char *uri, const char *name, const char *xml,
                  struct virt_err *err);
    int (*detach)(void *ctx, const char *uri, const char *name, const char *xml,
                  struct virt_err *err);
    /* State and persistence of one domain (-ENOENT if there is none). */
    int (*info)(void *ctx, const char *uri, const char *name, struct virt_info *out,
                struct virt_err *err);
    /* Attach (attach true) or detach a device with VIRT_AFFECT_* flags. */
    int (*change)(void *ctx, const char *uri, const char *name, const char *xml, bool attach,
                  unsigned affect, struct virt_err *err);
};

/* The real thing.  ctx is a struct virt_libvirt. */
struct virt_libvirt {
    unsigned timeout_ms;    /* per operation, connection included */
};
extern const struct virt_ops virt_libvirt_ops;

void virt_domains_free(struct virt_domain *doms, size_t n);

/* "qemu:///system", or "the default libvirt URI" for NULL. */
const char *virt_uri_name(const char *uri);

#endif
