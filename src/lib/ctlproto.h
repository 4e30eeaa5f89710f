/* ctlproto: the control socket protocol (spec §7), as pure functions.
 *
 * One request in (the bytes of one frame, without its NUL), one reply out
 * (JSON text, without its NUL; the caller appends it when sending).  No
 * sockets here: the listener/connection module (srv.h) frames the bytes and
 * the daemon's control service passes each frame to ctlproto_handle().
 *
 * Replies are byte-compatible with upstream 0.9 (key order, number
 * formatting, error replies), with upstream's defects fixed (IDs escaped,
 * never nan/inf) and extra keys old clients ignore.  Built with json-c. */
#ifndef BB_CTLPROTO_H
#define BB_CTLPROTO_H
#include <stddef.h>

struct monitors;
struct sources;
struct pool;
struct kfeed;

/* Upstream's server buffer: a frame of this many bytes without a NUL is
 * answered with BadRequest "Request too large" and discarded. */
#define CTLPROTO_MAX_REQUEST 1024

/* What a request can see and change.  Any pointer but mons may be NULL
 * (that part is then not reported). */
struct ctlproto_env {
    const struct monitors *mons;  /* every health monitor, by ID */
    const struct sources *srcs;   /* devices: state, recoveries, ... */
    const struct pool *pool;      /* pool fill, sinks (sink_count/sink_at) */
    const struct kfeed *kfeed;    /* CRNG state */
    int (*get_verbosity)(void);   /* SetLogVerbosity */
    void (*set_verbosity)(int level);
};

/* The reply to one request of len bytes (not NUL-terminated, may hold any
 * bytes).  *out is malloc'd JSON text of *outlen bytes (NUL-terminated for
 * convenience, the NUL not counted).  0, or -ENOMEM. */
int ctlproto_handle(const struct ctlproto_env *env, const char *req, size_t len, char **out,
                    size_t *outlen);

/* The BadRequest reply for a frame that reached CTLPROTO_MAX_REQUEST bytes
 * without a NUL (req: its first bytes).  0, or -ENOMEM. */
int ctlproto_too_large(const char *req, size_t len, char **out, size_t *outlen);

#endif
