/* ctlstats: the QA objects of the control protocol (spec §7.5 STATS and
 * §7.6 RAW) built as json-c trees for ctlproto, and the small builder both
 * use.  Key order exactly as upstream emits it; every double as "%f" text
 * (never nan/inf: see ctlstats_double); counts as integers.
 *
 * Allocation failures are collected in the builder (oom) rather than
 * checked at each call: a failed constructor gives NULL, and adding NULL
 * (or adding to NULL) marks the builder; the caller checks once at the end. */
#ifndef BB_CTLSTATS_H
#define BB_CTLSTATS_H
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct health;

struct ctlstats_build {
    bool oom;
};

/* obj[key] = val (val's reference moves to obj; key is copied). */
void ctlstats_add(struct ctlstats_build *b, json_object *obj, const char *key, json_object *val);
/* arr += val (val's reference moves to arr). */
void ctlstats_push(struct ctlstats_build *b, json_object *arr, json_object *val);

/* A double serialised as printf("%f") text, as upstream prints every double.
 * Not finite (never valid JSON): NaN as 0.000000, +-Inf as +-DBL_MAX (the
 * clamp ent_pi_error() uses), so clients always get a number. */
json_object *ctlstats_double(double d);
/* The value ctlstats_double() prints. */
double ctlstats_finite(double d);

/* STATS object of one monitor (spec §7.5); NULL on allocation failure. */
json_object *ctlstats_stats(struct ctlstats_build *b, const struct health *h);
/* RAW object of one monitor (spec §7.6): only the parts that have results
 * ({} before any). */
json_object *ctlstats_raw(struct ctlstats_build *b, const struct health *h);

#endif
