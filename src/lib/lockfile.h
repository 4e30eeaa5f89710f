/* lockfile: one process at a time per path (spec §7.1's control path lock).
 *
 * lockfile_acquire() opens PATH (O_CREAT, mode 0644, never through a
 * symlink) and takes flock(LOCK_EX|LOCK_NB) on it, then writes the holder's
 * pid into it.  When another process holds it: -EWOULDBLOCK, and *holder
 * is the pid read from the file (0 if it cannot be read yet).  A lock file
 * owned by another user is refused (-EPERM).
 *
 * lockfile_free() unlinks PATH while still holding the lock, then closes
 * it (upstream left the file behind).  Because of that, acquire checks
 * after flock that the file it locked is still the one at PATH (same
 * device and inode) and starts again if not: otherwise a process that
 * opened the file just before the holder removed it would lock a file no
 * longer in the namespace, next to a second instance locking the new one.
 */
#ifndef BB_LOCKFILE_H
#define BB_LOCKFILE_H

#include <sys/types.h>

struct lockfile;

int lockfile_acquire(const char *path, struct lockfile **out, pid_t *holder);
/* Removes the file and releases the lock; NULL is a no-op. */
void lockfile_free(struct lockfile *l);

#endif
