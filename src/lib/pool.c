/* pool: entropy pool and pool groups.  See pool.h. */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A list of callbacks that may change while it is being called: removal
 * during a call leaves a hole (fn NULL), filled in by compaction once no
 * call is running; additions are appended and not called in that pass. */
struct notify {
    pool_notify_fn fn;
    void *ud;
};

struct notify_list {
    struct notify *v;
    size_t n, cap;
};

struct pool_reader {
    struct pool *pool;
    pool_notify_fn ready;
    void *ud;
    void *owner;
    size_t want;        /* bytes it asks for; 0: none now */
    bool first;         /* served before the others */
    uint64_t reads, bytes;
};

struct pool_group {
    struct pool *pool;
    unsigned id;
    size_t size;
    bool used;          /* size fixed once a member joined */
    uint32_t mask;      /* current members */
    uint32_t filled;    /* members that contributed since the last pass */
    uint8_t *buf;
    /* pool_group_feed(): bytes gathered in buf (a straight group), or in
     * each member's own buffer (an XOR group). */
    size_t have;
    struct gather {
        uint8_t *buf;
        size_t have;
    } member[POOL_GROUP_MAX_MEMBERS];
    struct pool_group *next;
};

struct pool {
    size_t size;
    size_t fill;
    size_t next;        /* mixing cursor */
    uint8_t *buf;
    struct notify_list added, drained;
    unsigned calling;   /* depth of notify/dispatch calls running */
    /* Readers, in registration order; NULL holes while calling. */
    struct pool_reader **readers;
    size_t n_readers, cap_readers;
    size_t turn;        /* where the round robin starts */
    bool dispatching, again;
    uint64_t bytes_in, bytes_out, reads;
    struct pool_group *groups;
};

size_t pool_size_pow2(size_t n)
{
    size_t p = 1;
    while (p < n && p <= SIZE_MAX / 2)
        p <<= 1;
    return p;
}

int pool_new(size_t size, struct pool **out)
{
    if (size == 0)
        return -EINVAL;
    struct pool *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->size = size;
    p->buf = calloc(1, size);
    if (!p->buf) {
        free(p);
        return -ENOMEM;
    }
    *out = p;
    return 0;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    while (p->groups) {
        struct pool_group *g = p->groups;
        p->groups = g->next;
        for (unsigned i = 0; i < POOL_GROUP_MAX_MEMBERS; i++)
            free(g->member[i].buf);
        free(g->buf);
        free(g);
    }
    /* Readers still registered are their owners' to free; they only lose
     * their pool. */
    for (size_t i = 0; i < p->n_readers; i++)
        if (p->readers[i])
            p->readers[i]->pool = NULL;
    free(p->readers);
    free(p->added.v);
    free(p->drained.v);
    free(p->buf);
    free(p);
}

size_t pool_size(const struct pool *p)
{
    return p->size;
}

size_t pool_fill(const struct pool *p)
{
    return p->fill;
}

bool pool_full(const struct pool *p)
{
    return p->fill == p->size;
}

void pool_get_stats(const struct pool *p, struct pool_stats *st)
{
    *st = (struct pool_stats){
        .size = p->size,
        .fill = p->fill,
        .bytes_in = p->bytes_in,
        .bytes_out = p->bytes_out,
        .reads = p->reads,
        .readers = pool_reader_count(p),
    };
}

/* Holes left by removals during calls are closed once none runs. */
static void compact(struct pool *p)
{
    if (p->calling)
        return;
    struct notify_list *lists[] = { &p->added, &p->drained };
    for (size_t l = 0; l < 2; l++) {
        size_t k = 0;
        for (size_t i = 0; i < lists[l]->n; i++)
            if (lists[l]->v[i].fn)
                lists[l]->v[k++] = lists[l]->v[i];
        lists[l]->n = k;
    }
    size_t k = 0;
    for (size_t i = 0; i < p->n_readers; i++)
        if (p->readers[i])
            p->readers[k++] = p->readers[i];
    p->n_readers = k;
}

static void notify_all(struct pool *p, struct notify_list *l)
{
    size_t n = l->n; /* those added meanwhile wait for the next event */
    p->calling++;
    for (size_t i = 0; i < n; i++)
        if (l->v[i].fn)
            l->v[i].fn(l->v[i].ud);
    p->calling--;
    compact(p);
}

static int add_notify(struct notify_list *l, pool_notify_fn fn, void *ud)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct notify *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (struct notify){ fn, ud };
    return 0;
}

int pool_on_added(struct pool *p, pool_notify_fn fn, void *ud)
{
    return add_notify(&p->added, fn, ud);
}

int pool_on_drained(struct pool *p, pool_notify_fn fn, void *ud)
{
    return add_notify(&p->drained, fn, ud);
}

static void remove_from(struct notify_list *l, pool_notify_fn fn, void *ud)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].fn == fn && l->v[i].ud == ud)
            l->v[i] = (struct notify){ NULL, NULL };
}

