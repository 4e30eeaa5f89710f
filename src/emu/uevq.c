/* uevq: uevents that do not fit are queued, not lost.  See uevq.h. */
#include "uevq.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef int (*connect_fn)(int, const struct sockaddr *, socklen_t);

/* One listener with messages waiting: our own socket connected to it, the
 * main-loop source that fires when it has room, the messages in order. */
struct lq {
    char *path;
    int fd;
    guint src;
    GQueue msgs;                         /* of GBytes */
};

static GMutex lock;
static char *prefix;                     /* "ROOT/event"; NULL: not queueing */
static GHashTable *queues;               /* path -> struct lq */

static sendmsg_fn real_sendmsg(void)
{
    static sendmsg_fn fn;
    if (g_once_init_enter(&fn))
        g_once_init_leave(&fn, (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg"));
    return fn;
}

static connect_fn real_connect(void)
{
    static connect_fn fn;
    if (g_once_init_enter(&fn))
        g_once_init_leave(&fn, (connect_fn)dlsym(RTLD_NEXT, "connect"));
    return fn;
}

static void lq_free(gpointer p)
{
    struct lq *q = p;
    if (q->src)
        g_source_remove(q->src);
    if (q->fd >= 0)
        close(q->fd);
    g_queue_clear_full(&q->msgs, (GDestroyNotify)g_bytes_unref);
    g_free(q->path);
    g_free(q);
}

int uevq_init(const char *root)
{
    g_mutex_lock(&lock);
    g_free(prefix);
    prefix = g_strconcat(root, "/event", NULL);
    if (!queues)
        queues = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, lq_free);
    g_mutex_unlock(&lock);
    return 0;
}

void uevq_fini(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&queues, g_hash_table_destroy);
    g_clear_pointer(&prefix, g_free);
    g_mutex_unlock(&lock);
}

/* Send what q holds while the listener has room.  Called with lock held. */
static gboolean flush_locked(struct lq *q)
{
    GBytes *b;

    while ((b = g_queue_peek_head(&q->msgs))) {
        gsize len;
        const void *data = g_bytes_get_data(b, &len);
        if (send(q->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return G_SOURCE_CONTINUE;
            bool gone = errno == ECONNREFUSED || errno == ENOENT;
            log_msg(gone ? LOG_INFO_LVL : LOG_WARN_LVL,
                    "bbemu: uevent listener %s: %s (its %u queued events dropped)", q->path,
                    strerror(errno), g_queue_get_length(&q->msgs));
            break;
        }
        g_bytes_unref(g_queue_pop_head(&q->msgs));
    }
    q->src = 0;                          /* removed by our return value */
    g_hash_table_remove(queues, q->path);
    return G_SOURCE_REMOVE;
}

static gboolean on_room(gint fd, GIOCondition cond, gpointer data)
{
    gboolean more;
    (void)fd;
    (void)cond;
    g_mutex_lock(&lock);
    more = flush_locked(data);
    g_mutex_unlock(&lock);
    return more;
}

static GBytes *flatten(const struct msghdr *msg)
{
    GByteArray *a = g_byte_array_new();
    for (size_t i = 0; i < msg->msg_iovlen; i++)
        g_byte_array_append(a, msg->msg_iov[i].iov_base, (guint)msg->msg_iov[i].iov_len);
    return g_byte_array_free_to_bytes(a);
}

/* A queue for path, or NULL (errno set) when the listener cannot be reached. */
static struct lq *lq_new(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct lq *q = g_new0(struct lq, 1);

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    q->path = g_strdup(path);
    q->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        lq_free(q);
        errno = e;
        return NULL;
    }
    q->src = g_unix_fd_add(q->fd, G_IO_OUT, on_room, q);
    g_hash_table_insert(queues, q->path, q);
    log_msg(LOG_INFO_LVL, "bbemu: uevent listener %s is full: queueing its events", path);
    return q;
}

/* The listener msg goes to, or NULL if it is not a uevent.  umockdev names
 * the (connected) socket's address but leaves msg_namelen 0. */
static const char *event_path(const struct msghdr *msg)
{
    const struct sockaddr_un *sa = msg ? msg->msg_name : NULL;
    if (!sa || !prefix ||
        (msg->msg_namelen && msg->msg_namelen <= offsetof(struct sockaddr_un, sun_path)) ||
        sa->sun_family != AF_UNIX || strncmp(sa->sun_path, prefix, strlen(prefix)) != 0)
        return NULL;
    return sa->sun_path;
}

static ssize_t msg_len(const struct msghdr *msg)
{
    size_t n = 0;
    for (size_t i = 0; i < msg->msg_iovlen; i++)
        n += msg->msg_iov[i].iov_len;
    return (ssize_t)n;
}

/* Is sa (len bytes) the address of one of our listeners? */
static bool is_event_addr(const struct sockaddr *sa, socklen_t len)
{
    const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
    bool r;

    if (!sa || len <= offsetof(struct sockaddr_un, sun_path) || sa->sa_family != AF_UNIX)
        return false;
    g_mutex_lock(&lock);
    r = prefix && strnlen(un->sun_path, len - offsetof(struct sockaddr_un, sun_path)) <
                      len - offsetof(struct sockaddr_un, sun_path) &&
        strncmp(un->sun_path, prefix, strlen(prefix)) == 0;
    g_mutex_unlock(&lock);
    return r;
}

/* umockdev connects to each TESTBED/event* it globbed and aborts unless the
 * connect succeeds or fails with ECONNREFUSED; a listener that closed its
 * monitor between the glob and the connect fails with ENOENT.  That is a
 * listener gone, as ECONNREFUSED is: say so. */
int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    connect_fn real = real_connect();
    int r;

    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    r = real(fd, sa, len);
    if (r < 0 && errno == ENOENT && is_event_addr(sa, len))
        errno = ECONNREFUSED;
    return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    sendmsg_fn real = real_sendmsg();
    const char *path;
    struct lq *q;
    ssize_t n;

    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    g_mutex_lock(&lock);
    path = event_path(msg);
    if (!path) {
        g_mutex_unlock(&lock);
        return real(fd, msg, flags);
    }
    q = g_hash_table_lookup(queues, path);
    n = q ? -1 : real(fd, msg, flags);
    if (n < 0 && !q && (errno == EAGAIN || errno == EWOULDBLOCK))
        q = lq_new(path);
    if (q)
        g_queue_push_tail(&q->msgs, flatten(msg));
    /* queued, or the listener is gone (closed its monitor): sent, as far
     * as umockdev is concerned (0.17 would abort on these) */
    if (q || (n < 0 && (errno == ECONNREFUSED || errno == ENOENT)))
        n = msg_len(msg);
    g_mutex_unlock(&lock);
    return n;
}
