/* fips: FIPS 140-2 tester.  See fips.h and spec §4.2.
 *
 * How a block is analysed without looking at single bits.  Every byte has a
 * leading run (the bits equal to its MSB) and a trailing run (equal to its
 * LSB); each is coded in 4 bits, bit value and length 1..8 (8: 0x00/0xff).
 * The hot loop builds one histogram H[tc][b] over (trailing code of byte
 * i-1, byte i), one increment per byte.  From it, per block:
 *  - the byte histogram hs (sum over tc) gives the monobit count, the poker
 *    nibble frequencies and, from per-byte tables, the runs wholly inside a
 *    byte (touching neither edge: lengths 1..6);
 *  - at a bit change between bytes, the trailing run of byte i-1 and the
 *    leading run of byte i are complete runs (row sums over the other half of
 *    H[tc], and range sums of the byte values by leading code);
 *  - without a change, they form one run of length trail + lead (range sums
 *    over the same half of H[tc]);
 *  - runs through an all-0 or all-1 byte can be any length: the sums above
 *    leave them out and a scan over the uniform bytes adds them exactly;
 *  - the leading run of the first byte and the trailing run of the last byte
 *    are the block's first and last runs (runs are split at block edges).
 * The exact run lengths also feed the bitruns statistic. */
#include "fips.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define NB FIPS_BLOCK_SIZE
#define PROP_WINDOW 65536u
#define PROP_CUTOFF 358u
#define POKER_MIN 1563175u /* (2.16 + 5000) * 5000 / 16, truncated */
#define POKER_MAX 1576928u /* (46.17 + 5000) * 5000 / 16, truncated */
#define FIPS_INITIAL_WORD 0x5EED1E57u

const size_t fips_maxfail[FIPS_NTESTS] = { 4194, 4194, 6291, 6291, 1048, 1048, 7340 };
const size_t fips_maxpass[FIPS_NTESTS] = { 134500, 141200, 42500, 46900, 96000000,
                                           SIZE_MAX, 17500 };

static const unsigned runs_lo[6] = { 2315, 1114, 527, 240, 103, 103 };
static const unsigned runs_hi[6] = { 2685, 1386, 723, 384, 209, 209 };

struct fips {
    /* Per-byte tables. */
    uint16_t tcs[256];      /* trailing code << 8 */
    uint8_t lead[256];      /* leading run length, 8 for 0x00/0xff */
    uint8_t trail[256];     /* trailing run length */
    /* Runs inside a byte (not touching its edges), bit x, length 1..6:
     * lengths 1, 2 (and the popcount) as dense tables, longer ones as a
     * list (they occur in few byte values). */
    uint16_t dot[5][256];   /* popcount; (0,1) (0,2) (1,1) (1,2) */
    struct {
        uint8_t byte, bit, len;
    } sparse[128];
    unsigned nsparse;

    /* State carried between blocks. */
    uint32_t prev_word;
    unsigned prop_val, prop_count, prop_n;
    struct fips_failrate fr[FIPS_NTESTS];
    struct fips_passruns pr[FIPS_NTESTS];
    struct bitruns *br;
    struct fips_block_info last;

    /* Scratch for one block. */
    uint16_t h[16][256];    /* [trailing code of previous byte][byte] */
    uint16_t v[2][256];     /* h summed over the rows of trailing bit 0 / 1 */
    uint16_t hs[256];       /* byte histogram */
    struct bitruns_block blk;
};

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
        f->dot[0][b] = (uint16_t)__builtin_popcount(b);
        for (unsigned k = 1; k < 5; k++)
            f->dot[k][b] = 0;
        if (lead == 8)
            continue;
        /* Runs strictly between the leading and trailing runs. */
        unsigned k = lead;
        while (k < 8 - trail) {
            unsigned bit = (b >> (7 - k)) & 1, n = 0;
            while (k < 8 - trail && ((b >> (7 - k)) & 1) == bit) {
                n++;
                k++;
            }
            if (n <= 2) {
                f->dot[1 + bit * 2 + n - 1][b]++;
            } else {
                f->sparse[f->nsparse].byte = (uint8_t)b;
                f->sparse[f->nsparse].bit = (uint8_t)bit;
                f->sparse[f->nsparse++].len = (uint8_t)n;
            }
        }
    }
}

