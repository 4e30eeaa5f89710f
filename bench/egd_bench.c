/* egd_bench: load on an EGD socket (seedd --egd-out), as many guests'
 * virtio-rng (QEMU rng-egd) would put on it.
 *
 *   egd_bench PATH CLIENTS SECONDS [COUNT]
 *       CLIENTS connections, each sending blocking reads (0x02 COUNT,
 *       default 64) one at a time, the next once all COUNT bytes of the
 *       last have arrived, for SECONDS, from one poll() loop.  Prints
 *       "bytes N elapsed_ns N bps N min N max N fairness F p50_first_ms N
 *       p99_first_ms N requests N": the bytes all clients got, their rate,
 *       the least and most one client got and their ratio (min/max), and
 *       the time from a request to its first byte.
 *
 * A benchmark helper, not a test: it measures, make bench prints ratios. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CLIENTS 1024
#define MAX_SAMPLES (4u << 20)

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "egd_bench: %s: bad path\n", path);
        exit(1);
    }
    strcpy(sa.sun_path, path);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror(path);
        exit(1);
    }
    return fd;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct client {
    int fd;
    unsigned owed;     /* bytes of the read in flight still to come */
    uint64_t sent_at;  /* 0: its first byte has come */
    uint64_t got;
};

static void ask(struct client *c, unsigned count)
{
    const uint8_t req[2] = { 0x02, (uint8_t)count };
    if (write(c->fd, req, 2) != 2) {
        perror("egd_bench: write");
        exit(1);
    }
    c->owed = count;
    c->sent_at = now_ns();
}

static void report(const struct client *cl, int n, uint64_t el, uint64_t *first, size_t nfirst)
{
    uint64_t total = 0, min = UINT64_MAX, max = 0;
    for (int i = 0; i < n; i++) {
        total += cl[i].got;
        min = cl[i].got < min ? cl[i].got : min;
        max = cl[i].got > max ? cl[i].got : max;
    }
    qsort(first, nfirst, sizeof(*first), cmp_u64);
    printf("bytes %llu elapsed_ns %llu bps %.0f min %llu max %llu fairness %.4f p50_first_ms %.3f "
           "p99_first_ms %.3f requests %zu\n",
           (unsigned long long)total, (unsigned long long)el, (double)total / ((double)el / 1e9),
           (unsigned long long)min, (unsigned long long)max, max ? (double)min / (double)max : 0.0,
           nfirst ? (double)first[nfirst / 2] / 1e6 : 0.0,
           nfirst ? (double)first[nfirst * 99 / 100] / 1e6 : 0.0, nfirst);
}

static int run(const char *path, int n, double secs, unsigned count)
{
    if (n < 1 || n > MAX_CLIENTS || secs <= 0 || count < 1 || count > 255)
        return 2;
    struct client *cl = calloc((size_t)n, sizeof(*cl));
    struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
    uint64_t *first = calloc(MAX_SAMPLES, sizeof(*first));
    if (!cl || !pf || !first)
        return 1;
    for (int i = 0; i < n; i++) {
        cl[i].fd = connect_to(path);
        pf[i].fd = cl[i].fd;
        pf[i].events = POLLIN;
    }
    size_t nfirst = 0;
    uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9);
    uint8_t buf[4096];
    for (int i = 0; i < n; i++)
        ask(&cl[i], count);
    while (now_ns() < end) {
        int r = poll(pf, (nfds_t)n, 1000);
        if (r < 0 && errno != EINTR)
            return 1;
        for (int i = 0; i < n && r > 0; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(pf[i].fd, buf, sizeof(buf));
            if (got <= 0) {
                fprintf(stderr, "egd_bench: client %d: the server closed\n", i);
                return 1;
            }
            if (cl[i].sent_at && nfirst < MAX_SAMPLES)
                first[nfirst++] = now_ns() - cl[i].sent_at;
            cl[i].sent_at = 0;
            cl[i].got += (uint64_t)got;
            cl[i].owed -= (unsigned)got < cl[i].owed ? (unsigned)got : cl[i].owed;
            if (cl[i].owed == 0)
                ask(&cl[i], count);
        }
    }
    report(cl, n, now_ns() - t0, first, nfirst);
    for (int i = 0; i < n; i++)
        close(cl[i].fd);
    free(cl);
    free(pf);
    free(first);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 || argc == 5)
        return run(argv[1], atoi(argv[2]), atof(argv[3]),
                   argc == 5 ? (unsigned)atoi(argv[4]) : 64u);
    fprintf(stderr, "usage: egd_bench PATH CLIENTS SECONDS [COUNT]\n");
    return 2;
}
