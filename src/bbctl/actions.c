/* bbctl: the requests and their reports (spec §9.2). */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbctl.h"
#include "climsg.h"
#include "conn.h"
#include "log.h"

/* --- requests --------------------------------------------------------- */

int bbctl_call(struct ctx *x, const char *req, const char *expect, uint64_t deadline_ms,
               json_object **arg, int *conn_err)
{
    const char *buf;
    size_t len;
    char err[300];

    json_object_put(x->reply);
    x->reply = NULL;
    log_msg(4, "request: %s", req);
    int r = conn_call(x->conn, req, deadline_ms, &buf, &len);
    if (conn_err)
        *conn_err = r;
    if (r) {
        if (!conn_err)
            log_say("%s", conn_error(x->conn));
        return BBCTL_EXIT_FAIL;
    }
    log_msg(4, "read reply: %.*s", len > 2000 ? 2000 : (int)len, buf);
    if (ctlclient_reply(buf, len, expect, &x->reply, arg, err, sizeof(err)) < 0) {
        log_say("%s", err);
        return BBCTL_EXIT_FAIL;
    }
    if (x->o->json) {
        if (memchr(buf, '\n', len))
            puts(json_object_to_json_string_ext(x->reply, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
        else
            printf("%.*s\n", (int)len, buf);
    }
    return 0;
}

static int simple_call(struct ctx *x, const char *cmd, const char *id, const char *expect,
                       json_object **arg)
{
    char *req = NULL;
    int r = ctlclient_request(cmd, 1, id, &req);
    if (r < 0) {
        log_say("out of memory");
        return BBCTL_EXIT_FAIL;
    }
    r = bbctl_call(x, req, expect, conn_now_ms() + x->o->reply_timeout_ms, arg, NULL);
    free(req);
    return r;
}

int bbctl_verbosity(struct ctx *x)
{
    char *req = NULL;
    json_object *arg;
    if (ctlclient_request_verbosity((unsigned)x->o->verbosity, &req) < 0) {
        log_say("out of memory");
        return BBCTL_EXIT_FAIL;
    }
    int r = bbctl_call(x, req, "SetLogVerbosity", conn_now_ms() + x->o->reply_timeout_ms, &arg, NULL);
    free(req);
    if (r)
        return r;
    if (!json_object_is_type(arg, json_type_int)) {
        log_say("the reply to SetLogVerbosity has no level");
        return BBCTL_EXIT_FAIL;
    }
    if (!x->o->json)
        printf("Log verbosity is now %lld\n", (long long)json_object_get_int64(arg));
    return 0;
}

int bbctl_scan(struct ctx *x)
{
    json_object *arg;
    int r = simple_call(x, "GetIDs", NULL, "GetIDs", &arg);
    if (r)
        return r;
    if (x->o->json)
        return 0;
    if (ctlclient_fmt_scan(stdout, arg) < 0) {
        log_say("the reply to GetIDs is not a list of IDs");
        return BBCTL_EXIT_FAIL;
    }
    return 0;
}

/* "GetRawData"/"ReportStats", or the array form for -i. */
static int query(struct ctx *x, const char *cmd, json_object **arg)
{
    int r = simple_call(x, cmd, x->o->id, cmd, arg);
    if (r)
        return r;
    if (!json_object_is_type(*arg, json_type_object)) {
        log_say("the reply to %s is not an object of monitors", cmd);
        return BBCTL_EXIT_FAIL;
    }
    return 0;
}

static int bad(const char *id, const char *err)
{
    char shown[300];
    log_say("bad report for '%s': %s", climsg_escape(id, shown, sizeof(shown)), err);
    return BBCTL_EXIT_FAIL;
}

static int print_bins(const char *id, const struct cc_raw *raw, int bits, bool by_freq,
                      uint64_t first, uint64_t last)
{
    const struct cc_entset *e = bits == 8 ? raw->ent8 : raw->ent16;
    if (!(bits == 8 ? raw->has_ent8 : raw->has_ent16)) {
        printf("\nsource: %s has no %d-bit data (yet)\n", id, bits);
        return 0;
    }
    for (int i = 0; i < 2; i++) {
        printf("\nsource: %s\n", id);
        if (ctlclient_fmt_bins(stdout, &e[i], by_freq, first, last) < 0) {
            log_say("out of memory");
            return BBCTL_EXIT_FAIL;
        }
        putchar('\n');
    }
    return 0;
}

int bbctl_bins(struct ctx *x)
{
    json_object *arg;
    char err[300];
    int r = query(x, "GetRawData", &arg);
    if (r || x->o->json)
        return r;
    json_object_object_foreach(arg, id, v)
    {
        struct cc_raw raw;
        if (ctlclient_raw(v, &raw, err, sizeof(err)) < 0)
            return bad(id, err);
        r = print_bins(id, &raw, 8, !x->o->bin_count, x->o->first, x->o->last);
        if (!r && x->o->bins == 16)
            r = print_bins(id, &raw, 16, !x->o->bin_count, x->o->first, x->o->last);
        ctlclient_raw_clear(&raw);
        if (r)
            return r;
    }
    return 0;
}

static int each_stats(struct ctx *x, bool runs)
{
    json_object *arg;
    char err[300];
    int r = query(x, "ReportStats", &arg);
    if (r || x->o->json)
        return r;
    json_object_object_foreach(arg, id, v)
    {
        struct cc_stats *s = malloc(sizeof(*s));
        if (!s) {
            log_say("out of memory");
            return BBCTL_EXIT_FAIL;
        }
        if (ctlclient_stats(v, s, err, sizeof(err)) < 0) {
            free(s);
            return bad(id, err);
        }
        if (runs) {
            printf("\nsource: %s\n", id);
            ctlclient_fmt_bitruns(stdout, &s->br);
            putchar('\n');
        } else {
            ctlclient_fmt_stats(stdout, id, s);
        }
        free(s);
    }
    return 0;
}

int bbctl_bit_runs(struct ctx *x)
{
    return each_stats(x, true);
}

int bbctl_stats(struct ctx *x)
{
    return each_stats(x, false);
}
