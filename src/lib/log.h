/* log: the one way library code reports anything.
 *
 * A message of level N is emitted when the verbosity is >= N (upstream's
 * scale: 0 errors and important events, 1 warnings and resets, 2 object
 * lifecycle, 3 thread/loop lifecycle, 4 udev dumps, 5 pool traffic, 6 per-read
 * traffic).
 *
 * Targets (one at a time):
 *   stderr  (default) each line prefixed "HH:MM:SS.uuuuuu: " (local time);
 *   file    the same lines to a FILE (log_use_file);
 *   syslog  LOG_DAEMON, ident, LOG_PID; no time prefix (syslog stamps);
 *   journal sd_journal_send: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and
 *           BB_LEVEL (the 0-6 level); no time prefix.  A message the
 *           journal refuses goes to stderr instead.
 * The syslog/journal priority comes from the level (log_priority): 0 LOG_ERR,
 * 1 LOG_WARNING, 2 LOG_NOTICE, 3 LOG_INFO, 4-6 LOG_DEBUG.  log_note() is for
 * level-0..2 messages that report an event rather than a problem (a signal,
 * a finished job): LOG_NOTICE.  Upstream sent everything at LOG_NOTICE and
 * repeated its time prefix inside syslog's.
 *
 * log_say() is for the person who ran the program: "IDENT: message" on
 * stderr, exactly as a command-line tool prints its errors, whatever the
 * verbosity; with syslog or the journal as target, an error (LOG_ERR) there.
 */
#ifndef BB_LOG_H
#define BB_LOG_H

#include <stdbool.h>
#include <stdio.h>

enum log_target {
    LOG_TARGET_STDERR,
    LOG_TARGET_FILE,
    LOG_TARGET_SYSLOG,
    LOG_TARGET_JOURNAL,
};

void log_set_verbosity(int level);
int log_get_verbosity(void);
bool log_enabled(int level);

/* The program name: log_say's prefix, syslog's ident and the journal's
 * SYSLOG_IDENTIFIER (default "bb").  The string must outlive the logging. */
void log_set_ident(const char *ident);

/* Send further messages to syslog under the given ident. */
void log_use_syslog(const char *ident);

/* Send further messages to the systemd journal under the given ident. */
void log_use_journal(const char *ident);

/* Send further messages to f (with the time prefix) instead of stderr;
 * NULL goes back to stderr.  The caller keeps f open. */
void log_use_file(FILE *f);

/* A daemon's target, chosen once at start: the journal when running under
 * systemd (log_under_systemd) and journald's socket exists
 * (log_journal_available), else syslog when daemon, else stderr.
 * Returns the target chosen. */
enum log_target log_use_auto(const char *ident, bool daemon);
enum log_target log_get_target(void);

/* Under systemd: $JOURNAL_STREAM names fd 2 (device:inode, as systemd sets
 * it when stderr is connected to the journal), or $NOTIFY_SOCKET is set
 * (log_notify_socket_valid). */
bool log_under_systemd(void);
#define LOG_JOURNAL_SOCKET "/run/systemd/journal/socket"
bool log_journal_available(void);
/* Pure: does JOURNAL_STREAM's value "DEV:INO" name this device and inode? */
bool log_journal_stream_matches(const char *value, unsigned long long dev,
                                unsigned long long ino);
/* Pure: upstream's test for a usable NOTIFY_SOCKET: starts with '/' or '@'
 * and has at least 2 characters. */
bool log_notify_socket_valid(const char *value);

/* While on (a daemon that has not detached yet), messages of level 0 and
 * log_say() sent to syslog are also printed on stderr, so start-up errors
 * reach the terminal that started it. */
void log_echo_stderr(bool on);

/* The syslog/journal priority of a message of this level. */
int log_priority(int level, bool note);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_note(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOG_ERR_LVL 0
#define LOG_WARN_LVL 1
#define LOG_INFO_LVL 2

#endif
