/* ctlstats: STATS and RAW objects of the control protocol; see ctlstats.h. */
#include "ctlstats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

#include "bitruns.h"
#include "ent.h"
#include "fips.h"
#include "health.h"

void ctlstats_add(struct ctlstats_build *b, json_object *obj, const char *key, json_object *val)
{
    if (!obj || !val || json_object_object_add(obj, key, val) != 0) {
        b->oom = true;
        json_object_put(val);
    }
}

void ctlstats_push(struct ctlstats_build *b, json_object *arr, json_object *val)
{
    if (!arr || !val || json_object_array_add(arr, val) != 0) {
        b->oom = true;
        json_object_put(val);
    }
}

double ctlstats_finite(double d)
{
    if (isnan(d))
        return 0.0;
    if (isinf(d))
        return d > 0 ? DBL_MAX : -DBL_MAX;
    return d;
}

json_object *ctlstats_double(double d)
{
    /* DBL_MAX: 309 digits, ".000000", a sign. */
    char text[DBL_MAX_10_EXP + 20];
    d = ctlstats_finite(d);
    snprintf(text, sizeof(text), "%f", d);
    return json_object_new_double_s(d, text);
}

static json_object *u64(uint64_t v)
{
    return json_object_new_uint64(v);
}

/* ---- FIPS ---------------------------------------------------------------- */

static json_object *passruns(struct ctlstats_build *b, const struct fips_passruns *pr)
{
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Runs", u64(pr->runs));
    ctlstats_add(b, o, "Previous", u64(pr->previous));
    ctlstats_add(b, o, "Short", u64(fips_passruns_short(pr)));
    ctlstats_add(b, o, "Long", u64(fips_passruns_long(pr)));
    ctlstats_add(b, o, "Peak", u64(pr->peak));
    return o;
}

static json_object *failrate(struct ctlstats_build *b, const struct fips_failrate *fr)
{
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Passed", u64(fr->pass));
    ctlstats_add(b, o, "Failed", u64(fr->fail));
    ctlstats_add(b, o, "Short", ctlstats_double(fips_failrate_short(fr)));
    ctlstats_add(b, o, "Long", ctlstats_double(fips_failrate_long(fr)));
    ctlstats_add(b, o, "Peak", ctlstats_double(fips_failrate_peak(fr)));
    return o;
}

static json_object *fips_obj(struct ctlstats_build *b, const struct fips *f)
{
    json_object *o = json_object_new_object();
    for (unsigned t = 0; t < FIPS_NTESTS; t++) {
        json_object *test = json_object_new_object();
        ctlstats_add(b, test, "PassRuns", passruns(b, fips_get_passruns(f, t)));
        ctlstats_add(b, test, "FailRate", failrate(b, fips_get_failrate(f, t)));
        ctlstats_add(b, o, fips_test_name(t), test);
    }
    return o;
}

/* ---- BitRuns ------------------------------------------------------------- */

static json_object *bitruns_obj(struct ctlstats_build *b, const struct bitruns *br)
{
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Zeros", u64(bitruns_zeros(br)));
    ctlstats_add(b, o, "Ones", u64(bitruns_ones(br)));
    ctlstats_add(b, o, "Max", u64(bitruns_max(br)));
    json_object *runs = json_object_new_array();
    size_t n = bitruns_nslots(br);
    for (size_t i = 0; i < n; i++) {
        json_object *slot = json_object_new_array_ext(3);
        ctlstats_push(b, slot, u64(bitruns_count(br, 0, i)));
        ctlstats_push(b, slot, u64(bitruns_count(br, 1, i)));
        ctlstats_push(b, slot, ctlstats_double(bitruns_expected(br, i)));
        ctlstats_push(b, runs, slot);
    }
    ctlstats_add(b, o, "Runs", runs);
    double p = 0.0;
    unsigned k = 0;
    double chisq = bitruns_chisq(br, &p, &k);
    ctlstats_add(b, o, "Chisq", ctlstats_double(chisq));
    ctlstats_add(b, o, "Chisq-p", ctlstats_double(p));
    ctlstats_add(b, o, "Chisq-k", u64(k));
    return o;
}

/* ---- Ent ----------------------------------------------------------------- */

