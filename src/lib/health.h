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
