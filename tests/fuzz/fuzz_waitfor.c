/* Fuzz target for bbctl's --waitfor=ID:BYTES[:RETRY[:TIMEOUT]] parser
 * (ctlclient_parse_waitfor): no crash, results within their documented
 * ranges, the output untouched and the error explained on failure.  The
 * same bytes are also parsed as a reply frame (ctlclient_reply, then the
 * STATS and RAW readers), which must never crash either. */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "ctlclient.h"
#include "fuzz.h"

static void reply(const uint8_t *data, size_t size)
{
    char err[256];
    json_object *o = NULL, *arg = NULL;
    if (ctlclient_reply((const char *)data, size, "ReportStats", &o, &arg, err, sizeof(err)) < 0)
        return;
    FUZZ_CHECK(o != NULL);
    if (json_object_is_type(arg, json_type_object)) {
        json_object_object_foreach(arg, id, v)
        {
            struct cc_stats s;
            struct cc_raw r;
            uint64_t p;
            (void)ctlclient_stats(v, &s, err, sizeof(err));
            if (ctlclient_raw(v, &r, err, sizeof(err)) == 0)
                ctlclient_raw_clear(&r);
            (void)ctlclient_bytes_passed(arg, id, &p);
        }
    }
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 4096);
    char err[256];
    struct cc_waitfor w;
    memset(&w, 0xA5, sizeof(w));
    err[0] = 0;
    int r = ctlclient_parse_waitfor(s, &w, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r == 0) {
        FUZZ_CHECK(w.id[0] != 0);
        FUZZ_CHECK(strlen(w.id) < sizeof(w.id));
        FUZZ_CHECK(strchr(w.id, ':') == NULL);
        FUZZ_CHECK(strncmp(s, w.id, strlen(w.id)) == 0 && s[strlen(w.id)] == ':');
        FUZZ_CHECK(w.retry_ms >= 1 && w.retry_ms <= CC_WAITFOR_MAX_MS);
        FUZZ_CHECK(w.timeout_ms <= CC_WAITFOR_MAX_MS);
    } else {
        FUZZ_CHECK(err[0] != 0);
        FUZZ_CHECK(((unsigned char *)&w)[0] == 0xA5);
    }
    free(s);
    reply(data, size < 65536 ? size : 65536);
    return 0;
}
