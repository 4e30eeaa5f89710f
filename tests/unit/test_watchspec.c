/* Unit tests for watchspec: --watch=PATH:DELAY:BLOCK_SIZE:MAX_BYTES. */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "watchspec.h"

static void test_defaults_and_fields(void **state)
{
    (void)state;
    struct watchspec w;
    char err[200];
    assert_int_equal(watchspec_parse("/dev/urandom", &w, err, sizeof(err)), 0);
    assert_string_equal(w.path, "/dev/urandom");
    assert_int_equal(w.delay_ms, 0);
    assert_int_equal(w.block_size, 65536);
    assert_int_equal(w.max_bytes, 0);

    assert_int_equal(watchspec_parse("/dev/hwrng:2k:16k:1M", &w, err, sizeof(err)), 0);
    assert_string_equal(w.path, "/dev/hwrng");
    assert_int_equal(w.delay_ms, 2000);      /* SI for the delay */
    assert_int_equal(w.block_size, 16384);   /* binary for sizes */
    assert_int_equal(w.max_bytes, 1048576);

    assert_int_equal(watchspec_parse("/f::2500", &w, err, sizeof(err)), 0);
    assert_int_equal(w.delay_ms, 0);
    assert_int_equal(w.block_size, 2500);
    assert_int_equal(watchspec_parse("/f:10", &w, err, sizeof(err)), 0);
    assert_int_equal(w.delay_ms, 10);
    assert_int_equal(w.block_size, 65536);
}

static void test_errors(void **state)
{
    (void)state;
    struct watchspec w = { .block_size = 7 };
    char err[200];
    assert_int_equal(watchspec_parse("", &w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "path is required"));
    assert_int_equal(watchspec_parse(":10", &w, err, sizeof(err)), -EINVAL);
    assert_int_equal(watchspec_parse("/f:x", &w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "delay"));
    assert_int_equal(watchspec_parse("/f:1:0", &w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "block size"));
    assert_int_equal(watchspec_parse("/f:1:65M", &w, err, sizeof(err)), -EINVAL);
    assert_int_equal(watchspec_parse("/f:1:-5", &w, err, sizeof(err)), -EINVAL);
    assert_int_equal(watchspec_parse("/f:1:2:3Q", &w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "max bytes"));
    assert_int_equal(watchspec_parse("/f:1:2:3:4", &w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "too many fields"));
    assert_int_equal(w.block_size, 7); /* untouched on error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_fields),
        cmocka_unit_test(test_errors),
    };
    return unit_run(tests);
}
