/* Unit tests for udpsrv over real UDP sockets on loopback, on a real evl
 * loop, with the pool fed by the test (no devices): when bytes become
 * ready is decided by the blocks the test adds, so "waits for data" and
 * "answered once it came" are shown without timing.
 *
 *   waiting:  a request for more than is ready is not answered and not
 *             refused; the block the test adds answers it; one behind a
 *             waiting request waits too (arrival order) though the ready
 *             bytes would cover it; every reply is the tee's bytes, in
 *             order (SEEDD_TEST_UDP_TEE);
 *   expiry:   a request no data comes for is refused after UDPSRV_WAIT_MS
 *             (the only timer here, and what the case waits for), and the
 *             data that comes later is not sent to it; one that waited
 *             behind it (sent 500 ms later) and is covered by the ready
 *             bytes is answered when the front expires, not left to expire;
 *   limits:   UDPSRV_WAITING_PER_HOST wait from one host, the next is
 *             refused at once; other hosts (127.0.0.x) still wait, up to
 *             UDPSRV_WAITING in all.
 * The loop quits on a condition; a guard timer (10 s) ends a case that
 * hangs. */
#include "unit.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "evl.h"
#include "monitors.h"
#include "pool.h"
#include "splitmix.h"
#include "unit_loop.h"
#include "udpproto.h"
#include "udpsrv.h"

#define BLOCK 2500u
#define GUARD_MS 10000
#define MAXREP 16
#define NHOST 9 /* 127.0.0.1 .. 127.0.0.9 */

struct client {
    int fd;
    size_t n;              /* replies */
    size_t len[MAXREP];
    uint8_t *data;         /* all replies, in order */
    size_t total;
};

struct fx {
    char dir[64], tee[128];
    struct evl *loop;
    struct pool *pool;
    struct monitors *mons;
    struct udpsrv *udp;
    struct unit_loop run;
    struct evl_timer *later;
    int later_host;       /* what the later timer asks */
    unsigned later_count;
    uint64_t later_at;    /* evl_now_ms() when it asked */
    struct sockaddr_in srv;
    struct client cl[NHOST];
    uint64_t rng;
    uint64_t want;         /* the condition's argument */
};

static void add_block(struct fx *f)
{
    uint8_t b[BLOCK];
    splitmix_fill(&f->rng, b, sizeof(b));
    pool_add(f->pool, b, sizeof(b));
}

static void on_client(struct evl *loop, int fd, uint32_t ev, void *ud)
{
    struct client *c = ud;
    uint8_t buf[UDPPROTO_MAX_COUNT];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) >= 0) {
        assert_true(c->n < MAXREP);
        c->len[c->n++] = (size_t)n;
        c->data = realloc(c->data, c->total + (size_t)n + 1);
        assert_non_null(c->data);
        memcpy(c->data + c->total, buf, (size_t)n);
        c->total += (size_t)n;
    }
}

static void ask(struct fx *f, int host, unsigned count);

static void on_later(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct fx *f = ud;
    ask(f, f->later_host, f->later_count);
    f->later_at = evl_now_ms();
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_udpsrv.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->tee, sizeof(f->tee), "%s/tee", f->dir);
    setenv(UDPSRV_ENV_TEE, f->tee, 1);
    f->rng = 4242;
    if (evl_new(&f->loop) < 0 || pool_new(4096, &f->pool) < 0 || monitors_new(&f->mons) < 0 ||
        unit_loop_init(&f->run, f->loop) < 0 ||
        evl_timer_new(f->loop, on_later, f, &f->later) < 0)
        return -1;
    char err[256];
    const struct udpsrv_cfg cfg = { .addr = "127.0.0.1:0", .pool = f->pool, .mons = f->mons };
    if (udpsrv_new(f->loop, &cfg, &f->udp, err, sizeof(err)) < 0) {
        fprintf(stderr, "udpsrv_new: %s\n", err);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (udpsrv_sockname(f->udp, &ss, &sl) < 0 || ss.ss_family != AF_INET)
        return -1;
    memcpy(&f->srv, &ss, sizeof(f->srv));
    /* The UDP monitor's bring-up: blocks until the first one passes. */
    for (int i = 0; i < 100 && udpsrv_ready(f->udp) == 0; i++)
        add_block(f);
    if (udpsrv_ready(f->udp) == 0)
        return -1;
    for (int i = 0; i < NHOST; i++) {
        struct client *c = &f->cl[i];
        struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001 + i) };
        c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
            connect(c->fd, (struct sockaddr *)&f->srv, sizeof(f->srv)) < 0 ||
            evl_add_fd(f->loop, c->fd, EPOLLIN, on_client, c) < 0)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < NHOST; i++) {
        if (f->cl[i].fd >= 0)
            close(f->cl[i].fd);
        free(f->cl[i].data);
    }
    udpsrv_free(f->udp);
    unit_loop_free(&f->run);
    evl_timer_free(f->later);
    monitors_free(f->mons);
    pool_free(f->pool);
    evl_free(f->loop);
    unlink(f->tee);
    rmdir(f->dir);
    unsetenv(UDPSRV_ENV_TEE);
    free(f);
    return 0;
}

