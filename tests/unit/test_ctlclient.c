/* Unit tests for ctlclient: requests (escaped IDs), reply checks, the STATS
 * and RAW objects, bbctl's report formats against hand-computed text (spec
 * §9.2), and the --waitfor parser. */
#include "unit.h"

#include <json-c/json.h>
#include <stdlib.h>

#include "ctlclient.h"

/* The formatter's output as a string (free it). */
#define CAPTURE(var, call)                                                                         \
    do {                                                                                           \
        size_t cap_len_;                                                                           \
        FILE *f = open_memstream(&(var), &cap_len_);                                               \
        assert_non_null(f);                                                                        \
        call;                                                                                      \
        fclose(f);                                                                                 \
    } while (0)

static void test_requests(void **state)
{
    (void)state;
    char *s;
    assert_int_equal(ctlclient_request("GetIDs", 0, NULL, &s), 0);
    assert_string_equal(s, "\"GetIDs\"");
    free(s);
    assert_int_equal(ctlclient_request("ReportStats", 1, "GK9VZF", &s), 0);
    assert_string_equal(s, "[\"ReportStats\",1,\"GK9VZF\"]");
    free(s);
    /* Escaped (upstream spliced the ID in raw); '/' as is. */
    assert_int_equal(ctlclient_request("GetRawData", 1, "a\"b\\c/d\x01", &s), 0);
    assert_string_equal(s, "[\"GetRawData\",1,\"a\\\"b\\\\c/d\\u0001\"]");
    free(s);
    assert_int_equal(ctlclient_request_verbosity(3, &s), 0);
    assert_string_equal(s, "[\"SetLogVerbosity\",0,3]");
    free(s);
    assert_int_equal(ctlclient_request(NULL, 0, NULL, &s), -EINVAL);
}

static int reply(const char *text, const char *expect, char *err)
{
    json_object *o = NULL, *arg = NULL;
    int r = ctlclient_reply(text, strlen(text), expect, &o, &arg, err, 200);
    json_object_put(o);
    return r;
}

static void test_replies(void **state)
{
    (void)state;
    char err[200];
    json_object *o, *arg;
    const char *ok = "[\"GetIDs\",0,[\"A\",\"B\"]]";
    assert_int_equal(ctlclient_reply(ok, strlen(ok), "GetIDs", &o, &arg, err, sizeof(err)), 0);
    assert_int_equal(json_object_array_length(arg), 2);
    json_object_put(o);

    assert_int_equal(reply("[\"GetIDs\",0,[]]", "ReportStats", err), -EPROTO);
    assert_string_equal(err, "unrecognised reply 'GetIDs' to ReportStats");
    assert_int_equal(reply("[\"BadRequest\",0,{\"Error\":\"Request too large\",\"Request\":\"x\"}]",
                           "GetIDs", err),
                     -EPROTO);
    assert_string_equal(err, "unrecognised reply 'BadRequest' to GetIDs: Request too large");
    assert_int_equal(reply("[\"GetIDs\",0,[]] x", "GetIDs", err), -EPROTO);
    assert_non_null(strstr(err, "not JSON"));
    assert_int_equal(reply("{\"GetIDs\":1}", "GetIDs", err), -EPROTO);
    assert_int_equal(reply("[\"GetIDs\",0]", "GetIDs", err), -EPROTO);
    assert_int_equal(reply("[1,0,2]", "GetIDs", err), -EPROTO);
    assert_int_equal(reply("", "GetIDs", err), -EPROTO);
}

static void test_scan(void **state)
{
    (void)state;
    char *out;
    json_object *ids = json_tokener_parse("[\"GK9VZF\",\"we\\\"ird\"]");
    CAPTURE(out, assert_int_equal(ctlclient_fmt_scan(f, ids), 0));
    assert_string_equal(out, "Have 2 active devices:\n  Device ID: GK9VZF\n  Device ID: we\"ird\n");
    free(out);
    json_object_put(ids);
    ids = json_tokener_parse("[\"K\"]");
    CAPTURE(out, assert_int_equal(ctlclient_fmt_scan(f, ids), 0));
    assert_string_equal(out, "Have 1 active device:\n  Device ID: K\n");
    free(out);
    json_object_put(ids);
    ids = json_tokener_parse("[1]");
    CAPTURE(out, assert_int_equal(ctlclient_fmt_scan(f, ids), -EPROTO));
    free(out);
    json_object_put(ids);
}

