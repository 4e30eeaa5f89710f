/* daemonize: fork with a start-up report to the parent.  See daemonize.h. */
#include "daemonize.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct daemonize {
    int fd;          /* the pipe's write end (child) */
};

/* The parent: the child's one byte (ready), or its exit status. */
static int wait_child(pid_t child, int fd)
{
    char c;
    ssize_t n;
    int st;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n == 1)
        return 0;
    /* The pipe closed without a word: the child ended. */
    while (waitpid(child, &st, 0) < 0) {
        if (errno != EINTR)
            return 1;
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st) ? WEXITSTATUS(st) : 1;
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 1;
}

static int null_onto(int fd, int flags)
{
    int n = open("/dev/null", flags | O_CLOEXEC);
    if (n < 0)
        return -errno;
    int r = dup2(n, fd) < 0 ? -errno : 0;
    close(n);
    return r;
}

int daemonize_begin(struct daemonize **out, int *parent_status)
{
    int p[2];
    *out = NULL;
    struct daemonize *dz = calloc(1, sizeof(*dz));
    if (!dz)
        return -ENOMEM;
    if (pipe2(p, O_CLOEXEC) < 0) {
        int r = -errno;
        free(dz);
        return r;
    }
    pid_t child = fork();
    if (child < 0) {
        int r = -errno;
        close(p[0]);
        close(p[1]);
        free(dz);
        return r;
    }
    if (child > 0) {
        close(p[1]);
        free(dz);
        *parent_status = wait_child(child, p[0]);
        return 1;
    }
    close(p[0]);
    dz->fd = p[1];
    setsid();
    umask(027);
    null_onto(STDIN_FILENO, O_RDONLY);
    *out = dz;
    return 0;
}

int daemonize_ready(struct daemonize *dz)
{
    int r = 0;
    if (chdir("/") < 0)
        r = -errno;
    if (r == 0)
        r = null_onto(STDOUT_FILENO, O_WRONLY);
    if (r == 0)
        r = null_onto(STDERR_FILENO, O_WRONLY);
    if (r < 0)
        return r;
    /* The parent may be gone (killed): SIGPIPE is the caller's to ignore. */
    (void)!write(dz->fd, "", 1);
    close(dz->fd);
    dz->fd = -1;
    return 0;
}

void daemonize_free(struct daemonize *dz)
{
    if (!dz)
        return;
    if (dz->fd >= 0)
        close(dz->fd);
    free(dz);
}
