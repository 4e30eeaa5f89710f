/* unit.h: what every cmocka test program here includes instead of
 * <cmocka.h>, and whose unit_run() its main() returns.
 *
 * A time limit: unit_run() arms alarm(UNIT_ALARM_S) before cmocka runs
 * (meson.build sets UNIT_ALARM_S per program, and the program's meson
 * timeout a little above it).  When it fires the program prints
 * "TIMEOUT: <program> ran longer than N s" and exits 1; stdout is made
 * line-buffered first, so the last "[ RUN      ]" line above it names the
 * case that hung.
 *
 * Visible skips: skip() (cmocka's) is replaced by one that records the
 * case, and skip_because(REASON) says why.  After the run unit_run()
 * prints, for each skipped case, a line in the form the shell tests use
 * (tests/lib/tap.sh) and scripts/summary.sh collects:
 *     ok - <program>: <case> # SKIP <reason>
 * and, when nothing failed, exits 77 (meson's SKIP) instead of 0. */
#ifndef BB_TEST_UNIT_H
#define BB_TEST_UNIT_H

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef UNIT_ALARM_S
#define UNIT_ALARM_S 30
#endif

#define UNIT_MAX_SKIPS 32
#define UNIT_EXIT_SKIP 77

struct unit_skipped {
    const char *name;
    const char *reason;
};
static struct unit_skipped unit_skips[UNIT_MAX_SKIPS];
static unsigned unit_nskips;

static inline void unit_note_skip(const char *name, const char *reason)
{
    if (unit_nskips < UNIT_MAX_SKIPS)
        unit_skips[unit_nskips] = (struct unit_skipped){ name, reason };
    unit_nskips++;
}

#undef skip
/* skip_because(REASON): skip the current case (a test function), saying why. */
#define skip_because(reason)                                                                       \
    do {                                                                                           \
        unit_note_skip(__func__, (reason));                                                        \
        _skip(__FILE__, __LINE__);                                                                 \
    } while (0)
#define skip() skip_because("no reason given")

static inline void unit_say(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static inline void unit_on_alarm(int sig)
{
    (void)sig;
    /* Only async-signal-safe calls: the numbers are in the string. */
#define UNIT_STR2(x) #x
#define UNIT_STR(x) UNIT_STR2(x)
    unit_say("\nTIMEOUT: ");
    unit_say(program_invocation_short_name);
    unit_say(" ran longer than " UNIT_STR(UNIT_ALARM_S) " s (UNIT_ALARM_S): the case on the"
             " last [ RUN ] line above hung\n");
    _exit(1);
}

/* Run TESTS (an array) with the time limit; exit status as above. */
#define unit_run(tests) unit_run_n((tests), sizeof(tests) / sizeof((tests)[0]))

static inline int unit_run_n(const struct CMUnitTest *tests, size_t n)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGALRM, unit_on_alarm);
    alarm(UNIT_ALARM_S);
    int failed = _cmocka_run_group_tests(program_invocation_short_name, tests, n, NULL, NULL);
    alarm(0);
    fflush(stdout);
    for (unsigned i = 0; i < unit_nskips && i < UNIT_MAX_SKIPS; i++)
        printf("ok - %s: %s # SKIP %s\n", program_invocation_short_name, unit_skips[i].name,
               unit_skips[i].reason);
    if (unit_nskips > UNIT_MAX_SKIPS)
        printf("ok - %s: %u more cases # SKIP\n", program_invocation_short_name,
               unit_nskips - UNIT_MAX_SKIPS);
    fflush(stdout);
    if (failed)
        return failed;
    return unit_nskips ? UNIT_EXIT_SKIP : 0;
}

#endif
