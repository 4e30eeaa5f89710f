/* qa_ref: plain reference QA implementation.  See qa_ref.h.  Written
 * directly from the spec (§4.1-§4.6), favouring obviousness over speed. */
#include "qa_ref.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chisq.h"

void ref_random(uint64_t *state, uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(buf + i, &z, n);
        i += n;
    }
}

/* ---------------- BitRuns ---------------- */

void ref_bitruns_init(struct ref_bitruns *b)
{
    memset(b, 0, sizeof(*b));
    b->runbit = 2;
}

static void ref_bitruns_record(struct ref_bitruns *b)
{
    if (b->maxrun < b->runlength)
        b->maxrun = b->runlength;
    size_t n = b->runlength < 64 ? b->runlength - 1 : 63;
    b->runlengths[b->runbit][n]++;
}

void ref_bitruns_add(struct ref_bitruns *b, unsigned bit, uint64_t len)
{
    b->total[bit] += len;
    if (b->runbit != 2) {
        if (bit == b->runbit) {
            b->runlength += len;
            return;
        }
        ref_bitruns_record(b);
    }
    b->runlength = len;
    b->runbit = bit;
}

void ref_bitruns_add_bytes(struct ref_bitruns *b, const uint8_t *buf, size_t len)
{
    unsigned run_bit = 2;
    uint64_t run_len = 0;
    for (size_t i = 0; i < len; i++) {
        for (int k = 7; k >= 0; k--) {
            unsigned bit = (buf[i] >> k) & 1;
            if (bit == run_bit) {
                run_len++;
                continue;
            }
            if (run_bit != 2)
                ref_bitruns_add(b, run_bit, run_len);
            run_bit = bit;
            run_len = 1;
        }
    }
    if (run_bit != 2)
        ref_bitruns_add(b, run_bit, run_len);
}

void ref_bitruns_flush(struct ref_bitruns *b)
{
    if (b->runbit != 2)
        ref_bitruns_record(b);
    b->runlength = 0;
    b->runbit = 2;
}

double ref_bitruns_chisq(const struct ref_bitruns *b, double *p, unsigned *k, double expected[64])
{
    double nbits = (double)(b->total[0] + b->total[1]);
    double div = 8.0, chisq = 0.0;
    unsigned kk = 0;
    size_t e = b->maxrun < 64 ? b->maxrun : 64;
    for (size_t i = 0; i < e; i++) {
        expected[i] = (nbits - (double)i + 2.0) / div;
        double e0 = (double)b->runlengths[0][i] - expected[i];
        double e1 = (double)b->runlengths[1][i] - expected[i];
        if (expected[i] >= 5.0) {
            chisq += e0 * e0 / expected[i] + e1 * e1 / expected[i];
            kk = (unsigned)i;
        }
        div *= 2.0;
    }
    for (size_t i = b->maxrun; i < 64; i++) {
        expected[i] = (nbits - (double)i + 2) / div;
        if (expected[i] < 5.0)
            break;
        double e0 = (double)b->runlengths[0][i] - expected[i];
        double e1 = (double)b->runlengths[1][i] - expected[i];
        chisq += e0 * e0 / expected[i] + e1 * e1 / expected[i];
        kk = (unsigned)i;
        div *= 2.0;
    }
    kk = kk * 2 + 1;
    *k = kk;
    *p = chisq_pochisq(chisq, (int)kk);
    return chisq;
}

/* ---------------- FIPS ---------------- */

void ref_fips_init(struct ref_fips *f)
{
    memset(f, 0, sizeof(*f));
    f->prev_word = 0x5EED1E57;
    f->prop_n = 65535;
    ref_bitruns_init(&f->br);
}

static void ref_run_done(struct ref_fips *f, unsigned bit, unsigned len)
{
    f->runs[bit][len >= 6 ? 5 : len - 1]++;
    if (len > f->longest)
        f->longest = len;
    ref_bitruns_add(&f->br, bit, len);
}

