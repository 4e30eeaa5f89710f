/* Unit tests for promfmt: golden text for the process, device, pool, sink
 * and kernel families; the QA families of a health monitor fed known data;
 * label escaping (the format's three escapes, bytes that are not UTF-8);
 * and the shape of the whole text (every sample's family declared once,
 * before it, with HELP and TYPE; counters end _total). */
#include "unit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "kfeed.h"
#include "monitors.h"
#include "pool.h"
#include "promfmt.h"
#include "sink.h"
#include "sources.h"

static char *render(const struct promfmt_input *in)
{
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(promfmt_render(in, &out, &len), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    if (getenv("PROMFMT_DUMP"))
        fputs(out, stderr);
    return out;
}

static void on_ready(void *ud)
{
    (void)ud;
}

static const struct sources_devstat devs[] = {
    { .serial = "AB12", .bus = 1, .dev = 4, .state = SOURCES_STREAMING,
      .bytes_read = 1048576, .bytes_passed = 65536, .recoveries = 2 },
    { .serial = "old\"one", .bus = 1, .dev = 2, .state = SOURCES_GONE,
      .bytes_read = 10, .bytes_passed = 5, .recoveries = 0 },
    /* the same serial again (departed): not listed twice */
    { .serial = "AB12", .bus = 1, .dev = 3, .state = SOURCES_FAILED,
      .bytes_read = 7, .bytes_passed = 7, .recoveries = 7 },
};

static const char golden_plain[] =
    "# HELP bitbabbler_build_info The seedd version, as a label; always 1.\n"
    "# TYPE bitbabbler_build_info gauge\n"
    "bitbabbler_build_info{version=\"0.9.0\"} 1\n"
    "# HELP bitbabbler_uptime_seconds Seconds since seedd started serving.\n"
    "# TYPE bitbabbler_uptime_seconds gauge\n"
    "bitbabbler_uptime_seconds 12.5\n"
    "# HELP bitbabbler_device_state 1 for the device's current state, 0 for the others.\n"
    "# TYPE bitbabbler_device_state gauge\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"starting\"} 0\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"streaming\"} 1\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"idle\"} 0\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"suspended\"} 0\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"recovering\"} 0\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"failed\"} 0\n"
    "bitbabbler_device_state{serial=\"AB12\",state=\"gone\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"starting\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"streaming\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"idle\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"suspended\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"recovering\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"failed\"} 0\n"
    "bitbabbler_device_state{serial=\"old\\\"one\",state=\"gone\"} 1\n"
    "# HELP bitbabbler_device_read_bytes_total Raw bytes read from the device (before folding).\n"
    "# TYPE bitbabbler_device_read_bytes_total counter\n"
    "bitbabbler_device_read_bytes_total{serial=\"AB12\"} 1048576\n"
    "bitbabbler_device_read_bytes_total{serial=\"old\\\"one\"} 10\n"
    "# HELP bitbabbler_device_passed_bytes_total Folded bytes the device's QA gate passed to "
    "its pool group.\n"
    "# TYPE bitbabbler_device_passed_bytes_total counter\n"
    "bitbabbler_device_passed_bytes_total{serial=\"AB12\"} 65536\n"
    "bitbabbler_device_passed_bytes_total{serial=\"old\\\"one\"} 5\n"
    "# HELP bitbabbler_device_recoveries_total Device errors recovered from.\n"
    "# TYPE bitbabbler_device_recoveries_total counter\n"
    "bitbabbler_device_recoveries_total{serial=\"AB12\"} 2\n"
    "bitbabbler_device_recoveries_total{serial=\"old\\\"one\"} 0\n"
    "# HELP bitbabbler_pool_size_bytes Size of the entropy pool.\n"
    "# TYPE bitbabbler_pool_size_bytes gauge\n"
    "bitbabbler_pool_size_bytes 4096\n"
    "# HELP bitbabbler_pool_fill_bytes Bytes in the entropy pool now.\n"
    "# TYPE bitbabbler_pool_fill_bytes gauge\n"
    "bitbabbler_pool_fill_bytes 700\n"
    "# HELP bitbabbler_pool_added_bytes_total Bytes added to the pool (including those mixed "
    "into a full pool).\n"
    "# TYPE bitbabbler_pool_added_bytes_total counter\n"
    "bitbabbler_pool_added_bytes_total 1000\n"
    "# HELP bitbabbler_pool_read_bytes_total Bytes read from the pool.\n"
    "# TYPE bitbabbler_pool_read_bytes_total counter\n"
    "bitbabbler_pool_read_bytes_total 300\n"
    "# HELP bitbabbler_sink_state 1 for the sink's current state, 0 for the others.\n"
    "# TYPE bitbabbler_sink_state gauge\n"
    "bitbabbler_sink_state{sink=\"stdout\",state=\"idle\"} 0\n"
    "bitbabbler_sink_state{sink=\"stdout\",state=\"waiting\"} 1\n"
    "bitbabbler_sink_state{sink=\"stdout\",state=\"done\"} 0\n"
    "bitbabbler_sink_state{sink=\"stdout\",state=\"failed\"} 0\n"
    "# HELP bitbabbler_sink_requests_total Requests for data by the sink's consumer.\n"
    "# TYPE bitbabbler_sink_requests_total counter\n"
    "bitbabbler_sink_requests_total{sink=\"stdout\"} 3\n"
    "# HELP bitbabbler_sink_refusals_total Requests the sink refused.\n"
    "# TYPE bitbabbler_sink_refusals_total counter\n"
    "bitbabbler_sink_refusals_total{sink=\"stdout\"} 1\n"
    "# HELP bitbabbler_sink_read_bytes_total Bytes the sink read from the pool.\n"
    "# TYPE bitbabbler_sink_read_bytes_total counter\n"
    "bitbabbler_sink_read_bytes_total{sink=\"stdout\"} 300\n"
    "# HELP bitbabbler_sink_delivered_bytes_total Bytes the sink passed on to its consumer.\n"
    "# TYPE bitbabbler_sink_delivered_bytes_total counter\n"
    "bitbabbler_sink_delivered_bytes_total{sink=\"stdout\"} 250\n"
    "# HELP bitbabbler_sink_dropped_bytes_total Bytes the sink read that failed its QA and "
    "were not delivered.\n"
    "# TYPE bitbabbler_sink_dropped_bytes_total counter\n"
    "bitbabbler_sink_dropped_bytes_total{sink=\"stdout\"} 50\n"
    "# HELP bitbabbler_kernel_crng_ready 1 once the kernel's CRNG is ready.\n"
    "# TYPE bitbabbler_kernel_crng_ready gauge\n"
    "bitbabbler_kernel_crng_ready 1\n"
    "# HELP bitbabbler_kernel_feed_failed 1 if feeding the kernel failed (the feed has "
    "stopped).\n"
    "# TYPE bitbabbler_kernel_feed_failed gauge\n"
    "bitbabbler_kernel_feed_failed 0\n"
    "# HELP bitbabbler_kernel_feeds_total Entropy feeds to the kernel.\n"
    "# TYPE bitbabbler_kernel_feeds_total counter\n"
    "bitbabbler_kernel_feeds_total 4\n"
    "# HELP bitbabbler_kernel_fed_bytes_total Bytes fed to the kernel.\n"
    "# TYPE bitbabbler_kernel_fed_bytes_total counter\n"
    "bitbabbler_kernel_fed_bytes_total 2500\n"
    "# HELP bitbabbler_kernel_entropy_credited_total Entropy bits credited to the kernel.\n"
    "# TYPE bitbabbler_kernel_entropy_credited_total counter\n"
    "bitbabbler_kernel_entropy_credited_total 20000\n"
    "# HELP bitbabbler_kernel_reseeds_total CRNG reseeds asked of the kernel.\n"
    "# TYPE bitbabbler_kernel_reseeds_total counter\n"
    "bitbabbler_kernel_reseeds_total 3\n"
    "# HELP bitbabbler_kernel_fed_until_ready_bytes Bytes fed to the kernel before its CRNG was "
    "seen ready (no sample before).\n"
    "# TYPE bitbabbler_kernel_fed_until_ready_bytes gauge\n"
    "bitbabbler_kernel_fed_until_ready_bytes 1875\n"
    "# HELP bitbabbler_kernel_last_reseed_age_seconds Seconds since the last CRNG reseed seedd "
    "asked for (none yet: no sample).\n"
    "# TYPE bitbabbler_kernel_last_reseed_age_seconds gauge\n"
    "bitbabbler_kernel_last_reseed_age_seconds 2.5\n";

/* Devices, pool, one sink, the kernel feed: every value distinct, so a
 * counter reading the wrong field shows. */
static void test_golden_plain(void **state)
{
    (void)state;
    struct pool *p;
    struct sink *s;
    uint8_t data[1000] = { 0 }, got[300];
    assert_int_equal(pool_new(4096, &p), 0);
    assert_int_equal(sink_new(p, NULL, "stdout", on_ready, NULL, &s), 0);
    pool_add(p, data, sizeof(data));
    assert_int_equal(sink_read(s, got, sizeof(got)), 300);
    sink_count_request(s);
    sink_count_request(s);
    sink_count_request(s);
    sink_count_refusal(s);
    sink_count_delivered(s, 250);
    sink_count_dropped(s, 50);
    sink_want(s, 10000); /* more than the pool holds: waiting */
    const struct kfeed_info k = { .crng_ready = true, .feeds = 4, .bytes_fed = 2500,
                                  .bits_credited = 20000, .reseeds = 3,
                                  .fed_until_ready = 1875, .last_reseed_ms = 7000 };
    const struct promfmt_input in = {
        .version = "0.9.0", .uptime_ms = 12500, .now_ms = 9500, .devices = devs, .n_devices = 3,
        .pool = p, .kernel = &k,
    };
    char *out = render(&in);
    assert_string_equal(out, golden_plain);
    free(out);
    sink_free(s);
    pool_free(p);
}

/* Nothing running: the families are still declared, with no samples. */
static void test_empty(void **state)
{
    (void)state;
    const struct promfmt_input in = { .version = "v" };
    char *out = render(&in);
    assert_non_null(strstr(out, "# TYPE bitbabbler_device_state gauge\n# HELP "));
    assert_null(strstr(out, "bitbabbler_pool"));
    assert_null(strstr(out, "bitbabbler_kernel"));
    free(out);
}

static void expect_line(const char *out, const char *line)
{
    char want[256];
    snprintf(want, sizeof(want), "\n%s\n", line);
    if (!strstr(out, want)) {
        fprintf(stderr, "missing line: %s\n", line);
        fail();
    }
}

/* One monitor fed 0..255 repeated: Ent8 sees a flat histogram (entropy 8,
 * chi-square 0, mean 127.5); 6 of the 10 FIPS blocks fail poker (and only
 * poker), so a series reading another test's counter shows. */
static void test_qa(void **state)
{
    (void)state;
    struct monitors *m;
    struct health *h;
    enum { LEN = 25600 };
    static uint8_t data[LEN];
    for (size_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)i;
    assert_int_equal(monitors_new(&m), 0);
    assert_int_equal(health_new_ex("S1", true, 2560, 1280, &h), 0);
    assert_int_equal(monitors_add(m, "S1", h), 0);
    health_check(h, data, LEN);
    const struct promfmt_input in = { .version = "v", .monitors = m };
    char *out = render(&in);
    expect_line(out, "bitbabbler_qa_analysed_bytes_total{monitor=\"S1\"} 25600");
    expect_line(out, "bitbabbler_qa_passed_bytes_total{monitor=\"S1\"} 0");
    expect_line(out, "bitbabbler_qa_ok{monitor=\"S1\",test=\"fips\"} 0");
    expect_line(out, "bitbabbler_fips_blocks_total{monitor=\"S1\"} 10");
    expect_line(out, "bitbabbler_fips_failures_total{monitor=\"S1\",test=\"poker\"} 6");
    expect_line(out, "bitbabbler_fips_failures_total{monitor=\"S1\",test=\"result\"} 6");
    expect_line(out, "bitbabbler_fips_failures_total{monitor=\"S1\",test=\"runs\"} 0");
    expect_line(out, "bitbabbler_fips_failures_total{monitor=\"S1\",test=\"monobit\"} 0");
    expect_line(out, "bitbabbler_ent_entropy{monitor=\"S1\",bits=\"8\",term=\"short\"} 8");
    expect_line(out, "bitbabbler_ent_chisq{monitor=\"S1\",bits=\"8\",term=\"long\"} 0");
    expect_line(out, "bitbabbler_ent_mean{monitor=\"S1\",bits=\"8\",term=\"short\"} 127.5");
    /* Ent16 over 12800 samples of 65536 possible: a result, but not flat. */
    assert_non_null(strstr(out, "bitbabbler_ent_mean{monitor=\"S1\",bits=\"16\",term=\"long\"} "));
    free(out);
    monitors_free(m);
    health_free(h);
}

/* A monitor without Ent results has no Ent series (never NaN). */
static void test_no_ent_yet(void **state)
{
    (void)state;
    struct monitors *m;
    struct health *h;
    assert_int_equal(monitors_new(&m), 0);
    assert_int_equal(health_new("Pool", true, &h), 0);
    assert_int_equal(monitors_add(m, "Pool", h), 0);
    const struct promfmt_input in = { .version = "v", .monitors = m };
    char *out = render(&in);
    expect_line(out, "bitbabbler_fips_blocks_total{monitor=\"Pool\"} 0");
    expect_line(out, "# TYPE bitbabbler_ent_entropy gauge");
    assert_null(strstr(out, "bitbabbler_ent_entropy{"));
    assert_null(strstr(out, "NaN"));
    free(out);
    monitors_free(m);
    health_free(h);
}

static void expect_escape(const char *in, const char *want)
{
    char *got = promfmt_escape_label(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape(void **state)
{
    (void)state;
    expect_escape("plain-1.2", "plain-1.2");
    expect_escape("", "");
    expect_escape("a\"b", "a\\\"b");
    expect_escape("a\\b", "a\\\\b");
    expect_escape("a\nb", "a\\nb");
    expect_escape("\\n", "\\\\n");           /* a backslash, then n: not a line feed */
    expect_escape("tab\there", "tab\there"); /* other controls are allowed as they are */
    expect_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_escape("a\xff" "b", "a\xef\xbf\xbd" "b");
    expect_escape("\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd");         /* overlong NUL */
    expect_escape("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
    expect_escape("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    expect_escape("end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd"); /* cut short */
}

/* A serial with every kind of special byte, as a device sample shows it. */
static void test_escape_in_output(void **state)
{
    (void)state;
    const struct sources_devstat d[] = {
        { .serial = "q\"b\\s\nn\xfe", .state = SOURCES_IDLE, .bytes_read = 1 },
    };
    const struct promfmt_input in = { .version = "1\"\\", .devices = d, .n_devices = 1 };
    char *out = render(&in);
    expect_line(out, "bitbabbler_build_info{version=\"1\\\"\\\\\"} 1");
    expect_line(out, "bitbabbler_device_read_bytes_total{serial=\"q\\\"b\\\\s\\nn\xef\xbf\xbd\"} 1");
    free(out);
}

/* The shape of a full text: each sample's name (less a histogram suffix,
 * which we have none of) was declared by one TYPE line just before its
 * family's samples, each family once, HELP before TYPE; counters end in
 * _total, names start bitbabbler_. */
static void check_shape(const char *out)
{
    char seen[64][64];
    size_t n_seen = 0;
    char cur[64] = "";
    bool help = false;
    for (const char *l = out; *l;) {
        const char *e = strchr(l, '\n');
        assert_non_null(e);
        char line[512];
        size_t n = (size_t)(e - l);
        assert_true(n < sizeof(line));
        memcpy(line, l, n);
        line[n] = '\0';
        char name[64], type[16];
        if (sscanf(line, "# HELP %63s", name) == 1) {
            assert_false(help);
            help = true;
        } else if (sscanf(line, "# TYPE %63s %15s", name, type) == 2) {
            assert_true(help);
            help = false;
            for (size_t i = 0; i < n_seen; i++)
                assert_string_not_equal(seen[i], name);
            assert_true(n_seen < 64);
            strcpy(seen[n_seen++], name);
            strcpy(cur, name);
            assert_int_equal(strncmp(name, "bitbabbler_", 11), 0);
            size_t nl = strlen(name);
            bool total = nl > 6 && strcmp(name + nl - 6, "_total") == 0;
            assert_int_equal(total, strcmp(type, "counter") == 0);
        } else {
            assert_false(help);
            size_t nl = strcspn(line, "{ ");
            assert_int_equal(nl, strlen(cur));
            assert_memory_equal(line, cur, nl);
            assert_non_null(strchr(line, ' '));
        }
        l = e + 1;
    }
}

static void test_shape(void **state)
{
    (void)state;
    struct monitors *m;
    struct health *h;
    struct pool *p;
    struct sink *s;
    assert_int_equal(monitors_new(&m), 0);
    assert_int_equal(health_new_ex("X", true, 2560, 1280, &h), 0);
    assert_int_equal(monitors_add(m, "X", h), 0);
    static uint8_t data[25600];
    health_check(h, data, sizeof(data));
    assert_int_equal(pool_new(4096, &p), 0);
    assert_int_equal(sink_new(p, m, "kernel", on_ready, NULL, &s), 0);
    const struct kfeed_info k = { 0 };
    const struct promfmt_input in = { .version = "v", .devices = devs, .n_devices = 3,
                                      .monitors = m, .pool = p, .kernel = &k };
    char *out = render(&in);
    check_shape(out);
    free(out);
    sink_free(s);
    pool_free(p);
    monitors_free(m);
    health_free(h);
}

/* Before the CRNG is ready and before any reseed: the two families are
 * declared, without a sample (a 0 would read as "ready, nothing fed" and
 * "reseeded just now"). */
static void test_kernel_not_yet(void **state)
{
    (void)state;
    const struct kfeed_info k = { .feeds = 2, .bytes_fed = 1250, .bits_credited = 10000 };
    const struct promfmt_input in = { .version = "v", .now_ms = 5000, .kernel = &k };
    char *out = render(&in);
    assert_non_null(strstr(out, "# TYPE bitbabbler_kernel_fed_until_ready_bytes gauge\n"));
    assert_non_null(strstr(out, "# TYPE bitbabbler_kernel_last_reseed_age_seconds gauge\n"));
    assert_null(strstr(out, "\nbitbabbler_kernel_fed_until_ready_bytes "));
    assert_null(strstr(out, "\nbitbabbler_kernel_last_reseed_age_seconds "));
    assert_non_null(strstr(out, "\nbitbabbler_kernel_crng_ready 0\n"));
    assert_non_null(strstr(out, "\nbitbabbler_kernel_fed_bytes_total 1250\n"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_plain),  cmocka_unit_test(test_empty),
        cmocka_unit_test(test_qa),            cmocka_unit_test(test_no_ent_yet),
        cmocka_unit_test(test_escape),        cmocka_unit_test(test_escape_in_output),
        cmocka_unit_test(test_shape),         cmocka_unit_test(test_kernel_not_yet),
    };
    return unit_run(tests);
}
