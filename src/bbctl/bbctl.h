/* bbctl: the program's parts (bbctl.c options and main, actions.c the
 * requests and reports, waitfor.c --waitfor). */
#ifndef BBCTL_H
#define BBCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "ctlclient.h"

struct json_object;
struct conn;

#define BBCTL_EXIT_OK 0
#define BBCTL_EXIT_FAIL 1
#define BBCTL_EXIT_TIMEOUT 2
#define BBCTL_MAX_WAITFOR 16

struct opts {
    bool scan, stats, bit_runs, json;
    int bins;       /* 0, 8 or 16 */
    bool bin_count; /* symbol order */
    uint64_t first, last;
    long long verbosity; /* -1: not given */
    const char *id;
    const char *socket;
    uint64_t reply_timeout_ms;
    struct cc_waitfor wait[BBCTL_MAX_WAITFOR];
    int nwait;
};

struct ctx {
    struct opts *o;
    struct conn *conn;
    struct json_object *reply; /* the last reply */
};

/* One request and its checked reply (*arg: the reply's [2]); with --json
 * the reply is printed.  0, or an exit status with the message said; a
 * failure of the connection itself is only put in *conn_err (when given),
 * for --waitfor to retry. */
int bbctl_call(struct ctx *x, const char *req, const char *expect, uint64_t deadline_ms,
               struct json_object **arg, int *conn_err);

int bbctl_verbosity(struct ctx *x);
int bbctl_scan(struct ctx *x);
int bbctl_waitfor(struct ctx *x, const struct cc_waitfor *w);
int bbctl_bins(struct ctx *x);
int bbctl_bit_runs(struct ctx *x);
int bbctl_stats(struct ctx *x);

#endif
