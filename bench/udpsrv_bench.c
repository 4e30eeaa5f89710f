/* udpsrv_bench: the UDP service's own capacity, with the supply taken out.
 *
 *   udpsrv_bench HOST:PORT
 *       Runs the real udpsrv (its UDP monitor, exact gate, ready ring, no
 *       rate limits) on its own event loop, with the pool fed in-process
 *       from a PRNG (splitmix64) before every turn of the loop until the
 *       ring is full: bytes are never the bound, so udp_bench's client
 *       against it measures what the service's code can answer.  Runs
 *       until SIGTERM or SIGINT; prints the service's counts then.
 *
 * A benchmark helper, not a test, and not entropy: make bench compares its
 * request rate with udp_bench's echo server (BENCH udpsrv_inproc_vs_echo_*),
 * beside seedd's own on devices, which the devices' rate bounds. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "evl.h"
#include "log.h"
#include "monitors.h"
#include "pool.h"
#include "splitmix.h"
#include "udpsrv.h"

#define BLOCK 2500u
#define FULL (64u * 1024u - BLOCK) /* the ring holds 64 KiB */

struct feeder {
    struct pool *pool;
    struct udpsrv *udp;
    uint64_t rng;
};

static void on_prepare(struct evl *loop, void *ud)
{
    struct feeder *f = ud;
    uint8_t b[BLOCK];
    for (int i = 0; i < 64 && udpsrv_ready(f->udp) < FULL; i++) {
        splitmix_fill(&f->rng, b, sizeof(b));
        pool_add(f->pool, b, sizeof(b));
    }
}

static void on_signal(struct evl *loop, int signo, void *ud)
{
    evl_quit(loop, 0);
}

int main(int argc, char **argv)
{
    struct evl *loop = NULL;
    struct monitors *mons = NULL;
    struct feeder f = { .rng = 1 };
    char err[256];
    int rc = 1;
    if (argc != 2) {
        fprintf(stderr, "usage: udpsrv_bench HOST:PORT\n");
        return 2;
    }
    log_set_ident("udpsrv_bench");
    if (evl_new(&loop) < 0 || pool_new(64 * 1024, &f.pool) < 0 || monitors_new(&mons) < 0)
        goto out;
    const struct udpsrv_cfg cfg = { .addr = argv[1], .pool = f.pool, .mons = mons };
    if (udpsrv_new(loop, &cfg, &f.udp, err, sizeof(err)) < 0) {
        fprintf(stderr, "udpsrv_bench: %s\n", err);
        goto out;
    }
    if (evl_add_prepare(loop, on_prepare, &f) < 0 ||
        evl_add_signal(loop, SIGTERM, on_signal, NULL) < 0 ||
        evl_add_signal(loop, SIGINT, on_signal, NULL) < 0)
        goto out;
    rc = evl_run(loop) < 0;
    struct udpsrv_counts c;
    udpsrv_get_counts(f.udp, &c);
    printf("answered %llu bytes %llu waited %llu; not answered: %llu not ready, %llu expired, "
           "%llu not sent, %llu other\n",
           (unsigned long long)c.answered, (unsigned long long)c.bytes,
           (unsigned long long)c.waited, (unsigned long long)c.short_data,
           (unsigned long long)c.expired, (unsigned long long)c.send_failed,
           (unsigned long long)(c.malformed + c.not_allowed + c.over_rate + c.over_max_rate));
out:
    udpsrv_free(f.udp);
    monitors_free(mons);
    pool_free(f.pool);
    evl_free(loop);
    return rc;
}
