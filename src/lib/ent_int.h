/* ent_int.h: the Ent tester's internals, shared by its two files (ent.c,
 * ent_vec.c) and with the health monitor's one-pass engine (health.c), which
 * computes Monte Carlo once for Ent8 and Ent16, takes the Ent16 samples in
 * the same loop as the FIPS tester's histogram, and gives Ent8 its bins from
 * the FIPS byte histograms.  Not for other users. */
#ifndef BB_ENT_INT_H
#define BB_ENT_INT_H

#include <string.h>

#include "ent.h"

#define ENT_SPLIT_STACK 128

/* A reported data set: the previous short block or the long term. */
struct ent_data {
    /* A short block has <= UINT32_MAX samples; see flush.  Ent16's previous
     * short block keeps its bins as the block had them (bin16 and a sorted
     * wrap list: 128 KiB rather than 256), and bin is a copy made only when
     * ent_bins() asks for it (bin_ok: the copy is current). */
    uint32_t *bin;
    uint16_t *bin16, *wrap;
    size_t nwrap;
    bool bin_ok;
    uint64_t samples, inradius, pisamples;
    unsigned corr0, corrn; /* corr0 > nbins: none yet */
    double corr1, corr2, corr3;
    struct ent_result result[3];
    struct ent_fail fail;
};

struct ent {
    unsigned bits, ss; /* bits per sample, bytes per sample */
    bool avx2;         /* use the AVX2 code (qa_simd.h) */
    size_t nbins;
    uint64_t short_len;
    uint64_t int_limit; /* samples per block while the sums are exact */
    uint64_t norm_limit;
    uint32_t bin_limit; /* largest long-term bin count (UINT32_MAX) */
    const struct ent_limits *lim;
    /* Monte Carlo by cells of the top bytes (X, Y): Y < mc_lo[X] is inside
     * the circle, Y - mc_lo[X] < mc_wid[X] needs the exact test. */
    uint16_t mc_lo[256], mc_wid[256];

    /* The short block being filled. */
    uint32_t *hot;   /* Ent8: 4 x 256 sub-tables */
    /* Ent16: 16-bit counters; each wrap to 0 appends the value to `wrap`
     * (at most short_len / 65536 entries), so bin v is hot16[v] + 65536 *
     * (occurrences of v in wrap). */
    uint16_t *hot16;
    uint16_t *wrap;
    size_t nwrap;
    /* No hot16 counter exceeds scan_max + s_samples - scan_samples (the
     * largest counter when s_samples was scan_samples; 0 and 0 at the start
     * of a block): the health engine's loop can then skip the wrap check. */
    unsigned scan_max;
    uint64_t scan_samples;
    uint64_t s_samples, s_inradius, s_pisamples;
    unsigned s_c0, s_prev;
    uint64_t s_c1;  /* exact, until dmode */
    bool dmode;     /* per-sample doubles from here on */
    double d1, d3;
    struct ent_result s_result[3];
    struct ent_fail s_fail;

    struct ent_data prev; /* last completed short block ("Short") */
    struct ent_data lng;  /* long term ("Long") */

    bool have_results, unchecked;
    uint64_t conv_entropy, conv_mean, conv_pi, conv_corr, conv_minentropy;
    uint64_t ok_wait; /* 1: not in recovery */
};

/* The Ent16 sample at p (a native-endian byte pair). */
static inline unsigned ent16_load(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* One Ent16 sample into the 16-bit counters. */
#define INC16(h, wrap, nwrap, v)                                                                   \
    do {                                                                                           \
        uint16_t c_ = (uint16_t)(h[v] + 1);                                                        \
        h[v] = c_;                                                                                 \
        if (__builtin_expect(!c_, 0))                                                              \
            wrap[nwrap++] = (uint16_t)(v);                                                         \
    } while (0)

/* Upstream's split of a buffer that overruns the short block (see ent.h),
 * as a sequence of pieces: ent_split_next() gives the next piece's samples
 * and bytes (an odd last byte of an Ent16 buffer goes with the last piece),
 * false after the last one.  The tester's short block ends exactly at the end
 * of some pieces.  The generator only reads the tester at init. */
struct ent_split {
    uint64_t short_len, sim; /* sim: samples in the short block so far */
    uint64_t plain;          /* (unreachable fallback: plain split) */
    size_t odd;
    unsigned ss;
    int top;
    struct {
        uint64_t v, c;
    } st[ENT_SPLIT_STACK];
};
void ent_split_init(struct ent_split *s, const struct ent *e, size_t len);
bool ent_split_next(struct ent_split *s, uint64_t *samples, size_t *bytes);

/* Monte Carlo on the bytes of one piece: adds to e's short block. */
void ent_mc(struct ent *e, const uint8_t *p, size_t len);
/* The same piece for two testers, counted once. */
void ent_mc2(struct ent *a, struct ent *b, const uint8_t *p, size_t len);

/* Ent8: n samples into the short block, all but their bins (which the caller
 * adds with ent8_add_hist() before the block is flushed).  The short block
 * must have room for them. */
void ent8_take(struct ent *e, const uint8_t *p, size_t n);
/* Ent8: add[v] (less sub[v], if sub is not NULL) samples to bin v of the
 * short block. */
void ent8_add_hist(struct ent *e, const uint16_t add[256], const uint16_t sub[256]);

/* Ent16: go on in per-sample doubles (upstream's arithmetic) for the rest of
 * the short block; the caller then adds samples with ent16_sample() or its
 * own copy of it. */
void ent16_to_double(struct ent *e);

/* Ent16: a bound on the hot16 counters that leaves room for k more samples
 * without a wrap to 0, if there is one (it looks at the counters when the
 * bound from the sample count is not enough). */
bool ent16_room(struct ent *e, uint64_t k);

/* One Ent16 sample, after ent16_to_double(). */
static inline void ent16_sample(struct ent *e, unsigned v)
{
    uint16_t *h = e->hot16, *wrap = e->wrap;
    INC16(h, wrap, e->nwrap, v);
    double x = (double)v;
    if (e->s_c0 > e->nbins)
        e->s_c0 = v;
    else
        e->d1 += (double)e->s_prev * x; /* exact product, as upstream's */
    e->s_prev = v;
    e->d3 += x * x;
    e->s_samples++;
}

/* ---- the per-sample work (ent_vec.c), for ent.c ---- */

/* Monte Carlo's tables (mc_lo, mc_wid). */
void ent_mc_tables(struct ent *e);
/* n samples of one piece into the short block (which has room for them):
 * its bins and autocorrelation sums. */
void ent_accumulate(struct ent *e, const uint8_t *p, uint64_t n);

/* Bin v of the short block so far, merged from Ent8's sub-tables (Ent16:
 * plus 65536 per entry v in wrap). */
static inline uint64_t ent_hot_bin(const struct ent *e, size_t v)
{
    if (e->bits == 8)
        return (uint64_t)e->hot[v] + e->hot[256 + v] + e->hot[512 + v] + e->hot[768 + v];
    return e->hot16[v];
}

#endif
