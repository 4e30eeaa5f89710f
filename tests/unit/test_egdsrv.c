/* Unit tests for egdsrv over real unix sockets in a temp dir, on a real
 * evl loop, with the pool fed by the test (no devices): what the service
 * serves and when is decided by the bytes the test adds.
 *
 *   commands: 0x00, 0x01, 0x02, 0x03 (discarded, the stream kept in step),
 *             0x04, then an unknown command closes that client only;
 *   sharing:  three clients each with 40 blocking reads of 255 bytes queued
 *             at once, while the pool gets less than all of them want,
 *             2500 bytes at a time: each gets a third of what was served
 *             (round robin), and what each got is the served stream's
 *             bytes in the order the service took them.
 * Nothing sleeps: the loop quits on a condition; a guard timer (10 s)
 * only ends a case that hangs. */
#include "unit.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "egdsrv.h"
#include "evl.h"
#include "monitors.h"
#include "pool.h"
#include "splitmix.h"
#include "unit_loop.h"
#include "srv.h"

#define NCL 3
#define BLOCK 2500u
#define GUARD_MS 10000

struct client {
    int fd;
    uint8_t got[16384];
    size_t len;
    bool eof;
};

struct fx {
    char dir[64], path[128];
    struct evl *loop;
    struct pool *pool;
    struct monitors *mons;
    struct egdsrv *egd;
    struct unit_loop run;
    struct evl_timer *feed;
    struct client cl[NCL];
    uint64_t rng;
    unsigned feeds, feeds_left;
    size_t before[NCL]; /* what each had when the feeding began */
    bool feeding;
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
    size_t room = sizeof(c->got) - c->len;
    ssize_t n = read(fd, c->got + c->len, room ? room : 1);
    if (n > 0) {
        c->len += (size_t)n;
        return;
    }
    c->eof = true;
    evl_del_fd(loop, fd);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_egdsrv.XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "unix:%s/egd/s", f->dir);
    f->rng = 12345;
    if (evl_new(&f->loop) < 0 || pool_new(4096, &f->pool) < 0 || monitors_new(&f->mons) < 0 ||
        unit_loop_init(&f->run, f->loop) < 0)
        return -1;
    char err[256];
    const struct egdsrv_cfg cfg = { .addrs = f->path, .group = (gid_t)-1, .rate = 0,
                                    .pool = f->pool, .mons = f->mons };
    if (egdsrv_new(f->loop, &cfg, &f->egd, err, sizeof(err)) < 0) {
        fprintf(stderr, "egdsrv_new: %s\n", err);
        return -1;
    }
    /* The EGD monitor's bring-up: blocks until the first one passes. */
    for (int i = 0; i < 100 && egdsrv_ready(f->egd) == 0; i++)
        add_block(f);
    if (egdsrv_ready(f->egd) == 0)
        return -1;
    for (int i = 0; i < NCL; i++)
        f->cl[i].fd = -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    for (int i = 0; i < NCL; i++)
        if (f->cl[i].fd >= 0)
            close(f->cl[i].fd);
    egdsrv_free(f->egd);
    unit_loop_free(&f->run);
    evl_timer_free(f->feed);
    monitors_free(f->mons);
    pool_free(f->pool);
    evl_free(f->loop);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    free(f);
    return system(cmd) == 0 ? 0 : -1;
}

static void connect_client(struct fx *f, int i, const uint8_t *req, size_t len)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path + 5);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(write(fd, req, len), (ssize_t)len);
    f->cl[i].fd = fd;
    assert_int_equal(evl_add_fd(f->loop, fd, EPOLLIN, on_client, &f->cl[i]), 0);
}

static int run(struct fx *f, bool (*done)(void *f))
{
    return unit_loop_until(&f->run, done, f, GUARD_MS);
}

/* ---- commands ---------------------------------------------------------- */

static bool cmds_done(void *ud)
{
    struct fx *f = ud;
    /* avail (4) + nb 16 (17) + block 20 (20) + nb 0 (1) + pid (1 + digits)
     * + block 3 after the write (3), then client 1 closed. */
    char pid[24];
    size_t want = 4 + 17 + 20 + 1 + 1 + (size_t)snprintf(pid, sizeof(pid), "%d", getpid()) + 3;
    return f->cl[0].len >= want && f->cl[1].eof;
}

