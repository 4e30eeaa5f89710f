/* ctlpath: the filesystem side of a unix control socket path (spec §7.1):
 * the path rules, the socket group, and the socket's directory.  The lock
 * beside the socket is lockfile's; the socket itself comes later.
 *
 * Path rules (ctlpath_check, pure): absolute, not ending in '/', not
 * directly in '/', and short enough for sun_path (at most 107 bytes).
 * "none" and "tcp:HOST:PORT" are not paths (ctlpath_is_unix).
 *
 * The directory (ctlpath_prepare_dir): the socket's parent directory gets
 * mode 0700, or 0770 with a socket group, and that group (else our egid).
 *   - Missing: created (missing ancestors first, as mkdir -p: mode 0755
 *     less the umask), then chmod to the exact mode and chown to the group.
 *   - Present: it must be a real directory (lstat: not a symlink) owned by
 *     our euid; a wrong mode or group is corrected (logged at level 1).
 *     Upstream refused those, so that a directory made by systemd's
 *     RuntimeDirectory= (group root) could not be used with a socket group,
 *     and a missing ancestor made by an earlier run failed the next one.
 * Errors come with a message for the user in err. */
#ifndef BB_CTLPATH_H
#define BB_CTLPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTLPATH_MAX 107

/* Not "none", not "tcp:...": a unix socket path. */
bool ctlpath_is_unix(const char *addr);
/* 0, or -EINVAL with the broken rule in err. */
int ctlpath_check(const char *path, char *err, size_t errlen);
/* The group's gid (getgrnam_r): 0, -ENOENT (no such group) or -errno. */
int ctlpath_group(const char *name, gid_t *out);
/* The socket's directory, as above.  group: a socket group's gid, or
 * (gid_t)-1 for none. */
int ctlpath_prepare_dir(const char *path, gid_t group, char *err, size_t errlen);
/* The directory of a socket that other users connect to (EGD: QEMU runs
 * as a user of its own), by the same rules with mode 0755 and our egid (the
 * socket's own mode and group decide who may connect): a directory others
 * may write to or that is sticky is refused as shared. */
int ctlpath_open_dir(const char *path, char *err, size_t errlen);

#endif
