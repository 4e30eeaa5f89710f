/* Unit tests for devid (spec §1.6). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devid.h"

static struct devid parse_ok(const char *s)
{
    struct devid id;
    char err[256] = "untouched";
    memset(&id, 0xA5, sizeof(id));
    int rc = devid_parse(s, &id, err, sizeof(err));
    if (rc != 0)
        fail_msg("devid_parse('%s') = %d: %s", s, rc, err);
    assert_string_equal(err, "");
    return id;
}

static void expect_busdev(const char *s, bool has_bus, unsigned bus, unsigned dev)
{
    struct devid id = parse_ok(s);
    assert_int_equal(id.kind, DEVID_BUSDEV);
    assert_int_equal(id.has_bus, has_bus);
    if (has_bus)
        assert_int_equal(id.bus, bus);
    assert_int_equal(id.dev, dev);
}

static void expect_port(const char *s, unsigned bus, const char *port)
{
    struct devid id = parse_ok(s);
    assert_int_equal(id.kind, DEVID_PORT);
    assert_int_equal(id.bus, bus);
    assert_string_equal(id.str, port);
}

static void expect_serial(const char *s)
{
    struct devid id = parse_ok(s);
    assert_int_equal(id.kind, DEVID_SERIAL);
    assert_string_equal(id.str, s);
}

/* err must be exactly "invalid device ID '<s>': <reason>". */
static void expect_err(const char *s, const char *reason)
{
    struct devid id;
    memset(&id, 0x5A, sizeof(id));
    struct devid before = id;
    char err[256] = "";
    int rc = devid_parse(s, &id, err, sizeof(err));
    if (rc != -EINVAL)
        fail_msg("devid_parse('%s') = %d, want -EINVAL", s, rc);
    char want[256];
    snprintf(want, sizeof(want), "invalid device ID '%s': %s", s, reason);
    assert_string_equal(err, want);
    assert_memory_equal(&id, &before, sizeof(id));
    /* NULL err is allowed. */
    assert_int_equal(devid_parse(s, &id, NULL, 0), -EINVAL);
}

#define BUS_ERR "bus number must be 0..127"
#define DEV_ERR "device number must be 1..127"
#define PORT_ERR "port path must be 1..7 dot-separated port numbers 1..255"

static void test_parse_busdev(void **state)
{
    (void)state;
    expect_busdev("3:6", true, 3, 6);
    expect_busdev("003:006", true, 3, 6);
    expect_busdev("0:1", true, 0, 1);
    expect_busdev("127:127", true, 127, 127);
    expect_busdev(":5", false, 0, 5);
    expect_busdev("5", false, 0, 5);
    expect_busdev("1", false, 0, 1);
    expect_busdev("127", false, 0, 127);
    expect_busdev("007", false, 0, 7);
    expect_busdev("0000000000003:0000000000004", true, 3, 4);
}

static void test_parse_port(void **state)
{
    (void)state;
    expect_port("3-2", 3, "2");
    expect_port("5-2.3", 5, "2.3");
    expect_port("0-1", 0, "1");
    expect_port("127-255", 127, "255");
    expect_port("005-2.3", 5, "2.3");
    expect_port("3-10.20.100", 3, "10.20.100"); /* zeros, none leading */
    assert_true(devid_valid_port("2.10"));
    assert_false(devid_valid_port("2.02"));
    assert_false(devid_valid_port("2.0"));
    expect_port("1-1.2.3.4.5.6.7", 1, "1.2.3.4.5.6.7");
    expect_port("1-255.255.255.255.255.255.255", 1, "255.255.255.255.255.255.255");
    /* '-' takes precedence over ':'. */
    expect_err("3:4-2", BUS_ERR);
}

