/* Fuzz target for the num parsers. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "num.h"

#define SENT 0x5EA5EA5EA5EA5EA5ull

static bool plain_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 256);
    bool bad_start = s[0] == ' ' || s[0] == '+' || s[0] == '-' || s[0] == '\t';

    static const int bases[] = { 0, 2, 8, 10, 16, 36 };
    uint64_t dec = SENT;
    int rc_dec = -1;
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        uint64_t v = SENT;
        int rc = num_parse_u64(s, bases[i], &v);
        FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
        FUZZ_CHECK(rc == 0 || v == SENT);
        FUZZ_CHECK(rc != 0 || !bad_start);
        if (bases[i] == 10) {
            rc_dec = rc;
            dec = v;
            FUZZ_CHECK(rc != 0 || plain_digits(s));
        }
    }

    uint64_t u1000 = SENT, u1024 = SENT;
    int r1000 = num_parse_scaled_u64(s, 1000, &u1000);
    int r1024 = num_parse_scaled_u64(s, 1024, &u1024);
    FUZZ_CHECK(r1000 == 0 || r1000 == -EINVAL || r1000 == -ERANGE);
    FUZZ_CHECK(r1024 == 0 || r1024 == -EINVAL || r1024 == -ERANGE);
    FUZZ_CHECK(r1000 == 0 || u1000 == SENT);
    FUZZ_CHECK(r1024 == 0 || u1024 == SENT);
    FUZZ_CHECK(r1000 != 0 || !bad_start);
    /* Syntax does not depend on the scale. */
    FUZZ_CHECK((r1000 == -EINVAL) == (r1024 == -EINVAL));
    if (r1000 == 0 && r1024 == 0)
        FUZZ_CHECK(u1024 >= u1000);
    /* Without a suffix, scaled parsing is plain decimal parsing. */
    if (plain_digits(s)) {
        FUZZ_CHECK(r1000 == rc_dec && r1024 == rc_dec);
        if (rc_dec == 0)
            FUZZ_CHECK(u1000 == dec && u1024 == dec);
    }

    double d = -1.0;
    int rd = num_parse_scaled_double(s, &d);
    FUZZ_CHECK(rd == 0 || rd == -EINVAL || rd == -ERANGE || rd == -ENOMEM);
    if (rd == 0)
        FUZZ_CHECK(isfinite(d) && d >= 0.0);
    else
        FUZZ_CHECK(d == -1.0);
    FUZZ_CHECK(rd != 0 || !bad_start);
    /* Every integer the scaled parser takes, the double parser takes too,
     * with the same value. */
    if (r1000 == 0) {
        FUZZ_CHECK(rd == 0);
        double want = (double)u1000;
        FUZZ_CHECK(fabs(d - want) <= want * 1e-9);
    }
    free(s);
    return 0;
}
