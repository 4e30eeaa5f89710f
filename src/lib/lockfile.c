/* lockfile: an flock()ed file naming its holder.  See lockfile.h. */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfile.h"

struct lockfile {
    char *path;
    int fd;
};

/* Attempts before giving up on a lock file that keeps being replaced. */
#define LOCKFILE_TRIES 10

/* The holder's pid from the locked file: 0 when it cannot be read. */
static pid_t holder_of(int fd)
{
    char buf[32];
    pid_t pid;
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    if (n <= 0 || pidfile_parse(buf, (size_t)n, &pid) < 0)
        return 0;
    return pid;
}

static int write_pid(int fd)
{
    char line[24];
    int len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0)
        return -errno;
    errno = 0;
    if (pwrite(fd, line, (size_t)len, 0) != len)
        return errno ? -errno : -EIO;
    return 0;
}

/* One attempt: 0 (locked, *fdp set), 1 (the file was replaced: again),
 * or -errno. */
static int try_lock(const char *path, int *fdp, pid_t *holder)
{
    struct stat fst, pst;
    int r, fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &fst) < 0) {
        r = -errno;
        goto fail;
    }
    if (fst.st_uid != geteuid() || !S_ISREG(fst.st_mode)) {
        r = -EPERM;
        goto fail;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        if (r == -EWOULDBLOCK)
            *holder = holder_of(fd);
        goto fail;
    }
    if (stat(path, &pst) < 0 || pst.st_dev != fst.st_dev || pst.st_ino != fst.st_ino) {
        r = 1;
        goto fail;
    }
    *fdp = fd;
    return 0;
fail:
    close(fd);
    return r;
}

int lockfile_acquire(const char *path, struct lockfile **out, pid_t *holder)
{
    struct lockfile *l = calloc(1, sizeof(*l));
    int r = -ENOMEM;
    *out = NULL;
    *holder = 0;
    if (!l || !(l->path = strdup(path)))
        goto fail;
    l->fd = -1;
    r = 1;
    for (int i = 0; i < LOCKFILE_TRIES && r == 1; i++)
        r = try_lock(path, &l->fd, holder);
    if (r == 1)
        r = -EBUSY; /* replaced under us every time */
    if (r == 0 && (r = write_pid(l->fd)) < 0) {
        unlink(path); /* still holding it */
        close(l->fd);
    }
    if (r < 0)
        goto fail;
    *out = l;
    return 0;
fail:
    if (l)
        free(l->path);
    free(l);
    return r;
}

void lockfile_free(struct lockfile *l)
{
    if (!l)
        return;
    /* Still holding the lock: no other process can have taken this name. */
    unlink(l->path);
    close(l->fd);
    free(l->path);
    free(l);
}
