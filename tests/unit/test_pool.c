/* Unit tests for pool: fill, XOR mixing with a persistent cursor, LIFO
 * reads, notifications, groups (spec §5.1, §5.2). */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "pool.h"

static void seq(uint8_t *b, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(start + i);
}

/* The pool gives n bytes, and they are x XOR y. */
static void read_xor(struct pool *p, const uint8_t *x, const uint8_t *y, size_t n)
{
    uint8_t out[16];
    assert_true(n <= sizeof(out));
    assert_int_equal(pool_read(p, out, n), n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i], x[i] ^ y[i]);
}

static void test_fill_then_mix(void **state)
{
    (void)state;
    struct pool *p;
    uint8_t a[8], b[6], out[8];
    assert_int_equal(pool_new(8, &p), 0);
    seq(a, 8, 1);
    pool_add(p, a, 5);
    assert_int_equal(pool_fill(p), 5);
    assert_false(pool_full(p));
    pool_add(p, a + 5, 3);
    assert_true(pool_full(p));
    /* Full: the next 6 bytes are XORed in at cursor 0..5, then 2 more wrap. */
    memset(b, 0xFF, sizeof(b));
    pool_add(p, b, 6);
    pool_add(p, b, 4); /* cursor 6,7 then wraps to 0,1 */
    assert_int_equal(pool_read(p, out, 8), 8);
    uint8_t exp[8] = { 1, 2, (uint8_t)~3, (uint8_t)~4, (uint8_t)~5, (uint8_t)~6,
                       (uint8_t)~7, (uint8_t)~8 };
    exp[0] = (uint8_t)(1 ^ 0xFF ^ 0xFF);
    exp[1] = (uint8_t)(2 ^ 0xFF ^ 0xFF);
    assert_memory_equal(out, exp, 8);
    assert_int_equal(pool_fill(p), 0);
    pool_free(p);
}

static void test_read_is_lifo_and_needs_enough(void **state)
{
    (void)state;
    struct pool *p;
    uint8_t a[10], out[16];
    assert_int_equal(pool_new(10, &p), 0);
    seq(a, 10, 0);
    pool_add(p, a, 6);
    /* 8 wanted, only 6 there: nothing. */
    assert_int_equal(pool_read(p, out, 8), 0);
    /* 4 wanted: the top 4 (bytes 2..5). */
    assert_int_equal(pool_read(p, out, 4), 4);
    assert_memory_equal(out, a + 2, 4);
    assert_int_equal(pool_fill(p), 2);
    /* A request larger than the pool gets at most the pool, once full. */
    pool_add(p, a, 8);
    assert_true(pool_full(p));
    assert_int_equal(pool_read(p, out, 16), 10);
    assert_int_equal(pool_read(p, out, 0), 0);
    pool_free(p);
}

static int added_calls, drained_calls;
static void on_added(void *ud)
{
    added_calls++;
    assert_ptr_equal(ud, &added_calls);
}
static void on_drained(void *ud)
{
    drained_calls++;
}

static void test_notify(void **state)
{
    (void)state;
    struct pool *p;
    uint8_t a[4] = { 0 }, out[4];
    assert_int_equal(pool_new(4, &p), 0);
    assert_int_equal(pool_on_added(p, on_added, &added_calls), 0);
    assert_int_equal(pool_on_drained(p, on_drained, NULL), 0);
    pool_add(p, a, 4);
    assert_int_equal(added_calls, 1);
    assert_int_equal(pool_read(p, out, 2), 2);
    assert_int_equal(drained_calls, 1);
    assert_int_equal(pool_read(p, out, 4), 0); /* nothing read: no call */
    assert_int_equal(drained_calls, 1);
    pool_remove_notify(p, on_added, &added_calls);
    pool_add(p, a, 1);
    assert_int_equal(added_calls, 1);
    pool_free(p);
}

static void test_group_sizes(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m;
    assert_int_equal(pool_new(100000, &p), 0);
    assert_int_equal(pool_group_get(p, 0, &g), 0);
    assert_int_equal(pool_group_size(g), 131072); /* pool size rounded up */
    assert_int_equal(pool_group_configure(p, 2, 3000), 0);
    assert_int_equal(pool_group_get(p, 2, &g), 0);
    assert_int_equal(pool_group_size(g), 4096);
    assert_int_equal(pool_group_id(g), 2);
    assert_int_equal(pool_group_join(g, &m), 0);
    assert_int_equal(pool_group_configure(p, 2, 8192), -EBUSY);
    pool_free(p);
}

