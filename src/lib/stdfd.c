/* stdfd: standard descriptors that are really there.  See stdfd.h. */
#include "stdfd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int stdfd_ensure(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        /* Not O_CLOEXEC: like any standard descriptor, it is inherited. */
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n < 0)
            return -errno;
        if (n != fd) {
            /* Only if a lower one was opened meanwhile (another thread). */
            int r = dup2(n, fd);
            int e = errno;
            close(n);
            if (r < 0)
                return -e;
        }
    }
    return 0;
}
