/* ftdi: the FT232H/MPSSE protocol as BitBabbler uses it (spec §2). */
#include "ftdi.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* MPSSE opcodes used by the setup and read commands. */
#define MPSSE_DIV5_OFF 0x8A
#define MPSSE_ADAPTIVE_OFF 0x97
#define MPSSE_3PHASE_OFF 0x8D
#define MPSSE_SET_LOW 0x80
#define MPSSE_SET_HIGH 0x82
#define MPSSE_SET_DIVISOR 0x86
#define MPSSE_LOOPBACK_OFF 0x85
#define MPSSE_READ_BYTES_PVE_MSB 0x20
#define MPSSE_SEND_IMMEDIATE 0x87

#define LOW_DIR_FIXED 0x0B  /* TCK, DO, CS outputs; DI input */

unsigned ftdi_real_bitrate(unsigned requested)
{
    if (requested == 0)
        requested = FTDI_DEFAULT_BITRATE;
    if (requested >= FTDI_MASTER_CLOCK)
        return FTDI_MASTER_CLOCK;
    if (requested <= FTDI_MIN_BITRATE)
        return FTDI_MIN_BITRATE;
    return FTDI_MASTER_CLOCK / (FTDI_MASTER_CLOCK / requested);
}

unsigned ftdi_divisor(unsigned rate)
{
    if (rate < FTDI_MIN_BITRATE)
        rate = FTDI_MIN_BITRATE;
    if (rate > FTDI_MASTER_CLOCK)
        rate = FTDI_MASTER_CLOCK;
    return FTDI_MASTER_CLOCK / rate - 1;
}

static size_t pow2_floor(size_t v)
{
    if (v == 0)
        return 0;
    size_t p = 1;
    while (p <= v / 2)
        p <<= 1;
    return p;
}

size_t ftdi_chunk_size(unsigned rate, unsigned maxpacket, size_t opt_chunk, size_t max_xfer)
{
    if (maxpacket <= 2)
        return 0;
    size_t mp = maxpacket;
    size_t quarter_sec = (size_t)(rate / 32) / mp * mp;
    size_t cap = opt_chunk ? opt_chunk : FTDI_MAX_CHUNK;
    /* pow2_floor(0) is upstream's UB; it yields 0 here, so max() gives mp. */
    size_t chunk = pow2_floor(quarter_sec);
    if (chunk > cap)
        chunk = cap;
    if (chunk < mp)
        chunk = mp;
    if (max_xfer && chunk > max_xfer)
        chunk = max_xfer;
    chunk = (chunk + mp - 1) / mp * mp;
    /* A read command cannot ask for more than 64 KiB. */
    if (chunk > FTDI_MAX_CHUNK && mp <= FTDI_MAX_CHUNK)
        chunk = FTDI_MAX_CHUNK / mp * mp;
    return chunk;
}

unsigned ftdi_latency_ms(unsigned rate, unsigned maxpacket)
{
    if (rate == 0)
        return 255;
    uint64_t ms = (uint64_t)maxpacket * 8000u / rate + 2;
    if (ms > 255)
        ms = 255;
    return ms < 1 ? 1 : (unsigned)ms;
}

uint8_t ftdi_modem_status(unsigned maxpacket)
{
    return maxpacket == 64 ? 0x31 : 0x32;
}

void ftdi_setup_cmd(uint8_t out[FTDI_SETUP_LEN], unsigned rate, unsigned enable_mask)
{
    unsigned div = ftdi_divisor(rate);
    /* Disabled generators' enable pins become outputs, driven low
     * (disable polarity is always 0). */
    uint8_t dir = (uint8_t)(LOW_DIR_FIXED | ((~enable_mask << 4) & 0xF0));
    const uint8_t cmd[FTDI_SETUP_LEN] = {
        MPSSE_DIV5_OFF, MPSSE_ADAPTIVE_OFF, MPSSE_3PHASE_OFF,
        MPSSE_SET_LOW, 0x00, dir,
        MPSSE_SET_HIGH, 0x00, 0x00,
        MPSSE_SET_DIVISOR, (uint8_t)(div & 0xFF), (uint8_t)((div >> 8) & 0xFF),
        MPSSE_LOOPBACK_OFF,
    };
    memcpy(out, cmd, sizeof(cmd));
}

void ftdi_read_cmd(uint8_t out[FTDI_READ_CMD_LEN], size_t len)
{
    if (len < 1)
        len = 1;
    if (len > FTDI_MAX_CHUNK)
        len = FTDI_MAX_CHUNK;
    size_t n = len - 1;
    out[0] = MPSSE_READ_BYTES_PVE_MSB;
    out[1] = (uint8_t)(n & 0xFF);
    out[2] = (uint8_t)((n >> 8) & 0xFF);
    out[3] = MPSSE_SEND_IMMEDIATE;
}

int ftdi_strip(const uint8_t *in, size_t in_len, unsigned maxpacket, uint8_t *out,
               size_t out_cap, size_t *out_len, uint8_t *line_status)
{
    if (maxpacket <= 2 || !out_len || (in_len > 0 && !in))
        return -EINVAL;

    const size_t mp = maxpacket;
    const uint8_t modem = ftdi_modem_status(maxpacket);
    size_t data = 0;
    bool have_ls = false;
    uint8_t ls = 0;

    /* Validate every status pair first, so that on error nothing is written. */
    for (size_t off = 0; off < in_len; off += mp) {
        size_t plen = in_len - off < mp ? in_len - off : mp;
        if (in[off] != modem)
            return -EPROTO;
        if (plen == 1)
            break;
        if (in[off + 1] & (uint8_t)~FTDI_LINE_STATUS_OK)
            return -EIO;
        ls = in[off + 1];
        have_ls = true;
        data += plen - 2;
    }
    if (data > out_cap)
        return -ENOBUFS;
    if (data > 0 && !out)
        return -EINVAL;

    size_t n = 0;
    for (size_t off = 0; off + 2 < in_len; off += mp) {
        size_t plen = in_len - off < mp ? in_len - off : mp;
        memmove(out + n, in + off + 2, plen - 2); /* out may be in */
        n += plen - 2;
    }
    *out_len = n;
    if (have_ls && line_status)
        *line_status = ls;
    return 0;
}
