/* kfeed: the kernel entropy feed, the sink "kernel" (seedd -k; spec §6.2,
 * adapted to current kernels).
 *
 * Data: pool reads of 2500 bytes, each through the "Pool" monitor; the
 * passed ones are folded twice (625 bytes) and gathered, and every 2500
 * folded bytes go through the "Kernel" monitor.  Only what passed both is
 * fed (upstream fed each 625-byte piece on the Kernel monitor's previous
 * verdict, its folded_ok, before the piece itself was checked).  Each feed
 * is one RNDADDENTROPY of 625 bytes credited at 8 bits per byte (5000 bits),
 * as upstream: the data passed QA, and no conditioning is claimed.
 *
 * When: while the kernel's CRNG is not ready, as fast as the kernel asks
 * (POLLOUT on the device), and this sink goes first among the pool's
 * readers (pool.h).  Once it is ready, on the refill timer (refill_s; 0 =
 * no timer), each feed then followed by RNDRESEEDCRNG (when reseed is on),
 * so the data is used at once rather than at the kernel's next own reseed.
 * Throughout it also waits for POLLOUT with the refill timer as the
 * timeout: current kernels (5.18, and stable backports such as 5.10.216)
 * raise POLLOUT on /dev/random only while the CRNG is not ready, older
 * ones whenever the entropy count is below write_wakeup_threshold, so the
 * one rule covers both without looking at the version.  The first feed
 * is made at start, as upstream's loop does.
 *
 * Every interaction with the kernel goes through struct kfeed_kernel, so
 * the unit tests run this module against a fake kernel. */
#ifndef BB_KFEED_H
#define BB_KFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evl;
struct pool;
struct monitors;
struct sink;
struct kfeed;

#define KFEED_READ 2500     /* bytes per pool read (one FIPS block) */
#define KFEED_PIECE 625     /* bytes per feed: a read folded twice */
#define KFEED_BITS_PER_BYTE 8

typedef void (*kfeed_wake_fn)(void *arg);
/* A feed failed at run time (err: RNDADDENTROPY's negative errno): the
 * feed has stopped (logged once at level 0).  Called from inside kfeed;
 * the callee must not free it there. */
typedef void (*kfeed_failed_fn)(void *ud, int err);

/* The kernel as kfeed sees it.  Functions return 0 (or what is said) or a
 * negative errno. */
struct kfeed_kernel {
    int (*open)(void *kctx, const char *path);   /* an fd */
    void (*close)(void *kctx, int fd);
    /* RNDADDENTROPY: len bytes credited with bits (len 0: the start-up
     * permission probe). */
    int (*add_entropy)(void *kctx, int fd, const uint8_t *buf, size_t len, unsigned bits);
    int (*reseed)(void *kctx, int fd);            /* RNDRESEEDCRNG */
    int (*crng_ready)(void *kctx);                /* 1 ready, 0 not */
    /* Call fn(arg) once when fd is writable (POLLOUT); unwatch cancels. */
    int (*watch)(void *kctx, int fd, kfeed_wake_fn fn, void *arg);
    void (*unwatch)(void *kctx, int fd);
    /* Call fn(arg) once after ms; timer_cancel cancels. */
    void (*timer)(void *kctx, uint64_t ms, kfeed_wake_fn fn, void *arg);
    void (*timer_cancel)(void *kctx);
};

struct kfeed_cfg {
    const char *device;   /* default /dev/random */
    unsigned refill_s;    /* 0: no timer */
    bool reseed;          /* RNDRESEEDCRNG after each feed once ready */
    kfeed_failed_fn on_failed; /* NULL: none */
    void *ud;                  /* for on_failed */
};

/* Opens the device and checks that it takes entropy from us (a zero-length
 * RNDADDENTROPY): cannot open it, not permitted (-EPERM: no CAP_SYS_ADMIN)
 * or not a random device (-ENOTTY, -EINVAL) is an error, logged once at
 * level 0.  kernel NULL: the real one on loop (kctx unused). */
int kfeed_new(struct evl *loop, struct pool *pool, struct monitors *mons,
              const struct kfeed_cfg *cfg, const struct kfeed_kernel *kernel, void *kctx,
              struct kfeed **out);
void kfeed_free(struct kfeed *k);

struct kfeed_info {
    bool crng_ready;
    uint64_t feeds;             /* RNDADDENTROPY calls */
    uint64_t bytes_fed;
    uint64_t bits_credited;
    uint64_t fed_until_ready;   /* bytes fed before the CRNG was seen ready */
    uint64_t reseeds;           /* RNDRESEEDCRNG calls that succeeded */
    uint64_t last_reseed_ms;    /* evl_now_ms() of the last one; 0: none */
    bool reseed_supported;      /* false once the kernel refused it */
    bool failed;                /* a feed failed: stopped, on_failed called */
};
void kfeed_get_info(const struct kfeed *k, struct kfeed_info *info);
const struct sink *kfeed_sink(const struct kfeed *k);

#endif
