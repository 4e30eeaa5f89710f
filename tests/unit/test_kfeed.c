/* Unit tests for kfeed, the kernel entropy feed, against a fake kernel:
 * only data that passed the Pool and Kernel monitors is fed, in 625-byte
 * feeds credited 5000 bits; tight feeding (POLLOUT) until the CRNG is ready,
 * then the refill timer and RNDRESEEDCRNG; an unsupported reseed is said
 * once and not retried; open failures and a refused probe are errors.  The
 * fake's POLLOUT and timer fire only when the test says so. */
#include "unit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "kfeed.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"

#define MAX_FEEDS 512
#define MAX_BLOCKS 2000

struct fake {
    int open_err, probe_err, reseed_err;
    uint64_t ready_after;   /* bytes fed until the CRNG is ready */
    bool ready;
    unsigned feeds, probes, reseed_calls, closes;
    uint8_t fed[MAX_FEEDS][KFEED_PIECE];
    size_t fed_len[MAX_FEEDS];
    unsigned fed_bits[MAX_FEEDS];
    uint64_t fed_bytes;
    kfeed_wake_fn fd_fn, t_fn;
    void *fd_arg, *t_arg;
    bool watching, timing;
    uint64_t t_ms;
};

static int f_open(void *c, const char *path)
{
    struct fake *f = c;
    return f->open_err ? f->open_err : 42;
}
static void f_close(void *c, int fd)
{
    ((struct fake *)c)->closes++;
}
static int f_add(void *c, int fd, const uint8_t *buf, size_t len, unsigned bits)
{
    struct fake *f = c;
    assert_int_equal(fd, 42);
    if (len == 0) {
        f->probes++;
        return f->probe_err;
    }
    assert_true(f->feeds < MAX_FEEDS);
    memcpy(f->fed[f->feeds], buf, len);
    f->fed_len[f->feeds] = len;
    f->fed_bits[f->feeds++] = bits;
    f->fed_bytes += len;
    if (f->fed_bytes >= f->ready_after)
        f->ready = true;
    return 0;
}
static int f_reseed(void *c, int fd)
{
    struct fake *f = c;
    f->reseed_calls++;
    return f->ready ? f->reseed_err : -ENODATA;
}
static int f_ready(void *c)
{
    return ((struct fake *)c)->ready;
}
static int f_watch(void *c, int fd, kfeed_wake_fn fn, void *arg)
{
    struct fake *f = c;
    f->fd_fn = fn;
    f->fd_arg = arg;
    f->watching = true;
    return 0;
}
static void f_unwatch(void *c, int fd)
{
    ((struct fake *)c)->watching = false;
}
static void f_timer(void *c, uint64_t ms, kfeed_wake_fn fn, void *arg)
{
    struct fake *f = c;
    f->t_fn = fn;
    f->t_arg = arg;
    f->t_ms = ms;
    f->timing = true;
}
static void f_timer_cancel(void *c)
{
    ((struct fake *)c)->timing = false;
}

static const struct kfeed_kernel fake_kernel = {
    .open = f_open, .close = f_close, .add_entropy = f_add, .reseed = f_reseed,
    .crng_ready = f_ready, .watch = f_watch, .unwatch = f_unwatch, .timer = f_timer,
    .timer_cancel = f_timer_cancel,
};

/* The kernel asks: POLLOUT (as a current kernel while not ready). */
static void fire_fd(struct fake *f)
{
    assert_true(f->watching);
    f->watching = false;
    f->fd_fn(f->fd_arg);
}

static void fire_timer(struct fake *f)
{
    assert_true(f->timing);
    f->timing = false;
    f->t_fn(f->t_arg);
}

/* The producer: one 2500-byte block (the pool's size) whenever the pool is
 * empty, from a fixed generator; blocks listed in bad[] are zeros.  Each
 * block's folded form is kept to check what was fed. */
