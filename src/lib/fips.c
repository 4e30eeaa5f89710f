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
 * 8 numbers with a few vector additions.  The exact run lengths also feed
 * the bitruns statistic. */
#include "fips_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "qa_simd.h"

#if defined(QA_SSE2)
#include <emmintrin.h>
#endif
#if defined(QA_AVX2)
#include <immintrin.h>
#endif

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

/* ---- vector code selection (qa_simd.h) ---- */

static bool allow_avx2 = true;

void qa_allow_avx2(bool allow)
{
    allow_avx2 = allow;
}

bool qa_use_avx2(void)
{
#if defined(QA_AVX2)
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return allow_avx2 && have;
#else
    return false;
#endif
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

/* ---- sums over the histogram (all totals fit 16 bits: < 2500) ---- */

/* For a row of 256 counters by byte value and a bit x: out[0] = the sum over
 * the bytes starting with !x; out[ld], ld = 1..7, the sum over the bytes
 * starting with a run of ld bits x (not the uniform byte). */
#if defined(QA_SSE2)
typedef __m128i vec;

static vec vload(const uint16_t *p)
{
    return _mm_load_si128((const __m128i *)(const void *)p);
}

static vec vadd(vec a, vec b)
{
    return _mm_add_epi16(a, b);
}

static vec vsum(const uint16_t *p, size_t n) /* n: multiple of 8 */
{
    vec a = vload(p);
    for (size_t k = 8; k < n; k += 8)
        a = vadd(a, vload(p + k));
    return a;
}

/* Lane k: the total of the 8 lanes of the k-th argument. */
static vec hsum8(vec a, vec b, vec c, vec d, vec e, vec f, vec g, vec h)
{
    vec ab = vadd(_mm_unpacklo_epi16(a, b), _mm_unpackhi_epi16(a, b));
    vec cd = vadd(_mm_unpacklo_epi16(c, d), _mm_unpackhi_epi16(c, d));
    vec ef = vadd(_mm_unpacklo_epi16(e, f), _mm_unpackhi_epi16(e, f));
    vec gh = vadd(_mm_unpacklo_epi16(g, h), _mm_unpackhi_epi16(g, h));
    vec abcd = vadd(_mm_unpacklo_epi32(ab, cd), _mm_unpackhi_epi32(ab, cd));
    vec efgh = vadd(_mm_unpacklo_epi32(ef, gh), _mm_unpackhi_epi32(ef, gh));
    return vadd(_mm_unpacklo_epi64(abcd, efgh), _mm_unpackhi_epi64(abcd, efgh));
}

/* out from the partial sums of a row: o (the bytes starting with !x), l1..l4
 * (leading runs 1..4) and v, the 8 counters at the row's x end (0..7 or
 * 248..255), whose bytes have leading runs 5, 6, 7 and 8 (not summed). */
static void ranges_out(vec o, vec l1, vec l2, vec l3, vec l4, vec v, unsigned x, uint16_t out[8])
{
    vec m5, m6, m7;
    if (x == 0) { /* 0..7: 00000 1xx, 01x, 1 */
        m5 = _mm_set_epi16(-1, -1, -1, -1, 0, 0, 0, 0);
        m6 = _mm_set_epi16(0, 0, 0, 0, -1, -1, 0, 0);
        m7 = _mm_set_epi16(0, 0, 0, 0, 0, 0, -1, 0);
    } else { /* 248..255: 111110xx, 10x, 0 */
        m5 = _mm_set_epi16(0, 0, 0, 0, -1, -1, -1, -1);
        m6 = _mm_set_epi16(0, 0, -1, -1, 0, 0, 0, 0);
        m7 = _mm_set_epi16(0, -1, 0, 0, 0, 0, 0, 0);
    }
    vec t = hsum8(o, l1, l2, l3, l4, _mm_and_si128(v, m5), _mm_and_si128(v, m6),
                  _mm_and_si128(v, m7));
    _mm_storeu_si128((__m128i *)(void *)out, t);
}

static void ranges(const uint16_t *row, unsigned x, uint16_t out[8])
{
    if (x == 0) /* 01xxxxxx, 001xxxxx, 0001xxxx, 00001xxx */
        ranges_out(vsum(row + 128, 128), vsum(row + 64, 64), vsum(row + 32, 32),
                   vsum(row + 16, 16), vload(row + 8), vload(row), x, out);
    else /* 10xxxxxx, 110xxxxx, 1110xxxx, 11110xxx */
        ranges_out(vsum(row, 128), vsum(row + 128, 64), vsum(row + 192, 32),
                   vsum(row + 224, 16), vload(row + 240), vload(row + 248), x, out);
}
#else
static void ranges(const uint16_t *row, unsigned x, uint16_t out[8])
{
    const uint8_t msb = (uint8_t)(x << 7);
    for (unsigned k = 0; k < 8; k++)
        out[k] = 0;
    for (unsigned b = 0; b < 256; b++) {
        if ((b & 0x80) != msb) {
            out[0] += row[b];
        } else if (b != (x ? 0xffu : 0x00u)) {
            unsigned lead = 1;
            while (lead < 8 && ((b >> (7 - lead)) & 1) == x)
                lead++;
            out[lead] += row[b];
        }
    }
}
#endif

#if defined(QA_AVX2)
QA_TARGET_AVX2 static __m256i vload2(const uint16_t *p)
{
    return _mm256_load_si256((const __m256i *)(const void *)p);
}

/* The sum of n counters (n: a multiple of 16), folded to 8 lanes. */
QA_TARGET_AVX2 static __m128i vsum2(const uint16_t *p, size_t n)
{
    __m256i a = vload2(p);
    for (size_t k = 16; k < n; k += 16)
        a = _mm256_add_epi16(a, vload2(p + k));
    return _mm_add_epi16(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
}

QA_TARGET_AVX2 static void ranges_avx2(const uint16_t *row, unsigned x, uint16_t out[8])
{
    if (x == 0) {
        __m256i r = vload2(row);
        ranges_out(vsum2(row + 128, 128), vsum2(row + 64, 64), vsum2(row + 32, 32),
                   vsum2(row + 16, 16), _mm256_extracti128_si256(r, 1), _mm256_castsi256_si128(r),
                   x, out);
    } else {
        __m256i r = vload2(row + 240);
        ranges_out(vsum2(row, 128), vsum2(row + 128, 64), vsum2(row + 192, 32),
                   vsum2(row + 224, 16), _mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1),
                   x, out);
    }
}

QA_TARGET_AVX2 static void table_sums_avx2(struct fips *f, uint16_t R[2][8][8], uint16_t C[2][8])
{
    alignas(32) uint16_t col[2][256];
    for (unsigned x = 0; x < 2; x++)
        for (unsigned tl = 1; tl < 8; tl++)
            ranges_avx2(f->h + 256 * (8 * x + tl - 1), x, R[x][tl]);
    for (size_t k = 0; k < 256; k += 16) {
        __m256i s[2];
        for (unsigned x = 0; x < 2; x++) {
            s[x] = vload2(f->h + 256 * (8 * x) + k);
            for (unsigned t = 1; t < 8; t++)
                s[x] = _mm256_add_epi16(s[x], vload2(f->h + 256 * (8 * x + t) + k));
            _mm256_store_si256((__m256i *)(void *)&col[x][k], s[x]);
        }
        _mm256_store_si256((__m256i *)(void *)&f->hs[k], _mm256_add_epi16(s[0], s[1]));
    }
    f->hs[f->first]++;
    ranges_avx2(col[1], 0, C[0]);
    ranges_avx2(col[0], 1, C[1]);
    memset(f->h, 0, sizeof(f->h));
}
#endif

/* The range sums of rows (x, tl), tl = 1..7 (R[x][tl]), and of the column
 * sums of the rows of bit !x (C[x]); the byte histogram into f->hs.  Then
 * the histogram is cleared for the next block. */
static void table_sums(struct fips *f, uint16_t R[2][8][8], uint16_t C[2][8])
{
#if defined(QA_AVX2)
    if (f->avx2) {
        table_sums_avx2(f, R, C);
        return;
    }
#endif
    alignas(16) uint16_t col[2][256];
    for (unsigned x = 0; x < 2; x++)
        for (unsigned tl = 1; tl < 8; tl++)
            ranges(f->h + 256 * (8 * x + tl - 1), x, R[x][tl]);
#if defined(QA_SSE2)
    for (size_t k = 0; k < 256; k += 8) {
        vec s[2];
        for (unsigned x = 0; x < 2; x++) {
            s[x] = vload(f->h + 256 * (8 * x) + k);
            for (unsigned t = 1; t < 8; t++)
                s[x] = vadd(s[x], vload(f->h + 256 * (8 * x + t) + k));
            _mm_store_si128((__m128i *)(void *)&col[x][k], s[x]);
        }
        _mm_store_si128((__m128i *)(void *)&f->hs[k], vadd(s[0], s[1]));
    }
#else
    for (size_t k = 0; k < 256; k++) {
        unsigned s0 = 0, s1 = 0;
        for (unsigned t = 0; t < 8; t++) {
            s0 += f->h[256 * t + k];
            s1 += f->h[256 * (8 + t) + k];
        }
        col[0][k] = (uint16_t)s0;
        col[1][k] = (uint16_t)s1;
        f->hs[k] = (uint16_t)(s0 + s1);
    }
#endif
    f->hs[f->first]++; /* the first byte has no pair */
    ranges(col[1], 0, C[0]);
    ranges(col[0], 1, C[1]);
    memset(f->h, 0, sizeof(f->h));
}

void fips_partial_hist(const struct fips *f, uint16_t out[256])
{
    for (size_t k = 0; k < 256; k++) {
        unsigned s = 0;
        for (unsigned t = 0; t < 16; t++)
            s += f->h[256 * t + k];
        out[k] = (uint16_t)s;
    }
    if (f->pos)
        out[f->first]++;
}

#if defined(QA_AVX2)
QA_TARGET_AVX2 static void weights_avx2(const struct fips *f, uint32_t out[7])
{
    __m256i acc[7];
    for (unsigned k = 0; k < 7; k++)
        acc[k] = _mm256_setzero_si256();
    for (size_t b = 0; b < 256; b += 16) {
        __m256i h = vload2(&f->hs[b]);
        for (unsigned k = 0; k < 7; k++)
            acc[k] = _mm256_add_epi32(
                acc[k], _mm256_madd_epi16(h, vload2((const uint16_t *)(const void *)&f->wt[k][b])));
    }
    for (unsigned k = 0; k < 7; k++) {
        __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc[k]), _mm256_extracti128_si256(acc[k], 1));
        s = _mm_add_epi32(s, _mm_srli_si128(s, 8));
        s = _mm_add_epi32(s, _mm_srli_si128(s, 4));
        out[k] = (uint32_t)_mm_cvtsi128_si32(s);
    }
}
#endif

