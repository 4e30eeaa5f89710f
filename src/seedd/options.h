/* options: seedd's command line and config files (spec §8, §9.1).  The
 * options themselves are rows of one table (optab.h); conf.h merges the
 * config keys. */
#ifndef SEEDD_OPTIONS_H
#define SEEDD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devcfg.h"
#include "watchspec.h"


struct groupsize {
    unsigned id;
    size_t size;
};

struct seedd_opts {
    bool scan;
    bool shell_mr;
    bool to_stdout;
    uint64_t bytes;        /* -b N; 0 = not given */
    int verbose;
    bool progress;         /* --progress: even when stderr is not a terminal */
    struct devcfg defaults;
    struct devcfg *ids;    /* one per -i, settings resolved against defaults */
    size_t n_ids;
    size_t pool_size;      /* -P */
    struct groupsize *groups; /* -G, in order (later ones win) */
    size_t n_groups;
    struct watchspec *watches;
    size_t n_watches;
    char *vm_conf;         /* --vm-conf / vm-conf; NULL: none */
    bool vm_conf_explicit; /* given: it must exist */
    bool qa_gate_upstream; /* --qa-gate=upstream */

    /* [Service] (spec §8.2).  Strings are owned (freed by
     * seedd_opts_clear). */
    bool daemon;           /* -d / daemon: detach, log to syslog */
    bool kernel;           /* -k / kernel: feed the kernel */
    char *udp_out;         /* -u / udp-out HOST:PORT; NULL: none */
    char *udp_allow;       /* --udp-allow / udp-allow (ours); NULL: loopback */
    uint64_t udp_rate;     /* --udp-rate / udp-rate (ours): bytes/s per source */
    uint64_t udp_max_rate; /* --udp-max-rate / udp-max-rate (ours): bytes/s in all */
    char *control_socket;  /* -c / control-socket; default SEEDD_CONTROL_SOCKET;
                            * "none" = no socket and no lock */
    char *socket_group;    /* --socket-group / socket-group; NULL: none */
    bool ip_freebind;      /* --ip-freebind / ip-freebind */
    char *pid_file;        /* --pid-file / pid-file (ours); NULL: none */
    char *metrics;         /* --metrics / metrics [HOST:]PORT (ours): Prometheus
                            * endpoint; NULL: none */
    char *egd_out;         /* --egd-out / egd-out (ours): unix:PATH or
                            * tcp:HOST:PORT, comma-separated; NULL: none */
    char *egd_group;       /* --egd-group / egd-group (ours): unix sockets 0660 */
    uint64_t egd_rate;     /* --egd-rate / egd-rate (ours): bytes/s per client */
    /* [Pool] */
    char *kernel_device;   /* --kernel-device / kernel-device; default /dev/random */
    unsigned kernel_refill;/* --kernel-refill / kernel-refill, seconds: default 60,
                            * 3600 when any device has low-power; 0 = no timer */
    bool kernel_reseed;    /* --kernel-reseed=yes|no / kernel-reseed (ours):
                            * RNDRESEEDCRNG after each feed once the CRNG
                            * is ready; default yes */
};

#define SEEDD_CONTROL_SOCKET "/run/bit-babbler/seedd.socket"
#define SEEDD_KERNEL_DEVICE "/dev/random"
#define SEEDD_KERNEL_REFILL 60
#define SEEDD_KERNEL_REFILL_LOW_POWER 3600

/* Exit statuses (seedd.1 EXIT STATUS). */
#define SEEDD_EXIT_OK 0
#define SEEDD_EXIT_FAIL 1      /* bad options or config, no devices, ... */
#define SEEDD_EXIT_KERNEL 3    /* -k: the kernel device cannot be opened or
                                * fed (no CAP_SYS_ADMIN) */
#define SEEDD_EXIT_RUNNING 4   /* another seedd holds the control path's lock */

/* Parses argv (and the -C files it names) into *o.  Returns 1 to go on, 0
 * to exit successfully (--help, --version, --gen-conf: printed to stdout),
 * -1 on an error (one line already printed to stderr).  *o is set (and
 * must be cleared) in every case. */
int seedd_parse_args(int argc, char **argv, struct seedd_opts *o);
void seedd_opts_clear(struct seedd_opts *o);

#endif
