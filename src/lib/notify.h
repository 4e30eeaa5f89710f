/* notify: the service manager's readiness protocol (sd_notify, libsystemd).
 *
 * Each call sends one datagram to $NOTIFY_SOCKET; without it (not started
 * by systemd as Type=notify) they do nothing.  Failures are logged at
 * level 1 and otherwise ignored: a daemon does not stop because its
 * supervisor went away. */
#ifndef BB_NOTIFY_H
#define BB_NOTIFY_H

/* READY=1 with a first STATUS= line. */
void notify_ready(const char *status);
/* STATUS=... (one line; a repeat of the last status is not sent). */
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* STOPPING=1 with STATUS=Stopping. */
void notify_stopping(void);

#endif
