/* Unit tests for num (spec §9.0). */
#include "unit.h"

#include <errno.h>
#include <locale.h>
#include <math.h>

#include "num.h"

#define SENTINEL_U 0xDEADBEEFCAFEull

static void expect_u64(const char *s, int base, uint64_t want)
{
    uint64_t v = SENTINEL_U;
    int rc = num_parse_u64(s, base, &v);
    if (rc != 0)
        fail_msg("num_parse_u64('%s', %d) = %d", s, base, rc);
    assert_int_equal(v, want);
}

static void expect_u64_err(const char *s, int base, int err)
{
    uint64_t v = SENTINEL_U;
    int rc = num_parse_u64(s, base, &v);
    if (rc != err)
        fail_msg("num_parse_u64('%s', %d) = %d, want %d", s, base, rc, err);
    assert_int_equal(v, SENTINEL_U);
}

static void test_u64_valid(void **state)
{
    (void)state;
    expect_u64("0", 10, 0);
    expect_u64("42", 10, 42);
    expect_u64("007", 10, 7);
    expect_u64("18446744073709551615", 10, UINT64_MAX);
    expect_u64("0x1F", 0, 31);
    expect_u64("0X10", 0, 16);
    expect_u64("017", 0, 15);
    expect_u64("0", 0, 0);
    expect_u64("ff", 16, 255);
    expect_u64("0xff", 16, 255);
    expect_u64("101", 2, 5);
    expect_u64("z", 36, 35);
}

static void test_u64_invalid(void **state)
{
    (void)state;
    expect_u64_err("", 10, -EINVAL);
    expect_u64_err(" 1", 10, -EINVAL);
    expect_u64_err("\t1", 10, -EINVAL);
    expect_u64_err("+1", 10, -EINVAL);
    expect_u64_err("-1", 10, -EINVAL);
    expect_u64_err("1 ", 10, -EINVAL);
    expect_u64_err("12a", 10, -EINVAL);
    expect_u64_err("abc", 10, -EINVAL);
    expect_u64_err("0x", 0, -EINVAL);
    expect_u64_err("08", 0, -EINVAL);
    expect_u64_err("0x1F", 10, -EINVAL);
    expect_u64_err("2", 2, -EINVAL);
    expect_u64_err("1", 1, -EINVAL);
    expect_u64_err("1", 37, -EINVAL);
    expect_u64_err("1", -1, -EINVAL);
    expect_u64_err("18446744073709551616", 10, -ERANGE);
    expect_u64_err("99999999999999999999999", 10, -ERANGE);
    expect_u64_err("0x10000000000000000", 0, -ERANGE);
    assert_int_equal(num_parse_u64(NULL, 10, &(uint64_t){ 0 }), -EINVAL);
}

static void expect_scaled(const char *s, unsigned scale, uint64_t want)
{
    uint64_t v = SENTINEL_U;
    int rc = num_parse_scaled_u64(s, scale, &v);
    if (rc != 0)
        fail_msg("num_parse_scaled_u64('%s', %u) = %d", s, scale, rc);
    if (v != want)
        fail_msg("num_parse_scaled_u64('%s', %u) gave %llu, want %llu", s, scale,
                 (unsigned long long)v, (unsigned long long)want);
}

static void expect_scaled_err(const char *s, unsigned scale, int err)
{
    uint64_t v = SENTINEL_U;
    int rc = num_parse_scaled_u64(s, scale, &v);
    if (rc != err)
        fail_msg("num_parse_scaled_u64('%s', %u) = %d, want %d", s, scale, rc, err);
    assert_int_equal(v, SENTINEL_U);
}

