/* fips_vec: the FIPS tester's per-block sums and passes over a block's
 * bytes (see fips.c for how a block is analysed): range sums over the pair
 * histogram, the byte histogram, the weights, the poker sum, the runs by
 * length; the repetition test with the mask of uniform bytes, and the
 * counts of one byte value for the proportion test.  SSE2 (the baseline) or
 * plain C, and AVX2 versions of some, chosen at run time (qa_simd.h).
 * Declared in fips_int.h. */
#include "fips_int.h"

#include <string.h>

#include "qa_simd.h"

#if defined(QA_SSE2)
#include <emmintrin.h>
#endif
#if defined(QA_AVX2)
#include <immintrin.h>
#endif

#define NB FIPS_BLOCK_SIZE

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
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void ranges_out(vec o, vec l1, vec l2, vec l3, vec l4, vec v, unsigned x,
                              uint16_t out[8])
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

void fips_table_sums(struct fips *f, uint16_t R[2][8][8], uint16_t C[2][8])
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

void fips_weights(const struct fips *f, uint32_t out[7]) /* int32 lanes: no overflow */
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

uint64_t fips_poker_sum(const uint16_t *hs)
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

/* The bits of the uniform bytes from byte k on into um (already 0 there). */
static void uniform_from(uint64_t um[FIPS_UM_WORDS], const uint8_t *p, size_t k)
{
    for (; k < NB; k++)
        if (fips_is_uniform(p[k]))
            um[k / 64] |= (uint64_t)1 << (k % 64);
}

#if defined(QA_AVX2)
/* fips_repetition() for words 1..624 (k: 32 bytes, 8 word pairs per step). */
QA_TARGET_AVX2 static bool repetition_avx2(const uint8_t *p, uint64_t um[FIPS_UM_WORDS])
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
    uint32_t m32[2 * (FIPS_UM_WORDS)];
    for (; k + 36 <= NB; k += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + k));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + k + 4));
        acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(a, b));
        __m256i u = _mm256_or_si256(_mm256_cmpeq_epi8(a, zero), _mm256_cmpeq_epi8(a, ones));
        m32[k / 32] = (uint32_t)_mm256_movemask_epi8(u);
    }
    /* k = 2496: the last 4 bytes, and the rest of the mask word. */
    for (size_t j = k / 32; j < 2 * (FIPS_UM_WORDS); j++)
        m32[j] = 0;
    memcpy(um, m32, sizeof(m32));
    uniform_from(um, p, k);
    return _mm256_movemask_epi8(acc) != 0;
}
#endif

bool fips_repetition(struct fips *f, const uint8_t *p, uint64_t um[FIPS_UM_WORDS])
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
    uint16_t m16[4 * (FIPS_UM_WORDS)];
    for (; k + 20 <= NB; k += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + k + 4));
        acc = _mm_or_si128(acc, _mm_cmpeq_epi32(a, b));
        __m128i u = _mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(a, ones));
        m16[k / 16] = (uint16_t)_mm_movemask_epi8(u);
    }
    fail |= _mm_movemask_epi8(acc) != 0;
    /* k = 2496: the last 4 bytes, and the rest of the mask word. */
    for (size_t j = k / 16; j < 4 * (FIPS_UM_WORDS); j++)
        m16[j] = 0;
    memcpy(um, m16, sizeof(m16));
    uniform_from(um, p, k);
    return fail;
#else
    for (k = 4; k < NB; k += 4)
        fail |= load_be32(p + k) == load_be32(p + k - 4);
    if (um) {
        memset(um, 0, FIPS_UM_WORDS * sizeof(um[0]));
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

size_t fips_count_eq(const struct fips *f, const uint8_t *p, size_t n, unsigned v)
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

void fips_diag_sums(const uint16_t R[8][8], const uint16_t C[8], uint16_t ex[16])
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
