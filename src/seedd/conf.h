/* conf: seedd's config files and merged configuration (spec §8), over the
 * option table (optab) and cfgmap.  Pure: callers read the files and print.
 *
 * Everything that makes a config key, from a -C file or the command line,
 * lands in one cfgmap in argv order (later wins); conf_extract() then makes
 * the struct seedd_opts the daemon reads, and conf_gen() the --gen-conf
 * text.  Section names in the map are canonical (optab_section).
 */
#ifndef SEEDD_CONF_H
#define SEEDD_CONF_H

#include <stddef.h>

#include "cfgmap.h"
#include "options.h"

/* Merges one config file's text (buf, len) into m.  Every section and
 * option is checked against the option table and validated as on the
 * command line.  Stricter than upstream: a section given twice in one file
 * (also as two spellings of one ID, e.g. [Device:3:6] and
 * [Device:003:006]) or an option given twice in one section is an error.
 * Returns 0, or -EINVAL with "FILE:LINE: what is wrong" in err (m may
 * then hold part of the file), or -ENOMEM. */
int conf_import(struct cfgmap *m, const char *buf, size_t len, const char *file, char *err,
                size_t errlen);

/* The config-file fields of o (see seedd_opts_defaults) from m, then the
 * derived defaults: kernel_refill SEEDD_KERNEL_REFILL_LOW_POWER when any
 * device section has low-power and no kernel-refill is set;
 * control_socket "none" when o->bytes is set and none is given.  Devices
 * and watches in section name order.  -EINVAL with "FILE:LINE: ..." (or
 * "--option ..." for a command-line value) in err, -ENOMEM. */
int conf_extract(const struct cfgmap *m, struct seedd_opts *o, char *err, size_t errlen);

/* The --gen-conf text (spec §8.4): the header naming date (YYYY-MM-DD) and
 * argv (control characters escaped), then the sections of m.  A malloc'd
 * string of *len bytes, NULL when out of memory. */
char *conf_gen(const struct cfgmap *m, int argc, char *const *argv, const char *date,
               size_t *len);

/* o with every default: no devices, pool 64k, vm.conf from sysconfdir,
 * kernel device and refill, kernel_reseed on. */
int seedd_opts_defaults(struct seedd_opts *o);

#endif
