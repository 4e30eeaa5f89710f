/* Unit tests for vm.conf's DOMAIN_USB_<id>=( VID:PID:SERIAL ... ): any USB
 * device by serial (issue 10 §3), parsed strictly, never executed. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmconf.h"

static struct vmconf *parse_ok(const char *s)
{
    struct vmconf *c = NULL;
    char err[512] = "untouched";
    int r = vmconf_parse(s, strlen(s), "vm.conf", &c, err, sizeof(err));
    if (r != 0)
        fail_msg("vmconf_parse(\"%s\") = %d: %s", s, r, err);
    assert_string_equal(err, "");
    return c;
}

static void expect_err(const char *in, unsigned line, const char *k1, const char *k2)
{
    struct vmconf *c = NULL;
    char err[512] = "", want[32];
    int r = vmconf_parse(in, strlen(in), "vm.conf", &c, err, sizeof(err));
    if (r != -EINVAL)
        fail_msg("vmconf_parse(\"%s\") = %d, want -EINVAL (err '%s')", in, r, err);
    assert_null(c);
    snprintf(want, sizeof(want), "vm.conf:%u: ", line);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("input \"%s\": err '%s' does not start with '%s'", in, err, want);
    if (k1 && !strstr(err, k1))
        fail_msg("input \"%s\": err '%s' lacks '%s'", in, err, k1);
    if (k2 && !strstr(err, k2))
        fail_msg("input \"%s\": err '%s' lacks '%s'", in, err, k2);
}

static void expect_usb(const struct vmconf_usb *u, uint16_t vid, uint16_t pid, const char *s)
{
    assert_int_equal(u->vid, vid);
    assert_int_equal(u->pid, pid);
    assert_string_equal(u->serial, s);
}

static void test_parse_id(void **state)
{
    (void)state;
    struct vmconf_usb u = { 0 };
    char buf[VMCONF_USB_TEXT_MAX];
    assert_int_equal(vmconf_parse_usb("1d6b:0104:ABC123", &u), 0);
    expect_usb(&u, 0x1d6b, 0x0104, "ABC123");
    assert_int_equal(vmconf_parse_usb("1D6B:ABcd:a.b_c-d:e", &u), 0);
    expect_usb(&u, 0x1d6b, 0xabcd, "a.b_c-d:e");
    assert_string_equal(vmconf_usb_format(u.vid, u.pid, u.serial, buf, sizeof(buf)),
                        "1d6b:abcd:a.b_c-d:e");
    assert_int_equal(vmconf_parse_usb("0403:7840:GK9VZF", &u), 0);
    expect_usb(&u, 0x0403, 0x7840, "GK9VZF");
    assert_int_equal(vmconf_parse_usb("1d6b:0104:1", &u), 0);   /* one character */
    static const char *const bad[] = {
        "", "ABC123", "1d6b:0104", "1d6b:0104:", "1d6b:104:ABC", "1d6b:00104:ABC",
        "0x1d:0104:ABC", "0000:0104:ABC", "1d6b:0000:ABC", "1g6b:0104:ABC", "1d6b-0104-ABC",
        "1d6b:0104:AB C", "1d6b:0104:AB/C", "1d6b:0104:AB$C", "1d6b:0104:\xc3\xa9", " 1d6b:0104:A",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        u.vid = 7;
        if (vmconf_parse_usb(bad[i], &u) != -EINVAL)
            fail_msg("'%s' was accepted", bad[i]);
        assert_int_equal(u.vid, 7);  /* untouched */
    }
    char longer[200];
    memset(longer, 'A', sizeof(longer));
    memcpy(longer, "1d6b:0104:", 10);
    longer[10 + VMCONF_USB_SERIAL_MAX] = '\0';
    assert_int_equal(vmconf_parse_usb(longer, &u), 0);
    longer[10 + VMCONF_USB_SERIAL_MAX] = 'A';
    longer[11 + VMCONF_USB_SERIAL_MAX] = '\0';
    assert_int_equal(vmconf_parse_usb(longer, &u), -EINVAL);
}

