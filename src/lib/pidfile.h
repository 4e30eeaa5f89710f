/* pidfile: a file holding a process ID ("1234\n").
 *
 * pidfile_write() writes our pid to a temporary file beside PATH and
 * renames it into place, so a reader never sees a half-written file;
 * pidfile_free() removes the file again, but only while it still holds our
 * pid (another process may have taken the name since).  A relative PATH is
 * made absolute when written, so a later chdir does not lose it.
 * pidfile_parse() is the pure parser the lock file shares. */
#ifndef BB_PIDFILE_H
#define BB_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

struct pidfile;

/* Decimal digits, one optional trailing newline, 1..INT_MAX: 0 and *out,
 * or -EINVAL. */
int pidfile_parse(const char *buf, size_t len, pid_t *out);
/* Reads and parses the file at path: 0, -EINVAL (not a pid) or -errno. */
int pidfile_read(const char *path, pid_t *out);

int pidfile_write(const char *path, struct pidfile **out);
/* Removes the file if it still holds our pid; NULL is a no-op. */
void pidfile_free(struct pidfile *pf);

#endif
