/* listenaddr: the address a TCP service listens on, as seedd's options
 * give it ([HOST:]PORT; --metrics). */
#ifndef BB_LISTENADDR_H
#define BB_LISTENADDR_H

#include <stddef.h>

/* Checks a [HOST:]PORT value: PORT (1-65535) alone or after ':' (no host:
 * the caller's default, loopback for --metrics), or HOST:PORT with an IPv4
 * address, a bracketed IPv6 address ([::1]:9100) or a host name (no
 * blanks, controls or '/'); the host and port are copied to host (empty
 * when none) and *port.  -EINVAL otherwise, also for a host that does not
 * fit in hostlen (pure). */
int listenaddr_parse(const char *val, char *host, size_t hostlen, unsigned *port);

#endif
