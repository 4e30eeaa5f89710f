/* Unit tests for ent: identity with the per-sample reference (qa_ref) for
 * Ent8 and Ent16 (including upstream's recursive split of a buffer at a short
 * block end, and Ent16 blocks past 2^21 samples where the sums are doubles),
 * agreement with the `ent` program, IsOk bounds, gating, hysteresis and the
 * "no new results" rule, and the long-term normalisation. */
#include "unit.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ent.h"
#include "qa_check.h"

/* Feed buf in the given chunk sizes (cycled) to both, comparing each time;
 * IsOk is asked with alternating was_ok. */
static void feed_both(struct ent *e, struct ref_ent *r, const uint8_t *buf, size_t len,
                      const size_t *sizes, size_t nsizes)
{
    size_t off = 0, k = 0;
    bool ok = true;
    while (off < len) {
        size_t n = sizes[k++ % nsizes];
        if (n > len - off)
            n = len - off;
        ent_analyse(e, buf + off, n);
        ref_ent_analyse(r, buf + off, n);
        off += n;
        bool a = ent_is_ok(e, ok), b = ref_ent_is_ok(r, ok);
        assert_int_equal(a, b);
        ok = !ok;
        same_ent(e, r);
    }
}

static uint8_t *random_buf(uint64_t seed, size_t len)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    ref_random(&seed, b, len);
    return b;
}

static void test_api(void **state)
{
    (void)state;
    struct ent *e = NULL;
    assert_int_equal(ent_new(12, 0, &e), -EINVAL);
    assert_int_equal(ent_new(8, (uint64_t)UINT32_MAX + 1, &e), -EINVAL);
    assert_int_equal(ent_new(8, 0, &e), 0);
    assert_int_equal(ent_bits(e), 8);
    assert_int_equal(ent_nbins(e), 256);
    assert_int_equal(ent_short_len(e), 500000);
    assert_int_equal(ent_get_limits(e)->recovery_blocks, 10);
    assert_false(ent_have_results(e));
    assert_false(ent_is_ok(e, true));
    assert_false(ent_is_ok(e, false));
    /* Initial result sets (reported as JSON before any result too). */
    const struct ent_result *mn = ent_result(e, ENT_LONG, ENT_MIN);
    const struct ent_result *mx = ent_result(e, ENT_LONG, ENT_MAX);
    assert_true(mn->entropy == DBL_MAX && mn->corr == DBL_MAX);
    assert_true(mx->entropy == -DBL_MAX && mx->mean == 127.5 && mx->pi == M_PI && mx->corr == 0);
    assert_true(ent_pi_error(mn) == DBL_MAX);
    struct ent_result neg = { .pi = -DBL_MAX };
    assert_true(ent_pi_error(&neg) == -DBL_MAX);
    struct ent_result nan_pi = { .pi = NAN };
    assert_true(ent_pi_error(&nan_pi) == DBL_MAX);
    struct ent_result half = { .pi = M_PI * 1.01 };
    assert_true(fabs(ent_pi_error(&half) - 1.0) < 1e-12);
    struct ent_result c = { .chisq = 255.0 };
    assert_true(fabs(ent_chisq_p(e, &c) - 0.49) < 0.01);
    ent_free(e);
    ent_free(NULL);
    assert_int_equal(ent_new(16, 77, &e), 0);
    assert_int_equal(ent_nbins(e), 65536);
    assert_int_equal(ent_short_len(e), 77);
    assert_int_equal(ent_get_limits(e)->recovery_blocks, 3);
    assert_true(ent_result(e, ENT_SHORT, ENT_MAX)->mean == 32767.5);
    ent_free(e);
}

static void test_ent8_vs_ref(void **state)
{
    (void)state;
    static const size_t sizes_a[] = { 65536 };
    static const size_t sizes_b[] = { 1, 2, 3, 7, 6, 13, 2500, 100003, 499999, 500001, 12, 65536 };
    static const uint64_t lens[] = { 0, 10007, 600, 1 };
    size_t len = 3u << 20;
    uint8_t *buf = random_buf(11, len);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        for (int s = 0; s < 2; s++) {
            struct ent *e;
            struct ref_ent r;
            assert_int_equal(ent_new(8, lens[i], &e), 0);
            assert_int_equal(ref_ent_init(&r, 8, lens[i]), 0);
            size_t n = lens[i] == 1 ? 20000 : len;
            feed_both(e, &r, buf, n, s ? sizes_b : sizes_a, s ? 12 : 1);
            ent_flush(e);
            ref_ent_flush(&r);
            same_ent(e, &r);
            ent_free(e);
            ref_ent_destroy(&r);
        }
    free(buf);
}

