/* fmodel_int: internals shared by the fmodel sources (fmodel.c,
 * fmodel_fault.c, fmodel_wire.c).  Not part of the API: see fmodel.h. */
#ifndef BB_FMODEL_INT_H
#define BB_FMODEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmodel.h"

#define PKT_DATA (FMODEL_MAXPACKET - 2)
#define NGEN 4

/* A fault given with @N, waiting for stream position `at`. */
struct fmodel_armed {
    enum fmodel_fault fault;
    long arg;
    uint64_t at;
};

struct queue {
    uint8_t *d;
    size_t head, len, cap;       /* live bytes are d[head .. head+len) */
};

struct fmodel {
    char serial[FMODEL_SERIAL_MAX + 1];
    bool no_serial;
    uint8_t desc[FMODEL_DESCRIPTORS_LEN];   /* this model's descriptors */
    char manufacturer[FMODEL_SERIAL_MAX + 1];
    char product[FMODEL_SERIAL_MAX + 1];    /* "": by kind */
    enum fmodel_kind kind;
    uint8_t *payload;
    size_t payload_len;

    /* FTDI / MPSSE state */
    uint8_t bitmode, bitmask, latency;
    uint8_t low_val, low_dir, high_val, high_dir;
    bool low_set;
    uint16_t divisor;
    bool div5;                           /* 0x8b: the 60 MHz clock divided by 5 */
    struct queue rx;             /* device -> host */
    struct queue cmd;            /* partial MPSSE command carried over */

    /* generators */
    uint64_t gen_x[NGEN], gen_word[NGEN];
    uint64_t pos, sent;
    uint64_t bias_x;
    uint8_t last4[4];

    /* faults */
    bool on[FMODEL_FAULT_COUNT];
    long arg[FMODEL_FAULT_COUNT];
    uint64_t base[FMODEL_FAULT_COUNT];
    bool unplug_due;
    struct fmodel_armed armed[FMODEL_MAX_ARMED];   /* in the order given */
    size_t narmed;
    uint64_t next_at;            /* smallest armed[].at, UINT64_MAX if none */

    /* wire log: "\n"-terminated lines, NUL after the last */
    struct queue wire;
    bool wire_full;
    fmodel_wire_fn sink;
    void *sink_user;
};

/* Queues (fmodel.c): room for n more bytes at the tail (NULL on ENOMEM), and
 * drop all. */
uint8_t *fmodel_queue_reserve(struct queue *q, size_t n);
void fmodel_queue_clear(struct queue *q);

/* Wire log (fmodel_wire.c): the "out HH HH ..." line of one bulk OUT
 * transfer. */
void fmodel_wire_out(struct fmodel *m, const uint8_t *buf, size_t len);

/* A counted fault (stall, excess, ctrlstall) at the moment it would act
 * (fmodel_fault.c): false if off; else true, counting down its N times and
 * turning it off after the last. */
bool fmodel_fault_fires(struct fmodel *m, enum fmodel_fault f);

/* Set the armed faults whose stream position has come, in the order given
 * (fmodel_fault.c); cheap when none is due.  Called before each byte is
 * generated and at the start of every data-read command, bulk IN transfer
 * and control request. */
void fmodel_arm_due(struct fmodel *m);

#endif
