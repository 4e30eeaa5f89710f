/* monitors: registry of health monitors.  See monitors.h. */
#include "monitors.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *id;
    struct health *h;
};

struct monitors {
    struct entry *v;
    size_t n, cap;
};

int monitors_new(struct monitors **out)
{
    struct monitors *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    *out = m;
    return 0;
}

void monitors_free(struct monitors *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].id);
    free(m->v);
    free(m);
}

int monitors_add(struct monitors *m, const char *id, struct health *h)
{
    if (monitors_find(m, id))
        return -EEXIST;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        struct entry *v = realloc(m->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    char *copy = strdup(id);
    if (!copy)
        return -ENOMEM;
    m->v[m->n++] = (struct entry){ copy, h };
    return 0;
}

void monitors_remove(struct monitors *m, const struct health *h)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->v[i].h == h) {
            free(m->v[i].id);
            memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof(m->v[0]));
            m->n--;
            return;
        }
    }
}

struct health *monitors_find(const struct monitors *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->v[i].id, id))
            return m->v[i].h;
    return NULL;
}

size_t monitors_count(const struct monitors *m)
{
    return m->n;
}

struct health *monitors_at(const struct monitors *m, size_t i, const char **id)
{
    if (i >= m->n)
        return NULL;
    if (id)
        *id = m->v[i].id;
    return m->v[i].h;
}
