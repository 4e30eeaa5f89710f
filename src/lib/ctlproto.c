/* ctlproto: the control socket protocol (spec §7); see ctlproto.h.
 *
 * Requests (one frame, without its NUL) are JSON: a string "Cmd" (token 0,
 * no argument) or an array ["Cmd", token, arg?].  Replies are compact JSON
 * built with json-c, key order as upstream 0.9 emits it, every double as
 * "%f" text (ctlstats.h), '/' not escaped (as upstream):
 *
 *   "GetIDs"                    ["GetIDs",T,["id",...]]  (registration order)
 *   ["ReportStats",T,"id"?]     ["ReportStats",T,{"id":STATS,...}]  ({} if none)
 *   ["GetRawData",T,"id"?]      ["GetRawData",T,{"id":RAW,...}]
 *   ["SetLogVerbosity",T,N]     ["SetLogVerbosity",T,N]  (the string form reports)
 *   anything else               ["UnknownRequest",T,"<the request text>"]
 *   errors                      ["BadRequest",0,{"Error":"...","Request":"<text>"}]
 *
 * An ID argument that is missing, null or "" means every monitor (upstream
 * took "" as all, too).  Every string, monitor IDs included, is JSON-escaped
 * (upstream inserted IDs raw).  Error texts: malformed JSON gives json-c's
 * tokener message (strict mode: trailing data, [1,] or 'x' are errors),
 * "Invalid request, not an array or string" and "Request too large" are
 * upstream's, the array errors are ours ("Invalid request, ...": upstream's
 * came from its own JSON class).
 *
 * Token: echoed as an unsigned integer.  Upstream stored it as a double and
 * cast that to size_t.  Here an integer 0..2^64-1 is echoed exactly (a
 * larger integer saturates to 2^64-1, as json-c parses it), a number with a
 * fraction or exponent is truncated toward zero (as the cast does), and a
 * negative number, NaN/Infinity (json-c takes them), or a non-integer
 * >= 2^64 (where the cast is undefined) is echoed as 0.  A token that is not a number is a BadRequest.
 *
 * Beyond upstream (new keys, after upstream's, which old clients ignore):
 *  - ReportStats, in a monitor's STATS object:
 *    a device's monitor (its ID a serial that sources lists):
 *      "Device":{"State":"streaming","Bus":N,"Device":N,"BytesRead":N,"Recoveries":N}
 *    a sink's monitor (an ID in the sink's sink_info.monitors):
 *      "Sink":{"Name":"kernel","State":"waiting","Requests":N,"Refusals":N,
 *              "BytesRead":N,"BytesDelivered":N,"BytesDropped":N}
 *    the "Kernel" monitor, with the kernel feed on:
 *      "CRNG":{"Ready":true,"Feeds":N,"BytesFed":N}
 *    the "Pool" monitor: "PoolFill":{"Size":N,"Fill":N}
 *  - one new request, for bbctl --json and scripts:
 *    "GetStatus" / ["GetStatus",T] ->
 *      ["GetStatus",T,{"Devices":[{"ID":"serial","State":"streaming","Bus":N,
 *         "Device":N,"BytesRead":N,"BytesPassed":N,"Recoveries":N},...],
 *       "Monitors":[{"ID":"id","Ok":true,"BytesAnalysed":N,"BytesPassed":N},...],
 *       "Pool":{"Size":N,"Fill":N,"BytesIn":N,"BytesOut":N,"Reads":N},
 *       "Sinks":[{"Name":"stdout","State":"waiting","First":false,"Requests":N,
 *         "Refusals":N,"BytesRead":N,"BytesDelivered":N,"BytesDropped":N,
 *         "Monitors":["Pool",...]},...],
 *       "CRNG":{"Ready":true,"Feeds":N,"BytesFed":N,"BitsCredited":N,
 *         "Reseeds":N,"Failed":false}}]
 *    "Devices" and "Sinks" are [] without sources or a pool; "Pool" and
 *    "CRNG" are left out without a pool or a kernel feed. */
#include "ctlproto.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctlstats.h"
#include "health.h"
#include "kfeed.h"
#include "log.h"
#include "monitors.h"
#include "pool.h"
#include "sink.h"
#include "sources.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* One request being answered. */
struct req {
    const struct ctlproto_env *env;
    const char *text; /* the request as received */
    size_t len;
    struct ctlstats_build b;
};

