/* Unit tests for vmconf: vm.conf is parsed as a strict subset of bash and
 * never executed (spec §10.1). */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmconf.h"

struct bad {
    const char *in;
    unsigned line;
    const char *k1, *k2;
};

static struct vmconf *parse_ok(const char *s)
{
    struct vmconf *c = NULL;
    char err[512] = "untouched";
    int r = vmconf_parse(s, strlen(s), "vm.conf", &c, err, sizeof(err));
    if (r != 0)
        fail_msg("vmconf_parse(\"%s\") = %d: %s", s, r, err);
    assert_non_null(c);
    assert_string_equal(err, "");
    return c;
}

/* -EINVAL, *out untouched, err one line "vm.conf:LINE: ..." with both keywords. */
static void check_err(const char *in, size_t len, unsigned line, const char *k1,
                      const char *k2)
{
    struct vmconf *sentinel = (struct vmconf *)&line, *c = sentinel;
    char err[512] = "";
    char want[32];
    int r = vmconf_parse(in, len, "vm.conf", &c, err, sizeof(err));
    if (r != -EINVAL)
        fail_msg("vmconf_parse(\"%s\") = %d, want -EINVAL (err '%s')", in, r, err);
    assert_ptr_equal(c, sentinel);
    snprintf(want, sizeof(want), "vm.conf:%u: ", line);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("input \"%s\": err '%s' does not start with '%s'", in, err, want);
    for (const char *q = err; *q; q++)
        if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
            fail_msg("input \"%s\": err is not one printable line: '%s'", in, err);
    if (k1 && !strstr(err, k1))
        fail_msg("input \"%s\": err '%s' lacks '%s'", in, err, k1);
    if (k2 && !strstr(err, k2))
        fail_msg("input \"%s\": err '%s' lacks '%s'", in, err, k2);
}

static void expect_err(const char *in, unsigned line, const char *k1, const char *k2)
{
    check_err(in, strlen(in), line, k1, k2);
}

static void expect_all(const struct bad *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        expect_err(b[i].in, b[i].line, b[i].k1, b[i].k2);
}

static void expect_serials(const struct vmconf_domain *d, size_t n, ...)
{
    assert_non_null(d);
    assert_int_equal(d->nserials, n);
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(d->serials[i], va_arg(ap, const char *));
    va_end(ap);
}

static void test_valid_file(void **state)
{
    (void)state;
    struct vmconf *c = parse_ok(
        "# vm.conf for bbvirt\n"                         /* 1 */
        "\n"                                             /* 2 */
        "   # indented comment\n"                        /* 3 */
        "DOMAIN_RNG_vm1=( AB12CD EF34GH )  # two\n"      /* 4 */
        "\tDOMAIN_URI_vm1=\"qemu:///system\"\n"          /* 5 */
        "DOMAIN_RNG_web_2=(\n"                           /* 6 */
        "    ZZZZ99  # first\n"                          /* 7 */
        "# a comment inside the array\n"                 /* 8 */
        "\n"                                             /* 9 */
        "    YYYY88\n"                                   /* 10 */
        ")\n"                                            /* 11 */
        "DOMAIN_NAME_web_2='web server 2'\n"             /* 12 */
        "DOMAIN_RNG_vm1+=(QQQQ11)\n"                     /* 13 */
        "DOMAIN_RNG_solo=SOLO1234\n"                     /* 14 */
        "DOMAIN_NAME_named_only=real-name.example\n"     /* 15 */
        "DOMAIN_RNG_late+=( LATE0001 ) \n"               /* 16 */
        "DOMAIN_URI_late=qemu+ssh://root@host/system");  /* 17, no newline */
    assert_int_equal(vmconf_count(c), 5);

    const struct vmconf_domain *d = vmconf_domain(c, 0);
    assert_string_equal(d->id, "vm1");
    assert_string_equal(d->name, "vm1"); /* name defaults to the id */
    assert_string_equal(d->uri, "qemu:///system");
    assert_int_equal(d->line, 4);
    expect_serials(d, 3, "AB12CD", "EF34GH", "QQQQ11");

    d = vmconf_domain(c, 1);
    assert_string_equal(d->id, "web_2");
    assert_string_equal(d->name, "web server 2");
    assert_null(d->uri);
    assert_int_equal(d->line, 6);
    expect_serials(d, 2, "ZZZZ99", "YYYY88");

    d = vmconf_domain(c, 2);
    assert_string_equal(d->id, "solo");
    assert_int_equal(d->line, 14);
    expect_serials(d, 1, "SOLO1234"); /* a scalar is a one-element array */

    d = vmconf_domain(c, 3);
    assert_string_equal(d->id, "named_only");
    assert_string_equal(d->name, "real-name.example");
    assert_null(d->uri);
    assert_int_equal(d->nserials, 0);
    assert_int_equal(d->line, 15);

    d = vmconf_domain(c, 4);
    assert_string_equal(d->id, "late");
    assert_string_equal(d->uri, "qemu+ssh://root@host/system");
    expect_serials(d, 1, "LATE0001");
    assert_int_equal(d->line, 16);

    assert_null(vmconf_domain(c, 5));
    vmconf_free(c);
}

