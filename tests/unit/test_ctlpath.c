/* Unit tests for ctlpath: the control path rules, the socket group, and
 * the socket's directory (created with its exact mode and group, missing
 * ancestors too; an existing one of ours corrected; a symlink or another
 * user's directory refused). */
#include "unit.h"

#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ctlpath.h"

static void test_rules(void **state)
{
    (void)state;
    char err[128], longp[160];
    assert_false(ctlpath_is_unix("none"));
    assert_false(ctlpath_is_unix("tcp:localhost:56789"));
    assert_true(ctlpath_is_unix("/run/bit-babbler/seedd.socket"));
    assert_int_equal(ctlpath_check("/run/bit-babbler/seedd.socket", err, sizeof(err)), 0);
    assert_int_equal(ctlpath_check("run/seedd.socket", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "must be an absolute path");
    assert_int_equal(ctlpath_check("", err, sizeof(err)), -EINVAL);
    assert_int_equal(ctlpath_check("/run/bit-babbler/", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "must not end in '/'");
    assert_int_equal(ctlpath_check("/seedd.socket", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "must not be directly in '/'");
    /* sun_path: 107 bytes and a NUL. */
    memset(longp, 'a', sizeof(longp));
    memcpy(longp, "/run/", 5);
    longp[107] = 0;
    assert_int_equal(ctlpath_check(longp, err, sizeof(err)), 0);
    longp[107] = 'a';
    longp[108] = 0;
    assert_int_equal(ctlpath_check(longp, err, sizeof(err)), -EINVAL);
}

static void test_group(void **state)
{
    (void)state;
    gid_t gid = 42;
    struct group *gr = getgrgid(getegid());
    if (!gr)
        skip_because("our group has no name");
    char name[64];
    snprintf(name, sizeof(name), "%s", gr->gr_name);
    assert_int_equal(ctlpath_group(name, &gid), 0);
    assert_int_equal(gid, getegid());
    assert_int_equal(ctlpath_group("no-such-group-bb", &gid), -ENOENT);
}

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/test_ctlpath.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void assert_dir(const char *p, mode_t mode, gid_t gid)
{
    struct stat st;
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, mode);
    assert_int_equal(st.st_gid, gid);
    assert_int_equal(st.st_uid, geteuid());
}

static void test_dir(void **state)
{
    (void)state;
    char sock[128], sub[128], err[256];
    /* Missing, with a missing ancestor. */
    snprintf(sock, sizeof(sock), "%s/a/run/seedd.socket", dir);
    snprintf(sub, sizeof(sub), "%s/a/run", dir);
    mode_t old = umask(027);
    assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), 0);
    umask(old);
    assert_dir(sub, 0700, getegid());
    /* Present and right: unchanged; with a group: 0770. */
    assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), 0);
    assert_dir(sub, 0700, getegid());
    assert_int_equal(ctlpath_prepare_dir(sock, getegid(), err, sizeof(err)), 0);
    assert_dir(sub, 0770, getegid());
    /* Present with a wrong mode for owner and group only: corrected. */
    assert_int_equal(chmod(sub, 0750), 0);
    assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), 0);
    assert_dir(sub, 0700, getegid());
    /* Shared (others may use it, or sticky: /run, /tmp): refused, and
     * left as it was. */
    const mode_t shared[] = { 0755, 0701, 01777, 01770 };
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        assert_int_equal(chmod(sub, shared[i]), 0);
        assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "is shared"));
        assert_dir(sub, shared[i], getegid());
    }
}

/* A socket others connect to (EGD): its directory 0755, ours. */
static void test_open_dir(void **state)
{
    (void)state;
    char sock[128], sub[128], err[256];
    snprintf(sock, sizeof(sock), "%s/b/egd/seedd.socket", dir);
    snprintf(sub, sizeof(sub), "%s/b/egd", dir);
    mode_t old = umask(077);
    assert_int_equal(ctlpath_open_dir(sock, err, sizeof(err)), 0);
    umask(old);
    assert_dir(sub, 0755, getegid());
    /* systemd's RuntimeDirectory= (0700): opened for others to search. */
    assert_int_equal(chmod(sub, 0700), 0);
    assert_int_equal(ctlpath_open_dir(sock, err, sizeof(err)), 0);
    assert_dir(sub, 0755, getegid());
    /* Others may write, or sticky (/tmp): refused, left as it was. */
    const mode_t shared[] = { 0757, 01755, 01777 };
    for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        assert_int_equal(chmod(sub, shared[i]), 0);
        assert_int_equal(ctlpath_open_dir(sock, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "is shared: the socket needs"));
        assert_dir(sub, shared[i], getegid());
    }
    /* Not a directory. */
    assert_int_equal(chmod(sub, 0755), 0);
    snprintf(sock, sizeof(sock), "%s/b/egd/seedd.socket/x", dir);
    char file[160];
    snprintf(file, sizeof(file), "%s/b/egd/seedd.socket", dir);
    assert_int_equal(close(open(file, O_WRONLY | O_CREAT, 0600)), 0);
    assert_int_equal(ctlpath_open_dir(sock, err, sizeof(err)), -ENOTDIR);
}

static void test_dir_refused(void **state)
{
    (void)state;
    char sock[200], link[128], err[256];
    /* A symlink to a directory of ours is not the directory. */
    snprintf(link, sizeof(link), "%s/link", dir);
    assert_int_equal(symlink(dir, link), 0);
    snprintf(sock, sizeof(sock), "%s/link/seedd.socket", dir);
    assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), -ENOTDIR);
    assert_non_null(strstr(err, "is not a directory"));
    if (geteuid() != 0)
        skip_because("not root: cannot make a directory of another user");
    char other[128];
    snprintf(other, sizeof(other), "%s/other", dir);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(chown(other, 65534, 65534), 0);
    snprintf(sock, sizeof(sock), "%s/seedd.socket", other);
    assert_int_equal(ctlpath_prepare_dir(sock, (gid_t)-1, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "belongs to uid 65534"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_group),
        cmocka_unit_test_setup_teardown(test_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_dir, setup, teardown),
    };
    return unit_run(tests);
}