static void test_group_xor_and_stall(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m1, m2, m3;
    uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 0x10, 0x20, 0x30, 0x40 }, c[4] = { 0xFF, 0, 0, 0 };
    uint8_t out[4];
    assert_int_equal(pool_new(4, &p), 0);
    assert_int_equal(pool_group_get(p, 1, &g), 0);
    assert_int_equal(pool_group_join(g, &m1), 0);
    /* One member: straight through. */
    assert_int_equal(pool_group_add(g, m1, a, 4), 0);
    assert_int_equal(pool_read(p, out, 4), 4);
    assert_memory_equal(out, a, 4);
    assert_int_equal(pool_group_join(g, &m2), 0);
    assert_int_equal(pool_group_join(g, &m3), 0);
    assert_int_not_equal(m1, m2);
    /* Three members: nothing until all contributed; a fast member's extra
     * blocks are XORed in meanwhile. */
    assert_int_equal(pool_group_add(g, m1, a, 4), 0);
    assert_int_equal(pool_group_add(g, m1, c, 4), 0);
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_fill(p), 0); /* m3 has not: the group stalls */
    /* m3 leaves (failed/removed): the next block completes the group. */
    pool_group_leave(g, m3);
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_read(p, out, 4), 4);
    uint8_t exp[4];
    for (int i = 0; i < 4; i++)
        exp[i] = a[i] ^ c[i] ^ b[i] ^ b[i];
    assert_memory_equal(out, exp, 4);
    /* Wrong length or not a member. */
    assert_int_equal(pool_group_add(g, m1, a, 3), -EINVAL);
    assert_int_equal(pool_group_add(g, m3, a, 4), -EINVAL);
    pool_free(p);
}

/* A member that leaves after contributing: its bit must go from the mask and
 * from the filled bits, or the remaining members can never complete the
 * group (filled would hold a bit the mask no longer has) and it stalls for
 * good.  A member that leaves before contributing must not be counted as
 * one that did. */
static void test_group_leave_after_contributing(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m1, m2, m3;
    uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 0x10, 0x20, 0x30, 0x40 }, c[4] = { 0xF0, 0, 0x0F, 0 };
    uint8_t out[4], exp[4];
    assert_int_equal(pool_new(4, &p), 0);
    assert_int_equal(pool_group_get(p, 3, &g), 0);
    assert_int_equal(pool_group_join(g, &m1), 0);
    assert_int_equal(pool_group_join(g, &m2), 0);
    assert_int_equal(pool_group_join(g, &m3), 0);
    /* m3 and m1 contributed, then m3 leaves: m2's block completes it. */
    assert_int_equal(pool_group_add(g, m3, c, 4), 0);
    assert_int_equal(pool_group_add(g, m1, a, 4), 0);
    pool_group_leave(g, m3);
    assert_int_equal(pool_group_add(g, m3, c, 4), -EINVAL); /* no longer a member */
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_read(p, out, 4), 4);
    for (int i = 0; i < 4; i++)
        exp[i] = c[i] ^ a[i] ^ b[i]; /* what m3 gave before leaving stays */
    assert_memory_equal(out, exp, 4);
    /* The next pass needs m1 and m2 only, and not before both gave. */
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_add(g, m1, a, 4), 0);
    read_xor(p, b, a, 4);
    /* m1 leaves having given nothing since the last pass (twice: leaving
     * is idempotent, a second leave must not bring it back), m3 rejoins
     * (same bit): m2 alone does not complete the group of m2 and m3. */
    pool_group_leave(g, m1);
    pool_group_leave(g, m1);
    assert_int_equal(pool_group_join(g, &m3), 0);
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_add(g, m3, c, 4), 0);
    read_xor(p, b, c, 4);
    /* The only one that gave leaves: the other's block starts afresh and,
     * now the only member, passes straight. */
    assert_int_equal(pool_group_add(g, m3, c, 4), 0);
    pool_group_leave(g, m3);
    assert_int_equal(pool_group_add(g, m2, b, 4), 0);
    assert_int_equal(pool_read(p, out, 4), 4);
    assert_memory_equal(out, b, 4);
    pool_free(p);
}