static void test_quoting(void **state)
{
    (void)state;
    expect_err("DOMAIN_RNG_q=( 'AB12' \"CD34\" E'F'\"5\"6 GH\\78 WX\\\nYZ )\n"
               "DOMAIN_NAME_q=\"a \\\"quoted\\\" \\$x\\` \\\\ \\y 'single' #no-comment\"\n"
               "DOMAIN_NAME_s=\"two\\\nparts\"' and'\\ more\n"
               "DOMAIN_RNG_s=\\\n"
               "CONT1234\n"
               "FOO=1\n",
               8, "unknown setting 'FOO'", NULL); /* line counting through joins */

    struct vmconf *c = parse_ok(
        "DOMAIN_RNG_q=( 'AB12' \"CD34\" E'F'\"5\"6 GH\\78 WX\\\nYZ )\n"
        "DOMAIN_NAME_q=\"a \\\"quoted\\\" \\$x\\` \\\\ \\y 'single' #no-comment\"\n"
        "DOMAIN_URI_q='test:///default?a=$b&c=`d`;(e)*'\n"
        "DOMAIN_NAME_r=mid#hash\\ and\\ space\\$\\;\\~ # real comment\n"
        "DOMAIN_NAME_s=\"two\\\nparts\"' and'\\ more\n"
        "DOMAIN_RNG_s=\\\n"
        "CONT1234\n"
        "DOMAIN_NAME_t=\"~home\"x~y\"\"~z\n"
        "DOMAIN_NAME_u=caf\xc3\xa9\n"
        "DOMAIN_URI_u=x:y~z\n");
    const struct vmconf_domain *d = vmconf_find(c, "q");
    expect_serials(d, 5, "AB12", "CD34", "EF56", "GH78", "WXYZ");
    assert_string_equal(d->name, "a \"quoted\" $x` \\ \\y 'single' #no-comment");
    assert_string_equal(d->uri, "test:///default?a=$b&c=`d`;(e)*");
    assert_string_equal(vmconf_find(c, "r")->name, "mid#hash and space$;~");
    d = vmconf_find(c, "s");
    assert_string_equal(d->name, "twoparts and more");
    assert_int_equal(d->line, 6);
    expect_serials(d, 1, "CONT1234");
    assert_string_equal(vmconf_find(c, "t")->name, "~homex~y~z");
    assert_string_equal(vmconf_find(c, "u")->name, "caf\xc3\xa9");
    assert_string_equal(vmconf_find(c, "u")->uri, "x:y~z");
    vmconf_free(c);
}

static void test_empty_arrays(void **state)
{
    (void)state;
    struct vmconf *c = parse_ok(
        "DOMAIN_RNG_a=()\n"
        "DOMAIN_RNG_b=\n"
        "DOMAIN_RNG_c=(   # nothing yet\n"
        ")\n"
        "DOMAIN_RNG_c+=( )\n"
        "DOMAIN_RNG_b+=( BBBB )\n"
        "DOMAIN_RNG_d= # empty, then a comment\n");
    assert_int_equal(vmconf_count(c), 4);
    expect_serials(vmconf_find(c, "a"), 0);
    expect_serials(vmconf_find(c, "b"), 1, "BBBB");
    expect_serials(vmconf_find(c, "c"), 0);
    expect_serials(vmconf_find(c, "d"), 0);
    vmconf_free(c);

    const char *empties[] = { "", "\n\n", "# only a comment", "  \t\n# x\n\\\n" };
    for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        c = parse_ok(empties[i]);
        assert_int_equal(vmconf_count(c), 0);
        vmconf_free(c);
    }
    c = NULL;
    assert_int_equal(vmconf_parse(NULL, 0, "vm.conf", &c, NULL, 0), 0);
    assert_int_equal(vmconf_count(c), 0);
    vmconf_free(c);
}

/* CRLF: rejected, since bash would keep the CR in the value (so such a file
 * never matched a serial upstream either).  A CR in a comment is harmless. */
static void test_crlf(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "DOMAIN_RNG_a=ABCD\r\n", 1, "carriage return", "DOS" },
        { "# ok\r\n\r\n", 2, "carriage return", NULL },
        { "DOMAIN_RNG_a=( ABCD\r\n)\n", 1, "carriage return", NULL },
        { "DOMAIN_RNG_a=( ABCD )\r\n", 1, "carriage return", NULL },
        { "DOMAIN_RNG_a=( ABCD ) \r\n", 1, "carriage return", NULL },
        { "DOMAIN_NAME_a=\"x\r\"\n", 1, "control character", "\\x0d" },
    };
    expect_all(bad, sizeof(bad) / sizeof(bad[0]));
    struct vmconf *c = parse_ok("# comment\r\nDOMAIN_RNG_a=ABCD # also here\r\n");
    expect_serials(vmconf_find(c, "a"), 1, "ABCD");
    vmconf_free(c);
}

