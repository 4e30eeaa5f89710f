/* health: HealthMonitor.  See health.h and spec §4.1.
 *
 * health_check() is upstream's Ent8.Analyse(buf), Ent16.Analyse(buf), then
 * FIPS over the carried partial block and the buffer.  The testers do not
 * share state, so their work can be interleaved freely as long as each sees
 * its own events in order; this engine does it in one pass over the buffer:
 *  - The buffer is cut into segments at the events: the end of a FIPS block,
 *    and the end of an Ent8 or Ent16 short block.  In each segment one loop
 *    feeds every byte into the FIPS pair histogram and every Ent16 sample
 *    (byte pairs from the buffer's start) into its bins and its per-sample
 *    double sums, in the order upstream adds them; Ent8's lag products are a
 *    vector pass over the same bytes.
 *  - Ent8 takes its bins from the FIPS byte histogram of each block (bytes
 *    of a FIPS block are counted when it ends; a short block that ends
 *    inside a FIPS block takes the histogram so far, and the rest later).
 *  - Monte Carlo depends on how each tester splits the buffer (upstream's
 *    recursion at a short block end).  When neither tester's short block ends
 *    inside the buffer both see it whole and it is counted once; otherwise
 *    each tester's pieces are counted before its block ends.
 * The FIPS carry is the tester's own partial block (its histogram already
 * holds those bytes); carrybuf keeps the bytes for the tests that need the
 * whole block. */
#include "health.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ent_int.h"
#include "fips_int.h"
#include "qa_simd.h"

#if defined(QA_SSE2)
#include <emmintrin.h>
#endif

struct health {
    char *id;
    struct fips *fips;
    struct ent *ent8, *ent16;
    bool fips_ok, ent8_ok, ent16_ok;
    uint64_t analysed, passed;
    /* The part of the current FIPS block's byte histogram given to Ent8
     * already (a short block ended inside it). */
    bool att_any;
    uint16_t att[256];
    uint8_t carrybuf[FIPS_BLOCK_SIZE];
    /* The exact gate: the carry's bytes arrived in buffers the monitor
     * passed; the ends (buffer offsets) of the FIPS blocks that failed in
     * the current call, recorded while `recording`. */
    bool carry_ok;
    bool recording, rec_lost;
    size_t *fails, nfails, capfails;
    struct health_verdict call;
};

int health_new_ex(const char *id, bool ent8_ok_initially, uint64_t ent8_short_len,
                  uint64_t ent16_short_len, struct health **out)
{
    int rc = -EINVAL;
    struct health *h = NULL;
    if (!id)
        goto fail;
    rc = -ENOMEM;
    h = calloc(1, sizeof(*h));
    if (!h)
        goto fail;
    h->id = strdup(id);
    if (!h->id)
        goto fail;
    rc = fips_new(&h->fips);
    if (rc < 0)
        goto fail;
    rc = ent_new(8, ent8_short_len, &h->ent8);
    if (rc < 0)
        goto fail;
    rc = ent_new(16, ent16_short_len, &h->ent16);
    if (rc < 0)
        goto fail;
    h->fips_ok = false;
    h->carry_ok = true;
    h->ent8_ok = ent8_ok_initially;
    h->ent16_ok = true;
    *out = h;
    return 0;
fail:
    health_free(h);
    return rc;
}

int health_new(const char *id, bool ent8_ok_initially, struct health **out)
{
    return health_new_ex(id, ent8_ok_initially, 0, 0, out);
}

void health_free(struct health *h)
{
    if (!h)
        return;
    ent_free(h->ent16);
    ent_free(h->ent8);
    fips_free(h->fips);
    free(h->fails);
    free(h->id);
    free(h);
}

/* ---- the one-pass engine ---- */

/* Byte i into FIPS; the Ent16 sample at i if one starts there (pe: samples
 * start at even offsets below pe). */
static void step(struct fips *f, struct ent *e, const uint8_t *p, size_t i, size_t pe)
{
    fips_feed_byte(f, p[i]);
    if (!(i & 1) && i < pe)
        ent16_sample(e, ent16_load(p + i));
}

