/* srv_sock: the sockets behind srv's listeners (unix path, HOST:PORT).
 * See srv.h. */
#include "srv.h"
#include "srv_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlpath.h"
#include "log.h"

int srv_split_hostport(const char *hostport, char *host, size_t hostlen, char *port,
                       size_t portlen)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon || colon[1] == 0)
        return -EINVAL;
    const char *h = hostport;
    size_t hl = (size_t)(colon - hostport);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    if (hl >= hostlen || strlen(colon + 1) >= portlen)
        return -EINVAL;
    memcpy(host, h, hl);
    host[hl] = 0;
    strcpy(port, colon + 1);
    return 0;
}

/* One getaddrinfo result: a bound socket, or -errno. */
static int bind_one(const struct addrinfo *ai, bool freebind)
{
    static const int one = 1;
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return -errno;
    /* IP_FREEBIND applies to IPv6 sockets too (Linux). */
    if ((ai->ai_socktype == SOCK_STREAM &&
         setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) ||
        (freebind && setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) < 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

static int resolve(const char *host, const char *port, int type, int flags,
                   struct addrinfo **res)
{
    const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = type,
                                    .ai_flags = flags };
    return getaddrinfo(host[0] ? host : NULL, port, &hints, res);
}

int srv_bind_inet(const char *hostport, int type, bool freebind, int *fd, char *err,
                  size_t errlen)
{
    char host[256], port[64];
    struct addrinfo *res = NULL;
    int r = -EADDRNOTAVAIL;
    if (srv_split_hostport(hostport, host, sizeof(host), port, sizeof(port)) < 0) {
        snprintf(err, errlen, "'%s' is not HOST:PORT", hostport);
        return -EINVAL;
    }
    /* AI_ADDRCONFIG as upstream; without it when it leaves nothing (a host
     * with loopback only and ::1 asked for). */
    int g = resolve(host, port, type, AI_PASSIVE | AI_ADDRCONFIG, &res);
    if (g != 0)
        g = resolve(host, port, type, AI_PASSIVE, &res);
    if (g != 0) {
        snprintf(err, errlen, "%s: %s", hostport, gai_strerror(g));
        return g == EAI_MEMORY ? -ENOMEM : -EADDRNOTAVAIL;
    }
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        int s = bind_one(ai, freebind);
        if (s >= 0) {
            *fd = s;
            r = 0;
            break;
        }
        r = s;
    }
    freeaddrinfo(res);
    if (r < 0)
        snprintf(err, errlen, "cannot bind %s: %s", hostport, strerror(-r));
    return r;
}

/* Something at path: a stale socket of ours (nobody listening) is removed;
 * anything else is refused. */
static int remove_stale(const char *path, const struct stat *st, char *err, size_t errlen)
{
    if (!S_ISSOCK(st->st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -EEXIST;
    }
    if (st->st_uid != geteuid()) {
        snprintf(err, errlen, "the socket %s belongs to uid %u, not to us (uid %u)", path,
                 (unsigned)st->st_uid, (unsigned)geteuid());
        return -EPERM;
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd, c, e;
    strcpy(a.sun_path, path); /* ctlpath_check: it fits */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    c = connect(fd, (struct sockaddr *)&a, sizeof(a));
    e = errno;
    close(fd);
    if (c == 0 || e == EAGAIN) {
        snprintf(err, errlen, "%s is in use: a server is listening on it", path);
        return -EADDRINUSE;
    }
    if (unlink(path) < 0 && errno != ENOENT)
        goto fail;
    log_msg(1, "Removed the stale socket %s", path);
    return 0;
fail:
    e = -errno;
    snprintf(err, errlen, "cannot remove the stale socket %s: %s", path, strerror(-e));
    return e;
}

int srv_sock_unix(const char *path, gid_t group, int backlog, int *fdout, dev_t *dev,
                  ino_t *ino, char *err, size_t errlen)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    mode_t mode = group == (gid_t)-1 ? 0600 : 0660;
    struct stat st;
    char why[200];
    int fd = -1, r;
    if (ctlpath_check(path, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -EINVAL;
    }
    if (lstat(path, &st) == 0 && (r = remove_stale(path, &st, err, errlen)) < 0)
        return r;
    strcpy(a.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        goto fail;
    /* The directory (0700/0770, ours) keeps others out until chmod. */
    if (chmod(path, mode) < 0 || (group != (gid_t)-1 && chown(path, (uid_t)-1, group) < 0) ||
        lstat(path, &st) < 0 || listen(fd, backlog) < 0) {
        r = -errno;
        unlink(path);
        errno = -r;
        goto fail;
    }
    *fdout = fd;
    *dev = st.st_dev;
    *ino = st.st_ino;
    return 0;
fail:
    r = -errno;
    snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(-r));
    if (fd >= 0)
        close(fd);
    return r;
}

/* Our socket still at path (not replaced by someone else's): removed. */
void srv_sock_unlink(const char *path, dev_t dev, ino_t ino)
{
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino) {
        if (unlink(path) == 0)
            log_msg(2, "Removed %s", path);
    }
}
