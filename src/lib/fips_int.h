/* fips_int.h: the FIPS tester's internals, shared by its two files (fips.c,
 * fips_vec.c) and with the health monitor's one-pass engine (health.c),
 * which feeds a block's bytes into the pair histogram as they arrive, in the
 * same loop as the Ent16 samples, and takes its byte histogram for Ent8.
 * Not for other users. */
#ifndef BB_FIPS_INT_H
#define BB_FIPS_INT_H

#include <stdalign.h>

#include "fips.h"

struct fips {
    /* The pair histogram of the block being filled: h[tc << 8 | b] counts bytes b
     * that follow a byte with trailing code tc (its last bit << 3 | the
     * length of its trailing run - 1, 7 for 0x00/0xff), over the bytes fed
     * so far after the block's first.  All zero between blocks. */
    alignas(64) uint16_t h[16 * 256];
    alignas(32) uint16_t hs[256]; /* byte histogram of the last finished block */
    unsigned pos;                 /* bytes of the current block fed so far */
    unsigned prev;                /* tcs[the last byte fed] */
    unsigned first;               /* the current block's first byte */
    bool avx2;                    /* use the AVX2 code (qa_simd.h) */

    /* Per-byte tables. */
    uint16_t tcs[256];            /* trailing code << 8 */
    uint8_t lead[256], trail[256];/* run lengths at each end, 8 for 0x00/0xff */
    /* The run through a uniform byte of bit x continues into byte b by
     * cont_lead[x][b] bits (its leading run if b starts with x and is not
     * uniform, else 0); cont_trail likewise for the byte before. */
    uint8_t cont_lead[2][256], cont_trail[2][256];
    /* Weights (dot products with hs): [0] popcount; [1 + 3x + k] runs of bit
     * x inside a byte (touching neither end) of length 2k + 1 plus 8192 times
     * those of length 2k + 2.  Packed in pairs: a block has < 8192 of each. */
    alignas(32) int16_t wt[7][256];

    /* State carried between blocks. */
    uint32_t prev_word;
    unsigned prop_val, prop_count, prop_n;
    struct fips_failrate fr[FIPS_NTESTS];
    struct fips_passruns pr[FIPS_NTESTS];
    struct bitruns *br;
    struct fips_block_info last;
    struct bitruns_block blk;
};

/* One byte of the current block into the histogram. */
static inline void fips_feed_byte(struct fips *f, unsigned b)
{
    if (f->pos++ == 0)
        f->first = b;
    else
        f->h[f->prev | b]++;
    f->prev = f->tcs[b];
}

/* Eight bytes of the current block, none of them its first, into the pair
 * histogram h: byte k is bits 8k..8k+7 of w (a little-endian load), prev the
 * trailing code of the byte before them.  Returns the last byte's code. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline unsigned fips_pairs8(uint16_t *restrict h, const uint16_t *restrict tcs,
                                   unsigned prev, uint64_t w)
{
    unsigned b0 = w & 255, b1 = (w >> 8) & 255, b2 = (w >> 16) & 255;
    unsigned b3 = (w >> 24) & 255, b4 = (w >> 32) & 255, b5 = (w >> 40) & 255;
    unsigned b6 = (w >> 48) & 255, b7 = (unsigned)(w >> 56);
    h[prev | b0]++;
    h[tcs[b0] | b1]++;
    h[tcs[b1] | b2]++;
    h[tcs[b2] | b3]++;
    h[tcs[b3] | b4]++;
    h[tcs[b4] | b5]++;
    h[tcs[b5] | b6]++;
    h[tcs[b6] | b7]++;
    return tcs[b7];
}

/* n bytes of the current block (n <= FIPS_BLOCK_SIZE - f->pos). */
void fips_feed(struct fips *f, const uint8_t *p, size_t n);
/* The current block is complete (f->pos == FIPS_BLOCK_SIZE) and p holds all
 * of it: run the tests (as fips_check()), leave its byte histogram in hs,
 * and clear the pair histogram for the next block. */
unsigned fips_finish(struct fips *f, const uint8_t *p);
/* The FailRate and PassRuns updates of fips_analyse() for a result. */
void fips_account(struct fips *f, unsigned result);
/* The byte histogram of the bytes fed so far into the current block. */
void fips_partial_hist(const struct fips *f, uint16_t out[256]);

/* ---- the per-block sums (fips_vec.c), for fips.c ---- */

#define FIPS_UM_WORDS ((FIPS_BLOCK_SIZE + 63) / 64) /* a mask of a block's bytes */

static inline bool fips_is_uniform(unsigned b)
{
    return b == 0x00 || b == 0xff;
}

/* The range sums of rows (x, tl), tl = 1..7 (R[x][tl]), and of the column
 * sums of the rows of bit !x (C[x]); the byte histogram into f->hs.  Then
 * the histogram is cleared for the next block. */
void fips_table_sums(struct fips *f, uint16_t R[2][8][8], uint16_t C[2][8]);
/* out[k] = sum over bytes b of hs[b] * wt[k][b]. */
void fips_weights(const struct fips *f, uint32_t out[7]);
/* Poker: sum of the squared frequencies of the nibble values, high nibbles
 * (row sums of hs as a 16 x 16 matrix) plus low nibbles (column sums). */
uint64_t fips_poker_sum(const uint16_t *hs);
/* The runs counted by the pair histogram, by length: ex[L], L = 1..14, sums
 * R[tl][ld] over tl + ld = L (lane ld of R[tl]; lane 0, the trailing run
 * alone, lands on L = tl), plus C[L] for L = 1..7; ex[0] = ex[15] = 0. */
void fips_diag_sums(const uint16_t R[8][8], const uint16_t C[8], uint16_t ex[16]);
/* Repetition (any big-endian word equal to the one before it, the first
 * compared with f->prev_word, which becomes the last) and, if um is not
 * NULL, the mask of uniform bytes (bit i of um: byte i is 0x00 or 0xff). */
bool fips_repetition(struct fips *f, const uint8_t *p, uint64_t um[FIPS_UM_WORDS]);
/* The bytes equal to v among p[0..n). */
size_t fips_count_eq(const struct fips *f, const uint8_t *p, size_t n, unsigned v);

#endif
