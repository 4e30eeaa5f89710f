/* log: levelled logging to stderr, a file, syslog or the journal.  See
 * log.h. */
#include "log.h"

#include "climsg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION /* the location would always be log.c */
#include <systemd/sd-journal.h>

/* A message line, as climsg_escape leaves it (shortened in the middle). */
#define LOG_LINE_MAX 1024
/* log_say's line, "IDENT: " included (as options' messages). */
#define LOG_SAY_MAX 600

static int verbosity;
static enum log_target target = LOG_TARGET_STDERR;
static FILE *to_file;
static const char *log_ident = "bb";
static bool echo_stderr;
static bool journal_ok;     /* journald's socket existed when chosen */

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

void log_set_ident(const char *ident)
{
    log_ident = ident;
}

void log_use_syslog(const char *ident)
{
    log_ident = ident;
    openlog(ident, LOG_PID, LOG_DAEMON);
    target = LOG_TARGET_SYSLOG;
}

void log_use_journal(const char *ident)
{
    log_ident = ident;
    target = LOG_TARGET_JOURNAL;
    journal_ok = log_journal_available();
}

void log_use_file(FILE *f)
{
    to_file = f;
    target = f ? LOG_TARGET_FILE : LOG_TARGET_STDERR;
}

enum log_target log_get_target(void)
{
    return target;
}

void log_echo_stderr(bool on)
{
    echo_stderr = on;
}

bool log_journal_stream_matches(const char *value, unsigned long long dev, unsigned long long ino)
{
    unsigned long long d, i;
    int end = 0;
    if (!value || sscanf(value, "%llu:%llu%n", &d, &i, &end) != 2 || value[end])
        return false;
    return d == dev && i == ino;
}

bool log_notify_socket_valid(const char *value)
{
    return value && (value[0] == '/' || value[0] == '@') && value[1];
}

bool log_under_systemd(void)
{
    struct stat st;
    const char *js = getenv("JOURNAL_STREAM");
    if (js && fstat(STDERR_FILENO, &st) == 0 &&
        log_journal_stream_matches(js, (unsigned long long)st.st_dev,
                                   (unsigned long long)st.st_ino))
        return true;
    return log_notify_socket_valid(getenv("NOTIFY_SOCKET"));
}

bool log_journal_available(void)
{
    return access(LOG_JOURNAL_SOCKET, F_OK) == 0;
}

enum log_target log_use_auto(const char *ident, bool daemon)
{
    log_ident = ident;
    /* sd_journal_send() says nothing when there is no journald: then
     * stderr (systemd without journald, or a test's NOTIFY_SOCKET). */
    if (log_under_systemd() && log_journal_available())
        log_use_journal(ident);
    else if (daemon)
        log_use_syslog(ident);
    return target;
}

int log_priority(int level, bool note)
{
    if (note && level <= 2)
        return LOG_NOTICE;
    if (level <= 0)
        return LOG_ERR;
    if (level == 1)
        return LOG_WARNING;
    if (level == 2)
        return LOG_NOTICE;
    if (level == 3)
        return LOG_INFO;
    return LOG_DEBUG;
}

static void put_stamped(FILE *out, const char *msg)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    fprintf(out, "%02d:%02d:%02d.%06ld: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
            (long)tv.tv_usec, msg);
    fflush(out);
}

static void put_said(const char *msg)
{
    fprintf(stderr, "%s: %s\n", log_ident, msg);
}

/* To the journal; false if it refused the message (without journald it
 * says nothing: journal_ok covers that). */
static bool put_journal(int prio, int level, const char *msg)
{
    return sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio, "SYSLOG_IDENTIFIER=%s",
                           log_ident, "BB_LEVEL=%d", level, NULL) >= 0;
}

/* One escaped message to the target.  said: log_say's form on stderr. */
static void emit(int level, bool note, bool said, const char *msg)
{
    int prio = log_priority(level, note);
    switch (target) {
    case LOG_TARGET_SYSLOG:
        /* syslog stamps the time itself: no duplicate prefix (upstream bug). */
        syslog(prio, "%s", msg);
        if (echo_stderr && level <= 0 && !note) {
            if (said)
                put_said(msg);
            else
                put_stamped(stderr, msg);
        }
        return;
    case LOG_TARGET_JOURNAL:
        if (journal_ok && put_journal(prio, level, msg))
            return;
        break; /* no journald: stderr */
    case LOG_TARGET_FILE:
        if (!said) {
            put_stamped(to_file, msg);
            return;
        }
        break;
    case LOG_TARGET_STDERR:
        break;
    }
    if (said)
        put_said(msg);
    else
        put_stamped(stderr, msg);
}

static void vlog(int level, bool note, bool said, const char *fmt, va_list ap)
{
    char buf[LOG_LINE_MAX], msg[LOG_LINE_MAX], *raw = NULL;
    va_list ap2;
    /* Whole, so that shortening (in the middle) keeps the end: the reason
     * after a long argument. */
    va_copy(ap2, ap);
    if (vasprintf(&raw, fmt, ap2) < 0)
        raw = NULL;
    va_end(ap2);
    if (!raw)
        vsnprintf(buf, sizeof(buf), fmt, ap);
    /* Names and IDs in messages may come from arguments or devices: no
     * control characters reach a terminal or a log. */
    size_t max = sizeof(msg);
    if (said) {
        size_t pre = strlen(log_ident) + 3; /* ": " and the newline */
        max = LOG_SAY_MAX > pre ? LOG_SAY_MAX - pre : 1;
    }
    climsg_escape(raw ? raw : buf, msg, max);
    free(raw);
    emit(level, note, said, msg);
}

void log_msg(int level, const char *fmt, ...)
{
    va_list ap;
    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vlog(level, false, false, fmt, ap);
    va_end(ap);
}

void log_note(int level, const char *fmt, ...)
{
    va_list ap;
    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    vlog(level, true, false, fmt, ap);
    va_end(ap);
}

void log_say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(0, false, true, fmt, ap);
    va_end(ap);
}
