/* Fuzz target for egd_parse: any bytes, read as one client's stream of EGD
 * requests the way the service consumes them.  Every request taken is
 * within the input and at most EGD_MAX_REQUEST bytes, of a known command
 * with the count the protocol puts in it; every shorter prefix of it is
 * "incomplete" asking for no more than the request; "incomplete" asks for
 * more than there is; the stream ends incomplete or at a bad command byte.
 * The reply builders are fed the counts found.  The input as text is also
 * an --egd-out value: accepted only as a list of unix:/PATH and
 * tcp:HOST:PORT, refused with a message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "egdproto.h"
#include "fuzz.h"

static void check_request(const uint8_t *p, size_t left, const struct egd_request *r)
{
    FUZZ_CHECK(r->size >= 1 && r->size <= left && r->size <= EGD_MAX_REQUEST);
    FUZZ_CHECK(r->cmd == p[0] && r->cmd <= EGD_CMD_PID);
    switch (r->cmd) {
    case EGD_CMD_AVAIL:
    case EGD_CMD_PID:
        FUZZ_CHECK(r->size == 1 && r->count == 0);
        break;
    case EGD_CMD_READ_NB:
    case EGD_CMD_READ_BLOCK:
        FUZZ_CHECK(r->size == 2 && r->count == p[1]);
        break;
    case EGD_CMD_WRITE:
        FUZZ_CHECK(r->size == 4u + p[3] && r->count == p[3]);
        FUZZ_CHECK(r->bits == ((unsigned)p[1] << 8 | p[2]));
        break;
    }
    for (size_t k = 0; k < r->size; k++) {
        size_t need = 0;
        FUZZ_CHECK(egd_parse(p, k, NULL, &need, NULL) == -EAGAIN);
        FUZZ_CHECK(need > k && need <= r->size);
    }
    uint8_t out[EGD_NB_REPLY_MAX];
    if (r->cmd == EGD_CMD_READ_NB) {
        FUZZ_CHECK(egd_reply_nb(p, r->count <= left ? r->count : 0, out, sizeof(out)) >= 1);
        FUZZ_CHECK(egd_reply_nb_header(r->count) == (int)r->count);
    }
}

static void check_addrs(const uint8_t *data, size_t size)
{
    char *v = malloc(size + 1), why[256];
    if (!v)
        return;
    memcpy(v, data, size);
    v[size] = 0;
    why[0] = 0;
    int rc = egd_check_addrs(v, why, sizeof(why));
    if (rc == 0) {
        for (char *a = v, *end; a; a = end ? end + 1 : NULL) {
            end = strchr(a, ',');
            FUZZ_CHECK(strncmp(a, "unix:/", 6) == 0 || strncmp(a, "tcp:", 4) == 0);
        }
    } else {
        FUZZ_CHECK(rc == -EINVAL && why[0] && memchr(why, 0, sizeof(why)));
    }
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    for (;;) {
        struct egd_request r;
        size_t need = 0;
        const char *why = NULL;
        int rc = egd_parse(data + off, size - off, &r, &need, &why);
        if (rc == 0) {
            check_request(data + off, size - off, &r);
            off += r.size;
            continue;
        }
        if (rc == -EAGAIN) {
            FUZZ_CHECK(need > size - off && need <= EGD_MAX_REQUEST);
        } else {
            FUZZ_CHECK(rc == -EBADMSG && why && why[0]);
            FUZZ_CHECK(off < size && data[off] > EGD_CMD_PID);
        }
        break;
    }
    uint8_t out[EGD_PID_REPLY_MAX];
    int32_t pid = 0;
    memcpy(&pid, data, size < sizeof(pid) ? size : sizeof(pid));
    int n = egd_reply_pid(pid, out, sizeof(out));
    FUZZ_CHECK(pid < 0 ? n == -EINVAL : (n >= 2 && out[0] == n - 1));
    check_addrs(data, size);
    return 0;
}
