/* Unit tests for udpproto: upstream's 2-byte request format, the CIDR
 * allow-list (IPv4, IPv6, v4-mapped sources, prefix edges) and the token
 * buckets with time passed in. */
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "udpproto.h"

static void test_parse(void **state)
{
    (void)state;
    unsigned n = 99;
    const uint8_t r16[] = { 0x00, 0x10 }, r1[] = { 0x00, 0x01 }, rmax[] = { 0x80, 0x00 };
    const uint8_t r0[] = { 0x00, 0x00 }, rover[] = { 0x80, 0x01 }, rff[] = { 0xff, 0xff };
    const uint8_t r3[] = { 0x00, 0x10, 0x00 };
    assert_int_equal(udpproto_parse(r16, 2, &n), 0);
    assert_int_equal(n, 16);
    assert_int_equal(udpproto_parse(r1, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(udpproto_parse(rmax, 2, &n), 0);
    assert_int_equal(n, 32768);
    n = 99;
    assert_int_equal(udpproto_parse(r0, 2, &n), -EDOM);
    assert_int_equal(udpproto_parse(rover, 2, &n), -ERANGE);
    assert_int_equal(udpproto_parse(rff, 2, &n), -ERANGE);
    assert_int_equal(udpproto_parse(r3, 3, &n), -EMSGSIZE);
    assert_int_equal(udpproto_parse(r16, 1, &n), -EMSGSIZE);
    assert_int_equal(udpproto_parse(r16, 0, &n), -EMSGSIZE);
    assert_int_equal(udpproto_parse(NULL, 2, &n), -EMSGSIZE);
    assert_int_equal(n, 99);
    assert_string_equal(udpproto_strerror(-EMSGSIZE), "not 2 bytes");
    assert_string_equal(udpproto_strerror(-EDOM), "zero count");
    assert_string_equal(udpproto_strerror(-ERANGE), "count above 32768");
    assert_string_equal(udpproto_strerror(0), "?");
}

static struct sockaddr_storage ss;

static const struct sockaddr *v4(const char *a)
{
    struct sockaddr_in *s = (struct sockaddr_in *)&ss;
    memset(&ss, 0, sizeof(ss));
    s->sin_family = AF_INET;
    s->sin_port = htons(1234);
    assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
    return (const struct sockaddr *)&ss;
}

static const struct sockaddr *v6(const char *a)
{
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
    memset(&ss, 0, sizeof(ss));
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(1234);
    assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
    return (const struct sockaddr *)&ss;
}

#define L4 ((socklen_t)sizeof(struct sockaddr_in))
#define L6 ((socklen_t)sizeof(struct sockaddr_in6))

static struct udpacl *acl_ok(const char *text)
{
    struct udpacl *a = NULL;
    char err[200] = "untouched";
    int r = udpacl_parse(text, &a, err, sizeof(err));
    if (r)
        fail_msg("udpacl_parse('%s') = %d: %s", text, r, err);
    assert_string_equal(err, "");
    return a;
}

static void acl_bad(const char *text, const char *needle)
{
    struct udpacl *a = (struct udpacl *)1;
    char err[200] = "";
    assert_int_equal(udpacl_parse(text, &a, err, sizeof(err)), -EINVAL);
    assert_ptr_equal(a, (struct udpacl *)1);
    if (!strstr(err, needle))
        fail_msg("udpacl_parse('%s'): '%s' lacks '%s'", text, err, needle);
}

static void test_acl_default(void **state)
{
    (void)state;
    struct udpacl *a = NULL;
    char buf[200];
    assert_int_equal(udpacl_new_default(&a), 0);
    assert_string_equal(udpacl_format(a, buf, sizeof(buf)), "127.0.0.0/8,::1/128");
    assert_true(udpacl_allows(a, v4("127.0.0.1"), L4));
    assert_true(udpacl_allows(a, v4("127.255.255.254"), L4));
    assert_true(udpacl_allows(a, v6("::1"), L6));
    assert_true(udpacl_allows(a, v6("::ffff:127.0.0.1"), L6)); /* dual-stack socket */
    assert_false(udpacl_allows(a, v4("128.0.0.1"), L4));
    assert_false(udpacl_allows(a, v4("10.0.0.1"), L4));
    assert_false(udpacl_allows(a, v6("::2"), L6));
    assert_false(udpacl_allows(a, v6("::ffff:10.0.0.1"), L6));
    assert_false(udpacl_allows(a, v6("fe80::1"), L6));
    assert_false(udpacl_allows(a, v4("127.0.0.1"), L4 - 1));  /* short */
    assert_false(udpacl_allows(NULL, v4("127.0.0.1"), L4));
    struct sockaddr_un_like {
        sa_family_t f;
        char p[30];
    } un = { AF_UNIX, "x" };
    assert_false(udpacl_allows(a, (const struct sockaddr *)&un, sizeof(un)));
    udpacl_free(a);
}

static void test_acl_prefixes(void **state)
{
    (void)state;
    struct udpacl *a = acl_ok(" 10.0.0.0/8 , 192.168.1.5,fd00::/8,\t2001:db8::/33 ");
    char buf[200];
    assert_int_equal(udpacl_count(a), 4);
    assert_string_equal(udpacl_format(a, buf, sizeof(buf)),
                        "10.0.0.0/8,192.168.1.5/32,fd00::/8,2001:db8::/33");
    assert_true(udpacl_allows(a, v4("10.255.0.1"), L4));
    assert_false(udpacl_allows(a, v4("11.0.0.0"), L4));
    assert_false(udpacl_allows(a, v4("9.255.255.255"), L4));
    assert_true(udpacl_allows(a, v4("192.168.1.5"), L4));
    assert_false(udpacl_allows(a, v4("192.168.1.4"), L4));
    assert_false(udpacl_allows(a, v4("192.168.1.6"), L4));
    assert_true(udpacl_allows(a, v6("fdff::1"), L6));
    assert_false(udpacl_allows(a, v6("fe00::1"), L6));
    /* /33: bit 33 (the first of the third 16-bit group) decides. */
    assert_true(udpacl_allows(a, v6("2001:db8:7fff::1"), L6));
    assert_false(udpacl_allows(a, v6("2001:db8:8000::1"), L6));
    /* An IPv4 network does not match an IPv6 source of the same bits. */
    assert_false(udpacl_allows(a, v6("::a00:1"), L6));
    udpacl_free(a);

    /* Every prefix length of a v4 network: the last address inside, the
     * first outside. */
    for (unsigned p = 1; p <= 32; p++) {
        char t[40];
        snprintf(t, sizeof(t), "128.0.0.0/%u", p);
        a = acl_ok(t);
        uint32_t last = p == 32 ? 0x80000000u : 0x80000000u | (0xffffffffu >> p);
        char in[20], out[20];
        snprintf(in, sizeof(in), "%u.%u.%u.%u", last >> 24, last >> 16 & 255, last >> 8 & 255,
                 last & 255);
        uint32_t o = last + 1;
        snprintf(out, sizeof(out), "%u.%u.%u.%u", o >> 24, o >> 16 & 255, o >> 8 & 255, o & 255);
        if (!udpacl_allows(a, v4(in), L4))
            fail_msg("/%u does not allow %s", p, in);
        if (udpacl_allows(a, v4(out), L4))
            fail_msg("/%u allows %s", p, out);
        if (udpacl_allows(a, v4("127.255.255.255"), L4))
            fail_msg("/%u allows 127.255.255.255", p);
        udpacl_free(a);
    }

    a = acl_ok("0.0.0.0/0,::/0");
    assert_true(udpacl_allows(a, v4("1.2.3.4"), L4));
    assert_true(udpacl_allows(a, v6("2001:db8::1"), L6));
    udpacl_free(a);
    a = acl_ok("::ffff:10.0.0.0/104");  /* v4-mapped: the IPv4 network 10.0.0.0/8 */
    assert_string_equal(udpacl_format(a, buf, sizeof(buf)), "10.0.0.0/8");
    assert_true(udpacl_allows(a, v4("10.1.2.3"), L4));
    udpacl_free(a);
}

static void test_acl_errors(void **state)
{
    (void)state;
    acl_bad("", "empty entry");
    acl_bad("10.0.0.0/8,", "empty entry");
    acl_bad("10.0.0.0/8,,::1", "empty entry");
    acl_bad(" , ", "empty entry");
    acl_bad("10.0.0.1/8", "beyond the /8 prefix");
    acl_bad("::1/64", "beyond the /64 prefix");
    acl_bad("10.0.0.0/33", "0 to 32");
    acl_bad("::/129", "0 to 128");
    acl_bad("10.0.0.0/", "prefix length");
    acl_bad("10.0.0.0/08", "prefix length");
    acl_bad("10.0.0.0/8x", "prefix length");
    acl_bad("10.0.0.0/-1", "prefix length");
    acl_bad("10.0.0.0/1000", "prefix length");
    acl_bad("localhost", "not an IPv4 or IPv6 address");
    acl_bad("10.0.0", "not an IPv4 or IPv6 address");
    acl_bad("fe80::1%eth0", "not an IPv4 or IPv6 address");
    acl_bad("10.0.0.0 /8", "not an IPv4 or IPv6 address");
    acl_bad("10.0.0.0/8\n", "control or non-ASCII");
    acl_bad("::1,\xc3\xa9", "control or non-ASCII");
    acl_bad("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "not an address");
    char big[UDPACL_MAX_ENTRIES * 12 + 20] = "";
    for (unsigned i = 0; i <= UDPACL_MAX_ENTRIES; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), "%s10.0.%u.%u", i ? "," : "",
                 i / 256, i % 256);
    acl_bad(big, "more than 256");
    struct udpacl *a = NULL;
    assert_int_equal(udpacl_parse(NULL, &a, NULL, 0), -EINVAL);
}

static void test_same_host(void **state)
{
    (void)state;
    struct sockaddr_storage a, b;
    memcpy(&a, v4("10.1.2.3"), L4);
    memcpy(&b, v4("10.1.2.3"), L4);
    ((struct sockaddr_in *)&b)->sin_port = htons(999); /* another port */
    const struct sockaddr *pa = (const struct sockaddr *)&a, *pb = (const struct sockaddr *)&b;
    assert_true(udpproto_same_host(pa, L4, pb, L4));
    memcpy(&b, v4("10.1.2.4"), L4);
    assert_false(udpproto_same_host(pa, L4, pb, L4));
    memcpy(&b, v6("::ffff:10.1.2.3"), L6); /* dual-stack: the same host */
    assert_true(udpproto_same_host(pa, L4, pb, L6));
    memcpy(&a, v6("fd00::1"), L6);
    memcpy(&b, v6("fd00::1"), L6);
    assert_true(udpproto_same_host(pa, L6, pb, L6));
    memcpy(&b, v6("fd00::2"), L6);
    assert_false(udpproto_same_host(pa, L6, pb, L6));
    assert_false(udpproto_same_host(pa, L6 - 1, pa, L6)); /* short */
}

static void test_bucket(void **state)
{
    (void)state;
    struct tbucket b;
    const uint64_t s = 1000000000ull;
    assert_int_equal(tbucket_init(&b, 1000, 0, 0), -EINVAL);
    assert_int_equal(tbucket_init(&b, TBUCKET_MAX_RATE + 1, 10, 0), -EINVAL);
    assert_int_equal(tbucket_init(&b, 1000, TBUCKET_MAX_BURST + 1, 0), -EINVAL);
    assert_int_equal(tbucket_init(&b, 1000, 2000, 5 * s), 0);
    assert_int_equal(tbucket_avail(&b, 5 * s), 2000);    /* starts full */
    assert_true(tbucket_take(&b, 1500, 5 * s));
    assert_false(tbucket_take(&b, 501, 5 * s));         /* nothing taken */
    assert_int_equal(tbucket_avail(&b, 5 * s), 500);
    assert_int_equal(tbucket_avail(&b, 5 * s + s / 10), 600);  /* 100 in 0.1 s */
    assert_int_equal(tbucket_avail(&b, 5 * s), 600);           /* time going back: no change */
    assert_int_equal(tbucket_avail(&b, 5 * s + s / 10 + 999999), 600); /* 0.999 token */
    assert_int_equal(tbucket_avail(&b, 5 * s + s / 10 + 1000000), 601);
    assert_int_equal(tbucket_avail(&b, 3600 * s), 2000);        /* capped at the burst */
    assert_true(tbucket_take(&b, 2000, 3600 * s));
    assert_false(tbucket_take(&b, 1, 3600 * s));
    /* Largest limits: no overflow over a long gap. */
    assert_int_equal(tbucket_init(&b, TBUCKET_MAX_RATE, TBUCKET_MAX_BURST, 0), 0);
    assert_true(tbucket_take(&b, TBUCKET_MAX_BURST, 0));
    assert_int_equal(tbucket_avail(&b, UINT64_MAX), TBUCKET_MAX_BURST);
    /* Rate 0: no limit. */
    assert_int_equal(tbucket_init(&b, 0, 0, 0), 0);
    assert_true(tbucket_take(&b, UINT64_MAX, 0));
}

static void test_rate(void **state)
{
    (void)state;
    const uint64_t s = 1000000000ull;
    struct udprate_cfg cfg;
    struct udprate *r = NULL;
    udprate_cfg_default(&cfg);
    assert_int_equal(cfg.src_rate, 65536);
    cfg.src_rate = 100;
    cfg.src_burst = 1000;
    cfg.global_rate = 1000;
    cfg.global_burst = 2500;
    cfg.max_sources = 2;
    assert_int_equal(udprate_new(&cfg, 0, &r), 0);

    struct sockaddr_in6 a6;
    memcpy(&a6, v6("::1"), sizeof(a6));
    struct sockaddr_in b4;
    memcpy(&b4, v4("10.0.0.2"), sizeof(b4));
    /* Per source: 1000 at once, then 100/s. */
    assert_int_equal(udprate_take(r, (struct sockaddr *)&a6, L6, 1000, 0), 0);
    assert_int_equal(udprate_take(r, (struct sockaddr *)&a6, L6, 1, 0), -EAGAIN);
    a6.sin6_port = htons(9); /* same address, other port: same source */
    assert_int_equal(udprate_take(r, (struct sockaddr *)&a6, L6, 1, 0), -EAGAIN);
    assert_int_equal(udprate_take(r, (struct sockaddr *)&b4, L4, 1000, 0), 0);
    assert_int_equal(udprate_sources(r), 2);
    /* Global: 500 left. */
    assert_int_equal(udprate_take(r, v4("10.0.0.3"), L4, 600, 0), -ENOBUFS);
    assert_int_equal(udprate_sources(r), 2);   /* table full: 10.0.0.3 replaced the oldest */
    assert_int_equal(udprate_take(r, v4("10.0.0.3"), L4, 500, 0), 0);
    /* 1 s later 10.0.0.3 has 500 + 100; a refused request charges nothing. */
    assert_int_equal(udprate_take(r, v6("::ffff:10.0.0.3"), L6, 601, s), -EAGAIN);
    assert_int_equal(udprate_take(r, v6("::ffff:10.0.0.3"), L6, 100, s), 0);  /* v4-mapped */
    /* A forgotten source comes back with a full bucket (global permitting). */
    assert_int_equal(udprate_take(r, (struct sockaddr *)&a6, L6, 900, 2 * s), 0);
    assert_int_equal(udprate_take(r, NULL, 0, 1, 2 * s), -EINVAL);
    udprate_free(r);

    cfg.max_sources = 0;
    assert_int_equal(udprate_new(&cfg, 0, &r), -EINVAL);
    cfg.max_sources = 1;
    cfg.src_burst = 0;
    assert_int_equal(udprate_new(&cfg, 0, &r), -EINVAL);
    cfg.src_rate = 0; /* no per-source limit: no table */
    assert_int_equal(udprate_new(&cfg, 0, &r), 0);
    assert_int_equal(udprate_take(r, v4("10.0.0.9"), L4, 2500, 0), 0);
    assert_int_equal(udprate_sources(r), 0);
    assert_int_equal(udprate_take(r, v4("10.0.0.9"), L4, 1, 0), -ENOBUFS);
    udprate_free(r);
    udprate_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_acl_default),
        cmocka_unit_test(test_acl_prefixes),
        cmocka_unit_test(test_acl_errors),
        cmocka_unit_test(test_same_host),
        cmocka_unit_test(test_bucket),
        cmocka_unit_test(test_rate),
    };
    return unit_run(tests);
}
