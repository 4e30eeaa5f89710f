/* notifysink PATH: the service manager's end of sd_notify -- a unix
 * datagram socket at PATH; each datagram received is printed on stdout
 * as it came, followed by a newline (a datagram of several assignments
 * gives several lines).  Runs until killed (at most 300 s). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    if (argc != 2) {
        fprintf(stderr, "usage: notifysink PATH\n");
        return 2;
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof(a.sun_path)) {
        fprintf(stderr, "notifysink: path too long\n");
        return 2;
    }
    strcpy(a.sun_path, argv[1]);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "notifysink: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    alarm(300);
    for (;;) {
        ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "notifysink: recv: %s\n", strerror(errno));
            return 1;
        }
        fwrite(buf, 1, (size_t)n, stdout);
        putchar('\n');
        fflush(stdout);
    }
}
