/* Fuzz target for ctlproto: any bytes as one request frame, against a small
 * registry (a fresh monitor, one with Ent results and an ID that needs
 * escaping, a pool with a sink and its "Pool" monitor).  The reply must
 * always be one JSON array ["Name",token,...] without a NUL, and so must the
 * "Request too large" reply for the same bytes. */
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "ctlproto.h"
#include "fuzz.h"
#include "health.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"

static struct ctlproto_env env;
static int level;

static void set_level(int l)
{
    level = l;
}
static int get_level(void)
{
    return level;
}
static void ready(void *ud)
{
    (void)ud;
}

static void setup(void)
{
    struct monitors *mons;
    struct health *a, *b, *p;
    struct pool *pool;
    struct sink *s;
    FUZZ_CHECK(monitors_new(&mons) == 0);
    FUZZ_CHECK(health_new("A", true, &a) == 0);
    FUZZ_CHECK(health_new_ex("q\"b\\c/d\x01", true, 6, 3, &b) == 0);
    FUZZ_CHECK(monitors_add(mons, "A", a) == 0);
    FUZZ_CHECK(monitors_add(mons, "q\"b\\c/d\x01", b) == 0);
    static const uint8_t six[6] = { 0, 1, 2, 3, 4, 5 };
    health_check(b, six, sizeof(six));
    FUZZ_CHECK(pool_new(4096, &pool) == 0);
    FUZZ_CHECK(sink_new(pool, mons, "stdout", ready, NULL, &s) == 0);
    FUZZ_CHECK(sink_add_monitor(s, "Pool", &p) == 0);
    env = (struct ctlproto_env){ .mons = mons, .pool = pool, .get_verbosity = get_level,
                                 .set_verbosity = set_level };
}

/* No number in the reply is nan or inf. */
static bool all_finite(json_object *o)
{
    if (json_object_is_type(o, json_type_double))
        return isfinite(json_object_get_double(o));
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if (!all_finite(json_object_array_get_idx(o, i)))
                return false;
    } else if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            if (!all_finite(v))
                return false;
        }
    }
    return true;
}

static void check_reply(char *out, size_t n)
{
    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(strlen(out) == n);
    json_object *o = json_tokener_parse(out);
    FUZZ_CHECK(o != NULL);
    FUZZ_CHECK(json_object_is_type(o, json_type_array));
    FUZZ_CHECK(json_object_array_length(o) == 3);
    FUZZ_CHECK(json_object_is_type(json_object_array_get_idx(o, 0), json_type_string));
    FUZZ_CHECK(json_object_is_type(json_object_array_get_idx(o, 1), json_type_int));
    FUZZ_CHECK(all_finite(o));
    json_object_put(o);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!env.mons)
        setup();
    if (size > 4 * CTLPROTO_MAX_REQUEST)
        size = 4 * CTLPROTO_MAX_REQUEST;
    char *out = NULL;
    size_t n = 0;
    FUZZ_CHECK(ctlproto_handle(&env, (const char *)data, size, &out, &n) == 0);
    check_reply(out, n);
    out = NULL;
    FUZZ_CHECK(ctlproto_too_large((const char *)data, size, &out, &n) == 0);
    check_reply(out, n);
    level = 0;
    return 0;
}
