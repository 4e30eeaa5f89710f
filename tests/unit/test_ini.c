/* Unit tests for ini: the config file grammar (spec §8.1). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static struct ini *parse_ok(const char *text)
{
    struct ini *ini = NULL;
    unsigned line = 99;
    char err[300];
    int r = ini_parse(text, strlen(text), &ini, &line, err, sizeof(err));
    if (r != 0)
        fail_msg("'%s': %s (line %u)", text, err, line);
    return ini;
}

/* The error's line and message for text. */
static void parse_bad(const char *text, unsigned want_line, const char *want)
{
    struct ini *ini = (struct ini *)&ini; /* must stay untouched */
    unsigned line = 99;
    char err[300];
    assert_int_equal(ini_parse(text, strlen(text), &ini, &line, err, sizeof(err)), -EINVAL);
    assert_ptr_equal(ini, (struct ini *)&ini);
    assert_int_equal(line, want_line);
    if (!strstr(err, want))
        fail_msg("'%s': got '%s', want '%s'", text, err, want);
}

static void test_grammar(void **state)
{
    (void)state;
    struct ini *ini = parse_ok("# comment\n"
                               "\n"
                               "  [Service]   # trailing comment\n"
                               "kernel\n"
                               "\tsocket-group   adm  \n"
                               "   # indented comment\n"
                               "[Device:GK9VZF]\r\n"
                               "bitrate\t5M\r"
                               "udp-out a b # not a comment\n"
                               "quoted \"x y\"\n"
                               "esc \x1b[31m\x7f\n"
                               "[Empty]");
    assert_int_equal(ini_count(ini), 3);
    const struct ini_section *s = ini_section(ini, 0);
    assert_string_equal(s->name, "Service");
    assert_int_equal(s->line, 3);
    assert_int_equal(s->n_opts, 2);
    assert_string_equal(s->opts[0].name, "kernel");
    assert_string_equal(s->opts[0].value, "");
    assert_int_equal(s->opts[0].line, 4);
    assert_string_equal(s->opts[1].name, "socket-group");
    assert_string_equal(s->opts[1].value, "adm");
    s = ini_section(ini, 1);
    assert_string_equal(s->name, "Device:GK9VZF");
    assert_int_equal(s->line, 7); /* "\r\n" is one line end */
    assert_int_equal(s->n_opts, 4);
    assert_string_equal(s->opts[0].value, "5M");
    assert_int_equal(s->opts[0].line, 8);
    assert_string_equal(s->opts[1].value, "a b # not a comment"); /* '\r' ended line 8 */
    assert_int_equal(s->opts[1].line, 9);
    assert_string_equal(s->opts[2].value, "\"x y\"");
    assert_string_equal(s->opts[3].value, "\x1b[31m\x7f"); /* bytes as they are */
    s = ini_section(ini, 2);
    assert_string_equal(s->name, "Empty");
    assert_int_equal(s->n_opts, 0);
    assert_null(ini_section(ini, 3));
    ini_free(ini);

    ini = parse_ok("");
    assert_int_equal(ini_count(ini), 0);
    ini_free(ini);
    ini_free(NULL);
}

static void test_errors(void **state)
{
    (void)state;
    parse_bad("kernel\n", 1, "option 'kernel' before any section");
    parse_bad("# c\n\n  daemon\n[Service]\n", 3, "before any section");
    parse_bad("[Service]\n[Pool\n", 2, "'[Pool': a section needs a closing ']'");
    parse_bad("[]\n", 1, "empty section name");
    parse_bad("[Pool] size 5\n", 1, "only a '#' comment may follow");
    parse_bad("[Pool]]\n", 1, "only a '#' comment may follow");
    parse_bad("[Pool]\nsize 1\n[Service]\n[Pool]\n", 4, "section [Pool] appears twice (first at line 1)");
    parse_bad("[Pool]\nsize 1\n\nsize 2\n", 4,
              "option 'size' appears twice in section [Pool] (first at line 2)");
    static const char nul[] = "[Pool]\nsize 1\0\n";
    struct ini *ini = NULL;
    unsigned line = 0;
    char err[200];
    assert_int_equal(ini_parse(nul, sizeof(nul) - 1, &ini, &line, err, sizeof(err)), -EINVAL);
    assert_int_equal(line, 2);
    assert_string_equal(err, "NUL byte");
}

static void test_too_large(void **state)
{
    (void)state;
    size_t n = INI_MAX_SIZE + 1;
    char *big = malloc(n), err[200];
    assert_non_null(big);
    memset(big, '#', n);
    struct ini *ini = NULL;
    unsigned line = 7;
    assert_int_equal(ini_parse(big, n, &ini, &line, err, sizeof(err)), -EINVAL);
    assert_int_equal(line, 0);
    assert_non_null(strstr(err, "larger than"));
    assert_int_equal(ini_parse(big, n - 1, &ini, &line, err, sizeof(err)), 0);
    ini_free(ini);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_too_large),
    };
    return unit_run(tests);
}
