/* qa_bench: throughput of the full QA of one stream (health_check: FIPS
 * 140-2 + repetition + adaptive proportion + Ent8 + Ent16 + BitRuns), of each
 * tester alone, and of the plain reference implementation (tests/unit/qa_ref)
 * on the same data.
 *
 * usage: qa_bench [-m MiB] [-r MiB] [-b BUFSIZE] [-n REPS] [FILE]
 *   FILE  data to test (read whole, then repeated); default: 64 MiB of
 *         pseudo-random bytes
 *   -m    MiB of data per run of the optimised code (default 512)
 *   -r    MiB for the reference implementation (default 64; 0 skips it)
 *   -b    bytes per health_check() call (default 65536, as a device source)
 *   -n    runs of each measurement, the best is reported (default 3): the
 *         machine may be busy with other work
 * Output: one "BENCH <name> <value> <unit>" line per measurement, in MB/s
 * (10^6 bytes per second).  Each run starts with fresh testers, so every
 * run of >= 200 MB includes an Ent16 block result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ent.h"
#include "fips.h"
#include "health.h"
#include "qa_ref.h"

struct data {
    uint8_t *buf;
    size_t len;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int load(const char *path, struct data *d)
{
    if (!path) {
        uint64_t seed = 0x5EED;
        d->len = 64u << 20;
        d->buf = malloc(d->len);
        if (!d->buf)
            return -ENOMEM;
        ref_random(&seed, d->buf, d->len);
        return 0;
    }
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    size_t cap = 1u << 20;
    d->buf = malloc(cap);
    d->len = 0;
    for (;;) {
        if (!d->buf) {
            fclose(f);
            return -ENOMEM;
        }
        size_t n = fread(d->buf + d->len, 1, cap - d->len, f);
        d->len += n;
        if (n == 0)
            break;
        if (d->len == cap) {
            cap *= 2;
            uint8_t *nb = realloc(d->buf, cap);
            if (!nb)
                free(d->buf);
            d->buf = nb;
        }
    }
    fclose(f);
    if (d->len < 65536) {
        fprintf(stderr, "qa_bench: %s: need at least 64 KiB\n", path);
        return -EINVAL;
    }
    return 0;
}

enum what { FULL, REF, FIPS_ONLY, ENT8_ONLY, ENT16_ONLY };

/* Push `total` bytes through one consumer in `bs`-byte calls. */
static double run(enum what w, const struct data *d, uint64_t total, size_t bs, uint64_t *passed)
{
    struct health *h = NULL;
    struct ref_health *rh = NULL;
    struct fips *fp = NULL;
    struct ent *e = NULL;
    int rc = 0;
    switch (w) {
    case FULL: rc = health_new("bench", true, &h); break;
    case REF:
        rh = malloc(sizeof(*rh));
        rc = rh && ref_health_init(rh, true, 0, 0) == 0 ? 0 : -ENOMEM;
        break;
    case FIPS_ONLY: rc = fips_new(&fp); bs = FIPS_BLOCK_SIZE; break;
    case ENT8_ONLY: rc = ent_new(8, 0, &e); break;
    case ENT16_ONLY: rc = ent_new(16, 0, &e); break;
    }
    if (rc < 0) {
        fprintf(stderr, "qa_bench: setup failed\n");
        exit(1);
    }
    uint64_t done = 0, pass = 0;
    size_t off = 0;
    double t0 = now();
    while (done < total) {
        if (off + bs > d->len)
            off = 0;
        const uint8_t *p = d->buf + off;
        switch (w) {
        case FULL: pass += health_check(h, p, bs) ? bs : 0; break;
        case REF: pass += ref_health_check(rh, p, bs) ? bs : 0; break;
        case FIPS_ONLY: pass += fips_analyse(fp, p) ? bs : 0; break;
        case ENT8_ONLY:
        case ENT16_ONLY: ent_analyse(e, p, bs); break;
        }
        off += bs;
        done += bs;
    }
    double t = now() - t0;
    health_free(h);
    if (rh) {
        ref_health_destroy(rh);
        free(rh);
    }
    fips_free(fp);
    ent_free(e);
    if (passed)
        *passed = pass;
    return (double)done / 1e6 / t;
}

int main(int argc, char **argv)
{
    uint64_t mb = 512, ref_mb = 64;
    size_t bs = 65536;
    int reps = 3;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc)
            mb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            ref_mb = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-b") && i + 1 < argc)
            bs = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "-n") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else {
            fprintf(stderr, "usage: qa_bench [-m MiB] [-r MiB] [-b BUFSIZE] [-n REPS] [FILE]\n");
            return 2;
        }
    }
    struct data d = { NULL, 0 };
    int rc = load(path, &d);
    if (rc < 0) {
        fprintf(stderr, "qa_bench: %s: %s\n", path ? path : "(random)", strerror(-rc));
        return 1;
    }
    if (bs == 0 || bs > d.len) {
        fprintf(stderr, "qa_bench: bad buffer size\n");
        return 2;
    }
    if (reps < 1)
        reps = 1;
    uint64_t total = mb << 20;
    static const struct {
        enum what w;
        const char *name;
    } m[] = {
        { FULL, "qa_full" }, { FIPS_ONLY, "qa_fips" }, { ENT8_ONLY, "qa_ent8" },
        { ENT16_ONLY, "qa_ent16" }, { REF, "qa_ref" },
    };
    double full = 0;
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
        uint64_t n = m[i].w == REF ? ref_mb << 20 : total;
        if (!n)
            continue;
        double best = 0;
        for (int r = 0; r < (m[i].w == REF ? 1 : reps); r++) {
            double v = run(m[i].w, &d, n, bs, NULL);
            if (v > best)
                best = v;
        }
        printf("BENCH %s %.1f MB/s\n", m[i].name, best);
        fflush(stdout);
        if (m[i].w == FULL)
            full = best;
        if (m[i].w == REF)
            printf("BENCH qa_speedup %.1f x\n", full / best);
    }
    free(d.buf);
    return 0;
}
