/* Unit tests for fips: known answers at every FIPS 140-2 bound, the
 * repetition and adaptive proportion tests on crafted streams, the
 * FailRate/PassRuns fixed-point arithmetic, the IsOk hysteresis, and
 * identity with the bit-by-bit reference (qa_ref) on random, biased, stuck
 * and crafted data. */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fips.h"
#include "qa_check.h"

#define NB FIPS_BLOCK_SIZE
#define BIT(t) (1u << (t))

/* ---- helpers ---- */

/* Analyse one block with both and compare everything. */
static unsigned both(struct fips *f, struct ref_fips *r, const uint8_t *blk)
{
    bool ok = fips_analyse(f, blk);
    bool ref_ok = ref_fips_analyse(r, blk);
    const struct fips_block_info *in = fips_last_block(f);
    assert_int_equal(ok, ref_ok);
    assert_int_equal(in->result == 0, ok);
    same_fips_block(f, r);
    same_fips_stats(f, r);
    assert_int_equal(fips_is_ok(f, true), ref_fips_is_ok(r, true));
    assert_int_equal(fips_is_ok(f, false), ref_fips_is_ok(r, false));
    return in->result;
}

/* Check one block on a fresh tester (and the reference). */
static unsigned check_fresh(const uint8_t *blk)
{
    struct fips *f;
    struct ref_fips r;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    unsigned res = both(f, &r, blk);
    fips_free(f);
    return res;
}

static unsigned getbit(const uint8_t *b, size_t i)
{
    return (b[i / 8] >> (7 - i % 8)) & 1;
}

static void setbit(uint8_t *b, size_t i, unsigned v)
{
    if (v)
        b[i / 8] |= (uint8_t)(0x80u >> (i % 8));
    else
        b[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
}

static uint64_t rnd(uint64_t *s)
{
    uint8_t b[8];
    uint64_t v;
    ref_random(s, b, 8);
    memcpy(&v, b, 8);
    return v;
}

/* A random block that passes monobit, poker, runs and long run. */
static void good_block(uint64_t *seed, uint8_t *blk)
{
    for (;;) {
        ref_random(seed, blk, NB);
        struct fips *f;
        assert_int_equal(fips_new(&f), 0);
        unsigned res = fips_check(f, blk);
        fips_free(f);
        if (!(res & 0xf) && memcmp(blk, "\x5e\xed\x1e\x57", 4))
            return;
    }
}

/* ---- FIPS bounds ---- */

static void test_monobit_bounds(void **state)
{
    (void)state;
    static const struct { unsigned ones; bool fail; } cases[] = {
        { 9725, true }, { 9726, false }, { 10274, false }, { 10275, true },
        { 0, true }, { 20000, true },
    };
    uint64_t seed = 1;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        uint8_t blk[NB];
        good_block(&seed, blk);
        unsigned ones = 0;
        for (size_t i = 0; i < 8 * NB; i++)
            ones += getbit(blk, i);
        while (ones != cases[c].ones) {
            size_t i = rnd(&seed) % (8 * NB);
            unsigned want = ones < cases[c].ones;
            if (getbit(blk, i) != want) {
                setbit(blk, i, want);
                ones += want ? 1 : -1u;
            }
        }
        unsigned res = check_fresh(blk);
        assert_int_equal(!!(res & BIT(FIPS_MONOBIT)), cases[c].fail);
    }
}

/* Nibble frequencies (summing to 5000) whose squares sum to target. */
static bool poker_freq(uint64_t target, unsigned f[16])
{
    for (long c = 250; c < 380; c++)
        for (long k = -150; k <= 150; k++) {
            long r = 5000 - 14 * c - k;
            long long t = (long long)target - 13LL * c * c - (long long)(c + k) * (c + k);
            long long d2 = 2 * t - (long long)r * r;
            if (r < 0 || d2 < 0)
                continue;
            long long d = (long long)sqrt((double)d2);
            while (d * d > d2)
                d--;
            while ((d + 1) * (d + 1) <= d2)
                d++;
            if (d * d != d2 || ((r + d) & 1) || r - d < 0)
                continue;
            for (int i = 0; i < 13; i++)
                f[i] = (unsigned)c;
            f[13] = (unsigned)(c + k);
            f[14] = (unsigned)((r + d) / 2);
            f[15] = (unsigned)((r - d) / 2);
            return true;
        }
    return false;
}

