/* log: the one way library code reports anything.
 *
 * A message of level N is emitted when the verbosity is >= N (upstream's
 * scale: 0 errors and important events, 1 warnings and resets, 2 object
 * lifecycle, 3 thread/loop lifecycle, 4 udev dumps, 5 pool traffic, 6 per-read
 * traffic).  Each line is prefixed "HH:MM:SS.uuuuuu: " (local time).  Lines go
 * to stderr, or to syslog (LOG_DAEMON, priority derived from the level) once
 * log_use_syslog() was called.
 */
#ifndef BB_LOG_H
#define BB_LOG_H

#include <stdbool.h>
#include <stdio.h>

void log_set_verbosity(int level);
int log_get_verbosity(void);
bool log_enabled(int level);

/* Send further messages to syslog under the given ident. */
void log_use_syslog(const char *ident);

/* Send further messages to f (with the time prefix) instead of stderr;
 * NULL goes back to stderr.  The caller keeps f open. */
void log_use_file(FILE *f);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_ERR_LVL 0
#define LOG_WARN_LVL 1
#define LOG_INFO_LVL 2

#endif