static void test_ent16_vs_ref(void **state)
{
    (void)state;
    static const size_t sizes[] = { 65536, 13, 1, 2, 99999, 7, 4096 };
    /* 3M samples per block: past 2^21 the sums are per-sample doubles. */
    static const uint64_t lens[] = { 50000, 3000000, 1 };
    size_t len = 14u << 20;
    uint8_t *buf = random_buf(12, len);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct ent *e;
        struct ref_ent *r = malloc(sizeof(*r));
        assert_non_null(r);
        assert_int_equal(ent_new(16, lens[i], &e), 0);
        assert_int_equal(ref_ent_init(r, 16, lens[i]), 0);
        feed_both(e, r, buf, lens[i] == 1 ? 10000 : len, sizes, 7);
        ent_flush(e);
        ref_ent_flush(r);
        same_ent(e, r);
        ent_free(e);
        ref_ent_destroy(r);
        free(r);
    }
    free(buf);
}

/* A whole default Ent16 block (1e8 samples, where the autocorrelation sums
 * are rounded doubles) against the reference. */
static void test_ent16_full_block(void **state)
{
    (void)state;
    struct ent *e16;
    struct ref_ent *r = malloc(sizeof(*r));
    assert_non_null(r);
    assert_int_equal(ent_new(16, 0, &e16), 0);
    assert_int_equal(ref_ent_init(r, 16, 0), 0);
    static uint8_t chunk[65536];
    uint64_t seed = 18, left = 200000000 + 65536;
    while (left) {
        size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
        ref_random(&seed, chunk, n);
        ent_analyse(e16, chunk, n);
        ref_ent_analyse(r, chunk, n);
        left -= n;
    }
    assert_true(ent_have_results(e16));
    same_ent(e16, r);
    assert_int_equal(ent_is_ok(e16, true), ref_ent_is_ok(r, true));
    ent_free(e16);
    ref_ent_destroy(r);
    free(r);
}

/* Long stretches of one value: Ent16's 16-bit counters wrap (several times
 * per block, bins of higher values before lower ones too), in the
 * exact-integer and the per-sample double parts of a block.  (The health
 * monitor's engine: test_health.) */
static void test_ent16_wrap(void **state)
{
    (void)state;
    static const size_t sizes[] = { 65536, 13, 1, 2, 99999, 7, 4096 };
    size_t len = 14u << 20;
    uint8_t *buf = random_buf(21, len);
    memset(buf + (1u << 20), 0, 2u << 20);                /* 1M samples of 0 */
    for (size_t i = 5u << 20; i < (7u << 20); i += 2) {   /* 1M of 0x1234 */
        buf[i] = 0x34;
        buf[i + 1] = 0x12;
    }
    memset(buf + (9u << 20), 0xff, 300000);
    memset(buf + (10u << 20), 0x00, 300000); /* bin 0 wraps after bin 0xffff */
    struct ref_ent *r = malloc(sizeof(*r));
    assert_non_null(r);
    struct ent *e;
    assert_int_equal(ent_new(16, 3000000, &e), 0);
    assert_int_equal(ref_ent_init(r, 16, 3000000), 0);
    feed_both(e, r, buf, len, sizes, 7);
    ent_flush(e);
    ref_ent_flush(r);
    same_ent(e, r);
    assert_true(ent_bins(e, ENT_LONG)[0] > 1000000);
    ent_free(e);
    ref_ent_destroy(r);
    free(r);
    free(buf);
}

/* Upstream splits a buffer that overruns the short block by peeling off the
 * excess first, recursively; Monte Carlo groups never span the pieces. */