/* out[k] = sum over bytes b of hs[b] * wt[k][b] (int32 lanes: no overflow). */
static void weights(const struct fips *f, uint32_t out[7])
{
#if defined(QA_AVX2)
    if (f->avx2) {
        weights_avx2(f, out);
        return;
    }
#endif
#if defined(QA_SSE2)
    __m128i acc[7];
    for (unsigned k = 0; k < 7; k++)
        acc[k] = _mm_setzero_si128();
    for (size_t b = 0; b < 256; b += 8) {
        __m128i h = vload(&f->hs[b]);
        for (unsigned k = 0; k < 7; k++)
            acc[k] = _mm_add_epi32(acc[k], _mm_madd_epi16(h, _mm_load_si128(
                                                                 (const __m128i *)(const void *)&f->wt[k][b])));
    }
    for (unsigned k = 0; k < 7; k++) {
        __m128i s = _mm_add_epi32(acc[k], _mm_srli_si128(acc[k], 8));
        s = _mm_add_epi32(s, _mm_srli_si128(s, 4));
        out[k] = (uint32_t)_mm_cvtsi128_si32(s);
    }
#else
    for (unsigned k = 0; k < 7; k++) {
        uint32_t s = 0;
        for (size_t b = 0; b < 256; b++)
            s += (uint32_t)f->hs[b] * (uint32_t)(uint16_t)f->wt[k][b];
        out[k] = s;
    }
#endif
}