unsigned ref_fips_check(struct ref_fips *f, const uint8_t *p)
{
    static const unsigned lo[6] = { 2315, 1114, 527, 240, 103, 103 };
    static const unsigned hi[6] = { 2685, 1386, 723, 384, 209, 209 };
    unsigned result = 0, nib[16] = { 0 };
    unsigned run_bit = 2, run_len = 0;

    f->ones = 0;
    f->longest = 0;
    memset(f->runs, 0, sizeof(f->runs));
    for (size_t i = 0; i < 2500; i++) {
        for (int k = 7; k >= 0; k--) {
            unsigned bit = (p[i] >> k) & 1;
            f->ones += bit;
            if (bit == run_bit) {
                run_len++;
            } else {
                if (run_bit != 2)
                    ref_run_done(f, run_bit, run_len);
                run_bit = bit;
                run_len = 1;
            }
        }
        nib[p[i] >> 4]++;
        nib[p[i] & 15]++;
        if (i % 4 == 3) {
            uint32_t w = (uint32_t)p[i - 3] << 24 | (uint32_t)p[i - 2] << 16 |
                         (uint32_t)p[i - 1] << 8 | p[i];
            if (w == f->prev_word)
                result |= 1u << 4;
            f->prev_word = w;
        }
        unsigned b = p[i];
        bool restart = false;
        if (b == f->prop_val && ++f->prop_count > 358) {
            result |= 1u << 5;
            restart = true;
        } else if (++f->prop_n >= 65536) {
            restart = true;
        }
        if (restart) {
            f->prop_val = b;
            f->prop_count = 0;
            f->prop_n = 0;
        }
    }
    ref_run_done(f, run_bit, run_len);

    if (f->ones <= 9725 || f->ones >= 10275)
        result |= 1u << 0;
    f->poker = 0;
    for (int i = 0; i < 16; i++)
        f->poker += (uint64_t)nib[i] * nib[i];
    if (f->poker <= 1563175 || f->poker > 1576928)
        result |= 1u << 1;
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 6; i++)
            if (f->runs[b][i] < lo[i] || f->runs[b][i] > hi[i])
                result |= 1u << 2;
    if (f->longest >= 26)
        result |= 1u << 3;
    if (result)
        result |= 1u << 6;
    return result;
}

bool ref_fips_analyse(struct ref_fips *f, const uint8_t *block)
{
    unsigned r = ref_fips_check(f, block);
    for (int i = 0; i < 7; i++) {
        struct ref_failrate *fr = &f->fr[i];
        struct ref_passruns *pr = &f->pr[i];
        if (r & (1u << i)) {
            fr->fail++;
            if (fr->pass + fr->fail > SIZE_MAX / 2) {
                fr->pass /= 2;
                fr->fail /= 2;
            }
            fr->rate = (fr->rate * 999 + 1048576) / 1000;
            if (fr->rate > fr->peak)
                fr->peak = fr->rate;
            pr->runs++;
            pr->avg = (pr->avg * 9 + pr->count * 16384) / 10;
            pr->long_sum += pr->count;
            if (pr->long_sum > SIZE_MAX / 2 || pr->runs > SIZE_MAX / 2) {
                pr->long_sum /= 2;
                pr->runs /= 2;
            }
            if (pr->count > pr->peak)
                pr->peak = pr->count;
            pr->previous = pr->count;
            pr->count = 0;
        } else {
            fr->pass++;
            fr->rate = fr->rate * 999 / 1000;
            if (fr->pass + fr->fail > SIZE_MAX / 2) {
                fr->pass /= 2;
                fr->fail /= 2;
            }
            pr->count++;
        }
    }
    return r == 0;
}

bool ref_fips_is_ok(const struct ref_fips *f, bool was_ok)
{
    static const size_t maxfail[7] = { 4194, 4194, 6291, 6291, 1048, 1048, 7340 };
    static const size_t maxpass[7] = { 134500, 141200, 42500, 46900, 96000000, SIZE_MAX, 17500 };
    if (was_ok) {
        for (int i = 0; i < 7; i++)
            if (f->fr[i].rate > maxfail[i] || f->pr[i].count > maxpass[i])
                return false;
        return true;
    }
    if (f->pr[6].count < 20)
        return false;
    for (int i = 0; i < 7; i++) {
        if (f->fr[i].rate > maxfail[i] / 2)
            return false;
        if (maxpass[i] != SIZE_MAX && f->pr[i].previous > maxpass[i] / 2)
            return false;
    }
    return true;
}

/* ---------------- Ent ---------------- */

static void ref_data_clear(struct ref_ent *e, struct ref_ent_data *d)
{
    memset(d->bin, 0, e->nbins * sizeof(uint64_t));
    d->samples = d->inradius = d->pisamples = 0;
    d->corr0 = (unsigned)e->nbins + 1;
    d->corrn = 0;
    d->corr1 = d->corr2 = d->corr3 = 0.0;
}

static double ref_mean(const struct ref_ent *e)
{
    return e->bits == 8 ? 127.5 : 32767.5;
}

