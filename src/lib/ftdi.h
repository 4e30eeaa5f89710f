/* ftdi: the FT232H/MPSSE protocol as BitBabbler uses it (spec §2), as pure
 * functions: rate arithmetic, command bytes, packet stripping.  No I/O. */
#ifndef BB_FTDI_H
#define BB_FTDI_H

#include <stddef.h>
#include <stdint.h>

#define FTDI_MASTER_CLOCK 30000000u  /* 60 MHz / 2, divide-by-5 off */
#define FTDI_MIN_BITRATE 458u
#define FTDI_DEFAULT_BITRATE 2500000u
#define FTDI_MAX_CHUNK 65536u
#define FTDI_SETUP_LEN 13
#define FTDI_READ_CMD_LEN 4
#define FTDI_LINE_STATUS_OK 0x60    /* THRE | TEMT */
#define FTDI_TIMEOUT_MS 5000

/* Control requests (bmRequestType 0x40 out / 0xC0 in, wIndex 1). */
#define FTDI_REQ_RESET 0x00
#define FTDI_REQ_SET_FLOW 0x02
#define FTDI_REQ_GET_MODEM_STATUS 0x05
#define FTDI_REQ_SET_EVENT_CHAR 0x06
#define FTDI_REQ_SET_ERROR_CHAR 0x07
#define FTDI_REQ_SET_LATENCY 0x09
#define FTDI_REQ_SET_BITMODE 0x0B
#define FTDI_INDEX 1
#define FTDI_FLOW_RTS_CTS_INDEX 0x0101
#define FTDI_BITMODE_RESET 0x0000
#define FTDI_BITMODE_MPSSE 0x0200

/* RealBitrate: 0 -> 2.5 MHz; clamp to [458, 30M]; otherwise round up to the
 * next achievable rate, 30M / (30M / r). */
unsigned ftdi_real_bitrate(unsigned requested);

/* Clock divisor for a realised rate: 30M / rate - 1. */
unsigned ftdi_divisor(unsigned rate);

/* Bytes per read command and per bulk request (spec §2.5):
 * max(maxpacket, min(opt_chunk ? opt_chunk : 65536, pow2_floor((rate/32)/mp*mp))),
 * clamped to max_xfer and rounded up to a multiple of maxpacket.
 * Where rate/32 < maxpacket (upstream's undefined pow2_floor(0)), the
 * result is maxpacket.  max_xfer 0 means no device limit.  The result never
 * exceeds FTDI_MAX_CHUNK (rounded down to whole packets), so it is always a
 * valid read command length.  Returns 0 if maxpacket <= 2. */
size_t ftdi_chunk_size(unsigned rate, unsigned maxpacket, size_t opt_chunk, size_t max_xfer);

/* Latency timer in ms: max(1, min(255, maxpacket*8000/rate + 2)). */
unsigned ftdi_latency_ms(unsigned rate, unsigned maxpacket);

/* The expected modem status byte: 0x32 at high speed (maxpacket 512), 0x31
 * at full speed (maxpacket 64). */
uint8_t ftdi_modem_status(unsigned maxpacket);

/* The 13-byte MPSSE setup: 8A 97 8D 80 VV DD 82 00 00 86 LL HH 85 for the
 * realised rate and generator enable mask (low 4 bits used). */
void ftdi_setup_cmd(uint8_t out[FTDI_SETUP_LEN], unsigned rate, unsigned enable_mask);

/* The read command for len bytes (1..65536): 20 LL HH 87, LL HH = len-1. */
void ftdi_read_cmd(uint8_t out[FTDI_READ_CMD_LEN], size_t len);

/* Strip the 2 status bytes that start every maxpacket-sized packet of one
 * bulk IN transfer of in_len bytes.  Data bytes are appended to out (at most
 * out_cap bytes; -ENOBUFS if they would not fit, with nothing consumed).
 * *out_len receives the number of data bytes.  Every status pair is checked:
 * modem status must equal ftdi_modem_status(maxpacket) (else -EPROTO) and the
 * line status must have no bits outside 0x60 (else -EIO); *line_status gets
 * the last line status seen (unchanged if in_len is 0).  A trailing single
 * byte (a packet cut after its first status byte) is checked as modem status.
 * All status pairs are checked before anything is written: on any error out,
 * *out_len and *line_status are left untouched, and the first bad pair (in
 * transfer order) decides the error.  maxpacket must be > 2 (else -EINVAL).
 * out may equal in (stripping in place: data only ever moves down). */
int ftdi_strip(const uint8_t *in, size_t in_len, unsigned maxpacket, uint8_t *out,
               size_t out_cap, size_t *out_len, uint8_t *line_status);

#endif
