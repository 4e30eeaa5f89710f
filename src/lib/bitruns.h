/* bitruns: cumulative statistics of runs of equal bits (spec §4.5, MaxRun
 * 64): the number of runs of each length per bit value, the total of each bit
 * value, the longest run, and a chi-square against the expected count.
 *
 * Runs are fed as (bit, length) pairs; consecutive pairs with the same bit
 * are merged into one run, so a run split by the caller (e.g. at a FIPS block
 * boundary) is counted once.  The run in progress is "pending": it already
 * counts in the zeros/ones totals, but not in the run counts or in Max until
 * a run of the other bit arrives or bitruns_flush() is called.
 *
 * Bits of a byte are taken MSB first.  Not thread-safe; pure computation. */
#ifndef BB_BITRUNS_H
#define BB_BITRUNS_H

#include <stddef.h>
#include <stdint.h>

#define BITRUNS_MAXRUN 64

struct bitruns;

int bitruns_new(struct bitruns **out);
void bitruns_free(struct bitruns *br);
/* Forget everything (including the pending run). */
void bitruns_clear(struct bitruns *br);

/* Upstream AddBits(bit, len): bit is 0 or 1, len > 0 (len 0 is ignored). */
void bitruns_add_run(struct bitruns *br, unsigned bit, uint64_t len);
/* Upstream AddBits(buf, len): every run of buf, MSB first.  The first run
 * merges with the pending run, the last run stays pending. */
void bitruns_add_bytes(struct bitruns *br, const uint8_t *buf, size_t len);
/* Record the pending run; the next bit starts a new run. */
void bitruns_flush(struct bitruns *br);

/* Bulk form of a sequence of bitruns_add_run() calls, used by the FIPS
 * tester for one block: the block's first run, then `mid` complete runs with
 * mid[bit][i] runs of length i+1 (index 63: length >= 64) whose longest is
 * mid_max, then the block's last run.  nruns is the total number of runs in
 * the block: 1 means first and last are the same run (only `first` is used);
 * runs alternate bits, so with nruns >= 2 `first` is followed by a run of the
 * other bit.  zeros + ones are the block's bits. */
struct bitruns_block {
    unsigned first_bit, last_bit;
    uint64_t first_len, last_len;
    uint64_t nruns;
    uint64_t mid[2][BITRUNS_MAXRUN];
    size_t mid_slots; /* mid[][i >= mid_slots] are 0 (0: look at all) */
    uint64_t mid_max;
    uint64_t zeros, ones;
};
void bitruns_add_block(struct bitruns *br, const struct bitruns_block *blk);

/* ---- statistics (JSON "BitRuns", spec §7.5) ---- */
uint64_t bitruns_zeros(const struct bitruns *br);
uint64_t bitruns_ones(const struct bitruns *br);
/* Longest recorded run (may exceed BITRUNS_MAXRUN). */
uint64_t bitruns_max(const struct bitruns *br);
/* Number of entries reported in "Runs": min(Max, BITRUNS_MAXRUN). */
size_t bitruns_nslots(const struct bitruns *br);
/* Runs of length slot+1 of the given bit (slot 63: length >= 64). */
uint64_t bitruns_count(const struct bitruns *br, unsigned bit, size_t slot);
/* Expected number of runs of length slot+1 of one bit value in Zeros+Ones
 * bits: (n - slot + 2) / 2^(slot+3). */
double bitruns_expected(const struct bitruns *br, size_t slot);
/* Chi-square over the slots whose expected count is >= 5; *p (Chisq-p) and
 * *k (Chisq-k = 2 * last slot + 1) may be NULL. */
double bitruns_chisq(const struct bitruns *br, double *p, unsigned *k);
/* Zeros / Ones (inf or nan when Ones is 0). */
double bitruns_bias(const struct bitruns *br);
/* lrint(log2((Zeros + Ones) / 2)): the longest run expected with p ~ 0.5. */
uint64_t bitruns_expected_max(const struct bitruns *br);

#endif
