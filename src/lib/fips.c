/* fips: FIPS 140-2 tester.  See fips.h and spec §4.2.
 *
 * How a block is analysed without looking at single bits.  Every byte has a
 * leading run (the bits equal to its MSB) and a trailing run (equal to its
 * LSB); the trailing one is coded in 4 bits, bit value and length 1..8 (8:
 * 0x00/0xff, "uniform" bytes).  The hot loop builds one histogram h[tc][b]
 * over (trailing code of byte i-1, byte i), one increment per byte (it can
 * be fed a block in pieces, see fips_int.h).  From it, per block:
 *  - the byte histogram hs (its column sums, plus the first byte) gives the
 *    monobit count, the poker nibble frequencies and, as dot products with
 *    per-byte tables, the runs wholly inside a byte (touching neither edge:
 *    lengths 1..6);
 *  - at a bit change between bytes, the trailing run of byte i-1 and the
 *    leading run of byte i are complete runs (sums over the other half of a
 *    row of h, and sums of the byte values by leading run length over the
 *    column sums of the rows of the other bit);
 *  - without a change, they form one run of length trail + lead (sums over
 *    the same half of the row, by leading run length);
 *  - runs through a uniform byte can be any length: the sums above leave
 *    them out and a scan over the uniform bytes adds them exactly;
 *  - the leading run of the first byte and the trailing run of the last byte
 *    are the block's first and last runs (runs are split at block edges).
 * All those sums are over ranges of byte values, so each row of h reduces to
 * 8 numbers with a few vector additions (fips_vec.c).  The exact run lengths
 * also feed the bitruns statistic. */
#include "fips_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qa_simd.h"

#define NB FIPS_BLOCK_SIZE
#define PROP_WINDOW 65536u
#define PROP_CUTOFF 358u
#define POKER_MIN 1563175u /* (2.16 + 5000) * 5000 / 16, truncated */
#define POKER_MAX 1576928u /* (46.17 + 5000) * 5000 / 16, truncated */
#define FIPS_INITIAL_WORD 0x5EED1E57u
#define PACK 8192u         /* weights of two run lengths in one int16 */

const size_t fips_maxfail[FIPS_NTESTS] = { 4194, 4194, 6291, 6291, 1048, 1048, 7340 };
const size_t fips_maxpass[FIPS_NTESTS] = { 134500, 141200, 42500, 46900, 96000000,
                                           SIZE_MAX, 17500 };

static const unsigned runs_lo[6] = { 2315, 1114, 527, 240, 103, 103 };
static const unsigned runs_hi[6] = { 2685, 1386, 723, 384, 209, 209 };

static const char *const test_names[FIPS_NTESTS] = {
    "Monobit", "Poker", "Runs", "Long run", "Repetition", "Proportion", "Result"
};

const char *fips_test_name(unsigned test)
{
    return test < FIPS_NTESTS ? test_names[test] : NULL;
}

/* ---- FailRate / PassRuns ---- */

static void failrate_normalise(struct fips_failrate *fr)
{
    if (fr->pass + fr->fail > SIZE_MAX / 2) {
        fr->pass >>= 1;
        fr->fail >>= 1;
    }
}

void fips_failrate_pass(struct fips_failrate *fr)
{
    fr->pass++;
    fr->rate = fr->rate * (FIPS_FAILRATE_PERIOD - 1) / FIPS_FAILRATE_PERIOD;
    failrate_normalise(fr);
}

void fips_failrate_fail(struct fips_failrate *fr)
{
    fr->fail++;
    failrate_normalise(fr);
    fr->rate = (fr->rate * (FIPS_FAILRATE_PERIOD - 1) + ((size_t)1 << FIPS_FAILRATE_Q)) /
               FIPS_FAILRATE_PERIOD;
    if (fr->rate > fr->peak)
        fr->peak = fr->rate;
}

double fips_failrate_short(const struct fips_failrate *fr)
{
    return (double)fr->rate / (double)(1u << FIPS_FAILRATE_Q);
}

double fips_failrate_long(const struct fips_failrate *fr)
{
    return fr->pass + fr->fail ? (double)fr->fail / (double)(fr->pass + fr->fail) : 0.0;
}

double fips_failrate_peak(const struct fips_failrate *fr)
{
    return (double)fr->peak / (double)(1u << FIPS_FAILRATE_Q);
}

void fips_passruns_pass(struct fips_passruns *pr)
{
    pr->count++;
}