static void test_split_pieces(void **state)
{
    (void)state;
    uint8_t *buf = random_buf(13, 65536);
    struct ent *e;
    assert_int_equal(ent_new(8, 0, &e), 0);
    for (int i = 0; i < 8; i++)
        ent_analyse(e, buf, 65536);
    /* 7 x 65536 = 458752 samples, then 65536 more: pieces 24288, 7328,
     * 7328, 5 x 416, 192, 32 complete the block (6870 pi samples; a single
     * 41248-byte piece would give 6874).  10922 per earlier buffer. */
    assert_true(ent_have_results(e));
    assert_int_equal(ent_samples(e, ENT_SHORT), 500000);
    assert_int_equal(ent_pisamples(e, ENT_SHORT), 7 * 10922 + 6870);
    assert_int_equal(ent_pending_samples(e), 24288);
    ent_free(e);

    /* Ent16: an odd trailing byte counts for Monte Carlo only. */
    assert_int_equal(ent_new(16, 1000, &e), 0);
    ent_analyse(e, buf, 13);
    assert_int_equal(ent_pending_samples(e), 6);
    ent_flush(e);
    assert_int_equal(ent_pisamples(e, ENT_SHORT), 2);
    /* A group ending exactly at the end of the piece is not counted. */
    ent_analyse(e, buf, 12);
    ent_flush(e);
    assert_int_equal(ent_pisamples(e, ENT_SHORT), 1);
    assert_int_equal(ent_samples(e, ENT_LONG), 12);
    ent_free(e);

    /* A pathological split (1 sample of room left) against the reference. */
    static const size_t sizes[] = { 999, 5000, 1, 5000, 3, 4000 };
    struct ref_ent r;
    assert_int_equal(ent_new(8, 1000, &e), 0);
    assert_int_equal(ref_ent_init(&r, 8, 1000), 0);
    feed_both(e, &r, buf, 65536, sizes, 6);
    ent_free(e);
    ref_ent_destroy(&r);
    free(buf);
}

static void correlate(uint8_t *b, size_t n, unsigned bits);

/* ---- the ent program ---- */

static bool have_ent(void)
{
    return system("command -v ent >/dev/null 2>&1") == 0;
}

static char *run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[8192];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = 0;
    assert_int_equal(pclose(p), 0);
    return out;
}

/* ENT prints %f; accept a difference in the last printed digit only where
 * the values straddle a rounding boundary. */
static void same_printed(const char *ent_str, double ours, const char *what)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%f", ours);
    if (strcmp(buf, ent_str) && fabs(strtod(ent_str, NULL) - ours) > 5.0000001e-7)
        fail_msg("%s: ent %s, ours %s", what, ent_str, buf);
}

static void compare_with_ent(const uint8_t *buf, size_t len)
{
    char path[] = "/tmp/bb-test-ent-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len), (ssize_t)len);
    close(fd);

    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ent -t %s", path);
    char *out = run(cmd);
    char *line = strchr(out, '\n');
    assert_non_null(line);
    /* 1,bytes,entropy,chisq,mean,pi,corr */
    char *f[7];
    char *tok = strtok(line + 1, ",\n");
    for (int i = 0; i < 7; i++) {
        assert_non_null(tok);
        f[i] = tok;
        tok = strtok(NULL, ",\n");
    }
    assert_int_equal(strtoull(f[1], NULL, 10), len);

    struct ent *e;
    assert_int_equal(ent_new(8, len, &e), 0);
    ent_analyse(e, buf, len);
    assert_true(ent_have_results(e));
    const struct ent_result *r = ent_result(e, ENT_SHORT, ENT_CURRENT);
    char fs[7][64];
    for (int i = 0; i < 7; i++)
        snprintf(fs[i], sizeof(fs[i]), "%s", f[i]);
    same_printed(f[2], r->entropy, "entropy");
    same_printed(f[3], r->chisq, "chisq");
    same_printed(f[4], r->mean, "mean");
    same_printed(f[5], r->pi, "pi");
    same_printed(f[6], r->corr, "serial correlation");

    /* The long form: pi to 9 places, and the chi-square probability. */
    snprintf(cmd, sizeof(cmd), "ent %s", path);
    out = run(cmd);
    char want[64];
    const char *pi = strstr(out, "Pi is ");
    assert_non_null(pi);
    snprintf(want, sizeof(want), "Pi is %.9f ", r->pi);
    assert_memory_equal(pi, want, strlen(want));
    const char *pc = strstr(out, "would exceed this value ");
    assert_non_null(pc);
    pc += strlen("would exceed this value ");
    double p = ent_chisq_p(e, r);
    if (p * 100 >= 0.01 && p * 100 <= 99.99) {
        snprintf(want, sizeof(want), "%1.2f percent", p * 100);
        assert_memory_equal(pc, want, strlen(want));
    }
    print_message("ent agrees on %zu bytes: H %s chisq %s (p %.2f%%) mean %s pi %s corr %s\n",
                  len, fs[2], fs[3], p * 100, fs[4], fs[5], fs[6]);
    ent_free(e);
    unlink(path);
}