static void ref_results_init(struct ref_ent *e, struct ref_ent_res r[3])
{
    memset(&r[0], 0, sizeof(r[0]));
    r[1] = (struct ref_ent_res){ DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX, DBL_MAX };
    r[2] = (struct ref_ent_res){ -DBL_MAX, -DBL_MAX, ref_mean(e), M_PI, 0.0, -DBL_MAX };
}

int ref_ent_init(struct ref_ent *e, unsigned bits, uint64_t short_len)
{
    memset(e, 0, sizeof(*e));
    e->bits = bits;
    e->nbins = (size_t)1 << bits;
    e->short_len = short_len ? short_len : bits == 8 ? 500000 : 100000000;
    e->s.bin = calloc(e->nbins, sizeof(uint64_t));
    e->prev.bin = calloc(e->nbins, sizeof(uint64_t));
    e->l.bin = calloc(e->nbins, sizeof(uint64_t));
    if (!e->s.bin || !e->prev.bin || !e->l.bin)
        return -1;
    ref_data_clear(e, &e->s);
    ref_data_clear(e, &e->prev);
    ref_data_clear(e, &e->l);
    ref_results_init(e, e->s.result);
    ref_results_init(e, e->prev.result);
    ref_results_init(e, e->l.result);
    e->ok_wait = 1;
    return 0;
}

void ref_ent_destroy(struct ref_ent *e)
{
    free(e->s.bin);
    free(e->prev.bin);
    free(e->l.bin);
}

static void ref_compute(struct ref_ent *e, struct ref_ent_data *d)
{
    double n = (double)d->samples, expected = n / (double)e->nbins;
    double entropy = 0, chisq = 0, sum = 0, pmax = 0;
    uint64_t cmax = 0;
    for (size_t i = 0; i < e->nbins; i++) {
        double err = (double)d->bin[i] - expected;
        double p = (double)d->bin[i] / n;
        if (d->bin[i] > cmax) {
            cmax = d->bin[i];
            pmax = p;
        }
        if (p > 0.0)
            entropy -= p * log2(p);
        chisq += (err * err) / expected;
        sum += (double)(d->bin[i] * i);
    }
    double c1 = d->corr1 + (double)(d->corrn * d->corr0);
    double c2 = d->corr2 * d->corr2;
    double ac = (n * c1 - c2) / (n * d->corr3 - c2);
    struct ref_ent_res c;
    c.entropy = entropy;
    c.chisq = chisq;
    c.mean = sum / n;
    c.pi = 4.0 * (double)d->inradius / (double)d->pisamples;
    c.corr = isfinite(ac) ? ac : 1.0;
    c.minentropy = -log2(((double)cmax + 2.3 * sqrt(n * pmax * (1.0 - pmax))) / n);

    struct ref_ent_res *r = d->result;
    double m = ref_mean(e);
    r[0] = c;
    if (r[1].entropy > c.entropy) r[1].entropy = c.entropy;
    if (r[1].chisq > c.chisq) r[1].chisq = c.chisq;
    if (fabs(r[1].mean - m) > fabs(c.mean - m)) r[1].mean = c.mean;
    if (fabs(r[1].pi - M_PI) > fabs(c.pi - M_PI)) r[1].pi = c.pi;
    if (fabs(r[1].corr) > fabs(c.corr)) r[1].corr = c.corr;
    if (r[1].minentropy > c.minentropy) r[1].minentropy = c.minentropy;
    if (r[2].entropy < c.entropy) r[2].entropy = c.entropy;
    if (r[2].chisq < c.chisq) r[2].chisq = c.chisq;
    if (fabs(r[2].mean - m) < fabs(c.mean - m)) r[2].mean = c.mean;
    if (fabs(r[2].pi - M_PI) < fabs(c.pi - M_PI)) r[2].pi = c.pi;
    if (fabs(r[2].corr) < fabs(c.corr)) r[2].corr = c.corr;
    if (r[2].minentropy < c.minentropy) r[2].minentropy = c.minentropy;
}

static size_t ref_long_min(const struct ref_ent *e)
{
    return e->bits == 8 ? 250000000 : 800000000;
}

