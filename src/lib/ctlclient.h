/* ctlclient: the client side of the control protocol (spec §7), as pure
 * functions: requests built with json-c (IDs escaped, unlike upstream's
 * bbctl), replies parsed and checked (reply[0] names the request), the
 * STATS, BitRuns and RAW objects read into structs, bbctl's report formats
 * (spec §9.2, byte for byte as upstream's bbctl prints them), and the
 * --waitfor argument.  No sockets here (src/bbctl/conn.c has them).
 *
 * Every function returns 0 or a negative errno: -EPROTO for a reply that is
 * not what the protocol says (with a reason in err when err is given),
 * -ENOMEM, -EINVAL for a bad argument.  Nothing here prints, except the
 * formatters, which write to the FILE the caller gives them. */
#ifndef BB_CTLCLIENT_H
#define BB_CTLCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* Spec §7.2: a client gives up on a reply without a NUL in this many bytes. */
#define CTLCLIENT_MAX_REPLY (64u << 20)

/* FIPS tests in the protocol's order (spec §4.2); CC_FIPS_RESULT is last. */
enum { CC_FIPS_TESTS = 7, CC_FIPS_RESULT = 6 };
extern const char *const ctlclient_fips_names[CC_FIPS_TESTS];

/* BitRuns' slots (spec §4.5: MaxRun 64). */
#define CC_MAX_RUN 64

struct cc_failrate {
    uint64_t passed, failed;
    double s, l, peak;
};

struct cc_passruns {
    uint64_t runs, previous, s, l, peak;
};

/* One result set (R): Current, Min or Max. */
struct cc_result {
    double entropy, chisq, mean, pi, corr, minentropy;
};

struct cc_fail {
    uint64_t tested, entropy, chisq, mean, pi, corr, minentropy;
};

/* Ent8 or Ent16, Short or Long (RES; RAW's DATA adds the bins). */
struct cc_entset {
    uint64_t samples;
    struct cc_result r[3]; /* Current, Min, Max */
    struct cc_fail fail;
    unsigned nbins;        /* RAW only: 256 or 65536, else 0 */
    uint64_t *bins;        /* RAW only: malloc'd */
};

struct cc_bitruns {
    uint64_t zeros, ones, max;
    unsigned nruns; /* entries of runs[] given (min(Max, 64)) */
    uint64_t runs[CC_MAX_RUN][2];
    double expected[CC_MAX_RUN];
    double chisq, chisqp;
    unsigned k;
};

/* One monitor's STATS object (spec §7.5). */
struct cc_stats {
    uint64_t analysed, passed;
    struct cc_failrate fr[CC_FIPS_TESTS];
    struct cc_passruns pr[CC_FIPS_TESTS];
    struct cc_bitruns br;
    bool has_ent8, has_ent16;
    struct cc_entset ent8[2], ent16[2]; /* Short, Long */
};

/* One monitor's RAW object (spec §7.6). */
struct cc_raw {
    bool has_ent8, has_ent16;
    struct cc_entset ent8[2], ent16[2];
};

/* --- requests ------------------------------------------------------- */

/* The request text (no NUL; malloc'd in *out): `"Cmd"` when id is NULL,
 * else `["Cmd",token,"id"]` with id escaped by json-c. */
int ctlclient_request(const char *cmd, unsigned token, const char *id, char **out);

/* `["SetLogVerbosity",0,level]`. */
int ctlclient_request_verbosity(unsigned level, char **out);

/* --- replies -------------------------------------------------------- */

/* Parse one reply frame (len bytes, no NUL) and check that it is an array
 * of 3 whose [0] is the string `expect`.  *out: the whole reply (free with
 * json_object_put); *arg: its [2], borrowed from *out.  A reply naming
 * something else (UnknownRequest, BadRequest) is -EPROTO with its name and,
 * for BadRequest, its Error in err. */
int ctlclient_reply(const char *buf, size_t len, const char *expect, struct json_object **out,
                    struct json_object **arg, char *err, size_t errlen);

/* Read one STATS object / RAW object into s (zeroed first).  -EPROTO with a
 * reason when a key is missing or has the wrong type. */
int ctlclient_stats(struct json_object *o, struct cc_stats *s, char *err, size_t errlen);
int ctlclient_raw(struct json_object *o, struct cc_raw *r, char *err, size_t errlen);
void ctlclient_raw_clear(struct cc_raw *r);

/* QA.BytesPassed of monitor id in a ReportStats reply's [2]: 0 and *passed,
 * -ENOENT when the ID is not there (not registered yet), -EPROTO. */
int ctlclient_bytes_passed(struct json_object *arg, const char *id, uint64_t *passed);

/* --- bbctl's report formats (spec §9.2) ------------------------------ */

/* `Have N active device(s):` and `  Device ID: <id>` lines. */
int ctlclient_fmt_scan(FILE *f, struct json_object *ids);

/* -S for one monitor: from "\nsource: ID\n" to the last Ent line. */
void ctlclient_fmt_stats(FILE *f, const char *id, const struct cc_stats *s);

/* -r for one monitor: the BitRuns report (no source line, no final \n). */
void ctlclient_fmt_bitruns(FILE *f, const struct cc_bitruns *b);

/* Bins of one set: "Samples: N\n", the header, the rows shown and the two
 * summary lines (no final \n).  by_freq: ranked by frequency, else in
 * symbol order.  first/last: bins with index < first or >= nbins - last are
 * shown (CTLCLIENT_ALL_BINS for both: all). */
#define CTLCLIENT_ALL_BINS 65536u
int ctlclient_fmt_bins(FILE *f, const struct cc_entset *e, bool by_freq, uint64_t first,
                       uint64_t last);

/* --- --waitfor=ID:BYTES[:RETRY[:TIMEOUT]] ---------------------------- */

struct cc_waitfor {
    char id[256];
    uint64_t bytes;      /* suffixes x1024 */
    uint64_t retry_ms;   /* default 1000, 1 .. CC_WAITFOR_MAX_MS; suffixes x1000 */
    uint64_t timeout_ms; /* default 0 = forever, .. CC_WAITFOR_MAX_MS */
};
#define CC_WAITFOR_MAX_MS (1000ull * 86400 * 365) /* a year */

/* 0, or -EINVAL with the reason in err (w untouched). */
int ctlclient_parse_waitfor(const char *s, struct cc_waitfor *w, char *err, size_t errlen);

#endif