/* Poker: sum of the squared frequencies of the nibble values, high nibbles
 * (row sums of hs as a 16 x 16 matrix) plus low nibbles (column sums). */
static uint64_t poker_sum(const uint16_t *hs)
{
    unsigned freq[16];
#if defined(QA_SSE2)
    vec c0 = _mm_setzero_si128(), c1 = c0, r[16];
    for (unsigned hi = 0; hi < 16; hi++) {
        vec a = vload(hs + 16 * hi), b = vload(hs + 16 * hi + 8);
        c0 = vadd(c0, a);
        c1 = vadd(c1, b);
        r[hi] = vadd(a, b);
    }
    alignas(16) uint16_t t[4][8];
    _mm_store_si128((__m128i *)(void *)t[0], hsum8(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]));
    _mm_store_si128((__m128i *)(void *)t[1],
                    hsum8(r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]));
    _mm_store_si128((__m128i *)(void *)t[2], c0);
    _mm_store_si128((__m128i *)(void *)t[3], c1);
    for (unsigned n = 0; n < 16; n++)
        freq[n] = (unsigned)t[n / 8][n % 8] + t[2 + n / 8][n % 8];
#else
    for (unsigned n = 0; n < 16; n++)
        freq[n] = 0;
    for (unsigned hi = 0; hi < 16; hi++)
        for (unsigned lo = 0; lo < 16; lo++) {
            freq[hi] += hs[hi * 16 + lo];
            freq[lo] += hs[hi * 16 + lo];
        }
