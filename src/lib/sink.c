/* sink: a consumer of pool data.  See sink.h. */
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "monitors.h"

struct sink {
    char *name;
    struct pool_reader *reader;
    struct monitors *mons;
    struct health *mon[SINK_MAX_MONITORS];
    size_t n_mon;
    enum sink_state state;
    struct sink_counters c;
};

int sink_new(struct pool *pool, struct monitors *mons, const char *name, pool_notify_fn ready,
             void *ud, struct sink **out)
{
    int r = -ENOMEM;
    struct sink *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->mons = mons;
    s->state = SINK_IDLE;
    if (!(s->name = strdup(name)))
        goto fail;
    if ((r = pool_reader_new(pool, ready, ud, &s->reader)) < 0)
        goto fail;
    pool_reader_set_owner(s->reader, s);
    *out = s;
    return 0;
fail:
    sink_free(s);
    return r;
}

void sink_free(struct sink *s)
{
    if (!s)
        return;
    pool_reader_free(s->reader);
    for (size_t i = 0; i < s->n_mon; i++) {
        if (s->mons)
            monitors_remove(s->mons, s->mon[i]);
        health_free(s->mon[i]);
    }
    free(s->name);
    free(s);
}

int sink_add_monitor(struct sink *s, const char *id, struct health **out)
{
    struct health *h;
    int r;
    if (s->n_mon == SINK_MAX_MONITORS)
        return -ENOSPC;
    if ((r = health_new(id, true, &h)) < 0)
        return r;
    if (s->mons && (r = monitors_add(s->mons, id, h)) < 0) {
        health_free(h);
        return r;
    }
    s->mon[s->n_mon++] = h;
    *out = h;
    return 0;
}

void sink_want(struct sink *s, size_t len)
{
    if (s->state == SINK_DONE || s->state == SINK_FAILED)
        return;
    s->state = len ? SINK_WAITING : SINK_IDLE;
    pool_reader_want(s->reader, len);
}

void sink_first(struct sink *s, bool first)
{
    pool_reader_first(s->reader, first);
}

size_t sink_read(struct sink *s, uint8_t *out, size_t len)
{
    size_t n = pool_reader_read(s->reader, out, len);
    s->c.bytes_read += n;
    return n;
}

void sink_count_request(struct sink *s)
{
    s->c.requests++;
}

void sink_count_refusal(struct sink *s)
{
    s->c.refusals++;
}

void sink_count_delivered(struct sink *s, uint64_t n)
{
    s->c.bytes_delivered += n;
}

void sink_count_dropped(struct sink *s, uint64_t n)
{
    s->c.bytes_dropped += n;
}

void sink_finish(struct sink *s, enum sink_state st)
{
    pool_reader_want(s->reader, 0);
    pool_reader_first(s->reader, false);
    s->state = st;
}

void sink_get_info(const struct sink *s, struct sink_info *info)
{
    struct pool_reader_stats rs;
    pool_reader_get_stats(s->reader, &rs);
    *info = (struct sink_info){
        .name = s->name,
        .state = s->state,
        .first = rs.first,
        .c = s->c,
        .n_monitors = s->n_mon,
    };
    for (size_t i = 0; i < s->n_mon; i++)
        info->monitors[i] = health_id(s->mon[i]);
}

const char *sink_state_name(enum sink_state st)
{
    switch (st) {
    case SINK_IDLE:
        return "idle";
    case SINK_WAITING:
        return "waiting";
    case SINK_DONE:
        return "done";
    case SINK_FAILED:
        return "failed";
    }
    return "?";
}

size_t sink_count(const struct pool *pool)
{
    size_t n = 0;
    for (size_t i = 0; i < pool_reader_count(pool); i++)
        n += pool_reader_owner(pool_reader_at(pool, i)) != NULL;
    return n;
}

const struct sink *sink_at(const struct pool *pool, size_t i)
{
    for (size_t k = 0; k < pool_reader_count(pool); k++) {
        const struct sink *s = pool_reader_owner(pool_reader_at(pool, k));
        if (s && i-- == 0)
            return s;
    }
    return NULL;
}
