/* udpsrv: the UDP entropy service (seedd -u HOST:PORT), spec §6.3.
 *
 * Upstream's wire format (udpproto.h): a datagram of exactly 2 bytes, a
 * big-endian count 1..32768, gets one datagram of exactly that many bytes;
 * nothing else gets a reply.  The bytes come from a readybuf (sink "udp",
 * monitor "UDP", exact gate) holding 64 KiB.  Beyond upstream, which
 * answered anyone as fast as asked (a 2-byte spoofed request returned up to
 * 32768 bytes), a request is answered only when
 *   - its source is on the allow-list (udpacl; default loopback only),
 *   - the source's and the global token buckets hold that many bytes
 *     (udprate; per source 64 KiB/s, global 1 MiB/s by default), and
 *   - that many bytes are ready (no short replies).  A request that finds
 *     too few ready (or others waiting before it) waits for them, in
 *     arrival order, up to UDPSRV_WAIT_MS; at most UDPSRV_WAITING wait,
 *     UDPSRV_WAITING_PER_HOST from one host (more are refused at once).
 *     Its bytes are charged to the buckets when it arrives.
 * Every request is counted by what happened to it (udpsrv_counts), never
 * logged one line each below verbosity 4.  At most 64 datagrams are taken
 * per wake-up, so a flood cannot hold the event loop.
 *
 * Test knob: SEEDD_TEST_UDP_TEE=FILE appends every byte sent, in order. */
#ifndef BB_UDPSRV_H
#define BB_UDPSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct evl;
struct pool;
struct monitors;
struct udpsrv;

#define UDPSRV_ENV_TEE "SEEDD_TEST_UDP_TEE"
#define UDPSRV_DEFAULT_RATE (64u * 1024u)         /* bytes/s per source */
#define UDPSRV_DEFAULT_MAX_RATE (1024u * 1024u)   /* bytes/s in all */
#define UDPSRV_WAITING 64            /* requests waiting for data, in all */
#define UDPSRV_WAITING_PER_HOST 8    /* ... from one host (address) */
#define UDPSRV_WAIT_MS 1000u         /* how long one waits at most */

struct udpsrv_cfg {
    const char *addr;     /* HOST:PORT (srv_bind_inet) */
    bool freebind;
    const char *allow;    /* networks (udpacl_parse); NULL: UDPACL_DEFAULT */
    uint64_t rate;        /* bytes/s per source; 0: no limit */
    uint64_t max_rate;    /* bytes/s in all; 0: no limit */
    struct pool *pool;
    struct monitors *mons;
};

struct udpsrv_counts {
    uint64_t requests;         /* datagrams handled */
    uint64_t answered, bytes;  /* replies sent, their bytes */
    uint64_t malformed;        /* not 2 bytes, count 0 or above 32768 */
    uint64_t not_allowed;      /* source not on the allow-list */
    uint64_t short_data;       /* too few bytes ready and no room to wait */
    uint64_t over_rate;        /* the source's bucket was short */
    uint64_t over_max_rate;    /* the global bucket was short */
    uint64_t send_failed;      /* sendto() failed (the bytes stay ready) */
    uint64_t waited;           /* requests queued (too few bytes ready, or others
                                * queued before them), answered or not */
    uint64_t expired;          /* ... and got none in UDPSRV_WAIT_MS */
};

int udpsrv_new(struct evl *loop, const struct udpsrv_cfg *cfg, struct udpsrv **out, char *err,
               size_t errlen);
void udpsrv_free(struct udpsrv *u);
void udpsrv_get_counts(const struct udpsrv *u, struct udpsrv_counts *c);
/* Bytes ready to be sent now. */
size_t udpsrv_ready(const struct udpsrv *u);
/* The bound address (the port chosen for HOST:0).  0 or -errno. */
int udpsrv_sockname(const struct udpsrv *u, struct sockaddr_storage *ss, socklen_t *sl);

#endif
