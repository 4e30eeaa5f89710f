/* Fuzz target for listenaddr_parse: never crashes, accepts only what it
 * documents, and what it accepts it gives back (the host and port
 * re-joined parse to the same). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "listenaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 1024);
    char host[64], again[64], joined[160];
    unsigned port = 0, port2 = 0;
    int rc = listenaddr_parse(s, host, sizeof(host), &port);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL);
    if (rc == 0) {
        FUZZ_CHECK(port >= 1 && port <= 65535);
        FUZZ_CHECK(strlen(host) < sizeof(host));
        for (const char *p = host; *p; p++)
            FUZZ_CHECK(*p > ' ' && *p != '/' && (unsigned char)*p < 0x7f);
        if (strchr(host, ':'))
            snprintf(joined, sizeof(joined), "[%s]:%u", host, port);
        else
            snprintf(joined, sizeof(joined), "%s%s%u", host, *host ? ":" : "", port);
        FUZZ_CHECK(listenaddr_parse(joined, again, sizeof(again), &port2) == 0);
        FUZZ_CHECK(strcmp(host, again) == 0 && port == port2);
        /* A buffer too small for the host is an error, never a cut host. */
        if (*host)
            FUZZ_CHECK(listenaddr_parse(s, again, strlen(host), &port2) == -EINVAL);
    }
    free(s);
    return 0;
}
