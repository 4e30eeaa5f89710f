/* Unit tests for bitruns: merging of pairs, the pending run, long runs,
 * byte input across calls, the bulk block form, and the statistics against
 * the plain reference (qa_ref). */
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bitruns.h"
#include "qa_check.h"

static void same_as_ref(const struct bitruns *br, const struct ref_bitruns *ref)
{
    same_bitruns(br, ref);
    double exp_ref[64], p, p_ref;
    unsigned k, k_ref;
    double c = bitruns_chisq(br, &p, &k);
    double c_ref = ref_bitruns_chisq(ref, &p_ref, &k_ref, exp_ref);
    assert_true(c == c_ref);
    assert_true(p == p_ref);
    assert_int_equal(k, k_ref);
    for (size_t i = 0; i < bitruns_nslots(br); i++)
        assert_true(bitruns_expected(br, i) == exp_ref[i]);
}

static void test_merge_and_pending(void **state)
{
    (void)state;
    struct bitruns *br;
    assert_int_equal(bitruns_new(&br), 0);
    bitruns_add_run(br, 1, 3);
    bitruns_add_run(br, 1, 2); /* merges: one run of 5 ones, pending */
    assert_int_equal(bitruns_ones(br), 5);
    assert_int_equal(bitruns_max(br), 0);
    assert_int_equal(bitruns_count(br, 1, 4), 0);
    bitruns_add_run(br, 0, 1); /* completes the 5 */
    assert_int_equal(bitruns_count(br, 1, 4), 1);
    assert_int_equal(bitruns_max(br), 5);
    assert_int_equal(bitruns_nslots(br), 5);
    bitruns_add_run(br, 0, 0); /* ignored */
    bitruns_flush(br);
    assert_int_equal(bitruns_count(br, 0, 0), 1);
    /* After a flush the same bit starts a new run. */
    bitruns_add_run(br, 0, 2);
    bitruns_flush(br);
    assert_int_equal(bitruns_count(br, 0, 1), 1);
    assert_int_equal(bitruns_zeros(br), 3);
    /* Long runs go to the last slot; Max is exact. */
    bitruns_add_run(br, 1, 64);
    bitruns_add_run(br, 0, 100);
    bitruns_add_run(br, 1, 1000);
    bitruns_flush(br);
    assert_int_equal(bitruns_count(br, 1, 63), 2);
    assert_int_equal(bitruns_count(br, 0, 63), 1);
    assert_int_equal(bitruns_max(br), 1000);
    assert_int_equal(bitruns_nslots(br), 64);
    assert_int_equal(bitruns_count(br, 2, 0), 0);
    assert_int_equal(bitruns_count(br, 0, 64), 0);
    bitruns_clear(br);
    assert_int_equal(bitruns_zeros(br) + bitruns_ones(br) + bitruns_max(br), 0);
    bitruns_free(br);
    bitruns_free(NULL);
}

static void test_bytes_known(void **state)
{
    (void)state;
    struct bitruns *br;
    assert_int_equal(bitruns_new(&br), 0);
    /* 0xF0 0x0F 0xFF 0x80: 1111 0000 0000 1111 11111111 1 0000000 */
    const uint8_t b[] = { 0xF0, 0x0F, 0xFF, 0x80 };
    bitruns_add_bytes(br, b, 2);
    bitruns_add_bytes(br, b + 2, 2); /* runs merge across calls */
    bitruns_flush(br);
    assert_int_equal(bitruns_count(br, 1, 3), 1);  /* 4 ones */
    assert_int_equal(bitruns_count(br, 0, 7), 1);  /* 8 zeros */
    assert_int_equal(bitruns_count(br, 1, 12), 1); /* 4 + 8 + 1 = 13 ones */
    assert_int_equal(bitruns_count(br, 0, 6), 1);  /* 7 zeros */
    assert_int_equal(bitruns_max(br), 13);
    assert_int_equal(bitruns_zeros(br), 15);
    assert_int_equal(bitruns_ones(br), 17);
    assert_true(bitruns_bias(br) == 15.0 / 17.0);
    assert_int_equal(bitruns_expected_max(br), 4); /* lrint(log2(16)) */
    /* Too few bits for any slot with 5 expected: k = 1, chisq 0, p 1. */
    double p;
    unsigned k;
    assert_true(bitruns_chisq(br, &p, &k) == 0.0);
    assert_int_equal(k, 1);
    assert_true(p == 1.0);
    assert_true(bitruns_expected(br, 0) == (32.0 + 2.0) / 8.0);
    bitruns_free(br);
}

