/* Fuzz target for udpproto's two parsers.  The first byte picks one:
 *  even: the rest is a request datagram: accepted only at exactly 2 bytes
 *        with a count 1..32768, else one of the three documented errors;
 *  odd:  the rest is an allow-list (as text, to its first NUL): an error
 *        is one printable line; a list has 1..UDPACL_MAX_ENTRIES entries,
 *        its canonical form parses back to the same form, and it allows
 *        an address built from the input exactly when the reparsed list
 *        does. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "udpproto.h"

static void request(const uint8_t *p, size_t n)
{
    unsigned count = 0;
    int rc = udpproto_parse(p, n, &count);
    if (rc == 0) {
        FUZZ_CHECK(n == 2 && count == ((unsigned)p[0] << 8 | p[1]));
        FUZZ_CHECK(count >= 1 && count <= 32768);
        return;
    }
    FUZZ_CHECK(rc == -EMSGSIZE || rc == -EDOM || rc == -ERANGE);
    FUZZ_CHECK(rc == -EMSGSIZE ? n != 2 : n == 2);
    FUZZ_CHECK(strcmp(udpproto_strerror(rc), "?") != 0);
}

static void acl(const uint8_t *p, size_t n)
{
    char *text = fuzz_cstr(p, n, 8192);
    struct udpacl *a = NULL, *b = NULL;
    char err[256];
    memset(err, 'x', sizeof(err));
    int rc = udpacl_parse(text, &a, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc) {
        FUZZ_CHECK(a == NULL && err[0]);
        for (const char *c = err; *c; c++)
            FUZZ_CHECK(*c != '\n');
        free(text);
        return;
    }
    FUZZ_CHECK(udpacl_count(a) >= 1 && udpacl_count(a) <= UDPACL_MAX_ENTRIES);
    static char f1[UDPACL_MAX_ENTRIES * 48], f2[sizeof(f1)];
    udpacl_format(a, f1, sizeof(f1));
    FUZZ_CHECK(udpacl_parse(f1, &b, err, sizeof(err)) == 0);
    FUZZ_CHECK(strcmp(udpacl_format(b, f2, sizeof(f2)), f1) == 0);
    struct sockaddr_in s4 = { .sin_family = AF_INET };
    struct sockaddr_in6 s6 = { .sin6_family = AF_INET6 };
    memcpy(&s4.sin_addr, p, n < 4 ? n : 4);
    memcpy(&s6.sin6_addr, p, n < 16 ? n : 16);
    FUZZ_CHECK(udpacl_allows(a, (struct sockaddr *)&s4, sizeof(s4)) ==
               udpacl_allows(b, (struct sockaddr *)&s4, sizeof(s4)));
    FUZZ_CHECK(udpacl_allows(a, (struct sockaddr *)&s6, sizeof(s6)) ==
               udpacl_allows(b, (struct sockaddr *)&s6, sizeof(s6)));
    udpacl_free(a);
    udpacl_free(b);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        request(data + 1, size - 1);
    else
        acl(data + 1, size - 1);
    return 0;
}
