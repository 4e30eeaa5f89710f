/* monitors: the registry of health monitors by ID, in registration order
 * (device serials, "Pool", "Kernel", "UDP", watch paths), which the control
 * socket reports.  Does not own the monitors. */
#ifndef BB_MONITORS_H
#define BB_MONITORS_H

#include <stddef.h>

struct health;
struct monitors;

int monitors_new(struct monitors **out);
void monitors_free(struct monitors *m);

/* -EEXIST if the ID is taken. */
int monitors_add(struct monitors *m, const char *id, struct health *h);
void monitors_remove(struct monitors *m, const struct health *h);
struct health *monitors_find(const struct monitors *m, const char *id);

size_t monitors_count(const struct monitors *m);
/* The i-th in registration order (NULL past the end); *id gets its ID. */
struct health *monitors_at(const struct monitors *m, size_t i, const char **id);

#endif