static void test_lookup(void **state)
{
    (void)state;
    struct vmconf *c = parse_ok(
        "DOMAIN_RNG_alpha=( AAAA1111 AAAA2222 )\n"
        "DOMAIN_NAME_alpha=beta\n"
        "DOMAIN_RNG_beta=( BBBB2222 )\n"
        "DOMAIN_NAME_beta=gamma\n"
        "DOMAIN_URI_delta=test:///default\n");
    const struct vmconf_domain *alpha = vmconf_domain(c, 0), *beta = vmconf_domain(c, 1);
    const struct vmconf_domain *delta = vmconf_domain(c, 2);
    assert_string_equal(delta->id, "delta");
    assert_ptr_equal(vmconf_find(c, "alpha"), alpha);
    assert_ptr_equal(vmconf_find(c, "beta"), beta);   /* the id wins over alpha's name */
    assert_ptr_equal(vmconf_find(c, "gamma"), beta);  /* by libvirt name */
    assert_ptr_equal(vmconf_find(c, "delta"), delta);
    assert_null(vmconf_find(c, "Alpha"));
    assert_null(vmconf_find(c, "nope"));
    assert_null(vmconf_find(c, ""));
    assert_null(vmconf_find(c, NULL));
    assert_null(vmconf_find(NULL, "alpha"));

    assert_ptr_equal(vmconf_for_serial(c, "AAAA1111"), alpha);
    assert_ptr_equal(vmconf_for_serial(c, "AAAA2222"), alpha);
    assert_ptr_equal(vmconf_for_serial(c, "BBBB2222"), beta);
    assert_null(vmconf_for_serial(c, "aaaa1111")); /* exact, as bash compares */
    assert_null(vmconf_for_serial(c, "AAAA111"));
    assert_null(vmconf_for_serial(c, ""));
    assert_null(vmconf_for_serial(c, NULL));
    assert_null(vmconf_for_serial(NULL, "AAAA1111"));

    assert_int_equal(vmconf_count(c), 3);
    assert_int_equal(vmconf_count(NULL), 0);
    assert_null(vmconf_domain(c, 3));
    assert_null(vmconf_domain(c, (size_t)-1));
    assert_null(vmconf_domain(NULL, 0));
    vmconf_free(c);
    vmconf_free(NULL);

    assert_int_equal(vmconf_new_empty(&c), 0);
    assert_non_null(c);
    assert_int_equal(vmconf_count(c), 0);
    assert_null(vmconf_domain(c, 0));
    assert_null(vmconf_find(c, "alpha"));
    assert_null(vmconf_for_serial(c, "AAAA1111"));
    vmconf_free(c);
    assert_int_equal(vmconf_new_empty(NULL), -EINVAL);
}

static void test_valid_serial(void **state)
{
    (void)state;
    char s[200];
    assert_true(vmconf_valid_serial("ABCD"));
    assert_true(vmconf_valid_serial("abc1"));
    assert_true(vmconf_valid_serial("1234567"));
    assert_false(vmconf_valid_serial("ABC"));
    assert_false(vmconf_valid_serial(""));
    assert_false(vmconf_valid_serial(NULL));
    assert_false(vmconf_valid_serial("AB-CD"));
    assert_false(vmconf_valid_serial("AB_CD"));
    assert_false(vmconf_valid_serial("ABCD "));
    assert_false(vmconf_valid_serial("\xc3\x84" "BCD"));
    memset(s, 'Z', 127);
    s[127] = '\0';
    assert_true(vmconf_valid_serial(s));
    s[127] = 'Z';
    s[128] = '\0';
    assert_false(vmconf_valid_serial(s));
}

