/* ctlclient: bbctl's report formats (spec §9.2), byte for byte as
 * upstream's bbctl prints them from the same reply: the FIPS fail rates are
 * taken back to Q20 integers as upstream's client does (Short and Peak
 * truncated, Long from the counts), π's error and the χ² probabilities are
 * computed from the reported values, not read from the reply. */
#include <errno.h>
#include <float.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "chisq.h"
#include "ctlclient.h"

typedef unsigned long long ull;

int ctlclient_fmt_scan(FILE *f, json_object *ids)
{
    if (!ids || !json_object_is_type(ids, json_type_array))
        return -EPROTO;
    size_t n = json_object_array_length(ids);
    for (size_t i = 0; i < n; i++)
        if (!json_object_is_type(json_object_array_get_idx(ids, i), json_type_string))
            return -EPROTO;
    fprintf(f, n == 1 ? "Have %zu active device:\n" : "Have %zu active devices:\n", n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  Device ID: %s\n", json_object_get_string(json_object_array_get_idx(ids, i)));
    return 0;
}

/* Upstream's client rebuilds its Q20 fixed-point rate from the reply. */
static double q20(double v)
{
    double x = v * (double)(1u << 20);
    if (!(x >= 0))
        return 0;
    if (x >= 18446744073709551615.0)
        return 18446744073709551615.0 / (double)(1u << 20);
    return (double)(ull)x / (double)(1u << 20);
}

static double long_rate(const struct cc_failrate *r)
{
    ull n = r->passed + r->failed;
    return n ? (double)r->failed / (double)n : 0.0;
}

static void fmt_fips(FILE *f, const struct cc_stats *s)
{
    const struct cc_failrate *res = &s->fr[CC_FIPS_RESULT];
    fprintf(f, "FIPS Fail rate: %llu / %llu %.3f %.3f %.3f", (ull)res->failed,
            (ull)(res->passed + res->failed), q20(res->s) * 1000.0, long_rate(res) * 1000.0,
            q20(res->peak) * 1000.0);
    for (int i = 0; i < CC_FIPS_RESULT; i++) {
        const struct cc_failrate *r = &s->fr[i];
        if (r->failed)
            fprintf(f, ", %s: %llu %.3f %.3f %.3f", ctlclient_fips_names[i], (ull)r->failed,
                    q20(r->s) * 1000.0, long_rate(r) * 1000.0, q20(r->peak) * 1000.0);
    }
    const struct cc_passruns *p = &s->pr[CC_FIPS_RESULT];
    fprintf(f, "\nFIPS Pass runs: %llu %llu %llu %llu", (ull)p->runs, (ull)p->s,
            (ull)(p->runs ? p->l : 0), (ull)p->peak);
    for (int i = 0; i < CC_FIPS_RESULT; i++) {
        p = &s->pr[i];
        if (p->runs)
            fprintf(f, ", %s: %llu %llu %llu %llu", ctlclient_fips_names[i], (ull)p->runs,
                    (ull)p->s, (ull)p->l, (ull)p->peak);
    }
    fputc('\n', f);
}

static double pi_error(double pi)
{
    double pe = 100.0 * (pi - M_PI) / M_PI;
    if (isfinite(pe))
        return pe;
    return pe < 0 ? -DBL_MAX : DBL_MAX;
}

static void fmt_entset(FILE *f, const char *label, const struct cc_entset *e, int nbins)
{
    static const char *const names[3] = { "Current", "Min", "Max" };
    fprintf(f, "%s Samples: %llu", label, (ull)e->samples);
    for (int i = 0; i < 3; i++) {
        const struct cc_result *r = &e->r[i];
        fprintf(f, "\n%7s: Hs %f, Hm %f, Mean %f, Corr % .8f, \xcf\x80 %.8f (% .5f), "
                   "\xcf\x87\xc2\xb2 %f (%.2f)",
                names[i], r->entropy, r->minentropy, r->mean, r->corr, r->pi, pi_error(r->pi),
                r->chisq, chisq_pochisq(r->chisq, nbins - 1));
    }
    const struct cc_fail *x = &e->fail;
    fprintf(f, "\nFailure: Tested %llu, Hs %llu, Hm %llu, Mean %llu, Corr %llu, \xcf\x80 %llu, "
               "\xcf\x87\xc2\xb2 %llu\n",
            (ull)x->tested, (ull)x->entropy, (ull)x->minentropy, (ull)x->mean, (ull)x->corr,
            (ull)x->pi, (ull)x->chisq);
}

void ctlclient_fmt_stats(FILE *f, const char *id, const struct cc_stats *s)
{
    fprintf(f, "\nsource: %s\n", id);
    fprintf(f, "Octets analysed %llu, passed %llu, (not passed %llu)\n", (ull)s->analysed,
            (ull)s->passed, (ull)(s->analysed - s->passed));
    fmt_fips(f, s);
    if (!s->has_ent8) {
        fputs("Ent8: no results (yet)\n", f);
    } else {
        fmt_entset(f, "Ent8 short", &s->ent8[0], 256);
        fmt_entset(f, "Ent8 long", &s->ent8[1], 256);
    }
    if (!s->has_ent16) {
        fputs("Ent16: no results (yet)\n", f);
    } else {
        fmt_entset(f, "Ent16 short", &s->ent16[0], 65536);
        fmt_entset(f, "Ent16 long", &s->ent16[1], 65536);
    }
}

void ctlclient_fmt_bitruns(FILE *f, const struct cc_bitruns *b)
{
    fputs("run of        zeros         ones     bias               expect     e0 %       e1 %"
          "       e0\xc2\xb2/e      e1\xc2\xb2/e    d0         d1\n",
          f);
    /* As upstream: min(Max, 64) rows; slots the reply did not give are 0. */
    unsigned n = b->max < CC_MAX_RUN ? (unsigned)b->max : CC_MAX_RUN;
    for (unsigned i = 0; i < n; i++) {
        double z = (double)b->runs[i][0], o = (double)b->runs[i][1], x = b->expected[i];
        double e0 = z - x, e1 = o - x;
        fprintf(f, "%5u: %12llu %12llu %12.6f %16.3f % 10.4f % 10.4f %9.2f%c %9.2f%c", i + 1,
                (ull)b->runs[i][0], (ull)b->runs[i][1], z / o, x, 100.0 * e0 / x, 100.0 * e1 / x,
                e0 * e0 / x, z < x ? '-' : ' ', e1 * e1 / x, o < x ? '-' : ' ');
        if (i)
            fprintf(f, " %10.6f %10.6f\n", z / (double)b->runs[i - 1][0],
                    o / (double)b->runs[i - 1][1]);
        else
            fputc('\n', f);
    }
    fprintf(f, "\ntotal: %12llu %12llu %12.6f            \xcf\x87\xc2\xb2 = %f (p = %f), k = %u",
            (ull)b->zeros, (ull)b->ones, (double)b->zeros / (double)b->ones, b->chisq, b->chisqp,
            b->k);
    if (b->max >= CC_MAX_RUN)
        fprintf(f, "\nMax run was %llu", (ull)b->max);
}

struct bin {
    unsigned symbol, rank;
    uint64_t freq;
};

/* Descending frequency, ties in symbol order: upstream's stable sort of
 * the bins in symbol order. */
static int by_freq(const void *a, const void *b)
{
    const struct bin *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq > y->freq ? -1 : 1;
    return x->symbol < y->symbol ? -1 : x->symbol > y->symbol;
}

static void binary(char *out, unsigned v, int bits)
{
    for (int i = 0; i < bits; i++)
        out[i] = (v >> (bits - 1 - i)) & 1 ? '1' : '0';
    out[bits] = 0;
}

int ctlclient_fmt_bins(FILE *f, const struct cc_entset *e, bool freq_order, uint64_t first,
                       uint64_t last)
{
    unsigned n = e->nbins;
    if (!e->bins || (n != 256 && n != 65536))
        return -EINVAL;
    struct bin *b = malloc(n * sizeof(*b));
    if (!b)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++)
        b[i] = (struct bin){ i, 0, e->bins[i] };
    qsort(b, n, sizeof(*b), by_freq);
    for (unsigned i = 0; i < n; i++)
        b[i].rank = i + 1;
    if (!freq_order) {
        struct bin *s = malloc(n * sizeof(*s));
        if (!s) {
            free(b);
            return -ENOMEM;
        }
        for (unsigned i = 0; i < n; i++)
            s[b[i].symbol] = b[i];
        free(b);
        b = s;
    }
    bool wide = n == 65536;
    double ds = (double)e->samples, expected = ds / n, chisq = 0;
    uint64_t min = UINT64_MAX, max = 0;
    fprintf(f, "Samples: %llu\n", (ull)e->samples);
    if (first > 0 || last > 0)
        fprintf(f, "%s               Error      \xcf\x87\xc2\xb2    %% of Samples\n",
                wide ? " Rank                  Bin       Freq" : "Rank         Bin     Freq");
    uint64_t tail = last < n ? n - last : 0;
    for (unsigned i = 0; i < n; i++) {
        double df = (double)b[i].freq, err = df - expected, errsq = err * err / expected;
        char bits[17];
        if (min > b[i].freq)
            min = b[i].freq;
        if (max < b[i].freq)
            max = b[i].freq;
        chisq += errsq;
        if (i >= first && i < tail)
            continue;
        binary(bits, b[i].symbol, wide ? 16 : 8);
        fprintf(f, "%*u:  %s %.*x -> %-12llu  %+10.2f  %8.2f  %.9f\n", wide ? 5 : 3, b[i].rank,
                bits, wide ? 4 : 2, b[i].symbol, (ull)b[i].freq, err, errsq, df / ds);
    }
    free(b);
    double dmin = (double)min, dmax = (double)max;
    fprintf(f, "  Expected %.3f,  %+.3f (%+.3f%%), %+.3f (%+.3f%%)\n  \xcf\x87\xc2\xb2 %.2f (p = %f)",
            expected, dmax - expected, 100.0 * (dmax - expected) / expected, dmin - expected,
            100.0 * (dmin - expected) / expected, chisq, chisq_pochisq(chisq, (int)n - 1));
    return 0;
}
