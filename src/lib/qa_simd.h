/* qa_simd.h: which vector code the QA testers (fips, ent, health) use.
 * Internal.
 *
 * The baseline is SSE2 (every x86-64 CPU has it) or plain C elsewhere.  On
 * x86-64 with GCC or Clang, some loops also have AVX2 versions, compiled for
 * that target only and chosen at run time when the CPU has AVX2 (every x86-64
 * CPU since 2013-2015).  Both give the same results bit for bit; the unit
 * tests run both against the reference. */
#ifndef BB_QA_SIMD_H
#define BB_QA_SIMD_H

#include <stdbool.h>

/* QA_SSE2: the SSE2 code; QA_LE: the loops that read 8 bytes at once on
 * little-endian machines.  BB_QA_PLAIN (a test build) turns all of it off,
 * so that the plain C code is tested too. */
#if defined(__SSE2__) && !defined(BB_QA_PLAIN)
#define QA_SSE2 1
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(BB_QA_PLAIN)
#define QA_LE 1
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(QA_SSE2) && !defined(BB_NO_AVX2)
#define QA_AVX2 1
#define QA_TARGET_AVX2 __attribute__((target("avx2")))
#endif

/* Whether testers created from now on use their AVX2 code. */
bool qa_use_avx2(void);
/* For tests: false makes testers created from now on use the baseline code
 * only; true (the default) lets them use AVX2 when the CPU has it. */
void qa_allow_avx2(bool allow);

#endif