#if defined(QA_SSE2) && defined(QA_LE)
/* The hot loop: n bytes (a multiple of 8, p at an even offset) into the FIPS
 * pair histogram, and their n / 2 Ent16 samples into the bins and the
 * autocorrelation sums.  Those are upstream's per-sample double additions,
 * c1 += prev * v and c3 += v * v (products exact in double), in the same
 * order; both sums are carried in one vector [c1, c3].  With !check, no bin
 * counter may reach 65536 (ent16_room()). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void fused_loop(struct fips *f, struct ent *e, const uint8_t *p, size_t n,
                              bool check)
{
    const uint16_t *restrict tcs = f->tcs;
    uint16_t *restrict fh = f->h;
    unsigned fprev = f->prev;
    uint16_t *restrict h16 = e->hot16, *restrict wrap = e->wrap;
    size_t nwrap = e->nwrap;
    __m128d acc = _mm_set_pd(e->d3, e->d1);
    __m128d last = _mm_set1_pd((double)e->s_prev); /* high lane: the previous sample */
    const __m128i z = _mm_setzero_si128();
    const uint8_t *end = p + n;
    for (; p < end; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        fprev = fips_pairs8(fh, tcs, fprev, w);
        unsigned v0 = w & 0xffff, v1 = (w >> 16) & 0xffff, v2 = (w >> 32) & 0xffff;
        unsigned v3 = (unsigned)(w >> 48);
        if (check) {
            INC16(h16, wrap, nwrap, v0);
            INC16(h16, wrap, nwrap, v1);
            INC16(h16, wrap, nwrap, v2);
            INC16(h16, wrap, nwrap, v3);
        } else {
            h16[v0]++;
            h16[v1]++;
            h16[v2]++;
            h16[v3]++;
        }
        __m128i u = _mm_unpacklo_epi16(_mm_cvtsi64_si128((long long)w), z);
        __m128d x01 = _mm_cvtepi32_pd(u), x23 = _mm_cvtepi32_pd(_mm_unpackhi_epi64(u, u));
        /* [c1, c3] += [prev, v] * [v, v] for v = v0, v1, v2, v3 */
        acc = _mm_add_pd(acc, _mm_mul_pd(_mm_shuffle_pd(last, x01, 1), _mm_unpacklo_pd(x01, x01)));
        acc = _mm_add_pd(acc, _mm_mul_pd(x01, _mm_unpackhi_pd(x01, x01)));
        acc = _mm_add_pd(acc, _mm_mul_pd(_mm_shuffle_pd(x01, x23, 1), _mm_unpacklo_pd(x23, x23)));
        acc = _mm_add_pd(acc, _mm_mul_pd(x23, _mm_unpackhi_pd(x23, x23)));
        last = x23;
    }
    f->pos += (unsigned)n;
    f->prev = fprev;
    e->nwrap = nwrap;
    e->d1 = _mm_cvtsd_f64(acc);
    e->d3 = _mm_cvtsd_f64(_mm_unpackhi_pd(acc, acc));
    e->s_prev = (unsigned)_mm_cvtsd_f64(_mm_unpackhi_pd(last, last));
    e->s_samples += n / 2;
}

static void fused(struct fips *f, struct ent *e, const uint8_t *p, size_t n)
{
    if (ent16_room(e, n / 2))
        fused_loop(f, e, p, n, false);
    else
        fused_loop(f, e, p, n, true);
}
#endif

/* Bytes [a, b) of the buffer into FIPS and Ent8 (all but its bins), and the
 * Ent16 samples that start there.  No tester's block ends inside. */
static void segment(struct health *hm, const uint8_t *p, size_t a, size_t b, size_t pe)
{
    struct fips *f = hm->fips;
    struct ent *e = hm->ent16;

    ent8_take(hm->ent8, p + a, b - a);
    ent16_to_double(e);

    size_t i = a;
    /* Until i is even (samples and bytes in step), the FIPS block has its
     * first byte and the Ent16 block its first sample. */
    while (i < b && ((i & 1) || f->pos == 0 || (i < pe && e->s_c0 > e->nbins))) {
        step(f, e, p, i, pe);
        i++;
    }
#if defined(QA_SSE2) && defined(QA_LE)
    size_t stop = b < pe ? b : pe;
    if (i + 8 <= stop) {
        size_t n = (stop - i) / 8 * 8;
        fused(f, e, p + i, n);
        i += n;
    }
#endif
    for (; i < b; i++)
        step(f, e, p, i, pe);
}

