/* Unit tests for ctlproto: golden replies (exact bytes) for every request
 * type, error, token form and the extra keys, on real health monitors fed
 * known data; the long STATS/RAW objects checked through json-c. */
#include "unit.h"

#include <json-c/json.h>
#include <stdlib.h>

#include "ctlproto.h"
#include "health.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"

/* An ID with '"', '\\' and '/' in it: escaped, but '/' kept as it is. */
#define ODD_ID "q\"b\\c/d"
#define ODD_JSON "q\\\"b\\\\c/d"

struct fixture {
    struct monitors *mons;
    struct health *fresh; /* "A": nothing analysed */
    struct health *odd;   /* ODD_ID: 6 bytes, Ent8/Ent16 short blocks of 6 bytes */
    struct ctlproto_env env;
};

static int level = 2;
static void set_level(int l)
{
    level = l;
}
static int get_level(void)
{
    return level;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_int_equal(monitors_new(&f->mons), 0);
    assert_int_equal(health_new("A", true, &f->fresh), 0);
    assert_int_equal(health_new_ex(ODD_ID, true, 6, 3, &f->odd), 0);
    assert_int_equal(monitors_add(f->mons, "A", f->fresh), 0);
    assert_int_equal(monitors_add(f->mons, ODD_ID, f->odd), 0);
    f->env = (struct ctlproto_env){ .mons = f->mons, .get_verbosity = get_level,
                                    .set_verbosity = set_level };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    monitors_free(f->mons);
    health_free(f->fresh);
    health_free(f->odd);
    free(f);
    return 0;
}

/* The reply to req (len bytes), checked to be one NUL-free JSON text. */
static char *call_n(const struct ctlproto_env *env, const char *req, size_t len)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(ctlproto_handle(env, req, len, &out, &n), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), n);
    json_object *o = json_tokener_parse(out);
    if (!o)
        fail_msg("not JSON: %s", out);
    json_object_put(o);
    return out;
}

static char *call(const struct ctlproto_env *env, const char *req)
{
    return call_n(env, req, strlen(req));
}

static void expect_n(const struct ctlproto_env *env, const char *req, size_t len,
                     const char *want)
{
    char *got = call_n(env, req, len);
    if (strcmp(got, want) != 0)
        fail_msg("request %s\n got: %s\nwant: %s", req, got, want);
    free(got);
}

static void expect(const struct ctlproto_env *env, const char *req, const char *want)
{
    expect_n(env, req, strlen(req), want);
}

#define ZPR "{\"Runs\":0,\"Previous\":0,\"Short\":0,\"Long\":0,\"Peak\":0}"
#define ZFR "{\"Passed\":0,\"Failed\":0,\"Short\":0.000000,\"Long\":0.000000,\"Peak\":0.000000}"
#define ZT "{\"PassRuns\":" ZPR ",\"FailRate\":" ZFR "}"
/* STATS of a monitor that has seen nothing: the whole text, key order and
 * number formats as upstream's. */
#define FRESH_STATS                                                                                \
    "{\"QA\":{\"BytesAnalysed\":0,\"BytesPassed\":0},"                                             \
    "\"FIPS\":{\"Monobit\":" ZT ",\"Poker\":" ZT ",\"Runs\":" ZT ",\"Long run\":" ZT               \
    ",\"Repetition\":" ZT ",\"Proportion\":" ZT ",\"Result\":" ZT "},"                             \
    "\"BitRuns\":{\"Zeros\":0,\"Ones\":0,\"Max\":0,\"Runs\":[],\"Chisq\":0.000000,"                \
    "\"Chisq-p\":1.000000,\"Chisq-k\":1}}"
#define DBLMAX                                                                                     \
    "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632" \
    "766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090" \
    "389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180" \
    "919299881250404026184124858368.000000"

static void feed_six(struct fixture *f)
{
    static const uint8_t six[6] = { 0, 1, 2, 3, 4, 5 };
    assert_false(health_check(f->odd, six, sizeof(six)));
}

