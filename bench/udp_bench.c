/* udp_bench: load on a UDP entropy service (seedd -u; spec §6.3 format).
 *
 *   udp_bench client HOST PORT COUNT SECONDS
 *       One socket keeping 8 requests for COUNT bytes in flight (the next
 *       sent as each reply comes) for SECONDS; a window with no reply for
 *       50 ms is taken as lost and sent again.  Prints "replies N rps N
 *       lost N bytes N".
 *   udp_bench echo HOST PORT
 *       The baseline: a minimal server answering every 2-byte request with
 *       a datagram of that many bytes (zeros), no checks, no limits; runs
 *       until killed.
 *
 * A benchmark helper, not a test: it measures, make bench prints ratios. */
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 8

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int sock_to(const char *host, const char *port, int passive, struct sockaddr_storage *sa,
                   socklen_t *sl)
{
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = passive ? AI_PASSIVE : 0 };
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
        return -1;
    int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    if (fd >= 0 && passive && bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int run_client(const char *host, const char *port, unsigned count, double secs)
{
    struct sockaddr_storage sa;
    socklen_t sl;
    int fd = sock_to(host, port, 0, &sa, &sl);
    if (fd < 0 || count < 1 || count > 32768) {
        fprintf(stderr, "udp_bench: bad arguments\n");
        return 2;
    }
    const uint8_t req[2] = { (uint8_t)(count >> 8), (uint8_t)count };
    static uint8_t buf[65536];
    uint64_t replies = 0, lost = 0, bytes = 0;
    int out = 0;
    double t0 = now_s(), end = t0 + secs;
    while (now_s() < end) {
        while (out < WINDOW) {
            if (sendto(fd, req, 2, 0, (struct sockaddr *)&sa, sl) == 2)
                out++;
            else
                break;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0) {
            lost += (uint64_t)out;
            out = 0;
            continue;
        }
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            replies++;
            bytes += (uint64_t)n;
            out--;
        }
    }
    double el = now_s() - t0;
    printf("replies %llu rps %.0f lost %llu bytes %llu\n", (unsigned long long)replies,
           (double)replies / el, (unsigned long long)lost, (unsigned long long)bytes);
    close(fd);
    return 0;
}

static int run_echo(const char *host, const char *port)
{
    struct sockaddr_storage sa, from;
    socklen_t sl;
    int fd = sock_to(host, port, 1, &sa, &sl);
    static uint8_t out[32768];
    if (fd < 0) {
        perror("udp_bench: bind");
        return 1;
    }
    for (;;) {
        uint8_t req[8];
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, req, sizeof(req), 0, (struct sockaddr *)&from, &fl);
        if (n != 2)
            continue;
        unsigned c = (unsigned)req[0] << 8 | req[1];
        if (c >= 1 && c <= sizeof(out))
            sendto(fd, out, c, 0, (struct sockaddr *)&from, fl);
    }
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "client") == 0)
        return run_client(argv[2], argv[3], (unsigned)atoi(argv[4]), atof(argv[5]));
    if (argc == 4 && strcmp(argv[1], "echo") == 0)
        return run_echo(argv[2], argv[3]);
    fprintf(stderr, "usage: udp_bench client HOST PORT COUNT SECONDS\n"
                    "       udp_bench echo HOST PORT\n");
    return 2;
}
