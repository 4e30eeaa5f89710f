/* ent: ENT-style statistics.  See ent.h and spec §4.3. */
#include "ent_int.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"

#include "qa_simd.h"

#define EXACT_LIMIT 9007199254740992.0 /* 2^53 */

static const struct ent_limits limits8 = {
    .long_minsamples = 250000000,
    .long_entropy = 7.999999,
    .short_entropy = 7.999,
    .long_chisq_min = 161.643,
    .long_chisq_max = 377.053,
    .short_chisq_min = 147.374,
    .short_chisq_max = 400.965,
    .long_mean_min = 127.5 - 0.019,
    .long_mean_max = 127.5 + 0.019,
    .short_mean_min = 127.5 - 0.58,
    .short_mean_max = 127.5 + 0.58,
    .long_pi = 0.0003 * M_PI,
    .short_pi = 0.0097 * M_PI,
    .long_corr = 0.00025,
    .short_corr = 0.0078,
    .long_minentropy = 7.99,
    .short_minentropy = 7.73,
    .recovery_blocks = 10,
};

static const struct ent_limits limits16 = {
    .long_minsamples = 800000000,
    .long_entropy = 15.9999,
    .short_entropy = 15.9995,
    .long_chisq_min = 63823.624,
    .long_chisq_max = 67265.364,
    .short_chisq_min = 321.0,
    .short_chisq_max = 67459.181,
    .long_mean_min = 32767.5 - 1.87,
    .long_mean_max = 32767.5 + 1.87,
    .short_mean_min = 32767.5 - 7.69,
    .short_mean_max = 32767.5 + 7.69,
    .long_pi = 0.000088 * M_PI,
    .short_pi = 0.000395 * M_PI,
    .long_corr = 0.00011,
    .short_corr = 0.00044,
    .long_minentropy = 15.893,
    .short_minentropy = 15.708,
    .recovery_blocks = 3,
};

static void result_init(struct ent_result r[3], double ideal_mean)
{
    memset(&r[ENT_CURRENT], 0, sizeof(r[0]));
    r[ENT_MIN] = (struct ent_result){ DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX };
    r[ENT_MAX] = (struct ent_result){ -DBL_MAX, -DBL_MAX, ideal_mean, M_PI, 0.0, -DBL_MAX };
}

static double ideal_mean(const struct ent *e)
{
    return (double)(1u << (e->bits - 1)) - 0.5;
}

static void short_init(struct ent *e)
{
    e->s_samples = e->s_inradius = e->s_pisamples = 0;
    e->s_c0 = (unsigned)e->nbins + 1;
    e->s_prev = 0;
    e->s_c1 = 0;
    e->dmode = false;
    e->d1 = e->d3 = 0.0;
}

static void short_reset(struct ent *e)
{
    if (e->bits == 8)
        memset(e->hot, 0, 4 * 256 * sizeof(e->hot[0]));
    else
        memset(e->hot16, 0, e->nbins * sizeof(e->hot16[0]));
    e->nwrap = 0;
    e->scan_max = 0;
    e->scan_samples = 0;
    short_init(e);
}

static void data_init(struct ent *e, struct ent_data *d)
{
    d->samples = d->inradius = d->pisamples = 0;
    d->corr0 = (unsigned)e->nbins + 1;
    d->corrn = 0;
    d->corr1 = d->corr2 = d->corr3 = 0.0;
}

static void data_reset(struct ent *e, struct ent_data *d)
{
    memset(d->bin, 0, e->nbins * sizeof(d->bin[0]));
    data_init(e, d);
}