#define PR0 "\"PassRuns\":{\"Runs\":0,\"Previous\":0,\"Short\":0,\"Long\":0,\"Peak\":0}"
#define FR0 "\"FailRate\":{\"Passed\":1000,\"Failed\":0,\"Short\":0.000000,\"Long\":0.000000,\"Peak\":0.000000}"
#define T0(name) "\"" name "\":{" PR0 "," FR0 "}"
#define RES(e, c, m, pi, ac, h)                                                                    \
    "{\"Entropy\":" e ",\"Chisq\":" c ",\"Chisq-p\":0.5,\"Mean\":" m ",\"Pi\":" pi                 \
    ",\"Pi-error\":0.0,\"Autocorr\":" ac ",\"MinEntropy\":" h "}"
#define FAILED "{\"Tested\":9,\"Entropy\":1,\"Chisq\":2,\"Mean\":3,\"Pi\":4,\"Autocorr\":5,\"MinEntropy\":6}"
#define SET(n)                                                                                     \
    "{\"Samples\":" n ",\"Current\":" RES("7.999600", "255.000000", "127.400000", "3.140000",     \
                                             "0.001200", "7.800000")                              \
    ",\"Min\":" RES("7.999000", "200.000000", "127.500000", "3.141593", "-0.000010", "7.700000")   \
    ",\"Max\":" RES("7.999900", "300.000000", "127.000000", "3.150000", "0.010000", "7.900000")    \
    ",\"Failed\":" FAILED "}"

/* One monitor: Monobit and Result failed, Ent8 only.  Result's Short is
 * 1500/2^20 = 0.001430512 (printed %f: 0.001431, which upstream's client
 * takes back to 1500.6 -> 1500 in Q20: 1.431 per 1000); Monobit's Short
 * 0.001000 is 1048.6 -> 1048: 0.999 (not 1.000); Long from the counts. */
static const char *stats_json =
    "{\"QA\":{\"BytesAnalysed\":70000,\"BytesPassed\":65536},"
    "\"FIPS\":{"
    "\"Monobit\":{\"PassRuns\":{\"Runs\":2,\"Previous\":400,\"Short\":300,\"Long\":350,\"Peak\":600},"
    "\"FailRate\":{\"Passed\":998,\"Failed\":2,\"Short\":0.001000,\"Long\":0.002000,\"Peak\":0.002000}},"
    T0("Poker") "," T0("Runs") "," T0("Long run") "," T0("Repetition") "," T0("Proportion") ","
    "\"Result\":{\"PassRuns\":{\"Runs\":2,\"Previous\":400,\"Short\":300,\"Long\":350,\"Peak\":600},"
    "\"FailRate\":{\"Passed\":998,\"Failed\":2,\"Short\":0.001431,\"Long\":0.002000,\"Peak\":0.004000}}},"
    "\"BitRuns\":{\"Zeros\":20,\"Ones\":20,\"Max\":2,\"Runs\":[[10,12,11.000000],[5,4,5.500000]],"
    "\"Chisq\":1.500000,\"Chisq-p\":0.500000,\"Chisq-k\":3},"
    "\"Ent8\":{\"Short\":" SET("500000") ",\"Long\":" SET("1000000") "}}";

#define ENT_LINES                                                                                  \
    "Current: Hs 7.999600, Hm 7.800000, Mean 127.400000, Corr  0.00120000, "                      \
    "\xcf\x80 3.14000000 (-0.05070), \xcf\x87\xc2\xb2 255.000000 (0.49)\n"                         \
    "    Min: Hs 7.999000, Hm 7.700000, Mean 127.500000, Corr -0.00001000, "                      \
    "\xcf\x80 3.14159300 ( 0.00001), \xcf\x87\xc2\xb2 200.000000 (1.00)\n"                         \
    "    Max: Hs 7.999900, Hm 7.900000, Mean 127.000000, Corr  0.01000000, "                      \
    "\xcf\x80 3.15000000 ( 0.26761), \xcf\x87\xc2\xb2 300.000000 (0.03)\n"                         \
    "Failure: Tested 9, Hs 1, Hm 6, Mean 3, Corr 5, \xcf\x80 4, \xcf\x87\xc2\xb2 2\n"