static void ask(struct fx *f, int host, unsigned count)
{
    const uint8_t req[2] = { (uint8_t)(count >> 8), (uint8_t)count };
    assert_int_equal(send(f->cl[host].fd, req, sizeof(req), 0), 2);
}

static struct udpsrv_counts counts(const struct fx *f)
{
    struct udpsrv_counts c;
    udpsrv_get_counts(f->udp, &c);
    return c;
}

static bool handled(void *ud)
{
    struct fx *f = ud;
    return counts(f).requests >= f->want;
}

static bool replies0(void *ud)
{
    struct fx *f = ud;
    return f->cl[0].n >= f->want;
}

static bool expired(void *ud)
{
    struct fx *f = ud;
    return counts(f).expired >= f->want;
}

static bool replies1(void *ud)
{
    struct fx *f = ud;
    return f->cl[1].n >= f->want;
}

static size_t all_replies(const struct fx *f)
{
    size_t n = 0;
    for (int i = 0; i < NHOST; i++)
        n += f->cl[i].n;
    return n;
}

static bool replies_all(void *ud)
{
    struct fx *f = ud;
    return all_replies(f) >= f->want;
}

static int run(struct fx *f, bool (*done)(void *f), uint64_t want)
{
    f->want = want;
    return unit_loop_until(&f->run, done, f, GUARD_MS);
}

/* Empties the ready bytes with one request from host 0 (its reply 1). */
static void drain(struct fx *f)
{
    size_t ready = udpsrv_ready(f->udp);
    assert_true(ready > 0 && ready <= UDPPROTO_MAX_COUNT);
    ask(f, 0, (unsigned)ready);
    assert_int_equal(run(f, replies0, f->cl[0].n + 1), 0);
    assert_int_equal(f->cl[0].len[f->cl[0].n - 1], ready);
    assert_int_equal(udpsrv_ready(f->udp), 0);
}

