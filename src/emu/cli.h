/* cli: what bbemu and bbgadget, the two transports of the fmodel device
 * model, share on their command line and control FIFO: usage errors, the
 * payload file, --expect MASK:COUNT, and reading the control FIFO line by
 * line.  No GLib (bbgadget has none).  Each program defines cli_prog, the
 * name its messages start with. */
#ifndef BB_EMU_CLI_H
#define BB_EMU_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmodel.h"

#define CLI_EXIT_USAGE 2
#define CLI_PAYLOAD_MAX ((size_t)1 << 30)
#define CLI_EXPECT_MAX ((size_t)1 << 30)

extern const char cli_prog[];

/* "PROG: <message>" on stderr; returns CLI_EXIT_USAGE. */
int cli_bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole payload file at path into a new buffer (the caller frees it).
 * Only a regular file: a FIFO, device or directory is -EINVAL at once
 * (never a blocking open or read).  0 or -errno: -ENODATA empty, -EFBIG
 * over CLI_PAYLOAD_MAX. */
int cli_read_payload(const char *path, uint8_t **buf, size_t *len);

/* --expect MASK:COUNT: MASK 0..f hex, COUNT decimal with num's k/M/G
 * suffixes (1024), at most CLI_EXPECT_MAX.  0 or -EINVAL. */
int cli_parse_expect(const char *s, unsigned *mask, size_t *count);
/* Write the first count bytes a device of cfg clocks out with enable mask
 * `mask` and no faults (fmodel_output()) to stdout.  0, or 1 after saying
 * "PROG: --expect failed". */
int cli_expect(const struct fmodel_config *cfg, unsigned mask, size_t count);

/* The control FIFO: commands, one per line. */
struct cli_fifo {
    int fd;                   /* -1: not open */
    bool created;             /* made by cli_fifo_open(): unlinked on close */
    char *path;
    char *buf;                /* a partial line */
    size_t len, cap;
};

/* Make the FIFO at path unless it exists, and open it (non-blocking, and
 * also for writing, so it never reports EOF).  f->path is set even on
 * failure (for the message).  line_max: longer lines are dropped with a
 * message.  0 or -errno. */
int cli_fifo_open(struct cli_fifo *f, const char *path, size_t line_max);
/* Read what is there; fn for each complete line ('\n' or "\r\n" cut off). */
void cli_fifo_read(struct cli_fifo *f, void (*fn)(char *line, void *ud), void *ud);
/* Close, unlink the FIFO if cli_fifo_open() made it, free.  Fine on a
 * zeroed struct with fd -1. */
void cli_fifo_close(struct cli_fifo *f);

#endif
