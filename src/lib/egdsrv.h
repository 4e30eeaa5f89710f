/* egdsrv: the EGD service (seedd --egd-out), for QEMU's virtio-rng rng-egd
 * backend and classic EGD clients (protocol: egdproto.h).
 *
 * One sink ("egd") with its own health monitor ("EGD", exact gate) reads the
 * pool in 2500-byte FIPS blocks; the blocks that pass go to a ready buffer
 * (32 KiB) that is kept full, so a guest's first request at boot is answered
 * at once.  Listeners: "unix:PATH" or "tcp:HOST:PORT", several separated
 * by commas, served by srv (srv.h) with these bounds per client: requests
 * of EGD_MAX_REQUEST bytes, 256 clients, 64 KiB of queued output, and a
 * client silent for 24 h is closed (QEMU reconnects; a guest may ask
 * nothing for hours).
 *
 *   0x00  the ready bytes, as bits (capped at 2^32-1).
 *   0x01  up to N ready bytes at once (0 when none), within the rate.
 *   0x02  N bytes, sent as they become ready.
 *
 * Each client's requests are queued (up to 32; srv reads no more of a
 * client whose queue is full) and answered in its order.  Clients are
 * served round robin: each in turn gets the replies that need no waiting
 * at the head of its queue and one send of what is ready of its blocking
 * read, then goes to the back, so none starves the others.
 *   0x03  read and discarded, counted as a refusal (no client data ever
 *         reaches the pool).
 *   0x04  seedd's pid.
 *   other the client is closed (the stream cannot be framed any more).
 *
 * Rate: a token bucket per client (rate bytes/s, burst max(rate, 255)); a
 * client out of tokens waits for a timer armed at the time the tokens it
 * needs are there, others go on.  Rate 0: no limit.
 *
 * Test knob: SEEDD_TEST_EGD_TEE=FILE appends every data byte sent to EGD
 * clients (0x01, 0x02), in the order sent, to FILE. */
#ifndef BB_EGDSRV_H
#define BB_EGDSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct evl;
struct pool;
struct monitors;
struct srv;
struct egdsrv;

#define EGDSRV_MAX_CLIENTS 256
#define EGDSRV_DEFAULT_RATE 65536u /* bytes/s per client */
#define EGDSRV_ENV_TEE "SEEDD_TEST_EGD_TEE"

struct egdsrv_cfg {
    const char *addrs;  /* "unix:PATH" / "tcp:HOST:PORT", comma-separated */
    gid_t group;        /* unix sockets: (gid_t)-1 (0600) or the group (0660) */
    bool freebind;      /* tcp */
    uint64_t rate;      /* bytes/s per client; 0: no limit */
    struct pool *pool;
    struct monitors *mons;
};

/* Listening on every address, or an error with a message in err. */
int egdsrv_new(struct evl *loop, const struct egdsrv_cfg *cfg, struct egdsrv **out, char *err,
               size_t errlen);
void egdsrv_free(struct egdsrv *e);
const struct srv *egdsrv_srv(const struct egdsrv *e);
/* Bytes ready to serve now. */
size_t egdsrv_ready(const struct egdsrv *e);
/* Clients with a blocking read waiting (for data or for their rate). */
size_t egdsrv_waiting(const struct egdsrv *e);

#endif