static void test_errors_statements(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "FOO=bar\n", 1, "unknown setting 'FOO'", NULL },
        { "# c\nDOMAIN_RNG_=( ABCD )\n", 2, "unknown setting 'DOMAIN_RNG_'", NULL },
        { "DOMAIN_rng_a=ABCD\n", 1, "unknown setting 'DOMAIN_rng_a'", NULL },
        { "DOMAIN_SERIAL_a=ABCD\n", 1, "unknown setting 'DOMAIN_SERIAL_a'", NULL },
        { "PATH+=:/tmp\n", 1, "unknown setting 'PATH'", NULL },
        { "\n\nrm -rf /\n", 3, "'rm' is a command, not an assignment", "never executed" },
        { "export DOMAIN_RNG_a=ABCD\n", 1, "'export' is not supported", "NAME=VALUE" },
        { "declare -a DOMAIN_RNG_a=( ABCD )\n", 1, "'declare' is not supported", NULL },
        { "readonly X\n", 1, "'readonly' is not supported", NULL },
        { "source /etc/passwd\n", 1, "'source' is a command", NULL },
        { ". /tmp/x\n", 1, "'.' is a command", NULL },
        { "eval \"touch y\"\n", 1, "'eval' is a command", NULL },
        { "exec sh\n", 1, "'exec' is a command", NULL },
        { "1A=x\n", 1, "'1A=x' is a command", NULL },
        { "\"DOMAIN_RNG_a\"=ABCD\n", 1, "is a command", NULL },
        { "f() { touch y; }\n", 1, "function definition 'f()'", NULL },
        { "f () { touch y; }\n", 1, "function definition 'f()'", NULL },
        { "function f { touch y; }\n", 1, "'function' is not supported", NULL },
        { "DOMAIN_RNG_a = ( ABCD )\n", 1, "spaces around '='", NULL },
        { "DOMAIN_RNG_a +=( ABCD )\n", 1, "spaces around '='", NULL },
        { "DOMAIN_RNG_a[0]=ABCD\n", 1, "array element assignment", NULL },
        { "DOMAIN_RNG_a=ABCD DOMAIN_RNG_b=EFGH\n", 1, "unexpected 'DOMAIN_RNG_b=EFGH'", NULL },
        { "DOMAIN_NAME_a=two words\n", 1, "unexpected 'words'", "quote" },
        { "DOMAIN_RNG_a=( ABCD )x\n", 1, "unexpected 'x'", NULL },
        { "DOMAIN_RNG_a=( ABCD )#c\n", 1, "unexpected '#c'", NULL },
        { "DOMAIN_RNG_a= ( ABCD )\n", 1, "'(' (subshell)", NULL },
        { "\nDOMAIN_RNG_a=(\n ABCD\n EFGH\n", 2, "unterminated array", NULL },
        { "DOMAIN_RNG_a=( ABCD # )\n", 1, "unterminated array", NULL },
        { "DOMAIN_NAME_a='abc\n\n", 1, "unterminated quote", "'" },
        { "\n\nDOMAIN_NAME_a=\"abc\\\"\n", 3, "unterminated quote", "\"" },
        { "DOMAIN_RNG_a=(\n 'ABCD )\n", 2, "unterminated quote", NULL },
        { "DOMAIN_RNG_a=ABCD\\", 1, "backslash at the end of the file", NULL },
        { "\xef\xbb\xbf" "DOMAIN_RNG_a=ABCD\n", 1, "byte order mark", NULL },
        { "DOMAIN_RNG_a=\\\nABCD\nFOO=1\n", 3, "unknown setting 'FOO'", NULL },
        { "DOMAIN_NAME_a=\"x\\\ny\"\nFOO=1\n", 3, "unknown setting 'FOO'", NULL },
        { "\x01\x02\n", 1, "'\\x01\\x02' is a command", NULL },
    };
    expect_all(bad, sizeof(bad) / sizeof(bad[0]));

    /* NUL bytes: an error on the line that holds the first one. */
    check_err("DOMAIN_RNG_a=AB\0CD\n", 19, 1, "NUL byte", NULL);
    check_err("# a\n# b\n\0", 9, 3, "NUL byte", NULL);
    check_err("DOMAIN_NAME_a='x\0'\n", 19, 1, "NUL byte", NULL);
}