struct prod {
    struct pool *pool;
    uint64_t state;
    unsigned n;
    unsigned bad_from, bad_to;   /* zero blocks n in [bad_from, bad_to) */
    uint8_t folded[MAX_BLOCKS][KFEED_PIECE];
    bool good[MAX_BLOCKS];
};

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void produce(void *ud)
{
    struct prod *p = ud;
    uint8_t b[KFEED_READ];
    size_t len;
    if (pool_fill(p->pool) || p->n >= MAX_BLOCKS)
        return;
    bool bad = p->n >= p->bad_from && p->n < p->bad_to;
    for (size_t i = 0; i < sizeof(b); i += 8) {
        uint64_t v = bad ? 0 : splitmix(&p->state);
        memcpy(b + i, &v, sizeof(b) - i < 8 ? sizeof(b) - i : 8);
    }
    uint8_t f[KFEED_READ];
    memcpy(f, b, sizeof(f));
    fold_bytes(f, sizeof(f), 2, &len);
    memcpy(p->folded[p->n], f, KFEED_PIECE);
    p->good[p->n] = !bad;
    p->n++;
    pool_add(p->pool, b, sizeof(b));
}

struct rig {
    struct fake f;
    struct prod p;
    struct pool *pool;
    struct monitors *mons;
    struct kfeed *k;
};

static struct rig *rig_new(unsigned refill, bool reseed, uint64_t ready_after)
{
    struct rig *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->f.ready_after = ready_after;
    r->f.ready = ready_after == 0;
    r->p.state = 1234;
    r->p.bad_from = r->p.bad_to = MAX_BLOCKS;
    assert_int_equal(pool_new(KFEED_READ, &r->pool), 0);
    assert_int_equal(monitors_new(&r->mons), 0);
    r->p.pool = r->pool;
    assert_int_equal(pool_on_drained(r->pool, produce, &r->p), 0);
    return r;
}

static int rig_start(struct rig *r, unsigned refill, bool reseed)
{
    const struct kfeed_cfg cfg = { "/dev/fake", refill, reseed };
    produce(&r->p); /* the first block; then one whenever the pool is empty */
    return kfeed_new(NULL, r->pool, r->mons, &cfg, &fake_kernel, &r->f, &r->k);
}

static void rig_free(struct rig *r)
{
    kfeed_free(r->k);
    monitors_free(r->mons);
    pool_free(r->pool);
    free(r);
}

/* Every fed piece is the folded form of a good block. */
static void assert_fed_good(const struct rig *r)
{
    for (unsigned i = 0; i < r->f.feeds; i++) {
        bool found = false;
        for (unsigned b = 0; b < r->p.n && !found; b++)
            found = r->p.good[b] && !memcmp(r->f.fed[i], r->p.folded[b], KFEED_PIECE);
        assert_true(found);
    }
}

/* Feeds are 625 bytes credited 5000 bits, and only of data that passed:
 * nothing before both monitors have passed their first 20 blocks, nothing
 * of a run of bad blocks, and the monitors are registered as upstream's. */
static void test_feeds_only_passed_data(void **state)
{
    (void)state;
    struct rig *r = rig_new(60, true, 0);
    r->p.bad_from = 150;
    r->p.bad_to = 160;
    r->f.ready = true;
    r->f.ready_after = 0;
    assert_int_equal(rig_start(r, 60, true), 0);
    assert_non_null(monitors_find(r->mons, "Pool"));
    assert_non_null(monitors_find(r->mons, "Kernel"));
    assert_int_equal(r->f.probes, 1);
    /* The first feed was gathered at start: 20 Pool-monitor blocks, then 20
     * Kernel-monitor blocks of four passed reads each. */
    assert_int_equal(r->f.feeds, 1);
    assert_true(r->p.n >= 19 + 80);
    while (r->p.n < 400 && r->f.feeds < MAX_FEEDS)
        fire_timer(&r->f);
    for (unsigned i = 0; i < r->f.feeds; i++) {
        assert_int_equal(r->f.fed_len[i], KFEED_PIECE);
        assert_int_equal(r->f.fed_bits[i], 5000);
    }
    assert_fed_good(r);
    struct sink_info si;
    sink_get_info(kfeed_sink(r->k), &si);
    assert_string_equal(si.name, "kernel");
    assert_true(si.c.bytes_dropped >= 10 * KFEED_READ);
    assert_int_equal(si.c.bytes_delivered, (uint64_t)r->f.feeds * KFEED_PIECE);
    assert_int_equal(si.n_monitors, 2);
    assert_string_equal(si.monitors[0], "Pool");
    assert_string_equal(si.monitors[1], "Kernel");
    rig_free(r);
}

