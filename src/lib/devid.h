/* devid: device ID strings as given to --device-id (spec §1.6).
 *
 * Parse rules, in order: contains '-' -> port ID "BUS-P[.P...]";
 * contains ':' -> "[BUS]:DEV"; shorter than 4 characters -> "DEV";
 * otherwise a serial number (exact, case-sensitive).  Bus 0..127,
 * dev 1..127.  Unlike upstream, numbers must be plain decimal digits
 * (no whitespace or signs) and the port path must be dotted decimal
 * port numbers (1..255, no leading zeros, at most 7 levels).  "[BUS]:DEV"
 * with the bus omitted (":5") is the same as "5".
 */
#ifndef BB_DEVID_H
#define BB_DEVID_H

#include <stdbool.h>
#include <stddef.h>

#include "devinfo.h"

enum devid_kind {
    DEVID_NONE = 0,   /* "No device selected" */
    DEVID_SERIAL,
    DEVID_BUSDEV,     /* has_bus false: dev on any bus */
    DEVID_PORT,
};

struct devid {
    enum devid_kind kind;
    bool has_bus;
    unsigned bus;
    unsigned dev;
    char str[DEVINFO_STR_MAX];  /* serial, or port path for DEVID_PORT */
};

/* Returns 0, or -EINVAL with a one-line reason in err (which names the
 * offending text) when err is not NULL. */
int devid_parse(const char *s, struct devid *out, char *err, size_t errlen);

/* A dotted port path as the kernel writes it: 1..7 levels of 1..255, no
 * leading zeros ("2.3"). */
bool devid_valid_port(const char *p);

/* False for DEVID_NONE (callers treat "no selection" themselves). */
bool devid_match(const struct devid *id, const struct devinfo *d);

/* Display form: "Bus:Device 003:006", "Bus:Device *:006", "Port 5-2.3",
 * "Serial 'GK9VZF'", "No device selected".  Returns buf. */
const char *devid_format(const struct devid *id, char *buf, size_t len);

#endif
