/* bbctl --waitfor=ID:BYTES[:RETRY[:TIMEOUT]]: poll ReportStats for ID
 * until its QA.BytesPassed reaches BYTES.  Unlike upstream, a seedd that is
 * not up yet (no socket, connection refused or dropped) and an ID that is
 * not registered yet are retried like too few bytes, until the timeout,
 * which is measured on the monotonic clock (not as retries x RETRY). */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "bbctl.h"
#include "climsg.h"
#include "conn.h"
#include "log.h"

typedef unsigned long long ull;

/* The client's retry interval (not a synchronisation). */
static void nap(uint64_t ms)
{
    uint64_t end = conn_now_ms() + ms;
    for (uint64_t now; (now = conn_now_ms()) < end;)
        poll(NULL, 0, end - now > 60000 ? 60000 : (int)(end - now));
}

enum poll_state { WF_DONE, WF_ABSENT, WF_UNKNOWN_ID, WF_SHORT, WF_TIMEOUT };

/* One ReportStats; the state, or -(exit status) on an error (said). */
static int poll_once(struct ctx *x, const struct cc_waitfor *w, const char *req,
                     uint64_t deadline, uint64_t *passed, char *why, size_t whylen)
{
    uint64_t now = conn_now_ms();
    uint64_t call_deadline = now + x->o->reply_timeout_ms;
    bool clipped = call_deadline >= deadline;
    json_object *arg;
    int cerr = 0;
    int r = bbctl_call(x, req, "ReportStats", clipped ? deadline : call_deadline, &arg, &cerr);
    if (r && !cerr)
        return -r;
    if (cerr) {
        if (cerr == -ETIMEDOUT && clipped)
            return WF_TIMEOUT;
        if (!conn_absent(cerr)) {
            log_say("%s", conn_error(x->conn));
            return -BBCTL_EXIT_FAIL;
        }
        snprintf(why, whylen, "%s", conn_error(x->conn));
        return WF_ABSENT;
    }
    r = ctlclient_bytes_passed(arg, w->id, passed);
    if (r == -ENOENT) {
        snprintf(why, whylen, "no monitor '%s' yet", w->id);
        return WF_UNKNOWN_ID;
    }
    if (r < 0) {
        log_say("the reply to ReportStats has no QA.BytesPassed for '%s'", w->id);
        return -BBCTL_EXIT_FAIL;
    }
    if (*passed >= w->bytes)
        return WF_DONE;
    snprintf(why, whylen, "have %llu", (ull)*passed);
    return WF_SHORT;
}

static int wait_loop(struct ctx *x, const struct cc_waitfor *w, const char *req)
{
    uint64_t start = conn_now_ms();
    uint64_t deadline = w->timeout_ms ? start + w->timeout_ms : UINT64_MAX;
    char why[600] = "nothing tried";
    uint64_t passed = 0;

    for (;;) {
        int s = poll_once(x, w, req, deadline, &passed, why, sizeof(why));
        if (s < 0)
            return -s;
        uint64_t elapsed = conn_now_ms() - start;
        if (s == WF_DONE) {
            log_msg(1, "Have %llu good bytes from %s in %llums", (ull)passed, w->id, (ull)elapsed);
            return 0;
        }
        log_msg(3, "Waiting for %llu bytes from %s after %llums: %s", (ull)w->bytes, w->id,
                (ull)elapsed, why);
        uint64_t now = conn_now_ms();
        if (s != WF_TIMEOUT && now < deadline) {
            nap(deadline - now < w->retry_ms ? deadline - now : w->retry_ms);
            if (conn_now_ms() < deadline)
                continue;
        }
        log_say("Timeout after %llums waiting for %llu bytes from %s (%s)",
                (ull)(conn_now_ms() - start), (ull)w->bytes, w->id,
                s == WF_TIMEOUT ? "no reply in time" : why);
        return BBCTL_EXIT_TIMEOUT;
    }
}

int bbctl_waitfor(struct ctx *x, const struct cc_waitfor *w)
{
    char *req = NULL;
    if (ctlclient_request("ReportStats", 1, w->id, &req) < 0) {
        log_say("out of memory");
        return BBCTL_EXIT_FAIL;
    }
    if (w->timeout_ms)
        log_msg(1, "Waiting up to %llu ms for %llu good bytes from %s", (ull)w->timeout_ms,
                (ull)w->bytes, w->id);
    else
        log_msg(1, "Waiting for %llu good bytes from %s", (ull)w->bytes, w->id);
    /* --json: only the reply that ended the wait is printed. */
    bool json = x->o->json;
    x->o->json = false;
    int r = wait_loop(x, w, req);
    x->o->json = json;
    if (!r && json)
        puts(json_object_to_json_string_ext(x->reply, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    free(req);
    return r;
}
