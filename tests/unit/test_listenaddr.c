/* Unit tests for listenaddr: [HOST:]PORT (a port alone has no host, IPv6
 * bracketed).  The metrics HTTP service that uses it is tested end to end
 * in tests/system/metrics.sh. */
#include "unit.h"

#include "listenaddr.h"

static void ok(const char *v, const char *host, unsigned port)
{
    char h[64];
    unsigned p = 0;
    assert_int_equal(listenaddr_parse(v, h, sizeof(h), &p), 0);
    assert_string_equal(h, host);
    assert_int_equal(p, port);
}

static void bad(const char *v)
{
    char h[64];
    unsigned p;
    if (listenaddr_parse(v, h, sizeof(h), &p) != -EINVAL) {
        fprintf(stderr, "accepted: '%s'\n", v);
        fail();
    }
}

static void test_parse(void **state)
{
    (void)state;
    ok("9100", "", 9100);
    ok(":9100", "", 9100);
    ok("1", "", 1);
    ok("65535", "", 65535);
    ok("127.0.0.1:9100", "127.0.0.1", 9100);
    ok("0.0.0.0:80", "0.0.0.0", 80);
    ok("[::1]:9100", "::1", 9100);
    ok("[::]:9100", "::", 9100);
    ok("localhost:9100", "localhost", 9100);
    bad("");
    bad("0");
    bad("65536");
    bad("123456");
    bad("-1");
    bad("+80");
    bad("80 ");
    bad("host:");
    bad("host");
    bad("::1:80");      /* IPv6 must be bracketed */
    bad("[]:80");
    bad("[::1:80");
    bad("[o]]:3");
    bad("[host]:80");
    bad("a b:80");
    bad("a/b:80");
    char longhost[100];
    memset(longhost, 'a', 70);
    strcpy(longhost + 70, ":80");
    bad(longhost);      /* longer than the buffer */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
    };
    return unit_run(tests);
}