static void test_scaled_u64_valid(void **state)
{
    (void)state;
    expect_scaled("0", 1000, 0);
    expect_scaled("65536", 1000, 65536);
    expect_scaled("0010", 1000, 10);
    expect_scaled("1k", 1000, 1000);
    expect_scaled("1K", 1000, 1000);
    expect_scaled("2M", 1000, 2000000);
    expect_scaled("3G", 1000, 3000000000ull);
    expect_scaled("4T", 1000, 4000000000000ull);
    expect_scaled("1k", 1024, 1024);
    expect_scaled("1K", 1024, 1024);
    expect_scaled("2M", 1024, 2097152);
    expect_scaled("3G", 1024, 3ull << 30);
    expect_scaled("4T", 1024, 4ull << 40);
    /* 'i' forces 1024 whatever the default scale. */
    expect_scaled("1Ki", 1000, 1024);
    expect_scaled("1ki", 1000, 1024);
    expect_scaled("64Ki", 1000, 65536);
    expect_scaled("1Mi", 1000, 1048576);
    expect_scaled("1Gi", 1000, 1ull << 30);
    expect_scaled("1Ti", 1000, 1ull << 40);
    expect_scaled("1Mi", 1024, 1048576);
    expect_scaled("18446744073709551615", 1000, UINT64_MAX);
    expect_scaled("16777215Ti", 1000, 16777215ull << 40);
    expect_scaled("18446744T", 1000, 18446744000000000000ull);
}

static void test_scaled_u64_invalid(void **state)
{
    (void)state;
    expect_scaled_err("", 1000, -EINVAL);
    expect_scaled_err("k", 1000, -EINVAL);
    expect_scaled_err("-1", 1000, -EINVAL);
    expect_scaled_err("+1", 1000, -EINVAL);
    expect_scaled_err(" 1", 1000, -EINVAL);
    expect_scaled_err("1 ", 1000, -EINVAL);
    expect_scaled_err("1 k", 1000, -EINVAL);
    expect_scaled_err("1m", 1000, -EINVAL);   /* milli is not for integers */
    expect_scaled_err("1g", 1000, -EINVAL);
    expect_scaled_err("1t", 1000, -EINVAL);
    expect_scaled_err("1i", 1000, -EINVAL);
    expect_scaled_err("1KB", 1000, -EINVAL);  /* trailing garbage, unlike upstream */
    expect_scaled_err("1KiB", 1000, -EINVAL);
    expect_scaled_err("1kk", 1000, -EINVAL);
    expect_scaled_err("1Kii", 1000, -EINVAL);
    expect_scaled_err("0x10", 1000, -EINVAL);
    expect_scaled_err("1.5k", 1000, -EINVAL);
    expect_scaled_err("1k", 1001, -EINVAL);
    expect_scaled_err("1", 0, -EINVAL);
    expect_scaled_err("18446744073709551616", 1000, -ERANGE);
    expect_scaled_err("18446744073709551616k", 1000, -ERANGE);
    expect_scaled_err("18446745T", 1000, -ERANGE);
    expect_scaled_err("16777216Ti", 1000, -ERANGE);
    expect_scaled_err("16777216T", 1024, -ERANGE);
    /* Syntax errors win over overflow. */
    expect_scaled_err("99999999999999999999999x", 1000, -EINVAL);
}

static void expect_double(const char *s, double want)
{
    double v = -1.0;
    int rc = num_parse_scaled_double(s, &v);
    if (rc != 0)
        fail_msg("num_parse_scaled_double('%s') = %d", s, rc);
    double tol = fabs(want) * 1e-12;
    if (fabs(v - want) > tol)
        fail_msg("num_parse_scaled_double('%s') gave %.17g, want %.17g", s, v, want);
}

static void expect_double_err(const char *s, int err)
{
    double v = -1.0;
    int rc = num_parse_scaled_double(s, &v);
    if (rc != err)
        fail_msg("num_parse_scaled_double('%s') = %d, want %d", s, rc, err);
    assert_true(v == -1.0);
}

