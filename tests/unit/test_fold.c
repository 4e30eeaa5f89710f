/* Unit tests for fold (spec §3). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"

static const uint8_t vec8[8] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80 };

static void test_known_vectors(void **state)
{
    (void)state;
    uint8_t buf[8];
    size_t n = 99;

    memcpy(buf, vec8, 8);
    assert_int_equal(fold_bytes(buf, 8, 0, &n), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(buf, vec8, 8);

    memcpy(buf, vec8, 8);
    assert_int_equal(fold_bytes(buf, 8, 1, &n), 0);
    assert_int_equal(n, 4);
    assert_memory_equal(buf, ((uint8_t[]){ 0x11, 0x22, 0x44, 0x88 }), 4);
    /* The second half is left as it was. */
    assert_memory_equal(buf + 4, vec8 + 4, 4);

    memcpy(buf, vec8, 8);
    assert_int_equal(fold_bytes(buf, 8, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(buf, ((uint8_t[]){ 0x55, 0xAA }), 2);

    memcpy(buf, vec8, 8);
    assert_int_equal(fold_bytes(buf, 8, 3, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 0xFF);

    /* Identical halves cancel. */
    uint8_t same[4] = { 0xAB, 0xCD, 0xAB, 0xCD };
    assert_int_equal(fold_bytes(same, 4, 1, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(same[0], 0);
    assert_int_equal(same[1], 0);

    /* 2500 bytes folded twice (the kernel feeder) give 625. */
    uint8_t k[2500];
    for (size_t i = 0; i < sizeof(k); i++)
        k[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(fold_bytes(k, sizeof(k), 2, &n), 0);
    assert_int_equal(n, 625);
    for (size_t i = 0; i < 625; i++)
        assert_int_equal(k[i], (uint8_t)((i * 7 + 3) ^ ((i + 625) * 7 + 3) ^
                                         ((i + 1250) * 7 + 3) ^ ((i + 1875) * 7 + 3)));
}

/* Pseudo-random test bytes from an LCG seeded with x. */
static void lcg_fill(uint8_t *p, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

/* Against a direct formula: out[i] = XOR over j of in[i + j * (len >> folds)]. */
static void test_against_reference(void **state)
{
    (void)state;
    enum { LEN = 4096 };
    uint8_t *orig = malloc(LEN), *buf = malloc(LEN);
    assert_non_null(orig);
    assert_non_null(buf);
    lcg_fill(orig, LEN, 0x12345678);
    for (unsigned f = 0; f <= 12; f++) {
        memcpy(buf, orig, LEN);
        size_t n = 0;
        assert_int_equal(fold_bytes(buf, LEN, f, &n), 0);
        size_t want_n = (size_t)LEN >> f;
        assert_int_equal(n, want_n);
        for (size_t i = 0; i < want_n; i++) {
            uint8_t v = 0;
            for (size_t j = 0; j < ((size_t)1 << f); j++)
                v ^= orig[i + j * want_n];
            if (buf[i] != v)
                fail_msg("fold %u byte %zu: %02x want %02x", f, i, buf[i], v);
        }
    }
    free(orig);
    free(buf);
}

/* fold_add() over the raw block in pieces of any size (the driver's chunks
 * and transfers) gives what fold_bytes() gives. */
static void test_fold_add(void **state)
{
    (void)state;
    enum { LEN = 1u << 14 };
    uint8_t *orig = malloc(LEN), *buf = malloc(LEN), *out = malloc(LEN);
    assert_non_null(orig);
    assert_non_null(buf);
    assert_non_null(out);
    lcg_fill(orig, LEN, 0x9abcdef1);
    static const size_t pieces[][4] = {
        { LEN, LEN, LEN, LEN }, { 512, 512, 512, 512 }, { 510, 510, 510, 510 },
        { 1, 7, 4096, 3 }, { 3000, 5, 700, 1 },
    };
    for (unsigned f = 0; f <= 6; f++)
        for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
            size_t n = 0;
            memcpy(buf, orig, LEN);
            assert_int_equal(fold_bytes(buf, LEN, f, &n), 0);
            memset(out, 0xA5, LEN);
            for (size_t off = 0, k = 0; off < LEN; k++) {
                size_t m = pieces[p][k % 4] < LEN - off ? pieces[p][k % 4] : LEN - off;
                fold_add(out, n, off, orig + off, m);
                off += m;
            }
            assert_memory_equal(out, buf, n);
        }
    free(orig);
    free(buf);
    free(out);
}

static void test_invalid(void **state)
{
    (void)state;
    uint8_t buf[12];
    memset(buf, 0x3C, sizeof(buf));
    size_t n = 77;
    assert_int_equal(fold_bytes(buf, 7, 1, &n), -EINVAL);
    assert_int_equal(fold_bytes(buf, 6, 2, &n), -EINVAL);
    assert_int_equal(fold_bytes(buf, 12, 3, &n), -EINVAL);
    assert_int_equal(fold_bytes(buf, 1, 1, &n), -EINVAL);
    assert_int_equal(n, 77);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0x3C);  /* untouched on error */
    assert_int_equal(fold_bytes(buf, 12, 17, &n), -EINVAL);
    assert_int_equal(fold_bytes(buf, 0, 17, &n), -EINVAL);
    assert_int_equal(fold_bytes(buf, 4, 1, NULL), -EINVAL);
    assert_int_equal(fold_bytes(NULL, 4, 1, &n), -EINVAL);
    assert_int_equal(n, 77);

    /* Divisible lengths at the edges. */
    assert_int_equal(fold_bytes(buf, 12, 2, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(fold_bytes(NULL, 0, 16, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fold_bytes(buf, 1, 0, &n), 0);
    assert_int_equal(n, 1);

    /* The rule alone (the driver checks its raw block with it). */
    n = 77;
    assert_int_equal(fold_len(7, 1, &n), -EINVAL);
    assert_int_equal(fold_len(12, 3, &n), -EINVAL);
    assert_int_equal(fold_len((size_t)1 << 20, 17, &n), -EINVAL);
    assert_int_equal(n, 77);
    assert_int_equal(fold_len((size_t)1 << 20, 16, &n), 0);
    assert_int_equal(n, 16);
    assert_int_equal(fold_len(12, 2, &n), 0);
    assert_int_equal(n, 3);
}

static void test_max_folds(void **state)
{
    (void)state;
    size_t len = (size_t)1 << 16;
    uint8_t *buf = calloc(len, 1);
    assert_non_null(buf);
    buf[len - 1] = 0x5A;
    buf[12345] = 0x0F;
    size_t n = 0;
    assert_int_equal(fold_bytes(buf, len, 16, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 0x55);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_fold_add),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_max_folds),
    };
    return unit_run(tests);
}
