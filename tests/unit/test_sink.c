/* Unit tests for sink: the listing through the pool (name, state,
 * counters, monitors), monitors registered under their IDs and removed with
 * the sink, and the pool's policy as sinks see it (a sink marked first is
 * served first, two sinks both served). */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "monitors.h"
#include "pool.h"
#include "sink.h"

struct s {
    struct sink *sink;
    size_t each;
    uint64_t got;
};

static void on_ready(void *ud)
{
    struct s *x = ud;
    uint8_t buf[256];
    size_t n = sink_read(x->sink, buf, x->each);
    x->got += n;
    sink_count_request(x->sink);
    sink_count_delivered(x->sink, n);
}

static void test_listing(void **state)
{
    (void)state;
    struct pool *p;
    struct monitors *m;
    struct s a = { .each = 100 }, b = { .each = 50 };
    struct health *h;
    struct sink_info si;
    uint8_t data[100] = { 0 };
    assert_int_equal(pool_new(100, &p), 0);
    assert_int_equal(monitors_new(&m), 0);
    assert_int_equal(sink_new(p, NULL, "stdout", on_ready, &a, &a.sink), 0);
    assert_int_equal(sink_new(p, m, "kernel", on_ready, &b, &b.sink), 0);
    assert_int_equal(sink_add_monitor(b.sink, "Pool", &h), 0);
    assert_int_equal(sink_add_monitor(b.sink, "Kernel", &h), 0);
    assert_int_equal(sink_add_monitor(b.sink, "UDP", &h), -ENOSPC);
    assert_ptr_equal(monitors_find(m, "Kernel"), h);

    /* A plain reader is not a sink. */
    struct pool_reader *plain;
    assert_int_equal(pool_reader_new(p, on_ready, NULL, &plain), 0);
    assert_int_equal(sink_count(p), 2);
    assert_null(sink_at(p, 2));

    sink_get_info(sink_at(p, 0), &si);
    assert_string_equal(si.name, "stdout");
    assert_int_equal(si.state, SINK_IDLE);
    assert_string_equal(sink_state_name(si.state), "idle");
    assert_int_equal(si.n_monitors, 0);

    sink_want(a.sink, 100);
    sink_want(b.sink, 50);
    sink_get_info(sink_at(p, 1), &si);
    assert_string_equal(si.name, "kernel");
    assert_int_equal(si.state, SINK_WAITING);
    assert_int_equal(si.n_monitors, 2);
    assert_string_equal(si.monitors[0], "Pool");
    assert_string_equal(si.monitors[1], "Kernel");

    /* Two arrivals of a full pool: each sink is offered it first once. */
    pool_add(p, data, 100);
    pool_add(p, data, 100);
    assert_true(a.got == 100);
    assert_true(b.got >= 100);
    sink_count_dropped(b.sink, 7);
    sink_count_refusal(b.sink);
    sink_get_info(sink_at(p, 1), &si);
    assert_int_equal(si.c.bytes_read, b.got);
    assert_int_equal(si.c.bytes_delivered, b.got);
    assert_int_equal(si.c.requests, b.got / 50);
    assert_int_equal(si.c.bytes_dropped, 7);
    assert_int_equal(si.c.refusals, 1);

    sink_finish(a.sink, SINK_DONE);
    sink_get_info(sink_at(p, 0), &si);
    assert_string_equal(sink_state_name(si.state), "done");
    sink_want(a.sink, 100); /* stays done */
    sink_get_info(sink_at(p, 0), &si);
    assert_int_equal(si.state, SINK_DONE);

    sink_free(b.sink);
    assert_int_equal(sink_count(p), 1);
    assert_null(monitors_find(m, "Pool"));
    assert_int_equal(monitors_count(m), 0);
    sink_free(a.sink);
    pool_reader_free(plain);
    assert_int_equal(sink_count(p), 0);
    monitors_free(m);
    pool_free(p);
}

/* The kernel sink while the CRNG is not ready: first, so it gets the data;
 * then both share. */
static void test_first_sink(void **state)
{
    (void)state;
    struct pool *p;
    struct s out = { .each = 100 }, kern = { .each = 25 };
    uint8_t data[100] = { 0 };
    assert_int_equal(pool_new(100, &p), 0);
    assert_int_equal(sink_new(p, NULL, "stdout", on_ready, &out, &out.sink), 0);
    assert_int_equal(sink_new(p, NULL, "kernel", on_ready, &kern, &kern.sink), 0);
    sink_first(kern.sink, true);
    sink_want(out.sink, 100);
    sink_want(kern.sink, 25);
    pool_add(p, data, 100);
    pool_add(p, data, 100);
    assert_int_equal(kern.got, 200);
    assert_int_equal(out.got, 0);
    sink_first(kern.sink, false);
    pool_add(p, data, 100);
    pool_add(p, data, 100);
    assert_int_equal(out.got, 100);
    assert_true(kern.got > 200);
    sink_free(out.sink);
    sink_free(kern.sink);
    pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listing),
        cmocka_unit_test(test_first_sink),
    };
    return unit_run(tests);
}