static void test_ent_program(void **state)
{
    (void)state;
    if (!have_ent())
        skip_because("the `ent` program is not installed (apt-get install ent)");
    /* ENT counts every complete 6-byte Monte Carlo group, upstream skips one
     * that ends exactly at the end of the data: lengths that are not a
     * multiple of 6 make them agree.  ENT wraps the serial correlation pair
     * as upstream does. */
    size_t len = 500000;
    uint8_t *buf = random_buf(14, len);
    compare_with_ent(buf, len);
    compare_with_ent(buf, 100003);
    /* Biased: about 60% ones. */
    uint64_t seed = 15;
    uint8_t *m = random_buf(16, len);
    ref_random(&seed, buf, len);
    for (size_t i = 0; i < len; i++)
        buf[i] |= m[i] & (uint8_t)(m[(i + 1) % len] >> 1);
    compare_with_ent(buf, len);
    /* Correlated. */
    ref_random(&seed, buf, len);
    correlate(buf, len, 8);
    compare_with_ent(buf, 499999);
    free(m);
    free(buf);
}

/* ---- IsOk ---- */

/* Lag-1 correlation without changing the bins or the Monte Carlo groups:
 * of each two 6-byte groups A B, put first the one whose last sample is
 * closer to the other's first sample. */
static void correlate(uint8_t *b, size_t n, unsigned bits)
{
    for (size_t i = 0; i + 12 <= n; i += 12) {
        uint8_t *a = b + i, *c = b + i + 6;
        long al, af, cl, cf;
        if (bits == 8) {
            al = a[5], af = a[0], cl = c[5], cf = c[0];
        } else {
            uint16_t w[4];
            memcpy(&w[0], a + 4, 2);
            memcpy(&w[1], a, 2);
            memcpy(&w[2], c + 4, 2);
            memcpy(&w[3], c, 2);
            al = w[0], af = w[1], cl = w[2], cf = w[3];
        }
        if (labs(cl - af) < labs(al - cf)) {
            uint8_t t[6];
            memcpy(t, a, 6);
            memcpy(a, c, 6);
            memcpy(c, t, 6);
        }
    }
}

enum kind { GOOD, CORR, MEAN, UNIFORM, STUCK, HEAVY };

/* One short block of data of a kind, fed in 64 KiB buffers. */
static void feed_block(struct ent *e, uint64_t *seed, enum kind k)
{
    static uint8_t chunk[65536];
    uint64_t left = ent_short_len(e) * (ent_bits(e) / 8);
    size_t pos = 0;
    while (left) {
        size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
        ref_random(seed, chunk, n);
        for (size_t i = 0; i < n; i++, pos++) {
            switch (k) {
            case MEAN: /* 10% of the bytes get their top bit set */
                if (chunk[i] < 26)
                    chunk[(i * 7) % n] |= 0x80;
                break;
            case UNIFORM: /* every value equally often */
                chunk[i] = (uint8_t)(pos * 167);
                break;
            case STUCK: chunk[i] = 0xff; break;
            case HEAVY: /* one value 4 times as frequent */
                if (chunk[i] < 3)
                    chunk[i] = 0;
                break;
            default: break;
            }
        }
        if (k == CORR)
            correlate(chunk, n, ent_bits(e));
        ent_analyse(e, chunk, n);
        left -= n;
    }
    assert_int_equal(ent_pending_samples(e), 0);
}

