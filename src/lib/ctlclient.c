/* ctlclient: requests, replies, the STATS/RAW objects and --waitfor
 * (the formats are in ctlclient_fmt.c). */
#include "ctlclient.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"

const char *const ctlclient_fips_names[CC_FIPS_TESTS] = {
    "Monobit", "Poker", "Runs", "Long run", "Repetition", "Proportion", "Result",
};

static int fail(char *err, size_t len, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t len, int r, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return r;
}

static int to_text(json_object *o, char **out)
{
    const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    char *s = t ? strdup(t) : NULL;
    json_object_put(o);
    if (!s)
        return -ENOMEM;
    *out = s;
    return 0;
}

int ctlclient_request(const char *cmd, unsigned token, const char *id, char **out)
{
    json_object *o;
    if (!cmd)
        return -EINVAL;
    if (!id) {
        o = json_object_new_string(cmd);
    } else {
        o = json_object_new_array();
        if (o) {
            json_object_array_add(o, json_object_new_string(cmd));
            json_object_array_add(o, json_object_new_int64(token));
            json_object_array_add(o, json_object_new_string(id));
        }
    }
    if (!o)
        return -ENOMEM;
    return to_text(o, out);
}

int ctlclient_request_verbosity(unsigned level, char **out)
{
    json_object *o = json_object_new_array();
    if (!o)
        return -ENOMEM;
    json_object_array_add(o, json_object_new_string("SetLogVerbosity"));
    json_object_array_add(o, json_object_new_int(0));
    json_object_array_add(o, json_object_new_int64(level));
    return to_text(o, out);
}

/* The BadRequest reply's Error, if there is one. */
static const char *bad_request_error(json_object *arg)
{
    json_object *e;
    if (arg && json_object_is_type(arg, json_type_object) &&
        json_object_object_get_ex(arg, "Error", &e) && json_object_is_type(e, json_type_string))
        return json_object_get_string(e);
    return NULL;
}

int ctlclient_reply(const char *buf, size_t len, const char *expect, json_object **out,
                    json_object **arg, char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return -ENOMEM;
    json_object *o = json_tokener_parse_ex(tok, buf, (int)(len > 0x7fffffff ? 0x7fffffff : len));
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || je != json_tokener_success || used != len) {
        json_object_put(o);
        return fail(err, errlen, -EPROTO, "the reply is not JSON (%s)",
                    !o || je != json_tokener_success ? json_tokener_error_desc(je)
                                                     : "text after the value");
    }
    json_object *name = NULL;
    if (!json_object_is_type(o, json_type_array) || json_object_array_length(o) != 3 ||
        !json_object_is_type(name = json_object_array_get_idx(o, 0), json_type_string)) {
        json_object_put(o);
        return fail(err, errlen, -EPROTO, "the reply to %s is not [name, token, value]", expect);
    }
    json_object *a = json_object_array_get_idx(o, 2);
    const char *n = json_object_get_string(name);
    if (strcmp(n, expect) != 0) {
        const char *why = bad_request_error(a);
        int r = fail(err, errlen, -EPROTO, "unrecognised reply '%.40s' to %s%s%.200s", n, expect,
                     why ? ": " : "", why ? why : "");
        json_object_put(o);
        return r;
    }
    *out = o;
    *arg = a;
    return 0;
}

/* --- reading objects ------------------------------------------------ */

struct rd {
    char *err;
    size_t errlen;
    int r; /* first error */
};

static json_object *get(struct rd *rd, json_object *o, const char *key, enum json_type t)
{
    json_object *v = NULL;
    if (rd->r)
        return NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v)) {
        rd->r = fail(rd->err, rd->errlen, -EPROTO, "no \"%s\" in the reply", key);
        return NULL;
    }
    bool ok = json_object_is_type(v, t) ||
              (t == json_type_double && json_object_is_type(v, json_type_int));
    if (!ok) {
        rd->r = fail(rd->err, rd->errlen, -EPROTO, "\"%s\" has the wrong type", key);
        return NULL;
    }
    return v;
}

static uint64_t u64(struct rd *rd, json_object *o, const char *key)
{
    json_object *v = get(rd, o, key, json_type_int);
    return v ? json_object_get_uint64(v) : 0;
}

static double dbl(struct rd *rd, json_object *o, const char *key)
{
    json_object *v = get(rd, o, key, json_type_double);
    return v ? json_object_get_double(v) : 0;
}

static const char *const set_names[3] = { "Current", "Min", "Max" };

static void read_result(struct rd *rd, json_object *o, struct cc_result *r)
{
    r->entropy = dbl(rd, o, "Entropy");
    r->chisq = dbl(rd, o, "Chisq");
    r->mean = dbl(rd, o, "Mean");
    r->pi = dbl(rd, o, "Pi");
    r->corr = dbl(rd, o, "Autocorr");
    r->minentropy = dbl(rd, o, "MinEntropy");
}

