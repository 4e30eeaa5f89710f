/* Unit tests for daemonize: the parent's exit status is the child's
 * start-up result (ready: 0; an exit status; a signal: 128 + N), and the
 * child runs in its own session with umask 027 and stdin on /dev/null. */
#include "unit.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "daemonize.h"

/* Forks; the child runs fn (which never returns).  The parent's status. */
static int parent_status(void (*fn)(struct daemonize *dz))
{
    struct daemonize *dz;
    int st = -1;
    fflush(stdout);
    int r = daemonize_begin(&dz, &st);
    if (r == 0)
        fn(dz);
    assert_int_equal(r, 1);
    assert_null(dz);
    return st;
}

static void child_ready(struct daemonize *dz)
{
    _exit(daemonize_ready(dz) == 0 ? 0 : 9);
}

static void child_fails(struct daemonize *dz)
{
    daemonize_free(dz);
    _exit(4);
}

static void child_killed(struct daemonize *dz)
{
    (void)dz;
    raise(SIGKILL);
    _exit(0);
}

/* Exits 6 when the child is detached as it should be, 7 if not. */
static void child_checks(struct daemonize *dz)
{
    struct stat st, null;
    (void)dz;
    bool ok = getsid(0) == getpid() && umask(0) == 027 && fstat(STDIN_FILENO, &st) == 0 &&
              stat("/dev/null", &null) == 0 && st.st_rdev == null.st_rdev;
    _exit(ok ? 6 : 7);
}

static void test_status(void **state)
{
    (void)state;
    assert_int_equal(parent_status(child_ready), 0);
    assert_int_equal(parent_status(child_fails), 4);
    assert_int_equal(parent_status(child_killed), 128 + SIGKILL);
    assert_int_equal(parent_status(child_checks), 6);
    daemonize_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status),
    };
    return unit_run(tests);
}