static void assert_tee(const struct fx *f)
{
    const struct client *c = &f->cl[0];
    int fd = open(f->tee, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    uint8_t *t = malloc(c->total + 1);
    assert_non_null(t);
    assert_int_equal(read(fd, t, c->total + 1), (ssize_t)c->total);
    close(fd);
    assert_memory_equal(t, c->data, c->total);
    free(t);
}

static void test_waiting(void **state)
{
    struct fx *f = *state;
    drain(f);
    ask(f, 0, 100);
    assert_int_equal(run(f, handled, 2), 0);
    struct udpsrv_counts c = counts(f);
    assert_int_equal(c.waited, 1);
    assert_int_equal(c.answered, 1); /* the drain's only: nothing sent yet */
    add_block(f); /* 2500 ready: the waiting 100 are sent from them */
    assert_int_equal(run(f, replies0, 2), 0);
    assert_int_equal(f->cl[0].len[1], 100);
    assert_int_equal(udpsrv_ready(f->udp), BLOCK - 100);

    /* 3000 waits (2400 ready); 10 behind it waits too */
    ask(f, 0, 3000);
    ask(f, 0, 10);
    assert_int_equal(run(f, handled, 4), 0);
    c = counts(f);
    assert_int_equal(c.waited, 3);
    assert_int_equal(c.answered, 2); /* neither sent: the 10 waits behind */
    add_block(f); /* 4900 ready: both, in order */
    assert_int_equal(run(f, replies0, 4), 0);
    assert_int_equal(f->cl[0].len[2], 3000);
    assert_int_equal(f->cl[0].len[3], 10);
    c = counts(f);
    assert_int_equal(c.answered, 4);
    assert_int_equal(c.expired + c.short_data + c.send_failed, 0);
    assert_tee(f);
}

static void test_expiry(void **state)
{
    struct fx *f = *state;
    drain(f);
    ask(f, 0, 100);
    assert_int_equal(run(f, expired, 1), 0);
    struct udpsrv_counts c = counts(f);
    assert_int_equal(c.waited, 1);
    assert_int_equal(c.answered, 1);
    add_block(f); /* nothing waits now: the bytes stay ready */
    assert_int_equal(udpsrv_ready(f->udp), BLOCK);
    ask(f, 0, 7);
    assert_int_equal(run(f, replies0, 2), 0);
    assert_int_equal(f->cl[0].len[1], 7); /* the next reply is the later request's */
    assert_tee(f);
}

static void test_expiry_serves_next(void **state)
{
    struct fx *f = *state;
    drain(f);
    add_block(f); /* 2500 ready */
    ask(f, 0, 3000);
    f->later_host = 1;
    f->later_count = 10;
    evl_timer_arm(f->later, 500);
    assert_int_equal(run(f, expired, 1), 0);
    uint64_t at = evl_now_ms();
    struct udpsrv_counts c = counts(f);
    if (c.expired > 1 || at >= f->later_at + UDPSRV_WAIT_MS)
        skip_because("the loop stalled past the second request's expiry too");
    assert_int_equal(c.waited, 2);
    assert_int_equal(c.answered, 2); /* the drain's and the 10 bytes */
    assert_int_equal(run(f, replies1, 1), 0);
    assert_int_equal(f->cl[1].len[0], 10);
    assert_int_equal(udpsrv_ready(f->udp), BLOCK - 10);
}

static void test_limits(void **state)
{
    struct fx *f = *state;
    drain(f);
    uint64_t asked = 1;
    for (int i = 0; i < UDPSRV_WAITING_PER_HOST + 1; i++, asked++)
        ask(f, 0, 50);
    assert_int_equal(run(f, handled, asked), 0);
    struct udpsrv_counts c = counts(f);
    assert_int_equal(c.waited, UDPSRV_WAITING_PER_HOST);
    assert_int_equal(c.short_data, 1); /* the one over the host's share */
    /* Other hosts still wait, until UDPSRV_WAITING wait in all. */
    for (int h = 1; h < NHOST; h++)
        for (int i = 0; i < UDPSRV_WAITING_PER_HOST; i++, asked++)
            ask(f, h, 50);
    assert_int_equal(run(f, handled, asked), 0);
    c = counts(f);
    assert_int_equal(c.waited, UDPSRV_WAITING);
    assert_int_equal(c.short_data, 1 + (NHOST * UDPSRV_WAITING_PER_HOST - UDPSRV_WAITING));
    assert_int_equal(c.answered, 1);
    add_block(f); /* 2500 ready: the first 50 waiting, in their order */
    c = counts(f);
    assert_int_equal(c.answered, 1 + 50);
    assert_int_equal(run(f, replies_all, 1 + 50), 0);
    /* hosts 1..8 asked in turn, 8 each: hosts 0-5 all, host 6 two; host 7
     * waits still; host 8's came when 64 waited */
    assert_int_equal(f->cl[0].n, 1 + UDPSRV_WAITING_PER_HOST);
    for (int h = 1; h <= 5; h++)
        assert_int_equal(f->cl[h].n, UDPSRV_WAITING_PER_HOST);
    assert_int_equal(f->cl[6].n, 2);
    assert_int_equal(f->cl[7].n + f->cl[8].n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_waiting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_serves_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
    };
    return unit_run(tests);
}