static json_object *result(struct ctlstats_build *b, const struct ent *e, enum ent_term t,
                           enum ent_set s)
{
    const struct ent_result *r = ent_result(e, t, s);
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Entropy", ctlstats_double(r->entropy));
    ctlstats_add(b, o, "Chisq", ctlstats_double(r->chisq));
    ctlstats_add(b, o, "Chisq-p", ctlstats_double(ent_chisq_p(e, r)));
    ctlstats_add(b, o, "Mean", ctlstats_double(r->mean));
    ctlstats_add(b, o, "Pi", ctlstats_double(r->pi));
    ctlstats_add(b, o, "Pi-error", ctlstats_double(ent_pi_error(r)));
    ctlstats_add(b, o, "Autocorr", ctlstats_double(r->corr));
    ctlstats_add(b, o, "MinEntropy", ctlstats_double(r->minentropy));
    return o;
}

static json_object *fails(struct ctlstats_build *b, const struct ent *e, enum ent_term t)
{
    const struct ent_fail *f = ent_fail(e, t);
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Tested", u64(f->tested));
    ctlstats_add(b, o, "Entropy", u64(f->entropy));
    ctlstats_add(b, o, "Chisq", u64(f->chisq));
    ctlstats_add(b, o, "Mean", u64(f->mean));
    ctlstats_add(b, o, "Pi", u64(f->pi));
    ctlstats_add(b, o, "Autocorr", u64(f->corr));
    ctlstats_add(b, o, "MinEntropy", u64(f->minentropy));
    return o;
}

/* "Current", "Min", "Max", "Failed" of one term, appended to o. */
static void results(struct ctlstats_build *b, json_object *o, const struct ent *e,
                    enum ent_term t)
{
    ctlstats_add(b, o, "Current", result(b, e, t, ENT_CURRENT));
    ctlstats_add(b, o, "Min", result(b, e, t, ENT_MIN));
    ctlstats_add(b, o, "Max", result(b, e, t, ENT_MAX));
    ctlstats_add(b, o, "Failed", fails(b, e, t));
}

static json_object *res_obj(struct ctlstats_build *b, const struct ent *e, enum ent_term t)
{
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Samples", u64(ent_samples(e, t)));
    results(b, o, e, t);
    return o;
}

static json_object *data_obj(struct ctlstats_build *b, const struct ent *e, enum ent_term t)
{
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Samples", u64(ent_samples(e, t)));
    size_t n = ent_nbins(e);
    const uint32_t *bins = ent_bins(e, t);
    json_object *arr = json_object_new_array_ext((int)n);
    for (size_t i = 0; i < n; i++)
        ctlstats_push(b, arr, u64(bins[i]));
    ctlstats_add(b, o, "Bins", arr);
    ctlstats_add(b, o, "PiSamples", u64(ent_pisamples(e, t)));
    ctlstats_add(b, o, "PiIn", u64(ent_piin(e, t)));
    results(b, o, e, t);
    return o;
}

typedef json_object *(*term_fn)(struct ctlstats_build *b, const struct ent *e, enum ent_term t);

/* {"Short":..,"Long":..} under name, only once e has results. */
static void ent_terms(struct ctlstats_build *b, json_object *o, const char *name,
                      const struct ent *e, term_fn fn)
{
    if (!ent_have_results(e))
        return;
    json_object *terms = json_object_new_object();
    ctlstats_add(b, terms, "Short", fn(b, e, ENT_SHORT));
    ctlstats_add(b, terms, "Long", fn(b, e, ENT_LONG));
    ctlstats_add(b, o, name, terms);
}

/* ---- the objects ---------------------------------------------------------- */

json_object *ctlstats_stats(struct ctlstats_build *b, const struct health *h)
{
    json_object *o = json_object_new_object();
    json_object *qa = json_object_new_object();
    ctlstats_add(b, qa, "BytesAnalysed", u64(health_bytes_analysed(h)));
    ctlstats_add(b, qa, "BytesPassed", u64(health_bytes_passed(h)));
    ctlstats_add(b, o, "QA", qa);
    ctlstats_add(b, o, "FIPS", fips_obj(b, health_fips(h)));
    ctlstats_add(b, o, "BitRuns", bitruns_obj(b, health_bitruns(h)));
    ent_terms(b, o, "Ent8", health_ent8(h), res_obj);
    ent_terms(b, o, "Ent16", health_ent16(h), res_obj);
    return o;
}

json_object *ctlstats_raw(struct ctlstats_build *b, const struct health *h)
{
    json_object *o = json_object_new_object();
    ent_terms(b, o, "Ent8", health_ent8(h), data_obj);
    ent_terms(b, o, "Ent16", health_ent16(h), data_obj);
    return o;
}