static void read_bins(struct rd *rd, json_object *o, struct cc_entset *e, unsigned nbins)
{
    json_object *b = get(rd, o, "Bins", json_type_array);
    if (!b)
        return;
    if (json_object_array_length(b) != nbins) {
        rd->r = fail(rd->err, rd->errlen, -EPROTO, "%zu bins, not %u",
                     json_object_array_length(b), nbins);
        return;
    }
    e->bins = calloc(nbins, sizeof(*e->bins));
    if (!e->bins) {
        rd->r = -ENOMEM;
        return;
    }
    e->nbins = nbins;
    for (unsigned i = 0; i < nbins; i++) {
        json_object *v = json_object_array_get_idx(b, i);
        if (!json_object_is_type(v, json_type_int)) {
            rd->r = fail(rd->err, rd->errlen, -EPROTO, "bin %u is not a count", i);
            return;
        }
        e->bins[i] = json_object_get_uint64(v);
    }
}

/* One RES (nbins 0) or DATA (nbins 256 or 65536). */
static void read_entset(struct rd *rd, json_object *o, struct cc_entset *e, unsigned nbins)
{
    e->samples = u64(rd, o, "Samples");
    if (nbins)
        read_bins(rd, o, e, nbins);
    for (int i = 0; i < 3; i++)
        read_result(rd, get(rd, o, set_names[i], json_type_object), &e->r[i]);
    json_object *f = get(rd, o, "Failed", json_type_object);
    e->fail.tested = u64(rd, f, "Tested");
    e->fail.entropy = u64(rd, f, "Entropy");
    e->fail.chisq = u64(rd, f, "Chisq");
    e->fail.mean = u64(rd, f, "Mean");
    e->fail.pi = u64(rd, f, "Pi");
    e->fail.corr = u64(rd, f, "Autocorr");
    e->fail.minentropy = u64(rd, f, "MinEntropy");
}

/* "Ent8"/"Ent16": absent is fine (no results yet). */
static bool read_ent(struct rd *rd, json_object *o, const char *key, struct cc_entset e[2],
                     unsigned nbins)
{
    json_object *v;
    if (rd->r || !json_object_object_get_ex(o, key, &v))
        return false;
    if (!json_object_is_type(v, json_type_object)) {
        rd->r = fail(rd->err, rd->errlen, -EPROTO, "\"%s\" has the wrong type", key);
        return false;
    }
    read_entset(rd, get(rd, v, "Short", json_type_object), &e[0], nbins);
    read_entset(rd, get(rd, v, "Long", json_type_object), &e[1], nbins);
    return true;
}

static void read_bitruns(struct rd *rd, json_object *o, struct cc_bitruns *b)
{
    b->zeros = u64(rd, o, "Zeros");
    b->ones = u64(rd, o, "Ones");
    b->max = u64(rd, o, "Max");
    json_object *runs = get(rd, o, "Runs", json_type_array);
    if (runs) {
        size_t n = json_object_array_length(runs);
        if (n > CC_MAX_RUN) {
            rd->r = fail(rd->err, rd->errlen, -EPROTO, "%zu bit runs, more than %d", n,
                         CC_MAX_RUN);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            json_object *r = json_object_array_get_idx(runs, i);
            json_object *z, *one, *e;
            if (!json_object_is_type(r, json_type_array) || json_object_array_length(r) != 3 ||
                !json_object_is_type(z = json_object_array_get_idx(r, 0), json_type_int) ||
                !json_object_is_type(one = json_object_array_get_idx(r, 1), json_type_int) ||
                !(json_object_is_type(e = json_object_array_get_idx(r, 2), json_type_double) ||
                  json_object_is_type(e, json_type_int))) {
                rd->r = fail(rd->err, rd->errlen, -EPROTO, "bit run %zu is not [n,n,f]", i + 1);
                return;
            }
            b->runs[i][0] = json_object_get_uint64(z);
            b->runs[i][1] = json_object_get_uint64(one);
            b->expected[i] = json_object_get_double(e);
        }
        b->nruns = (unsigned)n;
    }
    b->chisq = dbl(rd, o, "Chisq");
    b->chisqp = dbl(rd, o, "Chisq-p");
    b->k = (unsigned)u64(rd, o, "Chisq-k");
}

