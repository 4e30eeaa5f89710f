/* srv: listeners and client connections on the event loop, for every
 * stream service (the control socket; later EGD, metrics).  Protocol-free:
 * a service gives a framer (how many buffered bytes make one request) and
 * a request handler; srv owns the sockets, buffers, limits and timers.
 *
 * Listeners (several per service, one set of limits and counters):
 *   unix   a stream socket at PATH (ctlpath_check's rules).  A stale socket
 *          of ours at the path (any mode) is replaced; anything else there
 *          is refused.  After bind: chmod 0600, or 0660 with a group, and
 *          chown to the group.  srv_free unlinks it while it is still the
 *          socket we made (same device and inode).  The directory, and the
 *          lock that makes the path ours, are the caller's (ctlpath,
 *          lockfile).
 *   tcp    HOST:PORT (spec §6.3: split at the last ':', [v6] brackets
 *          removed, empty host = any address), getaddrinfo AF_UNSPEC with
 *          AI_PASSIVE|AI_ADDRCONFIG; the results are tried in order until
 *          one binds.  SO_REUSEADDR is set (upstream did not): a restarted
 *          daemon can bind while connections of the old one are in
 *          TIME_WAIT; on Linux it never lets two listeners share a port.
 *          IP_FREEBIND (or IPV6_FREEBIND) with freebind.
 *
 * Connections: non-blocking, close-on-exec.  Per connection:
 *   - an input buffer of max_request bytes.  After every read the framer
 *     is asked about the buffered bytes: 0 = no whole request yet, n > 0 =
 *     the first n bytes are one request (handed to ops->request, then
 *     consumed), < 0 = garbage (the client is dropped, SRV_DROP_PROTO).
 *     A buffer that fills without a whole request goes to ops->oversize
 *     (which may answer) and is discarded, and the rest of that request,
 *     up to the end the framer finds, is discarded too (one answer per
 *     request; upstream took the tail as a new request).  No oversize op:
 *     the client is dropped (SRV_DROP_OVERSIZE).  One read per wake-up, so
 *     a fast client cannot starve the others.
 *   - an output queue: srv_conn_send writes what the socket takes at once
 *     and queues the rest (written as the socket drains).  A queue that
 *     would exceed max_output drops the client (SRV_DROP_OUTPUT).
 *   - the idle timer (idle_ms): a client with nothing queued that sends
 *     nothing for idle_ms is dropped (SRV_DROP_IDLE); a client whose queued
 *     output does not drain at all for idle_ms, whatever it sends, too
 *     (SRV_DROP_STALLED).  While paused (a request in progress on our side,
 *     srv_conn_pause) only the second applies.
 *   - at most max_clients at a time per service.  At the limit the
 *     listeners stop accepting until a client leaves: new clients wait in
 *     the listen backlog (and connect() blocks, or SYNs are retried, once
 *     it is full) rather than being refused, so a burst of short clients
 *     is all served, and the clients already connected keep being served.
 *   - accept() errors never end a listener: EINTR and errors of the one
 *     connection (ECONNABORTED, EPROTO, network errors) are retried at
 *     once; any other (EMFILE, ENFILE, ENOBUFS, ENOMEM, ...) stops
 *     accepting and retries from a timer, 100 ms doubling to 2 s, logged
 *     once when it starts (level 0) and once when accepting works again
 *     (level 1) with the number of failures.  Upstream's server thread
 *     ended on any accept() error.
 * Ending: a client that closes or fails is removed; a dropped one is closed
 * at once (queued output discarded) and logged at level 1.  Connection
 * structs are freed from a zero-delay timer, so a handler may drop its own
 * connection (or trigger a drop through srv_conn_send) and still return
 * through srv.  All callbacks run on the loop; none may free the srv. */
#ifndef BB_SRV_H
#define BB_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct evl;
struct srv;
struct srv_conn;

/* Defaults of the limits (a 0 field in srv_cfg takes these). */
#define SRV_MAX_REQUEST 1024          /* upstream's control buffer */
#define SRV_MAX_CLIENTS 64
#define SRV_IDLE_MS 60000u
#define SRV_MAX_OUTPUT (1024u * 1024u)
#define SRV_BACKLOG 64

/* Why a connection ended (counters, logs). */
enum srv_end {
    SRV_END_CLOSED,     /* the client closed (EOF) */
    SRV_END_STOPPED,    /* srv_free */
    SRV_DROP_IDLE,      /* sent nothing for idle_ms */
    SRV_DROP_STALLED,   /* queued output did not drain for idle_ms */
    SRV_DROP_OUTPUT,    /* queued output over max_output */
    SRV_DROP_OVERSIZE,  /* a request over max_request, no oversize op */
    SRV_DROP_PROTO,     /* the framer said garbage */
    SRV_DROP_IO,        /* read/write error (ECONNRESET, ...) */
    SRV_DROP_SERVICE,   /* the service dropped it (srv_conn_drop) */
    SRV_END_N
};
const char *srv_end_name(enum srv_end why);