static void test_limits_table(void **state)
{
    (void)state;
    struct ent *e8, *e16;
    assert_int_equal(ent_new(8, 0, &e8), 0);
    assert_int_equal(ent_new(16, 0, &e16), 0);
    const struct ent_limits *a = ent_get_limits(e8), *b = ent_get_limits(e16);
    assert_int_equal(a->long_minsamples, 250000000);
    assert_true(a->short_entropy == 7.999 && a->long_entropy == 7.999999);
    assert_true(a->short_minentropy == 7.73 && a->long_minentropy == 7.99);
    assert_true(a->short_chisq_min == 147.374 && a->short_chisq_max == 400.965);
    assert_true(a->long_chisq_min == 161.643 && a->long_chisq_max == 377.053);
    assert_true(a->short_mean_min == 127.5 - 0.58 && a->long_mean_max == 127.5 + 0.019);
    assert_true(a->short_pi == 0.0097 * M_PI && a->long_pi == 0.0003 * M_PI);
    assert_true(a->short_corr == 0.0078 && a->long_corr == 0.00025);
    assert_int_equal(b->long_minsamples, 800000000);
    assert_true(b->short_entropy == 15.9995 && b->long_entropy == 15.9999);
    assert_true(b->short_minentropy == 15.708 && b->long_minentropy == 15.893);
    assert_true(b->short_chisq_min == 321.0 && b->short_chisq_max == 67459.181);
    assert_true(b->long_chisq_min == 63823.624 && b->long_chisq_max == 67265.364);
    assert_true(b->short_mean_max == 32767.5 + 7.69 && b->long_mean_min == 32767.5 - 1.87);
    assert_true(b->short_pi == 0.000395 * M_PI && b->long_pi == 0.000088 * M_PI);
    assert_true(b->short_corr == 0.00044 && b->long_corr == 0.00011);
    ent_free(e8);
    ent_free(e16);
}

/* Each short-term metric fails on data built to break it; long-term ones are
 * not counted below long_minsamples, except chi-square. */
static void test_bounds_ent8(void **state)
{
    (void)state;
    static const struct {
        enum kind k;
        size_t sf[6]; /* short failures: entropy chisq mean pi corr minentropy */
        size_t lchisq;
    } cases[] = {
        { GOOD, { 0, 0, 0, 0, 0, 0 }, 0 },
        { CORR, { 0, 0, 0, 0, 1, 0 }, 0 },
        { MEAN, { 1, 1, 1, 1, 0, 0 }, 1 },
        { UNIFORM, { 0, 1, 0, 1, 1, 0 }, 1 },
        { STUCK, { 1, 1, 1, 1, 1, 1 }, 1 }, /* corr: 0/0, reported as 1.0 */
        { HEAVY, { 1, 1, 0, 0, 0, 1 }, 1 },
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        struct ent *e;
        uint64_t seed = 100 + c;
        assert_int_equal(ent_new(8, 0, &e), 0);
        feed_block(e, &seed, cases[c].k);
        bool want = cases[c].k == GOOD;
        assert_int_equal(ent_is_ok(e, true), want);
        const struct ent_fail *sf = ent_fail(e, ENT_SHORT), *lf = ent_fail(e, ENT_LONG);
        const size_t got[6] = { sf->entropy, sf->chisq, sf->mean, sf->pi, sf->corr, sf->minentropy };
        for (int i = 0; i < 6; i++)
            if (got[i] != cases[c].sf[i])
                fail_msg("case %zu metric %d: %zu failures (%zu %zu %zu %zu %zu %zu)", c, i, got[i],
                         got[0], got[1], got[2], got[3], got[4], got[5]);
        assert_int_equal(sf->tested, 1);
        assert_int_equal(lf->tested, 1);
        assert_int_equal(lf->chisq, cases[c].lchisq);
        assert_int_equal(lf->entropy + lf->mean + lf->pi + lf->corr + lf->minentropy, 0);
        /* No new results: the verdict stands, nothing is counted. */
        assert_int_equal(ent_is_ok(e, true), want);
        assert_int_equal(ent_is_ok(e, false), want);
        assert_int_equal(ent_fail(e, ENT_SHORT)->tested, 1);
        ent_free(e);
    }
}

static void hysteresis(unsigned bits, uint64_t seed)
{
    struct ent *e;
    assert_int_equal(ent_new(bits, 0, &e), 0);
    unsigned rb = ent_get_limits(e)->recovery_blocks;
    bool ok = true;
    /* A failure: was_ok false from then on (as the health monitor does). */
    feed_block(e, &seed, CORR);
    ok = ent_is_ok(e, ok);
    assert_false(ok);
    assert_int_equal(ent_fail(e, ENT_SHORT)->corr, 1);
    assert_false(ent_is_ok(e, true)); /* no new results: still failed */
    /* Recovery needs recovery_blocks clean blocks after the failure. */
    for (unsigned i = 1; i <= rb; i++) {
        feed_block(e, &seed, GOOD);
        ok = ent_is_ok(e, ok);
        assert_int_equal(ok, i == rb);
        const struct ent_fail *sf = ent_fail(e, ENT_SHORT);
        assert_int_equal(sf->tested, 1 + i);
        assert_int_equal(sf->entropy + sf->chisq + sf->mean + sf->pi + sf->minentropy, 0);
        assert_int_equal(sf->corr, 1);
    }
    assert_true(ent_is_ok(e, false)); /* no new results: ok */
    /* was_ok true bypasses the hysteresis: a pass right after a failure. */
    feed_block(e, &seed, CORR);
    assert_false(ent_is_ok(e, true));
    feed_block(e, &seed, GOOD);
    assert_true(ent_is_ok(e, true));
    ent_free(e);
}