static void test_poker_bounds(void **state)
{
    (void)state;
    /* S = sum f_i^2 with sum f_i = 5000 is always even (f^2 = f mod 2), so
     * the odd bounds 1563175 and 1576929 cannot occur: the nearest reachable
     * sums on each side are tested. Pass iff 1563175 < S <= 1576928. */
    static const struct { uint64_t s; bool fail; } cases[] = {
        { 1563174, true }, { 1563176, false }, { 1576928, false }, { 1576930, true },
    };
    uint64_t seed = 2;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        unsigned f[16], nib[5000], n = 0;
        assert_true(poker_freq(cases[c].s, f));
        for (unsigned v = 0; v < 16; v++)
            for (unsigned j = 0; j < f[v]; j++)
                nib[n++] = v;
        assert_int_equal(n, 5000);
        for (unsigned i = n - 1; i > 0; i--) {
            unsigned j = (unsigned)(rnd(&seed) % (i + 1)), t = nib[i];
            nib[i] = nib[j];
            nib[j] = t;
        }
        uint8_t blk[NB];
        for (unsigned i = 0; i < NB; i++)
            blk[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
        struct fips *fp;
        assert_int_equal(fips_new(&fp), 0);
        unsigned res = fips_check(fp, blk);
        assert_int_equal(fips_last_block(fp)->poker, cases[c].s);
        assert_int_equal(!!(res & BIT(FIPS_POKER)), cases[c].fail);
        fips_free(fp);
        check_fresh(blk);
    }
    assert_false(poker_freq(1563175, (unsigned[16]){ 0 }));
}

/* Build a block with exactly n[bit][class] runs (classes: lengths 1..5, 6+);
 * both bits need the same number of runs.  The 6+ runs get lengths 6..25
 * chosen so that the block is exactly 20000 bits. */
static void runs_block(uint64_t *seed, unsigned n[2][6], uint8_t *blk)
{
    unsigned fixed = 0, nlong = 0;
    for (int b = 0; b < 2; b++) {
        for (int k = 0; k < 5; k++)
            fixed += n[b][k] * (unsigned)(k + 1);
        nlong += n[b][5];
    }
    unsigned extra = 8 * NB - fixed;
    assert_true(extra >= 6 * nlong && extra <= 25 * nlong);
    unsigned *lens[2];
    unsigned cnt[2] = { 0, 0 };
    for (int b = 0; b < 2; b++) {
        lens[b] = malloc(sizeof(unsigned) * 6000);
        assert_non_null(lens[b]);
        for (int k = 0; k < 6; k++)
            for (unsigned j = 0; j < n[b][k]; j++)
                lens[b][cnt[b]++] = (unsigned)k + 1;
    }
    assert_int_equal(cnt[0], cnt[1]);
    /* Spread the 6+ lengths: all 6, then +1 round robin. */
    extra -= 6 * nlong;
    for (int b = 0; b < 2; b++)
        for (unsigned i = 0; i < cnt[b]; i++)
            if (lens[b][i] == 6) {
                unsigned add = extra > 19 ? 19 : extra;
                add = add > 1 + extra / nlong ? 1 + extra / nlong : add;
                lens[b][i] += add;
                extra -= add;
            }
    for (int b = 0; b < 2 && extra; b++)
        for (unsigned i = 0; i < cnt[b] && extra; i++)
            while (lens[b][i] >= 6 && lens[b][i] < 25 && extra) {
                lens[b][i]++;
                extra--;
            }
    assert_int_equal(extra, 0);
    for (int b = 0; b < 2; b++)
        for (unsigned i = cnt[b] - 1; i > 0; i--) {
            unsigned j = (unsigned)(rnd(seed) % (i + 1)), t = lens[b][i];
            lens[b][i] = lens[b][j];
            lens[b][j] = t;
        }
    size_t pos = 0;
    for (unsigned i = 0; i < cnt[0]; i++)
        for (int b = 0; b < 2; b++)
            for (unsigned j = 0; j < lens[b][i]; j++)
                setbit(blk, pos++, (unsigned)b);
    assert_int_equal(pos, 8 * NB);
    free(lens[0]);
    free(lens[1]);
}

