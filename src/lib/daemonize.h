/* daemonize: detach from the terminal, but let the start-up decide the exit
 * status the caller sees (better than daemon(0,0), which exits 0 before the
 * daemon has done anything).
 *
 *   daemonize_begin()  fork.  The parent waits on a pipe until the child is
 *                      ready (status 0) or ends (its own exit status; a
 *                      child killed by signal N: 128 + N) and returns 1 with
 *                      that status for main to return.  The child returns 0:
 *                      it is in a new session (setsid), umask 027, stdin on
 *                      /dev/null; stdout and stderr are still the caller's,
 *                      so start-up errors reach the terminal.
 *   daemonize_ready()  (child) chdir("/"), stdout and stderr on /dev/null,
 *                      and the parent is told: it exits 0.
 * A child that fails simply ends (returns from main): the parent sees the
 * pipe close and takes the child's exit status.  There is no second fork:
 * the daemon is a session leader that never opens a terminal. */
#ifndef BB_DAEMONIZE_H
#define BB_DAEMONIZE_H

struct daemonize;

/* 1 in the parent (*parent_status: exit with it), 0 in the child, or
 * -errno (pipe or fork failed; nothing forked). */
int daemonize_begin(struct daemonize **out, int *parent_status);
/* In the child, once serving: 0, or -errno from redirecting stdio. */
int daemonize_ready(struct daemonize *dz);
/* NULL is a no-op; in the child before ready, the parent then sees the
 * pipe close when the child exits. */
void daemonize_free(struct daemonize *dz);

#endif
