/* topo: the emulated USB tree around the BitBabblers: one root hub per bus
 * (created on first use, controllers ordered by first use so that libudev's
 * path-sorted enumeration follows bus creation order), intermediate hubs for
 * port chains such as 5-2.3 (created on first use, kept), and device number
 * bookkeeping per bus (1 = root hub; hubs take the highest free numbers). */
#ifndef BB_EMU_TOPO_H
#define BB_EMU_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <umockdev.h>

struct topo;

int topo_new(UMockdevTestbed *tb, struct topo **out);
void topo_free(struct topo *t);

/* Device numbers 2..127 of a bus. */
bool topo_devnum_used(const struct topo *t, unsigned bus, unsigned devnum);
void topo_devnum_take(struct topo *t, unsigned bus, unsigned devnum);
void topo_devnum_put(struct topo *t, unsigned bus, unsigned devnum);
/* Lowest free number >= 2 (first enumeration), or the next free one after
 * the last number handed out, wrapping (re-enumeration, like the kernel).
 * Both take the number.  0 or -ENOSPC. */
int topo_devnum_lowest(struct topo *t, unsigned bus, unsigned *out);
int topo_devnum_next(struct topo *t, unsigned bus, unsigned *out);

/* Make sure the root hub of bus and every hub on the way to port exist
 * (sending their "add" uevents), then write the sysfs devpath (without
 * "/sys") of the port's parent to parent.  0, -ENOSPC (no device number
 * left for a hub) or -EIO (umockdev refused a record). */
int topo_attach_point(struct topo *t, unsigned bus, const char *port, char *parent,
                      size_t parent_len);

/* true if bus-port is an intermediate hub created here. */
bool topo_is_hub(const struct topo *t, unsigned bus, const char *port);

#endif