static void test_runs_bounds(void **state)
{
    (void)state;
    static const unsigned lo[6] = { 2315, 1114, 527, 240, 103, 103 };
    static const unsigned hi[6] = { 2685, 1386, 723, 384, 209, 209 };
    static const unsigned base[6] = { 2500, 1250, 625, 312, 156, 157 };
    /* Classes that absorb the change in run count, in order. */
    static const int comp[6][2] = { { 1, 2 }, { 0, -1 }, { 1, -1 }, { 2, -1 }, { 3, -1 }, { 3, -1 } };
    uint64_t seed = 3;
    for (unsigned bit = 0; bit < 2; bit++)
        for (unsigned k = 0; k < 6; k++) {
            const unsigned vals[4] = { lo[k] - 1, lo[k], hi[k], hi[k] + 1 };
            for (int v = 0; v < 4; v++) {
                unsigned n[2][6];
                for (int b = 0; b < 2; b++)
                    memcpy(n[b], base, sizeof(base));
                int delta = (int)vals[v] - (int)base[k];
                n[bit][k] = vals[v];
                for (int c = 0; c < 2 && comp[k][c] >= 0 && delta; c++) {
                    int j = comp[k][c];
                    int room = delta < 0 ? (int)(hi[j] - 5 - n[bit][j]) : (int)(n[bit][j] - lo[j] - 5);
                    int m = abs(delta) < room ? abs(delta) : room;
                    n[bit][j] = (unsigned)((int)n[bit][j] + (delta < 0 ? m : -m));
                    delta += delta < 0 ? m : -m;
                }
                assert_int_equal(delta, 0);
                uint8_t blk[NB];
                runs_block(&seed, n, blk);
                struct fips *f;
                assert_int_equal(fips_new(&f), 0);
                unsigned res = fips_check(f, blk);
                assert_memory_equal(fips_last_block(f)->runs, n, sizeof(n));
                assert_int_equal(!!(res & BIT(FIPS_RUNS)), v == 0 || v == 3);
                assert_false(res & BIT(FIPS_LONG_RUN));
                fips_free(f);
                check_fresh(blk);
            }
        }
}

static void test_long_run(void **state)
{
    (void)state;
    uint64_t seed = 4;
    for (unsigned bit = 0; bit < 2; bit++)
        for (unsigned len = 24; len <= 27; len++)
            for (int where = 0; where < 3; where++) {
                uint8_t blk[NB];
                good_block(&seed, blk);
                size_t start = where == 0 ? 0 : where == 1 ? 9999 : 8 * NB - len;
                for (size_t i = 0; i < len; i++)
                    setbit(blk, start + i, bit);
                if (start > 0)
                    setbit(blk, start - 1, !bit);
                if (start + len < 8 * NB)
                    setbit(blk, start + len, !bit);
                unsigned res = check_fresh(blk);
                assert_int_equal(!!(res & BIT(FIPS_LONG_RUN)), len >= 26);
            }
    /* 13 + 13 across a block boundary: split for FIPS, merged in BitRuns. */
    struct fips *f;
    struct ref_fips r;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    uint8_t a[NB], b[NB];
    good_block(&seed, a);
    good_block(&seed, b);
    for (size_t i = 0; i < 13; i++) {
        setbit(a, 8 * NB - 1 - i, 1);
        setbit(b, i, 1);
    }
    setbit(a, 8 * NB - 14, 0);
    setbit(b, 13, 0);
    assert_false(both(f, &r, a) & BIT(FIPS_LONG_RUN));
    assert_false(both(f, &r, b) & BIT(FIPS_LONG_RUN));
    assert_int_equal(fips_last_block(f)->longest < 26, true);
    assert_int_equal(bitruns_max(fips_bitruns(f)), 26);
    fips_free(f);
}

/* ---- repetition and proportion ---- */

