/* Fuzz target for ftdi_strip.
 *
 * Input: byte 0 picks maxpacket, byte 1 the output capacity, byte 2 flags
 * (bit 0: repair every status pair so the data path is reached); the rest
 * is the bulk IN transfer.  The result is checked against a byte-by-byte
 * reference model. */
#include <errno.h>
#include <string.h>

#include "ftdi.h"
#include "fuzz.h"

static unsigned pick_maxpacket(uint8_t b)
{
    switch (b & 3) {
    case 0: return 512;
    case 1: return 64;
    case 2: return 3 + (b >> 2);          /* 3..66 */
    default: return 3 + (b >> 2) * 9u;    /* 3..570 */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned mp = pick_maxpacket(data[0]);
    uint8_t capsel = data[1];
    bool repair = data[2] & 1;
    size_t in_len = size - 3;

    uint8_t *in = malloc(in_len ? in_len : 1);
    FUZZ_CHECK(in != NULL);
    memcpy(in, data + 3, in_len);
    const uint8_t modem = ftdi_modem_status(mp);
    if (repair) {
        for (size_t off = 0; off < in_len; off += mp) {
            in[off] = modem;
            if (off + 1 < in_len)
                in[off + 1] &= FTDI_LINE_STATUS_OK;
        }
    }

    /* Reference model. */
    size_t ref_len = 0;
    int ref_rc = 0;
    bool ref_have_ls = false;
    uint8_t ref_ls = 0;
    for (size_t i = 0; i < in_len && ref_rc == 0; i++) {
        size_t pos = i % mp;
        if (pos == 0 && in[i] != modem)
            ref_rc = -EPROTO;
        else if (pos == 1 && (in[i] & ~FTDI_LINE_STATUS_OK))
            ref_rc = -EIO;
        else if (pos == 1) {
            ref_ls = in[i];
            ref_have_ls = true;
        } else if (pos >= 2)
            ref_len++;
    }
    size_t cap = capsel == 0xFF ? ref_len : (in_len * capsel) / 254;
    if (ref_rc == 0 && ref_len > cap)
        ref_rc = -ENOBUFS;

    /* Exactly cap bytes, so ASan catches any write past out_cap. */
    uint8_t *out = malloc(cap ? cap : 1);
    FUZZ_CHECK(out != NULL);
    memset(out, 0xEE, cap ? cap : 1);
    size_t out_len = (size_t)-1;
    uint8_t ls = 0xFF;
    int rc = ftdi_strip(in, in_len, mp, out, cap, &out_len, &ls);

    FUZZ_CHECK(rc == ref_rc);
    if (rc == 0) {
        FUZZ_CHECK(out_len == ref_len);
        FUZZ_CHECK(out_len <= in_len && out_len <= cap);
        FUZZ_CHECK(ls == (ref_have_ls ? ref_ls : 0xFF));
        size_t k = 0;
        for (size_t i = 0; i < in_len; i++)
            if (i % mp >= 2)
                FUZZ_CHECK(out[k++] == in[i]);
        FUZZ_CHECK(k == out_len);
        if (repair && in_len > 0)
            FUZZ_CHECK(out_len == in_len - 2 * (in_len / mp) -
                                      (in_len % mp >= 2 ? 2 : in_len % mp));
    } else {
        FUZZ_CHECK(out_len == (size_t)-1 && ls == 0xFF);
        for (size_t i = 0; i < cap; i++)
            FUZZ_CHECK(out[i] == 0xEE);
    }
    free(out);
    free(in);
    return 0;
}
