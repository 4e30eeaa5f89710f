/* cli: bbemu's and bbgadget's shared command-line pieces.  See cli.h. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "num.h"

int cli_bad(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_USAGE;
}

/* A regular file at path, opened for reading; NULL with errno (EINVAL: not
 * a regular file).  O_NONBLOCK: a FIFO without a writer must not block the
 * open (nor, in bbemu's main loop, SIGTERM). */
static FILE *open_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), e;
    struct stat st;
    FILE *f;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if ((f = fdopen(fd, "rb")) != NULL)
        return f;
fail:
    e = errno;
    close(fd);
    errno = e;
    return NULL;
}

int cli_read_payload(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = open_regular(path);
    uint8_t *buf = NULL, *nbuf;
    size_t len = 0, cap = 0, n;
    int rc;

    if (!f)
        return -errno;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > CLI_PAYLOAD_MAX || !(nbuf = realloc(buf, cap))) {
                rc = -EFBIG;
                goto out;
            }
            buf = nbuf;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        rc = errno ? -errno : -EIO;
        goto out;
    }
    if (len == 0) {
        rc = -ENODATA;
        goto out;
    }
    *out = buf;
    *out_len = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

int cli_parse_expect(const char *s, unsigned *mask, size_t *count)
{
    const char *colon = strchr(s, ':');
    char m[8];
    uint64_t v, c;

    if (!colon || colon == s || (size_t)(colon - s) >= sizeof(m))
        return -EINVAL;
    memcpy(m, s, (size_t)(colon - s));
    m[colon - s] = '\0';
    if (num_parse_u64(m, 16, &v) != 0 || v > 15 ||
        num_parse_scaled_u64(colon + 1, 1024, &c) != 0 || c > CLI_EXPECT_MAX)
        return -EINVAL;
    *mask = (unsigned)v;
    *count = (size_t)c;
    return 0;
}

int cli_expect(const struct fmodel_config *cfg, unsigned mask, size_t count)
{
    uint8_t *buf = malloc(count ? count : 1);
    int rc = 1;

    if (buf && fmodel_output(cfg, mask, 0, buf, count) == 0 &&
        fwrite(buf, 1, count, stdout) == count && fflush(stdout) == 0)
        rc = 0;
    else
        fprintf(stderr, "%s: --expect failed\n", cli_prog);
    free(buf);
    return rc;
}

int cli_fifo_open(struct cli_fifo *f, const char *path, size_t line_max)
{
    *f = (struct cli_fifo){ .fd = -1, .cap = line_max + 1 };
    f->path = strdup(path);
    f->buf = malloc(f->cap);
    if (!f->path || !f->buf)
        return -ENOMEM;
    if (mkfifo(path, 0600) == 0)
        f->created = true;
    else if (errno != EEXIST)
        return -errno;
    /* O_RDWR: we are a writer too, so the FIFO never reports EOF */
    f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    return f->fd < 0 ? -errno : 0;
}

void cli_fifo_read(struct cli_fifo *f, void (*fn)(char *line, void *ud), void *ud)
{
    ssize_t n;

    while ((n = read(f->fd, f->buf + f->len, f->cap - 1 - f->len)) > 0) {
        char *start = f->buf, *nl;
        f->len += (size_t)n;
        while ((nl = memchr(start, '\n', f->len - (size_t)(start - f->buf)))) {
            *nl = '\0';
            if (nl > start && nl[-1] == '\r')
                nl[-1] = '\0';
            fn(start, ud);
            start = nl + 1;
        }
        f->len -= (size_t)(start - f->buf);
        memmove(f->buf, start, f->len);
        if (f->len == f->cap - 1) {
            fprintf(stderr, "%s: control: line too long (ignored)\n", cli_prog);
            f->len = 0;
        }
    }
}

void cli_fifo_close(struct cli_fifo *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->created)
        unlink(f->path);
    free(f->path);
    free(f->buf);
    *f = (struct cli_fifo){ .fd = -1 };
}