/* Every shell metacharacter and expansion is named with what bash would do. */
static void test_errors_expansions(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "DOMAIN_RNG_a=( $(touch x) )\n", 1, "'$(' (command substitution) is not supported",
          "vm.conf is read, never executed" },
        { "DOMAIN_RNG_a=$((1+2))\n", 1, "'$((' (arithmetic expansion)", NULL },
        { "DOMAIN_RNG_a=${X}\n", 1, "'${' (parameter expansion)", NULL },
        { "DOMAIN_RNG_a=$HOME\n", 1, "'$HOME' (variable expansion)", NULL },
        { "DOMAIN_RNG_a=ABCD$1\n", 1, "'$1' (special parameter expansion)", NULL },
        { "DOMAIN_NAME_a=$'\\x41'\n", 1, "\"$'\" (ANSI-C quoting)", NULL },
        { "DOMAIN_NAME_a=$\"x\"\n", 1, "(locale translation)", NULL },
        { "DOMAIN_NAME_a=x$\n", 1, "'$' (parameter expansion)", NULL },
        { "DOMAIN_RNG_a=`id`\n", 1, "'`' (command substitution)", NULL },
        { "DOMAIN_RNG_a=ABCD; touch y\n", 1, "';' (command separator", NULL },
        { "DOMAIN_RNG_a=ABCD;\n", 1, "';' (command separator", NULL },
        { "DOMAIN_RNG_a=( ABCD );\n", 1, "';' (command separator", NULL },
        { "DOMAIN_RNG_a=ABCD && touch y\n", 1, "'&&' (command list", NULL },
        { "DOMAIN_RNG_a=ABCD &\n", 1, "'&' (background job)", NULL },
        { "DOMAIN_RNG_a=ABCD | sh\n", 1, "'|' (pipeline)", NULL },
        { "DOMAIN_RNG_a=ABCD || sh\n", 1, "'||' (command list", NULL },
        { "DOMAIN_RNG_a=ABCD > /etc/passwd\n", 1, "'>' (output redirection", "truncate" },
        { "DOMAIN_RNG_a=ABCD</dev/null\n", 1, "'<' (input redirection)", NULL },
        { "DOMAIN_RNG_a=( <(id) )\n", 1, "'<(' (process substitution)", NULL },
        { "DOMAIN_NAME_a=a(b\n", 1, "'(' (subshell)", NULL },
        { "DOMAIN_NAME_a=ab)\n", 1, "')' (unmatched parenthesis)", NULL },
        { "DOMAIN_RNG_a=( ( ABCD ) )\n", 1, "'(' (subshell)", NULL },
        { "DOMAIN_RNG_a=( ABC{D,E} )\n", 1, "'{' (brace expansion", NULL },
        { "{ touch y; }\n", 1, "'{' (brace expansion or command group)", NULL },
        { "DOMAIN_NAME_a=x}\n", 1, "'}'", NULL },
        { "DOMAIN_RNG_a=( ABC* )\n", 1, "'*' (pathname expansion)", NULL },
        { "DOMAIN_RNG_a=( ABC? )\n", 1, "'?' (pathname expansion)", NULL },
        { "DOMAIN_RNG_a=( ABC[D] )\n", 1, "'[' (pathname expansion)", NULL },
        { "DOMAIN_NAME_a=hi!\n", 1, "'!' (history expansion", NULL },
        { "DOMAIN_NAME_a=~root\n", 1, "'~' (tilde expansion)", NULL },
        { "DOMAIN_URI_a=x:~/y\n", 1, "'~' (tilde expansion)", NULL },
        { "DOMAIN_RNG_a=( ~ )\n", 1, "'~' (tilde expansion)", NULL },
        { "DOMAIN_NAME_a=\"$(id)\"\n", 1, "'$(' (command substitution)", NULL },
        { "DOMAIN_NAME_a=\"`id`\"\n", 1, "'`' (command substitution)", NULL },
        { "DOMAIN_NAME_a=\"x$\"\n", 1, "'$' (parameter expansion)", NULL },
        { "DOMAIN_NAME_a=\"$USER\"\n", 1, "'$USER' (variable expansion)", NULL },
        { "DOMAIN_NAME_a=\"multi\nline $(id)\"\n", 2, "'$('", NULL },
        { "DOMAIN_RNG_a=(\nABCD\n$(id)\n)\n", 3, "'$('", NULL },
        { "$(touch y)\n", 1, "'$(' (command substitution)", NULL },
        { "`touch y`\n", 1, "'`' (command substitution)", NULL },
        { "; rm -rf /\n", 1, "';' (command separator", NULL },
        { "! true\n", 1, "'!'", NULL },
        { "  > /etc/passwd\n", 1, "'>' (output redirection", NULL },
        { "x=1; touch y\n", 1, "unknown setting 'x'", NULL },
        { "DOMAIN_NAME_a=$(printf '\\x01\\x02\\x03%080d' 0)\n", 1, "'$('", NULL },
    };
    expect_all(bad, sizeof(bad) / sizeof(bad[0]));
}

static void test_errors_values(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "DOMAIN_RNG_a=( ABCD abc )\n", 1, "'abc' is not a valid serial", "4 to 127" },
        { "DOMAIN_RNG_a=(\nABCD\nAB-CD\n)\n", 3, "'AB-CD' is not a valid serial", NULL },
        { "DOMAIN_RNG_a=\"\"\n", 1, "'' is not a valid serial", NULL },
        { "DOMAIN_RNG_a=( '' )\n", 1, "'' is not a valid serial", NULL },
        { "DOMAIN_RNG_a='AB CD'\n", 1, "'AB CD' is not a valid serial", NULL },
        { "DOMAIN_RNG_a=( 'AB\nCD' )\n", 1, "'AB\\x0aCD' is not a valid serial", NULL },
        { "DOMAIN_RNG_a=( AB\\\\CD )\n", 1, "'AB\\x5cCD'", NULL },
        { "DOMAIN_NAME_a=\n", 1, "DOMAIN_NAME_a: empty value", NULL },
        { "DOMAIN_NAME_a=''\n", 1, "DOMAIN_NAME_a: empty value", NULL },
        { "DOMAIN_URI_a= # no value\n", 1, "DOMAIN_URI_a: empty value", NULL },
        { "DOMAIN_NAME_a=a/b\n", 1, "'/' is not allowed", "'a/b'" },
        { "DOMAIN_NAME_a='tab\there'\n", 1, "control character", "\\x09" },
        { "DOMAIN_NAME_a='two\nlines'\n", 1, "control character", "\\x0a" },
        { "DOMAIN_NAME_a=\"del\x7f\"\n", 1, "control character", NULL },
        { "DOMAIN_URI_a='qemu:///sys tem'\n", 1, "whitespace or control character", NULL },
        { "DOMAIN_URI_a=qemu\n", 1, "'qemu' is not a libvirt URI", NULL },
        { "DOMAIN_NAME_a=( x )\n", 1, "DOMAIN_NAME_a must be a single value", NULL },
        { "DOMAIN_URI_a=( x:y )\n", 1, "DOMAIN_URI_a must be a single value", NULL },
        { "DOMAIN_NAME_a+=x\n", 1, "'+=' is only for DOMAIN_RNG_<id>", NULL },
        { "DOMAIN_URI_a+=( x:y )\n", 1, "'+=' is only for DOMAIN_RNG_<id>", NULL },
        { "DOMAIN_RNG_a+=ABCD\n", 1, "use DOMAIN_RNG_a+=( SERIAL )", NULL },
    };
    expect_all(bad, sizeof(bad) / sizeof(bad[0]));

    /* Lengths: serial 127/128, libvirt name 255/256, any value over 4096 bytes. */
    char buf[6000];
    struct vmconf *c;
    snprintf(buf, sizeof(buf), "DOMAIN_RNG_a=%0127d\n", 7);
    c = parse_ok(buf);
    assert_int_equal(strlen(vmconf_find(c, "a")->serials[0]), 127);
    vmconf_free(c);
    snprintf(buf, sizeof(buf), "DOMAIN_RNG_a=( %0128d )\n", 7);
    expect_err(buf, 1, "is not a valid serial", "...");
    snprintf(buf, sizeof(buf), "DOMAIN_NAME_a=%0255d\n", 7);
    c = parse_ok(buf);
    assert_int_equal(strlen(vmconf_find(c, "a")->name), 255);
    vmconf_free(c);
    snprintf(buf, sizeof(buf), "DOMAIN_NAME_a=%0256d\n", 7);
    expect_err(buf, 1, "DOMAIN_NAME_a: libvirt name longer than 255 bytes", NULL);
    /* <id> is the default libvirt name: the same 255-byte cap */
    snprintf(buf, sizeof(buf), "DOMAIN_RNG_%0255d=( ABCD )\n", 7);
    c = parse_ok(buf);
    assert_int_equal(strlen(vmconf_domain(c, 0)->name), 255);
    vmconf_free(c);
    snprintf(buf, sizeof(buf), "DOMAIN_URI_%0256d=x:y\n", 7);
    expect_err(buf, 1, "<id> longer than 255 bytes", "DOMAIN_URI_0000");
    snprintf(buf, sizeof(buf), "\nDOMAIN_URI_a='x:%04095d'\n", 7);
    expect_err(buf, 2, "value longer than 4096 bytes", NULL);
    snprintf(buf, sizeof(buf), "DOMAIN_URI_a='x:%04094d'\n", 7);
    c = parse_ok(buf);
    assert_int_equal(strlen(vmconf_find(c, "a")->uri), 4096);
    vmconf_free(c);
}