int fips_new(struct fips **out)
{
    struct fips *f = calloc(1, sizeof(*f));
    int rc = -ENOMEM;
    if (!f)
        goto fail;
    rc = bitruns_new(&f->br);
    if (rc < 0)
        goto fail;
    init_tables(f);
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

/* ---- pieces of one block ---- */

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Repetition: any big-endian word equal to the one before it. */
static bool repetition(struct fips *f, const uint8_t *p)
{
    bool fail = load_be32(p) == f->prev_word;
    f->prev_word = load_be32(p + NB - 4);
#if defined(__SSE2__)
    __m128i acc = _mm_setzero_si128();
    for (size_t k = 0; k + 20 <= NB; k += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + k + 4));
        acc = _mm_or_si128(acc, _mm_cmpeq_epi32(a, b));
    }
    return fail || _mm_movemask_epi8(acc) != 0;
#else
    for (size_t k = 4; k < NB; k += 4) {
        uint32_t a, b;
        memcpy(&a, p + k - 4, 4);
        memcpy(&b, p + k, 4);
        fail |= a == b;
    }
    return fail;
#endif
}

static size_t count_eq(const uint8_t *p, size_t n, unsigned v)
{
    size_t c = 0, i = 0;
#if defined(__SSE2__)
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
        size_t c = count_eq(p + i, plain, f->prop_val);
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

static void hot_loop(struct fips *f, const uint8_t *p)
{
    const uint16_t *tcs = f->tcs;
    uint16_t *h = &f->h[0][0];

    memset(f->h, 0, sizeof(f->h));
    unsigned prev = tcs[p[0]];
    size_t i = 1;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* Eight bytes per load (byte i is the low byte of w). */
    for (; i + 8 <= NB; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
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
        prev = tcs[b7];
    }
#endif
    for (; i < NB; i++) {
        h[prev | p[i]]++;
        prev = tcs[p[i]];
    }
}

/* ---- sums over u16 counters (all totals fit: a block has 2500 bytes) ---- */

#if defined(__SSE2__)
typedef __m128i vec;
static vec vload(const uint16_t *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}
static vec vsum(const uint16_t *p, size_t n) /* n: multiple of 8 */
{
    vec a = vload(p);
    for (size_t k = 8; k < n; k += 8)
        a = _mm_add_epi16(a, vload(p + k));
    return a;
}
/* The lane totals of a, b, c, d. */
static void hsum4(vec a, vec b, vec c, vec d, unsigned out[4])
{
    vec ab = _mm_add_epi16(_mm_unpacklo_epi16(a, b), _mm_unpackhi_epi16(a, b));
    vec cd = _mm_add_epi16(_mm_unpacklo_epi16(c, d), _mm_unpackhi_epi16(c, d));
    vec t = _mm_add_epi16(_mm_unpacklo_epi32(ab, cd), _mm_unpackhi_epi32(ab, cd));
    t = _mm_add_epi16(t, _mm_srli_si128(t, 8));
    uint64_t w = (uint64_t)_mm_cvtsi128_si64(t);
    for (int i = 0; i < 4; i++)
        out[i] = (unsigned)(w >> (16 * i)) & 0xffff;
}
#endif

static unsigned sum16(const uint16_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* Sums of a half row (values with MSB y) by leading-run length ld = 1..7:
 * y = 0: [64,128) [32,64) [16,32) [8,16) [4,8) [2,4) [1]
 * y = 1: [128,192) [192,224) [224,240) [240,248) [248,252) [252,254) [254]
 * (out[0] unused; length 8 is the uniform byte, left out). */
static void lead_sums(const uint16_t *row, unsigned y, unsigned out[8])
{
#if defined(__SSE2__)
    if (y == 0)
        hsum4(vsum(row + 64, 64), vsum(row + 32, 32), vsum(row + 16, 16), vload(row + 8),
              out + 1);
    else
        hsum4(vsum(row + 128, 64), vsum(row + 192, 32), vsum(row + 224, 16), vload(row + 240),
              out + 1);
#else
    if (y == 0) {
        out[1] = sum16(row + 64, 64);
        out[2] = sum16(row + 32, 32);
        out[3] = sum16(row + 16, 16);
        out[4] = sum16(row + 8, 8);
    } else {
        out[1] = sum16(row + 128, 64);
        out[2] = sum16(row + 192, 32);
        out[3] = sum16(row + 224, 16);
        out[4] = sum16(row + 240, 8);
    }
#endif
    if (y == 0) {
        out[5] = sum16(row + 4, 4);
        out[6] = sum16(row + 2, 2);
        out[7] = row[1];
    } else {
        out[5] = sum16(row + 248, 4);
        out[6] = sum16(row + 252, 2);
        out[7] = row[254];
    }
}

/* v[x] = sum of the 8 rows of trailing bit x; hs = v[0] + v[1]. */
static void column_sums(struct fips *f)
{
#if defined(__SSE2__)
    for (size_t k = 0; k < 256; k += 8) {
        vec s[2];
        for (unsigned x = 0; x < 2; x++) {
            s[x] = vload(&f->h[8 * x][k]);
            for (unsigned t = 1; t < 8; t++)
                s[x] = _mm_add_epi16(s[x], vload(&f->h[8 * x + t][k]));
            _mm_storeu_si128((__m128i *)(void *)&f->v[x][k], s[x]);
        }
        _mm_storeu_si128((__m128i *)(void *)&f->hs[k], _mm_add_epi16(s[0], s[1]));
    }
#else
    for (size_t k = 0; k < 256; k++) {
        unsigned s0 = 0, s1 = 0;
        for (unsigned t = 0; t < 8; t++) {
            s0 += f->h[t][k];
            s1 += f->h[8 + t][k];
        }
        f->v[0][k] = (uint16_t)s0;
        f->v[1][k] = (uint16_t)s1;
        f->hs[k] = (uint16_t)(s0 + s1);
    }
#endif
}

/* Poker: frequency of each nibble value, high nibbles (row sums of hs as a
 * 16 x 16 matrix) plus low nibbles (column sums). */
static void nibble_freq(const uint16_t *hs, unsigned freq[16])
{
#if defined(__SSE2__)
    vec c0 = _mm_setzero_si128(), c1 = c0, r[16];
    for (unsigned hi = 0; hi < 16; hi++) {
        vec a = vload(hs + 16 * hi), b = vload(hs + 16 * hi + 8);
        c0 = _mm_add_epi16(c0, a);
        c1 = _mm_add_epi16(c1, b);
        r[hi] = _mm_add_epi16(a, b);
    }
    for (unsigned hi = 0; hi < 16; hi += 4)
        hsum4(r[hi], r[hi + 1], r[hi + 2], r[hi + 3], freq + hi);
    uint16_t c[16];
    _mm_storeu_si128((__m128i *)(void *)c, c0);
    _mm_storeu_si128((__m128i *)(void *)(c + 8), c1);
    for (unsigned n = 0; n < 16; n++)
        freq[n] += c[n];
#else
    for (unsigned n = 0; n < 16; n++)
        freq[n] = 0;
    for (unsigned hi = 0; hi < 16; hi++)
        for (unsigned lo = 0; lo < 16; lo++) {
            freq[hi] += hs[hi * 16 + lo];
            freq[lo] += hs[hi * 16 + lo];
        }
#endif
}

/* out[k] = sum over bytes b of hs[b] * dot[k][b], k < 5. */
static void dots(const struct fips *f, unsigned out[5])
{
#if defined(__SSE2__)
    vec acc[8];
    for (unsigned k = 0; k < 8; k++)
        acc[k] = _mm_setzero_si128();
    for (size_t b = 0; b < 256; b += 8) {
        vec h = vload(&f->hs[b]);
        for (unsigned k = 0; k < 5; k++)
            acc[k] = _mm_add_epi16(acc[k], _mm_mullo_epi16(h, vload(&f->dot[k][b])));
    }
    unsigned tmp[8];
    hsum4(acc[0], acc[1], acc[2], acc[3], tmp);
    hsum4(acc[4], acc[5], acc[6], acc[7], tmp + 4);
    memcpy(out, tmp, 5 * sizeof(out[0]));
#else
    for (unsigned k = 0; k < 5; k++) {
        unsigned s = 0;
        for (size_t b = 0; b < 256; b++)
            s += (unsigned)f->hs[b] * f->dot[k][b];
        out[k] = s;
    }
#endif
}

/* Sums of the half row of each trailing code of bit x, over the bytes that
 * start with the other bit (out[tl], tl = 1..7). */
static void other_half_sums(const struct fips *f, unsigned x, unsigned out[8])
{
    size_t off = x ? 0 : 128;
#if defined(__SSE2__)
    const uint16_t *r = f->h[8 * x];
    hsum4(_mm_setzero_si128(), vsum(r + off, 128), vsum(r + 256 + off, 128),
          vsum(r + 512 + off, 128), out);
    hsum4(vsum(r + 768 + off, 128), vsum(r + 1024 + off, 128), vsum(r + 1280 + off, 128),
          vsum(r + 1536 + off, 128), out + 4);
#else
    for (unsigned tl = 1; tl < 8; tl++)
        out[tl] = sum16(f->h[8 * x + tl - 1] + off, 128);
#endif
}

static bool is_uniform(unsigned b)
{
    return b == 0x00 || b == 0xff;
}

/* Bit i of m: byte i is 0x00 or 0xff. */
static void uniform_mask(const uint8_t *p, uint64_t m[(NB + 63) / 64])
{
    memset(m, 0, (NB + 63) / 64 * sizeof(m[0]));
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i zero = _mm_setzero_si128(), ones = _mm_set1_epi8(-1);
    for (; i + 64 <= NB; i += 64) {
        uint64_t bits = 0;
        for (unsigned k = 0; k < 4; k++) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16 * k));
            a = _mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(a, ones));
            bits |= (uint64_t)(unsigned)_mm_movemask_epi8(a) << (16 * k);
        }
        m[i / 64] = bits;
    }
