/* splitmix64 bytes for the tests and benchmarks that feed a pool without
 * devices: the same good-looking (FIPS-passing) bytes every run from one
 * seed.  Not entropy. */
#ifndef BB_TEST_SPLITMIX_H
#define BB_TEST_SPLITMIX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void splitmix_fill(uint64_t *state, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t z = (*state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        z ^= z >> 31;
        memcpy(p + i, &z, n - i < 8 ? n - i : 8);
    }
}

#endif