int ctlclient_stats(json_object *o, struct cc_stats *s, char *err, size_t errlen)
{
    struct rd rd = { err, errlen, 0 };
    memset(s, 0, sizeof(*s));
    json_object *qa = get(&rd, o, "QA", json_type_object);
    s->analysed = u64(&rd, qa, "BytesAnalysed");
    s->passed = u64(&rd, qa, "BytesPassed");
    json_object *fips = get(&rd, o, "FIPS", json_type_object);
    for (int i = 0; i < CC_FIPS_TESTS && !rd.r; i++) {
        json_object *t = get(&rd, fips, ctlclient_fips_names[i], json_type_object);
        json_object *pr = get(&rd, t, "PassRuns", json_type_object);
        json_object *fr = get(&rd, t, "FailRate", json_type_object);
        s->pr[i].runs = u64(&rd, pr, "Runs");
        s->pr[i].previous = u64(&rd, pr, "Previous");
        s->pr[i].s = u64(&rd, pr, "Short");
        s->pr[i].l = u64(&rd, pr, "Long");
        s->pr[i].peak = u64(&rd, pr, "Peak");
        s->fr[i].passed = u64(&rd, fr, "Passed");
        s->fr[i].failed = u64(&rd, fr, "Failed");
        s->fr[i].s = dbl(&rd, fr, "Short");
        s->fr[i].l = dbl(&rd, fr, "Long");
        s->fr[i].peak = dbl(&rd, fr, "Peak");
    }
    read_bitruns(&rd, get(&rd, o, "BitRuns", json_type_object), &s->br);
    s->has_ent8 = read_ent(&rd, o, "Ent8", s->ent8, 0);
    s->has_ent16 = read_ent(&rd, o, "Ent16", s->ent16, 0);
    return rd.r;
}

void ctlclient_raw_clear(struct cc_raw *r)
{
    if (!r)
        return;
    for (int i = 0; i < 2; i++) {
        free(r->ent8[i].bins);
        free(r->ent16[i].bins);
    }
    memset(r, 0, sizeof(*r));
}

int ctlclient_raw(json_object *o, struct cc_raw *r, char *err, size_t errlen)
{
    struct rd rd = { err, errlen, 0 };
    memset(r, 0, sizeof(*r));
    if (!o || !json_object_is_type(o, json_type_object))
        return fail(err, errlen, -EPROTO, "the raw data is not an object");
    r->has_ent8 = read_ent(&rd, o, "Ent8", r->ent8, 256);
    r->has_ent16 = read_ent(&rd, o, "Ent16", r->ent16, 65536);
    if (rd.r)
        ctlclient_raw_clear(r);
    return rd.r;
}

int ctlclient_bytes_passed(json_object *arg, const char *id, uint64_t *passed)
{
    json_object *m;
    if (!arg || !json_object_is_type(arg, json_type_object))
        return -EPROTO;
    if (!json_object_object_get_ex(arg, id, &m))
        return -ENOENT;
    struct rd rd = { NULL, 0, 0 };
    uint64_t v = u64(&rd, get(&rd, m, "QA", json_type_object), "BytesPassed");
    if (rd.r)
        return rd.r;
    *passed = v;
    return 0;
}

/* --- --waitfor ------------------------------------------------------ */

static int waitfor_ms(const char *what, const char *s, uint64_t min, uint64_t *out, char *err,
                      size_t errlen)
{
    uint64_t v;
    int r = num_parse_scaled_u64(s, 1000, &v);
    if (r == 0 && v > CC_WAITFOR_MAX_MS)
        r = -ERANGE;
    if (r < 0)
        return fail(err, errlen, -EINVAL, "%s '%.40s': %s", what, s,
                    r == -ERANGE ? "too large (at most a year)" : num_strerror(r));
    if (v < min)
        return fail(err, errlen, -EINVAL, "%s must be at least %llu ms", what,
                    (unsigned long long)min);
    *out = v;
    return 0;
}

int ctlclient_parse_waitfor(const char *s, struct cc_waitfor *w, char *err, size_t errlen)
{
    struct cc_waitfor t = { .retry_ms = 1000, .timeout_ms = 0 };
    char buf[512];
    int r;

    if (!s || strlen(s) >= sizeof(buf))
        return fail(err, errlen, -EINVAL, "too long");
    strcpy(buf, s);
    char *field[5] = { buf };
    int n = 1;
    for (char *p = buf; *p; p++) {
        if (*p == ':') {
            if (n == 4)
                return fail(err, errlen, -EINVAL, "more than ID:BYTES:RETRY:TIMEOUT");
            *p = 0;
            field[n++] = p + 1;
        }
    }
    if (n < 2)
        return fail(err, errlen, -EINVAL, "no byte count (ID:BYTES[:RETRY[:TIMEOUT]])");
    if (!field[0][0])
        return fail(err, errlen, -EINVAL, "no device ID");
    if (strlen(field[0]) >= sizeof(t.id))
        return fail(err, errlen, -EINVAL, "device ID too long");
    strcpy(t.id, field[0]);
    r = num_parse_scaled_u64(field[1], 1024, &t.bytes);
    if (r < 0)
        return fail(err, errlen, -EINVAL, "bytes '%.40s': %s", field[1], num_strerror(r));
    if (n > 2 && (r = waitfor_ms("retry", field[2], 1, &t.retry_ms, err, errlen)))
        return r;
    if (n > 3 && (r = waitfor_ms("timeout", field[3], 0, &t.timeout_ms, err, errlen)))
        return r;
    *w = t;
    return 0;
}
