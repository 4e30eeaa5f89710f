/* Unit tests for lockfile: one holder at a time, the holder's pid named to
 * the loser (a second open file description in this process, and a forked
 * child), the file removed on release and usable again, symlinks and
 * files of other users refused. */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lockfile.h"

static char dir[64], path[96];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_lockfile.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/seedd.socket.lock", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_one_holder(void **state)
{
    (void)state;
    struct lockfile *a, *b;
    pid_t holder = -1;
    char buf[32] = "";
    assert_int_equal(lockfile_acquire(path, &a, &holder), 0);
    assert_int_equal(holder, 0);
    /* The holder's pid is in the file. */
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
    close(fd);
    char want[32];
    snprintf(want, sizeof(want), "%d\n", (int)getpid());
    assert_string_equal(buf, want);

    /* A second open file description, in this very process. */
    assert_int_equal(lockfile_acquire(path, &b, &holder), -EWOULDBLOCK);
    assert_null(b);
    assert_int_equal(holder, getpid());

    /* Another process. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct lockfile *c;
        pid_t h = 0;
        int r = lockfile_acquire(path, &c, &h);
        _exit(r == -EWOULDBLOCK && h == getppid() ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* Released: the file is gone, and the next holder gets it. */
    lockfile_free(a);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(lockfile_acquire(path, &b, &holder), 0);
    lockfile_free(b);
    lockfile_free(NULL);
}

/* A lock file left by a holder that was killed is taken over: flock
 * locks die with their process. */
static void test_stale_file(void **state)
{
    (void)state;
    struct lockfile *l;
    pid_t holder;
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "99999\n", 6), 6);
    close(fd);
    assert_int_equal(lockfile_acquire(path, &l, &holder), 0);
    lockfile_free(l);
}

static void test_refused(void **state)
{
    (void)state;
    struct lockfile *l;
    pid_t holder;
    char target[128];
    snprintf(target, sizeof(target), "%s/elsewhere", dir);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(lockfile_acquire(path, &l, &holder), -ELOOP);
    assert_int_equal(access(target, F_OK), -1); /* not created through it */
    unlink(path);
    if (geteuid() != 0)
        skip_because("not root: cannot make a file of another user");
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(fchown(fd, 65534, 65534), 0);
    close(fd);
    assert_int_equal(lockfile_acquire(path, &l, &holder), -EPERM);
    assert_int_equal(access(path, F_OK), 0); /* not removed either */
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return unit_run(tests);
}
