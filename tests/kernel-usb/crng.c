/* crng: the guest kernel's CRNG state, for the kernel-usb tier.
 *
 *   crng state     "ready" (exit 0) or "not ready" (exit 1): whether
 *                  getrandom(GRND_NONBLOCK) has bytes or says EAGAIN.
 *   crng wait MS   waits up to MS milliseconds for the CRNG to become
 *                  ready, without disturbing it, and prints
 *                  "ready at UPTIME_MS" (exit 0) or "not ready at
 *                  UPTIME_MS" (exit 1); UPTIME_MS is CLOCK_BOOTTIME in ms,
 *                  the clock of /proc/uptime.
 *
 * The wait is poll(POLLIN) on /dev/random: the kernel wakes it when the
 * CRNG is initialised.  Not a blocking getrandom() or read(), which on
 * 5.4+ kernels run the jitter entropy generator themselves and would make
 * the CRNG ready without anyone feeding it.  Exit 2 on errors. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static long long boot_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 ready, 0 not ready, -1 error */
static int ready(void)
{
    unsigned char b;
    ssize_t n = getrandom(&b, 1, GRND_NONBLOCK);
    if (n == 1)
        return 1;
    if (n < 0 && errno == EAGAIN)
        return 0;
    perror("crng: getrandom");
    return -1;
}

static int wait_ready(long ms)
{
    long long end = boot_ms() + ms;
    int fd = open("/dev/random", O_RDONLY | O_CLOEXEC);
    int r;

    if (fd < 0) {
        perror("crng: /dev/random");
        return 2;
    }
    while ((r = ready()) == 0) {
        long long left = end - boot_ms();
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (left <= 0)
            break;
        if (poll(&p, 1, (int)(left > 60000 ? 60000 : left)) < 0 && errno != EINTR) {
            perror("crng: poll");
            r = -1;
            break;
        }
    }
    close(fd);
    if (r < 0)
        return 2;
    printf("%s at %lld\n", r ? "ready" : "not ready", boot_ms());
    return r ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "state") == 0) {
        int r = ready();
        if (r < 0)
            return 2;
        puts(r ? "ready" : "not ready");
        return r ? 0 : 1;
    }
    if (argc == 3 && strcmp(argv[1], "wait") == 0) {
        char *end;
        long ms = strtol(argv[2], &end, 10);
        if (*end == '\0' && ms > 0)
            return wait_ready(ms);
    }
    fprintf(stderr, "usage: crng state | crng wait MS\n");
    return 2;
}
