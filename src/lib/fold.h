/* fold: XOR-folding of raw generator output (spec §3). */
#ifndef BB_FOLD_H
#define BB_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Fold buf in place `folds` times: each time the second half is XORed into
 * the first half.  len must be divisible by 2^folds (folds <= 16), else
 * -EINVAL.  On success *out_len is len >> folds and the result is at buf[0]. */
int fold_bytes(uint8_t *buf, size_t len, unsigned folds, size_t *out_len);

#endif