/* ---- replies -------------------------------------------------------------- */

/* The text of root (consumed) in *out.  0, or -ENOMEM. */
static int finish(json_object *root, bool oom, char **out, size_t *outlen)
{
    int rc = -ENOMEM;
    size_t n = 0;
    const char *s = oom || !root ? NULL : json_object_to_json_string_length(root, FLAGS, &n);
    if (s) {
        char *copy = malloc(n + 1);
        if (copy) {
            memcpy(copy, s, n + 1);
            *out = copy;
            *outlen = n;
            rc = 0;
        }
    }
    json_object_put(root);
    return rc;
}

/* [name, token, payload] */
static json_object *reply(struct ctlstats_build *b, const char *name, uint64_t token,
                          json_object *payload)
{
    json_object *r = json_object_new_array_ext(3);
    ctlstats_push(b, r, json_object_new_string(name));
    ctlstats_push(b, r, json_object_new_uint64(token));
    ctlstats_push(b, r, payload);
    return r;
}

static int bad_request(const char *error, const char *text, size_t len, char **out,
                       size_t *outlen)
{
    struct ctlstats_build b = { false };
    json_object *o = json_object_new_object();
    ctlstats_add(&b, o, "Error", json_object_new_string(error));
    ctlstats_add(&b, o, "Request", json_object_new_string_len(text, (int)len));
    json_object *root = reply(&b, "BadRequest", 0, o);
    return finish(root, b.oom, out, outlen);
}

int ctlproto_too_large(const char *req, size_t len, char **out, size_t *outlen)
{
    if (len > CTLPROTO_MAX_REQUEST)
        len = CTLPROTO_MAX_REQUEST;
    return bad_request("Request too large", req, len, out, outlen);
}

/* ---- beyond upstream: devices, sinks, pool, CRNG --------------------------- */

static json_object *u64(uint64_t v)
{
    return json_object_new_uint64(v);
}

static json_object *str(const char *s)
{
    return json_object_new_string(s);
}

/* The device whose serial is id (running ones come first); false if none. */
static bool find_device(const struct sources *srcs, const char *id, struct sources_devstat *ds)
{
    size_t n = srcs ? sources_count(srcs) : 0;
    for (size_t i = 0; i < n; i++)
        if (sources_get(srcs, i, ds) == 0 && strcmp(ds->serial, id) == 0)
            return true;
    return false;
}

/* The sink with a monitor called id; NULL if none. */
static const struct sink *find_sink(const struct pool *pool, const char *id, struct sink_info *si)
{
    size_t n = pool ? sink_count(pool) : 0;
    for (size_t i = 0; i < n; i++) {
        const struct sink *s = sink_at(pool, i);
        if (!s)
            continue;
        sink_get_info(s, si);
        for (size_t m = 0; m < si->n_monitors && m < SINK_MAX_MONITORS; m++)
            if (si->monitors[m] && strcmp(si->monitors[m], id) == 0)
                return s;
    }
    return NULL;
}

static void sink_counters(struct ctlstats_build *b, json_object *o, const struct sink_info *si)
{
    ctlstats_add(b, o, "Requests", u64(si->c.requests));
    ctlstats_add(b, o, "Refusals", u64(si->c.refusals));
    ctlstats_add(b, o, "BytesRead", u64(si->c.bytes_read));
    ctlstats_add(b, o, "BytesDelivered", u64(si->c.bytes_delivered));
    ctlstats_add(b, o, "BytesDropped", u64(si->c.bytes_dropped));
}

