/* Unit tests for ftdi (spec §2.4-2.6). */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftdi.h"

#define MIB ((size_t)1 << 20)

/* Spec §2.5 reference table, maxpacket 512, max_xfer 1 MiB, no opt_chunk. */
static const struct rate_row {
    unsigned requested, rate, div;
    uint8_t ll, hh;
    size_t chunk;
    unsigned latency;
} rows[] = {
    { 458, 458, 65501, 0xDD, 0xFF, 512, 255 },  /* upstream UB: ours is maxpacket */
    { 100000, 100000, 299, 0x2B, 0x01, 2048, 42 },
    { 1000000, 1000000, 29, 0x1D, 0x00, 16384, 6 },
    { 2000000, 2000000, 14, 0x0E, 0x00, 32768, 4 },
    { 2500000, 2500000, 11, 0x0B, 0x00, 65536, 3 },
    { 3000000, 3000000, 9, 0x09, 0x00, 65536, 3 },
    { 5000000, 5000000, 5, 0x05, 0x00, 65536, 2 },
    { 30000000, 30000000, 0, 0x00, 0x00, 65536, 2 },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct rate_row *r = &rows[i];
        unsigned rate = ftdi_real_bitrate(r->requested);
        assert_int_equal(rate, r->rate);
        assert_int_equal(ftdi_divisor(rate), r->div);
        uint8_t cmd[FTDI_SETUP_LEN];
        ftdi_setup_cmd(cmd, rate, 0x0F);
        assert_int_equal(cmd[10], r->ll);
        assert_int_equal(cmd[11], r->hh);
        size_t chunk = ftdi_chunk_size(rate, 512, 0, MIB);
        if (chunk != r->chunk)
            fail_msg("rate %u: chunk %zu want %zu", rate, chunk, r->chunk);
        assert_int_equal(ftdi_latency_ms(rate, 512), r->latency);
    }
}

static void test_real_bitrate(void **state)
{
    (void)state;
    assert_int_equal(ftdi_real_bitrate(0), 2500000);
    assert_int_equal(ftdi_real_bitrate(1), 458);
    assert_int_equal(ftdi_real_bitrate(457), 458);
    assert_int_equal(ftdi_real_bitrate(459), 459);       /* 30M/65359 rounds down to 459 */
    assert_int_equal(ftdi_real_bitrate(29999999), 30000000);
    assert_int_equal(ftdi_real_bitrate(30000001), 30000000);
    assert_int_equal(ftdi_real_bitrate(4294967295u), 30000000);
    /* Rounded up to the next achievable rate. */
    assert_int_equal(ftdi_real_bitrate(2400000), 2500000);   /* 30M/12 */
    assert_int_equal(ftdi_real_bitrate(16000000), 30000000); /* 30M/1 */
    assert_int_equal(ftdi_real_bitrate(14000000), 15000000); /* 30M/2 */
    assert_int_equal(ftdi_real_bitrate(150000), 150000);
    assert_int_equal(ftdi_real_bitrate(7), 458);
    /* Every realised rate is exact: 30M / (div + 1). */
    for (unsigned r = 459; r < 30000000; r = r * 3 / 2 + 1) {
        unsigned rr = ftdi_real_bitrate(r);
        assert_true(rr >= r);
        assert_int_equal(rr, 30000000u / (ftdi_divisor(rr) + 1));
    }
}

static void test_divisor_edges(void **state)
{
    (void)state;
    assert_int_equal(ftdi_divisor(458), 65501);
    assert_int_equal(ftdi_divisor(30000000), 0);
    assert_int_equal(ftdi_divisor(15000000), 1);
    /* Out of range rates are clamped rather than underflowing. */
    assert_int_equal(ftdi_divisor(0), 65501);
    assert_int_equal(ftdi_divisor(60000000), 0);
}

