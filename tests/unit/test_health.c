/* Unit tests for health (the HealthMonitor): FIPS bring-up after 20 blocks
 * with the 2500-byte carry, the Ent8 start flag, whole-buffer verdicts on the
 * state after processing, streams that must never pass, and identity of
 * every reported statistic with the reference monitor (qa_ref) after every
 * call: buffers of any size and parity, short blocks ending anywhere
 * relative to FIPS blocks and buffers, long runs, Ent16 counters wrapping,
 * and a whole default Ent16 block. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "qa_check.h"

static void test_api(void **state)
{
    (void)state;
    struct health *h = NULL;
    assert_int_equal(health_new(NULL, true, &h), -EINVAL);
    char id[] = "/dev/urandom";
    assert_int_equal(health_new(id, false, &h), 0);
    id[0] = 'x'; /* copied */
    assert_string_equal(health_id(h), "/dev/urandom");
    assert_false(health_fips_ok(h));
    assert_false(health_ent8_ok(h));
    assert_true(health_ent16_ok(h));
    assert_int_equal(health_bytes_analysed(h), 0);
    assert_int_equal(health_bytes_passed(h), 0);
    assert_int_equal(health_fips_carry(h), 0);
    assert_int_equal(ent_bits(health_ent8(h)), 8);
    assert_int_equal(ent_short_len(health_ent8(h)), 500000);
    assert_int_equal(ent_bits(health_ent16(h)), 16);
    assert_int_equal(ent_short_len(health_ent16(h)), 100000000);
    assert_ptr_equal(health_bitruns(h), fips_bitruns(health_fips(h)));
    assert_false(health_check(h, (const uint8_t *)"", 0));
    health_free(h);
    health_free(NULL);
    assert_int_equal(health_new_ex("x", true, 1000, (uint64_t)1 << 40, &h), -EINVAL);
    assert_int_equal(health_new_ex("x", true, 1000, 3000, &h), 0);
    assert_int_equal(ent_short_len(health_ent16(h)), 3000);
    health_free(h);
}

/* Feed random data in `bs`-byte buffers; expect the first pass at call
 * `first_pass` (1-based) and every call after it to pass. */
static void bringup(bool ent8_ok, size_t bs, size_t first_pass, size_t calls)
{
    struct health *h;
    assert_int_equal(health_new("dev", ent8_ok, &h), 0);
    uint64_t seed = 1000 + bs;
    uint8_t *buf = malloc(bs);
    assert_non_null(buf);
    for (size_t i = 1; i <= calls; i++) {
        ref_random(&seed, buf, bs);
        bool ok = health_check(h, buf, bs);
        if (ok != (i >= first_pass))
            fail_msg("call %zu of %zu bytes: %d", i, bs, ok);
        assert_int_equal(health_bytes_analysed(h), i * bs);
        assert_int_equal(health_bytes_passed(h), i >= first_pass ? (i - first_pass + 1) * bs : 0);
        assert_int_equal(health_fips_carry(h), (i * bs) % FIPS_BLOCK_SIZE);
    }
    free(buf);
    health_free(h);
}

static void test_bringup(void **state)
{
    (void)state;
    bringup(true, 2500, 20, 60);  /* exactly 20 FIPS blocks */
    bringup(true, 1000, 50, 120); /* block 20 completes in the 50th call */
    bringup(true, 2501, 20, 60);  /* the 20th call carries 20 bytes */
    bringup(true, 2499, 21, 60);  /* block 20 completes in the 21st call */
    bringup(true, 65536, 1, 10);  /* 26 blocks: the first buffer passes whole */
    /* Ent8 not ok at start: the first Ent8 result (500000 bytes) is needed. */
    bringup(false, 65536, 8, 12);
    bringup(false, 100000, 5, 8);
}

enum stream { STUCK0, STUCK_AA, BIASED, WORD, PATTERN };