static void test_hysteresis_ent8(void **state)
{
    (void)state;
    hysteresis(8, 200);
}

/* Ent16 needs its real block length to pass (the bounds are set for 1e8
 * samples): 4 x 200 MB. */
static void test_hysteresis_ent16(void **state)
{
    (void)state;
    struct ent *e;
    uint64_t seed = 300;
    assert_int_equal(ent_new(16, 0, &e), 0);
    bool ok = true;
    feed_block(e, &seed, CORR);
    ok = ent_is_ok(e, ok);
    assert_false(ok);
    assert_int_equal(ent_fail(e, ENT_SHORT)->corr, 1);
    for (int i = 1; i <= 3; i++) {
        feed_block(e, &seed, GOOD);
        ok = ent_is_ok(e, ok);
        assert_int_equal(ok, i == 3);
    }
    const struct ent_fail *sf = ent_fail(e, ENT_SHORT), *lf = ent_fail(e, ENT_LONG);
    assert_int_equal(sf->tested, 4);
    assert_int_equal(sf->entropy + sf->chisq + sf->mean + sf->minentropy, 0);
    assert_int_equal(lf->chisq + lf->corr, 0);
    assert_int_equal(ent_samples(e, ENT_LONG), 400000000);
    ent_free(e);
}

/* Past long_minsamples (250M for Ent8) the long-term limits apply, and the
 * long Min/Max restart from the result that crossed it. */
static void test_long_gate_ent8(void **state)
{
    (void)state;
    struct ent *e;
    uint64_t seed = 400;
    assert_int_equal(ent_new(8, 0, &e), 0);
    size_t passes = 0;
    for (int i = 1; i <= 501; i++) {
        feed_block(e, &seed, GOOD);
        passes += ent_is_ok(e, true);
        const struct ent_result *mn = ent_result(e, ENT_LONG, ENT_MIN);
        const struct ent_result *mx = ent_result(e, ENT_LONG, ENT_MAX);
        const struct ent_result *cur = ent_result(e, ENT_LONG, ENT_CURRENT);
        bool reset = !memcmp(mn, cur, sizeof(*mn)) && !memcmp(mx, cur, sizeof(*mx));
        /* (after the first result all three sets are that result) */
        assert_int_equal(reset, i == 1 || i == 501);
    }
    assert_true(passes >= 498);
    assert_int_equal(ent_fail(e, ENT_LONG)->mean, 0);
    assert_int_equal(ent_samples(e, ENT_LONG), 250500000);
    feed_block(e, &seed, STUCK);
    assert_false(ent_is_ok(e, true));
    assert_int_equal(ent_fail(e, ENT_LONG)->mean, 1);
    assert_int_equal(ent_fail(e, ENT_LONG)->entropy, 1);
    ent_free(e);
}

static double bins_chisq(const uint32_t *bin, size_t n)
{
    double s = 0, tot = 0;
    for (size_t i = 0; i < n; i++)
        tot += (double)bin[i];
    for (size_t i = 0; i < n; i++)
        s += ((double)bin[i] - tot / (double)n) * ((double)bin[i] - tot / (double)n) / (tot / (double)n);
    return s;
}

