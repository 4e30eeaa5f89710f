/* emu: the set of emulated BitBabblers of one bbemu run: the umockdev
 * testbed, the USB topology, the devices (by serial) and the control
 * commands that change them at run time.  Main thread only. */
#ifndef BB_EMU_EMU_H
#define BB_EMU_EMU_H

#include <stddef.h>

#include "spec.h"

struct emu;

/* Create the testbed (this sets UMOCKDEV_DIR in our environment).
 * wire_dir: directory for per-device wire logs, or NULL. */
int emu_new(const char *wire_dir, struct emu **out);
void emu_free(struct emu *e);

/* The testbed directory (UMOCKDEV_DIR). */
const char *emu_root(const struct emu *e);

/* Check specs against each other and the devices that exist (e may be
 * NULL: none).  0 or -EINVAL with the reason in err. */
int emu_check(const struct emu *e, const struct spec *specs, size_t n, char *err,
              size_t err_len);

/* emu_check(), then create and plug the devices in order.  The payloads
 * are taken over (specs[i].payload becomes NULL).  0 or -errno + err. */
int emu_add(struct emu *e, struct spec *specs, size_t n, char *err, size_t err_len);

/* One control line (see bbemu(1)).  0 or -errno with the reason in err. */
int emu_command(struct emu *e, const char *line, char *err, size_t err_len);

#endif