int ent_new(unsigned bits, uint64_t short_len, struct ent **out)
{
    if ((bits != 8 && bits != 16) || short_len > UINT32_MAX)
        return -EINVAL;
    struct ent *e = calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->bits = bits;
    e->avx2 = qa_use_avx2();
    e->ss = bits / 8;
    e->nbins = (size_t)1 << bits;
    e->short_len = short_len ? short_len : bits == 8 ? ENT8_SHORT_LEN : ENT16_SHORT_LEN;
    e->lim = bits == 8 ? &limits8 : &limits16;
    e->norm_limit = SIZE_MAX / 2;
    e->bin_limit = UINT32_MAX;
    ent_mc_tables(e);
    double maxsq = (double)(e->nbins - 1) * (double)(e->nbins - 1);
    e->int_limit = (uint64_t)floor(EXACT_LIMIT / maxsq);
    /* Left as calloc() made them: pages untouched until used (the long-term
     * and previous-block bins at the first flush, Ent16's copy of the
     * previous block's bins only if ent_bins() asks for it). */
    size_t nwrap = (size_t)(e->short_len >> 16) + 1;
    if (bits == 8) {
        e->hot = calloc(4 * 256, sizeof(e->hot[0]));
    } else {
        e->hot16 = calloc(e->nbins, sizeof(e->hot16[0]));
        e->wrap = calloc(nwrap, sizeof(e->wrap[0]));
        e->prev.bin16 = calloc(e->nbins, sizeof(e->prev.bin16[0]));
        e->prev.wrap = calloc(nwrap, sizeof(e->prev.wrap[0]));
    }
    e->prev.bin = calloc(e->nbins, sizeof(e->prev.bin[0]));
    e->prev.bin_ok = true;
    e->lng.bin = calloc(e->nbins, sizeof(e->lng.bin[0]));
    e->lng.bin_ok = true;
    if ((bits == 8 ? !e->hot : !e->hot16 || !e->wrap || !e->prev.bin16 || !e->prev.wrap) ||
        !e->prev.bin || !e->lng.bin)
        goto fail;
    short_init(e);
    data_init(e, &e->prev);
    data_init(e, &e->lng);
    result_init(e->s_result, ideal_mean(e));
    result_init(e->prev.result, ideal_mean(e));
    result_init(e->lng.result, ideal_mean(e));
    e->ok_wait = 1;
    *out = e;
    return 0;
fail:
    ent_free(e);
    return -ENOMEM;
}

void ent_free(struct ent *e)
{
    if (!e)
        return;
    free(e->hot);
    free(e->hot16);
    free(e->wrap);
    free(e->prev.bin);
    free(e->prev.bin16);
    free(e->prev.wrap);
    free(e->lng.bin);
    free(e);
}

/* ---- results ---- */

static void add_result(const struct ent *e, struct ent_result r[3], const struct ent_result *c)
{
    const double mean = ideal_mean(e);
    r[ENT_CURRENT] = *c;
    struct ent_result *mn = &r[ENT_MIN], *mx = &r[ENT_MAX];
    if (mn->entropy > c->entropy)
        mn->entropy = c->entropy;
    if (mn->chisq > c->chisq)
        mn->chisq = c->chisq;
    if (fabs(mn->mean - mean) > fabs(c->mean - mean))
        mn->mean = c->mean;
    if (fabs(mn->pi - M_PI) > fabs(c->pi - M_PI))
        mn->pi = c->pi;
    if (fabs(mn->corr) > fabs(c->corr))
        mn->corr = c->corr;
    if (mn->minentropy > c->minentropy)
        mn->minentropy = c->minentropy;
    if (mx->entropy < c->entropy)
        mx->entropy = c->entropy;
    if (mx->chisq < c->chisq)
        mx->chisq = c->chisq;
    if (fabs(mx->mean - mean) < fabs(c->mean - mean))
        mx->mean = c->mean;
    if (fabs(mx->pi - M_PI) < fabs(c->pi - M_PI))
        mx->pi = c->pi;
    if (fabs(mx->corr) < fabs(c->corr))
        mx->corr = c->corr;
    if (mx->minentropy < c->minentropy)
        mx->minentropy = c->minentropy;
}

/* Bins given as 32-bit counts, or as 16-bit counts plus 65536 for every
 * entry of a sorted wrap list (Ent16 short blocks).  bins_next() returns the
 * bins in order. */
struct bins {
    const uint32_t *b32;
    const uint16_t *b16, *wrap;
    size_t nwrap, k;
};

static uint64_t bins_next(struct bins *b, size_t v)
{
    if (b->b32)
        return b->b32[v];
    uint64_t x = b->b16[v];
    while (b->k < b->nwrap && b->wrap[b->k] == v) {
        x += 65536;
        b->k++;
    }
    return x;
}

static void compute_result(const struct ent *e, const struct ent_data *d, struct bins bins,
                           struct ent_result r[3])
{
    double dsamples = (double)d->samples;
    double expected = dsamples / (double)e->nbins;
    double entropy = 0.0, chisq = 0.0, sum = 0.0, pmax = 0.0;
    uint64_t cmax = 0;

    for (size_t i = 0; i < e->nbins; i++) {
        uint64_t bin = bins_next(&bins, i);
        double error = (double)bin - expected;
        double p = (double)bin / dsamples;
        if (bin > cmax) {
            cmax = bin;
            pmax = p;
        }
        if (p > 0.0)
            entropy -= p * log2(p);
        chisq += (error * error) / expected;
        sum += (double)(bin * i);
    }
    double c1 = d->corr1 + (double)(d->corrn * d->corr0); /* wrap-around pair */
    double c2 = d->corr2 * d->corr2;
    double ac = (dsamples * c1 - c2) / (dsamples * d->corr3 - c2);