#endif
    uint64_t s = 0;
    for (unsigned n = 0; n < 16; n++)
        s += (uint64_t)freq[n] * freq[n];
    return s;
}

/* ---- passes over the block's bytes ---- */

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool is_uniform(unsigned b)
{
    return b == 0x00 || b == 0xff;
}

/* The bits of the uniform bytes from byte k on into um (already 0 there). */
static void uniform_from(uint64_t um[(NB + 63) / 64], const uint8_t *p, size_t k)
{
    for (; k < NB; k++)
        if (is_uniform(p[k]))
            um[k / 64] |= (uint64_t)1 << (k % 64);
}

#if defined(QA_AVX2)
/* repetition() for words 1..624 (k: 32 bytes, 8 word pairs per step). */
QA_TARGET_AVX2 static bool repetition_avx2(const uint8_t *p, uint64_t um[(NB + 63) / 64])
{
    __m256i acc = _mm256_setzero_si256();
    size_t k = 0;
    if (!um) {
        for (; k + 36 <= NB; k += 32) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
            __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + k + 4));
            acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(a, b));
        }
        return _mm256_movemask_epi8(acc) != 0;
    }
    const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi8(-1);
    uint32_t m32[2 * ((NB + 63) / 64)];
    for (; k + 36 <= NB; k += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + k + 4));
        acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(a, b));
        __m256i u = _mm256_or_si256(_mm256_cmpeq_epi8(a, zero), _mm256_cmpeq_epi8(a, ones));
        m32[k / 32] = (uint32_t)_mm256_movemask_epi8(u);
    }
    /* k = 2496: the last 4 bytes, and the rest of the mask word. */
    for (size_t j = k / 32; j < 2 * ((NB + 63) / 64); j++)
        m32[j] = 0;
    memcpy(um, m32, sizeof(m32));
    uniform_from(um, p, k);
    return _mm256_movemask_epi8(acc) != 0;
}
#endif

/* Repetition (any big-endian word equal to the one before it) and, if um
 * is not NULL, the mask of uniform bytes (bit i of um: byte i is 0x00 or
 * 0xff). */
static bool repetition(struct fips *f, const uint8_t *p, uint64_t um[(NB + 63) / 64])
{
    bool fail = load_be32(p) == f->prev_word;
    f->prev_word = load_be32(p + NB - 4);
#if defined(QA_AVX2)
    if (f->avx2)
        return repetition_avx2(p, um) || fail;
#endif
    size_t k = 0;
#if defined(QA_SSE2) && defined(QA_LE)
    __m128i acc = _mm_setzero_si128();
    if (!um) {
        for (; k + 20 <= NB; k += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + k + 4));
            acc = _mm_or_si128(acc, _mm_cmpeq_epi32(a, b));
        }
        return fail || _mm_movemask_epi8(acc) != 0;
    }
    const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi8(-1);
    uint16_t m16[4 * ((NB + 63) / 64)];
    for (; k + 20 <= NB; k += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + k + 4));
        acc = _mm_or_si128(acc, _mm_cmpeq_epi32(a, b));
        __m128i u = _mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(a, ones));
        m16[k / 16] = (uint16_t)_mm_movemask_epi8(u);
    }
    fail |= _mm_movemask_epi8(acc) != 0;
    /* k = 2496: the last 4 bytes, and the rest of the mask word. */
    for (size_t j = k / 16; j < 4 * ((NB + 63) / 64); j++)
        m16[j] = 0;
    memcpy(um, m16, sizeof(m16));
    uniform_from(um, p, k);
    return fail;
#else
    for (k = 4; k < NB; k += 4)
        fail |= load_be32(p + k) == load_be32(p + k - 4);
    if (um) {
        memset(um, 0, (NB + 63) / 64 * sizeof(um[0]));
        uniform_from(um, p, 0);
    }
    return fail;
#endif
}