void fips_passruns_fail(struct fips_passruns *pr)
{
    pr->runs++;
    pr->avg = (pr->avg * (FIPS_PASSRUNS_PERIOD - 1) + (pr->count << FIPS_PASSRUNS_Q)) /
              FIPS_PASSRUNS_PERIOD;
    pr->long_sum += pr->count;
    if (pr->long_sum > SIZE_MAX / 2 || pr->runs > SIZE_MAX / 2) {
        pr->long_sum >>= 1;
        pr->runs >>= 1;
    }
    if (pr->count > pr->peak)
        pr->peak = pr->count;
    pr->previous = pr->count;
    pr->count = 0;
}

size_t fips_passruns_short(const struct fips_passruns *pr)
{
    return pr->avg >> FIPS_PASSRUNS_Q;
}

size_t fips_passruns_long(const struct fips_passruns *pr)
{
    return pr->runs ? pr->long_sum / pr->runs : 0;
}

/* ---- construction ---- */

static void init_tables(struct fips *f)
{
    for (unsigned b = 0; b < 256; b++) {
        unsigned msb = b >> 7, lsb = b & 1, lead = 1, trail = 1;
        while (lead < 8 && ((b >> (7 - lead)) & 1) == msb)
            lead++;
        while (trail < 8 && ((b >> trail) & 1) == lsb)
            trail++;
        f->lead[b] = (uint8_t)lead;
        f->trail[b] = (uint8_t)trail;
        f->tcs[b] = (uint16_t)((lsb << 3 | (trail - 1)) << 8);
        f->wt[0][b] = (int16_t)__builtin_popcount(b);
        for (unsigned k = 1; k < 7; k++)
            f->wt[k][b] = 0;
        for (unsigned x = 0; x < 2; x++) {
            f->cont_lead[x][b] = (uint8_t)(lead < 8 && msb == x ? lead : 0);
            f->cont_trail[x][b] = (uint8_t)(lead < 8 && lsb == x ? trail : 0);
        }
        if (lead == 8)
            continue;
        /* Runs strictly between the leading and trailing runs (1..6 long). */
        unsigned k = lead;
        while (k < 8 - trail) {
            unsigned bit = (b >> (7 - k)) & 1, n = 0;
            while (k < 8 - trail && ((b >> (7 - k)) & 1) == bit) {
                n++;
                k++;
            }
            f->wt[1 + 3 * bit + (n - 1) / 2][b] += (int16_t)(n & 1 ? 1 : PACK);
        }
    }
}

int fips_new(struct fips **out)
{
    struct fips *f = aligned_alloc(64, sizeof(*f));
    int rc = -ENOMEM;
    if (!f)
        goto fail;
    memset(f, 0, sizeof(*f));
    rc = bitruns_new(&f->br);
    if (rc < 0)
        goto fail;
    init_tables(f);
    f->avx2 = qa_use_avx2();
    f->prev_word = FIPS_INITIAL_WORD;
    f->prop_val = 0;
    f->prop_count = 0;
    f->prop_n = PROP_WINDOW - 1;
    *out = f;
    return 0;
fail:
    free(f);
    return rc;
}

void fips_free(struct fips *f)
{
    if (!f)
        return;
    bitruns_free(f->br);
    free(f);
}

/* ---- the hot loop ---- */

void fips_feed(struct fips *f, const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n && f->pos == 0) {
        fips_feed_byte(f, p[0]);
        i = 1;
    }
    const uint16_t *tcs = f->tcs;
    uint16_t *h = f->h;
    unsigned prev = f->prev;
    f->pos += (unsigned)(n - i);
#if defined(QA_LE)
    /* Eight bytes per load. */
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        prev = fips_pairs8(h, tcs, prev, w);
    }
#endif
    for (; i < n; i++) {
        h[prev | p[i]]++;
        prev = tcs[p[i]];
    }
    f->prev = prev;
}

/* Adaptive proportion, exactly:
 *   if (b == val && ++count > 358) { fail; restart at b }
 *   else if (++n >= 65536) restart at b
 * Stretches with no window restart are counted in bulk; the bytes that may
 * change the state are stepped one at a time. */
static bool proportion(struct fips *f, const uint8_t *p)
{
    bool fail = false;
    size_t i = 0;
    while (i < NB) {
        /* Bytes for which ++n stays below the window: no restart there. */
        size_t plain = PROP_WINDOW - 1 - f->prop_n;
        if (plain > NB - i)
            plain = NB - i;
        size_t stop = NB; /* step the rest of the block if the cutoff is near */
        size_t c = fips_count_eq(f, p + i, plain, f->prop_val);
        if (f->prop_count + c <= PROP_CUTOFF) {
            f->prop_count += (unsigned)c;
            f->prop_n += (unsigned)plain;
            i += plain;
            stop = i + 1; /* then the byte that restarts the window */
        }
        for (; i < stop && i < NB; i++) {
            unsigned b = p[i];
            if (b == f->prop_val && ++f->prop_count > PROP_CUTOFF)
                fail = true;
            else if (++f->prop_n < PROP_WINDOW)
                continue;
            f->prop_val = b;
            f->prop_count = 0;
            f->prop_n = 0;
        }
    }
    return fail;
}

