/* bbvirt: shared between the option parser/main (bbvirt.c) and the
 * commands (commands.c). */
#ifndef BB_BBVIRT_H
#define BB_BBVIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "devinfo.h"

/* Exit codes (documented in bbvirt(1)). */
enum {
    EXIT_OK = 0,        /* done, or nothing to do */
    EXIT_USAGE = 1,     /* bad option, device ID, or vm.conf */
    EXIT_NOTFOUND = 2,  /* no such device or domain, domain not running, device busy */
    EXIT_LIBVIRT = 3,   /* libvirt refused or failed the operation */
    EXIT_UNREACH = 4,   /* libvirt unreachable or did not answer in time */
    EXIT_CHECK = 5,     /* `check` found a problem with the domain */
};

#define BBVIRT_DEFAULT_TIMEOUT_MS 5000u
#define BBVIRT_HOOK_TIMEOUT_MS 30000u
#define BBVIRT_RNG_DETACH_TIMEOUT_MS 15000u

struct bbvirt_opts {
    const char *config;         /* vm.conf path */
    bool config_explicit;       /* -C given: a missing file is an error */
    const char *uri;            /* -c */
    const char *domain;         /* -D */
    unsigned bus, dev;          /* -b, -d (0: not given) */
    bool dry_run;
    int verbose;
    unsigned timeout_ms;
    bool timeout_explicit;
    bool syslog;
    const char *log_file;
    const char *group;          /* udev-rules --group */
    bool by_vidpid;             /* xml --by-vid-pid */
    bool legacy_syntax;         /* qemu-args --legacy-syntax */
    const char *socket;         /* rng --socket */
    unsigned affect;            /* rng --live/--config: VIRT_AFFECT_* (0: default) */
    const char *command;
    char **args;                /* the command's arguments */
    int nargs;
};

/* Map a -errno from vmctl/virt to an exit code. */
int bbvirt_exit_code(int rc);

struct vmconf;
struct vmconf_domain;
struct virt_libvirt;

/* rng.c: `rng attach|detach DOMAIN`; the virtio-rng rows of `status`;
 * the qemu hook's worker adding cd's virtio-rng.  Each returns the exit
 * code. */
int bbvirt_rng(const struct bbvirt_opts *o, const struct vmconf *conf, struct virt_libvirt *lv);
int bbvirt_rng_status(const struct bbvirt_opts *o, const struct vmconf *conf,
                      struct virt_libvirt *lv);
int bbvirt_rng_hook(const struct bbvirt_opts *o, const struct vmconf_domain *cd,
                    struct virt_libvirt *lv);

/* Run o->command; returns the exit code. */
int bbvirt_run(const struct bbvirt_opts *o);

#endif
