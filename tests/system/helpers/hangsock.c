/* hangsock PATH: a unix stream socket that accepts every connection and
 * never answers -- a libvirtd whose socket exists but which never serves
 * it (the boot deadlock upstream documents).  Prints "ready" once
 * listening; runs until killed. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hangsock PATH\n");
        return 2;
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof(a.sun_path)) {
        fprintf(stderr, "hangsock: path too long\n");
        return 2;
    }
    strcpy(a.sun_path, argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 16) < 0) {
        fprintf(stderr, "hangsock: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    /* Accepted connections are kept open (and never read) until we die. */
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0 && errno != EINTR && errno != ECONNABORTED) {
            fprintf(stderr, "hangsock: accept: %s\n", strerror(errno));
            return 1;
        }
    }
}
