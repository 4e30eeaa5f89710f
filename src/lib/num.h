/* num: strict number parsing with upstream's suffix conventions (spec §9.0).
 *
 * All functions are pure, return 0 or a negative errno (-EINVAL: not a number
 * or bad suffix or trailing garbage; -ERANGE: does not fit), and never touch
 * *out on error.  Unlike upstream, leading whitespace, signs and characters
 * after the suffix are rejected.
 */
#ifndef BB_NUM_H
#define BB_NUM_H

#include <stdint.h>

/* Plain unsigned integer; base as strtoul (0 accepts 0x.. and leading-0 octal).
 * The whole string must be consumed. */
int num_parse_u64(const char *s, int base, uint64_t *out);

/* Decimal digits, then an optional suffix k/K (xscale), M (xscale^2),
 * G (xscale^3), T (xscale^4); an 'i' right after the suffix forces scale 1024
 * ("Ki", "Mi").  scale is 1000 or 1024.  Nothing may follow. */
int num_parse_scaled_u64(const char *s, unsigned scale, uint64_t *out);

/* Decimal float (C locale, no hex/inf/nan), then an optional suffix:
 * p n u m (divide by 1000^4..1000) or k K M G T (multiply by 1000^n);
 * an 'i' after the suffix selects 1024.  Result must be finite and >= 0. */
int num_parse_scaled_double(const char *s, double *out);

/* What a num_parse_* error means, for messages: "too large" (-ERANGE),
 * "not a number" (-EINVAL), "out of memory" (-ENOMEM), else "invalid". */
const char *num_strerror(int r);

#endif
