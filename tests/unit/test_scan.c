/* Unit tests for scan (spec §1.4, §1.5): byte-exact output. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

static struct devinfo mkdev(unsigned bus, unsigned dev, const char *serial, const char *mfg,
                            const char *product, const char *port)
{
    struct devinfo d;
    memset(&d, 0, sizeof(d));
    d.bus = bus;
    d.dev = dev;
    d.vid = BB_VENDOR_ID;
    d.pid = BB_PRODUCT_ID;
    snprintf(d.serial, sizeof(d.serial), "%s", serial);
    snprintf(d.manufacturer, sizeof(d.manufacturer), "%s", mfg);
    snprintf(d.product, sizeof(d.product), "%s", product);
    snprintf(d.port, sizeof(d.port), "%s", port);
    return d;
}

static void expect_human(const struct devinfo *devs, size_t n, bool verbose, const char *want)
{
    char *got = scan_format_human(devs, n, verbose);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_human_none(void **state)
{
    (void)state;
    expect_human(NULL, 0, false, "No devices found.\n");
    expect_human(NULL, 0, true, "No devices found.\n");
    struct devinfo d = mkdev(1, 2, "X", "", "", "");
    expect_human(&d, 0, false, "No devices found.\n");
}

static void test_human_one(void **state)
{
    (void)state;
    struct devinfo d = mkdev(3, 6, "GK9VZF", "Voicetronix", "White RNG", "2");
    expect_human(&d, 1, false,
                 "Have 1 device:\n"
                 "  Bus:Device\n"
                 "  003:006 Serial 'GK9VZF', port 3-2\n");
    expect_human(&d, 1, true,
                 "Have 1 device:\n"
                 "  Bus:Dev  VID:PID\n"
                 "  003:006 0403:7840 Serial 'GK9VZF', Mfg 'Voicetronix', Product 'White RNG', "
                 "port 3-2\n");
    /* No port: no ", port" at all. */
    d.port[0] = '\0';
    expect_human(&d, 1, false,
                 "Have 1 device:\n"
                 "  Bus:Device\n"
                 "  003:006 Serial 'GK9VZF'\n");
}

static void test_human_three(void **state)
{
    (void)state;
    struct devinfo d[3] = {
        mkdev(5, 7, "GTH4R8", "M", "White RNG", "2.3"),
        mkdev(3, 6, "GK9VZF", "Voicetronix", "Black RNG", "2"),
        mkdev(1, 120, "", "", "", ""),
    };
    d[1].vid = 0xABCD;
    d[1].pid = 0x00EF;
    expect_human(d, 3, false,
                 "Have 3 devices:\n"
                 "  Bus:Device\n"
                 "  005:007 Serial 'GTH4R8', port 5-2.3\n"
                 "  003:006 Serial 'GK9VZF', port 3-2\n"
                 "  001:120 Serial ''\n");
    expect_human(d, 3, true,
                 "Have 3 devices:\n"
                 "  Bus:Dev  VID:PID\n"
                 "  005:007 0403:7840 Serial 'GTH4R8', Mfg 'M', Product 'White RNG', port 5-2.3\n"
                 "  003:006 abcd:00ef Serial 'GK9VZF', Mfg 'Voicetronix', Product 'Black RNG', "
                 "port 3-2\n"
                 "  001:120 0403:7840 Serial '', Mfg '', Product ''\n");
    expect_human(d, 2, false,
                 "Have 2 devices:\n"
                 "  Bus:Device\n"
                 "  005:007 Serial 'GTH4R8', port 5-2.3\n"
                 "  003:006 Serial 'GK9VZF', port 3-2\n");
}

static void test_human_wide(void **state)
{
    (void)state;
    /* Numbers wider than the padding are printed in full; the port's bus is
     * unpadded; strings that fill their array are not overrun. */
    struct devinfo d = mkdev(1000, 5, "", "", "", "1.2.3.4.5.6.7");
    memset(d.serial, 'S', sizeof(d.serial));
    memset(d.port, '9', sizeof(d.port));
    char *got = scan_format_human(&d, 1, false);
    assert_non_null(got);
    char want[512];
    snprintf(want, sizeof(want), "Have 1 device:\n  Bus:Device\n  1000:005 Serial '%.*s', port 1000-%.*s\n",
             (int)sizeof(d.serial), d.serial, (int)sizeof(d.port), d.port);
    assert_string_equal(got, want);
    free(got);
}

static void test_shell_mr_none(void **state)
{
    (void)state;
    size_t len = 99;
    assert_null(scan_format_shell_mr(NULL, 0, &len));
    assert_int_equal(len, 0);
    struct devinfo d = mkdev(1, 2, "X", "", "", "");
    len = 99;
    assert_null(scan_format_shell_mr(&d, 0, &len));
    assert_int_equal(len, 0);
}

static void test_shell_mr(void **state)
{
    (void)state;
    struct devinfo d[3] = {
        mkdev(5, 7, "GTH4R8", "M", "White RNG", "2.3"),
        mkdev(3, 6, "GK9VZF", "Voicetronix", "Black RNG", "2"),
        mkdev(1, 120, "", "", "", ""),
    };
    d[2].vid = 0xABCD;
    d[2].pid = 0x00EF;
    static const char want[] =
        "\nD:\0" "005\0" "007\0" "0403\0" "7840\0" "GTH4R8\0" "M\0" "White RNG\0" "2.3\0"
        "\nD:\0" "003\0" "006\0" "0403\0" "7840\0" "GK9VZF\0" "Voicetronix\0" "Black RNG\0" "2\0"
        "\nD:\0" "001\0" "120\0" "abcd\0" "00ef\0" "\0" "\0" "\0" "\0";
    size_t len = 0;
    char *got = scan_format_shell_mr(d, 3, &len);
    assert_non_null(got);
    assert_int_equal(len, sizeof(want) - 1);
    assert_memory_equal(got, want, sizeof(want) - 1);
    /* 9 NUL-terminated fields per device. */
    size_t nuls = 0;
    for (size_t i = 0; i < len; i++)
        nuls += got[i] == '\0';
    assert_int_equal(nuls, 27);
    free(got);

    got = scan_format_shell_mr(d, 1, &len);
    assert_non_null(got);
    static const char want1[] =
        "\nD:\0" "005\0" "007\0" "0403\0" "7840\0" "GTH4R8\0" "M\0" "White RNG\0" "2.3\0";
    assert_int_equal(len, sizeof(want1) - 1);
    assert_memory_equal(got, want1, sizeof(want1) - 1);
    free(got);

    assert_null(scan_format_shell_mr(d, 1, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_none),
        cmocka_unit_test(test_human_one),
        cmocka_unit_test(test_human_three),
        cmocka_unit_test(test_human_wide),
        cmocka_unit_test(test_shell_mr_none),
        cmocka_unit_test(test_shell_mr),
    };
    return unit_run(tests);
}
