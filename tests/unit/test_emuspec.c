/* Unit tests for bbemu's --device SPEC parser (src/emu/spec.c): the
 * serial, location and options, and above all the device-identity options
 * vid=, pid=, manufacturer=, product= (valid and invalid values, duplicates,
 * lengths), and that the identity reaches the device model: its
 * descriptors and strings, and still after the power cycles of an unplug
 * and a replug (a device must never fall back to the BitBabbler's
 * 0403:7840 once it is given another identity). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmodel.h"
#include "spec.h"

const char cli_prog[] = "test_emuspec";   /* cli.c's messages */

static char err[512];

/* parse_ok TEXT: spec_parse succeeds; *s is to be spec_clear()ed. */
static void parse_ok(const char *text, struct spec *s)
{
    int rc = spec_parse(text, s, err, sizeof(err));
    if (rc != 0)
        fail_msg("'%s' refused: %s", text, err);
    assert_string_equal(err, "");
}

/* parse_bad TEXT WHY: refused with -EINVAL and a reason containing WHY. */
static void parse_bad(const char *text, const char *why)
{
    struct spec s;
    err[0] = '\0';
    int rc = spec_parse(text, &s, err, sizeof(err));
    spec_clear(&s);
    if (rc != -EINVAL)
        fail_msg("'%s' gave %d, not -EINVAL (err '%s')", text, rc, err);
    if (!strstr(err, why))
        fail_msg("'%s': reason '%s' does not say '%s'", text, err, why);
}

static void test_plain_serial(void **state)
{
    (void)state;
    struct spec s;
    parse_ok("GK9VZF", &s);
    assert_string_equal(s.serial, "GK9VZF");
    assert_int_equal(s.bus, 0);
    assert_string_equal(s.port, "");
    assert_int_equal(s.dev, 0);
    assert_int_equal(s.kind, FMODEL_WHITE);
    assert_false(s.no_serial);
    assert_int_equal(s.vid, 0);          /* 0: the BitBabbler's */
    assert_int_equal(s.pid, 0);
    assert_string_equal(s.manufacturer, "");
    assert_string_equal(s.product, "");
    assert_null(s.payload);
    assert_int_equal(s.nfaults, 0);
    spec_clear(&s);
}

static void test_location_and_options(void **state)
{
    (void)state;
    struct spec s;
    parse_ok("A.b_c-9@127-31.1.2.3.4.5.6,dev=127,black,noserial,paced,fault=stall:2,"
             "fault=unplug:4096@1k",
             &s);
    assert_true(s.paced);
    assert_string_equal(s.serial, "A.b_c-9");
    assert_int_equal(s.bus, 127);
    assert_string_equal(s.port, "31.1.2.3.4.5.6");
    assert_int_equal(s.dev, 127);
    assert_int_equal(s.kind, FMODEL_BLACK);
    assert_true(s.no_serial);
    assert_int_equal(s.nfaults, 2);
    spec_clear(&s);
    parse_ok("X1@1-1,dev=2,white", &s);
    assert_int_equal(s.bus, 1);
    assert_string_equal(s.port, "1");
    assert_int_equal(s.dev, 2);
    assert_int_equal(s.kind, FMODEL_WHITE);
    spec_clear(&s);
}