static void test_chunk(void **state)
{
    (void)state;
    /* Same chunk column at full speed. */
    assert_int_equal(ftdi_chunk_size(100000, 64, 0, MIB), 2048);
    assert_int_equal(ftdi_chunk_size(1000000, 64, 0, MIB), 16384);
    assert_int_equal(ftdi_chunk_size(2500000, 64, 0, MIB), 65536);
    assert_int_equal(ftdi_chunk_size(30000000, 64, 0, MIB), 65536);
    /* Below 16 kbps at high speed (upstream UB): maxpacket. */
    assert_int_equal(ftdi_chunk_size(16383, 512, 0, MIB), 512);
    assert_int_equal(ftdi_chunk_size(16384, 512, 0, MIB), 512);
    assert_int_equal(ftdi_chunk_size(458, 64, 0, MIB), 64);
    assert_int_equal(ftdi_chunk_size(40000, 512, 0, MIB), 1024);
    /* --limit-max-xfer: opt_chunk 16384. */
    assert_int_equal(ftdi_chunk_size(2500000, 512, 16384, MIB), 16384);
    assert_int_equal(ftdi_chunk_size(1000000, 512, 16384, MIB), 16384);
    assert_int_equal(ftdi_chunk_size(100000, 512, 16384, MIB), 2048);
    /* Device max transfer 16 KiB. */
    assert_int_equal(ftdi_chunk_size(2500000, 512, 0, 16384), 16384);
    assert_int_equal(ftdi_chunk_size(2500000, 64, 0, 16384), 16384);
    /* Clamped values are rounded up to a whole packet. */
    assert_int_equal(ftdi_chunk_size(2500000, 512, 1000, MIB), 1024);
    assert_int_equal(ftdi_chunk_size(2500000, 512, 0, 1000), 1024);
    assert_int_equal(ftdi_chunk_size(2500000, 512, 100, MIB), 512);
    assert_int_equal(ftdi_chunk_size(2500000, 64, 100, MIB), 128);
    /* Never more than one read command can ask for. */
    assert_int_equal(ftdi_chunk_size(30000000, 512, 1 << 20, MIB), 65536);
    assert_int_equal(ftdi_chunk_size(30000000, 1000, 0, MIB), 65000);
    /* Invalid maxpacket. */
    assert_int_equal(ftdi_chunk_size(2500000, 2, 0, MIB), 0);
    assert_int_equal(ftdi_chunk_size(2500000, 0, 0, MIB), 0);
}

static void test_latency(void **state)
{
    (void)state;
    assert_int_equal(ftdi_latency_ms(2500000, 64), 2);
    assert_int_equal(ftdi_latency_ms(100000, 64), 7);     /* 512000/100000 = 5, +2 */
    assert_int_equal(ftdi_latency_ms(458, 64), 255);      /* 1117 + 2, capped */
    assert_int_equal(ftdi_latency_ms(30000000, 64), 2);
    assert_int_equal(ftdi_latency_ms(16384, 512), 252);   /* 250 + 2 */
    assert_int_equal(ftdi_latency_ms(16000, 512), 255);   /* 256 + 2, capped */
    assert_int_equal(ftdi_latency_ms(0, 512), 255);
    assert_int_equal(ftdi_latency_ms(458, 4000000000u), 255);  /* no overflow */
}

static void test_modem_status(void **state)
{
    (void)state;
    assert_int_equal(ftdi_modem_status(512), 0x32);
    assert_int_equal(ftdi_modem_status(64), 0x31);
}

static void test_setup_cmd(void **state)
{
    (void)state;
    uint8_t cmd[FTDI_SETUP_LEN];
    static const uint8_t want_f[FTDI_SETUP_LEN] = {
        0x8A, 0x97, 0x8D, 0x80, 0x00, 0x0B, 0x82, 0x00, 0x00, 0x86, 0x0B, 0x00, 0x85,
    };
    ftdi_setup_cmd(cmd, 2500000, 0x0F);
    assert_memory_equal(cmd, want_f, FTDI_SETUP_LEN);

    static const uint8_t want_1[FTDI_SETUP_LEN] = {
        0x8A, 0x97, 0x8D, 0x80, 0x00, 0xEB, 0x82, 0x00, 0x00, 0x86, 0xDD, 0xFF, 0x85,
    };
    ftdi_setup_cmd(cmd, 458, 0x01);
    assert_memory_equal(cmd, want_1, FTDI_SETUP_LEN);

    ftdi_setup_cmd(cmd, 2500000, 0x00);
    assert_int_equal(cmd[5], 0xFB);
    ftdi_setup_cmd(cmd, 2500000, 0x0A);
    assert_int_equal(cmd[5], 0x5B);
    /* Only the low 4 bits of the mask are used. */
    ftdi_setup_cmd(cmd, 2500000, 0xFFFFFFF5u);
    assert_int_equal(cmd[5], 0xAB);
    assert_int_equal(cmd[4], 0x00);
}

