/* egdproto: the EGD protocol as pure functions (see egdproto.h). */
#include "egdproto.h"

#include "ctlpath.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int incomplete(size_t want, size_t *need)
{
    if (need)
        *need = want;
    return -EAGAIN;
}

int egd_parse(const uint8_t *buf, size_t len, struct egd_request *req, size_t *need,
              const char **why)
{
    struct egd_request r = { 0 };
    if (len == 0 || !buf)
        return incomplete(1, need);
    switch (buf[0]) {
    case EGD_CMD_AVAIL:
    case EGD_CMD_PID:
        r.size = 1;
        break;
    case EGD_CMD_READ_NB:
    case EGD_CMD_READ_BLOCK:
        if (len < 2)
            return incomplete(2, need);
        r.count = buf[1];
        r.size = 2;
        break;
    case EGD_CMD_WRITE:
        if (len < 4)
            return incomplete(4, need);
        r.bits = (unsigned)buf[1] << 8 | buf[2];
        r.count = buf[3];
        r.size = 4 + (size_t)r.count;
        if (len < r.size)
            return incomplete(r.size, need);
        break;
    default:
        if (why)
            *why = "unknown EGD command byte";
        return -EBADMSG;
    }
    r.cmd = (enum egd_cmd)buf[0];
    if (req)
        *req = r;
    return 0;
}

const char *egd_cmd_name(enum egd_cmd cmd)
{
    switch (cmd) {
    case EGD_CMD_AVAIL:
        return "available";
    case EGD_CMD_READ_NB:
        return "read-nb";
    case EGD_CMD_READ_BLOCK:
        return "read";
    case EGD_CMD_WRITE:
        return "write";
    case EGD_CMD_PID:
        return "pid";
    }
    return "?";
}

size_t egd_reply_avail(uint64_t bits, uint8_t out[EGD_AVAIL_REPLY])
{
    uint32_t b = bits > UINT32_MAX ? UINT32_MAX : (uint32_t)bits;
    out[0] = (uint8_t)(b >> 24);
    out[1] = (uint8_t)(b >> 16);
    out[2] = (uint8_t)(b >> 8);
    out[3] = (uint8_t)b;
    return EGD_AVAIL_REPLY;
}

int egd_reply_nb_header(size_t n)
{
    return n > EGD_MAX_COUNT ? -EINVAL : (int)n;
}

int egd_reply_nb(const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    if (n > EGD_MAX_COUNT || (n > 0 && !data) || !out)
        return -EINVAL;
    if (cap < 1 + n)
        return -ENOSPC;
    out[0] = (uint8_t)n;
    if (n > 0)
        memcpy(out + 1, data, n);
    return (int)(1 + n);
}

int egd_reply_pid(pid_t pid, uint8_t *out, size_t cap)
{
    char digits[24];
    if (pid < 0 || !out)
        return -EINVAL;
    int n = snprintf(digits, sizeof(digits), "%lld", (long long)pid);
    if (n <= 0 || (size_t)n >= sizeof(digits))
        return -EINVAL;
    if (cap < 1 + (size_t)n)
        return -ENOSPC;
    out[0] = (uint8_t)n;
    memcpy(out + 1, digits, (size_t)n);
    return 1 + n;
}

/* ---- service addresses (seedd --egd-out) ---- */

/* One address of the list: [p, p+n).  0 or -EINVAL with why. */
static int check_one(const char *p, size_t n, char *why, size_t whylen)
{
    if (n > 5 && strncmp(p, "unix:", 5) == 0) {
        char path[CTLPATH_MAX + 2], rule[80];
        if (n - 5 >= sizeof(path)) {
            snprintf(why, whylen, "'%.*s': the path is too long for a unix socket (at most %d "
                     "bytes)", (int)n, p, CTLPATH_MAX);
            return -EINVAL;
        }
        memcpy(path, p + 5, n - 5);
        path[n - 5] = 0;
        if (ctlpath_check(path, rule, sizeof(rule)) < 0) {
            snprintf(why, whylen, "'%.*s': the path %s", (int)n, p, rule);
            return -EINVAL;
        }
        return 0;
    }
    if (n > 4 && strncmp(p, "tcp:", 4) == 0) {
        const char *colon = memrchr(p + 4, ':', n - 4);
        if (colon && colon + 1 < p + n)
            return 0;
    }
    snprintf(why, whylen, "'%.*s': expected unix:PATH or tcp:HOST:PORT", (int)n, p);
    return -EINVAL;
}

int egd_check_addrs(const char *addrs, char *why, size_t whylen)
{
    const char *p = addrs;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        if (check_one(p, n, why, whylen) < 0)
            return -EINVAL;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}
