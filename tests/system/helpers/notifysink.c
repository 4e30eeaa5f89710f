/* notifysink PATH: the service manager's end of sd_notify -- a unix
 * datagram socket at PATH; each datagram received is printed on stdout
 * as it came, followed by a newline (a datagram of several assignments
 * gives several lines).  Runs until killed (at most 300 s).
 * notifysink -s PATH TEXT: sends TEXT as one datagram to PATH (a test's
 * marker: datagrams are received in the order they were queued). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buf[4096];
    bool sending = argc == 4 && !strcmp(argv[1], "-s");
    if (argc != 2 && !sending) {
        fprintf(stderr, "usage: notifysink PATH | notifysink -s PATH TEXT\n");
        return 2;
    }
    const char *path = argv[sending ? 2 : 1];
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(a.sun_path)) {
        fprintf(stderr, "notifysink: path too long\n");
        return 2;
    }
    strcpy(a.sun_path, path);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sending) {
        if (s < 0 || sendto(s, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&a,
                            sizeof(a)) < 0) {
            fprintf(stderr, "notifysink: sending to %s: %s\n", path, strerror(errno));
            return 1;
        }
        return 0;
    }
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "notifysink: %s: %s\n", path, strerror(errno));
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
