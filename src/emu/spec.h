/* spec: the --device SPEC grammar of bbemu.
 *
 *   SPEC = SERIAL[@BUS-PORTPATH][,dev=N][,white|,black][,noserial][,paced]
 *          [,payload=FILE][,fault=NAME[:ARG][@N]]...
 *          [,vid=HEX][,pid=HEX][,manufacturer=TEXT][,product=TEXT]
 *
 * vid/pid (4 hex digits, not 0000), manufacturer/product (1..126 printable
 * ASCII characters, no ',' or '\\'): another USB identity, e.g. a device
 * other than a BitBabbler for bbvirt's VID:PID:SERIAL path.  Only the
 * descriptors, strings and sysfs records change: the FTDI model behind
 * them still answers (seedd never claims it: it looks for 0403:7840).
 *
 * paced: the device clocks out data no faster than the bit rate the host
 * set (MPSSE clock, 60 MHz / ((1 + divisor) * 2), divide-by-5 honoured),
 * as a real one; without it, as fast as the host reads (tests want that).
 *
 * noserial: the USB device has no serial string (iSerialNumber 0, no sysfs
 * serial); SERIAL still names it in control commands and the wire log.
 * SERIAL: 1..126 of [A-Za-z0-9_.-], starting with a letter or digit.
 * BUS 1..127; PORTPATH: 1..7 dot-separated ports, each 1..31; N 2..127.
 * The payload file is read at parse time and must not be empty. */
#ifndef BB_EMU_SPEC_H
#define BB_EMU_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmodel.h"

#define SPEC_MAX_FAULTS 16               /* <= FMODEL_MAX_ARMED */
#define SPEC_PORT_MAX 32
#define SPEC_MAX_BUS 127
#define SPEC_MAX_DEV 127
#define SPEC_MAX_DEPTH 7
#define SPEC_MAX_PORT 31

struct spec {
    char serial[FMODEL_SERIAL_MAX + 1];
    unsigned bus;               /* 0: not given (default 1) */
    char port[SPEC_PORT_MAX];   /* "": not given (next free top-level port) */
    unsigned dev;               /* 0: not given (lowest free >= 2) */
    enum fmodel_kind kind;
    bool no_serial;             /* noserial */
    bool paced;                 /* paced */
    uint16_t vid, pid;          /* 0: the BitBabbler's */
    char manufacturer[FMODEL_SERIAL_MAX + 1];   /* "": the BitBabbler's */
    char product[FMODEL_SERIAL_MAX + 1];
    uint8_t *payload;           /* owned; NULL: default generators */
    size_t payload_len;
    struct fmodel_fault_spec faults[SPEC_MAX_FAULTS];
    size_t nfaults;
};

/* Parse text into *out (which must be spec_clear()ed later, also on error).
 * 0 or -EINVAL with a one-line reason in err. */
int spec_parse(const char *text, struct spec *out, char *err, size_t err_len);
void spec_clear(struct spec *s);

/* The fmodel configuration of the device s describes (pointing into s). */
struct fmodel_config spec_model_config(const struct spec *s);

/* 1 if s is a valid serial / port path (see above), else 0. */
int spec_serial_valid(const char *s);
int spec_port_valid(const char *s, char *err, size_t err_len);

#endif
