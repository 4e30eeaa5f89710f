/* log: levelled logging to stderr or syslog.  See log.h. */
#include "log.h"

#include "climsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

static int verbosity;
static bool to_syslog;
static FILE *to_file;

void log_set_verbosity(int level)
{
    verbosity = level;
}

int log_get_verbosity(void)
{
    return verbosity;
}

bool log_enabled(int level)
{
    return level <= verbosity;
}

void log_use_syslog(const char *ident)
{
    openlog(ident, LOG_PID, LOG_DAEMON);
    to_syslog = true;
}

void log_use_file(FILE *f)
{
    to_file = f;
    to_syslog = false;
}

static int syslog_priority(int level)
{
    /* Upstream logs everything at NOTICE; we keep errors distinguishable. */
    if (level <= 0)
        return LOG_ERR;
    if (level == 1)
        return LOG_WARNING;
    if (level == 2)
        return LOG_NOTICE;
    return LOG_DEBUG;
}

void log_msg(int level, const char *fmt, ...)
{
    char raw[1024], msg[1024];
    va_list ap;

    if (!log_enabled(level))
        return;

    va_start(ap, fmt);
    vsnprintf(raw, sizeof(raw), fmt, ap);
    va_end(ap);
    /* Names and IDs in messages may come from arguments or devices: no
     * control characters reach a terminal or a log. */
    climsg_escape(raw, msg, sizeof(msg));

    if (to_syslog) {
        /* syslog stamps the time itself: no duplicate prefix (upstream bug). */
        syslog(syslog_priority(level), "%s", msg);
        return;
    }

    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    FILE *out = to_file ? to_file : stderr;
    fprintf(out, "%02d:%02d:%02d.%06ld: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            (long)tv.tv_usec, msg);
    if (to_file)
        fflush(to_file);
}