static void test_parse_serial(void **state)
{
    (void)state;
    expect_serial("GK9VZF");
    expect_serial("GTH4R8");
    expect_serial("ABCD");
    expect_serial("1234");       /* 4 digits: a serial, not a device number */
    expect_serial("gk9vzf");     /* case preserved */
    char longest[DEVINFO_STR_MAX];
    memset(longest, 'A', sizeof(longest) - 1);
    longest[sizeof(longest) - 1] = '\0';
    expect_serial(longest);
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_err("", "empty");
    /* bus:dev */
    expect_err("3:0", DEV_ERR);
    expect_err("3:128", DEV_ERR);
    expect_err("128:1", BUS_ERR);
    expect_err("3:", DEV_ERR);
    expect_err(":", DEV_ERR);
    expect_err(":0", DEV_ERR);
    expect_err("+3:4", BUS_ERR);
    expect_err(" 3:4", BUS_ERR);
    expect_err("3: 4", DEV_ERR);
    expect_err("3:+4", DEV_ERR);
    expect_err("3:4 ", DEV_ERR);
    expect_err("3:4:5", DEV_ERR);
    expect_err("a:1", BUS_ERR);
    expect_err("0x3:4", BUS_ERR);
    expect_err("99999999999999999999:1", BUS_ERR);
    expect_err("1:99999999999999999999", DEV_ERR);
    /* dev only */
    expect_err("0", DEV_ERR);
    expect_err("000", DEV_ERR);
    expect_err("128", DEV_ERR);
    expect_err("999", DEV_ERR);
    expect_err("abc", DEV_ERR);
    expect_err("+5", DEV_ERR);
    expect_err(" 5", DEV_ERR);
    expect_err("5 ", DEV_ERR);
    /* port */
    expect_err("3-", "port path is empty");
    expect_err("-2", BUS_ERR);
    expect_err("-", BUS_ERR);
    expect_err("128-1", BUS_ERR);
    expect_err("+3-2", BUS_ERR);
    expect_err("3-2..3", PORT_ERR);
    expect_err("3-.2", PORT_ERR);
    expect_err("3-2.", PORT_ERR);
    expect_err("3-0", PORT_ERR);
    expect_err("3-256", PORT_ERR);
    expect_err("3-02", PORT_ERR);
    /* No leading zero, and no zero, at any level: the kernel's path has none. */
    expect_err("3-2.02", PORT_ERR);
    expect_err("3-2.3.04", PORT_ERR);
    expect_err("1-1.2.3.4.5.6.07", PORT_ERR);
    expect_err("3-2.00", PORT_ERR);
    expect_err("3-2.0", PORT_ERR);
    expect_err("3-2.0.1", PORT_ERR);
    expect_err("3-2-3", PORT_ERR);
    expect_err("3-2:3", PORT_ERR);
    expect_err("3-a", PORT_ERR);
    expect_err("3- 2", PORT_ERR);
    expect_err("1-1.2.3.4.5.6.7.8", PORT_ERR);
    expect_err("1-99999999999999999999999999999999999999", PORT_ERR);
    /* serial too long */
    char toolong[DEVINFO_STR_MAX + 1];
    memset(toolong, 'A', sizeof(toolong) - 1);
    toolong[sizeof(toolong) - 1] = '\0';
    expect_err(toolong, "serial number longer than 127 characters");
}

static void test_err_buffer(void **state)
{
    (void)state;
    struct devid id;
    char err[20];
    assert_int_equal(devid_parse("3:0", &id, err, sizeof(err)), -EINVAL);
    assert_int_equal(strlen(err), sizeof(err) - 1);
    assert_memory_equal(err, "invalid device ID '", 19);
    char one[1] = { 'x' };
    assert_int_equal(devid_parse("3:0", &id, one, sizeof(one)), -EINVAL);
    assert_int_equal(one[0], '\0');
    /* A success clears err. */
    char e2[64] = "stale";
    assert_int_equal(devid_parse("3:4", &id, e2, sizeof(e2)), 0);
    assert_string_equal(e2, "");
    assert_int_equal(devid_parse(NULL, &id, NULL, 0), -EINVAL);
    assert_int_equal(devid_parse("3:4", NULL, NULL, 0), -EINVAL);
}