/* ---- one block ---- */

unsigned fips_check(struct fips *f, const uint8_t *block)
{
    fips_feed(f, block, NB);
    return fips_finish(f, block);
}

unsigned fips_finish(struct fips *f, const uint8_t *p)
{
    struct bitruns_block *blk = &f->blk;
    struct fips_block_info *info = &f->last;
    unsigned result = 0;

    alignas(16) uint16_t R[2][8][8], C[2][8];
    fips_table_sums(f, R, C);
    const uint16_t *hs = f->hs;
    f->pos = 0;

    uint32_t w[7];
    fips_weights(f, w);
    unsigned ones = w[0];
    uint64_t poker = fips_poker_sum(hs);

    /* Exact counts of the runs that do not touch a uniform byte or a block
     * edge, ex[bit][len], len 1..14. */
    alignas(16) uint16_t ex[2][16];
    for (unsigned x = 0; x < 2; x++) {
        fips_diag_sums(R[x], C[x], ex[x]);
        for (unsigned k = 0; k < 3; k++) { /* inside one byte */
            ex[x][2 * k + 1] += (uint16_t)(w[1 + 3 * x + k] % PACK);
            ex[x][2 * k + 2] += (uint16_t)(w[1 + 3 * x + k] / PACK);
        }
    }

    /* (mid[][] beyond the slots used last time is still 0) */
    for (unsigned bit = 0; bit < 2; bit++)
        memset(blk->mid[bit], 0, blk->mid_slots * sizeof(blk->mid[0][0]));
    uint64_t mid_max = 0;
    for (unsigned bit = 0; bit < 2; bit++)
        for (unsigned len = 1; len < 15; len++) {
            blk->mid[bit][len - 1] = ex[bit][len];
            mid_max = ex[bit][len] && mid_max < len ? len : mid_max;
        }

    /* First and last runs of a block starting / ending with a mixed byte. */
    blk->nruns = 2;
    blk->first_bit = p[0] >> 7;
    blk->first_len = f->lead[p[0]];
    blk->last_bit = p[NB - 1] & 1u;
    blk->last_len = f->trail[p[NB - 1]];

    /* Runs through uniform bytes: one per group of equal uniform bytes. */
    bool rep;
    if (hs[0x00] | hs[0xff]) {
        uint64_t um[FIPS_UM_WORDS], adj = 0, carry = 0;
        rep = fips_repetition(f, p, um);
        for (size_t wi = 0; wi < FIPS_UM_WORDS; wi++) {
            adj |= um[wi] & (um[wi] << 1 | carry);
            carry = um[wi] >> 63;
        }
        if (!adj && !fips_is_uniform(p[0]) && !fips_is_uniform(p[NB - 1])) {
            /* The usual case: every uniform byte is alone, between two
             * mixed bytes, so its run is 8 bits plus the runs it meets. */
            for (size_t wi = 0; wi < FIPS_UM_WORDS; wi++) {
                uint64_t m = um[wi];
                while (m) {
                    size_t i = wi * 64 + (size_t)__builtin_ctzll(m);
                    m &= m - 1;
                    unsigned bit = p[i] & 1u;
                    uint64_t len = 8u + f->cont_trail[bit][p[i - 1]] + f->cont_lead[bit][p[i + 1]];
                    blk->mid[bit][len - 1]++;
                    mid_max = mid_max < len ? len : mid_max;
                }
            }
        } else {
            /* Groups of equal uniform bytes, and uniform bytes at the edges. */
            for (size_t wi = 0; wi < FIPS_UM_WORDS; wi++) {
                uint64_t m = um[wi];
                while (m) {
                    size_t s = wi * 64 + (size_t)__builtin_ctzll(m);
                    m &= m - 1;
                    unsigned v = p[s], bit = v & 1u;
                    if (s > 0 && p[s - 1] == v)
                        continue; /* inside a group */
                    size_t e = s + 1;
                    while (e < NB && p[e] == v)
                        e++;
                    uint64_t len = 8 * (uint64_t)(e - s);
                    if (s > 0)
                        len += f->cont_trail[bit][p[s - 1]];
                    if (e < NB)
                        len += f->cont_lead[bit][p[e]];
                    if (s == 0 && e == NB) {
                        blk->nruns = 1;
                        blk->first_len = blk->last_len = len;
                    } else if (s == 0) {
                        blk->first_len = len;
                    } else if (e == NB) {
                        blk->last_len = len;
                    } else {
                        blk->mid[bit][len < BITRUNS_MAXRUN ? len - 1 : BITRUNS_MAXRUN - 1]++;
                        mid_max = mid_max < len ? len : mid_max;
                    }
                }
            }
        }
    } else {
        rep = fips_repetition(f, p, NULL);
    }

    blk->mid_max = mid_max;
    blk->mid_slots = mid_max < 14 ? 14 : mid_max < BITRUNS_MAXRUN ? mid_max : BITRUNS_MAXRUN;

    /* The FIPS runs and long-run tests see every run of the block. */
    uint64_t longest = blk->mid_max;
    for (unsigned bit = 0; bit < 2; bit++) {
        for (unsigned k = 0; k < 5; k++)
            info->runs[bit][k] = (unsigned)blk->mid[bit][k];
        uint64_t six = 0;
        for (size_t k = 5; k < blk->mid_slots; k++)
            six += blk->mid[bit][k];
        info->runs[bit][5] = (unsigned)six;
    }
    info->runs[blk->first_bit][blk->first_len < 6 ? blk->first_len - 1 : 5]++;
    if (longest < blk->first_len)
        longest = blk->first_len;
    if (blk->nruns > 1) {
        info->runs[blk->last_bit][blk->last_len < 6 ? blk->last_len - 1 : 5]++;
        if (longest < blk->last_len)
            longest = blk->last_len;
    }

    if (ones <= 9725 || ones >= 10275)
        result |= 1u << FIPS_MONOBIT;
    if (poker <= POKER_MIN || poker > POKER_MAX)
        result |= 1u << FIPS_POKER;
    for (unsigned bit = 0; bit < 2; bit++)
        for (unsigned k = 0; k < 6; k++)
            if (info->runs[bit][k] < runs_lo[k] || info->runs[bit][k] > runs_hi[k])
                result |= 1u << FIPS_RUNS;
    if (longest >= 26)
        result |= 1u << FIPS_LONG_RUN;
    if (rep)
        result |= 1u << FIPS_REPETITION;
    if (proportion(f, p))
        result |= 1u << FIPS_PROPORTION;
    if (result)
        result |= 1u << FIPS_RESULT;

    blk->ones = ones;
    blk->zeros = NB * 8 - ones;
    bitruns_add_block(f->br, blk);

    info->ones = ones;
    info->poker = poker;
    info->longest = (unsigned)longest;
    info->result = result;
    return result;
}

