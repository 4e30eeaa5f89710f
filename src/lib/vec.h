/* vec: growing a heap array by doubling (shared by the small parsers). */
#ifndef BB_VEC_H
#define BB_VEC_H

#include <errno.h>
#include <stdlib.h>

/* Makes *p (*cap elements of size bytes) hold at least need elements:
 * 0 or -ENOMEM (then *p and *cap are unchanged). */
static inline int vec_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

#endif
