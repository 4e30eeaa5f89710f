/* kfeed: pool -> the kernel's entropy pool.  See kfeed.h. */
#include "kfeed.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evl.h"
#include "fold.h"
#include "health.h"
#include "log.h"
#include "pool.h"
#include "sink.h"

#ifndef RNDRESEEDCRNG
#define RNDRESEEDCRNG _IO('R', 0x07) /* Linux 4.17 */
#endif

struct kfeed {
    struct evl *loop;
    struct pool *pool;
    struct sink *sink;
    struct health *pool_mon, *kernel_mon;
    struct kfeed_cfg cfg;
    char *device;
    const struct kfeed_kernel *kern;
    void *kctx;
    int fd;
    bool waiting_kernel;      /* watching POLLOUT / the refill timer */
    bool ready_at_wake;       /* the CRNG was ready when the kernel asked */
    uint64_t t0;
    /* The real kernel's timer. */
    struct evl_timer *timer;
    kfeed_wake_fn timer_fn;
    void *timer_arg;
    kfeed_wake_fn fd_fn;
    void *fd_arg;
    /* A pool read being gathered (pool smaller than 2500 bytes). */
    uint8_t raw[KFEED_READ];
    size_t raw_len;
    uint8_t passed[KFEED_READ]; /* what the Pool monitor passed of raw */
    size_t passed_len;
    uint8_t folded[KFEED_READ]; /* folded pieces waiting for the Kernel monitor */
    size_t folded_len;
    uint8_t queue[KFEED_READ];  /* checked by both monitors, to feed */
    size_t q_off, q_len;
    struct kfeed_info info;
    bool said_reseed;
};

/* ---- the real kernel ---------------------------------------------------- */

