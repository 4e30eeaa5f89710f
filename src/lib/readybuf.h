/* readybuf: QA-passed pool bytes kept ready for a network service (EGD,
 * UDP).  One sink of the pool with its own health monitor: the pool is read
 * in 2500-byte FIPS blocks, each block passes the monitor's exact gate
 * whole or is dropped (counted), and what passes goes to a ring of cap
 * bytes that readybuf_refill keeps full.  The service takes bytes from the
 * front, in order, and calls readybuf_refill when it is done (never from
 * inside the ready callback's caller: the pool may call back at once).
 *
 * Test knob: a file named by an environment variable (readybuf_tee_env)
 * gets every byte taken, in order.
 */
#ifndef BB_READYBUF_H
#define BB_READYBUF_H

#include <stddef.h>
#include <stdint.h>

struct pool;
struct monitors;
struct sink;
struct readybuf;

/* ready(ud) is called when bytes were added.  0, -ENOMEM, -EEXIST (the
 * sink or monitor name is taken). */
int readybuf_new(struct pool *pool, struct monitors *mons, const char *sink_name,
                 const char *monitor_id, size_t cap, void (*ready)(void *ud), void *ud,
                 struct readybuf **out);
void readybuf_free(struct readybuf *rb);

size_t readybuf_len(const struct readybuf *rb);
/* The first n bytes (n <= readybuf_len) copied to out, left in place. */
void readybuf_peek(const struct readybuf *rb, uint8_t *out, size_t n);
/* The first n bytes (n <= readybuf_len) copied to out (NULL: dropped)
 * and removed; counted as delivered, written to the tee. */
void readybuf_take(struct readybuf *rb, uint8_t *out, size_t n);
/* Ask the pool for the next block if the ring has room for it. */
void readybuf_refill(struct readybuf *rb);
struct sink *readybuf_sink(const struct readybuf *rb);
/* If the environment variable env names a file, every byte taken from now
 * on is appended to it (opened 0600; closed by readybuf_free).  0, or
 * -errno with "ENV=FILE: reason" in err. */
int readybuf_tee_env(struct readybuf *rb, const char *env, char *err, size_t errlen);

#endif
