/* fips: the FIPS 140-2 tester (spec §4.2), one 2500-byte (20000-bit) block at
 * a time: monobit, poker, runs, long run, the continuous repetition test on
 * big-endian 32-bit words, and the SP 800-90B draft adaptive proportion test
 * (window 65536, cutoff 358), with the per-test FailRate (Q20, period 1000)
 * and PassRuns (Q14, period 10) statistics and the IsOk hysteresis.  Every run
 * found is also fed to a cumulative bitruns statistic (runs split at block
 * boundaries are merged there, as upstream's BitRuns does).
 *
 * Bits are taken MSB first.  The implementation is table driven (byte and
 * byte-pair histograms); results are identical to a bit-by-bit tester.
 * Not thread-safe. */
#ifndef BB_FIPS_H
#define BB_FIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitruns.h"

#define FIPS_BLOCK_SIZE 2500

enum fips_test {
    FIPS_MONOBIT = 0,
    FIPS_POKER = 1,
    FIPS_RUNS = 2,
    FIPS_LONG_RUN = 3,
    FIPS_REPETITION = 4,
    FIPS_PROPORTION = 5,
    FIPS_RESULT = 6,
    FIPS_NTESTS = 7
};

/* "Monobit", "Poker", "Runs", "Long run", "Repetition", "Proportion",
 * "Result" (the JSON keys); NULL out of range. */
const char *fips_test_name(unsigned test);

/* FailRate: rate and peak are Q20 fixed point. */
#define FIPS_FAILRATE_Q 20
#define FIPS_FAILRATE_PERIOD 1000
struct fips_failrate {
    size_t pass, fail, peak, rate;
};
void fips_failrate_pass(struct fips_failrate *fr);
void fips_failrate_fail(struct fips_failrate *fr);
double fips_failrate_short(const struct fips_failrate *fr); /* rate / 2^20 */
double fips_failrate_long(const struct fips_failrate *fr);  /* fail / (pass+fail) */
double fips_failrate_peak(const struct fips_failrate *fr);  /* peak / 2^20 */

/* PassRuns: avg is Q14 fixed point; count is the current (open) run. */
#define FIPS_PASSRUNS_Q 14
#define FIPS_PASSRUNS_PERIOD 10
struct fips_passruns {
    size_t count, runs, previous, avg, long_sum, peak;
};
void fips_passruns_pass(struct fips_passruns *pr);
void fips_passruns_fail(struct fips_passruns *pr);
size_t fips_passruns_short(const struct fips_passruns *pr); /* avg >> 14 */
size_t fips_passruns_long(const struct fips_passruns *pr);  /* long_sum / runs */

/* IsOk limits, in test order (Q20 rates; pass-run blocks, SIZE_MAX for
 * unlimited). */
extern const size_t fips_maxfail[FIPS_NTESTS];
extern const size_t fips_maxpass[FIPS_NTESTS];

/* Details of the last block checked (for diagnostics and tests). */
struct fips_block_info {
    unsigned ones;           /* monobit count */
    uint64_t poker;          /* sum of the squared nibble frequencies */
    unsigned runs[2][6];     /* [bit][length 1..5, >= 6] */
    unsigned longest;        /* longest run in the block */
    unsigned result;         /* bitmask of failed tests, bit FIPS_RESULT if any */
};

struct fips;

int fips_new(struct fips **out);
void fips_free(struct fips *f);

/* Run all tests on one block: returns the result bitmask (0 = pass; bit
 * i set = test i failed, plus FIPS_RESULT).  Updates the repetition and
 * proportion state and the bitruns, but not FailRate/PassRuns. */
unsigned fips_check(struct fips *f, const uint8_t *block);
/* fips_check() plus the FailRate/PassRuns update of all 7 tests; true if the
 * block passed. */
bool fips_analyse(struct fips *f, const uint8_t *block);
/* IsOk(was_ok), spec §4.2. */
bool fips_is_ok(const struct fips *f, bool was_ok);

const struct fips_failrate *fips_get_failrate(const struct fips *f, unsigned test);
const struct fips_passruns *fips_get_passruns(const struct fips *f, unsigned test);
const struct bitruns *fips_bitruns(const struct fips *f);
const struct fips_block_info *fips_last_block(const struct fips *f);

#endif