void pool_remove_notify(struct pool *p, pool_notify_fn fn, void *ud)
{
    remove_from(&p->added, fn, ud);
    remove_from(&p->drained, fn, ud);
    compact(p);
}

/* ---- readers and the sharing policy (see pool.h) --------------------------- */

static bool servable(const struct pool *p, const struct pool_reader *r)
{
    size_t need = r->want < p->size ? r->want : p->size;
    return r->want && p->fill >= need;
}

/* Calls r's ready callback if the pool can serve it; true if it read. */
static bool offer(struct pool *p, struct pool_reader *r)
{
    if (!r || !servable(p, r))
        return false;
    uint64_t before = r->reads;
    r->ready(r->ud);
    return r->reads != before;
}

/* Serves until no reader that wants data can be served: a reader that goes
 * first whenever one can be, else the others one read each in turn,
 * starting at p->turn and going on from the last one served. */
static void serve(struct pool *p)
{
    size_t pos = p->turn, idle = 0;
    while (p->n_readers && idle < p->n_readers) {
        bool first = false;
        for (size_t i = 0; i < p->n_readers && !first; i++) {
            struct pool_reader *r = p->readers[i];
            first = r && r->first && offer(p, r);
        }
        if (first) {
            idle = 0;
            continue;
        }
        struct pool_reader *r = p->readers[pos % p->n_readers];
        pos = (pos % p->n_readers) + 1;
        /* idle counts the readers offered in a row without a read. */
        idle = r && !r->first && offer(p, r) ? 0 : idle + 1;
    }
}

static void dispatch(struct pool *p)
{
    if (p->dispatching) {
        p->again = true;
        return;
    }
    p->dispatching = true;
    p->calling++;
    do {
        p->again = false;
        serve(p);
    } while (p->again);
    p->calling--;
    p->dispatching = false;
    compact(p);
}

void pool_add(struct pool *p, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
    p->bytes_in += len;
    if (p->fill < p->size) {
        size_t n = p->size - p->fill < len ? p->size - p->fill : len;
        memcpy(p->buf + p->fill, data, n);
        p->fill += n;
        data += n;
        len -= n;
    }
    while (len) {
        size_t n = p->size - p->next < len ? p->size - p->next : len;
        for (size_t i = 0; i < n; i++)
            p->buf[p->next + i] ^= data[i];
        p->next = (p->next + n) % p->size;
        data += n;
        len -= n;
    }
    /* Round robin: each arrival of data starts the turn one reader on. */
    if (p->n_readers)
        p->turn = (p->turn + 1) % p->n_readers;
    notify_all(p, &p->added);
    dispatch(p);
}

size_t pool_read(struct pool *p, uint8_t *out, size_t len)
{
    size_t need = len < p->size ? len : p->size;
    if (len == 0 || p->fill < need)
        return 0;
    size_t n = p->fill < len ? p->fill : len;
    memcpy(out, p->buf + p->fill - n, n);
    p->fill -= n;
    p->bytes_out += n;
    p->reads++;
    notify_all(p, &p->drained);
    return n;
}

int pool_reader_new(struct pool *p, pool_notify_fn ready, void *ud, struct pool_reader **out)
{
    if (p->n_readers == p->cap_readers) {
        size_t cap = p->cap_readers ? p->cap_readers * 2 : 4;
        struct pool_reader **v = realloc(p->readers, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        p->readers = v;
        p->cap_readers = cap;
    }
    struct pool_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct pool_reader){ .pool = p, .ready = ready, .ud = ud };
    p->readers[p->n_readers++] = r;
    *out = r;
    return 0;
}

void pool_reader_free(struct pool_reader *r)
{
    if (!r)
        return;
    struct pool *p = r->pool;
    for (size_t i = 0; p && i < p->n_readers; i++)
        if (p->readers[i] == r)
            p->readers[i] = NULL;
    if (p)
        compact(p);
    free(r);
}

void pool_reader_want(struct pool_reader *r, size_t len)
{
    r->want = len;
    if (r->pool && servable(r->pool, r))
        dispatch(r->pool);
}

void pool_reader_first(struct pool_reader *r, bool first)
{
    r->first = first;
}

size_t pool_reader_read(struct pool_reader *r, uint8_t *out, size_t len)
{
    if (!r->pool)
        return 0;
    size_t n = pool_read(r->pool, out, len);
    if (n) {
        r->reads++;
        r->bytes += n;
    }
    return n;
}

void pool_reader_set_owner(struct pool_reader *r, void *owner)
{
    r->owner = owner;
}

void *pool_reader_owner(const struct pool_reader *r)
{
    return r->owner;
}

void pool_reader_get_stats(const struct pool_reader *r, struct pool_reader_stats *st)
{
    *st = (struct pool_reader_stats){
        .reads = r->reads,
        .bytes = r->bytes,
        .want = r->want,
        .first = r->first,
    };
}

size_t pool_reader_count(const struct pool *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_readers; i++)
        n += p->readers[i] != NULL;
    return n;
}

struct pool_reader *pool_reader_at(const struct pool *p, size_t i)
{
    for (size_t k = 0; k < p->n_readers; k++) {
        if (!p->readers[k])
            continue;
        if (i-- == 0)
            return p->readers[k];
    }
    return NULL;
}

