/* Unit tests for backoff: the spec §5.3 sequences and idle-sleep parsing. */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "backoff.h"

static void test_default_sequence(void **state)
{
    (void)state;
    struct backoff b;
    uint64_t ms;
    bool rel;
    backoff_init(&b, 100, 60000, 0);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_GO);
    const uint64_t want[] = { 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200,
                              60000, 60000, 60000 };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        backoff_after_block(&b, true);
        assert_int_equal(b.sleep, want[i]);
        enum backoff_wait w = backoff_next(&b, true, &ms, &rel);
        if (want[i] < BACKOFF_MIN_SLEEP) {
            assert_int_equal(w, BACKOFF_GO); /* 100, 200, 400: no actual sleep */
        } else {
            assert_int_equal(w, BACKOFF_TIMED);
            assert_int_equal(ms, want[i]);
            assert_false(rel);
        }
    }
    /* Pool not full any more: back to full speed. */
    assert_int_equal(backoff_next(&b, false, &ms, &rel), BACKOFF_GO);
    backoff_after_block(&b, false);
    assert_int_equal(b.sleep, 0);
}

static void test_max_zero_goes_indefinite(void **state)
{
    (void)state;
    struct backoff b;
    uint64_t ms;
    bool rel;
    backoff_init(&b, 100, 0, 10000); /* --low-power: 100:0, suspend 10 s */
    for (int i = 0; i < 3; i++)
        backoff_after_block(&b, true); /* 100, 200, 400 */
    assert_int_equal(b.sleep, 400);
    backoff_after_block(&b, true);
    assert_int_equal(b.sleep, 800);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_TIMED);
    assert_false(rel); /* 800 < 10000 */
    backoff_after_block(&b, true);
    assert_true(b.forever);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_FOREVER);
    assert_true(rel);
    backoff_reset(&b);
    assert_false(b.forever);
    assert_int_equal(b.sleep, 0);
}

static void test_initial_zero(void **state)
{
    (void)state;
    struct backoff b;
    uint64_t ms;
    bool rel;
    backoff_init(&b, 0, 60000, 0);
    backoff_after_block(&b, true);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_FOREVER);
    assert_false(rel);
}

static void test_suspend_threshold(void **state)
{
    (void)state;
    struct backoff b;
    uint64_t ms;
    bool rel;
    backoff_init(&b, 1000, 60000, 2000);
    backoff_after_block(&b, true);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_TIMED);
    assert_false(rel);
    backoff_after_block(&b, true);
    assert_int_equal(backoff_next(&b, true, &ms, &rel), BACKOFF_TIMED);
    assert_int_equal(ms, 2000);
    assert_true(rel);
}

static void test_parse(void **state)
{
    (void)state;
    unsigned i = 100, m = 60000;
    char err[128];
    assert_int_equal(backoff_parse_idle_sleep("200:5k", &i, &m, err, sizeof(err)), 0);
    assert_int_equal(i, 200);
    assert_int_equal(m, 5000);
    assert_int_equal(backoff_parse_idle_sleep(":0", &i, &m, err, sizeof(err)), 0);
    assert_int_equal(i, 200);
    assert_int_equal(m, 0);
    assert_int_equal(backoff_parse_idle_sleep("7000:", &i, &m, err, sizeof(err)), 0);
    assert_int_equal(i, 7000); /* max 0: no check */
    m = 100;
    assert_int_equal(backoff_parse_idle_sleep("5:", &i, &m, err, sizeof(err)), 0);
    assert_int_equal(backoff_parse_idle_sleep("500:100", &i, &m, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "larger than MAX"));
    assert_int_equal(backoff_parse_idle_sleep("500", &i, &m, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "':' is required"));
    assert_int_equal(backoff_parse_idle_sleep("x:1", &i, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(backoff_parse_idle_sleep("1:-1", &i, &m, err, sizeof(err)), -EINVAL);
    assert_int_equal(i, 5); /* unchanged on error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_sequence),
        cmocka_unit_test(test_max_zero_goes_indefinite),
        cmocka_unit_test(test_initial_zero),
        cmocka_unit_test(test_suspend_threshold),
        cmocka_unit_test(test_parse),
    };
    return unit_run(tests);
}