static struct devinfo mkdev(unsigned bus, unsigned dev, const char *serial, const char *port)
{
    struct devinfo d;
    memset(&d, 0, sizeof(d));
    d.bus = bus;
    d.dev = dev;
    d.vid = BB_VENDOR_ID;
    d.pid = BB_PRODUCT_ID;
    snprintf(d.serial, sizeof(d.serial), "%s", serial);
    snprintf(d.port, sizeof(d.port), "%s", port);
    return d;
}

static void test_match(void **state)
{
    (void)state;
    struct devinfo a = mkdev(3, 6, "GK9VZF", "2");
    struct devinfo b = mkdev(5, 7, "GTH4R8", "2.3");
    struct devinfo c = mkdev(5, 6, "", "");

    struct devid id = parse_ok("GK9VZF");
    assert_true(devid_match(&id, &a));
    assert_false(devid_match(&id, &b));
    assert_false(devid_match(&id, &c));
    id = parse_ok("gk9vzf");
    assert_false(devid_match(&id, &a));
    id = parse_ok("GK9VZ");
    assert_false(devid_match(&id, &a));

    id = parse_ok("3:6");
    assert_true(devid_match(&id, &a));
    assert_false(devid_match(&id, &b));
    assert_false(devid_match(&id, &c));
    id = parse_ok(":6");
    assert_true(devid_match(&id, &a));
    assert_false(devid_match(&id, &b));
    assert_true(devid_match(&id, &c));
    id = parse_ok("6");
    assert_true(devid_match(&id, &a));
    assert_true(devid_match(&id, &c));
    id = parse_ok("0:6");
    assert_false(devid_match(&id, &a));

    id = parse_ok("5-2.3");
    assert_false(devid_match(&id, &a));
    assert_true(devid_match(&id, &b));
    assert_false(devid_match(&id, &c));
    id = parse_ok("5-2");
    assert_false(devid_match(&id, &b));
    id = parse_ok("3-2.3");
    assert_false(devid_match(&id, &b));
    id = parse_ok("3-2");
    assert_true(devid_match(&id, &a));

    struct devid none = { .kind = DEVID_NONE };
    assert_false(devid_match(&none, &a));
    assert_false(devid_match(NULL, &a));
    assert_false(devid_match(&id, NULL));
}

static void expect_format(const char *s, const char *want)
{
    struct devid id = parse_ok(s);
    char buf[160];
    assert_ptr_equal(devid_format(&id, buf, sizeof(buf)), buf);
    assert_string_equal(buf, want);
}

static void test_format(void **state)
{
    (void)state;
    expect_format("3:6", "Bus:Device 003:006");
    expect_format("127:127", "Bus:Device 127:127");
    expect_format(":6", "Bus:Device *:006");
    expect_format("42", "Bus:Device *:042");
    expect_format("5-2.3", "Port 5-2.3");
    expect_format("005-2.3", "Port 5-2.3");
    expect_format("GK9VZF", "Serial 'GK9VZF'");
    char buf[32];
    struct devid none = { .kind = DEVID_NONE };
    assert_string_equal(devid_format(&none, buf, sizeof(buf)), "No device selected");
    assert_string_equal(devid_format(NULL, buf, sizeof(buf)), "No device selected");
    /* Truncation stays NUL-terminated. */
    struct devid id = parse_ok("3:6");
    char small[8];
    devid_format(&id, small, sizeof(small));
    assert_string_equal(small, "Bus:Dev");
    char zero[1] = { 'z' };
    assert_ptr_equal(devid_format(&id, zero, 0), zero);
    assert_int_equal(zero[0], 'z');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_busdev),
        cmocka_unit_test(test_parse_port),
        cmocka_unit_test(test_parse_serial),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_format),
    };
    return unit_run(tests);
}
