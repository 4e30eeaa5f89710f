/* pool: entropy pool and pool groups.  See pool.h. */
#include "pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define POOL_MAX_NOTIFY 8

struct notify {
    pool_notify_fn fn;
    void *ud;
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
    struct notify added[POOL_MAX_NOTIFY];
    struct notify drained[POOL_MAX_NOTIFY];
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

static void notify_all(const struct notify *n)
{
    /* Copy first: a callback may (un)register. */
    struct notify copy[POOL_MAX_NOTIFY];
    memcpy(copy, n, sizeof(copy));
    for (size_t i = 0; i < POOL_MAX_NOTIFY; i++)
        if (copy[i].fn)
            copy[i].fn(copy[i].ud);
}

void pool_add(struct pool *p, const uint8_t *data, size_t len)
{
    if (len == 0)
        return;
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
    notify_all(p->added);
}

size_t pool_read(struct pool *p, uint8_t *out, size_t len)
{
    size_t need = len < p->size ? len : p->size;
    if (len == 0 || p->fill < need)
        return 0;
    size_t n = p->fill < len ? p->fill : len;
    memcpy(out, p->buf + p->fill - n, n);
    p->fill -= n;
    notify_all(p->drained);
    return n;
}

static int add_notify(struct notify *list, pool_notify_fn fn, void *ud)
{
    for (size_t i = 0; i < POOL_MAX_NOTIFY; i++) {
        if (!list[i].fn) {
            list[i] = (struct notify){ fn, ud };
            return 0;
        }
    }
    return -ENOSPC;
}

int pool_on_added(struct pool *p, pool_notify_fn fn, void *ud)
{
    return add_notify(p->added, fn, ud);
}

int pool_on_drained(struct pool *p, pool_notify_fn fn, void *ud)
{
    return add_notify(p->drained, fn, ud);
}

void pool_remove_notify(struct pool *p, pool_notify_fn fn, void *ud)
{
    for (size_t i = 0; i < POOL_MAX_NOTIFY; i++) {
        if (p->added[i].fn == fn && p->added[i].ud == ud)
            p->added[i] = (struct notify){ NULL, NULL };
        if (p->drained[i].fn == fn && p->drained[i].ud == ud)
            p->drained[i] = (struct notify){ NULL, NULL };
    }
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