/* Not ready: fed each time the kernel asks (POLLOUT), first among the
 * readers, no reseed; ready after N bytes: no more POLLOUT from a current
 * kernel, so the refill timer, then a reseed after each feed. */
static void test_tight_until_ready_then_timer(void **state)
{
    (void)state;
    struct rig *r = rig_new(30, true, 0);
    r->f.ready_after = 10 * KFEED_PIECE;
    r->f.ready = false;
    assert_int_equal(rig_start(r, 30, true), 0);
    struct kfeed_info ki;
    struct sink_info si;
    sink_get_info(kfeed_sink(r->k), &si);
    assert_true(si.first);
    while (!r->f.ready) {
        assert_true(r->f.watching);
        fire_fd(&r->f);
    }
    assert_int_equal(r->f.feeds, 10);
    assert_int_equal(r->f.reseed_calls, 0);
    kfeed_get_info(r->k, &ki);
    assert_true(ki.crng_ready);
    assert_int_equal(ki.fed_until_ready, 10 * KFEED_PIECE);
    assert_int_equal(ki.bits_credited, 10 * 5000);
    sink_get_info(kfeed_sink(r->k), &si);
    assert_false(si.first);
    /* Waiting for POLLOUT, with the refill timer as its timeout. */
    assert_true(r->f.watching);
    assert_true(r->f.timing);
    assert_int_equal(r->f.t_ms, 30000);
    fire_timer(&r->f);
    assert_int_equal(r->f.feeds, 11);
    assert_int_equal(r->f.reseed_calls, 1);
    fire_timer(&r->f);
    kfeed_get_info(r->k, &ki);
    assert_int_equal(ki.reseeds, 2);
    assert_int_equal(ki.feeds, 12);
    assert_true(ki.last_reseed_ms > 0);
    /* An old kernel's POLLOUT after readiness also means "feed". */
    fire_fd(&r->f);
    assert_int_equal(r->f.feeds, 13);
    assert_fed_good(r);
    rig_free(r);
}

/* RNDRESEEDCRNG unsupported (before 4.17: EINVAL): asked once, never again;
 * --kernel-reseed=no: never asked; refill 0: no timer. */
static void test_reseed_unsupported_and_off(void **state)
{
    (void)state;
    struct rig *r = rig_new(5, true, 0);
    r->f.reseed_err = -EINVAL;
    assert_int_equal(rig_start(r, 5, true), 0);
    for (unsigned i = 0; i < 4; i++)
        fire_timer(&r->f);
    struct kfeed_info ki;
    kfeed_get_info(r->k, &ki);
    assert_int_equal(r->f.reseed_calls, 1);
    assert_false(ki.reseed_supported);
    assert_int_equal(ki.reseeds, 0);
    assert_int_equal(ki.feeds, 5);
    rig_free(r);

    r = rig_new(5, false, 0);
    assert_int_equal(rig_start(r, 5, false), 0);
    fire_timer(&r->f);
    assert_int_equal(r->f.reseed_calls, 0);
    rig_free(r);

    r = rig_new(0, true, 0);
    assert_int_equal(rig_start(r, 0, true), 0);
    assert_false(r->f.timing);
    assert_true(r->f.watching);
    rig_free(r);
}

/* The device cannot be opened, or the probe is refused: an error, nothing
 * fed, the device closed again. */
static void test_start_errors(void **state)
{
    (void)state;
    struct rig *r = rig_new(60, true, 0);
    r->f.open_err = -ENOENT;
    assert_int_equal(rig_start(r, 60, true), -ENOENT);
    assert_null(monitors_find(r->mons, "Pool"));
    rig_free(r);

    const int errs[] = { -EPERM, -ENOTTY, -EINVAL };
    for (size_t i = 0; i < 3; i++) {
        r = rig_new(60, true, 0);
        r->f.probe_err = errs[i];
        assert_int_equal(rig_start(r, 60, true), errs[i]);
        assert_int_equal(r->f.feeds, 0);
        assert_int_equal(r->f.closes, 1);
        assert_int_equal(sink_count(r->pool), 0);
        rig_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feeds_only_passed_data),
        cmocka_unit_test(test_tight_until_ready_then_timer),
        cmocka_unit_test(test_reseed_unsupported_and_off),
        cmocka_unit_test(test_start_errors),
    };
    return unit_run(tests);
}
