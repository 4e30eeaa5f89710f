/* Unit tests for evl: fd watches, timers, signals, quit, removal during
 * dispatch. */
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evl.h"

struct ctx {
    int fired;
    int order[8];
    int n;
    int fds[2];
    struct evl_timer *other;
};

static void quit_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct ctx *c = ud;
    c->order[c->n++] = 99;
    evl_quit(loop, 7);
}

static void record_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct ctx *c = ud;
    c->fired++;
    c->order[c->n++] = c->fired;
}

static void test_timers_fire_in_order(void **state)
{
    (void)state;
    struct evl *loop;
    struct evl_timer *a, *b, *q;
    struct ctx c = { 0 };
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_timer_new(loop, record_timer, &c, &a), 0);
    assert_int_equal(evl_timer_new(loop, record_timer, &c, &b), 0);
    assert_int_equal(evl_timer_new(loop, quit_timer, &c, &q), 0);
    evl_timer_arm(a, 10);
    evl_timer_arm(b, 20);
    evl_timer_arm(q, 40);
    uint64_t t0 = evl_now_ms();
    assert_int_equal(evl_run(loop), 7);
    assert_true(evl_now_ms() - t0 >= 40);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.order[0], 1);
    assert_int_equal(c.order[2], 99);
    assert_false(evl_timer_armed(a));
    evl_timer_free(a);
    evl_timer_free(b);
    evl_timer_free(q);
    evl_free(loop);
}

static void test_disarmed_timer_does_not_fire(void **state)
{
    (void)state;
    struct evl *loop;
    struct evl_timer *a, *q;
    struct ctx c = { 0 };
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_timer_new(loop, record_timer, &c, &a), 0);
    assert_int_equal(evl_timer_new(loop, quit_timer, &c, &q), 0);
    evl_timer_arm(a, 5);
    evl_timer_disarm(a);
    evl_timer_arm(q, 20);
    assert_int_equal(evl_run(loop), 7);
    assert_int_equal(c.fired, 0);
    evl_timer_free(a);
    evl_timer_free(q);
    evl_free(loop);
}

static void on_readable(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct ctx *c = ud;
    char b;
    assert_true(events & EPOLLIN);
    assert_int_equal(read(fd, &b, 1), 1);
    c->order[c->n++] = b;
    if (c->n == 2)
        evl_quit(loop, 0);
}

static void test_fd_watch(void **state)
{
    (void)state;
    struct evl *loop;
    struct ctx c = { 0 };
    assert_int_equal(pipe(c.fds), 0);
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_fd(loop, c.fds[0], EPOLLIN, on_readable, &c), 0);
    assert_int_equal(evl_add_fd(loop, c.fds[0], EPOLLIN, on_readable, &c), -EEXIST);
    assert_int_equal(write(c.fds[1], "ab", 2), 2);
    assert_int_equal(evl_run(loop), 0);
    assert_int_equal(c.order[0], 'a');
    assert_int_equal(c.order[1], 'b');
    assert_int_equal(evl_del_fd(loop, c.fds[0]), 0);
    assert_int_equal(evl_del_fd(loop, c.fds[0]), -ENOENT);
    close(c.fds[0]);
    close(c.fds[1]);
    evl_free(loop);
}

/* Two ready fds whose callbacks each remove the other's watch: only one
 * may run in the batch (the removed one must not be dispatched). */
static int fd_a, fd_b, calls;
static void remove_other(struct evl *loop, int fd, uint32_t events, void *ud)
{
    char b;
    assert_int_equal(read(fd, &b, 1), 1);
    calls++;
    assert_int_equal(evl_del_fd(loop, fd == fd_a ? fd_b : fd_a), 0);
    evl_quit(loop, 0);
}

static void test_remove_during_dispatch(void **state)
{
    (void)state;
    struct evl *loop;
    int p1[2], p2[2];
    assert_int_equal(pipe(p1), 0);
    assert_int_equal(pipe(p2), 0);
    fd_a = p1[0];
    fd_b = p2[0];
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_fd(loop, fd_a, EPOLLIN, remove_other, NULL), 0);
    assert_int_equal(evl_add_fd(loop, fd_b, EPOLLIN, remove_other, NULL), 0);
    assert_int_equal(write(p1[1], "x", 1), 1);
    assert_int_equal(write(p2[1], "x", 1), 1);
    assert_int_equal(evl_run(loop), 0);
    assert_int_equal(calls, 1);
    close(p1[0]);
    close(p1[1]);
    close(p2[0]);
    close(p2[1]);
    evl_free(loop);
}

static void on_sig(struct evl *loop, int signo, void *ud)
{
    struct ctx *c = ud;
    c->fired = signo;
    evl_quit(loop, 3);
}

static void test_signal(void **state)
{
    (void)state;
    struct evl *loop;
    struct ctx c = { 0 };
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_signal(loop, SIGUSR1, on_sig, &c), 0);
    assert_int_equal(kill(getpid(), SIGUSR1), 0);
    assert_int_equal(evl_run(loop), 3);
    assert_int_equal(c.fired, SIGUSR1);
    evl_free(loop);
}

static int prepared;
static void prep(struct evl *loop, void *ud)
{
    if (++prepared == 3)
        evl_quit(loop, 0);
}

static void rearm(struct evl *loop, struct evl_timer *t, void *ud)
{
    evl_timer_arm(t, 1);
}

static void test_prepare_runs_every_iteration(void **state)
{
    (void)state;
    struct evl *loop;
    struct evl_timer *t;
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_add_prepare(loop, prep, NULL), 0);
    /* A 1 ms ticker wakes the loop; prepare must run before every wait. */
    assert_int_equal(evl_timer_new(loop, rearm, NULL, &t), 0);
    evl_timer_arm(t, 1);
    assert_int_equal(evl_run(loop), 0);
    assert_int_equal(prepared, 3);
    evl_timer_free(t);
    evl_free(loop);
}

static void quit_with(struct evl *loop, struct evl_timer *t, void *ud)
{
    evl_quit(loop, *(int *)ud);
}

/* A quit before the run ends it at once; a run consumes its quit: the
 * loop runs again (and waits again) for the next one. */
static void test_run_again(void **state)
{
    (void)state;
    struct evl *loop;
    struct evl_timer *t;
    int code = 7;
    assert_int_equal(evl_new(&loop), 0);
    assert_int_equal(evl_timer_new(loop, quit_with, &code, &t), 0);
    evl_quit(loop, 3);
    assert_int_equal(evl_run(loop), 3);
    assert_false(evl_quitting(loop));
    evl_timer_arm(t, 1);
    assert_int_equal(evl_run(loop), 7);
    assert_false(evl_timer_armed(t)); /* it ran until the timer's quit */
    code = 9;
    evl_timer_arm(t, 1);
    assert_int_equal(evl_run(loop), 9);
    evl_timer_free(t);
    evl_free(loop);
}

static void test_free_null(void **state)
{
    (void)state;
    evl_free(NULL);
    evl_timer_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_in_order),
        cmocka_unit_test(test_disarmed_timer_does_not_fire),
        cmocka_unit_test(test_fd_watch),
        cmocka_unit_test(test_remove_during_dispatch),
        cmocka_unit_test(test_signal),
        cmocka_unit_test(test_prepare_runs_every_iteration),
        cmocka_unit_test(test_run_again), cmocka_unit_test(test_free_null),
    };
    return unit_run(tests);
}