static void test_get_ids(void **state)
{
    struct fixture *f = *state;
    expect(&f->env, "\"GetIDs\"", "[\"GetIDs\",0,[\"A\",\"" ODD_JSON "\"]]");
    expect(&f->env, "[\"GetIDs\",7]", "[\"GetIDs\",7,[\"A\",\"" ODD_JSON "\"]]");
    /* Registration order, and an empty registry. */
    struct monitors *empty;
    assert_int_equal(monitors_new(&empty), 0);
    struct ctlproto_env env = { .mons = empty };
    expect(&env, "\"GetIDs\"", "[\"GetIDs\",0,[]]");
    expect(&env, "\"ReportStats\"", "[\"ReportStats\",0,{}]");
    expect(&env, "\"GetRawData\"", "[\"GetRawData\",0,{}]");
    monitors_free(empty);
}

static void test_report_stats(void **state)
{
    struct fixture *f = *state;
    expect(&f->env, "[\"ReportStats\",3,\"A\"]", "[\"ReportStats\",3,{\"A\":" FRESH_STATS "}]");
    expect(&f->env, "[\"ReportStats\",3,\"nope\"]", "[\"ReportStats\",3,{}]");
    /* "" and null: every monitor, as the string form. */
    char *all = call(&f->env, "\"ReportStats\"");
    const char *want = "[\"ReportStats\",0,{\"A\":" FRESH_STATS ",\"" ODD_JSON "\":" FRESH_STATS "}]";
    assert_string_equal(all, want);
    free(all);
    expect(&f->env, "[\"ReportStats\",0,\"\"]", want);
    expect(&f->env, "[\"ReportStats\",0,null]", want);
    /* The odd ID by its (escaped) name. */
    expect(&f->env, "[\"ReportStats\",1,\"" ODD_JSON "\"]",
           "[\"ReportStats\",1,{\"" ODD_JSON "\":" FRESH_STATS "}]");
}

/* Ent8 over the 6 bytes 0..5: one short block, no Monte Carlo sample. */
#define R6(pi, pierr)                                                                              \
    "{\"Entropy\":2.584963,\"Chisq\":250.000000,\"Chisq-p\":0.576635,\"Mean\":2.500000,"           \
    "\"Pi\":" pi ",\"Pi-error\":" pierr ",\"Autocorr\":0.142857,\"MinEntropy\":0.952879}"
#define ENT8_SHORT                                                                                 \
    "\"Ent8\":{\"Short\":{\"Samples\":6,\"Current\":" R6("0.000000", DBLMAX)                       \
    ",\"Min\":" R6(DBLMAX, DBLMAX) ",\"Max\":" R6("3.141593", "0.000000")                          \
    ",\"Failed\":{\"Tested\":1,\"Entropy\":1,\"Chisq\":0,\"Mean\":1,\"Pi\":0,\"Autocorr\":1,"      \
    "\"MinEntropy\":1}},\"Long\":{\"Samples\":6,"

/* Pi with no Monte Carlo sample is 0/0: 0.000000, never nan; its error
 * (+inf) DBL_MAX; after the upstream keys, in order, Ent8 then Ent16. */
static void test_small_ent(void **state)
{
    struct fixture *f = *state;
    feed_six(f);
    char *got = call(&f->env, "[\"ReportStats\",2,\"" ODD_JSON "\"]");
    assert_null(strstr(got, "nan"));
    assert_null(strstr(got, "inf"));
    const char *bitruns = "\"BitRuns\":{\"Zeros\":0,\"Ones\":0,\"Max\":0,\"Runs\":[],"
                          "\"Chisq\":0.000000,\"Chisq-p\":1.000000,\"Chisq-k\":1},";
    const char *p = strstr(got, bitruns);
    assert_non_null(p);
    p += strlen(bitruns);
    if (strncmp(p, ENT8_SHORT, strlen(ENT8_SHORT)) != 0)
        fail_msg("got %s\nwant %s", p, ENT8_SHORT);
    const char *e16 = strstr(got, "},\"Ent16\":{\"Short\":{\"Samples\":3,\"Current\":{\"Entropy\":"
                                  "1.584963,\"Chisq\":65533.000000,");
    assert_non_null(e16);
    assert_true(e16 > p);
    assert_string_equal(got + strlen(got) - 3, "}}]");
    free(got);
}

