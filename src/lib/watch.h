/* watch: QA-only monitoring of any readable file or device (--watch,
 * spec §6.4).  Reads block_size bytes at a time, checks each block with a
 * health monitor registered under the path, waits delay ms between blocks,
 * stops after max_bytes (0 = never) or at end of file.  The data goes
 * nowhere else.  Blocks are heap buffers (upstream's stack VLA overflowed). */
#ifndef BB_WATCH_H
#define BB_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "watchspec.h"

struct evl;
struct monitors;
struct watch;

/* Opens the path and makes one zero-byte read: a path that cannot be opened
 * or read as a stream (a directory, say) is an error (-errno, logged once). */
int watch_new(struct evl *loop, struct monitors *mons, const struct watchspec *spec,
              struct watch **out);
void watch_free(struct watch *w);

/* Be told when the watch ends (from the event loop). */
void watch_on_end(struct watch *w, void (*fn)(void *ud), void *ud);

/* Whether the watch has ended (end of file, read error, or max_bytes). */
bool watch_ended(const struct watch *w);

#endif
