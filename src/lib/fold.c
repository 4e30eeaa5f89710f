/* fold: XOR-folding of raw generator output (spec §3). */
#include "fold.h"

#include <errno.h>
#include <string.h>

int fold_len(size_t len, unsigned folds, size_t *out_len)
{
    if (folds > 16 || len & (((size_t)1 << folds) - 1))
        return -EINVAL;
    *out_len = len >> folds;
    return 0;
}

int fold_bytes(uint8_t *buf, size_t len, unsigned folds, size_t *out_len)
{
    size_t n;
    if (!out_len || (len > 0 && !buf) || fold_len(len, folds, &n) < 0)
        return -EINVAL;
    while (len > n) {
        len /= 2;
        for (size_t i = 0; i < len; i++)
            buf[i] ^= buf[len + i];
    }
    *out_len = n;
    return 0;
}

/* fold_bytes() leaves out[i] = XOR over j of raw[i + j * out_len]. */
void fold_add(uint8_t *out, size_t out_len, size_t raw_off, const uint8_t *data, size_t n)
{
    while (n > 0) {
        size_t pos = raw_off % out_len, k = out_len - pos;
        if (k > n)
            k = n;
        if (raw_off < out_len) {
            memcpy(out + pos, data, k);
        } else {
            for (size_t i = 0; i < k; i++)
                out[pos + i] ^= data[i];
        }
        raw_off += k;
        data += k;
        n -= k;
    }
}
