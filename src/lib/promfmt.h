/* promfmt: seedd's state in the Prometheus text exposition format 0.0.4
 * (the body of GET /metrics; metrics.h serves it).
 *
 * Pure: a snapshot of the introspection API (the device listing, the
 * monitors registry, the pool and the sinks reading from it, the kernel
 * feed's info) in, text out; nothing is read from the system.
 *
 * Every family has its # HELP and # TYPE lines, names start "bitbabbler_",
 * counters end "_total".  The families (labels in braces):
 *
 *   bitbabbler_build_info{version}                      gauge, 1
 *   bitbabbler_uptime_seconds                           gauge
 *   bitbabbler_device_state{serial,state}               gauge, see below
 *   bitbabbler_device_read_bytes_total{serial}          counter, raw bytes from the device
 *   bitbabbler_device_passed_bytes_total{serial}        counter, folded bytes its gate passed
 *   bitbabbler_device_recoveries_total{serial}          counter
 *   bitbabbler_qa_analysed_bytes_total{monitor}         counter (health monitor)
 *   bitbabbler_qa_passed_bytes_total{monitor}           counter
 *   bitbabbler_qa_ok{monitor,test}                      gauge 0/1; test fips, ent8, ent16
 *   bitbabbler_fips_blocks_total{monitor}               counter, FIPS blocks tested
 *   bitbabbler_fips_failures_total{monitor,test}        counter; test monobit, poker, runs,
 *                                                       long_run, repetition, proportion, result
 *   bitbabbler_ent_entropy{monitor,bits,term}           gauge (bits/sample); bits 8|16,
 *                                                       term short|long
 *   bitbabbler_ent_chisq{...}, bitbabbler_ent_mean{...}, bitbabbler_ent_pi_error_percent{...},
 *   bitbabbler_ent_autocorrelation{...}, bitbabbler_ent_min_entropy{...}   gauges
 *   bitbabbler_pool_size_bytes, bitbabbler_pool_fill_bytes                      gauges
 *   bitbabbler_pool_added_bytes_total, bitbabbler_pool_read_bytes_total        counters
 *   bitbabbler_sink_state{sink,state}                   gauge, as device_state
 *   bitbabbler_sink_requests_total{sink}, bitbabbler_sink_refusals_total{sink},
 *   bitbabbler_sink_read_bytes_total{sink}, bitbabbler_sink_delivered_bytes_total{sink},
 *   bitbabbler_sink_dropped_bytes_total{sink}           counters
 *   bitbabbler_kernel_crng_ready, bitbabbler_kernel_feed_failed   gauges 0/1 (with -k only)
 *   bitbabbler_kernel_feeds_total, bitbabbler_kernel_fed_bytes_total,
 *   bitbabbler_kernel_entropy_credited_total, bitbabbler_kernel_reseeds_total   counters
 *   bitbabbler_kernel_fed_until_ready_bytes   gauge: bytes fed before the CRNG was ready
 *                                             (no sample until it is)
 *   bitbabbler_kernel_last_reseed_age_seconds   gauge (no sample before the first reseed)
 *
 * States: one series per possible state (sources_state_name(),
 * sink_state_name()), 1 for the current one and 0 for the others, so an
 * alert is `bitbabbler_device_state{state="failed"} == 1` and a state that
 * was never seen still has a series.
 *
 * A device is listed once per serial (the first in sources_get() order:
 * running before departed, newest first), so a scrape never holds two
 * series of one name and labels.
 *
 * Values: counters as exact decimal integers; gauges with %.17g (a double
 * reads back exactly).  Ent series appear only once their term has a result
 * (no result is no series, never NaN); a non-finite value (which the Ent
 * code does not produce for the reported fields) would be written with the
 * format's own spellings NaN, +Inf, -Inf.
 *
 * Label values are escaped as the format says (backslash, double quote and
 * line feed as \\, \" and \n); bytes that are not UTF-8 (a device's serial
 * is whatever its descriptor says) become U+FFFD, since Prometheus rejects
 * a scrape with invalid UTF-8 in a label value. */
#ifndef BB_PROMFMT_H
#define BB_PROMFMT_H

#include <stddef.h>
#include <stdint.h>

#include "kfeed.h"
#include "sources.h"

struct monitors;
struct pool;

/* The content type of the body. */
#define PROMFMT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct promfmt_input {
    const char *version;                   /* build_info's label */
    uint64_t uptime_ms;
    uint64_t now_ms;                       /* evl_now_ms(): ages of kernel->*_ms */
    const struct sources_devstat *devices; /* sources_get() order */
    size_t n_devices;
    const struct monitors *monitors;       /* NULL: no QA series */
    const struct pool *pool;               /* NULL: no pool and sink series */
    const struct kfeed_info *kernel;       /* NULL: no kernel feed (no -k) */
};

/* Renders in into a new NUL-terminated buffer (*out, freed by the caller;
 * *len its length without the NUL).  -ENOMEM. */
int promfmt_render(const struct promfmt_input *in, char **out, size_t *len);

/* s as an escaped label value (without the quotes), in a new string
 * (freed by the caller); NULL: out of memory. */
char *promfmt_escape_label(const char *s);

#endif
