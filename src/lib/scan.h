/* scan: the device list formats of `seedd -s`, `-sv` and `--shell-mr`
 * (spec §1.4, §1.5), as pure functions over a device array. */
#ifndef BB_SCAN_H
#define BB_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "devinfo.h"

/* Human-readable listing; returns a malloc'd NUL-terminated string, or NULL
 * on allocation failure. */
char *scan_format_human(const struct devinfo *devs, size_t n, bool verbose);

/* Machine-readable listing: 9 NUL-terminated fields per device (magic "\nD:",
 * %03u bus, %03u dev, %04x vid, %04x pid, serial, manufacturer, product, port
 * path without bus).  Returns a malloc'd buffer (NULL on allocation failure or
 * when n is 0) and its length in *len. */
char *scan_format_shell_mr(const struct devinfo *devs, size_t n, size_t *len);

#endif
