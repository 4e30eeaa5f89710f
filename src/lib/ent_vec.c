/* ent_vec: the Ent tester's per-sample work (see ent.h): Monte Carlo, the
 * bins and the autocorrelation sums of a piece, exact in integers or in
 * upstream's per-sample doubles, and the pieces the health monitor's
 * one-pass engine uses (ent_int.h).  SSE2 (the baseline) or plain C, and
 * AVX2 versions of some loops, chosen at run time (qa_simd.h). */
#include "ent_int.h"

#include <string.h>

#include "qa_simd.h"

#if defined(QA_SSE2)
#include <emmintrin.h>
#endif
#if defined(QA_AVX2)
#include <immintrin.h>
#endif

#define MC_RADIUS 281474943156225ull /* (2^24 - 1)^2 */

void ent_mc_tables(struct ent *e)
{
    for (uint64_t x = 0; x < 256; x++) {
        uint64_t y = 0;
        /* Whole cells inside: their far corner is inside. */
        while (y < 256 && (x * 65536 + 65535) * (x * 65536 + 65535) +
                                  (y * 65536 + 65535) * (y * 65536 + 65535) <= MC_RADIUS)
            y++;
        e->mc_lo[x] = (uint16_t)y;
        /* Cells not wholly outside: their near corner is inside. */
        while (y < 256 && (x * 65536) * (x * 65536) + (y * 65536) * (y * 65536) <= MC_RADIUS)
            y++;
        e->mc_wid[x] = (uint16_t)(y - e->mc_lo[x]);
    }
}

static bool mc_inside(const uint8_t *q)
{
    uint64_t x = (uint64_t)q[0] << 16 | (uint64_t)q[1] << 8 | q[2];
    uint64_t y = (uint64_t)q[3] << 16 | (uint64_t)q[4] << 8 | q[5];
    return x * x + y * y <= MC_RADIUS;
}

#if defined(QA_AVX2)
/* The points inside among groups [0, n) of p, four at a time: x and y
 * (24 bits) each in a 64-bit lane, x^2 + y^2 exact (< 2^49), compared with
 * the radius.  Reads 4 bytes past the last group. */
QA_TARGET_AVX2 static uint64_t mc_avx2(const uint8_t *p, size_t n)
{
    /* Per 128-bit lane (two groups, bytes 0..11): the big-endian x of each
     * (bytes 2 1 0, 8 7 6) and y (5 4 3, 11 10 9) as little-endian u64. */
    const __m256i sx = _mm256_setr_epi8(2, 1, 0, -1, -1, -1, -1, -1, 8, 7, 6, -1, -1, -1, -1, -1,
                                        2, 1, 0, -1, -1, -1, -1, -1, 8, 7, 6, -1, -1, -1, -1, -1);
    const __m256i sy = _mm256_setr_epi8(5, 4, 3, -1, -1, -1, -1, -1, 11, 10, 9, -1, -1, -1, -1, -1,
                                        5, 4, 3, -1, -1, -1, -1, -1, 11, 10, 9, -1, -1, -1, -1, -1);
    const __m256i lim = _mm256_set1_epi64x((long long)MC_RADIUS + 1);
    __m256i acc = _mm256_setzero_si256();
    for (size_t g = 0; g < n; g += 4, p += 24) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 12));
        __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
        __m256i x = _mm256_shuffle_epi8(v, sx), y = _mm256_shuffle_epi8(v, sy);
        __m256i r2 = _mm256_add_epi64(_mm256_mul_epu32(x, x), _mm256_mul_epu32(y, y));
        acc = _mm256_sub_epi64(acc, _mm256_cmpgt_epi64(lim, r2)); /* -1 where inside */
    }
    __m128i t = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    return (uint64_t)_mm_cvtsi128_si64(t) + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(t, t));
}
#endif

/* Monte Carlo on the bytes of one piece: groups i, i + 6 < len; x, y are
 * 24-bit big-endian, inside if x^2 + y^2 <= (2^24 - 1)^2. */
static void mc_count(const struct ent *e, const uint8_t *p, size_t len, uint64_t *in_out,
                     uint64_t *groups_out)
{
    *in_out = *groups_out = 0;
    if (len < 7)
        return;
    const uint16_t *lo = e->mc_lo, *wid = e->mc_wid;
    size_t groups = (len - 1) / 6, g = 0;
    uint64_t in = 0;
#if defined(QA_AVX2)
    /* Group g + 3 ends at 6g + 24 and the loads reach 6g + 28 <= len. */
    if (e->avx2 && groups >= 8) {
        g = (len - 28) / 24 * 4;
        if (g > groups)
            g = groups / 4 * 4;
        in = mc_avx2(p, g);
        p += 6 * g;
    }
#endif
    for (; g < groups; g++, p += 6) {
        unsigned x = p[0], y = p[3], l = lo[x];
        in += y < l;
        if (__builtin_expect(y - l < wid[x], 0))
            in += mc_inside(p);
    }
    *in_out = in;
    *groups_out = groups;
}