static void test_errors_duplicates(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "DOMAIN_NAME_a=x\n\nDOMAIN_NAME_a=y\n", 3, "DOMAIN_NAME_a is already set on line 1",
          NULL },
        { "DOMAIN_URI_a=a:b\nDOMAIN_URI_a=a:b\n", 2, "DOMAIN_URI_a is already set on line 1",
          NULL },
        { "DOMAIN_RNG_a=( ABCD )\nDOMAIN_RNG_a=( EFGH )\n", 2,
          "DOMAIN_RNG_a is already set on line 1", "DOMAIN_RNG_a+=( ... )" },
        { "DOMAIN_RNG_a+=( ABCD )\nDOMAIN_RNG_a=( EFGH )\n", 2, "already set on line 1", NULL },
        { "DOMAIN_RNG_a=\nDOMAIN_RNG_a=EFGH\n", 2, "already set on line 1", NULL },
        { "DOMAIN_RNG_a=( ABCD )\nDOMAIN_RNG_b=(\n EFGH\n ABCD\n)\n", 4,
          "serial 'ABCD' is assigned to both domain 'a' (line 1) and domain 'b'", NULL },
        { "DOMAIN_RNG_a=( ABCD EFGH )\nDOMAIN_RNG_a+=( ABCD )\n", 2,
          "serial 'ABCD' is listed twice for domain 'a' (first on line 1)", NULL },
        { "DOMAIN_RNG_a=( ABCD ABCD )\n", 1, "listed twice", NULL },
        { "DOMAIN_RNG_a=( ABCD )\nDOMAIN_NAME_b=a\n", 2,
          "libvirt name 'a' of domain 'b' is already used by domain 'a' (line 1)", NULL },
        { "DOMAIN_NAME_b=a\nDOMAIN_RNG_a=( ABCD )\n", 2,
          "libvirt name 'a' of domain 'a' is already used by domain 'b' (line 1)", NULL },
        { "DOMAIN_NAME_x=vm\nDOMAIN_RNG_y=( ABCD )\nDOMAIN_NAME_y=vm\n", 3,
          "libvirt name 'vm' of domain 'y' is already used by domain 'x' (line 1)", NULL },
    };
    expect_all(bad, sizeof(bad) / sizeof(bad[0]));

    /* Not duplicates: a NAME equal to its own id; names differing in case. */
    struct vmconf *c = parse_ok("DOMAIN_NAME_a=a\nDOMAIN_NAME_b=A\nDOMAIN_RNG_B=( ABCD )\n");
    assert_int_equal(vmconf_count(c), 3);
    assert_ptr_equal(vmconf_find(c, "A"), vmconf_domain(c, 1));
    vmconf_free(c);
}

