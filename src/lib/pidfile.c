/* pidfile: write, read and remove pid files.  See pidfile.h. */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pidfile {
    char *path;
    pid_t pid;
};

int pidfile_parse(const char *buf, size_t len, pid_t *out)
{
    unsigned long long v = 0;
    size_t i = 0;
    if (len && buf[len - 1] == '\n')
        len--;
    if (len == 0 || len > 10)
        return -EINVAL;
    for (; i < len; i++) {
        if (buf[i] < '0' || buf[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(buf[i] - '0');
    }
    if (v == 0 || v > INT_MAX)
        return -EINVAL;
    *out = (pid_t)v;
    return 0;
}

int pidfile_read(const char *path, pid_t *out)
{
    char buf[32];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof(buf));
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    return pidfile_parse(buf, (size_t)n, out);
}

/* path, made absolute against the current directory. */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *cwd = getcwd(NULL, 0), *abs = NULL;
    if (cwd && asprintf(&abs, "%s/%s", cwd, path) < 0)
        abs = NULL;
    free(cwd);
    return abs;
}

static int write_temp(const char *tmpl_base, pid_t pid, char **tmp_out)
{
    char *tmp = NULL, line[24];
    int r = 0, fd = -1;
    if (asprintf(&tmp, "%s.XXXXXX", tmpl_base) < 0)
        return -ENOMEM;
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        r = -errno;
        goto out;
    }
    int len = snprintf(line, sizeof(line), "%d\n", (int)pid);
    errno = 0;
    if (fchmod(fd, 0644) < 0 || write(fd, line, (size_t)len) != len) {
        r = errno ? -errno : -EIO;
        unlink(tmp);
        goto out;
    }
out:
    if (fd >= 0 && close(fd) < 0 && r == 0) {
        r = -errno;
        unlink(tmp);
    }
    if (r < 0) {
        free(tmp);
        tmp = NULL;
    }
    *tmp_out = tmp;
    return r;
}

int pidfile_write(const char *path, struct pidfile **out)
{
    struct pidfile *pf = calloc(1, sizeof(*pf));
    char *tmp = NULL;
    int r;
    *out = NULL;
    if (!pf || !(pf->path = absolute(path))) {
        r = -ENOMEM;
        goto fail;
    }
    pf->pid = getpid();
    if ((r = write_temp(pf->path, pf->pid, &tmp)) < 0)
        goto fail;
    if (rename(tmp, pf->path) < 0) {
        r = -errno;
        unlink(tmp);
        goto fail;
    }
    free(tmp);
    *out = pf;
    return 0;
fail:
    free(tmp);
    if (pf)
        free(pf->path);
    free(pf);
    return r;
}

void pidfile_free(struct pidfile *pf)
{
    pid_t pid;
    if (!pf)
        return;
    if (pidfile_read(pf->path, &pid) == 0 && pid == pf->pid)
        unlink(pf->path);
    free(pf->path);
    free(pf);
}
