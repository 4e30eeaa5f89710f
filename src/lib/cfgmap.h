/* cfgmap: a merged configuration (spec §8.1): named sections of named
 * string values, both kept sorted by name (byte order, as upstream's
 * maps), each remembering where it was set (file and line, or the command
 * line).  Setting a value that exists replaces it: later sources win.
 * Pure: no I/O; what the names and values mean is the caller's business.
 */
#ifndef BB_CFGMAP_H
#define BB_CFGMAP_H

#include <stddef.h>

struct cfgmap_entry {
    const char *key;
    const char *value; /* "" for an option without a value */
    const char *file;  /* NULL: the command line */
    unsigned line;
};

struct cfgmap_section {
    const char *name;
    const char *file; /* where the section was first named; NULL: command line */
    unsigned line;
    const struct cfgmap_entry *ents; /* sorted by key */
    size_t n;
};

struct cfgmap;

int cfgmap_new(struct cfgmap **out);
void cfgmap_free(struct cfgmap *m);

/* The section named name, created (empty, with this origin) if missing.
 * 0 or -ENOMEM. */
int cfgmap_add_section(struct cfgmap *m, const char *name, const char *file, unsigned line);
/* Sets key in section (created if missing) to value.  0 or -ENOMEM. */
int cfgmap_set(struct cfgmap *m, const char *section, const char *key, const char *value,
               const char *file, unsigned line);
/* Removes key from section, if it is there. */
void cfgmap_unset(struct cfgmap *m, const char *section, const char *key);

const struct cfgmap_section *cfgmap_find(const struct cfgmap *m, const char *section);
const struct cfgmap_entry *cfgmap_get(const struct cfgmap *m, const char *section,
                                      const char *key);
size_t cfgmap_count(const struct cfgmap *m);
/* Section i in name order, NULL past the end. */
const struct cfgmap_section *cfgmap_section(const struct cfgmap *m, size_t i);

/* The sections as text: in order of rank(name) (lower first), then name;
 * each "[NAME]\n", then "KEY VALUE\n" (or "KEY\n" for an empty value) per
 * entry in key order, then an empty line.  A malloc'd string (*len
 * bytes), or NULL when out of memory. */
char *cfgmap_format(const struct cfgmap *m, int (*rank)(const char *section), size_t *len);

#endif