static void test_normalise(void **state)
{
    (void)state;
    struct ent *e, *plain, *pi;
    uint64_t s1 = 500, s2 = 500, s3 = 500;
    assert_int_equal(ent_new(8, 100000, &e), 0);
    assert_int_equal(ent_new(8, 100000, &plain), 0);
    assert_int_equal(ent_new(8, 100000, &pi), 0);
    ent_set_normalise_limit(e, 250000);
    ent_set_normalise_limit(pi, 40000);
    for (int i = 0; i < 3; i++) {
        feed_block(e, &s1, GOOD);
        feed_block(plain, &s2, GOOD);
        feed_block(pi, &s3, GOOD);
    }
    /* 300000 > 250000: bins halved, each keeping its chi-square share. */
    uint64_t n = ent_samples(e, ENT_LONG);
    assert_true(n > 149000 && n < 151000);
    double c0 = bins_chisq(ent_bins(plain, ENT_LONG), 256);
    double c1 = bins_chisq(ent_bins(e, ENT_LONG), 256);
    assert_true(fabs(c1 - c0) < 0.02 * c0);
    assert_int_equal(ent_pisamples(e, ENT_LONG), ent_pisamples(plain, ENT_LONG));
    /* Pi counters are halved past the limit too. */
    assert_int_equal(ent_pisamples(pi, ENT_LONG), ent_pisamples(plain, ENT_LONG) / 2);
    assert_int_equal(ent_piin(pi, ENT_LONG), ent_piin(plain, ENT_LONG) / 2);
    /* Normalised long results stay sane. */
    feed_block(e, &s1, GOOD);
    const struct ent_result *r = ent_result(e, ENT_LONG, ENT_CURRENT);
    assert_true(fabs(r->corr) < 0.01 && fabs(r->mean - 127.5) < 1.0 && r->entropy > 7.99);
    ent_free(e);
    ent_free(plain);
    ent_free(pi);
}

/* 32-bit long-term bins: normalised before a bin passes the bin limit. */
static void test_bin_limit(void **state)
{
    (void)state;
    struct ent *e, *plain;
    uint64_t s1 = 700, s2 = 700;
    assert_int_equal(ent_new(8, 100000, &e), 0);
    assert_int_equal(ent_new(8, 100000, &plain), 0);
    ent_set_bin_limit(e, 1000); /* about 391 per bin per block */
    for (int i = 0; i < 2; i++) {
        feed_block(e, &s1, GOOD);
        feed_block(plain, &s2, GOOD);
    }
    /* 2 blocks fit: identical so far. */
    assert_memory_equal(ent_bins(e, ENT_LONG), ent_bins(plain, ENT_LONG), 256 * sizeof(uint32_t));
    assert_int_equal(ent_samples(e, ENT_LONG), ent_samples(plain, ENT_LONG));
    for (int i = 0; i < 6; i++) {
        feed_block(e, &s1, GOOD);
        feed_block(plain, &s2, GOOD);
        const uint32_t *b = ent_bins(e, ENT_LONG);
        uint64_t sum = 0;
        for (size_t v = 0; v < 256; v++) {
            assert_true(b[v] <= 1000);
            sum += b[v];
        }
        assert_int_equal(sum, ent_samples(e, ENT_LONG));
    }
    assert_true(ent_samples(e, ENT_LONG) < ent_samples(plain, ENT_LONG));
    double c0 = bins_chisq(ent_bins(plain, ENT_LONG), 256);
    double c1 = bins_chisq(ent_bins(e, ENT_LONG), 256);
    assert_true(c1 < 4.0 * c0 + 100.0);
    /* The short block is unaffected. */
    assert_memory_equal(ent_bins(e, ENT_SHORT), ent_bins(plain, ENT_SHORT), 256 * sizeof(uint32_t));
    /* A block of one value: rescaling cannot make room, the bin saturates. */
    uint8_t *z = calloc(1, 100000);
    assert_non_null(z);
    for (int i = 0; i < 3; i++)
        ent_analyse(e, z, 100000);
    assert_int_equal(ent_bins(e, ENT_LONG)[0], 1000);
    free(z);
    ent_free(e);
    ent_free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_bin_limit),
        BASELINE_TOO(test_ent8_vs_ref),
        BASELINE_TOO(test_ent16_vs_ref),
        cmocka_unit_test(test_ent16_full_block),
        BASELINE_TOO(test_ent16_wrap),
        BASELINE_TOO(test_split_pieces),
        cmocka_unit_test(test_ent_program),
        cmocka_unit_test(test_limits_table),
        cmocka_unit_test(test_bounds_ent8),
        cmocka_unit_test(test_hysteresis_ent8),
        cmocka_unit_test(test_hysteresis_ent16),
        cmocka_unit_test(test_long_gate_ent8),
        cmocka_unit_test(test_normalise),
    };
    return unit_run(tests);
}
