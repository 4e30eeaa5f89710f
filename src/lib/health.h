/* health: the HealthMonitor of spec §4.1, QA for one stream: an Ent8 and an
 * Ent16 tester, a FIPS tester with a 2500-byte carry, the three ok flags and
 * the BytesAnalysed / BytesPassed counters.
 *
 * health_check() analyses a whole buffer and then judges it on the state
 * after processing it: true (and BytesPassed += len) only if Ent8, Ent16 and
 * FIPS are all ok.  Bytes short of a whole FIPS block are carried to the next
 * call.  FIPS starts "not ok" (20 passing blocks are needed), Ent16 starts ok,
 * Ent8 as the caller says.
 *
 * There is no global registry: the caller keeps the list of monitors
 * (see monitors.h).  Not thread-safe: callers serialise access. */
#ifndef BB_HEALTH_H
#define BB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitruns.h"
#include "ent.h"
#include "fips.h"

struct health;

/* id is copied.  -ENOMEM, or -EINVAL if id is NULL. */
int health_new(const char *id, bool ent8_ok_initially, struct health **out);
/* The same with non-default Ent short block lengths (0: default), as
 * bbcheck and tests use. */
int health_new_ex(const char *id, bool ent8_ok_initially, uint64_t ent8_short_len,
                  uint64_t ent16_short_len, struct health **out);
void health_free(struct health *h);

bool health_check(struct health *h, const uint8_t *buf, size_t len);

/* The gate a device source puts its data through.
 *
 * HEALTH_GATE_UPSTREAM is upstream 0.9's, byte for byte: the whole buffer
 * passes if the monitor is ok after analysing it (health_check()).  Bytes
 * carried into the next FIPS block have then passed before being tested,
 * and a FIPS block that fails outright inside a good buffer passes too.
 *
 * HEALTH_GATE_EXACT (the default) passes whole 2500-byte FIPS blocks: a
 * block passes only if it passed every FIPS test and the monitor was ok
 * after every buffer that held a byte of it.  The bytes of an unfinished
 * FIPS block (the carry) are held back in the monitor and emitted, or
 * dropped, when their block is decided.  Passing bytes are
 * emitted in stream order, in as few pieces as the failing blocks allow;
 * BytesPassed counts exactly the emitted bytes. */
enum health_gate_mode {
    HEALTH_GATE_EXACT = 0,
    HEALTH_GATE_UPSTREAM = 1,
};

/* What one health_gate() call saw, for the caller's reports. */
struct health_verdict {
    bool ok;              /* the monitor's verdict after the buffer */
    unsigned fips_blocks; /* FIPS blocks that ended in this buffer */
    unsigned fips_failed; /* ... of which failed a test */
    unsigned fips_tests;  /* OR of their result masks (bit i: test i) */
    uint64_t passed;      /* bytes emitted */
    uint64_t dropped;     /* bytes decided and not emitted */
};

typedef void (*health_emit_fn)(void *ud, const uint8_t *p, size_t len);

/* Analyses buf exactly as health_check() does (same statistics and
 * verdicts) and calls emit for the bytes that pass under mode.  v may be
 * NULL.  Returns the verdict.  One monitor must always be used with the
 * same mode (and not mixed with health_check()). */
bool health_gate(struct health *h, enum health_gate_mode mode, const uint8_t *buf, size_t len,
                 health_emit_fn emit, void *ud, struct health_verdict *v);

const char *health_id(const struct health *h);
uint64_t health_bytes_analysed(const struct health *h);
uint64_t health_bytes_passed(const struct health *h);
/* The current verdicts. */
bool health_fips_ok(const struct health *h);
bool health_ent8_ok(const struct health *h);
bool health_ent16_ok(const struct health *h);
/* Bytes waiting in the FIPS carry buffer (< 2500). */
size_t health_fips_carry(const struct health *h);

/* The testers, for reporting every statistic of spec §7.5: FIPS FailRate and
 * PassRuns per test (fips_get_failrate/passruns), BitRuns (fips_bitruns), and
 * Ent8/Ent16 Short/Long results, failure counts, bins and pi counts (ent_*;
 * report them only when ent_have_results()). */
const struct fips *health_fips(const struct health *h);
const struct ent *health_ent8(const struct health *h);
const struct ent *health_ent16(const struct health *h);
const struct bitruns *health_bitruns(const struct health *h);

#endif