static void test_group0_always_straight(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m1, m2;
    uint8_t a[4] = { 1, 2, 3, 4 }, out[4];
    assert_int_equal(pool_new(4, &p), 0);
    assert_int_equal(pool_group_get(p, 0, &g), 0);
    assert_int_equal(pool_group_join(g, &m1), 0);
    assert_int_equal(pool_group_join(g, &m2), 0);
    assert_int_equal(pool_group_add(g, m2, a, 4), 0);
    assert_int_equal(pool_read(p, out, 4), 4);
    assert_memory_equal(out, a, 4);
    pool_free(p);
}

static void test_group_full(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m, all = 0;
    assert_int_equal(pool_new(16, &p), 0);
    assert_int_equal(pool_group_get(p, 5, &g), 0);
    for (int i = 0; i < POOL_GROUP_MAX_MEMBERS; i++) {
        assert_int_equal(pool_group_join(g, &m), 0);
        assert_int_equal(all & m, 0);
        all |= m;
    }
    assert_int_equal(pool_group_join(g, &m), -ENOSPC);
    pool_group_leave(g, 1u << 7);
    assert_int_equal(pool_group_join(g, &m), 0);
    assert_int_equal(m, 1u << 7);
    pool_free(p);
}

static void test_bad_args(void **state)
{
    (void)state;
    struct pool *p = NULL;
    assert_int_equal(pool_new(0, &p), -EINVAL);
    pool_free(NULL);
}

/* pool_group_feed: pieces of any length reach the pool only as whole
 * group-size blocks, in order (straight groups) or XORed once every member
 * gathered a whole block (XOR groups). */
static void test_feed_straight(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t m;
    uint8_t in[40], out[16];
    seq(in, sizeof(in), 1);
    assert_int_equal(pool_new(16, &p), 0);
    assert_int_equal(pool_group_configure(p, 0, 8), 0);
    assert_int_equal(pool_group_get(p, 0, &g), 0);
    assert_int_equal(pool_group_join(g, &m), 0);
    assert_int_equal(pool_group_feed(g, m, in, 3), 0);
    assert_int_equal(pool_fill(p), 0); /* 3 of 8 gathered */
    assert_int_equal(pool_group_feed(g, m, in + 3, 4), 0);
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_feed(g, m, in + 7, 10), 0); /* 8 + 8 + 1 */
    assert_int_equal(pool_fill(p), 16);
    assert_int_equal(pool_read(p, out, 16), 16);
    assert_memory_equal(out, in, 16); /* whole blocks, in order */
    assert_int_equal(pool_group_feed(g, m, in + 17, 0), 0);
    assert_int_equal(pool_group_feed(g, m << 1, in, 1), -EINVAL);
    assert_int_equal(pool_group_feed(g, m | (m << 1), in, 1), -EINVAL);
    pool_free(p);
}

static void test_feed_xor(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t a, b;
    uint8_t x[8], y[8], out[8];
    seq(x, 8, 1);
    seq(y, 8, 100);
    assert_int_equal(pool_new(8, &p), 0);
    assert_int_equal(pool_group_configure(p, 1, 8), 0);
    assert_int_equal(pool_group_get(p, 1, &g), 0);
    assert_int_equal(pool_group_join(g, &a), 0);
    assert_int_equal(pool_group_join(g, &b), 0);
    assert_int_equal(pool_group_feed(g, a, x, 5), 0);
    assert_int_equal(pool_group_feed(g, b, y, 8), 0); /* b whole, a not yet */
    assert_int_equal(pool_fill(p), 0);
    assert_int_equal(pool_group_feed(g, a, x + 5, 3), 0);
    read_xor(p, x, y, 8);
    /* b leaves with 4 bytes gathered: they are dropped, and a's next block
     * passes straight. */
    assert_int_equal(pool_group_feed(g, b, y, 4), 0);
    pool_group_leave(g, b);
    assert_int_equal(pool_group_feed(g, a, x, 8), 0);
    assert_int_equal(pool_read(p, out, 8), 8);
    assert_memory_equal(out, x, 8);
    pool_free(p);
}