static void test_scaled_double_valid(void **state)
{
    (void)state;
    expect_double("0", 0.0);
    expect_double("2.5", 2.5);
    expect_double("2.5M", 2500000.0);
    expect_double("2.5k", 2500.0);
    expect_double("2.5K", 2500.0);
    expect_double("1G", 1e9);
    expect_double("1T", 1e12);
    expect_double("100k", 100000.0);
    expect_double("30M", 30000000.0);
    expect_double("5m", 0.005);
    expect_double("5u", 5e-6);
    expect_double("5n", 5e-9);
    expect_double("5p", 5e-12);
    expect_double("1Ki", 1024.0);
    expect_double("1.5Mi", 1.5 * 1048576.0);
    expect_double("1mi", 1.0 / 1024.0);
    expect_double("1pi", 1.0 / 1099511627776.0);
    expect_double(".5", 0.5);
    expect_double("5.", 5.0);
    expect_double("1e3", 1000.0);
    expect_double("1E3k", 1e6);
    expect_double("1e-3", 0.001);
    expect_double("1e+3", 1000.0);
    expect_double("1.25e2M", 125e6);
}

static void test_scaled_double_invalid(void **state)
{
    (void)state;
    expect_double_err("", -EINVAL);
    expect_double_err(".", -EINVAL);
    expect_double_err("k", -EINVAL);
    expect_double_err("-1", -EINVAL);
    expect_double_err("+1", -EINVAL);
    expect_double_err(" 1", -EINVAL);
    expect_double_err("1 ", -EINVAL);
    expect_double_err("0x10", -EINVAL);
    expect_double_err("inf", -EINVAL);
    expect_double_err("nan", -EINVAL);
    expect_double_err("INF", -EINVAL);
    expect_double_err("1e", -EINVAL);
    expect_double_err("1e+", -EINVAL);
    expect_double_err("1x", -EINVAL);
    expect_double_err("1MB", -EINVAL);
    expect_double_err("1Mii", -EINVAL);
    expect_double_err("1i", -EINVAL);
    expect_double_err("1,5", -EINVAL);
    expect_double_err("1e400", -ERANGE);
    expect_double_err("1e308T", -ERANGE);
    expect_double_err("1e308Ti", -ERANGE);
}

/* A locale with a decimal comma must not change the syntax. */
static void test_scaled_double_locale(void **state)
{
    (void)state;
    const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", NULL };
    const char *got = NULL;
    for (size_t i = 0; names[i] && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got)
        skip_because("no locale with a decimal comma (de_DE.UTF-8, fr_FR.UTF-8) is installed");
    expect_double("2.5M", 2500000.0);
    expect_double_err("2,5M", -EINVAL);
    setlocale(LC_NUMERIC, "C");
}

/* Messages say what an error code means; overflow is "too large". */
static void test_strerror(void **state)
{
    (void)state;
    uint64_t v;
    double d;
    assert_string_equal(num_strerror(num_parse_u64("99999999999999999999999", 10, &v)),
                        "too large");
    assert_string_equal(num_strerror(num_parse_scaled_u64("18446744073709551616", 1024, &v)),
                        "too large");
    assert_string_equal(num_strerror(num_parse_scaled_u64("16777216T", 1024, &v)), "too large");
    assert_string_equal(num_strerror(num_parse_scaled_double("1e400", &d)), "too large");
    assert_string_equal(num_strerror(num_parse_u64("x", 10, &v)), "not a number");
    assert_string_equal(num_strerror(num_parse_scaled_u64("1kB", 1024, &v)), "not a number");
    assert_string_equal(num_strerror(-ENOMEM), "out of memory");
    assert_string_equal(num_strerror(-EIO), "invalid");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_valid),
        cmocka_unit_test(test_u64_invalid),
        cmocka_unit_test(test_scaled_u64_valid),
        cmocka_unit_test(test_scaled_u64_invalid),
        cmocka_unit_test(test_scaled_double_valid),
        cmocka_unit_test(test_scaled_double_invalid),
        cmocka_unit_test(test_scaled_double_locale),
        cmocka_unit_test(test_strerror),
    };
    return unit_run(tests);
}
