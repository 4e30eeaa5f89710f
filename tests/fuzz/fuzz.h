/* Shared helpers for the fuzz targets: an invariant check that survives
 * NDEBUG and the libFuzzer entry point's prototype. */
#ifndef BB_FUZZ_H
#define BB_FUZZ_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                     \
            abort();                                                            \
        }                                                                       \
    } while (0)

/* Copy at most max bytes of data into a fresh NUL-terminated string (the
 * string ends at the first NUL in data, as a C caller would see it). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size, size_t max)
{
    if (size > max)
        size = max;
    char *s = malloc(size + 1);
    if (!s)
        abort();
    for (size_t i = 0; i < size; i++)
        s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
