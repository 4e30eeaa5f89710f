/* options: seedd's command line (spec §9.1, the subset this stage has). */
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
    const char *vm_conf;   /* --vm-conf; NULL: none */
    bool vm_conf_explicit; /* given: it must exist */
    bool qa_gate_upstream; /* --qa-gate=upstream */
};

/* Returns 1 to go on, 0 to exit successfully (--help, --version), -1 on an
 * error (one line already printed to stderr). */
int seedd_parse_args(int argc, char **argv, struct seedd_opts *o);
void seedd_opts_clear(struct seedd_opts *o);

#endif