static void test_raw_small(void **state)
{
    struct fixture *f = *state;
    /* Before any result: {} (upstream's "{," case cannot arise). */
    expect(&f->env, "[\"GetRawData\",4,\"A\"]", "[\"GetRawData\",4,{\"A\":{}}]");
    expect(&f->env, "[\"GetRawData\",4,\"" ODD_JSON "\"]",
           "[\"GetRawData\",4,{\"" ODD_JSON "\":{}}]");
    feed_six(f);
    char *got = call(&f->env, "[\"GetRawData\",4,\"" ODD_JSON "\"]");
    const char *head = "[\"GetRawData\",4,{\"" ODD_JSON "\":{\"Ent8\":{\"Short\":{\"Samples\":6,"
                       "\"Bins\":[1,1,1,1,1,1,0,0,";
    assert_memory_equal(got, head, strlen(head));
    assert_non_null(strstr(got, "0,0],\"PiSamples\":0,\"PiIn\":0,\"Current\":" R6("0.000000", DBLMAX)));
    assert_null(strstr(got, "nan"));
    free(got);
}

/* ---- real data: structure through json-c ------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint8_t rng_byte(void)
{
    /* xorshift64*: deterministic, good enough to pass FIPS */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint8_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 56);
}

/* o's keys are exactly keys[0..n-1], in that order. */
static void keys_are(json_object *o, const char *const *keys, size_t n)
{
    assert_true(json_object_is_type(o, json_type_object));
    size_t i = 0;
    json_object_object_foreach(o, k, v)
    {
        (void)v;
        assert_true(i < n);
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(i, n);
}
#define KEYS(o, ...)                                                                               \
    do {                                                                                           \
        static const char *const k_[] = { __VA_ARGS__ };                                          \
        keys_are((o), k_, sizeof(k_) / sizeof(k_[0]));                                            \
    } while (0)

static json_object *at(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, k, &v))
        fail_msg("no key %s", k);
    return v;
}

static void check_r(json_object *r)
{
    KEYS(r, "Entropy", "Chisq", "Chisq-p", "Mean", "Pi", "Pi-error", "Autocorr", "MinEntropy");
}

static void check_res(json_object *res, bool raw, size_t nbins)
{
    if (raw) {
        KEYS(res, "Samples", "Bins", "PiSamples", "PiIn", "Current", "Min", "Max", "Failed");
        json_object *bins = at(res, "Bins");
        assert_int_equal(json_object_array_length(bins), nbins);
        uint64_t sum = 0;
        for (size_t i = 0; i < nbins; i++)
            sum += json_object_get_uint64(json_object_array_get_idx(bins, i));
        assert_int_equal(sum, json_object_get_uint64(at(res, "Samples")));
    } else {
        KEYS(res, "Samples", "Current", "Min", "Max", "Failed");
    }
    check_r(at(res, "Current"));
    check_r(at(res, "Min"));
    check_r(at(res, "Max"));
    KEYS(at(res, "Failed"), "Tested", "Entropy", "Chisq", "Mean", "Pi", "Autocorr", "MinEntropy");
}