static void test_random_vs_ref(void **state)
{
    (void)state;
    uint64_t seed = 42;
    size_t len = 1 << 20;
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    ref_random(&seed, buf, len);
    /* Some structure too: a stuck stretch and a biased stretch. */
    memset(buf + 1000, 0xff, 40);
    memset(buf + 5000, 0x00, 3);
    for (size_t i = 20000; i < 30000; i++)
        buf[i] |= buf[i] << 1;

    struct bitruns *br;
    struct ref_bitruns ref;
    assert_int_equal(bitruns_new(&br), 0);
    ref_bitruns_init(&ref);
    size_t off = 0, step = 1;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;
        bitruns_add_bytes(br, buf + off, n);
        ref_bitruns_add_bytes(&ref, buf + off, n);
        off += n;
        step = step * 3 + 1;
        if (step > 70000)
            step = 7;
        same_as_ref(br, &ref);
    }
    bitruns_flush(br);
    ref_bitruns_flush(&ref);
    same_as_ref(br, &ref);
    /* A million bytes (mostly random): the statistics are sane; the biased
     * stretch makes the chi-square clearly too large. */
    double p;
    unsigned k;
    double c = bitruns_chisq(br, &p, &k);
    assert_true(k > 30 && k < 45);
    assert_true(c > 100.0 && p >= 0.0 && p < 1e-6);
    assert_true(fabs(bitruns_bias(br) - 1.0) < 0.01);
    assert_int_equal(bitruns_expected_max(br), 22);
    bitruns_free(br);
    free(buf);
}

/* Empty-looking statistics continue past Max while expected >= 5. */
static void test_chisq_past_max(void **state)
{
    (void)state;
    struct bitruns *br;
    struct ref_bitruns ref;
    assert_int_equal(bitruns_new(&br), 0);
    ref_bitruns_init(&ref);
    /* 200000 bits of alternating 1-runs and 0-runs of length 1 and 2. */
    for (unsigned i = 0; i < 100000; i++) {
        unsigned len = 1 + (i % 3 == 0);
        bitruns_add_run(br, i & 1, len);
        ref_bitruns_add(&ref, i & 1, len);
    }
    assert_int_equal(bitruns_max(br), 2);
    double p, p_ref, e_ref[64];
    unsigned k, k_ref;
    double c = bitruns_chisq(br, &p, &k);
    double c_ref = ref_bitruns_chisq(&ref, &p_ref, &k_ref, e_ref);
    assert_true(c == c_ref && p == p_ref);
    assert_int_equal(k, k_ref);
    /* n = 133334 bits: (n - i + 2) / 2^(i+3) >= 5 up to slot 11 (8.1 there,
     * 4.07 at slot 12). */
    assert_int_equal(k, 2 * 11 + 1);
    assert_true(p < 1e-6);
    bitruns_free(br);
}

static void test_block_form(void **state)
{
    (void)state;
    /* bitruns_add_block equals the run-by-run sequence it stands for. */
    struct bitruns *a, *b;
    assert_int_equal(bitruns_new(&a), 0);
    assert_int_equal(bitruns_new(&b), 0);
    struct bitruns_block blk;
    memset(&blk, 0, sizeof(blk));
    bitruns_add_run(a, 1, 4); /* pending 1-run before the block */
    bitruns_add_run(b, 1, 4);
    /* Block: 1x3 (merges into 7), 0x2, 1x70, 0x1, 1x5 (pending). */
    const unsigned bits[] = { 1, 0, 1, 0, 1 };
    const uint64_t lens[] = { 3, 2, 70, 1, 5 };
    for (int i = 0; i < 5; i++)
        bitruns_add_run(a, bits[i], lens[i]);
    blk.first_bit = 1;
    blk.first_len = 3;
    blk.last_bit = 1;
    blk.last_len = 5;
    blk.nruns = 5;
    blk.mid[0][1] = 1;
    blk.mid[1][63] = 1;
    blk.mid[0][0] = 1;
    blk.mid_max = 70;
    blk.zeros = 3;
    blk.ones = 78;
    bitruns_add_block(b, &blk);
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(bitruns_zeros(a), bitruns_zeros(b));
        assert_int_equal(bitruns_ones(a), bitruns_ones(b));
        assert_int_equal(bitruns_max(a), bitruns_max(b));
        for (unsigned bit = 0; bit < 2; bit++)
            for (size_t i = 0; i < BITRUNS_MAXRUN; i++)
                assert_int_equal(bitruns_count(a, bit, i), bitruns_count(b, bit, i));
        bitruns_flush(a);
        bitruns_flush(b);
    }
    assert_int_equal(bitruns_count(a, 1, 6), 1); /* the merged 4 + 3 */
    /* A block that is a single run merges whole. */
    blk.nruns = 1;
    blk.first_bit = blk.last_bit = 0;
    blk.first_len = blk.last_len = 20000;
    blk.zeros = 20000;
    blk.ones = 0;
    bitruns_add_run(a, 0, 3);
    bitruns_add_run(b, 0, 3);
    bitruns_add_run(a, 0, 20000);
    bitruns_add_block(b, &blk);
    bitruns_flush(a);
    bitruns_flush(b);
    assert_int_equal(bitruns_max(a), 20003);
    assert_int_equal(bitruns_max(b), 20003);
    assert_int_equal(bitruns_zeros(b), bitruns_zeros(a));
    bitruns_free(a);
    bitruns_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_and_pending),
        cmocka_unit_test(test_bytes_known),
        cmocka_unit_test(test_random_vs_ref),
        cmocka_unit_test(test_chisq_past_max),
        cmocka_unit_test(test_block_form),
    };
    return unit_run(tests);
}
