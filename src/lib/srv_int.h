/* srv's internals shared by srv.c and srv_sock.c. */
#ifndef BB_SRV_INT_H
#define BB_SRV_INT_H

#include <sys/types.h>

/* A listening unix socket at path (srv.h: stale socket, mode, group);
 * *dev and *ino identify it for srv_sock_unlink. */
int srv_sock_unix(const char *path, gid_t group, int backlog, int *fd, dev_t *dev, ino_t *ino,
                  char *err, size_t errlen);
void srv_sock_unlink(const char *path, dev_t dev, ino_t ino);

#endif
