/* bitruns: cumulative bit-run statistics.  See bitruns.h and spec §4.5. */
#include "bitruns.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"

#define NONE 2u /* no pending run */

struct bitruns {
    uint64_t runs[2][BITRUNS_MAXRUN];
    uint64_t total[2];
    uint64_t maxrun;
    uint64_t pend_len;
    unsigned pend_bit;
};

int bitruns_new(struct bitruns **out)
{
    struct bitruns *br = malloc(sizeof(*br));
    if (!br)
        return -ENOMEM;
    bitruns_clear(br);
    *out = br;
    return 0;
}

void bitruns_free(struct bitruns *br)
{
    free(br);
}

void bitruns_clear(struct bitruns *br)
{
    memset(br, 0, sizeof(*br));
    br->pend_bit = NONE;
}

static void record(struct bitruns *br, unsigned bit, uint64_t len)
{
    if (br->maxrun < len)
        br->maxrun = len;
    br->runs[bit][len < BITRUNS_MAXRUN ? len - 1 : BITRUNS_MAXRUN - 1]++;
}

void bitruns_add_run(struct bitruns *br, unsigned bit, uint64_t len)
{
    if (!len)
        return;
    br->total[bit] += len;
    if (br->pend_bit == bit) {
        br->pend_len += len;
        return;
    }
    if (br->pend_bit != NONE)
        record(br, br->pend_bit, br->pend_len);
    br->pend_bit = bit;
    br->pend_len = len;
}

void bitruns_flush(struct bitruns *br)
{
    if (br->pend_bit != NONE)
        record(br, br->pend_bit, br->pend_len);
    br->pend_bit = NONE;
    br->pend_len = 0;
}

void bitruns_add_bytes(struct bitruns *br, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned b = buf[i];
        if (b == 0x00 || b == 0xff) {
            bitruns_add_run(br, b & 1, 8);
            continue;
        }
        unsigned bit = b >> 7, n = 1;
        for (int k = 6; k >= 0; k--) {
            unsigned v = (b >> k) & 1;
            if (v == bit) {
                n++;
            } else {
                bitruns_add_run(br, bit, n);
                bit = v;
                n = 1;
            }
        }
        bitruns_add_run(br, bit, n);
    }
}

void bitruns_add_block(struct bitruns *br, const struct bitruns_block *blk)
{
    bitruns_add_run(br, blk->first_bit, blk->first_len);
    if (blk->nruns < 2)
        return;
    /* The next run has the other bit: the pending run is complete. */
    bitruns_flush(br);
    size_t n = blk->mid_slots && blk->mid_slots < BITRUNS_MAXRUN ? blk->mid_slots : BITRUNS_MAXRUN;
    for (unsigned bit = 0; bit < 2; bit++)
        for (size_t i = 0; i < n; i++)
            br->runs[bit][i] += blk->mid[bit][i];
    if (br->maxrun < blk->mid_max)
        br->maxrun = blk->mid_max;
    /* Totals: the whole block, less the first run already counted. */
    br->total[0] += blk->zeros;
    br->total[1] += blk->ones;
    br->total[blk->first_bit] -= blk->first_len;
    br->pend_bit = blk->last_bit;
    br->pend_len = blk->last_len;
}

uint64_t bitruns_zeros(const struct bitruns *br)
{
    return br->total[0];
}

uint64_t bitruns_ones(const struct bitruns *br)
{
    return br->total[1];
}

uint64_t bitruns_max(const struct bitruns *br)
{
    return br->maxrun;
}

size_t bitruns_nslots(const struct bitruns *br)
{
    return br->maxrun < BITRUNS_MAXRUN ? (size_t)br->maxrun : BITRUNS_MAXRUN;
}

uint64_t bitruns_count(const struct bitruns *br, unsigned bit, size_t slot)
{
    return (bit < 2 && slot < BITRUNS_MAXRUN) ? br->runs[bit][slot] : 0;
}

double bitruns_expected(const struct bitruns *br, size_t slot)
{
    double nbits = (double)(br->total[0] + br->total[1]);
    /* 2^(slot+3) is exact, as is upstream's repeated doubling of 8.0. */
    return (nbits - (double)slot + 2.0) / ldexp(1.0, (int)slot + 3);
}

double bitruns_chisq(const struct bitruns *br, double *p, unsigned *k)
{
    double chisq = 0.0;
    size_t last = 0;

    /* Slots up to Max, then past it (observed 0) while exp >= 5. */
    size_t e = bitruns_nslots(br);
    for (size_t i = 0; i < BITRUNS_MAXRUN; i++) {
        double x = bitruns_expected(br, i);
        if (x < 5.0) {
            if (i < e)
                continue;
            break;
        }
        double e0 = (double)br->runs[0][i] - x;
        double e1 = (double)br->runs[1][i] - x;
        chisq += e0 * e0 / x + e1 * e1 / x;
        last = i;
    }
    unsigned kk = (unsigned)last * 2 + 1;
    if (p)
        *p = chisq_pochisq(chisq, (int)kk);
    if (k)
        *k = kk;
    return chisq;
}

double bitruns_bias(const struct bitruns *br)
{
    return (double)br->total[0] / (double)br->total[1];
}

uint64_t bitruns_expected_max(const struct bitruns *br)
{
    return (uint64_t)lrint(log2((double)(br->total[0] + br->total[1]) / 2.0));
}