static void test_repetition(void **state)
{
    (void)state;
    uint64_t seed = 5;
    uint8_t blk[NB], blk2[NB];
    /* The initial previous word is 0x5EED1E57. */
    good_block(&seed, blk);
    memcpy(blk, "\x5e\xed\x1e\x57", 4);
    assert_true(check_fresh(blk) & BIT(FIPS_REPETITION));
    /* Two equal consecutive words inside a block. */
    good_block(&seed, blk);
    memcpy(blk + 404, blk + 400, 4);
    assert_true(check_fresh(blk) & BIT(FIPS_REPETITION));
    good_block(&seed, blk);
    memcpy(blk + NB - 4, blk + NB - 8, 4);
    assert_true(check_fresh(blk) & BIT(FIPS_REPETITION));
    /* Equal 4-byte groups that are not word aligned do not count. */
    good_block(&seed, blk);
    memcpy(blk + 406, blk + 402, 4);
    assert_false(check_fresh(blk) & BIT(FIPS_REPETITION));
    /* Across a block boundary; and only then. */
    struct fips *f;
    struct ref_fips r;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    good_block(&seed, blk);
    good_block(&seed, blk2);
    memcpy(blk2, blk + NB - 4, 4);
    assert_false(both(f, &r, blk) & BIT(FIPS_REPETITION));
    assert_true(both(f, &r, blk2) & BIT(FIPS_REPETITION));
    good_block(&seed, blk);
    assert_false(both(f, &r, blk) & BIT(FIPS_REPETITION));
    fips_free(f);
}

/* Stream of nblk blocks: random bytes without 0xAB except at plant[]. */
static void prop_stream(uint64_t *seed, uint8_t *s, size_t len, const size_t *plant, size_t n)
{
    ref_random(seed, s, len);
    for (size_t i = 0; i < len; i++)
        if (s[i] == 0xAB)
            s[i] ^= (uint8_t)(1 + i % 200);
    for (size_t i = 0; i < n; i++)
        s[plant[i]] = 0xAB;
}

/* Feed the stream; return the bitmask of blocks that failed proportion. */
static uint64_t prop_run(const uint8_t *s, size_t nblk)
{
    struct fips *f;
    struct ref_fips r;
    uint64_t failed = 0;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    for (size_t b = 0; b < nblk; b++)
        if (both(f, &r, s + b * NB) & BIT(FIPS_PROPORTION))
            failed |= (uint64_t)1 << b;
    fips_free(f);
    return failed;
}

static void test_proportion(void **state)
{
    (void)state;
    const size_t nblk = 60, len = nblk * NB;
    uint8_t *s = malloc(len);
    size_t plant[800];
    assert_non_null(s);
    uint64_t seed = 6;

    /* The first byte starts the window (n starts at 65535): 0xAB at 0 and
     * 358 more inside [1, 65535] pass; a 359th inside the window fails. */
    plant[0] = 0;
    for (size_t i = 1; i <= 358; i++)
        plant[i] = i * 180;
    prop_stream(&seed, s, len, plant, 359);
    assert_int_equal(prop_run(s, nblk), 0);
    plant[359] = 65535;
    prop_stream(&seed, s, len, plant, 360);
    assert_int_equal(prop_run(s, nblk), (uint64_t)1 << (65535 / NB));
    /* Byte 65536 restarts the window, but is first compared with the old
     * value: as the 359th it still fails. */
    plant[359] = 65536;
    prop_stream(&seed, s, len, plant, 360);
    assert_int_equal(prop_run(s, nblk), (uint64_t)1 << (65536 / NB));
    /* Byte 65537 is in the new window, whose value is byte 65536. */
    plant[359] = 65537;
    prop_stream(&seed, s, len, plant, 360);
    assert_int_equal(prop_run(s, nblk), 0);
    /* 0xAB at 65536 as the 358th of the first window: no failure, and the new
     * window counts 0xAB from 0 again: 358 more pass, a 359th fails. */
    plant[358] = 65536;
    for (size_t i = 0; i < 359; i++)
        plant[359 + i] = 65536 + 100 + i * 170;
    prop_stream(&seed, s, len, plant, 359 + 358);
    assert_int_equal(prop_run(s, nblk), 0);
    prop_stream(&seed, s, len, plant, 359 + 359);
    assert_int_equal(prop_run(s, nblk), (uint64_t)1 << ((65536 + 100 + 358 * 170) / NB));
    /* A failure starts a new window at the failing byte, counting from 0. */
    size_t np = 0;
    plant[np++] = 0;
    for (size_t i = 1; i <= 359 + 359; i++)
        plant[np++] = i * 40;
    prop_stream(&seed, s, len, plant, np);
    uint64_t want = (uint64_t)1 << (359 * 40 / NB) | (uint64_t)1 << (718 * 40 / NB);
    assert_int_equal(prop_run(s, nblk), want);
    free(s);
}