/* The new keys of one monitor's STATS object. */
static void stats_extras(struct req *r, json_object *o, const char *id)
{
    struct ctlstats_build *b = &r->b;
    const struct ctlproto_env *env = r->env;
    struct sources_devstat ds;
    if (find_device(env->srcs, id, &ds)) {
        json_object *d = json_object_new_object();
        ctlstats_add(b, d, "State", str(sources_state_name(ds.state)));
        ctlstats_add(b, d, "Bus", u64(ds.bus));
        ctlstats_add(b, d, "Device", u64(ds.dev));
        ctlstats_add(b, d, "BytesRead", u64(ds.bytes_read));
        ctlstats_add(b, d, "Recoveries", u64(ds.recoveries));
        ctlstats_add(b, o, "Device", d);
    }
    struct sink_info si;
    if (find_sink(env->pool, id, &si)) {
        json_object *s = json_object_new_object();
        ctlstats_add(b, s, "Name", str(si.name ? si.name : ""));
        ctlstats_add(b, s, "State", str(sink_state_name(si.state)));
        sink_counters(b, s, &si);
        ctlstats_add(b, o, "Sink", s);
    }
    if (env->kfeed && strcmp(id, "Kernel") == 0) {
        struct kfeed_info ki;
        kfeed_get_info(env->kfeed, &ki);
        json_object *c = json_object_new_object();
        ctlstats_add(b, c, "Ready", json_object_new_boolean(ki.crng_ready));
        ctlstats_add(b, c, "Feeds", u64(ki.feeds));
        ctlstats_add(b, c, "BytesFed", u64(ki.bytes_fed));
        ctlstats_add(b, o, "CRNG", c);
    }
    if (env->pool && strcmp(id, "Pool") == 0) {
        json_object *p = json_object_new_object();
        ctlstats_add(b, p, "Size", u64(pool_size(env->pool)));
        ctlstats_add(b, p, "Fill", u64(pool_fill(env->pool)));
        ctlstats_add(b, o, "PoolFill", p);
    }
}

static json_object *status_devices(struct req *r)
{
    struct ctlstats_build *b = &r->b;
    json_object *arr = json_object_new_array();
    size_t n = r->env->srcs ? sources_count(r->env->srcs) : 0;
    for (size_t i = 0; i < n; i++) {
        struct sources_devstat ds;
        if (sources_get(r->env->srcs, i, &ds) != 0)
            continue;
        json_object *d = json_object_new_object();
        ctlstats_add(b, d, "ID", str(ds.serial));
        ctlstats_add(b, d, "State", str(sources_state_name(ds.state)));
        ctlstats_add(b, d, "Bus", u64(ds.bus));
        ctlstats_add(b, d, "Device", u64(ds.dev));
        ctlstats_add(b, d, "BytesRead", u64(ds.bytes_read));
        ctlstats_add(b, d, "BytesPassed", u64(ds.bytes_passed));
        ctlstats_add(b, d, "Recoveries", u64(ds.recoveries));
        ctlstats_push(b, arr, d);
    }
    return arr;
}

static json_object *status_monitors(struct req *r)
{
    struct ctlstats_build *b = &r->b;
    json_object *arr = json_object_new_array();
    size_t n = monitors_count(r->env->mons);
    for (size_t i = 0; i < n; i++) {
        const char *id = NULL;
        const struct health *h = monitors_at(r->env->mons, i, &id);
        if (!h || !id)
            continue;
        json_object *m = json_object_new_object();
        bool ok = health_fips_ok(h) && health_ent8_ok(h) && health_ent16_ok(h);
        ctlstats_add(b, m, "ID", str(id));
        ctlstats_add(b, m, "Ok", json_object_new_boolean(ok));
        ctlstats_add(b, m, "BytesAnalysed", u64(health_bytes_analysed(h)));
        ctlstats_add(b, m, "BytesPassed", u64(health_bytes_passed(h)));
        ctlstats_push(b, arr, m);
    }
    return arr;
}

static json_object *status_sinks(struct req *r)
{
    struct ctlstats_build *b = &r->b;
    json_object *arr = json_object_new_array();
    size_t n = r->env->pool ? sink_count(r->env->pool) : 0;
    for (size_t i = 0; i < n; i++) {
        const struct sink *s = sink_at(r->env->pool, i);
        if (!s)
            continue;
        struct sink_info si;
        sink_get_info(s, &si);
        json_object *o = json_object_new_object();
        ctlstats_add(b, o, "Name", str(si.name ? si.name : ""));
        ctlstats_add(b, o, "State", str(sink_state_name(si.state)));
        ctlstats_add(b, o, "First", json_object_new_boolean(si.first));
        sink_counters(b, o, &si);
        json_object *mons = json_object_new_array();
        for (size_t m = 0; m < si.n_monitors && m < SINK_MAX_MONITORS; m++)
            ctlstats_push(b, mons, str(si.monitors[m] ? si.monitors[m] : ""));
        ctlstats_add(b, o, "Monitors", mons);
        ctlstats_push(b, arr, o);
    }
    return arr;
}