void ref_ent_flush(struct ref_ent *e)
{
    if (e->s.samples == 0)
        return;
    uint64_t before = e->l.samples;
    for (size_t i = 0; i < e->nbins; i++)
        e->l.bin[i] += e->s.bin[i];
    if (e->l.corr0 > e->nbins)
        e->l.corr0 = e->s.corr0;
    e->l.corrn = e->s.corrn;
    e->l.corr1 += e->s.corr1;
    e->l.corr2 += e->s.corr2;
    e->l.corr3 += e->s.corr3;
    e->l.inradius += e->s.inradius;
    e->l.pisamples += e->s.pisamples;
    e->l.samples += e->s.samples;
    ref_compute(e, &e->s);
    ref_compute(e, &e->l);
    /* (long-term normalisation: never reached in the tests) */
    memcpy(e->prev.bin, e->s.bin, e->nbins * sizeof(uint64_t));
    e->prev.samples = e->s.samples;
    e->prev.inradius = e->s.inradius;
    e->prev.pisamples = e->s.pisamples;
    e->prev.corr0 = e->s.corr0;
    e->prev.corrn = e->s.corrn;
    e->prev.corr1 = e->s.corr1;
    e->prev.corr2 = e->s.corr2;
    e->prev.corr3 = e->s.corr3;
    memcpy(e->prev.result, e->s.result, sizeof(e->s.result));
    e->prev.fail = e->s.fail;
    ref_data_clear(e, &e->s);
    e->have_results = true;
    e->unchecked = true;
    if (before <= ref_long_min(e) && e->l.samples > ref_long_min(e))
        e->l.result[1] = e->l.result[2] = e->l.result[0];
}

static void ref_piece(struct ref_ent *e, const uint8_t *buf, size_t len)
{
    /* Monte Carlo on the piece's bytes. */
    for (size_t i = 0; i + 6 < len; i += 6) {
        uint64_t x = 0, y = 0;
        for (int j = 0; j < 3; j++) {
            x = x * 256 + buf[i + j];
            y = y * 256 + buf[i + 3 + j];
        }
        if (x * x + y * y <= 281474943156225ull)
            e->s.inradius++;
        e->s.pisamples++;
    }
    size_t n = len / (e->bits / 8);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (e->bits == 8) {
            v = buf[i];
        } else {
            uint16_t w;
            memcpy(&w, buf + 2 * i, 2);
            v = w;
        }
        e->s.bin[v]++;
        if (e->s.corr0 > e->nbins)
            e->s.corr0 = v;
        else
            e->s.corr1 += e->s.corrn * v;
        e->s.corrn = v;
        e->s.corr2 += e->s.corrn;
        e->s.corr3 += e->s.corrn * e->s.corrn;
    }
    e->s.samples += n;
    if (e->s.samples == e->short_len)
        ref_ent_flush(e);
}

void ref_ent_analyse(struct ref_ent *e, const uint8_t *buf, size_t len)
{
    size_t ss = e->bits / 8, n = len / ss;
    if (e->s.samples + n > e->short_len) {
        size_t r = (n - (e->short_len - e->s.samples)) * ss;
        ref_ent_analyse(e, buf, r);
        ref_ent_analyse(e, buf + r, len - r);
        return;
    }
    ref_piece(e, buf, len);
}

bool ref_ent_is_ok(struct ref_ent *e, bool was_ok)
{
    /* Limits from the spec §4.3 table: short / long bounds. */
    const bool e8 = e->bits == 8;
    const double s_ent = e8 ? 7.999 : 15.9995, l_ent = e8 ? 7.999999 : 15.9999;
    const double s_hm = e8 ? 7.73 : 15.708, l_hm = e8 ? 7.99 : 15.893;
    const double s_cmin = e8 ? 147.374 : 321.0, s_cmax = e8 ? 400.965 : 67459.181;
    const double l_cmin = e8 ? 161.643 : 63823.624, l_cmax = e8 ? 377.053 : 67265.364;
    const double m = ref_mean(e);
    const double s_md = e8 ? 0.58 : 7.69, l_md = e8 ? 0.019 : 1.87;
    const double s_pi = (e8 ? 0.0097 : 0.000395) * M_PI, l_pi = (e8 ? 0.0003 : 0.000088) * M_PI;
    const double s_ac = e8 ? 0.0078 : 0.00044, l_ac = e8 ? 0.00025 : 0.00011;
    const uint64_t recovery = e8 ? 10 : 3;
    const uint64_t lmin = ref_long_min(e);

    if (!e->have_results)
        return false;
    if (!e->unchecked)
        return e->ok_wait == 1;
    e->unchecked = false;

    struct ref_ent_res *s = &e->s.result[0], *l = &e->l.result[0];
    struct ref_ent_fail *sf = &e->s.fail, *lf = &e->l.fail;
    bool ok = true, gate = e->l.samples > lmin;
    sf->tested++;
    lf->tested++;

    if (s->entropy < s_ent) { sf->entropy++; ok = false; }
    if (l->entropy < l_ent && gate) { lf->entropy++; ok = false; }
    if (s->minentropy < s_hm) { sf->minentropy++; ok = false; }
    if (l->minentropy < l_hm && gate) { lf->minentropy++; ok = false; }
    if (s->chisq < s_cmin || s->chisq > s_cmax) { sf->chisq++; ok = false; }
    if (l->chisq < l_cmin || l->chisq > l_cmax) { lf->chisq++; ok = false; }
    if (s->mean < m - s_md || s->mean > m + s_md) { sf->mean++; ok = false; }
    if ((l->mean < m - l_md || l->mean > m + l_md) && gate) { lf->mean++; ok = false; }
    if (s->pi < M_PI - s_pi || s->pi > M_PI + s_pi) { sf->pi++; ok = false; }
    if ((l->pi < M_PI - l_pi || l->pi > M_PI + l_pi) && gate) { lf->pi++; ok = false; }
    if (s->corr < -s_ac || s->corr > s_ac) { sf->corr++; ok = false; }
    if ((l->corr < -l_ac || l->corr > l_ac) && gate) { lf->corr++; ok = false; }

    if (ok) {
        if (!was_ok && e->ok_wait != 1 && e->l.samples - e->ok_wait < recovery * e->short_len)
            ok = false;
        else
            e->ok_wait = 1;
    } else {
        e->ok_wait = e->l.samples;
    }
    e->prev.fail = e->s.fail;
    return ok;
}