static void make(enum stream s, uint64_t *seed, uint8_t *buf, size_t len, size_t pos)
{
    static uint8_t pattern[1000];
    static bool have;
    if (!have) {
        uint64_t ps = 77;
        ref_random(&ps, pattern, sizeof(pattern));
        have = true;
    }
    switch (s) {
    case STUCK0: memset(buf, 0, len); break;
    case STUCK_AA: memset(buf, 0xaa, len); break;
    case BIASED: { /* ones with p = 0.5625 */
        uint8_t *m = malloc(len);
        assert_non_null(m);
        ref_random(seed, buf, len);
        ref_random(seed, m, len);
        for (size_t i = 0; i < len; i++)
            buf[i] |= m[i] & (uint8_t)(m[i] << 1) & (uint8_t)(m[i] << 2);
        free(m);
        break;
    }
    case WORD:
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)(0x9e3779b9u >> (8 * (3 - (pos + i) % 4)));
        break;
    case PATTERN:
        for (size_t i = 0; i < len; i++)
            buf[i] = pattern[(pos + i) % sizeof(pattern)];
        break;
    }
}

static void test_never_pass(void **state)
{
    (void)state;
    const size_t bs = 65536, total = 3u << 20;
    uint8_t *buf = malloc(bs);
    assert_non_null(buf);
    for (int s = STUCK0; s <= PATTERN; s++)
        for (int e8 = 0; e8 < 2; e8++) {
            struct health *h;
            uint64_t seed = 2000;
            assert_int_equal(health_new("bad", e8, &h), 0);
            size_t passed_calls = 0, calls = 0;
            for (size_t pos = 0; pos < total; pos += bs, calls++) {
                make(s, &seed, buf, bs, pos);
                bool ok = health_check(h, buf, bs);
                passed_calls += ok;
                /* Ent8's first result comes with the 8th buffer. */
                assert_false(ok && calls >= 7);
            }
            /* A long-period repeat can pass FIPS for a while: with Ent8
             * assumed ok at the start it may pass until Ent8's first result
             * (500000 bytes), never after. */
            if (s == PATTERN && e8) {
                assert_true(passed_calls > 0 && passed_calls < 8);
                assert_false(health_ent8_ok(h));
            } else {
                assert_int_equal(passed_calls, 0);
                assert_int_equal(health_bytes_passed(h), 0);
            }
            assert_int_equal(health_bytes_analysed(h), total);
            health_free(h);
        }
    free(buf);
}

/* The verdict of a buffer is the state after all of it was processed. */
static void test_whole_buffer(void **state)
{
    (void)state;
    const size_t bs = 65536;
    uint8_t *buf = malloc(bs);
    assert_non_null(buf);
    uint64_t seed = 3000;
    struct health *h;
    assert_int_equal(health_new("dev", true, &h), 0);
    ref_random(&seed, buf, bs);
    assert_true(health_check(h, buf, bs));
    /* Bad first half (a byte counter: FIPS poker fails, byte counts stay
     * even so Ent8's long-term chi-square is not spoilt), good second half:
     * fails as a whole. */
    ref_random(&seed, buf, bs);
    for (size_t i = 0; i < bs / 2; i++)
        buf[i] = (uint8_t)i;
    assert_false(health_check(h, buf, bs));
    assert_false(health_fips_ok(h));
    assert_int_equal(health_bytes_passed(h), bs);
    /* Good data after that fails until FIPS has recovered (rates back under
     * half their limits: ~1800 blocks) and Ent8 too (10 clean blocks after
     * the one with the counter); then the buffer in which the last of them
     * recovers passes whole. */
    size_t calls = 0;
    bool ok = false;
    while (!ok) {
        ref_random(&seed, buf, bs);
        ok = health_check(h, buf, bs);
        calls++;
        assert_true(calls < 150);
    }
    assert_true(calls > 60);
    assert_true(health_fips_ok(h) && health_ent8_ok(h));
    assert_int_equal(health_bytes_passed(h), 2 * bs);
    assert_int_equal(health_bytes_analysed(h), (2 + calls) * bs);
    /* A good first half and a bad second half: fails too. */
    ref_random(&seed, buf, bs);
    for (size_t i = bs / 2; i < bs; i++)
        buf[i] = (uint8_t)i;
    assert_false(health_check(h, buf, bs));
    free(buf);
    health_free(h);
}