/* ---- FailRate / PassRuns ---- */

static void test_failrate_arith(void **state)
{
    (void)state;
    struct fips_failrate fr = { 0 };
    fips_failrate_fail(&fr); /* (0 * 999 + 2^20) / 1000 */
    assert_int_equal(fr.rate, 1048);
    assert_int_equal(fr.peak, 1048);
    fips_failrate_fail(&fr); /* (1048 * 999 + 1048576) / 1000 = 2095.528 */
    assert_int_equal(fr.rate, 2095);
    fips_failrate_pass(&fr); /* 2095 * 999 / 1000 = 2092.905 */
    assert_int_equal(fr.rate, 2092);
    assert_int_equal(fr.peak, 2095);
    assert_int_equal(fr.pass, 1);
    assert_int_equal(fr.fail, 2);
    assert_true(fips_failrate_short(&fr) == 2092.0 / 1048576.0);
    assert_true(fips_failrate_long(&fr) == 2.0 / 3.0);
    assert_true(fips_failrate_peak(&fr) == 2095.0 / 1048576.0);
    /* Always failing converges on 2^20 (never exceeds it). */
    for (int i = 0; i < 20000; i++)
        fips_failrate_fail(&fr);
    /* rate' = rate + (2^20 - rate) / 1000: stops 1000 short of 2^20. */
    assert_int_equal(fr.rate, 1047577);
    /* Halving when pass + fail passes SIZE_MAX / 2. */
    struct fips_failrate h = { .pass = SIZE_MAX / 2 - 1, .fail = 1 };
    fips_failrate_pass(&h); /* SIZE_MAX / 2 + 1 > SIZE_MAX / 2 */
    assert_int_equal(h.pass, (SIZE_MAX / 2) / 2);
    assert_int_equal(h.fail, 0);
    h = (struct fips_failrate){ .pass = SIZE_MAX / 2 - 1, .fail = 1 };
    fips_failrate_fail(&h);
    assert_int_equal(h.fail, 1);
    struct fips_failrate z = { 0 };
    assert_true(fips_failrate_long(&z) == 0.0);
}

static void test_passruns_arith(void **state)
{
    (void)state;
    struct fips_passruns pr = { 0 };
    for (int i = 0; i < 5; i++)
        fips_passruns_pass(&pr);
    assert_int_equal(pr.count, 5);
    fips_passruns_fail(&pr); /* avg = (0 * 9 + (5 << 14)) / 10 = 8192 */
    assert_int_equal(pr.runs, 1);
    assert_int_equal(pr.avg, 8192);
    assert_int_equal(pr.long_sum, 5);
    assert_int_equal(pr.peak, 5);
    assert_int_equal(pr.previous, 5);
    assert_int_equal(pr.count, 0);
    assert_int_equal(fips_passruns_short(&pr), 0);
    assert_int_equal(fips_passruns_long(&pr), 5);
    for (int i = 0; i < 30; i++)
        fips_passruns_pass(&pr);
    fips_passruns_fail(&pr); /* (8192 * 9 + (30 << 14)) / 10 = 56524.8 */
    assert_int_equal(pr.avg, 56524);
    assert_int_equal(fips_passruns_short(&pr), 3);
    assert_int_equal(fips_passruns_long(&pr), 17);
    assert_int_equal(pr.peak, 30);
    fips_passruns_fail(&pr); /* an immediate failure: a run of 0 */
    assert_int_equal(pr.previous, 0);
    assert_int_equal(pr.peak, 30);
    assert_int_equal(pr.runs, 3);
    assert_int_equal(fips_passruns_long(&pr), 11);
    struct fips_passruns h = { .count = 2, .runs = SIZE_MAX / 2, .long_sum = 10 };
    fips_passruns_fail(&h);
    assert_int_equal(h.runs, (SIZE_MAX / 2 + 1) / 2);
    assert_int_equal(h.long_sum, 6);
    struct fips_passruns z = { 0 };
    assert_int_equal(fips_passruns_long(&z), 0);
    assert_string_equal(fips_test_name(FIPS_LONG_RUN), "Long run");
    assert_string_equal(fips_test_name(FIPS_RESULT), "Result");
    assert_null(fips_test_name(FIPS_NTESTS));
    assert_int_equal(fips_maxfail[FIPS_RESULT] / 2, 3670);
}

