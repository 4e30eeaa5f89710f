/* sink: one consumer of pool data (stdout now, the kernel feed; UDP and EGD
 * later), behind one interface.
 *
 * A sink is a pool reader (pool.h, whose sharing policy decides who is
 * served when) with a name, optional health monitors of its own (created
 * here, registered in `monitors` under the upstream IDs "Pool", "Kernel",
 * "UDP", and owned by the sink: data that fails a sink's monitor is not
 * delivered), a state and counters.  The implementation (outfd, kfeed)
 * drives it: sink_want() when its consumer asks for data, sink_read() in
 * its ready callback, and counts what it delivered, dropped and refused.
 *
 * Sinks are listed through the pool they read from (sink_count/sink_at), so
 * a program lists every sink without keeping a registry of its own. */
#ifndef BB_SINK_H
#define BB_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"

struct health;
struct monitors;
struct sink;

#define SINK_MAX_MONITORS 2

enum sink_state {
    SINK_IDLE,     /* wants no data now (waits for its consumer) */
    SINK_WAITING,  /* wants data from the pool */
    SINK_DONE,     /* finished (stdout: -b N written) */
    SINK_FAILED,   /* stopped on an error */
};

struct sink_counters {
    uint64_t requests;        /* the consumer asked for data (stdout: one per pool read;
                               * kernel: POLLOUT or refill timer; UDP: a datagram) */
    uint64_t refusals;        /* requests refused (UDP: invalid ones) */
    uint64_t bytes_read;      /* taken from the pool */
    uint64_t bytes_delivered; /* passed on to the consumer */
    uint64_t bytes_dropped;   /* read, failed a monitor of the sink, not delivered */
};

struct sink_info {
    const char *name;
    enum sink_state state;
    bool first;               /* served before the other sinks (pool.h) */
    struct sink_counters c;
    size_t n_monitors;
    const char *monitors[SINK_MAX_MONITORS]; /* their IDs */
};

/* name is copied.  ready is called (with ud) when the pool can serve what
 * the sink wants; mons may be NULL (no monitors). */
int sink_new(struct pool *pool, struct monitors *mons, const char *name, pool_notify_fn ready,
             void *ud, struct sink **out);
/* Unregisters and frees its monitors too. */
void sink_free(struct sink *s);

/* A health monitor of this sink (Ent8 ok from the start, as upstream's
 * Pool/Kernel/UDP monitors), registered under id.  -EEXIST if the ID is
 * taken, -ENOSPC past SINK_MAX_MONITORS. */
int sink_add_monitor(struct sink *s, const char *id, struct health **out);

/* Bytes wanted now (0: none; the state becomes idle, else waiting). */
void sink_want(struct sink *s, size_t len);
void sink_first(struct sink *s, bool first);
/* Reads from the pool (counted in bytes_read). */
size_t sink_read(struct sink *s, uint8_t *out, size_t len);

void sink_count_request(struct sink *s);
void sink_count_refusal(struct sink *s);
void sink_count_delivered(struct sink *s, uint64_t n);
void sink_count_dropped(struct sink *s, uint64_t n);
/* Done or failed: wants nothing more. */
void sink_finish(struct sink *s, enum sink_state st);

void sink_get_info(const struct sink *s, struct sink_info *info);
const char *sink_state_name(enum sink_state st);

/* The sinks reading from pool, in registration order (NULL past the end). */
size_t sink_count(const struct pool *pool);
const struct sink *sink_at(const struct pool *pool, size_t i);

#endif
