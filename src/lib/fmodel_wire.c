/* fmodel_wire: the wire log.  See fmodel.h. */
#include "fmodel_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define WIRE_MAX (64u << 20)     /* in-memory wire log */

/* ------------------------------------------------------------ wire log */

static void wire_add(struct fmodel *m, const char *line, size_t n)
{
    char *p;

    if (m->sink)
        m->sink(line, m->sink_user);
    if (m->wire_full || m->wire.len + n + 2 > WIRE_MAX ||
        !(p = (char *)fmodel_queue_reserve(&m->wire, n + 2))) {
        if (!m->wire_full)
            log_msg(LOG_WARN_LVL, "fmodel %s: wire log full, later lines not kept", m->serial);
        m->wire_full = true;
        return;
    }
    memcpy(p, line, n);
    p[n] = '\n';
    p[n + 1] = '\0';
    m->wire.len--;                       /* the NUL stays outside */
}

void fmodel_wire_event(struct fmodel *m, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    wire_add(m, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void fmodel_wire_out(struct fmodel *m, const uint8_t *buf, size_t len)
{
    char *line = malloc(4 + 3 * len + 1);

    if (line) {
        size_t n = 3;
        memcpy(line, "out", 3);
        for (size_t i = 0; i < len; i++) {
            static const char hex[] = "0123456789abcdef";
            line[n++] = ' ';
            line[n++] = hex[buf[i] >> 4];
            line[n++] = hex[buf[i] & 15];
        }
        line[n] = '\0';
        wire_add(m, line, n);
        free(line);
    }
}

void fmodel_wire_sink(struct fmodel *m, fmodel_wire_fn fn, void *user)
{
    m->sink = fn;
    m->sink_user = user;
}

const char *fmodel_wire_text(const struct fmodel *m, size_t *len)
{
    if (len)
        *len = m->wire.len;
    return m->wire.len ? (const char *)m->wire.d : "";
}

void fmodel_wire_clear(struct fmodel *m)
{
    fmodel_queue_clear(&m->wire);
    m->wire_full = false;
}

int fmodel_wire_dump(const struct fmodel *m, const char *path)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    FILE *f = NULL;
    int fd, rc = 0;

    if (!tmp)
        return -ENOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    fd = mkstemp(tmp);
    if (fd < 0 || fchmod(fd, 0644) != 0 || !(f = fdopen(fd, "w"))) {
        rc = -errno;
        if (fd >= 0)
            close(fd);
        goto out;
    }
    if (m->wire.len && fwrite(m->wire.d, 1, m->wire.len, f) != m->wire.len)
        rc = -EIO;
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
out:
    if (rc && fd >= 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