static void test_stats(void **state)
{
    (void)state;
    char err[200], *out;
    struct cc_stats s;
    json_object *o = json_tokener_parse(stats_json);
    assert_non_null(o);
    assert_int_equal(ctlclient_stats(o, &s, err, sizeof(err)), 0);
    assert_true(s.has_ent8);
    assert_false(s.has_ent16);
    assert_int_equal(s.passed, 65536);
    assert_int_equal(s.br.nruns, 2);
    CAPTURE(out, ctlclient_fmt_stats(f, "GK9VZF", &s));
    assert_string_equal(out,
        "\nsource: GK9VZF\n"
        "Octets analysed 70000, passed 65536, (not passed 4464)\n"
        "FIPS Fail rate: 2 / 1000 1.431 2.000 4.000, Monobit: 2 0.999 2.000 2.000\n"
        "FIPS Pass runs: 2 300 350 600, Monobit: 2 300 350 600\n"
        "Ent8 short Samples: 500000\n" ENT_LINES
        "Ent8 long Samples: 1000000\n" ENT_LINES
        "Ent16: no results (yet)\n");
    free(out);

    CAPTURE(out, ctlclient_fmt_bitruns(f, &s.br));
    assert_string_equal(out,
        "run of        zeros         ones     bias               expect     e0 %       e1 %"
        "       e0\xc2\xb2/e      e1\xc2\xb2/e    d0         d1\n"
        "    1:           10           12     0.833333           11.000    -9.0909     9.0909"
        "      0.09-      0.09 \n"
        "    2:            5            4     1.250000            5.500    -9.0909   -27.2727"
        "      0.05-      0.41-   0.500000   0.333333\n"
        "\ntotal:           20           20     1.000000            \xcf\x87\xc2\xb2 = 1.500000"
        " (p = 0.500000), k = 3");
    free(out);

    /* Max >= 64: the note; rows stop at 64. */
    s.br.max = 70;
    CAPTURE(out, ctlclient_fmt_bitruns(f, &s.br));
    assert_non_null(strstr(out, "k = 3\nMax run was 70"));
    assert_non_null(strstr(out, "\n   64: "));
    assert_null(strstr(out, "\n   65: "));
    free(out);

    /* Bytes passed for --waitfor. */
    json_object *all = json_tokener_parse("{\"GK9VZF\":{\"QA\":{\"BytesPassed\":7}}}");
    uint64_t p = 0;
    assert_int_equal(ctlclient_bytes_passed(all, "GK9VZF", &p), 0);
    assert_int_equal(p, 7);
    assert_int_equal(ctlclient_bytes_passed(all, "Kernel", &p), -ENOENT);
    json_object_put(all);
    all = json_tokener_parse("{\"GK9VZF\":{\"QA\":{}}}");
    assert_int_equal(ctlclient_bytes_passed(all, "GK9VZF", &p), -EPROTO);
    json_object_put(all);
    json_object_put(o);

    /* A key missing: -EPROTO, named. */
    o = json_tokener_parse("{\"QA\":{\"BytesAnalysed\":1}}");
    assert_int_equal(ctlclient_stats(o, &s, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, "no \"BytesPassed\" in the reply");
    json_object_put(o);
}

/* 256 bins of 10, bin 5 has 20, bin 9 none: expected 10, N 2560. */
static char *raw_json(void)
{
    char *s = NULL;
    size_t len;
    FILE *f = open_memstream(&s, &len);
    fputs("{\"Ent8\":{", f);
    for (int part = 0; part < 2; part++) {
        fprintf(f, "%s\"%s\":{\"Samples\":2560,\"Bins\":[", part ? "," : "", part ? "Long" : "Short");
        for (int i = 0; i < 256; i++)
            fprintf(f, "%s%d", i ? "," : "", i == 5 ? 20 : i == 9 ? 0 : 10);
        fputs("],\"PiSamples\":426,\"PiIn\":334,\"Current\":" RES("1", "2", "3", "4", "5", "6")
              ",\"Min\":" RES("1", "2", "3", "4", "5", "6") ",\"Max\":" RES("1", "2", "3", "4", "5", "6")
              ",\"Failed\":" FAILED "}", f);
    }
    fputs("}}", f);
    fclose(f);
    return s;
}

#define BIN_HEAD                                                                                   \
    "Samples: 2560\nRank         Bin     Freq               Error      \xcf\x87\xc2\xb2    % of Samples\n"
#define BIN_TAIL                                                                                   \
    "  Expected 10.000,  +10.000 (+100.000%), -10.000 (-100.000%)\n  \xcf\x87\xc2\xb2 20.00 (p = 1.000000)"
#define ROW5 "  1:  00000101 05 -> 20                +10.00     10.00  0.007812500\n"
#define ROW0 "  2:  00000000 00 -> 10                 +0.00      0.00  0.003906250\n"
#define ROW1 "  3:  00000001 01 -> 10                 +0.00      0.00  0.003906250\n"
#define ROW9 "256:  00001001 09 -> 0                 -10.00     10.00  0.000000000\n"
#define ROWFF "255:  11111111 ff -> 10                 +0.00      0.00  0.003906250\n"

static void test_bins(void **state)
{
    (void)state;
    char err[200], *out, *js = raw_json();
    struct cc_raw raw;
    json_object *o = json_tokener_parse(js);
    free(js);
    assert_int_equal(ctlclient_raw(o, &raw, err, sizeof(err)), 0);
    json_object_put(o);
    assert_true(raw.has_ent8);
    assert_false(raw.has_ent16);
    assert_int_equal(raw.ent8[1].nbins, 256);

    /* By frequency: ranks 1, 2 (--first=2) and the last (--last=1). */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], true, 2, 1), 0));
    assert_string_equal(out, BIN_HEAD ROW5 ROW0 ROW9 BIN_TAIL);
    free(out);
    /* Symbol order: symbols 0 and 255, ranked (ties in symbol order). */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], false, 1, 1), 0));
    assert_string_equal(out, BIN_HEAD ROW0 ROWFF BIN_TAIL);
    free(out);
    /* --first=3 alone (upstream: --last becomes 0). */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], true, 3, 0), 0));
    assert_string_equal(out, BIN_HEAD ROW5 ROW0 ROW1 BIN_TAIL);
    free(out);
    /* --last=1 alone. */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], true, 0, 1), 0));
    assert_string_equal(out, BIN_HEAD ROW9 BIN_TAIL);
    free(out);
    /* Neither: no header, no rows. */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], true, 0, 0), 0));
    assert_string_equal(out, "Samples: 2560\n" BIN_TAIL);
    free(out);
    /* All (the default): 256 rows. */
    CAPTURE(out, assert_int_equal(ctlclient_fmt_bins(f, &raw.ent8[0], true, CTLCLIENT_ALL_BINS,
                                                     CTLCLIENT_ALL_BINS), 0));
    int rows = 0;
    for (char *p = out; (p = strstr(p, " -> ")); p++)
        rows++;
    assert_int_equal(rows, 256);
    free(out);
    ctlclient_raw_clear(&raw);
    ctlclient_raw_clear(NULL);

    /* Wrong number of bins. */
    o = json_tokener_parse("{\"Ent8\":{\"Short\":{\"Samples\":1,\"Bins\":[1,2]}}}");
    assert_int_equal(ctlclient_raw(o, &raw, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, "2 bins, not 256");
    json_object_put(o);
    o = json_tokener_parse("{}");
    assert_int_equal(ctlclient_raw(o, &raw, err, sizeof(err)), 0);
    assert_false(raw.has_ent8);
    json_object_put(o);
}