#if defined(QA_AVX2)
QA_TARGET_AVX2 static size_t count_eq_avx2(const uint8_t *p, size_t n, unsigned v)
{
    size_t c = 0, i = 0;
    const __m256i vv = _mm256_set1_epi8((char)v);
    while (n - i >= 32) {
        size_t chunks = (n - i) / 32;
        if (chunks > 255)
            chunks = 255;
        __m256i acc = _mm256_setzero_si256();
        for (size_t k = 0; k < chunks; k++, i += 32) {
            __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
            acc = _mm256_sub_epi8(acc, _mm256_cmpeq_epi8(a, vv));
        }
        __m256i s = _mm256_sad_epu8(acc, _mm256_setzero_si256());
        __m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        c += (size_t)_mm_cvtsi128_si64(t) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(t, t));
    }
    for (; i < n; i++)
        c += p[i] == v;
    return c;
}
#endif

static size_t count_eq(const struct fips *f, const uint8_t *p, size_t n, unsigned v)
{
#if defined(QA_AVX2)
    if (f->avx2)
        return count_eq_avx2(p, n, v);
#endif
    size_t c = 0, i = 0;
#if defined(QA_SSE2)
    const __m128i vv = _mm_set1_epi8((char)v);
    while (n - i >= 16) {
        size_t chunks = (n - i) / 16;
        if (chunks > 255)
            chunks = 255;
        __m128i acc = _mm_setzero_si128();
        for (size_t k = 0; k < chunks; k++, i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(a, vv));
        }
        __m128i s = _mm_sad_epu8(acc, _mm_setzero_si128());
        c += (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_extract_epi16(s, 4);
    }
#endif
    for (; i < n; i++)
        c += p[i] == v;
    return c;
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
        size_t c = count_eq(f, p + i, plain, f->prop_val);
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

/* The runs counted by the pair histogram, by length: ex[L], L = 1..14, sums
 * R[tl][ld] over tl + ld = L (lane ld of R[tl]; lane 0, the trailing run
 * alone, lands on L = tl), plus C[L] for L = 1..7; ex[0] = ex[15] = 0. */
static void diag_sums(const uint16_t R[8][8], const uint16_t C[8], uint16_t ex[16])
{
#if defined(QA_SSE2)
    const __m128i no0 = _mm_set_epi16(-1, -1, -1, -1, -1, -1, -1, 0);
    __m128i lo = _mm_and_si128(_mm_loadu_si128((const __m128i *)(const void *)C), no0);
    __m128i hi = _mm_setzero_si128();
#define DIAG(tl)                                                                                   \
    do {                                                                                           \
        __m128i r = _mm_loadu_si128((const __m128i *)(const void *)R[tl]);                         \
        lo = _mm_add_epi16(lo, _mm_slli_si128(r, 2 * (tl)));                                       \
        hi = _mm_add_epi16(hi, _mm_srli_si128(r, 16 - 2 * (tl)));                                  \
    } while (0)
    DIAG(1);
    DIAG(2);
    DIAG(3);
    DIAG(4);
    DIAG(5);
    DIAG(6);
    DIAG(7);
#undef DIAG
    _mm_storeu_si128((__m128i *)(void *)ex, lo);
    _mm_storeu_si128((__m128i *)(void *)(ex + 8), hi);
#else
    for (unsigned k = 0; k < 16; k++)
        ex[k] = 0;
    for (unsigned ld = 1; ld < 8; ld++)
        ex[ld] += C[ld];
    for (unsigned tl = 1; tl < 8; tl++)
        for (unsigned ld = 0; ld < 8; ld++)
            ex[tl + ld] += R[tl][ld];
#endif
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
    table_sums(f, R, C);
    const uint16_t *hs = f->hs;
    f->pos = 0;

    uint32_t w[7];
    weights(f, w);
    unsigned ones = w[0];
    uint64_t poker = poker_sum(hs);

    /* Exact counts of the runs that do not touch a uniform byte or a block
     * edge, ex[bit][len], len 1..14. */
    alignas(16) uint16_t ex[2][16];
    for (unsigned x = 0; x < 2; x++) {
        diag_sums(R[x], C[x], ex[x]);
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
        uint64_t um[(NB + 63) / 64], adj = 0, carry = 0;
        rep = repetition(f, p, um);
        for (size_t wi = 0; wi < (NB + 63) / 64; wi++) {
            adj |= um[wi] & (um[wi] << 1 | carry);
            carry = um[wi] >> 63;
        }
        if (!adj && !is_uniform(p[0]) && !is_uniform(p[NB - 1])) {
            /* The usual case: every uniform byte is alone, between two
             * mixed bytes, so its run is 8 bits plus the runs it meets. */
            for (size_t wi = 0; wi < (NB + 63) / 64; wi++) {
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
            for (size_t wi = 0; wi < (NB + 63) / 64; wi++) {
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
        rep = repetition(f, p, NULL);
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