    struct ent_result c = {
        .entropy = entropy,
        .chisq = chisq,
        .mean = sum / dsamples,
        .pi = 4.0 * (double)d->inradius / (double)d->pisamples,
        .corr = isfinite(ac) ? ac : 1.0,
        .minentropy = -log2(((double)cmax + 2.3 * sqrt(dsamples * pmax * (1.0 - pmax))) / dsamples),
    };
    add_result(e, r, &c);
}

/* Upstream's rescaling of the long-term bins to half the sample count. */
static void normalise_bins(struct ent *e)
{
    struct ent_data *d = &e->lng;
    double old_samples = (double)d->samples;
    double old_expected = old_samples / (double)e->nbins;
    double new_expected = old_expected / 2.0;
    d->samples = 0;
    for (size_t i = 0; i < e->nbins; i++) {
        double error = (double)d->bin[i] - old_expected;
        double chisq = (error * error) / old_expected;
        double fudge = sqrt(new_expected * chisq);
        d->bin[i] = (uint32_t)lrint(error < 0 ? new_expected - fudge : new_expected + fudge);
        d->samples += d->bin[i];
    }
    double scale = (double)d->samples / old_samples;
    d->corr1 *= scale;
    d->corr2 *= scale;
    d->corr3 *= scale;
}

