/* Unit tests for devcfg: defaults and the per-product fold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>

#include "devcfg.h"

static void test_defaults(void **state)
{
    (void)state;
    struct devcfg c;
    devcfg_init(&c);
    assert_int_equal(c.id.kind, DEVID_NONE);
    assert_int_equal(c.enable_mask, 0x0F);
    assert_int_equal(c.bitrate, 0);
    assert_int_equal(c.fold, DEVCFG_FOLD_DEFAULT);
    assert_false(c.no_qa);
}

static void test_fold_by_product(void **state)
{
    (void)state;
    struct devcfg c;
    devcfg_init(&c);
    assert_int_equal(devcfg_fold_for(&c, "White RNG"), 1);
    assert_int_equal(devcfg_fold_for(&c, "Black RNG"), 3);
    assert_int_equal(devcfg_fold_for(&c, "Grey RNG"), -EINVAL);
    assert_int_equal(devcfg_fold_for(&c, ""), -EINVAL);
    assert_int_equal(devcfg_fold_for(&c, "white rng"), -EINVAL); /* exact match */
    c.fold = 0;
    assert_int_equal(devcfg_fold_for(&c, "Grey RNG"), 0);
    c.fold = 5;
    assert_int_equal(devcfg_fold_for(&c, "White RNG"), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_fold_by_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