static void test_domain_usb(void **state)
{
    (void)state;
    struct vmconf *c = parse_ok(
        "# a BitBabbler and two other devices for vm1\n"
        "DOMAIN_RNG_vm1=( GK9VZF )\n"
        "DOMAIN_USB_vm1=( 1d6b:0104:ABC123   # a token\n"
        "                 '046D':C52B:0:1.2-x_y )\n"
        "DOMAIN_USB_vm1+=( 0403:7840:GDYXTH )\n"
        "DOMAIN_USB_web=\"1d6b:0104:OTHER1\"\n"
        "DOMAIN_NAME_web=\"web server\"\n"
        "DOMAIN_USB_only=( )\n");
    assert_int_equal(vmconf_count(c), 3);
    const struct vmconf_domain *d = vmconf_find(c, "vm1");
    assert_non_null(d);
    /* the BitBabbler named by VID:PID:SERIAL is one of the domain's serials */
    assert_int_equal(d->nserials, 2);
    assert_string_equal(d->serials[0], "GK9VZF");
    assert_string_equal(d->serials[1], "GDYXTH");
    assert_int_equal(d->nusb, 2);
    expect_usb(&d->usb[0], 0x1d6b, 0x0104, "ABC123");
    expect_usb(&d->usb[1], 0x046d, 0xc52b, "0:1.2-x_y");
    assert_ptr_equal(vmconf_for_serial(c, "GDYXTH"), d);
    assert_ptr_equal(vmconf_for_usb(c, 0x0403, 0x7840, "GDYXTH"), d);
    assert_ptr_equal(vmconf_for_usb(c, 0x1d6b, 0x0104, "ABC123"), d);
    assert_ptr_equal(vmconf_for_usb(c, 0x046d, 0xc52b, "0:1.2-x_y"), d);
    const struct vmconf_domain *w = vmconf_find(c, "web server");
    assert_non_null(w);
    assert_int_equal(w->nserials, 0);
    assert_int_equal(w->nusb, 1);
    assert_ptr_equal(vmconf_for_usb(c, 0x1d6b, 0x0104, "OTHER1"), w);
    /* the same serial with another VID:PID, or a BitBabbler's VID:PID, is not it */
    assert_null(vmconf_for_usb(c, 0x1d6b, 0x0105, "ABC123"));
    assert_null(vmconf_for_usb(c, 0x0403, 0x7840, "ABC123"));
    assert_null(vmconf_for_usb(c, 0x1d6b, 0x0104, "abc123"));
    assert_null(vmconf_for_serial(c, "ABC123"));  /* seedd: not a BitBabbler serial */
    assert_null(vmconf_for_usb(NULL, 0x1d6b, 0x0104, "ABC123"));
    assert_int_equal(vmconf_find(c, "only")->nusb, 0);
    vmconf_free(c);
}

static void test_usb_errors(void **state)
{
    (void)state;
    expect_err("DOMAIN_USB_a=( 1d6b:0104:ABC ABC123 )\n", 1, "'ABC123' is not a valid VID:PID:SERIAL",
               NULL);
    expect_err("\nDOMAIN_USB_a=( 1d6b:104:ABC )\n", 2, "'1d6b:104:ABC'", "4 hex");
    expect_err("DOMAIN_USB_a=( 1d6b:0104:A\\ B )\n", 1, "'1d6b:0104:A B'", "not a valid");
    expect_err("DOMAIN_USB_a=( 0000:0104:ABC )\n", 1, "not 0000", NULL);
    expect_err("DOMAIN_USB_a=( 0403:7840:GK9 )\n", 1, "'GK9' is not a valid serial", NULL);
    expect_err("DOMAIN_USB_a=( 1d6b:0104:ABC\n 1d6b:0104:ABC )\n", 2,
               "'1d6b:0104:ABC' is listed twice for domain 'a'", "line 1");
    expect_err("DOMAIN_USB_a=( 1d6b:0104:ABC )\nDOMAIN_USB_b=( 1D6B:0104:ABC )\n", 2,
               "assigned to both domain 'a' (line 1) and domain 'b'", NULL);
    expect_err("DOMAIN_RNG_a=( GK9VZF )\nDOMAIN_USB_b=( 0403:7840:GK9VZF )\n", 2,
               "'GK9VZF' is assigned to both", NULL);
    expect_err("DOMAIN_USB_a=( 1d6b:0104:A )\nDOMAIN_USB_a=( 1d6b:0104:B )\n", 2,
               "already set on line 1", "DOMAIN_USB_a+=(");
    expect_err("DOMAIN_USB_a+=1d6b:0104:A\n", 1, "append", NULL);
    expect_err("DOMAIN_USB_a=( $(id):0104:A )\n", 1, "command substitution", NULL);
    expect_err("DOMAIN_USB_a=( 1d6b:0104:~x )\n", 1, "tilde expansion", NULL);
    expect_err("DOMAIN_USB_a=( 1d6b:0104:A* )\n", 1, "pathname expansion", NULL);
    expect_err("DOMAIN_USBX=( 1d6b:0104:A )\n", 1, "unknown setting", "DOMAIN_USB_<id>");
    expect_err("DOMAIN_NAME_a+=x\n", 1, "DOMAIN_USB_<id>", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_id),
        cmocka_unit_test(test_domain_usb),
        cmocka_unit_test(test_usb_errors),
    };
    return unit_run(tests);
}
