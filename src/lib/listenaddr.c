/* listenaddr: [HOST:]PORT.  See listenaddr.h. */
#include "listenaddr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_port(const char *s, unsigned *port)
{
    unsigned long v = 0;
    if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
        return -EINVAL;
    v = strtoul(s, NULL, 10);
    if (v < 1 || v > 65535)
        return -EINVAL;
    *port = (unsigned)v;
    return 0;
}

int listenaddr_parse(const char *val, char *host, size_t hostlen, unsigned *port)
{
    const char *colon = strrchr(val, ':');
    const char *h = val, *p = val;
    size_t hl = 0;
    if (colon) {
        p = colon + 1;
        hl = (size_t)(colon - val);
        if (hl >= 2 && val[0] == '[' && val[hl - 1] == ']') { /* [IPv6] */
            h = val + 1;
            hl -= 2;
            if (!memchr(h, ':', hl) || memchr(h, '[', hl) || memchr(h, ']', hl))
                return -EINVAL; /* an IPv6 address, nothing else */
        } else if (memchr(val, ':', hl) || memchr(val, '[', hl) || memchr(val, ']', hl)) {
            return -EINVAL; /* an IPv6 address must be bracketed */
        }
    }
    if (hl >= hostlen || parse_port(p, port) < 0)
        return -EINVAL;
    for (size_t i = 0; i < hl; i++) {
        if (h[i] <= ' ' || h[i] == '/' || (unsigned char)h[i] >= 0x7f)
            return -EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    return 0;
}
