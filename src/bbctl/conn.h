/* conn: bbctl's connection to seedd's control socket (a unix socket path or
 * tcp:HOST:PORT): one request out, one NUL-framed reply back, each bounded
 * by a deadline on the monotonic clock. */
#ifndef BBCTL_CONN_H
#define BBCTL_CONN_H

#include <stddef.h>
#include <stdint.h>

struct conn;

/* No I/O yet. */
int conn_new(const char *addr, struct conn **out);
void conn_free(struct conn *c);

/* Milliseconds on CLOCK_MONOTONIC. */
uint64_t conn_now_ms(void);

/* Connect if not connected.  -ENOENT/-ECONNREFUSED/...: see conn_absent();
 * the reason in words is conn_error(). */
int conn_open(struct conn *c);
void conn_close(struct conn *c);

/* The error is one that a starting (or restarting) seedd gives: no socket
 * yet, nobody listening, or the connection dropped. */
int conn_absent(int r);

/* Send req (no NUL) + NUL, read the reply up to its NUL (at most
 * CTLCLIENT_MAX_REPLY bytes), by deadline_ms (conn_now_ms() scale).
 * *reply points into c's buffer (valid until the next call), NUL-terminated,
 * *len without the NUL.  -ETIMEDOUT, -EPIPE (closed), -EMSGSIZE, -errno. */
int conn_call(struct conn *c, const char *req, uint64_t deadline_ms, const char **reply,
              size_t *len);

/* The last error of c in words, with the address. */
const char *conn_error(const struct conn *c);

#endif
