/* num: strict number parsing with upstream's suffix conventions (spec §9.0). */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Exponent for a multiplier suffix, 0 when c is not one. */
static unsigned mult_power(char c)
{
    switch (c) {
    case 'k': case 'K': return 1;
    case 'M': return 2;
    case 'G': return 3;
    case 'T': return 4;
    default: return 0;
    }
}

/* Exponent for a divisor suffix (double only), 0 when c is not one. */
static unsigned div_power(char c)
{
    switch (c) {
    case 'm': return 1;
    case 'u': return 2;
    case 'n': return 3;
    case 'p': return 4;
    default: return 0;
    }
}

int num_parse_u64(const char *s, int base, uint64_t *out)
{
    if (!s || !out || (base != 0 && (base < 2 || base > 36)))
        return -EINVAL;
    /* strtoull itself would skip whitespace and take a sign: refuse both.
     * The first character must be a digit of the base (or the 0 of 0x). */
    unsigned char c = (unsigned char)s[0];
    if (!isalnum(c))
        return -EINVAL;

    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, base);
    if (end == s || *end != '\0')
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    if (errno != 0)
        return -EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int num_parse_scaled_u64(const char *s, unsigned scale, uint64_t *out)
{
    if (!s || !out || (scale != 1000 && scale != 1024))
        return -EINVAL;
    if (!is_digit(s[0]))
        return -EINVAL;

    uint64_t v = 0;
    bool overflow = false;
    const char *p = s;
    for (; is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }

    unsigned power = 0;
    if (*p != '\0') {
        power = mult_power(*p);
        if (power == 0)
            return -EINVAL;
        p++;
        if (*p == 'i') {
            scale = 1024;
            p++;
        }
        if (*p != '\0')
            return -EINVAL;
    }
    if (overflow)
        return -ERANGE;
    for (unsigned i = 0; i < power; i++) {
        if (v > UINT64_MAX / scale)
            return -ERANGE;
        v *= scale;
    }
    *out = v;
    return 0;
}

/* Length of the decimal float at s: digits [. digits] [e [+-] digits], at
 * least one mantissa digit; 0 when there is none. */
static size_t float_span(const char *s)
{
    const char *p = s;
    size_t mant = 0;
    while (is_digit(*p)) {
        p++;
        mant++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            p++;
            mant++;
        }
    }
    if (mant == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        const char *q = p + 1;
        if (*q == '+' || *q == '-')
            q++;
        if (is_digit(*q)) {
            while (is_digit(*q))
                q++;
            p = q;
        }
        /* A bare 'e' is left for the suffix check, which rejects it. */
    }
    return (size_t)(p - s);
}

int num_parse_scaled_double(const char *s, double *out)
{
    if (!s || !out)
        return -EINVAL;
    size_t n = float_span(s);
    if (n == 0)
        return -EINVAL;

    const char *p = s + n;
    unsigned mpow = 0, dpow = 0;
    double scale = 1000.0;
    if (*p != '\0') {
        mpow = mult_power(*p);
        dpow = div_power(*p);
        if (mpow == 0 && dpow == 0)
            return -EINVAL;
        p++;
        if (*p == 'i') {
            scale = 1024.0;
            p++;
        }
        if (*p != '\0')
            return -EINVAL;
    }

    /* The syntax was checked above; strtod_l with the C locale only
     * converts, so the process locale cannot change the decimal point. */
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_loc == (locale_t)0)
        return -ENOMEM;
    char *end = NULL;
    double v = strtod_l(s, &end, c_loc);
    freelocale(c_loc);
    if (end != s + n)
        return -EINVAL;

    for (unsigned i = 0; i < mpow; i++)
        v *= scale;
    for (unsigned i = 0; i < dpow; i++)
        v /= scale;
    if (!isfinite(v))
        return -ERANGE;
    if (!(v >= 0.0))
        return -EINVAL;
    *out = v;
    return 0;
}

const char *num_strerror(int r)
{
    switch (r) {
    case -ERANGE: return "too large";
    case -EINVAL: return "not a number";
    case -ENOMEM: return "out of memory";
    default: return "invalid";
    }
}