static void test_bad_serial_location_options(void **state)
{
    (void)state;
    char longser[FMODEL_SERIAL_MAX + 2];
    memset(longser, 'S', sizeof(longser) - 1);
    longser[sizeof(longser) - 1] = '\0';
    parse_bad("", "missing serial");
    parse_bad(",vid=1d6b", "missing serial");
    parse_bad("@1-1", "missing serial");
    parse_bad("-AB", "bad serial");
    parse_bad("A B", "bad serial");
    parse_bad("A/B", "bad serial");
    parse_bad(longser, "bad serial");
    longser[FMODEL_SERIAL_MAX] = '\0';   /* 126: the longest */
    struct spec s;
    parse_ok(longser, &s);
    spec_clear(&s);
    parse_bad("X1@1", "expected BUS-PORTPATH");
    parse_bad("X1@0-1", "bad bus number");
    parse_bad("X1@128-1", "bad bus number");
    parse_bad("X1@1-0", "bad port path");
    parse_bad("X1@1-32", "bad port path");
    parse_bad("X1@1-1..2", "bad port path");
    parse_bad("X1@1-1.2.3.4.5.6.7.8", "deeper than 7");
    parse_bad("X1@1-", "empty port path");
    parse_bad("X1,dev=1", "bad device number");
    parse_bad("X1,dev=128", "bad device number");
    parse_bad("X1,dev=", "bad device number");
    parse_bad("X1,dev=2,dev=3", "dev= given twice");
    parse_bad("X1,white,black", "white/black given twice");
    parse_bad("X1,noserial,noserial", "noserial given twice");
    parse_bad("X1,paced,paced", "paced given twice");
    parse_bad("X1,,white", "empty option");
    parse_bad("X1,white,", "empty option");
    parse_bad("X1,colour=white", "unknown option 'colour=white'");
    parse_bad("X1,VID=1d6b", "unknown option");     /* keys are lower case */
    parse_bad("X1,vendor=1d6b", "unknown option");
    parse_bad("X1,fault=nosuch", "nosuch");
    parse_bad("X1,payload=", "empty payload file name");
    parse_bad("X1,payload=/nonexistent/bbemu-payload", "cannot read payload file");
    parse_bad("X1,payload=/", "not a regular file");
}

static void test_payload(void **state)
{
    (void)state;
    char path[] = "/tmp/test_emuspec.XXXXXX", text[128];
    struct spec s;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    snprintf(text, sizeof(text), "P1,payload=%s", path);
    parse_bad(text, "is empty");
    assert_int_equal(write(fd, "abc", 3), 3);
    parse_ok(text, &s);
    assert_int_equal(s.payload_len, 3);
    assert_memory_equal(s.payload, "abc", 3);
    spec_clear(&s);
    assert_null(s.payload);
    snprintf(text, sizeof(text), "P1,payload=%s,payload=%s", path, path);
    parse_bad(text, "payload= given twice");
    close(fd);
    unlink(path);
}

static void test_vid_pid_valid(void **state)
{
    (void)state;
    struct spec s;
    parse_ok("USB0001,vid=1d6b,pid=0104", &s);
    assert_int_equal(s.vid, 0x1d6b);
    assert_int_equal(s.pid, 0x0104);
    spec_clear(&s);
    parse_ok("USB0001,pid=C52B,vid=046D", &s);         /* any order, upper case */
    assert_int_equal(s.vid, 0x046d);
    assert_int_equal(s.pid, 0xc52b);
    spec_clear(&s);
    parse_ok("U,vid=ffff,pid=0001", &s);                /* the range's ends */
    assert_int_equal(s.vid, 0xffff);
    assert_int_equal(s.pid, 0x0001);
    spec_clear(&s);
    parse_ok("U,vid=0001,pid=FFFF", &s);
    assert_int_equal(s.vid, 0x0001);
    assert_int_equal(s.pid, 0xffff);
    spec_clear(&s);
    parse_ok("U,vid=1d6b", &s);                         /* one without the other */
    assert_int_equal(s.vid, 0x1d6b);
    assert_int_equal(s.pid, 0);
    spec_clear(&s);
    parse_ok("U,pid=0104", &s);
    assert_int_equal(s.vid, 0);
    assert_int_equal(s.pid, 0x0104);
    spec_clear(&s);
}

