/* ueventsink READY WAITPATH N: a udev monitor that does not read (hotplug.sh).
 *
 * Run under bbemu.  Opens a kernel uevent netlink socket (umockdev's preload
 * turns it into a socket in the testbed), creates the file READY, then
 * reads nothing until WAITPATH exists (the last device of a burst is in
 * sysfs; at most 60 s), so its queue fills up.  Then it reads until it has seen N "add"
 * events of USB devices; prints "N add events" and exits 0, or after 20 s
 * without an event prints how many it saw and exits 1. */
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int has(const char *buf, size_t len, const char *s)
{
    return memmem(buf, len, s, strlen(s) + 1) != NULL;   /* with its NUL */
}

int main(int argc, char **argv)
{
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 2 };
    struct stat st;
    char buf[8192];
    long want, seen = 0;
    int fd, rf;

    if (argc != 4 || (want = strtol(argv[3], NULL, 10)) <= 0) {
        fprintf(stderr, "usage: ueventsink READY WAITPATH N\n");
        return 2;
    }
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        perror("ueventsink: netlink socket");
        return 1;
    }
    rf = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (rf < 0) {
        perror(argv[1]);
        return 1;
    }
    close(rf);
    for (int i = 0; stat(argv[2], &st) != 0; i++) {
        if (i == 6000) {
            fprintf(stderr, "ueventsink: no %s after 60 s\n", argv[2]);
            return 1;
        }
        usleep(10000);
    }
    while (seen < want) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        ssize_t n;
        if (poll(&p, 1, 20000) != 1)
            break;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            perror("ueventsink: recv");
            return 1;
        }
        if (has(buf, (size_t)n, "ACTION=add") && has(buf, (size_t)n, "DEVTYPE=usb_device"))
            seen++;
    }
    printf("%ld add events\n", seen);
    return seen == want ? 0 : 1;
}
