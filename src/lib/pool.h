/* pool: the entropy pool and its groups (spec §5.1, §5.2).
 *
 * The pool is a buffer of `size` bytes with a fill level.  Adding fills it
 * up, then XOR-mixes the rest of the input into it cyclically (a cursor that
 * persists), so a full pool keeps being refreshed.  Reading takes the top n
 * bytes of the filled region (upstream's LIFO order) and lowers the fill.
 *
 * Groups sit in front of the pool.  Group 0, and any group with a single
 * member, pass blocks straight through.  A group with 2..32 members XORs the
 * members' blocks together and passes the result on only once every current
 * member has contributed at least once since the last pass, so one member
 * that stops (fails QA) stalls its group, not the others.
 *
 * Single-threaded: readers and writers are told about changes through
 * callbacks instead of waiting on condition variables.  There is no limit
 * on the number of callbacks or readers.
 *
 * Readers and the sharing policy.  Every consumer of pool data (a sink,
 * sink.h) is a pool reader: it says how many bytes it wants
 * (pool_reader_want; 0 = none now) and the pool calls its ready callback
 * when it can serve that many (fill >= min(want, size)); the callback reads
 * (pool_reader_read) at most what it needs for one request.  When data
 * arrives, and when a reader starts wanting data the pool has, the pool
 * serves its readers until none that wants data can be served:
 *   1. a reader marked first (pool_reader_first: the kernel sink while the
 *      kernel's CRNG is not ready) is served whenever it can be, before any
 *      other; several such readers in registration order;
 *   2. the others in turn, one read each per turn (round robin); the turn
 *      starts one reader further on each time data arrives, so each reader
 *      is the first to be offered a full pool at least once every N
 *      arrivals (N readers) and no reader can starve another.
 * A reader that is offered data and reads nothing is passed over until the
 * next event.  Sources that wait for room (pool_on_drained) are woken by
 * every read.
 */
#ifndef BB_POOL_H
#define BB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POOL_DEFAULT_SIZE 65536
#define POOL_MAX_SIZE (256u * 1024 * 1024)
#define POOL_GROUP_MAX_MEMBERS 32

struct pool;
struct pool_group;

/* Called after bytes were added (readers) or read (writers waiting for room). */
typedef void (*pool_notify_fn)(void *ud);
struct pool_reader;

struct pool_stats {
    size_t size, fill;
    uint64_t bytes_in;   /* added (including what was mixed into a full pool) */
    uint64_t bytes_out;  /* read */
    uint64_t reads;
    size_t readers;
};
void pool_get_stats(const struct pool *p, struct pool_stats *st);

int pool_new(size_t size, struct pool **out);
void pool_free(struct pool *p);

size_t pool_size(const struct pool *p);
size_t pool_fill(const struct pool *p);
bool pool_full(const struct pool *p);

void pool_add(struct pool *p, const uint8_t *data, size_t len);

/* Reads min(len, fill) bytes if fill >= min(len, size), else nothing.
 * Returns the number of bytes copied to out. */
size_t pool_read(struct pool *p, uint8_t *out, size_t len);

/* Register the callbacks (any number; -ENOMEM); unregister with the same
 * function and ud (also from within a callback). */
int pool_on_added(struct pool *p, pool_notify_fn fn, void *ud);
int pool_on_drained(struct pool *p, pool_notify_fn fn, void *ud);
void pool_remove_notify(struct pool *p, pool_notify_fn fn, void *ud);

/* A reader (see the sharing policy above); ready is called with ud when
 * the pool can serve what it wants.  A reader may be freed from anywhere
 * but its own ready callback; one that outlives its pool reads nothing. */
int pool_reader_new(struct pool *p, pool_notify_fn ready, void *ud, struct pool_reader **out);
void pool_reader_free(struct pool_reader *r);
/* Bytes it wants now (0: none); serves it at once if the pool can. */
void pool_reader_want(struct pool_reader *r, size_t len);
/* Served before every reader not marked first. */
void pool_reader_first(struct pool_reader *r, bool first);
/* pool_read(), counted for this reader. */
size_t pool_reader_read(struct pool_reader *r, uint8_t *out, size_t len);

struct pool_reader_stats {
    uint64_t reads, bytes;
    size_t want;
    bool first;
};
void pool_reader_get_stats(const struct pool_reader *r, struct pool_reader_stats *st);
/* What the reader belongs to (a sink), for listings. */
void pool_reader_set_owner(struct pool_reader *r, void *owner);
void *pool_reader_owner(const struct pool_reader *r);
/* The readers in registration order (NULL past the end). */
size_t pool_reader_count(const struct pool *p);
struct pool_reader *pool_reader_at(const struct pool *p, size_t i);

/* n rounded up to a power of two: the size a group of n bytes gets. */
size_t pool_size_pow2(size_t n);

/* Configure group id's size (rounded up to a power of two); only before
 * the group is first used.  0 size means the pool size. */
int pool_group_configure(struct pool *p, unsigned id, size_t size);

/* The group, created with its configured size (default: the pool size,
 * rounded up to a power of two) on first use. */
int pool_group_get(struct pool *p, unsigned id, struct pool_group **out);
size_t pool_group_size(const struct pool_group *g);
unsigned pool_group_id(const struct pool_group *g);

/* Membership: -ENOSPC when a group has 32 members already. */
int pool_group_join(struct pool_group *g, uint32_t *member);
void pool_group_leave(struct pool_group *g, uint32_t member);

/* One block of exactly the group size from a member (-EINVAL otherwise). */
int pool_group_add(struct pool_group *g, uint32_t member, const uint8_t *block, size_t len);

/* Bytes from a member in pieces of any length (what the exact QA gate
 * passes): gathered into whole blocks of the group size, each of which then
 * goes on as pool_group_add() would take it, so the pool still only sees
 * whole blocks.  A group that passes straight gathers its members' pieces in
 * its own buffer, in arrival order; an XOR group gathers each member's in a
 * buffer of that member's (allocated when first needed, freed when it
 * leaves).  Gathered bytes a membership change leaves stranded are passed
 * on as they are.  -EINVAL for a non-member, -ENOMEM. */
int pool_group_feed(struct pool_group *g, uint32_t member, const uint8_t *data, size_t len);

#endif
