/* ctl_bench: load on a control socket (spec §7: NUL-framed JSON requests).
 *
 *   ctl_bench client PATH CLIENTS REQUESTS [REQUEST]
 *       CLIENTS connections, each sending REQUEST (default ReportStats of
 *       every monitor) REQUESTS times, one at a time (the next once the
 *       reply's NUL has arrived), all driven from one poll() loop.  Prints
 *       "requests N elapsed_ns N rps N p50_ms N p99_ms N reply_bytes N".
 *   ctl_bench echo PATH REPLY_BYTES
 *       The baseline: a minimal server on PATH answering every NUL-ended
 *       request with REPLY_BYTES bytes (the last a NUL), one poll() loop, no
 *       limits; runs until killed.
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

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -1;
    strcpy(sa->sun_path, path);
    return 0;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || unix_addr(path, &sa) < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
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
    long left;       /* requests still to send */
    uint64_t sent_at;
};

static void send_req(struct client *c, const char *req, size_t len)
{
    c->sent_at = now_ns();
    if (write(c->fd, req, len) != (ssize_t)len) {
        perror("write");
        exit(1);
    }
    c->left--;
}

static int run_client(const char *path, int n, long reqs, const char *request)
{
    if (n < 1 || n > MAX_CLIENTS || reqs < 1)
        return 2;
    size_t rlen = strlen(request) + 1; /* with its NUL */
    struct client *cl = calloc((size_t)n, sizeof(*cl));
    struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
    uint64_t *lat = calloc((size_t)n * (size_t)reqs, sizeof(*lat));
    if (!cl || !pf || !lat)
        return 1;
    for (int i = 0; i < n; i++) {
        cl[i].fd = connect_to(path);
        cl[i].left = reqs;
        pf[i].fd = cl[i].fd;
        pf[i].events = POLLIN;
    }
    size_t nlat = 0, active = (size_t)n;
    uint64_t reply_bytes = 0, t0 = now_ns();
    char buf[65536];
    for (int i = 0; i < n; i++)
        send_req(&cl[i], request, rlen);
    while (active > 0) {
        if (poll(pf, (nfds_t)n, 60000) <= 0) {
            fprintf(stderr, "ctl_bench: no reply for 60 s\n");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(pf[i].fd, buf, sizeof(buf));
            if (got <= 0) {
                fprintf(stderr, "ctl_bench: client %d: the server closed\n", i);
                return 1;
            }
            reply_bytes += (uint64_t)got;
            /* One request in flight per client: a NUL ends its reply. */
            if (memchr(buf, '\0', (size_t)got) == NULL)
                continue;
            lat[nlat++] = now_ns() - cl[i].sent_at;
            if (cl[i].left > 0) {
                send_req(&cl[i], request, rlen);
            } else {
                /* Closed at once: past seedd's client limit, the others
                 * wait in the backlog for a free slot. */
                close(cl[i].fd);
                pf[i].fd = -1;
                active--;
            }
        }
    }
    uint64_t el = now_ns() - t0;
    qsort(lat, nlat, sizeof(*lat), cmp_u64);
    printf("requests %zu elapsed_ns %llu rps %.0f p50_ms %.3f p99_ms %.3f reply_bytes %llu\n", nlat,
           (unsigned long long)el, (double)nlat / ((double)el / 1e9), (double)lat[nlat / 2] / 1e6,
           (double)lat[nlat * 99 / 100] / 1e6, (unsigned long long)(reply_bytes / nlat));
    free(cl);
    free(pf);
    free(lat);
    return 0;
}

static int run_echo(const char *path, size_t reply_len)
{
    struct sockaddr_un sa;
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || reply_len < 1 || unix_addr(path, &sa) < 0 ||
        bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1024) < 0) {
        perror(path);
        return 1;
    }
    char *reply = malloc(reply_len);
    struct pollfd *pf = calloc(MAX_CLIENTS + 1, sizeof(*pf));
    if (!reply || !pf)
        return 1;
    memset(reply, 'x', reply_len - 1);
    reply[reply_len - 1] = '\0';
    pf[0].fd = ls;
    pf[0].events = POLLIN;
    for (int i = 1; i <= MAX_CLIENTS; i++)
        pf[i].fd = -1;
    char buf[4096];
    for (;;) {
        if (poll(pf, MAX_CLIENTS + 1, -1) < 0 && errno != EINTR)
            return 1;
        if (pf[0].revents & POLLIN) {
            int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
            for (int i = 1; fd >= 0 && i <= MAX_CLIENTS; i++) {
                if (pf[i].fd < 0) {
                    pf[i].fd = fd;
                    pf[i].events = POLLIN;
                    fd = -1;
                }
            }
            if (fd >= 0)
                close(fd);
        }
        for (int i = 1; i <= MAX_CLIENTS; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(pf[i].fd, buf, sizeof(buf));
            if (got <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                continue;
            }
            for (ssize_t k = 0; k < got; k++) {
                if (buf[k] == '\0' && write(pf[i].fd, reply, reply_len) != (ssize_t)reply_len) {
                    close(pf[i].fd);
                    pf[i].fd = -1;
                    break;
                }
            }
        }
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 5 && strcmp(argv[1], "client") == 0)
        return run_client(argv[2], atoi(argv[3]), atol(argv[4]),
                          argc > 5 ? argv[5] : "[\"ReportStats\",1]");
    if (argc == 4 && strcmp(argv[1], "echo") == 0)
        return run_echo(argv[2], (size_t)atol(argv[3]));
    fprintf(stderr, "usage: ctl_bench client PATH CLIENTS REQUESTS [REQUEST]\n"
                    "       ctl_bench echo PATH REPLY_BYTES\n");
    return 2;
}
