/* Unit tests for pidfile: the parser, writing (a relative path kept as an
 * absolute one), and removal only while the file still holds our pid. */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "pidfile.h"

static void test_parse(void **state)
{
    (void)state;
    pid_t p = 0;
    assert_int_equal(pidfile_parse("123\n", 4, &p), 0);
    assert_int_equal(p, 123);
    assert_int_equal(pidfile_parse("7", 1, &p), 0);
    assert_int_equal(p, 7);
    assert_int_equal(pidfile_parse("2147483647", 10, &p), 0);
    assert_int_equal(p, 2147483647);
    static const char *bad[] = { "", "\n", "0", "0\n", "12a", "-1", " 12", "12 ",
                                 "12\n\n", "2147483648", "99999999999", "1\n2" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p = 42;
        assert_int_equal(pidfile_parse(bad[i], strlen(bad[i]), &p), -EINVAL);
        assert_int_equal(p, 42);
    }
}

static char dir[64];

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_write_remove(void **state)
{
    (void)state;
    struct pidfile *pf;
    char path[128], cwd[256];
    pid_t p;
    snprintf(dir, sizeof(dir), "/tmp/test_pidfile.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/seedd.pid", dir);

    /* Relative, then the directory changes (a daemon's chdir /). */
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(pidfile_write("seedd.pid", &pf), 0);
    assert_int_equal(chdir("/"), 0);
    assert_int_equal(pidfile_read(path, &p), 0);
    assert_int_equal(p, getpid());
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    pidfile_free(pf);
    assert_int_equal(access(path, F_OK), -1);

    /* Taken over by another process since: left alone. */
    assert_int_equal(pidfile_write(path, &pf), 0);
    write_file(path, "1\n");
    pidfile_free(pf);
    assert_int_equal(access(path, F_OK), 0);
    pidfile_free(NULL);

    /* Nothing but the pid file was left in the directory. */
    unlink(path);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(chdir(cwd), 0);

    assert_int_equal(pidfile_write("/nonexistent-dir/seedd.pid", &pf), -ENOENT);
    assert_null(pf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_write_remove),
    };
    return unit_run(tests);
}