static void test_waitfor(void **state)
{
    (void)state;
    struct cc_waitfor w;
    char err[200];
    assert_int_equal(ctlclient_parse_waitfor("GK9VZF:1k", &w, err, sizeof(err)), 0);
    assert_string_equal(w.id, "GK9VZF");
    assert_int_equal(w.bytes, 1024);
    assert_int_equal(w.retry_ms, 1000);
    assert_int_equal(w.timeout_ms, 0);
    assert_int_equal(ctlclient_parse_waitfor("Kernel:2500:250:30k", &w, err, sizeof(err)), 0);
    assert_string_equal(w.id, "Kernel");
    assert_int_equal(w.bytes, 2500);
    assert_int_equal(w.retry_ms, 250);
    assert_int_equal(w.timeout_ms, 30000);
    assert_int_equal(ctlclient_parse_waitfor("/dev/hwrng:1Mi:1:0", &w, err, sizeof(err)), 0);
    assert_string_equal(w.id, "/dev/hwrng");
    assert_int_equal(w.bytes, 1048576);
    assert_int_equal(w.retry_ms, 1);
    assert_int_equal(ctlclient_parse_waitfor("X:2M:1k", &w, err, sizeof(err)), 0);
    assert_int_equal(w.bytes, 2097152);
    assert_int_equal(w.retry_ms, 1000);

    struct cc_waitfor keep = { .id = "keep", .bytes = 5 };
    static const struct {
        const char *s, *why;
    } bad[] = {
        { "X", "no byte count" },
        { ":1", "no device ID" },
        { "X:", "bytes ''" },
        { "X:abc", "bytes 'abc'" },
        { "X:1:0", "retry must be at least 1 ms" },
        { "X:1:1:2y", "timeout '2y'" },
        { "X:1:1:2:3", "more than" },
        { "X:1:1:400000000000", "too large" },
        { "X:1:-5", "retry '-5'" },
        { "X:99999999999999999999", "bytes" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        w = keep;
        err[0] = 0;
        assert_int_equal(ctlclient_parse_waitfor(bad[i].s, &w, err, sizeof(err)), -EINVAL);
        if (!strstr(err, bad[i].why))
            fail_msg("'%s': '%s' does not say '%s'", bad[i].s, err, bad[i].why);
        assert_string_equal(w.id, "keep");
    }
    char longid[300];
    memset(longid, 'a', 280);
    strcpy(longid + 280, ":1");
    assert_int_equal(ctlclient_parse_waitfor(longid, &w, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "device ID too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests), cmocka_unit_test(test_replies),
        cmocka_unit_test(test_scan),     cmocka_unit_test(test_stats),
        cmocka_unit_test(test_bins),     cmocka_unit_test(test_waitfor),
    };
    return unit_run(tests);
}