static void test_limits(void **state)
{
    (void)state;
    size_t cap = 64 * 5000;
    char *buf = malloc(VMCONF_MAX_FILE + 2);
    assert_non_null(buf);

    size_t n = 0;
    for (unsigned i = 0; i < 1024; i++)
        n += (size_t)snprintf(buf + n, cap - n, "DOMAIN_URI_d%u=x:%u\n", i, i);
    struct vmconf *c = parse_ok(buf);
    assert_int_equal(vmconf_count(c), 1024);
    vmconf_free(c);
    n += (size_t)snprintf(buf + n, cap - n, "DOMAIN_URI_more=x:y\n");
    check_err(buf, n, 1025, "more than 1024 domains", NULL);

    n = (size_t)snprintf(buf, cap, "DOMAIN_RNG_a=(\n");
    for (unsigned i = 0; i < 4096; i++)
        n += (size_t)snprintf(buf + n, cap - n, "S%07u\n", i);
    n += (size_t)snprintf(buf + n, cap - n, ")\n");
    c = parse_ok(buf);
    assert_int_equal(vmconf_find(c, "a")->nserials, 4096);
    assert_ptr_equal(vmconf_for_serial(c, "S0004095"), vmconf_domain(c, 0));
    vmconf_free(c);
    n -= 2;
    n += (size_t)snprintf(buf + n, cap - n, "S9999999\n)\n");
    check_err(buf, n, 4098, "more than 4096 serials", NULL);

    /* The size limit, for buffers too (nothing of it is looked at). */
    memset(buf, '#', VMCONF_MAX_FILE + 1);
    buf[VMCONF_MAX_FILE + 1] = '\0';
    c = NULL;
    char err[256];
    assert_int_equal(vmconf_parse(buf, VMCONF_MAX_FILE, "big.conf", &c, err, sizeof(err)), 0);
    assert_int_equal(vmconf_count(c), 0);
    vmconf_free(c);
    c = NULL;
    assert_int_equal(vmconf_parse(buf, VMCONF_MAX_FILE + 1, "big.conf", &c, err, sizeof(err)),
                     -EINVAL);
    assert_null(c);
    assert_non_null(strstr(err, "big.conf: larger than 1048576 bytes"));
    free(buf);
}

static void test_err_buffer(void **state)
{
    (void)state;
    struct vmconf *c = NULL;
    char err[8];
    /* no err buffer at all */
    assert_int_equal(vmconf_parse("FOO=1", 5, "vm.conf", &c, NULL, 0), -EINVAL);
    assert_null(c);
    /* a short one: truncated, terminated */
    memset(err, 'x', sizeof(err));
    assert_int_equal(vmconf_parse("FOO=1", 5, "vm.conf", &c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "vm.conf");
    memset(err, 'x', sizeof(err));
    assert_int_equal(vmconf_parse("FOO=1", 5, "vm.conf", &c, err, 1), -EINVAL);
    assert_int_equal(err[0], '\0');
    assert_int_equal(err[1], 'x');
    /* fname defaults; no out */
    char big[128];
    assert_int_equal(vmconf_parse("FOO=1", 5, NULL, &c, big, sizeof(big)), -EINVAL);
    assert_non_null(strstr(big, "vm.conf:1: unknown setting 'FOO'"));
    assert_int_equal(vmconf_parse("", 0, "vm.conf", NULL, big, sizeof(big)), -EINVAL);
    assert_int_equal(vmconf_parse(NULL, 3, "vm.conf", &c, big, sizeof(big)), -EINVAL);
    assert_null(c);
    /* a fresh error replaces a stale message; success clears it */
    assert_int_equal(vmconf_parse("DOMAIN_RNG_a=ABCD", 17, "v", &c, big, sizeof(big)), 0);
    assert_string_equal(big, "");
    vmconf_free(c);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Inputs that would create files if anything ran them: all are -EINVAL and,
 * in a fresh working directory, no file appears. */
static void test_hostile_never_runs(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        { "DOMAIN_RNG_a=( $(touch pwned1) )\n", 1, "'$('", NULL },
        { "DOMAIN_RNG_a=( `touch pwned2` )\n", 1, "'`'", NULL },
        { "DOMAIN_RNG_a=( ABCD ); touch pwned3\n", 1, "';'", NULL },
        { "DOMAIN_NAME_a=\"$(touch pwned4)\"\n", 1, "'$('", NULL },
        { "eval touch pwned5\n", 1, "'eval'", NULL },
        { "x=1; touch pwned6\n", 1, "unknown setting 'x'", NULL },
        { "; rm -rf / ; touch pwned7\n", 1, "';'", NULL },
        { "DOMAIN_RNG_a=ABCD > pwned8\n", 1, "'>'", NULL },
        { "DOMAIN_URI_a=x:y | tee pwned9\n", 1, "'|'", NULL },
        { "touch pwned10\n", 1, "'touch' is a command", NULL },
        { "DOMAIN_RNG_a=( ABCD )\ntouch pwned11\n", 2, "'touch'", NULL },
        { "DOMAIN_NAME_a=x && touch pwned12\n", 1, "'&&'", NULL },
        { "DOMAIN_RNG_a=$(touch pwned13)ABCD\n", 1, "'$('", NULL },
        { "DOMAIN_NAME_a=\"`touch pwned14`\"\n", 1, "'`'", NULL },
        { "source <(echo touch pwned15)\n", 1, "'source'", NULL },
        { "DOMAIN_NAME_a=${x:=$(touch pwned16)}\n", 1, "'${'", NULL },
        { "f() { touch pwned17; }; f\n", 1, "function definition", NULL },
        { "DOMAIN_RNG_a=(\nABCD\n$(touch pwned18)\n)\n", 3, "'$('", NULL },
        { "DOMAIN_RNG_a=ABCD touch pwned19\n", 1, "unexpected 'touch'", NULL },
        { "DOMAIN_NAME_a=$'\\x24(touch pwned20)'\n", 1, "ANSI-C", NULL },
        { "DOMAIN_RNG_a=( ABCD )\n`touch pwned21`\n", 2, "'`'", NULL },
        { "DOMAIN_RNG_a=( ABCD\n) >pwned22\n", 2, "'>'", NULL },
    };
    char tmpl[] = "/tmp/test_vmconf.XXXXXX";
    char old[PATH_MAX], name[32];
    assert_non_null(getcwd(old, sizeof(old)));
    assert_non_null(mkdtemp(tmpl));
    assert_int_equal(chdir(tmpl), 0);

    /* Control: bash, given the same text, would have created the file. */
    int rc = system("bash -c 'DOMAIN_RNG_a=( $(touch control) )' 2>/dev/null");
    if (rc == 0) {
        assert_int_equal(access("control", F_OK), 0);
        assert_int_equal(unlink("control"), 0);
    }
    assert_int_equal(count_entries("."), 0);

    expect_all(bad, sizeof(bad) / sizeof(bad[0]));
    for (size_t i = 1; i <= sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(name, sizeof(name), "pwned%zu", i);
        assert_int_equal(access(name, F_OK), -1);
        assert_int_equal(errno, ENOENT);
    }
    assert_int_equal(count_entries("."), 0);
    assert_int_equal(chdir(old), 0);
    assert_int_equal(rmdir(tmpl), 0);
}

static void write_file(const char *path, const char *s, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, s, n), (ssize_t)n);
    assert_int_equal(close(fd), 0);
}