static void normalise_long(struct ent *e)
{
    struct ent_data *d = &e->lng;
    if (d->samples > e->norm_limit)
        normalise_bins(e);
    if (d->pisamples > e->norm_limit) {
        d->inradius >>= 1;
        d->pisamples >>= 1;
    }
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

void ent_flush(struct ent *e)
{
    if (!e->s_samples)
        return;

    struct ent_data *s = &e->prev, *l = &e->lng;
    const bool b16 = e->bits == 16;
    uint64_t c2 = 0, c3 = 0;
    bool over = false;
    /* The short block's bins: Ent8's into s->bin; Ent16's stay where they
     * are (hot16 and the wrap list, sorted), and become the previous block's
     * below, so they are walked in place. */
    struct bins sb = { .b32 = s->bin };
    if (b16) {
        qsort(e->wrap, e->nwrap, sizeof(e->wrap[0]), cmp_u16);
        sb = (struct bins){ .b16 = e->hot16, .wrap = e->wrap, .nwrap = e->nwrap };
    } else {
        for (size_t v = 0; v < e->nbins; v++)
            s->bin[v] = (uint32_t)ent_hot_bin(e, v);
    }
    struct bins it = sb;
    for (size_t v = 0; v < e->nbins; v++) {
        uint64_t b = bins_next(&it, v);
        c2 += b * v;
        if (!e->dmode)
            c3 += b * v * v;
        over |= (uint64_t)l->bin[v] + b > e->bin_limit;
    }
    /* Long-term bins are 32-bit: where upstream's 64-bit bin would pass
     * UINT32_MAX (>= 2^32 samples in one bin, long before its SIZE_MAX / 2
     * sample limit), its normalisation runs now, before the block is added.
     * Results differ from upstream only from that point on.  If rescaling
     * cannot make room (a block of > 2^31 samples in one bin), the bin
     * saturates. */
    for (int k = 0; over && k < 64; k++) {
        normalise_bins(e);
        over = false;
        it = sb;
        for (size_t v = 0; v < e->nbins; v++)
            over |= (uint64_t)l->bin[v] + bins_next(&it, v) > e->bin_limit;
    }
    it = sb;
    for (size_t v = 0; v < e->nbins; v++) {
        uint64_t sum = (uint64_t)l->bin[v] + bins_next(&it, v);
        l->bin[v] = (uint32_t)(sum > e->bin_limit ? e->bin_limit : sum);
    }
    s->samples = e->s_samples;
    s->inradius = e->s_inradius;
    s->pisamples = e->s_pisamples;
    s->corr0 = e->s_c0;
    s->corrn = e->s_prev;
    s->corr1 = e->dmode ? e->d1 : (double)e->s_c1;
    s->corr2 = (double)c2;
    s->corr3 = e->dmode ? e->d3 : (double)c3;

    uint64_t long_before = l->samples;
    if (l->corr0 > e->nbins)
        l->corr0 = s->corr0;
    l->corrn = s->corrn;
    l->corr1 += s->corr1;
    l->corr2 += s->corr2;
    l->corr3 += s->corr3;
    l->inradius += s->inradius;
    l->pisamples += s->pisamples;
    l->samples += s->samples;

    compute_result(e, s, sb, e->s_result);
    compute_result(e, l, (struct bins){ .b32 = l->bin }, l->result);
    normalise_long(e);
    memcpy(s->result, e->s_result, sizeof(s->result));
    s->fail = e->s_fail;
    if (b16) { /* this block's bins become the previous block's */
        uint16_t *t = s->bin16;
        s->bin16 = e->hot16;
        e->hot16 = t;
        t = s->wrap;
        s->wrap = e->wrap;
        e->wrap = t;
        s->nwrap = e->nwrap;
        s->bin_ok = false;
    }
    short_reset(e);

    e->have_results = true;
    e->unchecked = true;
    if (long_before <= e->lim->long_minsamples && l->samples > e->lim->long_minsamples)
        l->result[ENT_MIN] = l->result[ENT_MAX] = l->result[ENT_CURRENT];
}

/* One piece of upstream's split: Monte Carlo on its bytes, then its samples;
 * the short block is finished when it is full. */
static void piece(struct ent *e, const uint8_t *p, size_t bytes, uint64_t nsamples)
{
    ent_mc(e, p, bytes);
    ent_accumulate(e, p, nsamples);
    if (e->s_samples == e->short_len)
        ent_flush(e);
}

/* Upstream: A(n) = A(excess); A(n - excess) when n samples overrun the block,
 * excess = n - room.  Unrolled: A(v) with v > room is `k` times A(room) (as a
 * stack entry) preceded by the leaf A(v - k * room), v - k * room in
 * 1..room.  The stack depth is bounded like Euclid's algorithm (< 100 for
 * 64-bit counts). */
void ent_split_init(struct ent_split *s, const struct ent *e, size_t len)
{
    uint64_t n = len / e->ss;
    s->ss = e->ss;
    s->odd = len - (size_t)n * e->ss;
    s->short_len = e->short_len;
    s->sim = e->s_samples;
    s->plain = 0;
    s->st[0].v = n;
    s->st[0].c = 1;
    s->top = 1;
}

bool ent_split_next(struct ent_split *s, uint64_t *samples, size_t *bytes)
{
    uint64_t room = s->short_len - s->sim, leaf;
    if (s->plain) {
        leaf = s->plain < room ? s->plain : room;
        s->plain -= leaf;
    } else {
        if (!s->top)
            return false;
        uint64_t v = s->st[s->top - 1].v;
        if (--s->st[s->top - 1].c == 0)
            s->top--;
        leaf = v;
        if (v > room) {
            uint64_t k = (v - 1) / room;
            leaf = v - k * room;
            if (s->top && s->st[s->top - 1].v == room) {
                s->st[s->top - 1].c += k;
            } else if (s->top < ENT_SPLIT_STACK) {
                s->st[s->top].v = room;
                s->st[s->top++].c = k;
            } else {
                leaf = room; /* unreachable: split at the block ends instead */
                s->plain = v - room;
            }
        }
    }
    s->sim += leaf;
    if (s->sim == s->short_len)
        s->sim = 0;
    *samples = leaf;
    *bytes = (size_t)leaf * s->ss + (s->top || s->plain ? 0 : s->odd);
    return true;
}

void ent_analyse(struct ent *e, const uint8_t *buf, size_t len)
{
    struct ent_split s;
    uint64_t n;
    size_t bytes;
    ent_split_init(&s, e, len);
    while (ent_split_next(&s, &n, &bytes)) {
        piece(e, buf, bytes, n);
        buf += bytes;
    }
}

void ent_clear(struct ent *e)
{
    short_reset(e);
    data_reset(e, &e->lng);
}

/* ---- IsOk ---- */

/* A long-term check: fails only past long_minsamples; tracks convergence. */
static bool long_check(struct ent *e, bool bad, size_t *failed, uint64_t *conv)
{
    if (bad) {
        if (e->lng.samples > e->lim->long_minsamples) {
            (*failed)++;
            *conv = 0;
            return false;
        }
    } else if (!*conv) {
        *conv = e->lng.samples;
    }
    return true;
}

bool ent_is_ok(struct ent *e, bool was_ok)
{
    if (!e->have_results)
        return false;
    if (!e->unchecked)
        return e->ok_wait == 1;
    e->unchecked = false;

    const struct ent_limits *lim = e->lim;
    const struct ent_result *sr = &e->s_result[ENT_CURRENT];
    const struct ent_result *lr = &e->lng.result[ENT_CURRENT];
    struct ent_fail *sf = &e->s_fail, *lf = &e->lng.fail;
    bool passed = true;

    sf->tested++;
    lf->tested++;

    if (sr->entropy < lim->short_entropy) {
        sf->entropy++;
        passed = false;
    }
    passed &= long_check(e, lr->entropy < lim->long_entropy, &lf->entropy, &e->conv_entropy);

    if (sr->minentropy < lim->short_minentropy) {
        sf->minentropy++;
        passed = false;
    }
    passed &= long_check(e, lr->minentropy < lim->long_minentropy, &lf->minentropy,
                         &e->conv_minentropy);

    if (sr->chisq < lim->short_chisq_min || sr->chisq > lim->short_chisq_max) {
        sf->chisq++;
        passed = false;
    }
    if (lr->chisq < lim->long_chisq_min || lr->chisq > lim->long_chisq_max) {
        lf->chisq++; /* always checked, no min-samples gate */
        passed = false;
    }

    if (sr->mean < lim->short_mean_min || sr->mean > lim->short_mean_max) {
        sf->mean++;
        passed = false;
    }
    passed &= long_check(e, lr->mean < lim->long_mean_min || lr->mean > lim->long_mean_max,
                         &lf->mean, &e->conv_mean);

    if (sr->pi < M_PI - lim->short_pi || sr->pi > M_PI + lim->short_pi) {
        sf->pi++;
        passed = false;
    }
    passed &= long_check(e, lr->pi < M_PI - lim->long_pi || lr->pi > M_PI + lim->long_pi,
                         &lf->pi, &e->conv_pi);

    if (sr->corr < -lim->short_corr || sr->corr > lim->short_corr) {
        sf->corr++;
        passed = false;
    }
    passed &= long_check(e, lr->corr < -lim->long_corr || lr->corr > lim->long_corr,
                         &lf->corr, &e->conv_corr);

    if (passed) {
        if (!was_ok && e->ok_wait != 1 &&
            e->lng.samples - e->ok_wait < lim->recovery_blocks * e->short_len)
            passed = false;
        else
            e->ok_wait = 1;
    } else {
        e->ok_wait = e->lng.samples;
    }
    e->prev.fail = e->s_fail;
    return passed;
}

/* ---- accessors ---- */

bool ent_have_results(const struct ent *e)
{
    return e->have_results;
}

unsigned ent_bits(const struct ent *e)
{
    return e->bits;
}

size_t ent_nbins(const struct ent *e)
{
    return e->nbins;
}

uint64_t ent_short_len(const struct ent *e)
{
    return e->short_len;
}

const struct ent_limits *ent_get_limits(const struct ent *e)
{
    return e->lim;
}

uint64_t ent_pending_samples(const struct ent *e)
{
    return e->s_samples;
}

static const struct ent_data *data(const struct ent *e, enum ent_term t)
{
    return t == ENT_LONG ? &e->lng : &e->prev;
}

uint64_t ent_samples(const struct ent *e, enum ent_term t)
{
    return data(e, t)->samples;
}

const uint32_t *ent_bins(const struct ent *e, enum ent_term t)
{
    const struct ent_data *d = data(e, t);
    if (!d->bin_ok) { /* Ent16's previous block: fill the copy now */
        struct ent_data *m = (struct ent_data *)d; /* a cache: e is not const */
        struct bins b = { .b16 = d->bin16, .wrap = d->wrap, .nwrap = d->nwrap };
        for (size_t v = 0; v < e->nbins; v++)
            m->bin[v] = (uint32_t)bins_next(&b, v);
        m->bin_ok = true;
    }
    return d->bin;
}

uint64_t ent_pisamples(const struct ent *e, enum ent_term t)
{
    return data(e, t)->pisamples;
}

uint64_t ent_piin(const struct ent *e, enum ent_term t)
{
    return data(e, t)->inradius;
}

const struct ent_result *ent_result(const struct ent *e, enum ent_term t, enum ent_set s)
{
    return &data(e, t)->result[s];
}

const struct ent_fail *ent_fail(const struct ent *e, enum ent_term t)
{
    return &data(e, t)->fail;
}

double ent_chisq_p(const struct ent *e, const struct ent_result *r)
{
    return chisq_pochisq(r->chisq, (int)e->nbins - 1);
}

double ent_pi_error(const struct ent_result *r)
{
    double pe = 100.0 * (r->pi - M_PI) / M_PI;
    if (isfinite(pe))
        return pe;
    return pe < 0.0 ? -DBL_MAX : DBL_MAX;
}

void ent_set_normalise_limit(struct ent *e, uint64_t limit)
{
    e->norm_limit = limit;
}

void ent_set_bin_limit(struct ent *e, uint32_t limit)
{
    e->bin_limit = limit;
}