/* A straight group that becomes an XOR group passes on what it gathered
 * (never XORs new blocks into it). */
static void test_feed_becomes_xor(void **state)
{
    (void)state;
    struct pool *p;
    struct pool_group *g;
    uint32_t a, b;
    uint8_t x[8], y[8], out[8];
    seq(x, 8, 1);
    seq(y, 8, 50);
    assert_int_equal(pool_new(8, &p), 0);
    assert_int_equal(pool_group_configure(p, 2, 8), 0);
    assert_int_equal(pool_group_get(p, 2, &g), 0);
    assert_int_equal(pool_group_join(g, &a), 0);
    assert_int_equal(pool_group_feed(g, a, x, 3), 0);
    assert_int_equal(pool_group_join(g, &b), 0);
    assert_int_equal(pool_fill(p), 3);
    assert_int_equal(pool_read(p, out, 3), 3);
    assert_memory_equal(out, x, 3);
    assert_int_equal(pool_group_feed(g, a, x, 8), 0);
    assert_int_equal(pool_group_feed(g, b, y, 8), 0);
    read_xor(p, x, y, 8);
    pool_free(p);
}

/* ---- no fixed limit, the sharing policy, the counters ------------------- */

static unsigned drained_by[20];
static void on_drained_n(void *ud)
{
    drained_by[(unsigned *)ud - drained_by]++;
}

/* Twenty sources waiting for room (upstream-style one per device): each is
 * told (the old limit of 8 refused the ninth). */
static void test_many_notifications(void **state)
{
    (void)state;
    struct pool *p;
    uint8_t a[4] = { 0 }, out[4];
    memset(drained_by, 0, sizeof(drained_by));
    assert_int_equal(pool_new(4, &p), 0);
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(pool_on_drained(p, on_drained_n, &drained_by[i]), 0);
    pool_add(p, a, 4);
    assert_int_equal(pool_read(p, out, 2), 2);
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(drained_by[i], 1);
    /* Unregistering one of them from within a call is safe. */
    pool_remove_notify(p, on_drained_n, &drained_by[9]);
    assert_int_equal(pool_read(p, out, 2), 2);
    assert_int_equal(drained_by[9], 1);
    assert_int_equal(drained_by[19], 2);
    pool_free(p);
}

/* A reader that reads `each` bytes per call and keeps wanting `each`. */
struct rd {
    struct pool_reader *r;
    size_t each;
    size_t got;
    unsigned calls;
    int order[64];      /* global call order, for who-came-first checks */
};
static int call_seq;
static int seq_of[64];
static int seq_who[64];

static void rd_ready(void *ud)
{
    struct rd *d = ud;
    uint8_t buf[4096];
    size_t n = pool_reader_read(d->r, buf, d->each);
    d->got += n;
    if (call_seq < 64) {
        seq_who[call_seq] = (int)d->each;
        seq_of[call_seq++] = (int)n;
    }
    d->calls++;
}

/* Twelve readers on one pool: every one is served (more than the 8
 * callbacks the pool used to allow). */
static void test_many_readers(void **state)
{
    (void)state;
    struct pool *p;
    struct rd d[12];
    uint8_t a[1200] = { 0 };
    assert_int_equal(pool_new(1200, &p), 0);
    for (unsigned i = 0; i < 12; i++) {
        d[i] = (struct rd){ .each = 100 };
        assert_int_equal(pool_reader_new(p, rd_ready, &d[i], &d[i].r), 0);
        pool_reader_want(d[i].r, 100);
    }
    assert_int_equal(pool_reader_count(p), 12);
    pool_add(p, a, sizeof(a));
    for (unsigned i = 0; i < 12; i++)
        assert_int_equal(d[i].got, 100);
    for (unsigned i = 0; i < 12; i++)
        pool_reader_free(d[i].r);
    assert_int_equal(pool_reader_count(p), 0);
    pool_free(p);
}

/* Two readers that each want a full pool: the one offered data first
 * alternates with every arrival, so both are served, in turn. */
