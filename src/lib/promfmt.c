/* promfmt: the Prometheus text format.  See promfmt.h. */
#include "promfmt.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ent.h"
#include "fips.h"
#include "health.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"

/* ---- the output buffer --------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
    int err; /* sticky: the first error */
};

static bool b_reserve(struct buf *b, size_t more)
{
    if (b->err)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->err = -ENOMEM;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void b_put(struct buf *b, const char *s, size_t n)
{
    if (!b_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void b_puts(struct buf *b, const char *s)
{
    b_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void b_printf(struct buf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) { /* only for short numbers and names */
        b->err = b->err ? b->err : -EINVAL;
        return;
    }
    b_put(b, tmp, (size_t)n);
}

/* ---- escaping ------------------------------------------------------------ */

/* The length of the valid UTF-8 sequence at s (1-4), or 0 if s does not
 * start one (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (!n)
        return 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    return n;
}

/* Label value escaping (promfmt.h). */
static void b_label_value(struct buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = utf8_len(p);
        if (*p == '\\')
            b_puts(b, "\\\\");
        else if (*p == '"')
            b_puts(b, "\\\"");
        else if (*p == '\n')
            b_puts(b, "\\n");
        else if (n)
            b_put(b, (const char *)p, n);
        else
            b_puts(b, "\xef\xbf\xbd"); /* U+FFFD for a byte that is not UTF-8 */
        p += n ? n : 1;
    }
}

char *promfmt_escape_label(const char *s)
{
    struct buf b = { 0 };
    if (b_reserve(&b, strlen(s)))
        b.p[0] = '\0';
    b_label_value(&b, s);
    if (b.err) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* ---- samples ------------------------------------------------------------- */

/* Up to three labels; keys end at the first NULL. */
struct lab {
    const char *k[3];
    const char *v[3];
};

static void family(struct buf *b, const char *name, const char *type, const char *help)
{
    b_printf(b, "# HELP %s ", name);
    b_puts(b, help); /* fixed texts here: no backslash or line feed to escape */
    b_printf(b, "\n# TYPE %s %s\n", name, type);
}

static void sample_name(struct buf *b, const char *name, const struct lab *l)
{
    b_puts(b, name);
    if (!l || !l->k[0])
        return;
    b_puts(b, "{");
    for (size_t i = 0; i < 3 && l->k[i]; i++) {
        b_printf(b, "%s%s=\"", i ? "," : "", l->k[i]);
        b_label_value(b, l->v[i]);
        b_puts(b, "\"");
    }
    b_puts(b, "}");
}

static void s_u64(struct buf *b, const char *name, const struct lab *l, uint64_t v)
{
    sample_name(b, name, l);
    b_printf(b, " %" PRIu64 "\n", v);
}

static void s_dbl(struct buf *b, const char *name, const struct lab *l, double v)
{
    sample_name(b, name, l);
    if (isnan(v))
        b_puts(b, " NaN\n");
    else if (isinf(v))
        b_puts(b, v > 0 ? " +Inf\n" : " -Inf\n");
    else
        b_printf(b, " %.17g\n", v);
}

/* ---- the process --------------------------------------------------------- */

static void put_process(struct buf *b, const struct promfmt_input *in)
{
    family(b, "bitbabbler_build_info", "gauge", "The seedd version, as a label; always 1.");
    s_u64(b, "bitbabbler_build_info",
          &(struct lab){ { "version" }, { in->version ? in->version : "" } }, 1);
    family(b, "bitbabbler_uptime_seconds", "gauge", "Seconds since seedd started serving.");
    s_dbl(b, "bitbabbler_uptime_seconds", NULL, (double)in->uptime_ms / 1000.0);
}

/* ---- devices ------------------------------------------------------------- */

/* Whether device i has the serial of an earlier one (listed once). */
static bool dev_dup(const struct promfmt_input *in, size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(in->devices[j].serial, in->devices[i].serial) == 0)
            return true;
    }
    return false;
}

static const struct {
    const char *name, *help;
    size_t off;
} dev_counters[] = {
    { "bitbabbler_device_read_bytes_total", "Raw bytes read from the device (before folding).",
      offsetof(struct sources_devstat, bytes_read) },
    { "bitbabbler_device_passed_bytes_total",
      "Folded bytes the device's QA gate passed to its pool group.",
      offsetof(struct sources_devstat, bytes_passed) },
    { "bitbabbler_device_recoveries_total", "Device errors recovered from.",
      offsetof(struct sources_devstat, recoveries) },
};

static void put_devices(struct buf *b, const struct promfmt_input *in)
{
    family(b, "bitbabbler_device_state", "gauge",
           "1 for the device's current state, 0 for the others.");
    for (size_t i = 0; i < in->n_devices; i++) {
        const struct sources_devstat *d = &in->devices[i];
        if (dev_dup(in, i))
            continue;
        for (int st = SOURCES_STARTING; st <= SOURCES_GONE; st++) {
            s_u64(b, "bitbabbler_device_state",
                  &(struct lab){ { "serial", "state" },
                                 { d->serial, sources_state_name((enum sources_state)st) } },
                  d->state == (enum sources_state)st);
        }
    }
    for (size_t c = 0; c < sizeof(dev_counters) / sizeof(dev_counters[0]); c++) {
        family(b, dev_counters[c].name, "counter", dev_counters[c].help);
        for (size_t i = 0; i < in->n_devices; i++) {
            const struct sources_devstat *d = &in->devices[i];
            if (dev_dup(in, i))
                continue;
            uint64_t v;
            memcpy(&v, (const char *)d + dev_counters[c].off, sizeof(v));
            s_u64(b, dev_counters[c].name, &(struct lab){ { "serial" }, { d->serial } }, v);
        }
    }
}

/* ---- QA: every health monitor -------------------------------------------- */

/* fips_test_name() in the metric's label style. */
static const char *const fips_labels[FIPS_NTESTS] = {
    "monobit", "poker", "runs", "long_run", "repetition", "proportion", "result",
};

static void put_qa_counts(struct buf *b, const struct monitors *m)
{
    const char *id;
    struct health *h;
    family(b, "bitbabbler_qa_analysed_bytes_total", "counter",
           "Bytes a health monitor analysed.");
    for (size_t i = 0; (h = monitors_at(m, i, &id)); i++)
        s_u64(b, "bitbabbler_qa_analysed_bytes_total", &(struct lab){ { "monitor" }, { id } },
              health_bytes_analysed(h));
    family(b, "bitbabbler_qa_passed_bytes_total", "counter",
           "Bytes a health monitor passed.");
    for (size_t i = 0; (h = monitors_at(m, i, &id)); i++)
        s_u64(b, "bitbabbler_qa_passed_bytes_total", &(struct lab){ { "monitor" }, { id } },
              health_bytes_passed(h));
    family(b, "bitbabbler_qa_ok", "gauge",
           "1 while a health monitor's test (fips, ent8, ent16) is ok.");
    for (size_t i = 0; (h = monitors_at(m, i, &id)); i++) {
        s_u64(b, "bitbabbler_qa_ok", &(struct lab){ { "monitor", "test" }, { id, "fips" } },
              health_fips_ok(h));
        s_u64(b, "bitbabbler_qa_ok", &(struct lab){ { "monitor", "test" }, { id, "ent8" } },
              health_ent8_ok(h));
        s_u64(b, "bitbabbler_qa_ok", &(struct lab){ { "monitor", "test" }, { id, "ent16" } },
              health_ent16_ok(h));
    }
}

static void put_fips(struct buf *b, const struct monitors *m)
{
    const char *id;
    struct health *h;
    family(b, "bitbabbler_fips_blocks_total", "counter", "FIPS 140-2 blocks tested.");
    for (size_t i = 0; (h = monitors_at(m, i, &id)); i++) {
        const struct fips_failrate *r = fips_get_failrate(health_fips(h), FIPS_RESULT);
        s_u64(b, "bitbabbler_fips_blocks_total", &(struct lab){ { "monitor" }, { id } },
              (uint64_t)r->pass + r->fail);
    }
    family(b, "bitbabbler_fips_failures_total", "counter",
           "FIPS 140-2 blocks that failed a test (result: any test).");
    for (size_t i = 0; (h = monitors_at(m, i, &id)); i++) {
        for (unsigned t = 0; t < FIPS_NTESTS; t++) {
            const struct fips_failrate *r = fips_get_failrate(health_fips(h), t);
            s_u64(b, "bitbabbler_fips_failures_total",
                  &(struct lab){ { "monitor", "test" }, { id, fips_labels[t] } }, r->fail);
        }
    }
}

enum ent_field { EF_ENTROPY, EF_CHISQ, EF_MEAN, EF_PI_ERROR, EF_CORR, EF_MINENTROPY };

static const struct {
    const char *name, *help;
    enum ent_field f;
} ent_gauges[] = {
    { "bitbabbler_ent_entropy", "Ent entropy per sample (bits), current value.",
      EF_ENTROPY },
    { "bitbabbler_ent_chisq", "Ent chi-square statistic, current value.", EF_CHISQ },
    { "bitbabbler_ent_mean", "Ent arithmetic mean of the samples, current value.", EF_MEAN },
    { "bitbabbler_ent_pi_error_percent", "Ent Monte Carlo pi error (percent), current value.",
      EF_PI_ERROR },
    { "bitbabbler_ent_autocorrelation", "Ent serial correlation, current value.", EF_CORR },
    { "bitbabbler_ent_min_entropy", "Ent min-entropy per sample (bits), current value.",
      EF_MINENTROPY },
};

static double ent_value(const struct ent_result *r, enum ent_field f)
{
    switch (f) {
    case EF_ENTROPY:
        return r->entropy;
    case EF_CHISQ:
        return r->chisq;
    case EF_MEAN:
        return r->mean;
    case EF_PI_ERROR:
        return ent_pi_error(r);
    case EF_CORR:
        return r->corr;
    case EF_MINENTROPY:
        return r->minentropy;
    }
    return NAN;
}

static void put_ent_one(struct buf *b, size_t g, const char *id, const struct ent *e)
{
    static const char *const terms[] = { "short", "long" };
    if (!ent_have_results(e))
        return;
    const char *bits = ent_bits(e) == 8 ? "8" : "16";
    for (int t = ENT_SHORT; t <= ENT_LONG; t++) {
        const struct ent_result *r = ent_result(e, (enum ent_term)t, ENT_CURRENT);
        s_dbl(b, ent_gauges[g].name,
              &(struct lab){ { "monitor", "bits", "term" }, { id, bits, terms[t] } },
              ent_value(r, ent_gauges[g].f));
    }
}

static void put_ent(struct buf *b, const struct monitors *m)
{
    const char *id;
    struct health *h;
    for (size_t g = 0; g < sizeof(ent_gauges) / sizeof(ent_gauges[0]); g++) {
        family(b, ent_gauges[g].name, "gauge", ent_gauges[g].help);
        for (size_t i = 0; (h = monitors_at(m, i, &id)); i++) {
            put_ent_one(b, g, id, health_ent8(h));
            put_ent_one(b, g, id, health_ent16(h));
        }
    }
}

/* ---- the pool and its sinks ---------------------------------------------- */

static void put_pool(struct buf *b, const struct pool *p)
{
    struct pool_stats st;
    pool_get_stats(p, &st);
    family(b, "bitbabbler_pool_size_bytes", "gauge", "Size of the entropy pool.");
    s_u64(b, "bitbabbler_pool_size_bytes", NULL, st.size);
    family(b, "bitbabbler_pool_fill_bytes", "gauge", "Bytes in the entropy pool now.");
    s_u64(b, "bitbabbler_pool_fill_bytes", NULL, st.fill);
    family(b, "bitbabbler_pool_added_bytes_total", "counter",
           "Bytes added to the pool (including those mixed into a full pool).");
    s_u64(b, "bitbabbler_pool_added_bytes_total", NULL, st.bytes_in);
    family(b, "bitbabbler_pool_read_bytes_total", "counter", "Bytes read from the pool.");
    s_u64(b, "bitbabbler_pool_read_bytes_total", NULL, st.bytes_out);
}

static const struct {
    const char *name, *help;
    size_t off;
} sink_counters[] = {
    { "bitbabbler_sink_requests_total", "Requests for data by the sink's consumer.",
      offsetof(struct sink_counters, requests) },
    { "bitbabbler_sink_refusals_total", "Requests the sink refused.",
      offsetof(struct sink_counters, refusals) },
    { "bitbabbler_sink_read_bytes_total", "Bytes the sink read from the pool.",
      offsetof(struct sink_counters, bytes_read) },
    { "bitbabbler_sink_delivered_bytes_total", "Bytes the sink passed on to its consumer.",
      offsetof(struct sink_counters, bytes_delivered) },
    { "bitbabbler_sink_dropped_bytes_total",
      "Bytes the sink read that failed its QA and were not delivered.",
      offsetof(struct sink_counters, bytes_dropped) },
};

static void put_sinks(struct buf *b, const struct pool *p)
{
    const struct sink *s;
    struct sink_info si;
    family(b, "bitbabbler_sink_state", "gauge", "1 for the sink's current state, 0 for the others.");
    for (size_t i = 0; (s = sink_at(p, i)); i++) {
        sink_get_info(s, &si);
        for (int st = SINK_IDLE; st <= SINK_FAILED; st++) {
            s_u64(b, "bitbabbler_sink_state",
                  &(struct lab){ { "sink", "state" },
                                 { si.name, sink_state_name((enum sink_state)st) } },
                  si.state == (enum sink_state)st);
        }
    }
    for (size_t c = 0; c < sizeof(sink_counters) / sizeof(sink_counters[0]); c++) {
        family(b, sink_counters[c].name, "counter", sink_counters[c].help);
        for (size_t i = 0; (s = sink_at(p, i)); i++) {
            sink_get_info(s, &si);
            uint64_t v;
            memcpy(&v, (const char *)&si.c + sink_counters[c].off, sizeof(v));
            s_u64(b, sink_counters[c].name, &(struct lab){ { "sink" }, { si.name } }, v);
        }
    }
}

/* ---- the kernel feed ----------------------------------------------------- */

static void put_kernel(struct buf *b, const struct kfeed_info *k, uint64_t now_ms)
{
    family(b, "bitbabbler_kernel_crng_ready", "gauge", "1 once the kernel's CRNG is ready.");
    s_u64(b, "bitbabbler_kernel_crng_ready", NULL, k->crng_ready);
    family(b, "bitbabbler_kernel_feed_failed", "gauge",
           "1 if feeding the kernel failed (the feed has stopped).");
    s_u64(b, "bitbabbler_kernel_feed_failed", NULL, k->failed);
    family(b, "bitbabbler_kernel_feeds_total", "counter", "Entropy feeds to the kernel.");
    s_u64(b, "bitbabbler_kernel_feeds_total", NULL, k->feeds);
    family(b, "bitbabbler_kernel_fed_bytes_total", "counter", "Bytes fed to the kernel.");
    s_u64(b, "bitbabbler_kernel_fed_bytes_total", NULL, k->bytes_fed);
    family(b, "bitbabbler_kernel_entropy_credited_total", "counter",
           "Entropy bits credited to the kernel.");
    s_u64(b, "bitbabbler_kernel_entropy_credited_total", NULL, k->bits_credited);
    family(b, "bitbabbler_kernel_reseeds_total", "counter", "CRNG reseeds asked of the kernel.");
    s_u64(b, "bitbabbler_kernel_reseeds_total", NULL, k->reseeds);
    family(b, "bitbabbler_kernel_fed_until_ready_bytes", "gauge",
           "Bytes fed to the kernel before its CRNG was seen ready (no sample before).");
    if (k->crng_ready)
        s_u64(b, "bitbabbler_kernel_fed_until_ready_bytes", NULL, k->fed_until_ready);
    family(b, "bitbabbler_kernel_last_reseed_age_seconds", "gauge",
           "Seconds since the last CRNG reseed seedd asked for (none yet: no sample).");
    if (k->last_reseed_ms)
        s_dbl(b, "bitbabbler_kernel_last_reseed_age_seconds", NULL,
              now_ms > k->last_reseed_ms ? (double)(now_ms - k->last_reseed_ms) / 1000.0 : 0.0);
}

int promfmt_render(const struct promfmt_input *in, char **out, size_t *len)
{
    struct buf b = { 0 };
    put_process(&b, in);
    put_devices(&b, in);
    if (in->monitors) {
        put_qa_counts(&b, in->monitors);
        put_fips(&b, in->monitors);
        put_ent(&b, in->monitors);
    }
    if (in->pool) {
        put_pool(&b, in->pool);
        put_sinks(&b, in->pool);
    }
    if (in->kernel)
        put_kernel(&b, in->kernel, in->now_ms);
    if (b.err) {
        free(b.p);
        return b.err;
    }
    *out = b.p;
    *len = b.len;
    return 0;
}
