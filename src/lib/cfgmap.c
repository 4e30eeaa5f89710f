/* cfgmap: a merged configuration.  See cfgmap.h. */
#include "cfgmap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct sec {
    struct cfgmap_section pub;
    struct cfgmap_entry *ents;
    size_t cap;
};

struct cfgmap {
    struct sec *secs; /* sorted by name */
    size_t n, cap;
};

/* A copy of s (NULL stays NULL); *ok cleared when out of memory. */
static char *dup(const char *s, int *ok)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *ok = 0;
    return d;
}

int cfgmap_new(struct cfgmap **out)
{
    struct cfgmap *m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    *out = m;
    return 0;
}

static void free_entry(struct cfgmap_entry *e)
{
    free((char *)e->key);
    free((char *)e->value);
    free((char *)e->file);
}

void cfgmap_free(struct cfgmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        for (size_t k = 0; k < m->secs[i].pub.n; k++)
            free_entry(&m->secs[i].ents[k]);
        free(m->secs[i].ents);
        free((char *)m->secs[i].pub.name);
        free((char *)m->secs[i].pub.file);
    }
    free(m->secs);
    free(m);
}

/* The index of name, or where it would go (*found 0). */
static size_t find_sec(const struct cfgmap *m, const char *name, int *found)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(m->secs[mid].pub.name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static size_t find_ent(const struct sec *s, const char *key, int *found)
{
    size_t lo = 0, hi = s->pub.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->ents[mid].key, key);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static struct sec *get_sec(struct cfgmap *m, const char *name, const char *file, unsigned line)
{
    int found, ok = 1;
    size_t i = find_sec(m, name, &found);
    if (found)
        return &m->secs[i];
    if (vec_grow((void **)&m->secs, &m->cap, m->n + 1, sizeof(*m->secs)) < 0)
        return NULL;
    struct sec s = { .pub = { .name = dup(name, &ok), .file = dup(file, &ok), .line = line } };
    if (!ok) {
        free((char *)s.pub.name);
        free((char *)s.pub.file);
        return NULL;
    }
    memmove(&m->secs[i + 1], &m->secs[i], (m->n - i) * sizeof(*m->secs));
    m->secs[i] = s;
    m->n++;
    return &m->secs[i];
}

int cfgmap_add_section(struct cfgmap *m, const char *name, const char *file, unsigned line)
{
    return get_sec(m, name, file, line) ? 0 : -ENOMEM;
}

int cfgmap_set(struct cfgmap *m, const char *section, const char *key, const char *value,
               const char *file, unsigned line)
{
    struct sec *s = get_sec(m, section, file, line);
    if (!s)
        return -ENOMEM;
    int found, ok = 1;
    size_t i = find_ent(s, key, &found);
    struct cfgmap_entry e = { .key = dup(key, &ok), .value = dup(value, &ok),
                              .file = dup(file, &ok), .line = line };
    if (!ok || (!found && vec_grow((void **)&s->ents, &s->cap, s->pub.n + 1, sizeof(*s->ents)) < 0)) {
        free_entry(&e);
        return -ENOMEM;
    }
    if (found) {
        free_entry(&s->ents[i]);
    } else {
        memmove(&s->ents[i + 1], &s->ents[i], (s->pub.n - i) * sizeof(*s->ents));
        s->pub.n++;
    }
    s->ents[i] = e;
    s->pub.ents = s->ents;
    return 0;
}

void cfgmap_unset(struct cfgmap *m, const char *section, const char *key)
{
    int found;
    size_t si = find_sec(m, section, &found);
    if (!found)
        return;
    struct sec *s = &m->secs[si];
    size_t i = find_ent(s, key, &found);
    if (!found)
        return;
    free_entry(&s->ents[i]);
    memmove(&s->ents[i], &s->ents[i + 1], (s->pub.n - i - 1) * sizeof(*s->ents));
    s->pub.n--;
}

const struct cfgmap_section *cfgmap_find(const struct cfgmap *m, const char *section)
{
    int found;
    size_t i = find_sec(m, section, &found);
    return found ? &m->secs[i].pub : NULL;
}

const struct cfgmap_entry *cfgmap_get(const struct cfgmap *m, const char *section,
                                      const char *key)
{
    int found;
    size_t si = find_sec(m, section, &found);
    if (!found)
        return NULL;
    size_t i = find_ent(&m->secs[si], key, &found);
    return found ? &m->secs[si].ents[i] : NULL;
}

size_t cfgmap_count(const struct cfgmap *m)
{
    return m->n;
}

const struct cfgmap_section *cfgmap_section(const struct cfgmap *m, size_t i)
{
    return i < m->n ? &m->secs[i].pub : NULL;
}

char *cfgmap_format(const struct cfgmap *m, int (*rank)(const char *section), size_t *len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    if (!f)
        return NULL;
    int lo = 0, hi = 0;
    for (size_t i = 0; i < m->n; i++) {
        int r = rank(m->secs[i].pub.name);
        lo = i == 0 || r < lo ? r : lo;
        hi = i == 0 || r > hi ? r : hi;
    }
    /* The sections are sorted by name: one pass per rank keeps that order. */
    for (int r = lo; m->n && r <= hi; r++) {
        for (size_t i = 0; i < m->n; i++) {
            const struct cfgmap_section *s = &m->secs[i].pub;
            if (rank(s->name) != r)
                continue;
            fprintf(f, "[%s]\n", s->name);
            for (size_t k = 0; k < s->n; k++)
                fprintf(f, *s->ents[k].value ? "%s %s\n" : "%s%s\n", s->ents[k].key,
                        s->ents[k].value);
            fputc('\n', f);
        }
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = size;
    return text;
}