static void test_round_robin(void **state)
{
    (void)state;
    struct pool *p;
    struct rd x = { .each = 64 }, y = { .each = 64 };
    uint8_t a[64] = { 0 };
    assert_int_equal(pool_new(64, &p), 0);
    assert_int_equal(pool_reader_new(p, rd_ready, &x, &x.r), 0);
    assert_int_equal(pool_reader_new(p, rd_ready, &y, &y.r), 0);
    pool_reader_want(x.r, 64);
    pool_reader_want(y.r, 64);
    for (unsigned i = 0; i < 10; i++)
        pool_add(p, a, sizeof(a));
    /* Ten pools full, each read whole by one of them: five each. */
    assert_int_equal(x.got, 5 * 64);
    assert_int_equal(y.got, 5 * 64);
    struct pool_stats st;
    pool_get_stats(p, &st);
    assert_int_equal(st.bytes_in, 640);
    assert_int_equal(st.bytes_out, 640);
    assert_int_equal(st.reads, 10);
    assert_int_equal(st.readers, 2);
    assert_int_equal(st.fill, 0);
    pool_reader_free(x.r);
    pool_reader_free(y.r);
    pool_free(p);
}

/* A reader marked first is served before the others, whoever registered
 * first and whatever the turn; unmarked, it shares again. */
static void test_first_reader(void **state)
{
    (void)state;
    struct pool *p;
    struct rd out = { .each = 100 }, kern = { .each = 25 };
    uint8_t a[100] = { 0 };
    call_seq = 0;
    assert_int_equal(pool_new(100, &p), 0);
    assert_int_equal(pool_reader_new(p, rd_ready, &out, &out.r), 0);
    assert_int_equal(pool_reader_new(p, rd_ready, &kern, &kern.r), 0);
    pool_reader_first(kern.r, true);
    pool_reader_want(out.r, 100);
    pool_reader_want(kern.r, 25);
    for (unsigned i = 0; i < 4; i++)
        pool_add(p, a, sizeof(a));
    /* The first reader took everything: four reads of 25 per pool. */
    assert_int_equal(kern.got, 400);
    assert_int_equal(out.got, 0);
    assert_int_equal(seq_who[0], 25);
    struct pool_reader_stats rs;
    pool_reader_get_stats(kern.r, &rs);
    assert_int_equal(rs.reads, 16);
    assert_int_equal(rs.bytes, 400);
    assert_true(rs.first);
    /* Not first any more: both are served. */
    pool_reader_first(kern.r, false);
    for (unsigned i = 0; i < 4; i++)
        pool_add(p, a, sizeof(a));
    assert_true(out.got >= 100);
    assert_true(kern.got > 400);
    pool_reader_free(out.r);
    pool_reader_free(kern.r);
    pool_free(p);
}

/* A reader that wants nothing is not called; wanting what the pool has
 * serves it at once. */
static void test_reader_want(void **state)
{
    (void)state;
    struct pool *p;
    struct rd x = { .each = 10 };
    uint8_t a[10] = { 0 };
    assert_int_equal(pool_new(10, &p), 0);
    assert_int_equal(pool_reader_new(p, rd_ready, &x, &x.r), 0);
    pool_add(p, a, 10);
    assert_int_equal(x.calls, 0);
    pool_reader_want(x.r, 10);
    assert_int_equal(x.got, 10);
    /* Wants more than there is: waits. */
    pool_add(p, a, 5);
    assert_int_equal(x.got, 10);
    pool_add(p, a, 5);
    assert_int_equal(x.got, 20);
    pool_reader_free(x.r);
    pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_then_mix),
        cmocka_unit_test(test_read_is_lifo_and_needs_enough),
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_group_sizes),
        cmocka_unit_test(test_group_xor_and_stall),
        cmocka_unit_test(test_group_leave_after_contributing),
        cmocka_unit_test(test_group0_always_straight),
        cmocka_unit_test(test_group_full),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_feed_straight),
        cmocka_unit_test(test_feed_xor),
        cmocka_unit_test(test_feed_becomes_xor),
        cmocka_unit_test(test_many_notifications),
        cmocka_unit_test(test_many_readers),
        cmocka_unit_test(test_round_robin),
        cmocka_unit_test(test_first_reader),
        cmocka_unit_test(test_reader_want),
    };
    return unit_run(tests);
}