static void test_vid_pid_invalid(void **state)
{
    (void)state;
    static const char *bad[] = { "", "0", "1d6", "1d6bb", "01d6b", "0000", "g000", "1d6g",
                                 "+1d6", "-1d6", " 1d6", "1d6 ", "0x1d", "1d6b0000", "x" };
    char text[64], why[64];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(text, sizeof(text), "U,vid=%s", bad[i]);
        snprintf(why, sizeof(why), "bad vid '%s' (4 hex digits, not 0000)", bad[i]);
        parse_bad(text, why);
        snprintf(text, sizeof(text), "U,pid=%s", bad[i]);
        snprintf(why, sizeof(why), "bad pid '%s' (4 hex digits, not 0000)", bad[i]);
        parse_bad(text, why);
    }
    parse_bad("U,vid=1d6b,vid=1d6b", "vid= given twice");
    parse_bad("U,vid=1d6b,pid=0104,vid=046d", "vid= given twice");
    parse_bad("U,pid=0104,pid=0104", "pid= given twice");
    parse_bad("U,vid", "unknown option 'vid'");
    parse_bad("U,pid", "unknown option 'pid'");
}

static void test_strings_valid(void **state)
{
    (void)state;
    struct spec s;
    char text[400], longest[FMODEL_SERIAL_MAX + 1];
    parse_ok("U,manufacturer=Linux Foundation,product=Gadget 2.0 (test)!", &s);
    assert_string_equal(s.manufacturer, "Linux Foundation");
    assert_string_equal(s.product, "Gadget 2.0 (test)!");
    spec_clear(&s);
    parse_ok("U,product= ,manufacturer=~", &s);         /* printable ends: 0x20, 0x7e */
    assert_string_equal(s.manufacturer, "~");
    assert_string_equal(s.product, " ");
    spec_clear(&s);
    parse_ok("U,product=a=b@c", &s);                    /* '=' and '@' in a value */
    assert_string_equal(s.product, "a=b@c");
    spec_clear(&s);
    memset(longest, 'm', FMODEL_SERIAL_MAX);
    longest[FMODEL_SERIAL_MAX] = '\0';
    snprintf(text, sizeof(text), "U,manufacturer=%s,product=%s", longest, longest);
    parse_ok(text, &s);
    assert_int_equal(strlen(s.manufacturer), FMODEL_SERIAL_MAX);
    assert_int_equal(strlen(s.product), FMODEL_SERIAL_MAX);
    spec_clear(&s);
}

static void test_strings_invalid(void **state)
{
    (void)state;
    char text[400], toolong[FMODEL_SERIAL_MAX + 2];
    memset(toolong, 'm', FMODEL_SERIAL_MAX + 1);
    toolong[FMODEL_SERIAL_MAX + 1] = '\0';
    const char *names[] = { "manufacturer", "product" };
    for (int i = 0; i < 2; i++) {
        const char *n = names[i];
        char why[64];
        snprintf(why, sizeof(why), "bad %s '", n);
        snprintf(text, sizeof(text), "U,%s=", n);
        parse_bad(text, why);                           /* empty */
        snprintf(text, sizeof(text), "U,%s=%s", n, toolong);
        parse_bad(text, why);                           /* 127 characters */
        snprintf(text, sizeof(text), "U,%s=a\\b", n);
        parse_bad(text, why);                           /* backslash */
        snprintf(text, sizeof(text), "U,%s=a\tb", n);
        parse_bad(text, why);                           /* control character */
        snprintf(text, sizeof(text), "U,%s=a\x7f", n);
        parse_bad(text, why);                           /* DEL */
        snprintf(text, sizeof(text), "U,%s=caf\xc3\xa9", n);
        parse_bad(text, why);                           /* not ASCII */
        snprintf(text, sizeof(text), "U,%s=A,%s=B", n, n);
        snprintf(why, sizeof(why), "%s= given twice", n);
        parse_bad(text, why);
    }
    parse_bad("U,manufacturer=Acme,Inc", "unknown option 'Inc'");   /* ',' ends a value */
}

/* The model a spec describes, as bbemu builds it. */
static struct fmodel *model_of(const char *text)
{
    struct spec s;
    struct fmodel *m = NULL;
    parse_ok(text, &s);
    struct fmodel_config cfg = spec_model_config(&s);
    assert_int_equal(fmodel_new(&cfg, &m), 0);
    spec_clear(&s);
    return m;
}