static void test_read_cmd(void **state)
{
    (void)state;
    uint8_t cmd[FTDI_READ_CMD_LEN];
    ftdi_read_cmd(cmd, 65536);
    assert_memory_equal(cmd, ((uint8_t[]){ 0x20, 0xFF, 0xFF, 0x87 }), 4);
    ftdi_read_cmd(cmd, 1);
    assert_memory_equal(cmd, ((uint8_t[]){ 0x20, 0x00, 0x00, 0x87 }), 4);
    ftdi_read_cmd(cmd, 2048);
    assert_memory_equal(cmd, ((uint8_t[]){ 0x20, 0xFF, 0x07, 0x87 }), 4);
    ftdi_read_cmd(cmd, 300);
    assert_memory_equal(cmd, ((uint8_t[]){ 0x20, 0x2B, 0x01, 0x87 }), 4);
}

/* ---- ftdi_strip ---- */

/* Build a transfer of n data bytes (data[i] = i * 13 + 1) split into packets
 * of mp bytes with the given status pair; returns its length. */
static size_t build(uint8_t *in, size_t n, unsigned mp, uint8_t modem, uint8_t line)
{
    size_t len = 0, d = 0;
    while (d < n) {
        in[len++] = modem;
        in[len++] = line;
        for (size_t k = 0; k < mp - 2 && d < n; k++, d++)
            in[len++] = (uint8_t)(d * 13 + 1);
    }
    return len;
}

static void check_data(const uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (out[i] != (uint8_t)(i * 13 + 1))
            fail_msg("data byte %zu is %02x", i, out[i]);
}

static void test_strip_full(void **state)
{
    (void)state;
    static const struct { unsigned mp; size_t n; } cases[] = {
        { 512, 510 }, { 512, 1020 }, { 512, 2 * 510 + 100 }, { 512, 65536 },
        { 64, 62 }, { 64, 62 * 4 + 1 }, { 64, 16384 }, { 512, 1 },
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        unsigned mp = cases[c].mp;
        size_t n = cases[c].n;
        uint8_t *in = malloc(n * 2 + 16), *out = malloc(n + 16);
        assert_non_null(in);
        assert_non_null(out);
        size_t len = build(in, n, mp, ftdi_modem_status(mp), 0x60);
        memset(out, 0xEE, n + 16);
        size_t got = 0;
        uint8_t ls = 0xFF;
        assert_int_equal(ftdi_strip(in, len, mp, out, n, &got, &ls), 0);
        assert_int_equal(got, n);
        assert_int_equal(ls, 0x60);
        check_data(out, n);
        assert_int_equal(out[n], 0xEE);  /* nothing past the data */
        /* In place (out == in), as the driver strips a transfer in its own
         * buffer. */
        got = 0;
        ls = 0xFF;
        assert_int_equal(ftdi_strip(in, len, mp, in, len, &got, &ls), 0);
        assert_int_equal(got, n);
        assert_int_equal(ls, 0x60);
        check_data(in, n);
        free(in);
        free(out);
    }
}