/* Everything the monitor reports, against the reference monitor. */
static void same_as_ref(const struct health *h, const struct ref_health *r)
{
    assert_int_equal(health_bytes_analysed(h), r->analysed);
    assert_int_equal(health_bytes_passed(h), r->passed);
    assert_int_equal(health_fips_ok(h), r->fips_ok);
    assert_int_equal(health_ent8_ok(h), r->e8_ok);
    assert_int_equal(health_ent16_ok(h), r->e16_ok);
    assert_int_equal(health_fips_carry(h), r->extra);
    same_fips_stats(health_fips(h), &r->fips);
    if (health_bytes_analysed(h) >= FIPS_BLOCK_SIZE)
        same_fips_block(health_fips(h), &r->fips);
    same_ent(health_ent8(h), &r->e8);
    same_ent(health_ent16(h), &r->e16);
}

enum kind { RANDOM, BAD_STRETCHES, LONG_RUNS };

/* Mostly random data; BAD_STRETCHES: stuck at 0xaa in the 2nd MiB, biased in
 * the 5th; LONG_RUNS: 1 MiB of 0x00 at 1 MiB (Ent16 bin 0 wraps, long runs
 * through uniform bytes), 1 MiB of 0x34 0x12 at 5 MiB, 0xff 0xee at 7 MiB,
 * uniform bytes sprinkled in the 9th MiB, 0x00 again at 9 MiB (so Ent16 bins
 * wrap in both orders of their values within a block). */
static void fill(enum kind kind, uint64_t *seed, uint8_t *buf, size_t n, size_t pos)
{
    ref_random(seed, buf, n);
    size_t mib = pos >> 20;
    if (kind == BAD_STRETCHES && mib == 1) {
        make(STUCK_AA, seed, buf, n, pos);
    } else if (kind == BAD_STRETCHES && mib == 4) {
        make(BIASED, seed, buf, n, pos);
    } else if (kind == LONG_RUNS && (mib == 1 || mib == 9)) {
        memset(buf, 0, n);
    } else if (kind == LONG_RUNS && (mib == 5 || mib == 7)) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (pos + i) & 1 ? (mib == 5 ? 0x12 : 0xee) : (mib == 5 ? 0x34 : 0xff);
    } else if (kind == LONG_RUNS && mib == 8) {
        for (size_t i = 0; i < n; i++)
            if (buf[i] % 5 == 0)
                buf[i] = buf[i] & 1 ? 0xff : 0x00;
    }
}

/* Feed both monitors the same stream in buffers of the given sizes (cycled),
 * comparing everything after every call. */
static void vs_ref(uint64_t e8_len, uint64_t e16_len, const size_t *sizes, size_t nsizes,
                   size_t total, enum kind kind, bool must_pass)
{
    size_t max = 0;
    for (size_t i = 0; i < nsizes; i++)
        max = sizes[i] > max ? sizes[i] : max;
    uint8_t *buf = malloc(max);
    assert_non_null(buf);
    struct health *h;
    struct ref_health *r = malloc(sizeof(*r));
    assert_non_null(r);
    assert_int_equal(health_new_ex("dev", true, e8_len, e16_len, &h), 0);
    assert_int_equal(ref_health_init(r, true, e8_len, e16_len), 0);
    uint64_t seed = 4000 + e8_len + e16_len;
    size_t pos = 0, k = 0, passes = 0;
    while (pos < total) {
        size_t n = sizes[k++ % nsizes];
        if (n > total - pos)
            n = total - pos;
        fill(kind, &seed, buf, n, pos);
        bool a = health_check(h, buf, n), b = ref_health_check(r, buf, n);
        assert_int_equal(a, b);
        passes += a;
        same_as_ref(h, r);
        pos += n;
    }
    if (must_pass)
        assert_true(passes > 0);
    health_free(h);
    ref_health_destroy(r);
    free(r);
    free(buf);
}

