/* qa_check: the QA tests' comparisons of the testers with the reference
 * implementation (qa_ref), field by field, and the fixtures that run a test
 * again on the testers' baseline vector code.  cmocka assertions: for the
 * unit tests only (the benchmark uses qa_ref alone). */
#ifndef BB_QA_CHECK_H
#define BB_QA_CHECK_H

#include "bitruns.h"
#include "ent.h"
#include "fips.h"
#include "qa_ref.h"

/* Two doubles with the same bits. */
void same_double(double a, double b);
/* BitRuns: the totals, the longest run and every run count. */
void same_bitruns(const struct bitruns *br, const struct ref_bitruns *ref);
/* The details of the last FIPS block (monobit, poker, runs, longest run). */
void same_fips_block(const struct fips *f, const struct ref_fips *r);
/* FailRate and PassRuns of every FIPS test, and the BitRuns. */
void same_fips_stats(const struct fips *f, const struct ref_fips *r);
/* Everything an Ent tester reports (spec §7.5, §7.6), and its pending count. */
void same_ent(const struct ent *e, const struct ref_ent *r);

/* Setup and teardown: the testers created in between use their baseline
 * vector code only (no AVX2, qa_simd.h). */
int qa_baseline_simd(void **state);
int qa_default_simd(void **state);

/* A test as it is, and again on the baseline vector code. */
#define BASELINE_TOO(t)                                                                            \
    cmocka_unit_test(t), cmocka_unit_test_setup_teardown(t, qa_baseline_simd, qa_default_simd)

#endif
