/* udpproto: the UDP entropy service's request format and the pure policy
 * pieces the service (seedd -u) applies before answering: an allow-list of
 * networks and token buckets.  Nothing here does I/O, reads a clock or
 * logs: addresses and times are arguments, so every decision is testable.
 *
 * Wire format (upstream's, spec §6.3, so upstream's bbudp.pl works): a
 * request is a datagram of exactly 2 bytes, a big-endian byte count
 * 1..32768; the reply is one datagram of that many bytes.  A datagram of
 * any other length, or a count of 0 or above 32768, gets no reply.  The
 * service must pass the datagram's real length (recvmsg with MSG_TRUNC, or
 * a buffer larger than 2 bytes), so a longer datagram is not mistaken for
 * its first two bytes.
 *
 * Beyond upstream (which answers anyone, as fast as asked: a 2-byte spoofed
 * request returns up to 32768 bytes), the service answers only sources on
 * its allow-list (udpacl; default: loopback only) and charges every reply
 * to a per-source and a global token bucket (udprate).
 */
#ifndef BB_UDPPROTO_H
#define BB_UDPPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDPPROTO_REQUEST_LEN 2u
#define UDPPROTO_MIN_COUNT 1u
#define UDPPROTO_MAX_COUNT 32768u

/* One request datagram of len bytes.  0 with *count (1..32768);
 * -EMSGSIZE: not exactly 2 bytes; -EDOM: a count of 0; -ERANGE: a count
 * above 32768 (*count untouched on error). */
int udpproto_parse(const uint8_t *buf, size_t len, unsigned *count);

/* Why a request was ignored, for counters and messages: "not 2 bytes",
 * "zero count", "count above 32768" (a static string; "?" otherwise). */
const char *udpproto_strerror(int rc);

/* ---- allow-list ---- */

/* The default allow-list: loopback only. */
#define UDPACL_DEFAULT "127.0.0.0/8,::1/128"
#define UDPACL_MAX_ENTRIES 256

struct udpacl;

/* Parse a list of networks: ADDR[/PREFIX] entries separated by commas
 * (blanks around them allowed), IPv4 ("10.0.0.0/8", prefix 0..32) or IPv6
 * ("fd00::/8", prefix 0..128; no zone "%eth0").  Without a prefix an entry
 * is one host (/32, /128).  The address must have no bits set beyond the
 * prefix ("10.0.0.1/8" is an error: it is probably a typo for a host or
 * for 10.0.0.0/8).  "0.0.0.0/0" and "::/0" allow every IPv4 / IPv6 source.
 * An empty list, an empty entry, more than UDPACL_MAX_ENTRIES entries are
 * errors.  0 with *out, -EINVAL with a one-line message in err (naming
 * the entry), -ENOMEM. */
int udpacl_parse(const char *text, struct udpacl **out, char *err, size_t errlen);

/* udpacl_parse(UDPACL_DEFAULT). */
int udpacl_new_default(struct udpacl **out);

void udpacl_free(struct udpacl *acl);

/* Whether the source address sa (AF_INET or AF_INET6, len bytes) is on
 * the list.  An IPv4-mapped IPv6 source (::ffff:a.b.c.d, as a dual-stack
 * socket reports IPv4 peers) is matched as the IPv4 address.  false for a
 * NULL list, another family or a short len. */
bool udpacl_allows(const struct udpacl *acl, const struct sockaddr *sa, socklen_t len);

size_t udpacl_count(const struct udpacl *acl);

/* Whether a and b are the same host (the ports aside; an IPv4-mapped IPv6
 * address is its IPv4 one, as for the list).  false if either is not
 * AF_INET or AF_INET6 or is short. */
bool udpproto_same_host(const struct sockaddr *a, socklen_t alen, const struct sockaddr *b,
                        socklen_t blen);

/* The list in canonical form ("127.0.0.0/8,::1/128"), which udpacl_parse
 * reads back to the same list.  Returns buf (truncated if too small). */
const char *udpacl_format(const struct udpacl *acl, char *buf, size_t len);

/* ---- token buckets ---- */

/* A bucket of up to burst tokens (bytes), refilled at rate tokens per
 * second, by the monotonic time now_ns the caller passes.  Public so that
 * the service can embed one; use the functions, not the fields. */
struct tbucket {
    uint64_t rate;      /* tokens per second; 0: no limit */
    uint64_t burst;     /* capacity, tokens */
    uint64_t level;     /* in units of 1e-9 token */
    uint64_t last_ns;   /* time of the last refill */
};

#define TBUCKET_MAX_RATE (1000ull * 1000 * 1000)  /* 1e9 tokens/s */
#define TBUCKET_MAX_BURST (1ull << 32)

/* Full at now_ns.  -EINVAL if rate > TBUCKET_MAX_RATE, burst >
 * TBUCKET_MAX_BURST, or a rate with burst 0. */
int tbucket_init(struct tbucket *b, uint64_t rate, uint64_t burst, uint64_t now_ns);

/* Refill to now_ns (a time before the last one counts as no time) and
 * return the whole tokens available. */
uint64_t tbucket_avail(struct tbucket *b, uint64_t now_ns);

/* Take n tokens if there are that many at now_ns: true; else false and
 * nothing taken.  Always true with rate 0. */
bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ns);

/* Per-source and global limits for the UDP service. */
struct udprate_cfg {
    uint64_t src_rate, src_burst;       /* bytes/s and bytes per source; rate 0: none */
    uint64_t global_rate, global_burst; /* bytes/s and bytes in all; rate 0: none */
    size_t max_sources;                 /* sources tracked at once (>= 1) */
};

/* Defaults: 64 KiB/s with a 64 KiB burst per source, 1 MiB/s with a
 * 1 MiB burst in all, 1024 sources. */
void udprate_cfg_default(struct udprate_cfg *cfg);

struct udprate;

/* -EINVAL for limits tbucket_init refuses or max_sources 0; -ENOMEM. */
int udprate_new(const struct udprate_cfg *cfg, uint64_t now_ns, struct udprate **out);
void udprate_free(struct udprate *r);

/* Charge a reply of n bytes to source sa (its address only; the port is
 * ignored, and an IPv4-mapped IPv6 source is its IPv4 address) at now_ns:
 * 0 and both buckets charged, or nothing charged and -EAGAIN (the
 * source's bucket is short) or -ENOBUFS (the global one is).  A source
 * seen for the first time starts with a full bucket; when max_sources are
 * tracked, the one seen longest ago is forgotten for it.  -EINVAL for an
 * address that is not AF_INET/AF_INET6. */
int udprate_take(struct udprate *r, const struct sockaddr *sa, socklen_t len, uint64_t n,
                 uint64_t now_ns);

/* Sources tracked now. */
size_t udprate_sources(const struct udprate *r);

#endif