struct srv_ops {
    /* Required.  The length of the first whole request in buf (len > 0
     * bytes buffered): 0 none yet, > 0 its length (<= len), < 0 garbage. */
    ssize_t (*frame)(void *ud, const uint8_t *buf, size_t len);
    /* Required.  One request (the framer's n bytes, valid during the call). */
    void (*request)(void *ud, struct srv_conn *c, const uint8_t *req, size_t len);
    /* Optional.  max_request bytes without a whole request (the buffer,
     * valid during the call).  NULL: the client is dropped. */
    void (*oversize)(void *ud, struct srv_conn *c, const uint8_t *buf, size_t len);
    /* Optional.  A connection accepted / ending (srv_conn_data still set;
     * sends are ignored from here on). */
    void (*opened)(void *ud, struct srv_conn *c);
    void (*closed)(void *ud, struct srv_conn *c, enum srv_end why);
};

typedef int (*srv_accept_fn)(int fd, struct sockaddr *addr, socklen_t *len, int flags);

struct srv_cfg {
    const char *name;     /* for logs: "control socket" */
    size_t max_request;   /* input buffer: SRV_MAX_REQUEST */
    size_t max_clients;   /* SRV_MAX_CLIENTS */
    unsigned idle_ms;     /* SRV_IDLE_MS */
    size_t max_output;    /* SRV_MAX_OUTPUT */
    int backlog;          /* listen(): SRV_BACKLOG */
    const struct srv_ops *ops;
    void *ud;
    srv_accept_fn accept_fn; /* tests (fault injection): NULL = accept4 */
};

/* Counters, since srv_new. */
struct srv_stats {
    uint64_t clients;        /* connected now */
    uint64_t accepted;
    uint64_t ended[SRV_END_N];
    uint64_t requests;       /* handed to ops->request */
    uint64_t oversize;       /* requests over max_request */
    uint64_t accept_errors;
    uint64_t full;           /* times accepting stopped at max_clients */
    uint64_t bytes_in;
    uint64_t bytes_out;
};

int srv_new(struct evl *loop, const struct srv_cfg *cfg, struct srv **out);
/* Closes every connection (ops->closed: SRV_END_STOPPED) and listener,
 * unlinks unix sockets still ours.  NULL ok. */
void srv_free(struct srv *s);

/* A unix listener at path.  group: (gid_t)-1 for none (mode 0600) or the
 * socket group (0660).  Errors with a message for the user in err. */
int srv_listen_unix(struct srv *s, const char *path, gid_t group, char *err, size_t errlen);
/* A TCP listener on "HOST:PORT". */
int srv_listen_tcp(struct srv *s, const char *hostport, bool freebind, char *err,
                   size_t errlen);

/* A bound socket of type (SOCK_STREAM, SOCK_DGRAM) on "HOST:PORT", as
 * above (SO_REUSEADDR for SOCK_STREAM only), non-blocking and
 * close-on-exec; for the UDP service too.  *fd, or -errno with err. */
int srv_bind_inet(const char *hostport, int type, bool freebind, int *fd, char *err,
                  size_t errlen);
/* Pure: "HOST:PORT" split as spec §6.3 into host (NULL when empty) and port,
 * copied into the given buffers.  -EINVAL: no ':' or no port. */
int srv_split_hostport(const char *hostport, char *host, size_t hostlen, char *port,
                       size_t portlen);

void srv_get_stats(const struct srv *s, struct srv_stats *out);
const char *srv_name(const struct srv *s);

/* Queue len bytes to the client.  0; -EPIPE if the connection has ended
 * (or ends now: over max_output). */
int srv_conn_send(struct srv_conn *c, const void *buf, size_t len);
/* Bytes queued, not yet taken by the socket. */
size_t srv_conn_queued(const struct srv_conn *c);
/* End the connection now (SRV_DROP_SERVICE). */
void srv_conn_drop(struct srv_conn *c);
/* Stop handing requests (and reading) until srv_conn_resume: a request
 * answered later (EGD's blocking read).  The idle timer does not run for
 * input meanwhile.  Resume hands the requests already buffered from a
 * zero-delay timer. */
void srv_conn_pause(struct srv_conn *c);
void srv_conn_resume(struct srv_conn *c);
bool srv_conn_ended(const struct srv_conn *c);
/* The service's own per-connection data. */
void srv_conn_set_data(struct srv_conn *c, void *data);
void *srv_conn_data(const struct srv_conn *c);
/* A number for logs, unique per srv (1, 2, ...). */
uint64_t srv_conn_id(const struct srv_conn *c);

#endif
