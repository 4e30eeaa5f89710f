/* egdproto: the EGD (Entropy Gathering Daemon) protocol, as QEMU's rng-egd
 * backend and classic EGD clients speak it, as pure functions over buffers.
 * The EGD service (seedd --egd-out) feeds each client's buffered input to
 * egd_parse(), acts on the request, and builds the reply with the
 * egd_reply_*() functions.  Nothing here does I/O, allocates or logs.
 *
 * Requests (every number is one unsigned byte unless said otherwise):
 *
 *   0x00            entropy available: reply 4 bytes, the number of bits
 *                   of entropy the server holds, big-endian (egd_reply_avail).
 *   0x01 N          non-blocking read of up to N (0..255) bytes: reply one
 *                   count byte C (C <= N) and C bytes (egd_reply_nb_header,
 *                   then the data; or egd_reply_nb with the data).
 *   0x02 N          blocking read: reply exactly N raw bytes, no header,
 *                   once they are there.  N = 0 is a valid request with an
 *                   empty reply (nothing to send, nothing to wait for).
 *                   QEMU's rng-egd only ever sends this, with N 1..255 (it
 *                   splits larger needs into several requests), and reads
 *                   the replies back to back as one byte stream.
 *   0x03 HI LO N D… write entropy: a 16-bit big-endian bit count, a count N
 *                   and N bytes of data.  REFUSED: the service reads the
 *                   whole request and discards its data, and sends nothing
 *                   (EGD has no reply to a write), so a client that writes
 *                   stays in step and its later requests are served.  No
 *                   byte of a client ever reaches the pool.
 *   0x04            PID: reply one length byte L and L ASCII decimal digits
 *                   (egd_reply_pid).
 *
 * Any other first byte is a bad request: the service closes the client (the
 * stream can no longer be framed).  A request is at most EGD_MAX_REQUEST
 * bytes, so a service needs no more input buffer than that per client to
 * make progress.
 */
#ifndef BB_EGDPROTO_H
#define BB_EGDPROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum egd_cmd {
    EGD_CMD_AVAIL = 0x00,      /* entropy available (bits) */
    EGD_CMD_READ_NB = 0x01,    /* non-blocking read, count-prefixed reply */
    EGD_CMD_READ_BLOCK = 0x02, /* blocking read, raw reply */
    EGD_CMD_WRITE = 0x03,      /* write entropy: refused (data discarded) */
    EGD_CMD_PID = 0x04,        /* server's PID */
};

#define EGD_MAX_COUNT 255u        /* N of a read or write */
#define EGD_MAX_REQUEST (4u + EGD_MAX_COUNT) /* 0x03 HI LO N + 255 bytes */
#define EGD_AVAIL_REPLY 4u        /* 0x00's reply */
#define EGD_NB_REPLY_MAX (1u + EGD_MAX_COUNT)
#define EGD_PID_REPLY_MAX 21u     /* length byte + 20 digits of a 64-bit pid */

struct egd_request {
    enum egd_cmd cmd;
    size_t size;         /* bytes of input this request takes (consume them) */
    unsigned count;      /* READ_NB, READ_BLOCK: bytes asked (0..255);
                            WRITE: data bytes (discarded); else 0 */
    unsigned bits;       /* WRITE: the entropy the client claims (ignored) */
};

/* Parse the request at the start of buf[0..len).
 *   0        one whole request: *req filled, req->size bytes to consume
 *            (1 to EGD_MAX_REQUEST; more requests may follow in buf);
 *   -EAGAIN  the request is incomplete (len 0 included): wait for more
 *            input; *need (if not NULL) is the least total length that can
 *            complete it (> len); nothing is consumed;
 *   -EBADMSG not a request (unknown command byte); *why (if not NULL)
 *            says so in a short static string; the service closes the
 *            client.
 * *req is written only on 0. */
int egd_parse(const uint8_t *buf, size_t len, struct egd_request *req, size_t *need,
              const char **why);

/* "available", "read-nb", "read", "write", "pid" ("?" for other values). */
const char *egd_cmd_name(enum egd_cmd cmd);

/* 0x00's reply: bits as 4 bytes big-endian into out.  Returns 4. */
size_t egd_reply_avail(uint64_t bits, uint8_t out[EGD_AVAIL_REPLY]);

/* 0x01's count byte for a reply of n bytes: n, or -EINVAL if n > 255.
 * The n data bytes follow it on the wire. */
int egd_reply_nb_header(size_t n);

/* 0x01's whole reply: the count byte and n bytes of data into out (cap
 * bytes).  Returns 1 + n, or -EINVAL (n > 255, data NULL with n > 0),
 * -ENOSPC (cap < 1 + n). */
int egd_reply_nb(const uint8_t *data, size_t n, uint8_t *out, size_t cap);

/* 0x04's reply: the length byte and pid in decimal.  Returns its length,
 * or -EINVAL (pid < 0), -ENOSPC (cap too small). */
int egd_reply_pid(pid_t pid, uint8_t *out, size_t cap);

/* An --egd-out value: addresses "unix:/ABSOLUTE/PATH" (the control
 * socket's path rules, ctlpath_check) or "tcp:HOST:PORT", separated by
 * commas.  0, or -EINVAL with a message naming the bad one in why. */
int egd_check_addrs(const char *addrs, char *why, size_t whylen);

#endif