/* ---- IsOk ---- */

#define POOL 64
struct pool {
    uint8_t blk[POOL][NB];
    uint8_t bad[NB]; /* fails monobit only */
    size_t next;
};

static struct pool *make_pool(uint64_t seed)
{
    struct pool *p = malloc(sizeof(*p));
    assert_non_null(p);
    for (int i = 0; i < POOL; i++)
        good_block(&seed, p->blk[i]);
    for (;;) {
        memcpy(p->bad, p->blk[0], NB);
        unsigned ones = 0;
        for (size_t i = 0; i < 8 * NB; i++)
            ones += getbit(p->bad, i);
        while (ones > 9700) {
            size_t i = rnd(&seed) % (8 * NB);
            if (getbit(p->bad, i)) {
                setbit(p->bad, i, 0);
                ones--;
            }
        }
        struct fips *f;
        assert_int_equal(fips_new(&f), 0);
        unsigned res = fips_check(f, p->bad);
        fips_free(f);
        if (res == (BIT(FIPS_MONOBIT) | BIT(FIPS_RESULT)))
            break;
    }
    p->next = 0;
    return p;
}

static const uint8_t *good(struct pool *p)
{
    return p->blk[p->next++ % POOL];
}

static void test_bringup_and_recovery(void **state)
{
    (void)state;
    struct pool *p = make_pool(7);
    struct fips *f;
    struct ref_fips r;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    bool ok = false;
    /* Bring-up: 20 clean blocks. */
    for (int i = 1; i <= 20; i++) {
        assert_int_equal(both(f, &r, good(p)), 0);
        ok = fips_is_ok(f, ok);
        assert_int_equal(ok, i >= 20);
    }
    /* Monobit failures: rate 1048, 2095, 3141, 4186 <= 4194, then 5230. */
    for (int i = 1; i <= 5; i++) {
        both(f, &r, p->bad);
        ok = fips_is_ok(f, ok);
        assert_int_equal(ok, i < 5);
    }
    assert_int_equal(fips_get_failrate(f, FIPS_MONOBIT)->rate, 5230);
    /* Recovery: Result run >= 20, every rate <= maxfail / 2 (the monobit one
     * at 2097 is the last to get there), and previous runs small. */
    size_t rate = 5230, want = 0;
    while (rate > 2097) {
        rate = rate * 999 / 1000;
        want++;
    }
    assert_true(want > 20);
    for (size_t i = 1; i <= want; i++) {
        both(f, &r, good(p));
        ok = fips_is_ok(f, ok);
        assert_int_equal(ok, i == want);
    }
    assert_int_equal(fips_get_failrate(f, FIPS_MONOBIT)->rate, rate);
    fips_free(f);
    free(p);
}

static void test_too_good(void **state)
{
    (void)state;
    struct pool *p = make_pool(8);
    for (int variant = 0; variant < 3; variant++) {
        struct fips *f;
        assert_int_equal(fips_new(&f), 0);
        bool ok = false;
        /* variants 1 and 2: one failure after a clean run of 8751 / 8750
         * blocks, so that the previous Result pass run is above / at
         * maxpass / 2 (8750). */
        size_t before = variant == 0 ? 0 : variant == 1 ? 8751 : 8750;
        for (size_t i = 0; i < before; i++)
            fips_analyse(f, good(p));
        if (before)
            fips_analyse(f, p->bad);
        ok = fips_is_ok(f, ok);
        assert_false(ok);
        /* Bring-up after 20 clean blocks, unless the previous run was too
         * long: then never (until another failure). */
        for (size_t i = 1; i <= 17500; i++) {
            fips_analyse(f, good(p));
            ok = fips_is_ok(f, ok);
            assert_int_equal(ok, variant != 1 && i >= 20);
        }
        assert_int_equal(fips_get_passruns(f, FIPS_RESULT)->count, 17500);
        if (variant != 1) {
            /* Pass run 17501 > 17500 while ok: "too good", not ok. */
            fips_analyse(f, good(p));
            ok = fips_is_ok(f, ok);
            assert_false(ok);
            /* Recovery looks at the previous run only, which is short: it is
             * immediate, so the verdict alternates from then on. */
            for (int i = 0; i < 6; i++) {
                fips_analyse(f, good(p));
                ok = fips_is_ok(f, ok);
                assert_int_equal(ok, i % 2 == 0);
            }
        }
        fips_free(f);
    }
    free(p);
}