bool fips_analyse(struct fips *f, const uint8_t *block)
{
    unsigned result = fips_check(f, block);
    fips_account(f, result);
    return result == 0;
}

void fips_account(struct fips *f, unsigned result)
{
    for (unsigned i = 0; i < FIPS_NTESTS; i++) {
        if (result & (1u << i)) {
            fips_failrate_fail(&f->fr[i]);
            fips_passruns_fail(&f->pr[i]);
        } else {
            fips_failrate_pass(&f->fr[i]);
            fips_passruns_pass(&f->pr[i]);
        }
    }
}

bool fips_is_ok(const struct fips *f, bool was_ok)
{
    if (was_ok) {
        for (unsigned i = 0; i < FIPS_NTESTS; i++)
            if (f->fr[i].rate > fips_maxfail[i] || f->pr[i].count > fips_maxpass[i])
                return false;
        return true;
    }
    if (f->pr[FIPS_RESULT].count < 20)
        return false;
    for (unsigned i = 0; i < FIPS_NTESTS; i++) {
        if (f->fr[i].rate > fips_maxfail[i] / 2)
            return false;
        if (fips_maxpass[i] != SIZE_MAX && f->pr[i].previous > fips_maxpass[i] / 2)
            return false;
    }
    return true;
}

const struct fips_failrate *fips_get_failrate(const struct fips *f, unsigned test)
{
    return test < FIPS_NTESTS ? &f->fr[test] : NULL;
}

const struct fips_passruns *fips_get_passruns(const struct fips *f, unsigned test)
{
    return test < FIPS_NTESTS ? &f->pr[test] : NULL;
}

const struct bitruns *fips_bitruns(const struct fips *f)
{
    return f->br;
}

const struct fips_block_info *fips_last_block(const struct fips *f)
{
    return &f->last;
}