static void test_stats_structure(void **state)
{
    struct fixture *f = *state;
    struct health *h;
    assert_int_equal(health_new_ex("R", true, 20000, 10000, &h), 0);
    assert_int_equal(monitors_add(f->mons, "R", h), 0);
    static uint8_t buf[65536];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = rng_byte();
    health_check(h, buf, sizeof(buf));
    char *txt = call(&f->env, "[\"ReportStats\",5,\"R\"]");
    assert_null(strstr(txt, "nan"));
    json_object *root = json_tokener_parse(txt);
    json_object *s = at(json_object_array_get_idx(root, 2), "R");
    KEYS(s, "QA", "FIPS", "BitRuns", "Ent8", "Ent16");
    KEYS(at(s, "QA"), "BytesAnalysed", "BytesPassed");
    assert_int_equal(json_object_get_uint64(at(at(s, "QA"), "BytesAnalysed")), sizeof(buf));
    json_object *fips = at(s, "FIPS");
    KEYS(fips, "Monobit", "Poker", "Runs", "Long run", "Repetition", "Proportion", "Result");
    json_object *res = at(fips, "Result");
    KEYS(res, "PassRuns", "FailRate");
    KEYS(at(res, "PassRuns"), "Runs", "Previous", "Short", "Long", "Peak");
    KEYS(at(res, "FailRate"), "Passed", "Failed", "Short", "Long", "Peak");
    assert_int_equal(json_object_get_uint64(at(at(res, "FailRate"), "Passed")) +
                         json_object_get_uint64(at(at(res, "FailRate"), "Failed")),
                     sizeof(buf) / 2500);
    json_object *br = at(s, "BitRuns");
    KEYS(br, "Zeros", "Ones", "Max", "Runs", "Chisq", "Chisq-p", "Chisq-k");
    uint64_t max = json_object_get_uint64(at(br, "Max"));
    assert_true(max > 10);
    json_object *runs = at(br, "Runs");
    assert_int_equal(json_object_array_length(runs), max < 64 ? max : 64);
    assert_int_equal(json_object_array_length(json_object_array_get_idx(runs, 0)), 3);
    /* Counts are integers, doubles are "%f" text. */
    assert_true(json_object_is_type(json_object_array_get_idx(json_object_array_get_idx(runs, 0), 0),
                                    json_type_int));
    assert_non_null(strstr(txt, "\"Runs\":[["));
    const struct ent_result *cur = ent_result(health_ent8(h), ENT_SHORT, ENT_CURRENT);
    char want[64];
    snprintf(want, sizeof(want), "\"Current\":{\"Entropy\":%f,\"Chisq\":%f,", cur->entropy,
             cur->chisq);
    assert_non_null(strstr(txt, want));
    for (int e = 0; e < 2; e++) {
        json_object *ent = at(s, e ? "Ent16" : "Ent8");
        KEYS(ent, "Short", "Long");
        check_res(at(ent, "Short"), false, 0);
        check_res(at(ent, "Long"), false, 0);
    }
    json_object_put(root);
    free(txt);

    txt = call(&f->env, "[\"GetRawData\",6,\"R\"]");
    root = json_tokener_parse(txt);
    s = at(json_object_array_get_idx(root, 2), "R");
    KEYS(s, "Ent8", "Ent16");
    for (int e = 0; e < 2; e++) {
        json_object *ent = at(s, e ? "Ent16" : "Ent8");
        KEYS(ent, "Short", "Long");
        check_res(at(ent, "Short"), true, e ? 65536 : 256);
        check_res(at(ent, "Long"), true, e ? 65536 : 256);
    }
    assert_int_equal(json_object_get_uint64(at(at(at(s, "Ent8"), "Short"), "Samples")), 20000);
    json_object_put(root);
    free(txt);
    monitors_remove(f->mons, h);
    health_free(h);
}

/* ---- the other requests ------------------------------------------------------- */

static void test_verbosity(void **state)
{
    struct fixture *f = *state;
    level = 2;
    expect(&f->env, "\"SetLogVerbosity\"", "[\"SetLogVerbosity\",0,2]");
    expect(&f->env, "[\"SetLogVerbosity\",5,3]", "[\"SetLogVerbosity\",5,3]");
    assert_int_equal(level, 3);
    expect(&f->env, "\"SetLogVerbosity\"", "[\"SetLogVerbosity\",0,3]");
    /* The array form needs a level: an error, and the level stays. */
    expect(&f->env, "[\"SetLogVerbosity\",5]",
           "[\"BadRequest\",0,{\"Error\":\"Invalid request, SetLogVerbosity needs a level\","
           "\"Request\":\"[\\\"SetLogVerbosity\\\",5]\"}]");
    expect(&f->env, "[\"SetLogVerbosity\",5,\"4\"]",
           "[\"BadRequest\",0,{\"Error\":\"Invalid request, log level is not an integer\","
           "\"Request\":\"[\\\"SetLogVerbosity\\\",5,\\\"4\\\"]\"}]");
    expect(&f->env, "[\"SetLogVerbosity\",5,-1]",
           "[\"BadRequest\",0,{\"Error\":\"Invalid request, log level out of range\","
           "\"Request\":\"[\\\"SetLogVerbosity\\\",5,-1]\"}]");
    assert_int_equal(level, 3);
    level = 2;
}