static json_object *status(struct req *r)
{
    struct ctlstats_build *b = &r->b;
    const struct ctlproto_env *env = r->env;
    json_object *o = json_object_new_object();
    ctlstats_add(b, o, "Devices", status_devices(r));
    ctlstats_add(b, o, "Monitors", status_monitors(r));
    if (env->pool) {
        struct pool_stats ps;
        pool_get_stats(env->pool, &ps);
        json_object *p = json_object_new_object();
        ctlstats_add(b, p, "Size", u64(ps.size));
        ctlstats_add(b, p, "Fill", u64(ps.fill));
        ctlstats_add(b, p, "BytesIn", u64(ps.bytes_in));
        ctlstats_add(b, p, "BytesOut", u64(ps.bytes_out));
        ctlstats_add(b, p, "Reads", u64(ps.reads));
        ctlstats_add(b, o, "Pool", p);
    }
    ctlstats_add(b, o, "Sinks", status_sinks(r));
    if (env->kfeed) {
        struct kfeed_info ki;
        kfeed_get_info(env->kfeed, &ki);
        json_object *c = json_object_new_object();
        ctlstats_add(b, c, "Ready", json_object_new_boolean(ki.crng_ready));
        ctlstats_add(b, c, "Feeds", u64(ki.feeds));
        ctlstats_add(b, c, "BytesFed", u64(ki.bytes_fed));
        ctlstats_add(b, c, "BitsCredited", u64(ki.bits_credited));
        ctlstats_add(b, c, "Reseeds", u64(ki.reseeds));
        ctlstats_add(b, c, "Failed", json_object_new_boolean(ki.failed));
        ctlstats_add(b, o, "CRNG", c);
    }
    return o;
}

/* ---- requests -------------------------------------------------------------- */

static json_object *get_ids(struct req *r)
{
    json_object *arr = json_object_new_array();
    size_t n = monitors_count(r->env->mons);
    for (size_t i = 0; i < n; i++) {
        const char *id = NULL;
        if (monitors_at(r->env->mons, i, &id) && id)
            ctlstats_push(&r->b, arr, str(id));
    }
    return arr;
}

/* {"id": obj(id), ...} for every monitor, or the one called id (NULL: all). */
static json_object *per_monitor(struct req *r, const char *id, bool stats)
{
    json_object *o = json_object_new_object();
    size_t n = monitors_count(r->env->mons);
    for (size_t i = 0; i < n; i++) {
        const char *mid = NULL;
        const struct health *h = monitors_at(r->env->mons, i, &mid);
        if (!h || !mid || (id && strcmp(id, mid) != 0))
            continue;
        json_object *m = stats ? ctlstats_stats(&r->b, h) : ctlstats_raw(&r->b, h);
        if (stats && m)
            stats_extras(r, m, mid);
        ctlstats_add(&r->b, o, mid, m);
    }
    return o;
}

/* The monitor ID argument: *id NULL for all.  An error text, or NULL. */
static const char *id_arg(json_object *arr, const char **id)
{
    *id = NULL;
    json_object *a = arr && json_object_array_length(arr) > 2 ? json_object_array_get_idx(arr, 2)
                                                              : NULL;
    if (!a)
        return NULL;
    if (!json_object_is_type(a, json_type_string))
        return "Invalid request, monitor ID is not a string";
    const char *s = json_object_get_string(a);
    if (*s == '\0')
        return NULL;
    /* An ID with a NUL in it matches nothing. */
    *id = strlen(s) == (size_t)json_object_get_string_len(a) ? s : "\x01no such monitor\x02";
    return NULL;
}

/* The new level from the argument of the array form.  An error text, or NULL. */
static const char *level_arg(json_object *arr, int *level)
{
    json_object *a = json_object_array_length(arr) > 2 ? json_object_array_get_idx(arr, 2) : NULL;
    if (!a)
        return "Invalid request, SetLogVerbosity needs a level";
    if (!json_object_is_type(a, json_type_int))
        return "Invalid request, log level is not an integer";
    int64_t v = json_object_get_int64(a);
    if (v < 0 || v > INT_MAX)
        return "Invalid request, log level out of range";
    *level = (int)v;
    return NULL;
}