/* Monte Carlo of the tester's pieces up to buffer offset `to`. */
static void mc_until(struct ent *e, struct ent_split *s, const uint8_t *buf, size_t *off,
                     size_t to)
{
    uint64_t n;
    size_t bytes;
    while (*off < to && ent_split_next(s, &n, &bytes)) {
        ent_mc(e, buf + *off, bytes);
        *off += bytes;
    }
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* A FIPS block ended at buffer offset `end` with result res. */
static void note_block(struct health *h, size_t end, unsigned res)
{
    h->call.fips_blocks++;
    if (!res)
        return;
    h->call.fips_failed++;
    h->call.fips_tests |= res;
    if (!h->recording)
        return;
    if (h->nfails == h->capfails) {
        size_t cap = h->capfails ? 2 * h->capfails : 16;
        size_t *n = cap <= SIZE_MAX / sizeof(*n) ? realloc(h->fails, cap * sizeof(*n)) : NULL;
        if (!n) { /* cannot tell which failed: the gate passes nothing */
            h->rec_lost = true;
            return;
        }
        h->fails = n;
        h->capfails = cap;
    }
    h->fails[h->nfails++] = end;
}

/* Every tester over buf; the bytes of an unfinished FIPS block are not
 * saved yet (keep_tail()), so that the gate can still emit the previous
 * carry from carrybuf. */
static void analyse(struct health *h, const uint8_t *buf, size_t len)
{
    struct fips *f = h->fips;
    struct ent *e8 = h->ent8, *e16 = h->ent16;
    const size_t pe = len & ~(size_t)1;

    /* Monte Carlo: once for both when neither splits the buffer. */
    struct ent_split s8, s16;
    size_t mc8 = 0, mc16 = 0;
    bool shared = e8->s_samples + len <= e8->short_len &&
                  e16->s_samples + len / 2 <= e16->short_len;
    if (shared) {
        ent_mc2(e8, e16, buf, len);
    } else {
        ent_split_init(&s8, e8, len);
        ent_split_init(&s16, e16, len);
    }

    /* Buffer offsets of the next events. */
    const size_t carried = f->pos;
    uint64_t fips_end = FIPS_BLOCK_SIZE - carried;
    uint64_t e8_end = e8->short_len - e8->s_samples;
    uint64_t e16_end = 2 * (e16->short_len - e16->s_samples);

    size_t a = 0;
    while (a < len) {
        size_t b = (size_t)min64(len, min64(fips_end, min64(e8_end, e16_end)));
        segment(h, buf, a, b, pe);
        a = b;
        if (b == fips_end) {
            const uint8_t *blk = buf + b - FIPS_BLOCK_SIZE;
            if (b < FIPS_BLOCK_SIZE) { /* the block began in an earlier call */
                memcpy(h->carrybuf + carried, buf, b);
                blk = h->carrybuf;
            }
            unsigned res = fips_finish(f, blk);
            fips_account(f, res);
            note_block(h, b, res);
            h->fips_ok = fips_is_ok(f, h->fips_ok);
            ent8_add_hist(e8, f->hs, h->att_any ? h->att : NULL);
            h->att_any = false;
            fips_end += FIPS_BLOCK_SIZE;
        }
        if (b == e8_end) {
            if (!shared)
                mc_until(e8, &s8, buf, &mc8, b);
            if (f->pos) { /* the block ends inside a FIPS block */
                uint16_t part[256];
                fips_partial_hist(f, part);
                ent8_add_hist(e8, part, h->att_any ? h->att : NULL);
                memcpy(h->att, part, sizeof(part));
                h->att_any = true;
            }
            ent_flush(e8);
            e8_end += e8->short_len;
        }
        if (b == e16_end) {
            if (!shared)
                mc_until(e16, &s16, buf, &mc16, b);
            ent_flush(e16);
            e16_end += 2 * e16->short_len;
        }
    }
    if (!shared) {
        mc_until(e8, &s8, buf, &mc8, SIZE_MAX);
        mc_until(e16, &s16, buf, &mc16, SIZE_MAX);
    }

    if (ent_have_results(e8))
        h->ent8_ok = ent_is_ok(e8, h->ent8_ok);
    if (ent_have_results(e16))
        h->ent16_ok = ent_is_ok(e16, h->ent16_ok);
    h->analysed += len;
    h->call.ok = h->ent8_ok && h->ent16_ok && h->fips_ok;
}

/* Keeps the bytes of an unfinished FIPS block: carried bytes were there
 * before the call (still in carrybuf). */
static void keep_tail(struct health *h, const uint8_t *buf, size_t len, size_t carried)
{
    size_t pos = h->fips->pos;
    if (!pos)
        return;
    if (carried + len < FIPS_BLOCK_SIZE) /* the same block as at the start */
        memcpy(h->carrybuf + carried, buf, len);
    else
        memcpy(h->carrybuf, buf + len - pos, pos);
}

static void begin(struct health *h, bool recording)
{
    h->call = (struct health_verdict){ 0 };
    h->recording = recording;
    h->rec_lost = false;
    h->nfails = 0;
}

bool health_check(struct health *h, const uint8_t *buf, size_t len)
{
    size_t carried = h->fips->pos;
    begin(h, false);
    analyse(h, buf, len);
    keep_tail(h, buf, len, carried);
    if (h->call.ok)
        h->passed += len;
    return h->call.ok;
}

/* ---- the exact gate ---- */

struct emitter {
    health_emit_fn fn;
    void *ud;
};

static void out(struct health *h, const struct emitter *e, const uint8_t *p, size_t n)
{
    if (!n)
        return;
    e->fn(e->ud, p, n);
    h->call.passed += n;
}

/* Emits what the call decided: the carried block (ending at `end`)
 * and every whole block after it; see health.h for the rule. */
static void gate_exact(struct health *h, const uint8_t *buf, size_t len, size_t carried,
                       const struct emitter *e)
{
    const bool ok = h->call.ok && !h->rec_lost;
    size_t fi = 0, a = 0, end = FIPS_BLOCK_SIZE - carried;

    if (end > len) { /* no block ended: all of buf joins the carry */
        h->carry_ok = (carried ? h->carry_ok : true) && ok;
        return;
    }
    if (carried) {
        bool failed = fi < h->nfails && h->fails[fi] == end;
        fi += failed;
        if (ok && h->carry_ok && !failed)
            out(h, e, h->carrybuf, FIPS_BLOCK_SIZE);
        else
            h->call.dropped += FIPS_BLOCK_SIZE;
        a = end;
    }
    size_t run = a; /* start of the current run of passing blocks */
    for (; a + FIPS_BLOCK_SIZE <= len; a += FIPS_BLOCK_SIZE) {
        bool failed = fi < h->nfails && h->fails[fi] == a + FIPS_BLOCK_SIZE;
        fi += failed;
        if (ok && !failed)
            continue;
        out(h, e, buf + run, a - run);
        h->call.dropped += FIPS_BLOCK_SIZE;
        run = a + FIPS_BLOCK_SIZE;
    }
    out(h, e, buf + run, a - run);
    h->carry_ok = ok; /* the new carry, buf[a, len), arrived now */
}

bool health_gate(struct health *h, enum health_gate_mode mode, const uint8_t *buf, size_t len,
                 health_emit_fn emit, void *ud, struct health_verdict *v)
{
    struct health_verdict dummy;
    const struct emitter e = { emit, ud };
    size_t carried = h->fips->pos;

    begin(h, mode == HEALTH_GATE_EXACT);
    analyse(h, buf, len);
    if (mode == HEALTH_GATE_EXACT) {
        gate_exact(h, buf, len, carried, &e);
    } else if (h->call.ok) {
        out(h, &e, buf, len);
    } else {
        h->call.dropped = len;
    }
    keep_tail(h, buf, len, carried);
    h->passed += h->call.passed;
    *(v ? v : &dummy) = h->call;
    return h->call.ok;
}

const char *health_id(const struct health *h)
{
    return h->id;
}

uint64_t health_bytes_analysed(const struct health *h)
{
    return h->analysed;
}

uint64_t health_bytes_passed(const struct health *h)
{
    return h->passed;
}

bool health_fips_ok(const struct health *h)
{
    return h->fips_ok;
}

bool health_ent8_ok(const struct health *h)
{
    return h->ent8_ok;
}

bool health_ent16_ok(const struct health *h)
{
    return h->ent16_ok;
}

size_t health_fips_carry(const struct health *h)
{
    return h->fips->pos;
}

const struct fips *health_fips(const struct health *h)
{
    return h->fips;
}

const struct ent *health_ent8(const struct health *h)
{
    return h->ent8;
}

const struct ent *health_ent16(const struct health *h)
{
    return h->ent16;
}

const struct bitruns *health_bitruns(const struct health *h)
{
    return fips_bitruns(h->fips);
}
