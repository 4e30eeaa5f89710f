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
 * callbacks instead of waiting on condition variables.
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

int pool_new(size_t size, struct pool **out);
void pool_free(struct pool *p);

size_t pool_size(const struct pool *p);
size_t pool_fill(const struct pool *p);
bool pool_full(const struct pool *p);

void pool_add(struct pool *p, const uint8_t *data, size_t len);

/* Reads min(len, fill) bytes if fill >= min(len, size), else nothing.
 * Returns the number of bytes copied to out. */
size_t pool_read(struct pool *p, uint8_t *out, size_t len);

/* Register the callbacks (at most 8 of each); unregister with the same
 * function and ud. */
int pool_on_added(struct pool *p, pool_notify_fn fn, void *ud);
int pool_on_drained(struct pool *p, pool_notify_fn fn, void *ud);
void pool_remove_notify(struct pool *p, pool_notify_fn fn, void *ud);

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
