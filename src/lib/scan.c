/* scan: the device list formats of `seedd -s`, `-sv` and `--shell-mr`
 * (spec §1.4, §1.5). */
#include "scan.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growable byte buffer; on allocation failure it frees itself and sets
 * buf to NULL, and further appends are no-ops. */
struct sbuf {
    char *buf;
    size_t len;
    size_t cap;
    int failed;
};

static int sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (extra > SIZE_MAX - b->len - 1)
        goto fail;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->buf, cap);
    if (!p)
        goto fail;
    b->buf = p;
    b->cap = cap;
    return 0;
fail:
    free(b->buf);
    b->buf = NULL;
    b->failed = 1;
    return -1;
}

/* Append n bytes plus a terminating NUL that is not counted in len. */
static void sbuf_put(struct sbuf *b, const char *s, size_t n)
{
    if (sbuf_reserve(b, n) < 0)
        return;
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sbuf_reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Fields need not be NUL-terminated within their arrays. */
#define FIELD(f) (int)strnlen((f), sizeof(f)), (f)

char *scan_format_human(const struct devinfo *devs, size_t n, bool verbose)
{
    struct sbuf b = { 0 };
    if (n == 0 || !devs) {
        sbuf_printf(&b, "No devices found.\n");
        return b.buf;
    }
    sbuf_printf(&b, "Have %zu device%s:\n", n, n == 1 ? "" : "s");
    sbuf_printf(&b, verbose ? "  Bus:Dev  VID:PID\n" : "  Bus:Device\n");
    for (size_t i = 0; i < n; i++) {
        const struct devinfo *d = &devs[i];
        if (verbose)
            sbuf_printf(&b, "  %03u:%03u %04x:%04x Serial '%.*s', Mfg '%.*s', Product '%.*s'",
                        d->bus, d->dev, (unsigned)d->vid, (unsigned)d->pid,
                        FIELD(d->serial), FIELD(d->manufacturer), FIELD(d->product));
        else
            sbuf_printf(&b, "  %03u:%03u Serial '%.*s'", d->bus, d->dev, FIELD(d->serial));
        if (d->port[0] != '\0')
            sbuf_printf(&b, ", port %u-%.*s", d->bus, FIELD(d->port));
        sbuf_put(&b, "\n", 1);
    }
    return b.buf;
}

static void put_field(struct sbuf *b, const char *s, size_t max)
{
    sbuf_put(b, s, strnlen(s, max));
    sbuf_put(b, "", 1);
}

char *scan_format_shell_mr(const struct devinfo *devs, size_t n, size_t *len)
{
    if (len)
        *len = 0;
    if (n == 0 || !devs || !len)
        return NULL;
    struct sbuf b = { 0 };
    for (size_t i = 0; i < n; i++) {
        const struct devinfo *d = &devs[i];
        char num[16];
        sbuf_put(&b, "\nD:", 4);  /* magic plus its NUL */
        snprintf(num, sizeof(num), "%03u", d->bus);
        put_field(&b, num, sizeof(num));
        snprintf(num, sizeof(num), "%03u", d->dev);
        put_field(&b, num, sizeof(num));
        snprintf(num, sizeof(num), "%04x", (unsigned)d->vid);
        put_field(&b, num, sizeof(num));
        snprintf(num, sizeof(num), "%04x", (unsigned)d->pid);
        put_field(&b, num, sizeof(num));
        put_field(&b, d->serial, sizeof(d->serial));
        put_field(&b, d->manufacturer, sizeof(d->manufacturer));
        put_field(&b, d->product, sizeof(d->product));
        put_field(&b, d->port, sizeof(d->port));
    }
    if (!b.buf)
        return NULL;
    *len = b.len;
    return b.buf;
}