static void test_vs_reference(void **state)
{
    (void)state;
    static const size_t mixed[] = { 65536, 1, 2499, 2500, 2501, 7, 100000, 4096, 30000 };
    static const size_t odd[] = { 65535, 3, 2501, 1, 100001, 4097, 13, 2499 };
    static const size_t dev[] = { 65536 };
    vs_ref(0, 0, mixed, 9, 6u << 20, BAD_STRETCHES, true);
    vs_ref(300000, 70000, mixed, 9, 6u << 20, BAD_STRETCHES, true);
    /* (Ent short blocks this much shorter than the defaults never pass their
     * limits: those streams never pass, which is fine here.)  Odd buffers:
     * Ent16 samples and FIPS blocks at either parity; Ent8 blocks ending
     * inside FIPS blocks. */
    vs_ref(12345, 70001, odd, 8, 4u << 20, RANDOM, false);
    vs_ref(0, 0, odd, 8, 3u << 20, RANDOM, true);
    /* Blocks ending together; tiny blocks (a flush every sample or two). */
    vs_ref(2500, 1250, mixed, 9, 2u << 20, RANDOM, false);
    vs_ref(1, 999, odd, 8, 40000, RANDOM, false);
    vs_ref(7, 1, odd + 1, 3, 3000, RANDOM, false);
    /* Long runs and Ent16 counters wrapping in the one-pass loop, 3M-sample
     * blocks (sums past 2^53: rounded doubles). */
    vs_ref(500000, 3000000, dev, 1, 12u << 20, LONG_RUNS, false);
    vs_ref(99991, 2999999, odd, 8, 12u << 20, LONG_RUNS, false);
}

/* A whole default Ent16 block (1e8 samples, 200 MB, the autocorrelation sums
 * far past 2^53) through the monitor, against the reference Ent testers. */
static void test_full_ent16_block(void **state)
{
    (void)state;
    struct health *h;
    struct ref_ent *r8 = malloc(sizeof(*r8)), *r16 = malloc(sizeof(*r16));
    assert_non_null(r8);
    assert_non_null(r16);
    assert_int_equal(health_new("dev", true, &h), 0);
    assert_int_equal(ref_ent_init(r8, 8, 0), 0);
    assert_int_equal(ref_ent_init(r16, 16, 0), 0);
    static uint8_t chunk[65536];
    uint64_t seed = 19, left = 200000000 + 3 * 65536;
    bool ok8 = true, ok16 = true; /* the monitor's Ent verdicts, as it keeps them */
    while (left) {
        size_t n = left < sizeof(chunk) ? (size_t)left : sizeof(chunk);
        ref_random(&seed, chunk, n);
        health_check(h, chunk, n);
        ref_ent_analyse(r8, chunk, n);
        ref_ent_analyse(r16, chunk, n);
        if (r8->have_results)
            ok8 = ref_ent_is_ok(r8, ok8);
        if (r16->have_results)
            ok16 = ref_ent_is_ok(r16, ok16);
        assert_int_equal(health_ent8_ok(h), ok8);
        assert_int_equal(health_ent16_ok(h), ok16);
        left -= n;
    }
    assert_true(ent_have_results(health_ent16(h)));
    same_ent(health_ent8(h), r8);
    same_ent(health_ent16(h), r16);
    health_free(h);
    ref_ent_destroy(r8);
    ref_ent_destroy(r16);
    free(r8);
    free(r16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api),
        BASELINE_TOO(test_bringup),
        cmocka_unit_test(test_never_pass),
        cmocka_unit_test(test_whole_buffer),
        BASELINE_TOO(test_vs_reference),
        cmocka_unit_test(test_full_ent16_block),
    };
    return unit_run(tests);
}
