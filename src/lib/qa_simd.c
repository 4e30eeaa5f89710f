/* qa_simd: which vector code the QA testers use.  See qa_simd.h. */
#include "qa_simd.h"

static bool allow_avx2 = true;

void qa_allow_avx2(bool allow)
{
    allow_avx2 = allow;
}

bool qa_use_avx2(void)
{
#if defined(QA_AVX2)
    static int have = -1;
    if (have < 0) {
        __builtin_cpu_init();
        have = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return allow_avx2 && have;
#else
    return false;
#endif
}
