/* vmconf: reading vm.conf from a file (see vmconf.h); the parsing is
 * vmconf_parse's. */
#include "vmconf.h"
#include "vmconf_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vmconf_load(const char *path, struct vmconf **out, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    int r, fd;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!path || !out)
        return vml_fail(-EINVAL, err, errlen, "vm.conf: invalid arguments");
    /* O_NONBLOCK: a FIFO must not hang us before fstat says what it is. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0) {
        r = vml_fail(-errno, err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        r = vml_fail(-EISDIR, err, errlen, "%s: %s", path, strerror(EISDIR));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        r = vml_fail(-EINVAL, err, errlen, "%s: not a regular file", path);
        goto out;
    }
    /* Read to EOF (the file may grow under us), at most VMCONF_MAX_FILE + 1
     * bytes: room for st_size + 1 first, for VMCONF_MAX_FILE + 1 if it grew. */
    while (len <= VMCONF_MAX_FILE) {
        if (len == cap) {
            cap = cap ? VMCONF_MAX_FILE + 1
                      : (st.st_size > VMCONF_MAX_FILE ? VMCONF_MAX_FILE : (size_t)st.st_size) + 1;
            char *nb = realloc(buf, cap);
            if (!nb) {
                r = vml_fail(-ENOMEM, err, errlen, "%s: %s", path, strerror(ENOMEM));
                goto out;
            }
            buf = nb;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = vml_fail(-errno, err, errlen, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > VMCONF_MAX_FILE)
        r = vml_fail(-EFBIG, err, errlen, "%s: %s (more than %d bytes)", path, strerror(EFBIG),
                 VMCONF_MAX_FILE);
    else
        r = vmconf_parse(buf, len, path, out, err, errlen);
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    return r;
}
