/* fold: XOR-folding of raw generator output (spec §3). */
#ifndef BB_FOLD_H
#define BB_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* The length of a block of len raw bytes folded `folds` times (len >>
 * folds) into *out_len; -EINVAL unless folds <= 16 and 2^folds divides len. */
int fold_len(size_t len, unsigned folds, size_t *out_len);

/* Fold buf in place `folds` times: each time the second half is XORed into
 * the first half.  len must be divisible by 2^folds (folds <= 16), else
 * -EINVAL.  On success *out_len is len >> folds and the result is at buf[0]. */
int fold_bytes(uint8_t *buf, size_t len, unsigned folds, size_t *out_len);

/* Folding as the raw bytes arrive, without a buffer for the raw block:
 * raw byte r of a block folded down to out_len bytes (out_len = raw length
 * >> folds) lands in out[r % out_len], XORed with what is there if r >=
 * out_len.  Feed the raw block in order: `raw_off` is the offset of data[0]
 * in the raw block.  Once all of it was added, out holds exactly what
 * fold_bytes() leaves at the start of the raw block. */
void fold_add(uint8_t *out, size_t out_len, size_t raw_off, const uint8_t *data, size_t n);

#endif