void ent_mc(struct ent *e, const uint8_t *p, size_t len)
{
    uint64_t in, groups;
    mc_count(e, p, len, &in, &groups);
    e->s_inradius += in;
    e->s_pisamples += groups;
}

void ent_mc2(struct ent *a, struct ent *b, const uint8_t *p, size_t len)
{
    uint64_t in, groups;
    mc_count(a, p, len, &in, &groups);
    a->s_inradius += in;
    a->s_pisamples += groups;
    b->s_inradius += in;
    b->s_pisamples += groups;
}

/* sum of p[i-1] * p[i], 0 < i < n */
#if defined(QA_AVX2)
/* sum of p[i] * p[i + 1] for i < 16 * steps, steps <= 8192 */
QA_TARGET_AVX2 static uint64_t lag_avx2(const uint8_t *p, uint64_t steps)
{
    __m256i acc = _mm256_setzero_si256();
    for (uint64_t k = 0; k < steps; k++, p += 16) {
        __m256i a = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)p));
        __m256i b = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(p + 1)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
    }
    __m128i t = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    uint32_t lane[4];
    _mm_storeu_si128((__m128i *)(void *)lane, t);
    return (uint64_t)lane[0] + lane[1] + lane[2] + lane[3];
}
#endif

static uint64_t lag_products8(const struct ent *e, const uint8_t *p, uint64_t n)
{
    uint64_t sum = 0, i = 0;
#if defined(QA_AVX2)
    if (e->avx2) {
        while (n - i > 16) {
            /* Each 32-bit lane gains at most 2 * 255^2 per step (8 lanes). */
            uint64_t steps = (n - i - 1) / 16;
            if (steps > 8192)
                steps = 8192;
            sum += lag_avx2(p + i, steps);
            i += 16 * steps;
        }
    }
#endif
#if defined(QA_SSE2)
    const __m128i z = _mm_setzero_si128();
    while (n - i > 16) {
        /* Each 32-bit lane gains at most 4 * 255^2 per step. */
        uint64_t steps = (n - i - 1) / 16;
        if (steps > 8192)
            steps = 8192;
        __m128i acc = z;
        for (uint64_t k = 0; k < steps; k++, i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
            acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpacklo_epi8(a, z), _mm_unpacklo_epi8(b, z)));
            acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_unpackhi_epi8(a, z), _mm_unpackhi_epi8(b, z)));
        }
        uint32_t lane[4];
        _mm_storeu_si128((__m128i *)(void *)lane, acc);
        sum += (uint64_t)lane[0] + lane[1] + lane[2] + lane[3];
    }
#endif
    for (; i + 1 < n; i++)
        sum += (uint64_t)p[i] * p[i + 1];
    return sum;
}

/* Ent8's c1 = sum(prev * v) over n > 0 more samples of the block (the
 * block's first sample starts it). */
static void lag8(struct ent *e, const uint8_t *p, uint64_t n)
{
    if (e->s_c0 > e->nbins)
        e->s_c0 = p[0];
    else
        e->s_c1 += (uint64_t)e->s_prev * p[0];
    e->s_c1 += lag_products8(e, p, n);
    e->s_prev = p[n - 1];
}

/* Exact-integer kernels: bins and c1 = sum(prev * v); c2, c3 come from the
 * bins at the end of the block. */
static void kernel8_int(struct ent *e, const uint8_t *p, uint64_t n)
{
    if (!n)
        return;
    uint32_t *h0 = e->hot, *h1 = h0 + 256, *h2 = h0 + 512, *h3 = h0 + 768;
    uint64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        h0[p[i]]++;
        h1[p[i + 1]]++;
        h2[p[i + 2]]++;
        h3[p[i + 3]]++;
    }
    for (; i < n; i++)
        h0[p[i]]++;
    lag8(e, p, n);
}

static void kernel16_int(struct ent *e, const uint8_t *p, uint64_t n)
{
    uint16_t *h = e->hot16, *wrap = e->wrap;
    size_t nwrap = e->nwrap;
    unsigned prev = e->s_prev;
    uint64_t s0 = 0, s1 = 0;
    uint64_t i = 0;
    for (; i + 2 <= n; i += 2) {
        unsigned v0 = ent16_load(p + 2 * i), v1 = ent16_load(p + 2 * i + 2);
        INC16(h, wrap, nwrap, v0);
        INC16(h, wrap, nwrap, v1);
        s0 += prev * v0;
        s1 += v0 * v1;
        prev = v1;
    }
    for (; i < n; i++) {
        unsigned v = ent16_load(p + 2 * i);
        INC16(h, wrap, nwrap, v);
        s0 += prev * v;
        prev = v;
    }
    e->nwrap = nwrap;
    e->s_c1 += s0 + s1;
    e->s_prev = prev;
}

/* Upstream's arithmetic: c1 += prev * v, c3 += v * v, as 32-bit unsigned
 * products added to doubles one sample at a time. */