static int real_open(void *kctx, const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static void real_close(void *kctx, int fd)
{
    close(fd);
}

/* The ioctls go to the kernel by syscall(): an LD_PRELOAD ioctl() wrapper
 * (umockdev, under which the system tests run) answers ENOTTY for fds it
 * does not emulate instead of passing them on. */
static int kernel_ioctl(int fd, unsigned long req, void *arg)
{
    return syscall(SYS_ioctl, fd, req, arg) < 0 ? -errno : 0;
}

static int real_add_entropy(void *kctx, int fd, const uint8_t *buf, size_t len, unsigned bits)
{
    /* struct rand_pool_info: int entropy_count, int buf_size, then the
     * bytes. */
    int req[2 + (KFEED_PIECE + sizeof(int) - 1) / sizeof(int)];
    if (len > KFEED_PIECE)
        return -EINVAL;
    req[0] = (int)bits;
    req[1] = (int)len;
    if (len)
        memcpy(&req[2], buf, len);
    return kernel_ioctl(fd, RNDADDENTROPY, req);
}

static int real_reseed(void *kctx, int fd)
{
    return kernel_ioctl(fd, RNDRESEEDCRNG, NULL);
}

/* getrandom(GRND_NONBLOCK) fails with EAGAIN exactly while the CRNG is not
 * ready (Linux 3.17 and later). */
static int real_crng_ready(void *kctx)
{
    uint8_t b;
    for (;;) {
        if (getrandom(&b, 1, GRND_NONBLOCK) >= 0)
            return 1;
        if (errno == EAGAIN)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

static void real_on_fd(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct kfeed *k = ud;
    k->fd_fn(k->fd_arg);
}

static int real_watch(void *kctx, int fd, kfeed_wake_fn fn, void *arg)
{
    struct kfeed *k = kctx;
    k->fd_fn = fn;
    k->fd_arg = arg;
    return evl_add_fd(k->loop, fd, EPOLLOUT, real_on_fd, k);
}

static void real_unwatch(void *kctx, int fd)
{
    struct kfeed *k = kctx;
    evl_del_fd(k->loop, fd);
}

static void real_on_timer(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct kfeed *k = ud;
    k->timer_fn(k->timer_arg);
}

static void real_timer(void *kctx, uint64_t ms, kfeed_wake_fn fn, void *arg)
{
    struct kfeed *k = kctx;
    k->timer_fn = fn;
    k->timer_arg = arg;
    evl_timer_arm(k->timer, ms);
}

static void real_timer_cancel(void *kctx)
{
    struct kfeed *k = kctx;
    evl_timer_disarm(k->timer);
}

static const struct kfeed_kernel real_kernel = {
    .open = real_open,
    .close = real_close,
    .add_entropy = real_add_entropy,
    .reseed = real_reseed,
    .crng_ready = real_crng_ready,
    .watch = real_watch,
    .unwatch = real_unwatch,
    .timer = real_timer,
    .timer_cancel = real_timer_cancel,
};

/* ---- readiness ---------------------------------------------------------- */

/* crng_ready(): 1 ready, 0 not; an error is said and taken as ready. */
static int crng_ready(struct kfeed *k)
{
    int r = k->kern->crng_ready(k->kctx);
    if (r < 0)
        log_msg(2, "Kernel: cannot tell whether its CRNG is ready (%s): taken as ready",
                strerror(-r));
    return r != 0;
}

static void check_ready(struct kfeed *k)
{
    if (k->info.crng_ready || !crng_ready(k))
        return;
    k->info.crng_ready = true;
    k->info.fed_until_ready = k->info.bytes_fed;
    sink_first(k->sink, false);
    uint64_t ms = evl_now_ms() - k->t0;
    log_msg(1, "Kernel CRNG is ready after %llu bytes fed by seedd (%llu feeds, %llu.%03llu s)",
            (unsigned long long)k->info.bytes_fed, (unsigned long long)k->info.feeds,
            (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000));
}

/* ---- feeding ------------------------------------------------------------ */

static void on_kernel_wants(void *arg);

/* Until the kernel asks: POLLOUT, or the refill timer. */
static void wait_kernel(struct kfeed *k)
{
    int r = k->kern->watch(k->kctx, k->fd, on_kernel_wants, k);
    if (r < 0)
        log_msg(0, "Kernel: cannot wait for %s: %s", k->device, strerror(-r));
    if (k->cfg.refill_s)
        k->kern->timer(k->kctx, (uint64_t)k->cfg.refill_s * 1000, on_kernel_wants, k);
    k->waiting_kernel = true;
}

static void reseed(struct kfeed *k)
{
    if (!k->cfg.reseed || !k->info.reseed_supported)
        return;
    int r = k->kern->reseed(k->kctx, k->fd);
    if (r == 0) {
        k->info.reseeds++;
        k->info.last_reseed_ms = evl_now_ms();
        log_msg(3, "Kernel: CRNG reseeded");
    } else if (r == -ENODATA) {
        log_msg(3, "Kernel: CRNG not ready for a reseed yet");
    } else {
        /* Before Linux 4.17 there is no RNDRESEEDCRNG (EINVAL); say it
         * once and stop asking. */
        k->info.reseed_supported = false;
        log_msg(r == -EINVAL || r == -ENOTTY ? 1 : 0,
                "Kernel: RNDRESEEDCRNG %s (%s): fed data is used at the kernel's own next "
                "reseed; not trying again",
                r == -EINVAL || r == -ENOTTY ? "is not supported by this kernel" : "failed",
                strerror(-r));
    }
}

static void feed(struct kfeed *k)
{
    const uint8_t *piece = k->queue + k->q_off;
    unsigned bits = KFEED_PIECE * KFEED_BITS_PER_BYTE;
    int r = k->kern->add_entropy(k->kctx, k->fd, piece, KFEED_PIECE, bits);
    k->q_off += KFEED_PIECE;
    if (r < 0) {
        log_msg(0, "Kernel: RNDADDENTROPY on %s failed: %s; no more feeding", k->device,
                strerror(-r));
        k->info.failed = true;
        sink_count_refusal(k->sink);
        sink_finish(k->sink, SINK_FAILED);
        if (k->cfg.on_failed)
            k->cfg.on_failed(k->cfg.ud, r);
        return;
    }
    k->info.feeds++;
    k->info.bytes_fed += KFEED_PIECE;
    k->info.bits_credited += bits;
    sink_count_delivered(k->sink, KFEED_PIECE);
    log_msg(5, "Kernel: fed %d bytes (%u bits)", KFEED_PIECE, bits);
    if (k->ready_at_wake)
        reseed(k);
    check_ready(k);
    wait_kernel(k);
}

/* The kernel asked (POLLOUT or the timer): feed a checked piece, or gather
 * one from the pool first. */
static void on_kernel_wants(void *arg)
{
    struct kfeed *k = arg;
    if (!k->waiting_kernel || k->info.failed)
        return;
    k->waiting_kernel = false;
    k->kern->unwatch(k->kctx, k->fd);
    k->kern->timer_cancel(k->kctx);
    sink_count_request(k->sink);
    check_ready(k);
    k->ready_at_wake = k->info.crng_ready;
    if (k->q_off < k->q_len) {
        feed(k);
        return;
    }
    size_t size = pool_size(k->pool);
    size_t want = KFEED_READ - k->raw_len;
    sink_want(k->sink, want < size ? want : size);
}

static void on_kernel_pass(void *ud, const uint8_t *p, size_t n)
{
    struct kfeed *k = ud;
    if (k->q_len + n <= sizeof(k->queue)) {
        memcpy(k->queue + k->q_len, p, n);
        k->q_len += n;
    }
}

static void on_pool_pass(void *ud, const uint8_t *p, size_t n)
{
    struct kfeed *k = ud;
    if (k->passed_len + n <= sizeof(k->passed)) {
        memcpy(k->passed + k->passed_len, p, n);
        k->passed_len += n;
    }
}

/* A whole 2500-byte read: the Pool monitor, folding, and per 2500 folded
 * bytes the Kernel monitor.  Only whole blocks that passed go on. */
static void check_read(struct kfeed *k)
{
    size_t len;
    k->passed_len = 0;
    health_gate(k->pool_mon, HEALTH_GATE_EXACT, k->raw, KFEED_READ, on_pool_pass, k, NULL);
    k->raw_len = 0;
    if (k->passed_len != KFEED_READ) {
        /* As upstream (spec §6.2: b2 reset): the Kernel monitor's blocks
         * are of contiguous reads only. */
        sink_count_dropped(k->sink, KFEED_READ + k->folded_len * 4);
        k->folded_len = 0;
        return;
    }
    fold_bytes(k->passed, KFEED_READ, 2, &len);
    memcpy(k->folded + k->folded_len, k->passed, len);
    k->folded_len += len;
    if (k->folded_len < KFEED_READ)
        return;
    k->folded_len = 0;
    k->q_off = k->q_len = 0;
    health_gate(k->kernel_mon, HEALTH_GATE_EXACT, k->folded, KFEED_READ, on_kernel_pass, k, NULL);
    if (k->q_len != KFEED_READ) {
        k->q_len = 0;
        sink_count_dropped(k->sink, 4 * KFEED_READ);
    }
}

/* The pool can serve the read wanted. */
static void on_ready(void *ud)
{
    struct kfeed *k = ud;
    size_t n = sink_read(k->sink, k->raw + k->raw_len, KFEED_READ - k->raw_len);
    k->raw_len += n;
    if (n == 0)
        return;
    if (k->raw_len == KFEED_READ)
        check_read(k);
    if (k->q_off < k->q_len) {
        sink_want(k->sink, 0);
        feed(k);
        return;
    }
    size_t size = pool_size(k->pool);
    size_t want = KFEED_READ - k->raw_len;
    sink_want(k->sink, want < size ? want : size);
}

/* ---- life --------------------------------------------------------------- */

/* The device must take entropy from us: a zero-length RNDADDENTROPY. */
static int probe(struct kfeed *k)
{
    int r = k->kern->add_entropy(k->kctx, k->fd, NULL, 0, 0);
    if (r == -EPERM)
        log_msg(0, "Kernel entropy: feeding %s is not permitted (RNDADDENTROPY needs "
                   "CAP_SYS_ADMIN)", k->device);
    else if (r == -ENOTTY || r == -EINVAL)
        log_msg(0, "Kernel entropy: %s is not a kernel random device (RNDADDENTROPY: %s)",
                k->device, strerror(-r));
    else if (r < 0)
        log_msg(0, "Kernel entropy: %s refuses RNDADDENTROPY: %s", k->device, strerror(-r));
    return r;
}

static int setup(struct kfeed *k, struct monitors *mons)
{
    int r;
    if ((r = sink_new(k->pool, mons, "kernel", on_ready, k, &k->sink)) < 0 ||
        (r = sink_add_monitor(k->sink, "Pool", &k->pool_mon)) < 0 ||
        (r = sink_add_monitor(k->sink, "Kernel", &k->kernel_mon)) < 0) {
        log_msg(0, "Kernel entropy: cannot set up its sink and monitors: %s", strerror(-r));
        return r;
    }
    if ((r = k->kern->open(k->kctx, k->device)) < 0) {
        log_msg(0, "Kernel entropy: cannot open %s: %s", k->device, strerror(-r));
        return r;
    }
    k->fd = r;
    return probe(k);
}

int kfeed_new(struct evl *loop, struct pool *pool, struct monitors *mons,
              const struct kfeed_cfg *cfg, const struct kfeed_kernel *kernel, void *kctx,
              struct kfeed **out)
{
    int r = -ENOMEM;
    struct kfeed *k = calloc(1, sizeof(*k));
    if (!k)
        return -ENOMEM;
    k->loop = loop;
    k->pool = pool;
    k->cfg = *cfg;
    k->fd = -1;
    k->kern = kernel ? kernel : &real_kernel;
    k->kctx = kernel ? kctx : k;
    k->info.reseed_supported = true;
    k->t0 = evl_now_ms();
    if (!(k->device = strdup(cfg->device ? cfg->device : "/dev/random")))
        goto fail;
    if (!kernel && (r = evl_timer_new(loop, real_on_timer, k, &k->timer)) < 0)
        goto fail;
    if ((r = setup(k, mons)) < 0)
        goto fail;
    k->info.crng_ready = crng_ready(k);
    sink_first(k->sink, !k->info.crng_ready);
    if (!k->info.crng_ready)
        log_msg(1, "Kernel CRNG is not ready: feeding %s first, as fast as the kernel asks",
                k->device);
    else if (k->cfg.refill_s)
        log_msg(1, "Kernel CRNG is ready: feeding %s every %u s%s", k->device,
                k->cfg.refill_s, k->cfg.reseed ? ", then RNDRESEEDCRNG" : "");
    else
        log_msg(1, "Kernel CRNG is ready: feeding %s only when it asks (no refill timer)",
                k->device);
    *out = k;
    /* As upstream: the first feed at once, then wait for the kernel. */
    k->waiting_kernel = true;
    on_kernel_wants(k);
    return 0;
fail:
    kfeed_free(k);
    return r;
}

void kfeed_free(struct kfeed *k)
{
    if (!k)
        return;
    if (k->fd >= 0) {
        if (k->waiting_kernel)
            k->kern->unwatch(k->kctx, k->fd);
        k->kern->timer_cancel(k->kctx);
        k->kern->close(k->kctx, k->fd);
    }
    sink_free(k->sink);
    evl_timer_free(k->timer);
    free(k->device);
    free(k);
}

void kfeed_get_info(const struct kfeed *k, struct kfeed_info *info)
{
    *info = k->info;
}

const struct sink *kfeed_sink(const struct kfeed *k)
{
    return k->sink;
}
