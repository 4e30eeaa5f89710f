/* virtrng: `bbvirt rng attach|detach`: a virtio-rng device reading seedd's
 * EGD socket, added to or removed from a libvirt domain, live and/or in
 * its persistent definition, over a virt_ops table (so that every decision
 * is tested against a fake libvirt).  Nothing here prints.
 *
 * Which side changes (affect): what was asked (VIRT_AFFECT_LIVE and/or
 * VIRT_AFFECT_CONFIG), else the default: a running domain both (only live
 * for a transient one), a stopped one its definition.  Unlike a USB
 * address, the rng is safe to persist: the socket path does not change.
 *
 * Idempotent, per side: attach adds the device only where no egd rng on
 * the same socket is yet (attaching twice leaves one); detach removes every
 * one on that socket, each by the exact element libvirt reports (so its
 * alias and address match), and is a no-op where there is none.
 */
#ifndef BB_VIRTRNG_H
#define BB_VIRTRNG_H

#include <stdbool.h>
#include <stddef.h>

#include "virt.h"

/* The EGD socket seedd(1) suggests for --egd-out unix:PATH (a directory
 * of its own, which seedd opens to QEMU's user); bbvirt's default
 * --socket. */
#define VIRTRNG_DEFAULT_SOCKET "/run/bit-babbler-egd/seedd.socket"

struct virtrng_req {
    bool attach;            /* else detach */
    const char *uri;        /* NULL: libvirt's default */
    const char *domain;     /* libvirt name */
    const char *socket;     /* NULL: VIRTRNG_DEFAULT_SOCKET */
    unsigned affect;        /* VIRT_AFFECT_* asked; 0: the default (above) */
};

struct virtrng_result {
    struct virt_info info;  /* the domain's state and persistence */
    unsigned affect;        /* the sides decided on */
    unsigned already;       /* sides that were already as asked (nothing done) */
    unsigned done;          /* sides changed */
    unsigned pending;       /* live detach sent, but the guest still has it */
    unsigned failed;        /* sides libvirt refused; err says why (the first) */
};

/* 0 when every side is as asked now (done or already); else the error of
 * the first failure with err set: -ENOENT no such domain, -ESRCH --live on
 * a stopped domain or --config on a transient one, -EINVAL bad socket
 * path, virt's errors.  Sides that succeeded before a failure stay done
 * (res says which). */
int virtrng_run(const struct virt_ops *ops, void *ctx, const struct virtrng_req *q,
                struct virtrng_result *res, char *err, size_t errlen);

/* The rng XML bbvirt attaches for socket (NULL: the default); malloc'd,
 * NULL with errno set (EINVAL: not an absolute path of at most 107 bytes). */
char *virtrng_xml(const char *socket);

/* How many egd rngs in domain XML read socket (NULL: the default); -EINVAL
 * for XML that cannot be read. */
int virtrng_count(const char *xml, const char *socket);

#endif