static void test_strip_status_only(void **state)
{
    (void)state;
    uint8_t out[4] = { 0xEE, 0xEE, 0xEE, 0xEE };
    size_t got = 99;
    uint8_t ls = 0xFF;

    /* 2-byte status-only transfer: 0 data bytes, line status recorded. */
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x32, 0x20 }, 2, 512, out, 4, &got, &ls), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ls, 0x20);
    assert_int_equal(out[0], 0xEE);

    /* Zero capacity is fine when there is no data. */
    got = 99;
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x31, 0x00 }, 2, 64, NULL, 0, &got, &ls), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ls, 0x00);

    /* Empty transfer: line status unchanged. */
    ls = 0x40;
    got = 99;
    assert_int_equal(ftdi_strip(NULL, 0, 512, out, 4, &got, &ls), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ls, 0x40);

    /* 1-byte transfer: checked as modem status, no line status. */
    got = 99;
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x32 }, 1, 512, out, 4, &got, &ls), 0);
    assert_int_equal(got, 0);
    assert_int_equal(ls, 0x40);
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x31 }, 1, 512, out, 4, &got, &ls), -EPROTO);
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x32 }, 1, 64, out, 4, &got, &ls), -EPROTO);

    /* line_status may be NULL. */
    assert_int_equal(ftdi_strip((uint8_t[]){ 0x32, 0x60, 7 }, 3, 512, out, 4, &got, NULL), 0);
    assert_int_equal(got, 1);
    assert_int_equal(out[0], 7);
}

static void test_strip_tail(void **state)
{
    (void)state;
    enum { MP = 64 };
    uint8_t in[3 * MP], out[3 * MP];
    size_t len = build(in, 2 * (MP - 2), MP, 0x31, 0x60);
    assert_int_equal(len, 2 * MP);

    /* A transfer cut after the first status byte of the 3rd packet. */
    in[len] = 0x31;
    size_t got = 0;
    uint8_t ls = 0;
    assert_int_equal(ftdi_strip(in, len + 1, MP, out, sizeof(out), &got, &ls), 0);
    assert_int_equal(got, 2 * (MP - 2));
    check_data(out, got);
    assert_int_equal(ls, 0x60);
    in[len] = 0x32;
    assert_int_equal(ftdi_strip(in, len + 1, MP, out, sizeof(out), &got, &ls), -EPROTO);

    /* Status-only last packet. */
    in[len] = 0x31;
    in[len + 1] = 0x40;
    assert_int_equal(ftdi_strip(in, len + 2, MP, out, sizeof(out), &got, &ls), 0);
    assert_int_equal(got, 2 * (MP - 2));
    assert_int_equal(ls, 0x40);

    /* Short last packet with 1 data byte. */
    in[len + 2] = 0x99;
    assert_int_equal(ftdi_strip(in, len + 3, MP, out, sizeof(out), &got, &ls), 0);
    assert_int_equal(got, 2 * (MP - 2) + 1);
    assert_int_equal(out[got - 1], 0x99);
}

/* Corrupt one byte, expect err and nothing written. */
static void expect_strip_err(unsigned mp, size_t n, size_t pos, uint8_t val, int err)
{
    uint8_t *in = malloc(n * 2 + 16), *out = malloc(n + 16);
    assert_non_null(in);
    assert_non_null(out);
    size_t len = build(in, n, mp, ftdi_modem_status(mp), 0x60);
    assert_true(pos < len);
    in[pos] = val;
    memset(out, 0xEE, n + 16);
    size_t got = 12345;
    uint8_t ls = 0x77;
    int rc = ftdi_strip(in, len, mp, out, n + 16, &got, &ls);
    if (rc != err)
        fail_msg("mp %u n %zu pos %zu val %02x: rc %d want %d", mp, n, pos, val, rc, err);
    assert_int_equal(got, 12345);
    assert_int_equal(ls, 0x77);
    for (size_t i = 0; i < n + 16; i++)
        assert_int_equal(out[i], 0xEE);
    free(in);
    free(out);
}