static void test_unknown(void **state)
{
    struct fixture *f = *state;
    expect(&f->env, "\"Foo\"", "[\"UnknownRequest\",0,\"\\\"Foo\\\"\"]");
    /* The original text escaped: quote, backslash, control byte; '/' kept. */
    expect(&f->env, "[\"a/\\\\\\u0001\",9,{}]",
           "[\"UnknownRequest\",9,\"[\\\"a/\\\\\\\\\\\\u0001\\\",9,{}]\"]");
    expect(&f->env, " [ \"getids\" , 1 ] ", "[\"UnknownRequest\",1,\" [ \\\"getids\\\" , 1 ] \"]");
}

#define BAD(err, req) "[\"BadRequest\",0,{\"Error\":\"" err "\",\"Request\":\"" req "\"}]"

static void test_bad_requests(void **state)
{
    struct fixture *f = *state;
    const struct ctlproto_env *e = &f->env;
    /* Malformed JSON: json-c's message. */
    expect(e, "[\"GetIDs\"", BAD("unexpected end of data", "[\\\"GetIDs\\\""));
    expect(e, "", BAD("unexpected end of data", ""));
    expect(e, "GetIDs", BAD("unexpected character", "GetIDs"));
    expect(e, "\"GetIDs\" x", BAD("unexpected character", "\\\"GetIDs\\\" x"));
    expect(e, "[\"GetIDs\",1,]", BAD("unexpected character", "[\\\"GetIDs\\\",1,]"));
    /* (json-c takes raw control bytes in a string: escaped in the echo) */
    expect(e, "\"\t\x01\"", "[\"UnknownRequest\",0,\"\\\"\\t\\u0001\\\"\"]");
    /* A NUL inside the frame. */
    expect_n(e, "\"GetIDs\"\0x", 10, BAD("unexpected character", "\\\"GetIDs\\\"\\u0000x"));
    /* Neither string nor array. */
    expect(e, "42", BAD("Invalid request, not an array or string", "42"));
    expect(e, "{\"GetIDs\":1}",
           BAD("Invalid request, not an array or string", "{\\\"GetIDs\\\":1}"));
    expect(e, "null", BAD("Invalid request, not an array or string", "null"));
    /* Array errors. */
    expect(e, "[]", BAD("Invalid request, no command", "[]"));
    expect(e, "[1,2]", BAD("Invalid request, command is not a string", "[1,2]"));
    expect(e, "[\"GetIDs\"]", BAD("Invalid request, no token", "[\\\"GetIDs\\\"]"));
    expect(e, "[\"Foo\"]", BAD("Invalid request, no token", "[\\\"Foo\\\"]"));
    expect(e, "[\"GetIDs\",\"1\"]",
           BAD("Invalid request, token is not a number", "[\\\"GetIDs\\\",\\\"1\\\"]"));
    expect(e, "[\"GetIDs\",null]",
           BAD("Invalid request, token is not a number", "[\\\"GetIDs\\\",null]"));
    expect(e, "[\"ReportStats\",1,5]",
           BAD("Invalid request, monitor ID is not a string", "[\\\"ReportStats\\\",1,5]"));
    expect(e, "[\"GetRawData\",1,[\"A\"]]",
           BAD("Invalid request, monitor ID is not a string", "[\\\"GetRawData\\\",1,[\\\"A\\\"]]"));
}

static void test_too_large(void **state)
{
    (void)state;
    char req[1100];
    memset(req, 'a', sizeof(req));
    req[0] = '/';
    req[1] = '"';
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(ctlproto_too_large(req, sizeof(req), &out, &n), 0);
    const char *head = "[\"BadRequest\",0,{\"Error\":\"Request too large\",\"Request\":\"/\\\"aaa";
    assert_memory_equal(out, head, strlen(head));
    /* The first 1024 bytes: '/', an escaped '"' and 1022 'a'. */
    assert_int_equal(n, strlen("[\"BadRequest\",0,{\"Error\":\"Request too large\",\"Request\":\"") +
                            1 + 2 + 1022 + strlen("\"}]"));
    assert_string_equal(out + n - 4, "a\"}]");
    free(out);
}

