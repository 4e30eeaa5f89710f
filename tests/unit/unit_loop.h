/* unit_loop: a test's evl run until a condition holds, with a guard.
 *
 * unit_loop_until() runs the loop; before each wait (a prepare hook) it
 * asks done(ud) and quits with 0 once it says yes; a guard timer quits
 * with 1 after guard_ms, so a case that hangs fails instead of waiting for
 * the program's time limit.  Nothing sleeps: the tests' own events (bytes
 * they add, datagrams they send) decide when the condition holds. */
#ifndef BB_TEST_UNIT_LOOP_H
#define BB_TEST_UNIT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "evl.h"

struct unit_loop {
    struct evl *loop;
    struct evl_timer *guard;
    bool (*done)(void *ud);
    void *ud;
};

static inline void unit_loop_on_guard(struct evl *loop, struct evl_timer *t, void *ud)
{
    evl_quit(loop, 1);
}

static inline void unit_loop_on_prepare(struct evl *loop, void *ud)
{
    struct unit_loop *u = ud;
    if (u->done && u->done(u->ud))
        evl_quit(loop, 0);
}

/* 0 or a negative errno. */
static inline int unit_loop_init(struct unit_loop *u, struct evl *loop)
{
    u->loop = loop;
    u->done = NULL;
    int r = evl_timer_new(loop, unit_loop_on_guard, u, &u->guard);
    return r < 0 ? r : evl_add_prepare(loop, unit_loop_on_prepare, u);
}

static inline void unit_loop_free(struct unit_loop *u)
{
    evl_timer_free(u->guard);
    u->guard = NULL;
}

/* 0 once done(ud) held, 1 if guard_ms passed first. */
static inline int unit_loop_until(struct unit_loop *u, bool (*done)(void *ud), void *ud,
                                  uint64_t guard_ms)
{
    u->done = done;
    u->ud = ud;
    evl_timer_arm(u->guard, guard_ms);
    int r = evl_run(u->loop);
    evl_timer_disarm(u->guard);
    u->done = NULL;
    return r;
}

#endif