static void test_strip_malformed(void **state)
{
    (void)state;
    /* Bad modem status in the first, second and last packet. */
    expect_strip_err(512, 3 * 510 + 7, 0, 0x31, -EPROTO);
    expect_strip_err(512, 3 * 510 + 7, 512, 0x30, -EPROTO);
    expect_strip_err(512, 3 * 510 + 7, 3 * 512, 0x00, -EPROTO);
    expect_strip_err(512, 3 * 510, 2 * 512, 0x33, -EPROTO);
    expect_strip_err(64, 100, 0, 0x32, -EPROTO);
    expect_strip_err(64, 100, 64, 0x72, -EPROTO);
    /* Bad line status anywhere. */
    expect_strip_err(512, 3 * 510 + 7, 1, 0x61, -EIO);
    expect_strip_err(512, 3 * 510 + 7, 513, 0x80, -EIO);
    expect_strip_err(512, 3 * 510 + 7, 3 * 512 + 1, 0x02, -EIO);
    expect_strip_err(64, 100, 65, 0x1E, -EIO);
    /* Data bytes that look like status are just data. */
    uint8_t in[6] = { 0x32, 0x60, 0x00, 0xFF, 0x32, 0x61 };
    uint8_t out[4];
    size_t got = 0;
    assert_int_equal(ftdi_strip(in, 6, 512, out, 4, &got, NULL), 0);
    assert_int_equal(got, 4);
    assert_memory_equal(out, in + 2, 4);
    /* The first bad pair decides the error. */
    uint8_t two[130];
    size_t len = build(two, 124, 64, 0x31, 0x60);
    assert_int_equal(len, 128);
    two[1] = 0xFF;
    two[64] = 0x00;
    assert_int_equal(ftdi_strip(two, len, 64, out, 0, &got, NULL), -EIO);
}

static void test_strip_capacity(void **state)
{
    (void)state;
    enum { N = 3 * 510 + 7 };
    uint8_t in[2 * N], out[N + 1];
    size_t len = build(in, N, 512, 0x32, 0x60);
    size_t got = 4242;
    uint8_t ls = 0x11;
    memset(out, 0xEE, sizeof(out));
    assert_int_equal(ftdi_strip(in, len, 512, out, N - 1, &got, &ls), -ENOBUFS);
    assert_int_equal(got, 4242);
    assert_int_equal(ls, 0x11);
    for (size_t i = 0; i < sizeof(out); i++)
        assert_int_equal(out[i], 0xEE);
    assert_int_equal(ftdi_strip(in, len, 512, out, 0, &got, &ls), -ENOBUFS);
    assert_int_equal(ftdi_strip(in, len, 512, out, N, &got, &ls), 0);
    assert_int_equal(got, N);
    check_data(out, N);
    assert_int_equal(out[N], 0xEE);
}

static void test_strip_args(void **state)
{
    (void)state;
    uint8_t in[4] = { 0x32, 0x60, 1, 2 }, out[4];
    size_t got;
    assert_int_equal(ftdi_strip(in, 4, 2, out, 4, &got, NULL), -EINVAL);
    assert_int_equal(ftdi_strip(in, 4, 0, out, 4, &got, NULL), -EINVAL);
    assert_int_equal(ftdi_strip(in, 4, 512, out, 4, NULL, NULL), -EINVAL);
    assert_int_equal(ftdi_strip(NULL, 4, 512, out, 4, &got, NULL), -EINVAL);
    assert_int_equal(ftdi_strip(in, 4, 512, NULL, 4, &got, NULL), -EINVAL);
    /* Smallest legal maxpacket: 1 data byte per packet. */
    uint8_t in3[7] = { 0x32, 0x60, 0xA1, 0x32, 0x20, 0xA2, 0x32 };
    uint8_t ls = 0;
    assert_int_equal(ftdi_strip(in3, 7, 3, out, 4, &got, &ls), 0);
    assert_int_equal(got, 2);
    assert_int_equal(out[0], 0xA1);
    assert_int_equal(out[1], 0xA2);
    assert_int_equal(ls, 0x20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_real_bitrate),
        cmocka_unit_test(test_divisor_edges),
        cmocka_unit_test(test_chunk),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_modem_status),
        cmocka_unit_test(test_setup_cmd),
        cmocka_unit_test(test_read_cmd),
        cmocka_unit_test(test_strip_full),
        cmocka_unit_test(test_strip_status_only),
        cmocka_unit_test(test_strip_tail),
        cmocka_unit_test(test_strip_malformed),
        cmocka_unit_test(test_strip_capacity),
        cmocka_unit_test(test_strip_args),
    };
    return unit_run(tests);
}
