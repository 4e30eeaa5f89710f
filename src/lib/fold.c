/* fold: XOR-folding of raw generator output (spec §3). */
#include "fold.h"

#include <errno.h>

int fold_bytes(uint8_t *buf, size_t len, unsigned folds, size_t *out_len)
{
    if (!out_len || folds > 16 || (len > 0 && !buf))
        return -EINVAL;
    if (len & (((size_t)1 << folds) - 1))
        return -EINVAL;

    for (unsigned f = 0; f < folds; f++) {
        len /= 2;
        for (size_t i = 0; i < len; i++)
            buf[i] ^= buf[len + i];
    }
    *out_len = len;
    return 0;
}