/* ---------------- HealthMonitor ---------------- */

int ref_health_init(struct ref_health *h, bool ent8_ok, uint64_t e8_len, uint64_t e16_len)
{
    memset(h, 0, sizeof(*h));
    ref_fips_init(&h->fips);
    if (ref_ent_init(&h->e8, 8, e8_len) < 0 || ref_ent_init(&h->e16, 16, e16_len) < 0)
        return -1;
    h->e8_ok = ent8_ok;
    h->e16_ok = true;
    return 0;
}

void ref_health_destroy(struct ref_health *h)
{
    ref_ent_destroy(&h->e8);
    ref_ent_destroy(&h->e16);
}

bool ref_health_check(struct ref_health *h, const uint8_t *buf, size_t len)
{
    ref_ent_analyse(&h->e8, buf, len);
    ref_ent_analyse(&h->e16, buf, len);
    if (h->e8.have_results)
        h->e8_ok = ref_ent_is_ok(&h->e8, h->e8_ok);
    if (h->e16.have_results)
        h->e16_ok = ref_ent_is_ok(&h->e16, h->e16_ok);
    for (size_t i = 0; i < len; i++) {
        h->buf[h->extra++] = buf[i];
        if (h->extra == 2500) {
            ref_fips_analyse(&h->fips, h->buf);
            h->fips_ok = ref_fips_is_ok(&h->fips, h->fips_ok);
            h->extra = 0;
        }
    }
    h->analysed += len;
    if (h->e8_ok && h->e16_ok && h->fips_ok) {
        h->passed += len;
        return true;
    }
    return false;
}

/* ---------------- The device gate ---------------- */

size_t ref_gate(const uint8_t *stream, size_t len, size_t block, bool exact, bool ent8_ok,
                uint8_t *out)
{
    size_t nbuf = len / block, nfips = nbuf * block / 2500, n = 0;
    bool *verdict = calloc(nbuf ? nbuf : 1, sizeof(bool));
    unsigned *result = calloc(nfips ? nfips : 1, sizeof(unsigned));
    struct ref_health h;
    struct ref_fips f;

    if (!verdict || !result || ref_health_init(&h, ent8_ok, 0, 0) < 0)
        abort();
    for (size_t k = 0; k < nbuf; k++)
        verdict[k] = ref_health_check(&h, stream + k * block, block);
    ref_health_destroy(&h);
    /* Each FIPS block's own result, from a tester of its own (the
     * repetition and proportion state runs on across blocks). */
    ref_fips_init(&f);
    for (size_t j = 0; j < nfips; j++)
        result[j] = ref_fips_check(&f, stream + j * 2500);

    for (size_t i = 0; i < nbuf * block; i++) {
        size_t j = i / 2500;
        bool pass = true;
        if (!exact)
            pass = verdict[i / block];
        else if (j >= nfips || result[j])
            pass = false;
        else
            for (size_t k = j * 2500 / block; pass && k <= ((j + 1) * 2500 - 1) / block; k++)
                pass = verdict[k];
        if (pass)
            out[n++] = stream[i];
    }
    free(verdict);
    free(result);
    return n;
}
