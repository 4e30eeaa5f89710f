/* Unit test for the sources listing, run under bbemu (two emulated
 * devices): each is listed with its serial and Bus:Device, streams (bytes
 * read and passed grow, passed = folded bytes that reached the pool), goes
 * idle when nobody reads the full pool, and the counters add up. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "devcfg.h"
#include "evl.h"
#include "monitors.h"
#include "pool.h"
#include "sources.h"
#include "usbenum.h"

static void all_gone(void *ud, const char *why)
{
    fail_msg("all devices gone: %s", why);
}

struct rig {
    struct evl *loop;
    struct sources *s;
};

/* Stop once every listed device is idle (the pool is full and nobody
 * reads). */
static void on_check(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct rig *r = ud;
    struct sources_devstat st;
    bool idle = sources_count(r->s) == 2;
    for (size_t i = 0; idle && sources_get(r->s, i, &st) == 0; i++)
        idle = st.state == SOURCES_IDLE || st.state == SOURCES_SUSPENDED;
    if (idle)
        evl_quit(loop, 0);
    else
        evl_timer_arm(t, 20);
}

static void test_listing(void **state)
{
    (void)state;
    struct rig r = { 0 };
    struct usbenum *ue;
    struct pool *pool;
    struct monitors *mons;
    struct devcfg dflt;
    struct evl_timer *t;
    devcfg_init(&dflt);
    dflt.no_qa = true;
    dflt.fold = 0;
    dflt.idle_initial = 100;
    dflt.idle_max = 0; /* then wait until read */
    assert_int_equal(evl_new(&r.loop), 0);
    assert_int_equal(usbenum_new(r.loop, &ue), 0);
    assert_int_equal(pool_new(65536, &pool), 0);
    assert_int_equal(monitors_new(&mons), 0);
    const struct sources_cfg cfg = { .defaults = &dflt, .pool = pool, .monitors = mons };
    const struct sources_sink sink = { .all_gone = all_gone };
    assert_int_equal(sources_new(r.loop, ue, &cfg, &sink, NULL, &r.s), 0);
    assert_int_equal(sources_count(r.s), 2);
    struct sources_devstat st;
    assert_int_equal(sources_get(r.s, 0, &st), 0);
    assert_int_equal(st.state, SOURCES_STARTING);
    assert_string_equal(sources_state_name(st.state), "starting");
    assert_int_equal(sources_get(r.s, 2, &st), -ENOENT);

    assert_int_equal(evl_timer_new(r.loop, on_check, &r, &t), 0);
    evl_timer_arm(t, 20);
    assert_int_equal(evl_run(r.loop), 0);

    bool seen_a = false, seen_b = false;
    uint64_t passed = 0;
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(sources_get(r.s, i, &st), 0);
        seen_a |= !strcmp(st.serial, "SRCA01") && st.bus == 1 && st.dev == 2;
        seen_b |= !strcmp(st.serial, "SRCB01");
        assert_string_equal(sources_state_name(st.state),
                            st.state == SOURCES_IDLE ? "idle" : "suspended");
        assert_true(st.bytes_read >= 65536);
        assert_int_equal(st.bytes_read, st.bytes_passed); /* fold 0, --no-qa */
        assert_int_equal(st.recoveries, 0);
        passed += st.bytes_passed;
    }
    assert_true(seen_a);
    assert_true(seen_b);
    struct pool_stats ps;
    pool_get_stats(pool, &ps);
    assert_int_equal(ps.bytes_in, passed);
    assert_true(ps.fill == ps.size);

    evl_timer_free(t);
    sources_free(r.s);
    monitors_free(mons);
    pool_free(pool);
    usbenum_free(ue);
    evl_free(r.loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listing),
    };
    return unit_run(tests);
}
