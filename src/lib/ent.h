/* ent: the ENT-style statistics of spec §4.3 over 8-bit (Ent8) or 16-bit
 * (Ent16, native-endian byte pairs) samples, in short blocks (500 000 and
 * 100 000 000 samples by default) and cumulatively (long term): entropy,
 * chi-square, mean, Monte Carlo pi (always on bytes), lag-1 autocorrelation
 * and min-entropy, with Current/Min/Max result sets, failure counters and the
 * IsOk() decision with its recovery hysteresis.
 *
 * Semantics follow upstream exactly, including two details the spec leaves
 * open:
 *  - When a buffer would overrun the short block, upstream splits it
 *    recursively, peeling off the *excess* first (Analyse(buf, excess) then
 *    Analyse(buf + excess, rest)), which cuts the buffer into a sequence of
 *    pieces given by a Euclid-like recursion.  Monte Carlo groups never span
 *    pieces, so the piece boundaries change pi.  ent_analyse() produces the
 *    same pieces, without recursion.
 *  - Autocorrelation sums are doubles added per sample upstream.  Here they
 *    are exact integers while every partial sum stays <= 2^53 (always, for
 *    Ent8; the first 2^21 samples of a short block for Ent16), which is
 *    bit-identical; beyond that the per-sample double additions are done in
 *    the same order, so results are identical to upstream in every case.
 *    (The health monitor's one-pass engine, see health.h and ent_int.h,
 *    does Ent16's per-sample double additions from the first sample on.)
 *
 * Not thread-safe. */
#ifndef BB_ENT_H
#define BB_ENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENT8_SHORT_LEN 500000u
#define ENT16_SHORT_LEN 100000000u

enum ent_term { ENT_SHORT = 0, ENT_LONG = 1 };
enum ent_set { ENT_CURRENT = 0, ENT_MIN = 1, ENT_MAX = 2 };

/* JSON R object (spec §7.5), less the derived Chisq-p and Pi-error. */
struct ent_result {
    double entropy, chisq, mean, pi, corr, minentropy;
};

/* JSON FAIL object. */
struct ent_fail {
    size_t tested, entropy, chisq, mean, pi, corr, minentropy;
};

struct ent_limits {
    size_t long_minsamples;
    double long_entropy, short_entropy;
    double long_chisq_min, long_chisq_max, short_chisq_min, short_chisq_max;
    double long_mean_min, long_mean_max, short_mean_min, short_mean_max;
    double long_pi, short_pi;     /* allowed |pi - M_PI| */
    double long_corr, short_corr; /* allowed |corr| */
    double long_minentropy, short_minentropy;
    unsigned recovery_blocks;
};

struct ent;

/* bits: 8 or 16.  short_len: samples per short block, 0 for the default;
 * at most UINT32_MAX.  -EINVAL otherwise, -ENOMEM. */
int ent_new(unsigned bits, uint64_t short_len, struct ent **out);
void ent_free(struct ent *e);

/* Add a buffer of bytes (Ent16: len/2 samples; an odd last byte only counts
 * for Monte Carlo, and is not carried to the next call). */
void ent_analyse(struct ent *e, const uint8_t *buf, size_t len);
/* Finish the current short block early (no-op if it has no samples). */
void ent_flush(struct ent *e);
/* Upstream clear(): drop the short and long accumulators (bins, counts,
 * autocorrelation sums); results, failure counts and flags are kept. */
void ent_clear(struct ent *e);

/* IsOk(was_ok), spec §4.3: false before any result; the previous verdict
 * when there is no new result; otherwise checks the newest result. */
bool ent_is_ok(struct ent *e, bool was_ok);
bool ent_have_results(const struct ent *e);

unsigned ent_bits(const struct ent *e);
size_t ent_nbins(const struct ent *e);
uint64_t ent_short_len(const struct ent *e);
const struct ent_limits *ent_get_limits(const struct ent *e);
/* Samples in the short block being filled (not yet reported). */
uint64_t ent_pending_samples(const struct ent *e);

/* Reported data.  ENT_SHORT is the last completed short block. */
uint64_t ent_samples(const struct ent *e, enum ent_term t);
/* ent_nbins() entries.  32-bit: a short block has at most UINT32_MAX
 * samples, and long-term bins are normalised before one could overflow
 * (see ent_set_bin_limit).  Ent16's ENT_SHORT bins are kept more compactly;
 * the first call after each short block fills this copy (256 KiB, only
 * allocated memory until then).  Valid until the next call that adds data. */
const uint32_t *ent_bins(const struct ent *e, enum ent_term t);
uint64_t ent_pisamples(const struct ent *e, enum ent_term t);
uint64_t ent_piin(const struct ent *e, enum ent_term t);
const struct ent_result *ent_result(const struct ent *e, enum ent_term t, enum ent_set s);
const struct ent_fail *ent_fail(const struct ent *e, enum ent_term t);

/* Chisq-p = pochisq(chisq, nbins - 1). */
double ent_chisq_p(const struct ent *e, const struct ent_result *r);
/* 100 * (pi - M_PI) / M_PI, or +-DBL_MAX when that is not finite. */
double ent_pi_error(const struct ent_result *r);

/* For tests: run the long-term normalisation when the long sample count (or
 * the pi sample count) exceeds `limit` rather than SIZE_MAX / 2. */
void ent_set_normalise_limit(struct ent *e, uint64_t limit);
/* Long-term bins are uint32_t (upstream: size_t).  When adding a short block
 * would take a long-term bin past `limit` (UINT32_MAX; lower for tests), the
 * long-term normalisation runs first, repeatedly if need be; a bin that
 * still does not fit saturates at `limit`.  This deviates from upstream only
 * once a bin would hold >= 2^32 samples (>= 2^40 samples for Ent8, >= 2^48
 * for Ent16), where upstream would not normalise before SIZE_MAX / 2. */
void ent_set_bin_limit(struct ent *e, uint32_t limit);

#endif