static void test_commands(void **state)
{
    struct fx *f = *state;
    size_t ready = egdsrv_ready(f->egd);
    assert_true(ready >= 100);
    const uint8_t req[] = { 0x00, 0x01, 16, 0x02, 20, 0x01, 0, 0x04,
                            0x03, 0x00, 0x20, 4, 'a', 'b', 'c', 'd', 0x02, 3 };
    connect_client(f, 0, req, sizeof(req));
    const uint8_t bad[] = { 0x07, 0x02, 10 };
    connect_client(f, 1, bad, sizeof(bad));
    assert_int_equal(run(f, cmds_done), 0);
    const uint8_t *g = f->cl[0].got;
    uint32_t bits = (uint32_t)g[0] << 24 | (uint32_t)g[1] << 16 | (uint32_t)g[2] << 8 | g[3];
    assert_int_equal(bits, ready * 8);
    assert_int_equal(g[4], 16);               /* 0x01 16: count, then 16 bytes */
    assert_int_equal(g[4 + 17 + 20], 0);      /* 0x01 0: an empty reply */
    char pid[24];
    int plen = snprintf(pid, sizeof(pid), "%d", getpid());
    assert_int_equal(g[4 + 17 + 20 + 1], plen); /* 0x04 */
    assert_memory_equal(g + 4 + 17 + 20 + 2, pid, (size_t)plen);
    /* The write was discarded (no reply): the last 3 bytes are the read's. */
    assert_int_equal(f->cl[0].len, 4 + 17 + 20 + 1 + 1 + (size_t)plen + 3);
    assert_false(f->cl[0].eof);
    assert_int_equal(f->cl[1].len, 0); /* closed at the bad byte, nothing sent */
    struct srv_stats st;
    srv_get_stats(egdsrv_srv(f->egd), &st);
    assert_int_equal(st.clients, 1);
    /* The data bytes are the ready bytes, in order, none twice. */
    assert_int_equal(egdsrv_ready(f->egd), ready - 16 - 20 - 3);
}

/* ---- sharing ----------------------------------------------------------- */

static void on_feed(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct fx *f = ud;
    add_block(f);
    if (--f->feeds_left > 0)
        evl_timer_arm(t, 1);
}

static uint64_t received(const struct fx *f)
{
    uint64_t n = 0;
    for (int i = 0; i < NCL; i++)
        n += f->cl[i].len;
    return n;
}

/* Every byte made ready has reached a client. */
static bool settled(struct fx *f)
{
    struct srv_stats st;
    srv_get_stats(egdsrv_srv(f->egd), &st);
    return egdsrv_ready(f->egd) == 0 && received(f) == st.bytes_out;
}

/* The feeding starts once what was ready went out (to the first client:
 * the others were not accepted yet) and all three wait with a read; done
 * when fed and settled. */
static bool share_done(void *ud)
{
    struct fx *f = ud;
    if (!f->feeding && settled(f) && egdsrv_waiting(f->egd) == NCL) {
        for (int i = 0; i < NCL; i++)
            f->before[i] = f->cl[i].len;
        f->feeding = true;
        evl_timer_arm(f->feed, 1);
    }
    return f->feeding && f->feeds_left == 0 && settled(f);
}

static void test_sharing(void **state)
{
    struct fx *f = *state;
    uint8_t req[120];
    for (size_t i = 0; i < sizeof(req); i += 2) {
        req[i] = 0x02;
        req[i + 1] = 255;
    }
    size_t first = egdsrv_ready(f->egd);
    for (int i = 0; i < NCL; i++)
        connect_client(f, i, req, sizeof(req)); /* 60 x 255 = 15300 each */
    f->feeds = f->feeds_left = 10;              /* 25000 < 45900 wanted */
    assert_int_equal(evl_timer_new(f->loop, on_feed, f, &f->feed), 0);
    assert_int_equal(run(f, share_done), 0);
    uint64_t total = received(f), min = UINT64_MAX, max = 0;
    assert_true(total >= first + 8 * BLOCK); /* at most 2 blocks failed FIPS */
    /* What was ready before the feeding went to the first client alone
     * (the others were not accepted yet); what came after is shared. */
    for (int i = 0; i < NCL; i++) {
        size_t got = f->cl[i].len - f->before[i];
        if (f->cl[i].len >= 15300)
            fail_msg("client %d got all it asked for (%zu): more than its share", i, f->cl[i].len);
        min = got < min ? got : min;
        max = got > max ? got : max;
    }
    /* Round robin: no client more than one read (255) ahead of another. */
    if (max - min > 255)
        fail_msg("shares after the feeding began %zu %zu %zu: not round robin",
                 f->cl[0].len - f->before[0], f->cl[1].len - f->before[1],
                 f->cl[2].len - f->before[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sharing, setup, teardown),
    };
    return unit_run(tests);
}