static json_object *verbosity(struct req *r, json_object *arr, const char **err)
{
    const struct ctlproto_env *env = r->env;
    int level;
    if (arr) {
        *err = level_arg(arr, &level);
        if (*err)
            return NULL;
        if (env->set_verbosity)
            env->set_verbosity(level);
        else
            log_set_verbosity(level);
    }
    level = env->get_verbosity ? env->get_verbosity() : log_get_verbosity();
    log_msg(0, "Log verbosity is now %d", level);
    return json_object_new_int(level);
}

/* The payload of cmd's reply; *name the reply's name.  NULL and *err set for
 * a bad argument. */
static json_object *dispatch(struct req *r, const char *cmd, json_object *arr, const char **name,
                             const char **err)
{
    const char *id;
    *name = cmd;
    if (strcmp(cmd, "GetIDs") == 0)
        return get_ids(r);
    if (strcmp(cmd, "ReportStats") == 0 || strcmp(cmd, "GetRawData") == 0) {
        *err = id_arg(arr, &id);
        return *err ? NULL : per_monitor(r, id, cmd[0] == 'R');
    }
    if (strcmp(cmd, "SetLogVerbosity") == 0)
        return verbosity(r, arr, err);
    if (strcmp(cmd, "GetStatus") == 0)
        return status(r);
    *name = "UnknownRequest";
    return json_object_new_string_len(r->text, (int)r->len);
}

/* The token of the array form (see the top of the file).  An error text, or NULL. */
static const char *token_of(json_object *t, uint64_t *token)
{
    *token = 0;
    if (json_object_is_type(t, json_type_int)) {
        if (json_object_get_int64(t) >= 0)
            *token = json_object_get_uint64(t);
        return NULL;
    }
    if (!json_object_is_type(t, json_type_double))
        return "Invalid request, token is not a number";
    double d = json_object_get_double(t);
    if (isfinite(d) && d >= 0.0 && d < 18446744073709551616.0)
        *token = (uint64_t)d;
    return NULL;
}

static int answer(struct req *r, json_object *root, char **out, size_t *outlen)
{
    json_object *arr = NULL;
    const char *cmd = NULL, *name = NULL, *err = NULL;
    uint64_t token = 0;
    if (json_object_is_type(root, json_type_string)) {
        cmd = json_object_get_string(root);
    } else if (json_object_is_type(root, json_type_array)) {
        arr = root;
        size_t n = json_object_array_length(arr);
        json_object *c = n > 0 ? json_object_array_get_idx(arr, 0) : NULL;
        if (!json_object_is_type(c, json_type_string))
            err = n > 0 ? "Invalid request, command is not a string"
                        : "Invalid request, no command";
        else if (n < 2)
            err = "Invalid request, no token";
        else
            err = token_of(json_object_array_get_idx(arr, 1), &token);
        cmd = err ? NULL : json_object_get_string(c);
    } else {
        err = "Invalid request, not an array or string";
    }
    json_object *payload = err ? NULL : dispatch(r, cmd, arr, &name, &err);
    if (err)
        return bad_request(err, r->text, r->len, out, outlen);
    return finish(reply(&r->b, name, token, payload), r->b.oom, out, outlen);
}

int ctlproto_handle(const struct ctlproto_env *env, const char *req, size_t len, char **out,
                    size_t *outlen)
{
    int rc = -ENOMEM;
    struct req r = { .env = env, .text = req, .len = len };
    json_object *root = NULL;
    char *buf = NULL;
    json_tokener *tok = json_tokener_new();
    if (len > INT_MAX - 1 || !tok)
        goto out;
    buf = malloc(len + 1);
    if (!buf)
        goto out;
    memcpy(buf, req, len);
    buf[len] = '\0';
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* With its terminating NUL, so that a truncated text is an error rather
     * than "continue". */
    root = json_tokener_parse_ex(tok, buf, (int)len + 1);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (!root && jerr != json_tokener_success)
        rc = bad_request(json_tokener_error_desc(jerr), req, len, out, outlen);
    else if (json_tokener_get_parse_end(tok) < len) /* a NUL inside the frame */
        rc = bad_request(json_tokener_error_desc(json_tokener_error_parse_unexpected), req, len,
                         out, outlen);
    else
        rc = answer(&r, root, out, outlen);
out:
    json_object_put(root);
    json_tokener_free(tok);
    free(buf);
    return rc;
}
