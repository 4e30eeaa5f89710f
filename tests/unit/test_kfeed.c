/* Unit tests for kfeed, the kernel entropy feed, against a fake kernel:
 * only data that passed the Pool and Kernel monitors is fed, in 625-byte
 * feeds credited 5000 bits (data that passes the Pool monitor and folds to
 * zeros is stopped by the Kernel monitor); the Kernel monitor's blocks are
 * of contiguous reads; a feed failing at run time stops the feed and calls
 * on_failed once; tight feeding (POLLOUT) until the CRNG is ready,
 * then the refill timer and RNDRESEEDCRNG; an unsupported reseed is said
 * once and not retried; open failures and a refused probe are errors.  The
 * fake's POLLOUT and timer fire only when the test says so. */
#include "unit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "health.h"
#include "log.h"
#include "kfeed.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"

#define MAX_FEEDS 512
#define MAX_BLOCKS 2000

struct fake {
    int open_err, probe_err, reseed_err;
    int ready_err;          /* crng_ready()'s answer when not 0 */
    int add_err;            /* the answer to the add_err_at-th feed ... */
    unsigned add_err_at;    /* ... (1 = the first; 0 = none) */
    unsigned adds;          /* non-empty RNDADDENTROPY calls */
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
    if (++f->adds == f->add_err_at)
        return f->add_err;
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
    struct fake *f = c;
    return f->ready_err ? f->ready_err : f->ready;
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
 * empty, from a fixed generator; blocks in [bad_from, bad_to) are zeros,
 * and blocks in [xor_from, xor_to) are random quarters q0, q1, q2 and
 * q3 = q0^q1^q2: good data to the Pool monitor (FIPS), zeros once folded
 * twice (each piece byte i is q0[i]^q1[i]^q2[i]^q3[i]).  Each block's
 * folded form is kept to check what was fed. */
struct prod {
    struct pool *pool;
    uint64_t state;
    unsigned n;
    unsigned bad_from, bad_to;   /* zero blocks n in [bad_from, bad_to) */
    unsigned xor_from, xor_to;   /* blocks that fold to zeros */
    unsigned limit;              /* blocks made in all (<= MAX_BLOCKS) */
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
    if (pool_fill(p->pool) || p->n >= p->limit)
        return;
    bool bad = p->n >= p->bad_from && p->n < p->bad_to;
    for (size_t i = 0; i < sizeof(b); i += 8) {
        uint64_t v = bad ? 0 : splitmix(&p->state);
        memcpy(b + i, &v, sizeof(b) - i < 8 ? sizeof(b) - i : 8);
    }
    if (p->n >= p->xor_from && p->n < p->xor_to) {
        bad = true;
        for (size_t i = 0; i < KFEED_PIECE; i++)
            b[3 * KFEED_PIECE + i] = b[i] ^ b[KFEED_PIECE + i] ^ b[2 * KFEED_PIECE + i];
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
    unsigned failed_calls;
    int failed_err;
};

static void on_failed(void *ud, int err)
{
    struct rig *r = ud;
    r->failed_calls++;
    r->failed_err = err;
}

static struct rig *rig_new(unsigned refill, bool reseed, uint64_t ready_after)
{
    struct rig *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->f.ready_after = ready_after;
    r->f.ready = ready_after == 0;
    r->p.state = 1234;
    r->p.bad_from = r->p.bad_to = MAX_BLOCKS;
    r->p.xor_from = r->p.xor_to = MAX_BLOCKS;
    r->p.limit = MAX_BLOCKS;
    assert_int_equal(pool_new(KFEED_READ, &r->pool), 0);
    assert_int_equal(monitors_new(&r->mons), 0);
    r->p.pool = r->pool;
    assert_int_equal(pool_on_drained(r->pool, produce, &r->p), 0);
    return r;
}

static int rig_start(struct rig *r, unsigned refill, bool reseed)
{
    const struct kfeed_cfg cfg = { "/dev/fake", refill, reseed, on_failed, r };
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

/* The block whose folded form feed i was (the first match); -1: none. */
static int fed_block(const struct rig *r, unsigned i)
{
    for (unsigned b = 0; b < r->p.n; b++)
        if (!memcmp(r->f.fed[i], r->p.folded[b], KFEED_PIECE))
            return (int)b;
    return -1;
}

/* Every fed piece is the folded form of a good block. */
static void assert_fed_good(const struct rig *r)
{
    for (unsigned i = 0; i < r->f.feeds; i++) {
        int b = fed_block(r, i);
        assert_true(b >= 0);
        assert_true(r->p.good[b]);
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

/* Blocks that pass the Pool monitor but fold to zeros: the Kernel monitor
 * stops them.  None of them is fed, the Pool monitor passed them all, and
 * each rejected Kernel-monitor block is counted dropped as its four reads.
 * (The Kernel monitor's Ent8 judges 500000-byte windows, 800 reads here:
 * it stays failed past the end of this producer, 8 reads later.) */
static void test_kernel_monitor_gate(void **state)
{
    (void)state;
    struct rig *r = rig_new(60, true, 0);
    r->p.xor_from = 200;
    r->p.xor_to = 208;
    r->p.limit = 216;
    assert_int_equal(rig_start(r, 60, true), 0);
    while (r->p.n < r->p.xor_from - 3)
        fire_timer(&r->f);
    assert_true(r->p.n <= r->p.xor_from);
    struct health *pool_mon = monitors_find(r->mons, "Pool");
    struct health *kern_mon = monitors_find(r->mons, "Kernel");
    struct sink_info si;
    sink_get_info(kfeed_sink(r->k), &si);
    uint64_t dropped0 = si.c.bytes_dropped;
    uint64_t pool_fail0 = health_bytes_analysed(pool_mon) - health_bytes_passed(pool_mon);
    uint64_t kern_fail0 = health_bytes_analysed(kern_mon) - health_bytes_passed(kern_mon);
    while (r->f.timing) /* until the producer has ended and nothing passes */
        fire_timer(&r->f);
    assert_int_equal(r->p.n, r->p.limit);
    assert_fed_good(r);
    for (unsigned i = 0; i < r->f.feeds; i++) {
        int b = fed_block(r, i);
        assert_false(b >= (int)r->p.xor_from && b < (int)r->p.xor_to);
    }
    /* The Pool monitor passed every read; the Kernel monitor failed at
     * least the two blocks that hold the folded zeros. */
    assert_int_equal(health_bytes_analysed(pool_mon) - health_bytes_passed(pool_mon), pool_fail0);
    uint64_t kern_failed = health_bytes_analysed(kern_mon) - health_bytes_passed(kern_mon) -
                           kern_fail0;
    assert_true(kern_failed >= 2 * KFEED_READ);
    sink_get_info(kfeed_sink(r->k), &si);
    assert_int_equal(si.c.bytes_dropped - dropped0, 4 * kern_failed);
    rig_free(r);
}

/* A read the Pool monitor fails discards the folded pieces gathered before
 * it (spec §6.2: b2 is reset), so each Kernel-monitor block, fed as four
 * pieces in order, is the folded form of four contiguous reads.  One bad
 * read at each of four offsets: three of them fall inside a gathering. */
static void test_kernel_blocks_contiguous(void **state)
{
    (void)state;
    for (unsigned off = 0; off < 4; off++) {
        struct rig *r = rig_new(60, true, 0);
        r->p.bad_from = 150 + off;
        r->p.bad_to = 151 + off;
        assert_int_equal(rig_start(r, 60, true), 0);
        while (r->p.n < 260)
            fire_timer(&r->f);
        assert_fed_good(r);
        assert_int_equal(r->f.feeds % 4, 0);
        for (unsigned i = 0; i < r->f.feeds; i += 4) {
            int b = fed_block(r, i);
            for (unsigned j = 1; j < 4; j++)
                assert_int_equal(fed_block(r, i + j), b + (int)j);
        }
        /* Dropped: whole reads, those folded and discarded included. */
        struct sink_info si;
        sink_get_info(kfeed_sink(r->k), &si);
        assert_int_equal(si.c.bytes_dropped % KFEED_READ, 0);
        rig_free(r);
    }
}

/* Log messages from here on go to a temporary file; log_lines() ends the
 * capture and counts the lines holding `what`. */
static FILE *log_f;

static void log_capture(int verbosity)
{
    log_f = tmpfile();
    assert_non_null(log_f);
    log_use_file(log_f);
    log_set_verbosity(verbosity);
}

static unsigned log_lines(const char *what)
{
    char line[512];
    unsigned n = 0;
    log_use_file(NULL);
    log_set_verbosity(0);
    rewind(log_f);
    while (fgets(line, sizeof(line), log_f))
        n += strstr(line, what) != NULL;
    fclose(log_f);
    return n;
}

/* RNDADDENTROPY fails at run time (the 3rd feed): said once, the feed
 * stops, on_failed is called once with the error, the refusal is counted,
 * and the kernel is not asked again. */
static void test_feed_fails_at_run_time(void **state)
{
    (void)state;
    struct rig *r = rig_new(60, true, 0);
    r->f.add_err_at = 3;
    r->f.add_err = -EIO;
    log_capture(0);
    assert_int_equal(rig_start(r, 60, true), 0);
    fire_timer(&r->f);
    assert_int_equal(r->failed_calls, 0);
    fire_timer(&r->f);
    assert_int_equal(r->failed_calls, 1);
    assert_int_equal(r->failed_err, -EIO);
    assert_int_equal(r->f.feeds, 2);
    assert_int_equal(log_lines("Kernel: RNDADDENTROPY on /dev/fake failed: "), 1);
    assert_false(r->f.watching);
    assert_false(r->f.timing);
    struct kfeed_info ki;
    kfeed_get_info(r->k, &ki);
    assert_true(ki.failed);
    assert_int_equal(ki.feeds, 2);
    struct sink_info si;
    sink_get_info(kfeed_sink(r->k), &si);
    assert_int_equal(si.c.refusals, 1);
    assert_int_equal(si.c.bytes_delivered, 2 * KFEED_PIECE);
    rig_free(r);

    /* The very first feed, made at start: kfeed_new still succeeds (the
     * caller hears of it through on_failed). */
    r = rig_new(60, true, 0);
    r->f.add_err_at = 1;
    r->f.add_err = -EPERM;
    assert_int_equal(rig_start(r, 60, true), 0);
    assert_int_equal(r->failed_calls, 1);
    assert_int_equal(r->failed_err, -EPERM);
    assert_int_equal(r->f.feeds, 0);
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

/* The kernel cannot say whether its CRNG is ready (crng_ready() fails):
 * taken as ready, and said so, at start as later. */
static void test_ready_unknown(void **state)
{
    (void)state;
    struct rig *r = rig_new(60, true, 0);
    r->f.ready = false;
    r->f.ready_err = -ENOSYS;
    log_capture(2);
    assert_int_equal(rig_start(r, 60, true), 0);
    assert_int_equal(log_lines("Kernel: cannot tell whether its CRNG is ready (Function not "
                               "implemented): taken as ready"), 1);
    struct kfeed_info ki;
    kfeed_get_info(r->k, &ki);
    assert_true(ki.crng_ready);
    struct sink_info si;
    sink_get_info(kfeed_sink(r->k), &si);
    assert_false(si.first);
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
        cmocka_unit_test(test_kernel_monitor_gate),
        cmocka_unit_test(test_kernel_blocks_contiguous),
        cmocka_unit_test(test_feed_fails_at_run_time),
        cmocka_unit_test(test_tight_until_ready_then_timer),
        cmocka_unit_test(test_reseed_unsupported_and_off),
        cmocka_unit_test(test_ready_unknown),
        cmocka_unit_test(test_start_errors),
    };
    return unit_run(tests);
}
