/* Unit tests for devcfg: defaults, the per-product fold, and whether output
 * may start before the first Ent8 result. */
#include "unit.h"

#include <errno.h>

#include "devcfg.h"
#include "ftdi.h"

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

/* Spec §4.1: ent8_ok starts as bitrate < 5 000 000, on the real rate. */
static void test_ent8_ok_initially(void **state)
{
    (void)state;
    assert_true(devcfg_ent8_ok_initially(4999999));
    assert_false(devcfg_ent8_ok_initially(5000000));
    assert_false(devcfg_ent8_ok_initially(5000001));
    assert_true(devcfg_ent8_ok_initially(0));
    assert_false(devcfg_ent8_ok_initially(30000000));
    /* Through the rate the device really runs at (30 MHz / n): 5 MHz and
     * anything requested above 30/7 MHz (4285714) rounds up to 5 MHz or
     * more and waits; the default 2.5 MHz and 30/7 MHz do not. */
    assert_int_equal(ftdi_real_bitrate(4999999), 5000000);
    assert_false(devcfg_ent8_ok_initially(ftdi_real_bitrate(4999999)));
    assert_false(devcfg_ent8_ok_initially(ftdi_real_bitrate(5000000)));
    assert_false(devcfg_ent8_ok_initially(ftdi_real_bitrate(5000001)));
    assert_false(devcfg_ent8_ok_initially(ftdi_real_bitrate(4285715)));
    assert_true(devcfg_ent8_ok_initially(ftdi_real_bitrate(4285714)));
    assert_true(devcfg_ent8_ok_initially(ftdi_real_bitrate(0)));
    assert_true(devcfg_ent8_ok_initially(ftdi_real_bitrate(3000000)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_fold_by_product),
        cmocka_unit_test(test_ent8_ok_initially),
    };
    return unit_run(tests);
}