#endif
    for (; i < NB; i++)
        if (is_uniform(p[i]))
            m[i / 64] |= (uint64_t)1 << (i % 64);
}

/* Next index >= i with its bit set in m, or NB. */
static size_t next_set(const uint64_t *m, size_t i)
{
    while (i < NB) {
        uint64_t w = m[i / 64] >> (i % 64);
        if (w)
            return i + (size_t)__builtin_ctzll(w);
        i = (i / 64 + 1) * 64;
    }
    return NB;
}

unsigned fips_check(struct fips *f, const uint8_t *p)
{
    struct bitruns_block *blk = &f->blk;
    struct fips_block_info *info = &f->last;
    unsigned result = 0;

    hot_loop(f, p);
    column_sums(f);
    const uint16_t *hs = f->hs;
    f->hs[p[0]]++; /* the first byte has no pair */

    unsigned d[5];
    dots(f, d);
    unsigned ones = d[0];

    unsigned freq[16];
    nibble_freq(hs, freq);
    uint64_t poker = 0;
    for (unsigned n = 0; n < 16; n++)
        poker += (uint64_t)freq[n] * freq[n];

    /* Exact counts of the runs that do not touch a uniform byte or a block
     * edge, ex[bit][len], len 1..14. */
    unsigned ex[2][16] = { { 0 } };
    for (unsigned i = 0; i < f->nsparse; i++)
        ex[f->sparse[i].bit][f->sparse[i].len] += hs[f->sparse[i].byte];
    for (unsigned x = 0; x < 2; x++) {
        unsigned ls[8], other[8];
        ex[x][1] += d[1 + 2 * x]; /* inside one byte */
        ex[x][2] += d[2 + 2 * x];
        other_half_sums(f, x, other);
        for (unsigned tl = 1; tl < 8; tl++) {
            const uint16_t *row = f->h[x * 8 + tl - 1];
            /* Next byte starts with the other bit: the trailing run ends. */
            ex[x][tl] += other[tl];
            /* Same bit: one run across the boundary. */
            lead_sums(row, x, ls);
            for (unsigned ld = 1; ld < 8; ld++)
                ex[x][tl + ld] += ls[ld];
        }
        /* Leading runs of bit x after a byte ending with the other bit. */
        lead_sums(f->v[!x], x, ls);
        for (unsigned ld = 1; ld < 8; ld++)
            ex[x][ld] += ls[ld];
    }

    /* (mid[][] beyond the slots used last time is still 0) */
    for (unsigned bit = 0; bit < 2; bit++)
        memset(blk->mid[bit], 0, blk->mid_slots * sizeof(blk->mid[0][0]));
    blk->mid_max = 0;
    for (unsigned bit = 0; bit < 2; bit++)
        for (unsigned len = 1; len < 15; len++) {
            blk->mid[bit][len - 1] = ex[bit][len];
            if (ex[bit][len] && blk->mid_max < len)
                blk->mid_max = len;
        }

    /* First and last runs of a block starting / ending with a mixed byte. */
    blk->nruns = 2;
    blk->first_bit = p[0] >> 7;
    blk->first_len = f->lead[p[0]];
    blk->last_bit = p[NB - 1] & 1u;
    blk->last_len = f->trail[p[NB - 1]];

    /* Runs through uniform bytes: one per group of equal uniform bytes. */
    if (hs[0x00] | hs[0xff]) {
        uint64_t um[(NB + 63) / 64];
        uniform_mask(p, um);
        size_t s = next_set(um, 0);
        while (s < NB) {
            unsigned v = p[s], bit = v & 1u;
            size_t e = s + 1;
            while (e < NB && p[e] == v)
                e++;
            uint64_t len = 8 * (uint64_t)(e - s);
            if (s > 0 && !is_uniform(p[s - 1]) && (p[s - 1] & 1u) == bit)
                len += f->trail[p[s - 1]];
            if (e < NB && !is_uniform(p[e]) && (unsigned)(p[e] >> 7) == bit)
                len += f->lead[p[e]];
            if (s == 0 && e == NB) {
                blk->nruns = 1;
                blk->first_len = blk->last_len = len;
            } else if (s == 0) {
                blk->first_len = len;
            } else if (e == NB) {
                blk->last_len = len;
            } else {
                blk->mid[bit][len < BITRUNS_MAXRUN ? len - 1 : BITRUNS_MAXRUN - 1]++;
                if (blk->mid_max < len)
                    blk->mid_max = len;
            }
            s = next_set(um, e);
        }
    }

    blk->mid_slots = blk->mid_max < 14 ? 14 : blk->mid_max < BITRUNS_MAXRUN ? blk->mid_max : BITRUNS_MAXRUN;

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
    if (repetition(f, p))
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
    for (unsigned i = 0; i < FIPS_NTESTS; i++) {
        if (result & (1u << i)) {
            fips_failrate_fail(&f->fr[i]);
            fips_passruns_fail(&f->pr[i]);
        } else {
            fips_failrate_pass(&f->fr[i]);
            fips_passruns_pass(&f->pr[i]);
        }
    }
    return result == 0;
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