/* String descriptor idx of m, as ASCII (GET_DESCRIPTOR on EP0). */
static void string_of(struct fmodel *m, unsigned idx, char *out, size_t cap)
{
    uint8_t setup[8] = { 0x80, 6, (uint8_t)idx, 3, 0x09, 0x04, 255, 0 }, d[256];
    int n = fmodel_control(m, setup, d);
    size_t k = 0;
    assert_true(n >= 2);
    for (int i = 2; i + 1 < n && k + 1 < cap; i += 2)
        out[k++] = (char)d[i];
    out[k] = '\0';
}

static void identity_is(struct fmodel *m, uint16_t vid, uint16_t pid, const char *mfg,
                        const char *prod, const char *ser)
{
    size_t len;
    const uint8_t *d = fmodel_model_descriptors(m, &len);
    char s[200];
    assert_true(len >= 18);
    assert_int_equal(fmodel_vid(m), vid);
    assert_int_equal(fmodel_pid(m), pid);
    assert_int_equal(d[8] | d[9] << 8, vid);            /* idVendor, idProduct */
    assert_int_equal(d[10] | d[11] << 8, pid);
    assert_string_equal(fmodel_manufacturer(m), mfg);
    assert_string_equal(fmodel_product(m), prod);
    string_of(m, d[14], s, sizeof(s));                  /* iManufacturer */
    assert_string_equal(s, mfg);
    string_of(m, d[15], s, sizeof(s));                  /* iProduct */
    assert_string_equal(s, prod);
    string_of(m, d[16], s, sizeof(s));                  /* iSerialNumber */
    assert_string_equal(s, ser);
}

static void test_identity_reaches_the_model(void **state)
{
    (void)state;
    struct fmodel *m = model_of("GK9VZF");              /* none given: a BitBabbler */
    identity_is(m, 0x0403, 0x7840, FMODEL_MANUFACTURER, "White RNG", "GK9VZF");
    fmodel_free(m);
    m = model_of("USB0001,vid=1d6b,pid=0104,manufacturer=Linux Foundation,product=Gadget");
    identity_is(m, 0x1d6b, 0x0104, "Linux Foundation", "Gadget", "USB0001");
    fmodel_free(m);
    m = model_of("USB0002,pid=0104,black");             /* only the PID: FTDI's VID */
    identity_is(m, 0x0403, 0x0104, FMODEL_MANUFACTURER, "Black RNG", "USB0002");
    fmodel_free(m);
}

/* bbemu keeps one model per device across unplug and plug: the plug power-
 * cycles it (usbdev_plug) and a port reset resets it.  The identity given
 * must survive both, never fall back to the BitBabbler's. */
static void test_identity_survives_unplug_and_replug(void **state)
{
    (void)state;
    struct fmodel *m = model_of("USB0001@4-1,dev=3,vid=1d6b,pid=0104,product=Test_Gadget");
    for (int i = 0; i < 3; i++) {
        fmodel_wire_event(m, "unplug");
        fmodel_power_cycle(m);                          /* plug */
        identity_is(m, 0x1d6b, 0x0104, FMODEL_MANUFACTURER, "Test_Gadget", "USB0001");
        fmodel_reset(m);                                /* USBDEVFS_RESET */
        identity_is(m, 0x1d6b, 0x0104, FMODEL_MANUFACTURER, "Test_Gadget", "USB0001");
    }
    fmodel_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_serial),
        cmocka_unit_test(test_location_and_options),
        cmocka_unit_test(test_bad_serial_location_options),
        cmocka_unit_test(test_payload),
        cmocka_unit_test(test_vid_pid_valid),
        cmocka_unit_test(test_vid_pid_invalid),
        cmocka_unit_test(test_strings_valid),
        cmocka_unit_test(test_strings_invalid),
        cmocka_unit_test(test_identity_reaches_the_model),
        cmocka_unit_test(test_identity_survives_unplug_and_replug),
    };
    return unit_run(tests);
}
