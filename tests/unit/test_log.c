/* Unit tests for log: the level -> syslog/journal priority map, how the
 * target is chosen (under systemd, -d, neither), and what reaches stderr
 * (log_say's "IDENT: message", the time prefix, the start-up echo of a
 * syslog daemon, the journal's fallback). */
#include "unit.h"

#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>

#include "log.h"

static void test_priority_map(void **state)
{
    (void)state;
    static const int want[] = { LOG_ERR,  LOG_WARNING, LOG_NOTICE, LOG_INFO,
                                LOG_DEBUG, LOG_DEBUG,  LOG_DEBUG };
    for (int level = 0; level <= 6; level++)
        assert_int_equal(log_priority(level, false), want[level]);
    /* An event (log_note) is never an error or a warning. */
    assert_int_equal(log_priority(0, true), LOG_NOTICE);
    assert_int_equal(log_priority(1, true), LOG_NOTICE);
    assert_int_equal(log_priority(2, true), LOG_NOTICE);
    assert_int_equal(log_priority(3, true), LOG_INFO);
    assert_int_equal(log_priority(5, true), LOG_DEBUG);
}

static void test_env_parsers(void **state)
{
    (void)state;
    assert_true(log_journal_stream_matches("12:34", 12, 34));
    assert_false(log_journal_stream_matches("12:35", 12, 34));
    assert_false(log_journal_stream_matches("13:34", 12, 34));
    assert_false(log_journal_stream_matches("12:34x", 12, 34));
    assert_false(log_journal_stream_matches("12", 12, 34));
    assert_false(log_journal_stream_matches("", 12, 34));
    assert_false(log_journal_stream_matches(NULL, 12, 34));
    assert_true(log_notify_socket_valid("/run/systemd/notify"));
    assert_true(log_notify_socket_valid("@abstract"));
    assert_false(log_notify_socket_valid("/"));
    assert_false(log_notify_socket_valid("@"));
    assert_false(log_notify_socket_valid("relative/path"));
    assert_false(log_notify_socket_valid(""));
    assert_false(log_notify_socket_valid(NULL));
}

static void test_target_choice(void **state)
{
    (void)state;
    struct stat st;
    char js[64];
    unsetenv("JOURNAL_STREAM");
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(log_use_auto("t", false), LOG_TARGET_STDERR);
    assert_int_equal(log_use_auto("t", true), LOG_TARGET_SYSLOG);
    log_use_file(NULL);
    /* NOTIFY_SOCKET: under systemd: the journal if journald runs, else
     * as without systemd. */
    bool jd = log_journal_available();
    enum log_target journal = jd ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
    setenv("NOTIFY_SOCKET", "/run/x", 1);
    assert_int_equal(log_use_auto("t", false), journal);
    log_use_file(NULL);
    assert_int_equal(log_use_auto("t", true), jd ? LOG_TARGET_JOURNAL : LOG_TARGET_SYSLOG);
    log_use_file(NULL);
    setenv("NOTIFY_SOCKET", "x", 1); /* not a socket address */
    assert_int_equal(log_use_auto("t", false), LOG_TARGET_STDERR);
    unsetenv("NOTIFY_SOCKET");
    /* JOURNAL_STREAM naming our stderr: the journal; naming another file
     * (stderr redirected since systemd started us): not. */
    assert_int_equal(fstat(STDERR_FILENO, &st), 0);
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    assert_int_equal(log_use_auto("t", false), journal);
    log_use_file(NULL);
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + 1);
    setenv("JOURNAL_STREAM", js, 1);
    assert_int_equal(log_use_auto("t", false), LOG_TARGET_STDERR);
    assert_int_equal(log_use_auto("t", true), LOG_TARGET_SYSLOG);
    unsetenv("JOURNAL_STREAM");
    log_use_file(NULL);
    assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
}

/* Runs fn with stderr on a temporary file; returns what it wrote. */
static char captured[4096];
static const char *capture(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn();
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(captured, 1, sizeof(captured) - 1, tmp);
    captured[n] = 0;
    fclose(tmp);
    return captured;
}

static void say_and_msgs(void)
{
    log_say("bad value '%s'", "x\001y");
    log_msg(0, "an error");
    log_msg(1, "a warning, not shown at verbosity 0");
}

static void test_stderr_forms(void **state)
{
    (void)state;
    regex_t re;
    log_use_file(NULL);
    log_set_ident("seedd");
    log_set_verbosity(0);
    const char *out = capture(say_and_msgs);
    assert_int_equal(regcomp(&re,
                             "^seedd: bad value 'x\\\\x01y'\n"
                             "[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{6}: an error\n$",
                             REG_EXTENDED),
                     0);
    if (regexec(&re, out, 0, NULL, 0) != 0)
        fail_msg("stderr was:\n%s", out);
    regfree(&re);
}

static void syslog_msgs(void)
{
    log_msg(0, "an error");
    log_note(0, "an event");
    log_msg(1, "a warning");
    log_say("a start-up failure");
}

/* A syslog daemon that has not detached yet also shows its errors on the
 * terminal; once detached (echo off) nothing goes to stderr. */
static void test_syslog_echo(void **state)
{
    (void)state;
    log_set_verbosity(1);
    log_use_syslog("test_log");
    log_echo_stderr(true);
    const char *out = capture(syslog_msgs);
    assert_non_null(strstr(out, ": an error\n"));
    assert_non_null(strstr(out, "test_log: a start-up failure\n"));
    assert_null(strstr(out, "an event"));
    assert_null(strstr(out, "a warning"));
    log_echo_stderr(false);
    assert_string_equal(capture(syslog_msgs), "");
    log_use_file(NULL);
    log_set_verbosity(0);
}

static void journal_msg(void)
{
    log_msg(0, "to the journal");
}

/* Told to use the journal where there is no journald, stderr. */
static void test_journal_fallback(void **state)
{
    (void)state;
    if (log_journal_available())
        skip_because("journald runs here: the message went to the journal");
    unsetenv("JOURNAL_STREAM");
    setenv("NOTIFY_SOCKET", "/run/x", 1);
    assert_int_equal(log_use_auto("test_log", false), LOG_TARGET_STDERR);
    unsetenv("NOTIFY_SOCKET");
    log_use_journal("test_log");
    const char *out = capture(journal_msg);
    log_use_file(NULL);
    assert_non_null(strstr(out, ": to the journal\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_priority_map),
        cmocka_unit_test(test_env_parsers),
        cmocka_unit_test(test_target_choice),
        cmocka_unit_test(test_stderr_forms),
        cmocka_unit_test(test_syslog_echo),
        cmocka_unit_test(test_journal_fallback),
    };
    return unit_run(tests);
}