/* ---- identity with the reference ---- */

static void test_vs_reference(void **state)
{
    (void)state;
    struct fips *f;
    struct ref_fips r;
    assert_int_equal(fips_new(&f), 0);
    ref_fips_init(&r);
    uint64_t seed = 9;
    uint8_t blk[NB];
    for (int kind = 0; kind < 24; kind++)
        for (int rep = 0; rep < 12; rep++) {
            ref_random(&seed, blk, NB);
            switch (kind) {
            case 1: /* biased 1s, p ~ 0.53 */
                for (size_t i = 0; i < NB; i += 2)
                    blk[i] |= (uint8_t)(1u << (rnd(&seed) & 7));
                break;
            case 2: memset(blk, 0, NB); break;
            case 3: memset(blk, 0xff, NB); break;
            case 4: memset(blk, rep & 1 ? 0x55 : 0xaa, NB); break;
            case 5: /* uniform bytes at the edges */
                memset(blk, rep & 1 ? 0 : 0xff, 1 + (size_t)rep);
                memset(blk + NB - 1 - rep, rep & 2 ? 0 : 0xff, 1 + (size_t)rep);
                break;
            case 6: /* many uniform bytes, mixed */
                for (size_t i = 0; i < NB; i++)
                    if (rnd(&seed) % 3 == 0)
                        blk[i] = rnd(&seed) & 1 ? 0xff : 0x00;
                break;
            case 7: /* long runs everywhere */
                for (size_t i = 0; i < NB; i++)
                    blk[i] = (i / (1 + (size_t)rep)) & 1 ? 0xff : 0x00;
                break;
            case 8: /* bytes with long leading/trailing runs */
                for (size_t i = 0; i < NB; i++)
                    blk[i] = (uint8_t)(rnd(&seed) & 1 ? 0x80 >> (rnd(&seed) & 7) : 0x01);
                break;
            case 9: /* repeated words */
                for (size_t i = 4; i < NB; i += 8)
                    memcpy(blk + i, blk + i - 4, 4);
                break;
            case 10: memset(blk, 0x3c, NB / 2); break;
            case 11: blk[0] = 0xff; blk[NB - 1] = 0x00; break;
            case 12: memset(blk, 0x00, NB - 1); break;
            case 13: memset(blk + 1, 0xff, NB - 1); break;
            default: break; /* random */
            }
            unsigned res = both(f, &r, blk);
            const unsigned stuck = BIT(FIPS_MONOBIT) | BIT(FIPS_POKER) | BIT(FIPS_RUNS) |
                                   BIT(FIPS_LONG_RUN) | BIT(FIPS_REPETITION) | BIT(FIPS_RESULT);
            if (kind == 2 || kind == 3)
                assert_int_equal(res & stuck, stuck);
        }
    bitruns_flush((struct bitruns *)fips_bitruns(f));
    ref_bitruns_flush(&r.br);
    same_bitruns(fips_bitruns(f), &r.br);
    fips_free(f);
    fips_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BASELINE_TOO(test_monobit_bounds),
        cmocka_unit_test(test_poker_bounds),
        BASELINE_TOO(test_runs_bounds),
        BASELINE_TOO(test_long_run),
        BASELINE_TOO(test_repetition),
        BASELINE_TOO(test_proportion),
        cmocka_unit_test(test_failrate_arith),
        cmocka_unit_test(test_passruns_arith),
        cmocka_unit_test(test_bringup_and_recovery),
        cmocka_unit_test(test_too_good),
        BASELINE_TOO(test_vs_reference),
    };
    return unit_run(tests);
}