/* ---- groups ------------------------------------------------------------ */

static struct pool_group *find_group(struct pool *p, unsigned id)
{
    for (struct pool_group *g = p->groups; g; g = g->next)
        if (g->id == id)
            return g;
    return NULL;
}

static int new_group(struct pool *p, unsigned id, size_t size, struct pool_group **out)
{
    struct pool_group *g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->pool = p;
    g->id = id;
    g->size = pool_size_pow2(size ? size : p->size);
    g->next = p->groups;
    p->groups = g;
    *out = g;
    return 0;
}

int pool_group_configure(struct pool *p, unsigned id, size_t size)
{
    struct pool_group *g = find_group(p, id);
    if (!g)
        return new_group(p, id, size, &g);
    if (g->used)
        return -EBUSY;
    g->size = pool_size_pow2(size ? size : p->size);
    return 0;
}

int pool_group_get(struct pool *p, unsigned id, struct pool_group **out)
{
    struct pool_group *g = find_group(p, id);
    int r = 0;
    if (!g)
        r = new_group(p, id, 0, &g);
    if (r == 0)
        *out = g;
    return r;
}

size_t pool_group_size(const struct pool_group *g)
{
    return g->size;
}

unsigned pool_group_id(const struct pool_group *g)
{
    return g->id;
}

static bool passes_straight(const struct pool_group *g)
{
    return g->id == 0 || (g->mask & (g->mask - 1)) == 0;
}

static struct gather *gather_of(struct pool_group *g, uint32_t member)
{
    return &g->member[__builtin_ctz(member)];
}

/* Bytes gathered for a way of passing the group no longer has go on as
 * they are (they passed QA; only the block boundary is lost). */
static void strand(struct pool_group *g)
{
    if (!passes_straight(g) && g->have) {
        pool_add(g->pool, g->buf, g->have);
        g->have = 0;
    }
}

int pool_group_join(struct pool_group *g, uint32_t *member)
{
    for (unsigned i = 0; i < POOL_GROUP_MAX_MEMBERS; i++) {
        uint32_t bit = (uint32_t)1 << i;
        if (g->mask & bit)
            continue;
        if (!g->buf) {
            g->buf = malloc(g->size);
            if (!g->buf)
                return -ENOMEM;
        }
        g->used = true;
        g->mask |= bit;
        strand(g);
        *member = bit;
        return 0;
    }
    return -ENOSPC;
}

void pool_group_leave(struct pool_group *g, uint32_t member)
{
    /* As upstream: the group passes on at the next member's block. */
    g->mask &= ~member;
    g->filled &= ~member;
    if (member && !(member & (member - 1))) {
        struct gather *m = gather_of(g, member);
        free(m->buf);
        *m = (struct gather){ NULL, 0 };
    }
}

int pool_group_add(struct pool_group *g, uint32_t member, const uint8_t *block, size_t len)
{
    if (len != g->size || !(g->mask & member))
        return -EINVAL;
    if (passes_straight(g)) {
        pool_add(g->pool, block, len);
        return 0;
    }
    if (g->filled == 0) {
        memcpy(g->buf, block, len);
    } else {
        for (size_t i = 0; i < len; i++)
            g->buf[i] ^= block[i];
    }
    g->filled |= member;
    if (g->filled == g->mask) {
        g->filled = 0;
        pool_add(g->pool, g->buf, g->size);
    }
    return 0;
}

/* Gathers data into buf (*have bytes there already) and passes each whole
 * block of size bytes to pass(); whole blocks that need no gathering go
 * without a copy. */
static void gather(struct pool_group *g, uint32_t member, uint8_t *buf, size_t *have,
                   const uint8_t *data, size_t len)
{
    while (len) {
        const uint8_t *block = data;
        size_t n = g->size;
        if (*have || len < g->size) {
            n = g->size - *have < len ? g->size - *have : len;
            memcpy(buf + *have, data, n);
            *have += n;
            block = *have == g->size ? buf : NULL;
        }
        data += n;
        len -= n;
        if (!block)
            continue;
        *have = 0;
        if (passes_straight(g))
            pool_add(g->pool, block, g->size);
        else
            pool_group_add(g, member, block, g->size);
    }
}

int pool_group_feed(struct pool_group *g, uint32_t member, const uint8_t *data, size_t len)
{
    if (!(g->mask & member) || (member & (member - 1)))
        return -EINVAL;
    struct gather *m = gather_of(g, member);
    if (passes_straight(g)) {
        if (m->have) { /* gathered while the group was an XOR group */
            pool_add(g->pool, m->buf, m->have);
            m->have = 0;
        }
        g->filled = 0; /* the buffer gathers now, not XORs */
        gather(g, member, g->buf, &g->have, data, len);
        return 0;
    }
    if (!m->buf && len && !(m->buf = malloc(g->size)))
        return -ENOMEM;
    gather(g, member, m->buf, &m->have, data, len);
    return 0;
}