/* The token of ["Foo",req] echoed as want. */
#define TOK(req, want) \
    expect(e, "[\"Foo\"," req "]", "[\"UnknownRequest\"," want ",\"[\\\"Foo\\\"," req "]\"]")

static void test_tokens(void **state)
{
    struct fixture *f = *state;
    const struct ctlproto_env *e = &f->env;
    expect(e, "[\"GetIDs\",0]", "[\"GetIDs\",0,[\"A\",\"" ODD_JSON "\"]]");
    /* Integers exactly, up to 2^64-1. */
    TOK("18446744073709551615", "18446744073709551615");
    TOK("9007199254740993", "9007199254740993");
    /* An integer past that saturates (json-c's parse). */
    TOK("18446744073709551616", "18446744073709551615");
    /* Fractions truncated toward zero, as upstream's cast. */
    TOK("1.9", "1");
    TOK("2e3", "2000");
    /* Negative, too large, not finite: 0. */
    TOK("-1", "0");
    TOK("-0.5", "0");
    TOK("1e300", "0");
    TOK("NaN", "0");
}

/* ---- beyond upstream ------------------------------------------------------------ */

static void ready(void *ud)
{
    (void)ud;
}

static void test_extras(void **state)
{
    struct fixture *f = *state;
    struct pool *pool;
    struct sink *s;
    struct health *h;
    assert_int_equal(pool_new(4096, &pool), 0);
    assert_int_equal(sink_new(pool, f->mons, "stdout", ready, NULL, &s), 0);
    assert_int_equal(sink_add_monitor(s, "Pool", &h), 0);
    uint8_t data[1000] = { 0 };
    pool_add(pool, data, sizeof(data));
    sink_count_request(s);
    sink_count_delivered(s, 7);
    struct ctlproto_env env = f->env;
    env.pool = pool;
    char *got = call(&env, "[\"ReportStats\",1,\"Pool\"]");
    const char *tail = "\"Chisq-k\":1},\"Sink\":{\"Name\":\"stdout\",\"State\":\"idle\","
                       "\"Requests\":1,\"Refusals\":0,\"BytesRead\":0,\"BytesDelivered\":7,"
                       "\"BytesDropped\":0},\"PoolFill\":{\"Size\":4096,\"Fill\":1000}}}]";
    assert_true(strlen(got) > strlen(tail));
    assert_string_equal(got + strlen(got) - strlen(tail), tail);
    free(got);
    /* Other monitors get no extra keys. */
    expect(&env, "[\"ReportStats\",3,\"A\"]", "[\"ReportStats\",3,{\"A\":" FRESH_STATS "}]");
    expect(&env, "[\"GetStatus\",4]",
           "[\"GetStatus\",4,{\"Devices\":[],\"Monitors\":["
           "{\"ID\":\"A\",\"Ok\":false,\"BytesAnalysed\":0,\"BytesPassed\":0},"
           "{\"ID\":\"" ODD_JSON "\",\"Ok\":false,\"BytesAnalysed\":0,\"BytesPassed\":0},"
           "{\"ID\":\"Pool\",\"Ok\":false,\"BytesAnalysed\":0,\"BytesPassed\":0}],"
           "\"Pool\":{\"Size\":4096,\"Fill\":1000,\"BytesIn\":1000,\"BytesOut\":0,\"Reads\":0},"
           "\"Sinks\":[{\"Name\":\"stdout\",\"State\":\"idle\",\"First\":false,\"Requests\":1,"
           "\"Refusals\":0,\"BytesRead\":0,\"BytesDelivered\":7,\"BytesDropped\":0,"
           "\"Monitors\":[\"Pool\"]}]}]");
    sink_free(s);
    pool_free(pool);
    expect(&f->env, "\"GetStatus\"",
           "[\"GetStatus\",0,{\"Devices\":[],\"Monitors\":["
           "{\"ID\":\"A\",\"Ok\":false,\"BytesAnalysed\":0,\"BytesPassed\":0},"
           "{\"ID\":\"" ODD_JSON "\",\"Ok\":false,\"BytesAnalysed\":0,\"BytesPassed\":0}],"
           "\"Sinks\":[]}]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_ent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_structure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verbosity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_extras, setup, teardown),
    };
    return unit_run(tests);
}
