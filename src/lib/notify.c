/* notify: sd_notify messages.  See notify.h. */
#include "notify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"

static char last_status[256];

static void notify_send(const char *what, const char *text)
{
    int r = sd_notify(0, text);
    if (r < 0)
        log_msg(1, "Telling the service manager %s: %s", what, strerror(-r));
    else if (r > 0)
        log_msg(3, "Told the service manager: %s", text);
}

void notify_ready(const char *status)
{
    char msg[300];
    snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
    snprintf(last_status, sizeof(last_status), "%s", status);
    notify_send("we are ready", msg);
}

void notify_status(const char *fmt, ...)
{
    char status[sizeof(last_status)], msg[sizeof(status) + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(status, sizeof(status), fmt, ap);
    va_end(ap);
    if (!strcmp(status, last_status))
        return;
    memcpy(last_status, status, sizeof(status));
    snprintf(msg, sizeof(msg), "STATUS=%s", status);
    notify_send("our status", msg);
}

void notify_stopping(void)
{
    notify_send("we are stopping", "STOPPING=1\nSTATUS=Stopping");
    snprintf(last_status, sizeof(last_status), "Stopping");
}
