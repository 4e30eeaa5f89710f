/* qa_check: see qa_check.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "qa_check.h"
#include "qa_simd.h"

void same_double(double a, double b)
{
    if (memcmp(&a, &b, sizeof(a)))
        fail_msg("%.17g != %.17g", a, b);
}

void same_bitruns(const struct bitruns *br, const struct ref_bitruns *ref)
{
    assert_int_equal(bitruns_zeros(br), ref->total[0]);
    assert_int_equal(bitruns_ones(br), ref->total[1]);
    assert_int_equal(bitruns_max(br), ref->maxrun);
    for (unsigned bit = 0; bit < 2; bit++)
        for (size_t i = 0; i < BITRUNS_MAXRUN; i++)
            assert_int_equal(bitruns_count(br, bit, i), ref->runlengths[bit][i]);
}

void same_fips_block(const struct fips *f, const struct ref_fips *r)
{
    const struct fips_block_info *in = fips_last_block(f);
    assert_int_equal(in->ones, r->ones);
    assert_int_equal(in->poker, r->poker);
    assert_int_equal(in->longest, r->longest);
    assert_memory_equal(in->runs, r->runs, sizeof(r->runs));
}

void same_fips_stats(const struct fips *f, const struct ref_fips *r)
{
    for (unsigned t = 0; t < FIPS_NTESTS; t++) {
        const struct fips_failrate *fr = fips_get_failrate(f, t);
        const struct fips_passruns *pr = fips_get_passruns(f, t);
        assert_int_equal(fr->pass, r->fr[t].pass);
        assert_int_equal(fr->fail, r->fr[t].fail);
        assert_int_equal(fr->rate, r->fr[t].rate);
        assert_int_equal(fr->peak, r->fr[t].peak);
        assert_int_equal(pr->count, r->pr[t].count);
        assert_int_equal(pr->runs, r->pr[t].runs);
        assert_int_equal(pr->previous, r->pr[t].previous);
        assert_int_equal(pr->avg, r->pr[t].avg);
        assert_int_equal(pr->long_sum, r->pr[t].long_sum);
        assert_int_equal(pr->peak, r->pr[t].peak);
    }
    same_bitruns(fips_bitruns(f), &r->br);
}

static void same_res(const struct ent_result *a, const struct ref_ent_res *b)
{
    same_double(a->entropy, b->entropy);
    same_double(a->chisq, b->chisq);
    same_double(a->mean, b->mean);
    same_double(a->pi, b->pi);
    same_double(a->corr, b->corr);
    same_double(a->minentropy, b->minentropy);
}

static void same_fail(const struct ent_fail *a, const struct ref_ent_fail *b)
{
    assert_int_equal(a->tested, b->tested);
    assert_int_equal(a->entropy, b->entropy);
    assert_int_equal(a->chisq, b->chisq);
    assert_int_equal(a->mean, b->mean);
    assert_int_equal(a->pi, b->pi);
    assert_int_equal(a->corr, b->corr);
    assert_int_equal(a->minentropy, b->minentropy);
}

void same_ent(const struct ent *e, const struct ref_ent *r)
{
    assert_int_equal(ent_have_results(e), r->have_results);
    assert_int_equal(ent_pending_samples(e), r->s.samples);
    for (int t = 0; t < 2; t++) {
        const struct ref_ent_data *d = t == ENT_SHORT ? &r->prev : &r->l;
        assert_int_equal(ent_samples(e, t), d->samples);
        assert_int_equal(ent_pisamples(e, t), d->pisamples);
        assert_int_equal(ent_piin(e, t), d->inradius);
        const uint32_t *bins = ent_bins(e, t);
        for (size_t v = 0; v < r->nbins; v++)
            if (bins[v] != d->bin[v])
                fail_msg("Ent%u %s bin %zu: %u != %llu", (unsigned)r->bits, t ? "long" : "short",
                         v, (unsigned)bins[v], (unsigned long long)d->bin[v]);
        for (int s = 0; s < 3; s++)
            same_res(ent_result(e, t, s), &d->result[s]);
        same_fail(ent_fail(e, t), &d->fail);
    }
}

int qa_baseline_simd(void **state)
{
    (void)state;
    qa_allow_avx2(false);
    return 0;
}

int qa_default_simd(void **state)
{
    (void)state;
    qa_allow_avx2(true);
    return 0;
}
