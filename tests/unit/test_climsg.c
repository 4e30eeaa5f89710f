/* Unit tests for climsg: escaped argument text and getopt error messages. */
#include "unit.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "climsg.h"

static void expect_escape(const char *in, size_t len, const char *want)
{
    char buf[256];
    assert_true(len <= sizeof(buf));
    memset(buf, 'Z', sizeof(buf));
    assert_ptr_equal(climsg_escape(in, buf, len), buf);
    assert_string_equal(buf, want);
    assert_true(strlen(buf) < len);
}

static void test_escape_controls(void **state)
{
    (void)state;
    expect_escape("GK9VZF", 64, "GK9VZF");
    expect_escape("", 64, "");
    expect_escape("\x1b[31m", 64, "\\x1b[31m");
    expect_escape("a\tb\nc\r", 64, "a\\x09b\\x0ac\\x0d");
    expect_escape("\x7f", 64, "\\x7f");
    /* UTF-8 text stays; C1 controls, bad bytes and overlong forms do not. */
    expect_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 64,
                  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_escape("\xc2\x9b" "2J", 64, "\\xc2\\x9b2J");
    expect_escape("\x9b", 64, "\\x9b");
    expect_escape("\xff\xfe", 64, "\\xff\\xfe");
    expect_escape("\xc0\x80", 64, "\\xc0\\x80");
    expect_escape("\xed\xa0\x80", 64, "\\xed\\xa0\\x80");
    expect_escape("\xe2\x82", 64, "\\xe2\\x82");
    expect_escape("\xf4\x90\x80\x80", 64, "\\xf4\\x90\\x80\\x80");
}

static void test_escape_shortens_in_the_middle(void **state)
{
    (void)state;
    /* Exactly fits (9 characters + NUL), then one more. */
    expect_escape("abcdefghi", 10, "abcdefghi");
    expect_escape("abcdefghij", 10, "abc...hij");
    char long_arg[201];
    memset(long_arg, 'a', 200);
    long_arg[200] = 0;
    char msg[300];
    snprintf(msg, sizeof(msg), "invalid device ID '%s': serial number too long", long_arg);
    char buf[64];
    climsg_escape(msg, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 63);
    assert_memory_equal(buf, "invalid device ID 'aaa", 22);
    assert_non_null(strstr(buf, "..."));
    const char *tail = "': serial number too long";
    assert_string_equal(buf + strlen(buf) - strlen(tail), tail);
    /* Escapes are never cut in half. */
    expect_escape("\x01\x02\x03\x04\x05\x06", 16, "\\x01...\\x06");
}

static const struct option opts[] = {
    { "scan", no_argument, NULL, 's' },
    { "shell-mr", no_argument, NULL, 256 },
    { "stdout", no_argument, NULL, 'o' },
    { "bitrate", required_argument, NULL, 'r' },
    { "no-qa", no_argument, NULL, 257 },
    { "group", required_argument, NULL, 'g' },
    { "group-size", required_argument, NULL, 'G' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, '?' },
    { NULL, 0, NULL, 0 },
};

/* Runs getopt_long over the words as seedd does; returns what
 * climsg_getopt_error made of the first error ("" for help, NULL when
 * getopt saw no error). */
static const char *first_error(char *buf, size_t len, ...)
{
    char *argv[16] = { (char *)"prog" };
    int argc = 1;
    va_list ap;
    va_start(ap, len);
    for (char *w; (w = va_arg(ap, char *)) != NULL && argc < 15;)
        argv[argc++] = w;
    va_end(ap);
    argv[argc] = NULL;
    opterr = 0;
    /* glibc keeps optopt inside and copies it out after every call; a
     * program starts with 0 there.  Only an error sets it: an unknown long
     * option sets it back to 0. */
    char *reset[] = { (char *)"prog", (char *)"--zz-reset", NULL };
    optind = 0; /* glibc: start over */
    getopt_long(2, reset, ":", opts, NULL);
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":sor:g:G:v?", opts, NULL)) != -1) {
        if (c != '?' && c != ':')
            continue;
        if (!climsg_getopt_error(c, optopt, argv[optind - 1], opts, buf, len))
            buf[0] = 0;
        return buf;
    }
    return NULL;
}

#define EXPECT_ERR(want, ...)                                          \
    do {                                                               \
        char b_[256];                                                  \
        const char *got_ = first_error(b_, sizeof(b_), __VA_ARGS__, NULL); \
        assert_non_null(got_);                                         \
        assert_string_equal(got_, want);                               \
    } while (0)

static void test_getopt_errors(void **state)
{
    (void)state;
    EXPECT_ERR("option '--no-qa' takes no argument", "--no-qa=1");
    EXPECT_ERR("option '--scan' takes no argument", "-v", "--scan=1");
    EXPECT_ERR("option '--scan' takes no argument", "--sc=");
    EXPECT_ERR("option '--help' takes no argument", "--help=yes");
    EXPECT_ERR("option '--s' is ambiguous (--scan, --shell-mr, --stdout)", "--s");
    EXPECT_ERR("option '--gr' is ambiguous (--group, --group-size)", "--gr=1");
    EXPECT_ERR("unrecognized option '--bogus'", "--bogus");
    EXPECT_ERR("unrecognized option '--\\x1b[31m'", "--\x1b[31m");
    EXPECT_ERR("invalid option -- 'x'", "-x");
    EXPECT_ERR("invalid option -- '\\x01'", "-\x01");
    /* The bad letter inside a cluster: argv[optind - 1] is still the word
     * before it, here a long option. */
    EXPECT_ERR("invalid option -- 'x'", "--no-qa", "-xv");
    EXPECT_ERR("invalid option -- 'x'", "--scan", "-vxv");
    EXPECT_ERR("missing argument for '-r'", "-r");
    EXPECT_ERR("missing argument for '-r'", "--no-qa", "-vr");
    EXPECT_ERR("missing argument for '--bitrate'", "--bitr");
    EXPECT_ERR("missing argument for '--group'", "--group");
    /* Help is not an error. */
    EXPECT_ERR("", "-?");
    EXPECT_ERR("", "--help");
    EXPECT_ERR("", "--he");
    EXPECT_ERR("", "-v?");
    char b[64];
    assert_null(first_error(b, sizeof(b), "--group=1", "--scan", "-vo", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_controls),
        cmocka_unit_test(test_escape_shortens_in_the_middle),
        cmocka_unit_test(test_getopt_errors),
    };
    return unit_run(tests);
}
