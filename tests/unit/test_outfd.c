/* Unit tests for outfd: pool data reaches the fd in order, exactly up to
 * the limit, across a pipe that fills up (EAGAIN + EPOLLOUT), and a write
 * error is reported. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evl.h"
#include "outfd.h"
#include "pool.h"

struct rig {
    struct evl *loop;
    struct pool *pool;
    struct outfd *o;
    int fds[2];
    int done_err;
    int done_calls;
    uint8_t *got;
    size_t got_len;
    uint8_t src[65536];
    unsigned blocks_added;
    unsigned blocks_total;
};

static void on_done(void *ud, int err)
{
    struct rig *r = ud;
    r->done_calls++;
    r->done_err = err;
    evl_quit(r->loop, 0);
}

static const struct outfd_ops ops = { .done = on_done };

/* The consumer side of the pipe: drain slowly (4 KiB per wakeup). */
static void on_readable(struct evl *loop, int fd, uint32_t ev, void *ud)
{
    struct rig *r = ud;
    ssize_t n = read(fd, r->got + r->got_len, 4096);
    if (n > 0)
        r->got_len += (size_t)n;
}

/* A producer: one 64 KiB block whenever the pool has room. */
static void add_block(struct rig *r)
{
    if (r->blocks_added >= r->blocks_total || pool_fill(r->pool))
        return;
    for (size_t i = 0; i < sizeof(r->src); i++)
        r->src[i] = (uint8_t)(i * 7 + r->blocks_added);
    r->blocks_added++;
    pool_add(r->pool, r->src, sizeof(r->src));
}

static void on_drained(void *ud)
{
    add_block(ud);
}

static void test_pipe_backpressure_and_limit(void **state)
{
    (void)state;
    struct rig r = { .blocks_total = 8 };
    const uint64_t limit = 5 * 65536 + 1000;
    r.got = malloc(8 * 65536);
    assert_non_null(r.got);
    assert_int_equal(pipe(r.fds), 0);
    assert_int_equal(evl_new(&r.loop), 0);
    assert_int_equal(pool_new(65536, &r.pool), 0);
    assert_int_equal(pool_on_drained(r.pool, on_drained, &r), 0);
    assert_int_equal(evl_add_fd(r.loop, r.fds[0], EPOLLIN, on_readable, &r), 0);
    assert_int_equal(outfd_new(r.loop, r.pool, r.fds[1], limit, &ops, &r, &r.o), 0);
    add_block(&r);
    assert_int_equal(evl_run(r.loop), 0);
    assert_int_equal(r.done_calls, 1);
    assert_int_equal(r.done_err, 0);
    assert_int_equal(outfd_written(r.o), limit);
    /* The writer's fd was made non-blocking and is restored on free. */
    assert_true(fcntl(r.fds[1], F_GETFL) & O_NONBLOCK);
    outfd_free(r.o);
    assert_false(fcntl(r.fds[1], F_GETFL) & O_NONBLOCK);
    /* Drain the rest and compare: blocks arrive whole and in order. */
    int fl = fcntl(r.fds[0], F_GETFL);
    fcntl(r.fds[0], F_SETFL, fl | O_NONBLOCK);
    ssize_t n;
    while ((n = read(r.fds[0], r.got + r.got_len, 65536)) > 0)
        r.got_len += (size_t)n;
    assert_int_equal(r.got_len, limit);
    for (unsigned b = 0; b < 6; b++) {
        size_t len = b < 5 ? 65536 : 1000;
        for (size_t i = 0; i < len; i++) {
            /* The last, partial read takes the top of the block (LIFO). */
            size_t src_i = b < 5 ? i : 65536 - 1000 + i;
            if (r.got[b * 65536 + i] != (uint8_t)(src_i * 7 + b))
                fail_msg("byte %zu of block %u differs", i, b);
        }
    }
    evl_del_fd(r.loop, r.fds[0]);
    close(r.fds[0]);
    close(r.fds[1]);
    pool_free(r.pool);
    evl_free(r.loop);
    free(r.got);
}

static void test_write_error_reported(void **state)
{
    (void)state;
    struct rig r = { .blocks_total = 1 };
    signal(SIGPIPE, SIG_IGN);
    assert_int_equal(pipe(r.fds), 0);
    close(r.fds[0]); /* nobody reads: EPIPE */
    assert_int_equal(evl_new(&r.loop), 0);
    assert_int_equal(pool_new(65536, &r.pool), 0);
    assert_int_equal(outfd_new(r.loop, r.pool, r.fds[1], 0, &ops, &r, &r.o), 0);
    add_block(&r);
    assert_int_equal(evl_run(r.loop), 0);
    assert_int_equal(r.done_calls, 1);
    assert_int_equal(r.done_err, -EPIPE);
    outfd_free(r.o);
    close(r.fds[1]);
    pool_free(r.pool);
    evl_free(r.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipe_backpressure_and_limit),
        cmocka_unit_test(test_write_error_reported),
    };
    return unit_run(tests);
}