static void test_load(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_vmconf.XXXXXX";
    char path[PATH_MAX], want[PATH_MAX + 32], err[PATH_MAX + 256];
    assert_non_null(mkdtemp(dir));
    struct vmconf *sentinel = (struct vmconf *)dir, *c = sentinel;

    /* a real file */
    snprintf(path, sizeof(path), "%s/vm.conf", dir);
    const char *good = "# test\nDOMAIN_RNG_vm=( ABCD1234 )\nDOMAIN_URI_vm=qemu:///system\n";
    write_file(path, good, strlen(good));
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(vmconf_count(c), 1);
    assert_ptr_equal(vmconf_for_serial(c, "ABCD1234"), vmconf_find(c, "vm"));
    assert_string_equal(vmconf_find(c, "vm")->uri, "qemu:///system");
    vmconf_free(c);

    /* a parse error names the path and line */
    c = sentinel;
    write_file(path, "# test\nDOMAIN_RNG_vm=( $(id) )\n", 31);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), -EINVAL);
    assert_ptr_equal(c, sentinel);
    snprintf(want, sizeof(want), "%s:2: '$(' (command substitution)", path);
    assert_non_null(strstr(err, want));
    assert_ptr_equal(strstr(err, want), err);

    /* empty file */
    write_file(path, "", 0);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), 0);
    assert_int_equal(vmconf_count(c), 0);
    vmconf_free(c);

    /* exactly the limit is fine, one byte more is not */
    char *big = malloc(VMCONF_MAX_FILE + 1);
    assert_non_null(big);
    memset(big, ' ', VMCONF_MAX_FILE + 1);
    big[0] = '#';
    write_file(path, big, VMCONF_MAX_FILE);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), 0);
    vmconf_free(c);
    c = sentinel;
    write_file(path, big, VMCONF_MAX_FILE + 1);
    free(big);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), -EFBIG);
    assert_ptr_equal(c, sentinel);
    snprintf(want, sizeof(want), "%s: %s", path, strerror(EFBIG));
    assert_ptr_equal(strstr(err, want), err);

    /* missing */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), -ENOENT);
    assert_ptr_equal(c, sentinel);
    snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
    assert_string_equal(err, want);

    /* a directory */
    assert_int_equal(vmconf_load(dir, &c, err, sizeof(err)), -EISDIR);
    assert_ptr_equal(c, sentinel);
    snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
    assert_string_equal(err, want);

    /* a FIFO: not a regular file, and opening it does not block */
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(vmconf_load(path, &c, err, sizeof(err)), -EINVAL);
    assert_ptr_equal(c, sentinel);
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(unlink(path), 0);

    assert_int_equal(vmconf_load(NULL, &c, err, sizeof(err)), -EINVAL);
    assert_int_equal(vmconf_load(dir, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_file),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_empty_arrays),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_valid_serial),
        cmocka_unit_test(test_errors_statements),
        cmocka_unit_test(test_errors_expansions),
        cmocka_unit_test(test_errors_values),
        cmocka_unit_test(test_errors_duplicates),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_hostile_never_runs),
        cmocka_unit_test(test_load),
    };
    return unit_run(tests);
}