static void kernel_double(struct ent *e, const uint8_t *p, uint64_t n)
{
    uint16_t *h = e->hot16, *wrap = e->wrap;
    size_t nwrap = e->nwrap;
    unsigned prev = e->s_prev;
    double d1 = e->d1, d3 = e->d3;
    for (uint64_t i = 0; i < n; i++) {
        unsigned v;
        if (e->ss == 1) { /* not reached: Ent8 blocks stay below int_limit */
            v = p[i];
            e->hot[v]++;
        } else {
            v = ent16_load(p + 2 * i);
            INC16(h, wrap, nwrap, v);
        }
        d1 += (double)(prev * v);
        d3 += (double)(v * v);
        prev = v;
    }
    e->nwrap = nwrap;
    e->d1 = d1;
    e->d3 = d3;
    e->s_prev = prev;
}

void ent_accumulate(struct ent *e, const uint8_t *p, uint64_t n)
{
    if (!n)
        return;
    if (e->s_c0 > e->nbins) {
        unsigned v = e->ss == 1 ? p[0] : ent16_load(p);
        e->s_c0 = v;
        e->s_prev = v;
        if (e->ss == 1)
            e->hot[v]++;
        else
            INC16(e->hot16, e->wrap, e->nwrap, v);
        e->s_samples++;
        p += e->ss;
        n--;
    }
    if (!e->dmode) {
        uint64_t room = e->int_limit > e->s_samples ? e->int_limit - e->s_samples : 0;
        uint64_t k = n < room ? n : room;
        if (e->ss == 1)
            kernel8_int(e, p, k);
        else
            kernel16_int(e, p, k);
        e->s_samples += k;
        p += k * e->ss;
        n -= k;
        if (!n)
            return;
        /* All partial sums so far are exact: continue in doubles. */
        ent16_to_double(e);
    }
    kernel_double(e, p, n);
    e->s_samples += n;
}

void ent8_take(struct ent *e, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    e->s_samples += n;
    lag8(e, p, n);
}

void ent8_add_hist(struct ent *e, const uint16_t add[256], const uint16_t sub[256])
{
    uint32_t *restrict hot = e->hot;
    if (sub) {
        for (size_t v = 0; v < 256; v++)
            hot[v] += (uint32_t)add[v] - sub[v];
    } else {
        for (size_t v = 0; v < 256; v++)
            hot[v] += add[v];
    }
}

#if defined(QA_AVX2)
QA_TARGET_AVX2 static unsigned max16_avx2(const uint16_t *h)
{
    __m256i a[4];
    for (int j = 0; j < 4; j++)
        a[j] = _mm256_setzero_si256();
    for (size_t v = 0; v < 65536; v += 64)
        for (int j = 0; j < 4; j++)
            a[j] = _mm256_max_epu16(
                a[j], _mm256_loadu_si256((const __m256i *)(const void *)(h + v + 16 * j)));
    __m256i m = _mm256_max_epu16(_mm256_max_epu16(a[0], a[1]), _mm256_max_epu16(a[2], a[3]));
    uint16_t lane[16];
    _mm256_storeu_si256((__m256i *)(void *)lane, m);
    unsigned r = 0;
    for (int i = 0; i < 16; i++)
        r = lane[i] > r ? lane[i] : r;
    return r;
}
#endif

/* The largest of the 65536 counters. */
static unsigned max16(const struct ent *e)
{
    const uint16_t *h = e->hot16;
#if defined(QA_AVX2)
    if (e->avx2)
        return max16_avx2(h);
#endif
    unsigned m = 0;
#if defined(QA_SSE2)
    __m128i a[4];
    for (int j = 0; j < 4; j++)
        a[j] = _mm_setzero_si128();
    for (size_t v = 0; v < 65536; v += 32)
        for (int j = 0; j < 4; j++) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(h + v + 8 * j));
            a[j] = _mm_add_epi16(a[j], _mm_subs_epu16(x, a[j])); /* max(a, x) */
        }
    uint16_t lane[32];
    for (int j = 0; j < 4; j++)
        _mm_storeu_si128((__m128i *)(void *)(lane + 8 * j), a[j]);
    for (int i = 0; i < 32; i++)
        m = lane[i] > m ? lane[i] : m;
#else
    for (size_t v = 0; v < 65536; v++)
        m = h[v] > m ? h[v] : m;
#endif
    return m;
}

bool ent16_room(struct ent *e, uint64_t k)
{
    if (e->scan_max + (e->s_samples - e->scan_samples) + k <= UINT16_MAX)
        return true;
    unsigned m = max16(e);
    e->scan_max = m;
    e->scan_samples = e->s_samples;
    return m + k <= UINT16_MAX;
}

/* All partial sums so far are exact integers (< 2^53 while !dmode). */
void ent16_to_double(struct ent *e)
{
    if (e->dmode)
        return;
    uint64_t c3 = 0;
    for (size_t v = 0; v < e->nbins; v++)
        c3 += ent_hot_bin(e, v) * v * v;
    for (size_t w = 0; w < e->nwrap; w++)
        c3 += (uint64_t)65536 * e->wrap[w] * e->wrap[w];
    e->d1 = (double)e->s_c1;
    e->d3 = (double)c3;
    e->dmode = true;
}
