/* qa_ref: a plain, obviously-correct reference implementation of the QA
 * engine (spec §4), compiled into the tests and the benchmark only.  FIPS is
 * done bit by bit, the Ent statistics per sample in doubles as ENT does, the
 * short-block split by literal recursion as upstream does.  The real modules
 * must give identical results. */
#ifndef BB_QA_REF_H
#define BB_QA_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deterministic pseudo-random test data (splitmix64). */
void ref_random(uint64_t *state, uint8_t *buf, size_t len);

/* ---- BitRuns ---- */
struct ref_bitruns {
    uint64_t runlengths[2][64];
    uint64_t total[2];
    uint64_t maxrun;
    uint64_t runlength;
    unsigned runbit; /* 2: none */
};
void ref_bitruns_init(struct ref_bitruns *b);
void ref_bitruns_add(struct ref_bitruns *b, unsigned bit, uint64_t len);
void ref_bitruns_add_bytes(struct ref_bitruns *b, const uint8_t *buf, size_t len);
void ref_bitruns_flush(struct ref_bitruns *b);
/* Chi-square, p and k, plus expected[i] for i < 64 where computed. */
double ref_bitruns_chisq(const struct ref_bitruns *b, double *p, unsigned *k, double expected[64]);

/* ---- FIPS ---- */
struct ref_failrate {
    size_t pass, fail, peak, rate;
};
struct ref_passruns {
    size_t count, runs, previous, avg, long_sum, peak;
};
struct ref_fips {
    uint32_t prev_word;
    unsigned prop_val, prop_count, prop_n;
    struct ref_failrate fr[7];
    struct ref_passruns pr[7];
    struct ref_bitruns br;
    unsigned ones;
    uint64_t poker;
    unsigned runs[2][6];
    unsigned longest;
};
void ref_fips_init(struct ref_fips *f);
unsigned ref_fips_check(struct ref_fips *f, const uint8_t *block);
bool ref_fips_analyse(struct ref_fips *f, const uint8_t *block);
bool ref_fips_is_ok(const struct ref_fips *f, bool was_ok);

/* ---- Ent ---- */
struct ref_ent_res {
    double entropy, chisq, mean, pi, corr, minentropy;
};
struct ref_ent_fail {
    size_t tested, entropy, chisq, mean, pi, corr, minentropy;
};
struct ref_ent_data {
    uint64_t *bin;
    uint64_t samples, inradius, pisamples;
    unsigned corr0, corrn;
    double corr1, corr2, corr3;
    struct ref_ent_res result[3];
    struct ref_ent_fail fail;
};
struct ref_ent {
    unsigned bits;
    size_t nbins;
    uint64_t short_len;
    struct ref_ent_data s, prev, l;
    bool have_results, unchecked;
    uint64_t conv[5];
    uint64_t ok_wait;
};
int ref_ent_init(struct ref_ent *e, unsigned bits, uint64_t short_len);
void ref_ent_destroy(struct ref_ent *e);
void ref_ent_analyse(struct ref_ent *e, const uint8_t *buf, size_t len);
void ref_ent_flush(struct ref_ent *e);
bool ref_ent_is_ok(struct ref_ent *e, bool was_ok);

/* ---- HealthMonitor ---- */
struct ref_health {
    struct ref_fips fips;
    struct ref_ent e8, e16;
    bool fips_ok, e8_ok, e16_ok;
    uint64_t analysed, passed;
    uint8_t buf[2500];
    size_t extra;
};
int ref_health_init(struct ref_health *h, bool ent8_ok, uint64_t e8_len, uint64_t e16_len);
void ref_health_destroy(struct ref_health *h);
bool ref_health_check(struct ref_health *h, const uint8_t *buf, size_t len);

/* ---- The device gate (health.h's two modes), byte by byte ----
 * The bytes of stream (len bytes, checked in whole buffers of `block` bytes
 * by one monitor, Ent8 ok at the start as given) that the gate passes, in
 * order, into out (len bytes of room); returns their number.  Upstream: the
 * bytes of every buffer after which the monitor is ok.  Exact: byte i
 * passes iff its FIPS block j = i / 2500 is complete and passed every test,
 * and the monitor was ok after every buffer that holds a byte of block j. */
size_t ref_gate(const uint8_t *stream, size_t len, size_t block, bool exact, bool ent8_ok,
                uint8_t *out);

#endif
