/* Unit tests for fmodel, the transport-independent BitBabbler device model. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmodel.h"

#define SERIAL "GK9VZF"

static uint8_t file_data[3000];

static struct fmodel *new_model(enum fmodel_kind kind, bool payload)
{
    struct fmodel_config cfg = { .serial = SERIAL, .kind = kind };
    struct fmodel *m = NULL;
    if (payload) {
        cfg.payload = file_data;
        cfg.payload_len = sizeof(file_data);
    }
    assert_int_equal(fmodel_new(&cfg, &m), 0);
    assert_non_null(m);
    return m;
}

static int ctrl(struct fmodel *m, uint8_t rt, uint8_t rq, uint16_t val, uint16_t idx,
                uint16_t len, uint8_t *data)
{
    uint8_t setup[8] = { rt, rq, val & 0xff, val >> 8, idx & 0xff, idx >> 8, len & 0xff,
                         len >> 8 };
    return fmodel_control(m, setup, data);
}

static void out(struct fmodel *m, const uint8_t *d, size_t n)
{
    assert_int_equal(fmodel_bulk_out(m, d, n), 0);
}

static struct fmodel *mpsse_model(enum fmodel_kind kind, bool payload, uint8_t dir)
{
    struct fmodel *m = new_model(kind, payload);
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    if (dir) {
        uint8_t gpio[3] = { 0x80, 0x00, dir };
        out(m, gpio, 3);
    }
    return m;
}

/* Ask for n payload bytes (n <= 65536) and collect them, checking framing. */
static void read_payload(struct fmodel *m, uint8_t *dst, size_t n)
{
    uint8_t cmd[4] = { 0x20, (uint8_t)((n - 1) & 0xff), (uint8_t)((n - 1) >> 8), 0x87 };
    static uint8_t buf[65536];
    size_t got = 0;

    out(m, cmd, 4);
    while (got < n) {
        size_t len = 0;
        assert_int_equal(fmodel_bulk_in(m, buf, sizeof(buf), false, &len), 0);
        for (size_t off = 0; off < len; off += FMODEL_MAXPACKET) {
            size_t pkt = len - off < FMODEL_MAXPACKET ? len - off : FMODEL_MAXPACKET;
            assert_true(pkt >= 2);
            assert_int_equal(buf[off], 0x32);
            assert_int_equal(buf[off + 1], 0x60);
            assert_true(got + pkt - 2 <= n);
            memcpy(dst + got, buf + off + 2, pkt - 2);
            got += pkt - 2;
        }
    }
    assert_int_equal(fmodel_queued(m), 0);
}

static bool has_line(const struct fmodel *m, const char *line)
{
    const char *t = fmodel_wire_text(m, NULL);
    size_t n = strlen(line);
    for (const char *p = t; (p = strstr(p, line)) != NULL; p++)
        if ((p == t || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

/* ------------------------------------------------------------ basics */

static void test_new_free(void **state)
{
    struct fmodel_config bad[] = {
        { .serial = NULL },
        { .serial = "" },
        { .serial = "has space" },
        { .serial = "back\\slash" },
        { .serial = "X", .kind = (enum fmodel_kind)7 },
        { .serial = "X", .payload = file_data, .payload_len = 0 },
    };
    struct fmodel *m = (struct fmodel *)1;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(fmodel_new(&bad[i], &m), -EINVAL);
        assert_null(m);
    }
    fmodel_free(NULL);
    m = new_model(FMODEL_WHITE, false);
    assert_string_equal(fmodel_serial(m), SERIAL);
    assert_string_equal(fmodel_product(m), "White RNG");
    assert_int_equal(fmodel_latency_ms(m), 16);
    assert_int_equal(fmodel_enable_mask(m), 0x0f);
    fmodel_free(m);
    m = new_model(FMODEL_BLACK, false);
    assert_string_equal(fmodel_product(m), "Black RNG");
    assert_int_equal(fmodel_enable_mask(m), 0x01);
    fmodel_free(m);
}

static void test_descriptors(void **state)
{
    size_t len;
    const uint8_t *d = fmodel_descriptors(&len);
    (void)state;
    assert_int_equal(len, 50);
    assert_int_equal(d[0], 18);
    assert_int_equal(d[8] | d[9] << 8, 0x0403);
    assert_int_equal(d[10] | d[11] << 8, 0x7840);
    assert_int_equal(d[12] | d[13] << 8, 0x0900);
    assert_int_equal(d[17], 1);                      /* configurations */
    assert_int_equal(d[18 + 5], 1);                  /* bConfigurationValue */
    assert_int_equal(d[27 + 5], 0xff);               /* interface class */
    assert_int_equal(d[36 + 2], 0x81);
    assert_int_equal(d[36 + 4] | d[36 + 5] << 8, 512);
    assert_int_equal(d[43 + 2], 0x02);
}

/* no_serial: iSerialNumber 0, no string 3; the name and generators stay. */
static void test_no_serial(void **state)
{
    struct fmodel_config cfg = { .serial = SERIAL, .no_serial = true, .kind = FMODEL_WHITE };
    struct fmodel *m = NULL;
    size_t len;
    uint8_t b[256];
    (void)state;

    assert_int_equal(fmodel_new(&cfg, &m), 0);
    assert_string_equal(fmodel_serial(m), SERIAL);
    assert_false(fmodel_has_serial(m));
    const uint8_t *d = fmodel_model_descriptors(m, &len);
    assert_int_equal(len, 50);
    assert_int_equal(d[16], 0);                      /* iSerialNumber */
    assert_memory_equal(d, fmodel_descriptors(NULL), 16);
    assert_memory_equal(d + 17, fmodel_descriptors(NULL) + 17, 50 - 17);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0100, 0, 64, b), 18);
    assert_int_equal(b[16], 0);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0303, 0x0409, 255, b), -EPIPE);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0302, 0x0409, 255, b), 2 + 2 * 9);
    fmodel_free(m);

    /* With a serial, the model's descriptors are the shared ones. */
    m = new_model(FMODEL_WHITE, false);
    assert_true(fmodel_has_serial(m));
    assert_memory_equal(fmodel_model_descriptors(m, NULL), fmodel_descriptors(NULL), 50);
    assert_int_equal(fmodel_model_descriptors(m, NULL)[16], 3);
    fmodel_free(m);
}

static void test_control(void **state)
{
    struct fmodel *m = new_model(FMODEL_WHITE, false);
    uint8_t b[256];
    (void)state;

    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0100, 0, 64, b), 18);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0100, 0, 8, b), 8);  /* truncated */
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0200, 0, 255, b), 32);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0300, 0, 255, b), 4);
    assert_int_equal(b[2] | b[3] << 8, 0x0409);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0303, 0x0409, 255, b), 2 + 2 * strlen(SERIAL));
    assert_int_equal(b[1], 3);
    assert_int_equal(b[2], 'G');
    assert_int_equal(b[3], 0);
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0301, 0x0409, 255, b), 2 + 2 * 21);
    assert_int_equal(b[2], 'V');
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0302, 0x0409, 255, b), 2 + 2 * 9);
    assert_int_equal(b[2 + 2 * 6], 'R');
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0304, 0x0409, 255, b), -EPIPE);
    assert_int_equal(ctrl(m, 0xc0, 0x05, 0, 1, 2, b), 2);
    assert_int_equal(b[0], 0x32);
    assert_int_equal(b[1], 0x60);
    assert_int_equal(ctrl(m, 0x40, 0x09, 3, 1, 0, NULL), 0);
    assert_int_equal(fmodel_latency_ms(m), 3);
    assert_int_equal(ctrl(m, 0xc0, 0x0a, 0, 1, 1, b), 1);
    assert_int_equal(b[0], 3);
    assert_int_equal(ctrl(m, 0xc0, 0x90, 0, 1, 2, b), 2);
    assert_int_equal(ctrl(m, 0xc0, 0x77, 0, 1, 2, b), -EPIPE);      /* unknown vendor IN */
    assert_int_equal(ctrl(m, 0x21, 0x01, 0, 0, 0, NULL), -EPIPE);   /* class request */
    assert_int_equal(ctrl(m, 0x40, 0x02, 0, 0x0101, 0, NULL), 0);   /* flow control */
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    assert_true(has_line(m, "ctrl 40 0b 0200 0001 0000"));
    assert_true(has_line(m, "ctrl 80 06 0303 0409 00ff"));
    assert_true(has_line(m, "ctrl 40 02 0000 0101 0000"));
    fmodel_free(m);
}

/* ------------------------------------------------------------ MPSSE */

static void test_mpsse_parse(void **state)
{
    struct fmodel *m = new_model(FMODEL_WHITE, false);
    uint8_t sync[2] = { 0xaa, 0x87 }, b[512];
    size_t len;
    (void)state;

    out(m, sync, 2);                                 /* not MPSSE yet: swallowed */
    assert_int_equal(fmodel_queued(m), 0);
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    out(m, sync, 2);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 4);
    assert_memory_equal(b, ((uint8_t[]){ 0x32, 0x60, 0xfa, 0xaa }), 4);
    assert_int_equal(fmodel_stream_pos(m), 0);       /* echoes consume nothing */

    /* a read command split over three transfers */
    out(m, (uint8_t[]){ 0x20 }, 1);
    out(m, (uint8_t[]){ 0xe7 }, 1);
    assert_int_equal(fmodel_queued(m), 0);
    out(m, (uint8_t[]){ 0x03, 0x87, 0xab }, 3);
    assert_int_equal(fmodel_queued(m), 1000 + 2);    /* + FA AB */
    assert_int_equal(fmodel_stream_pos(m), 1000);

    /* a write command with data split: its data bytes are not opcodes */
    m = (fmodel_free(m), mpsse_model(FMODEL_WHITE, false, 0));
    out(m, (uint8_t[]){ 0x10, 0x03, 0x00, 0xaa }, 4);
    out(m, (uint8_t[]){ 0xab, 0xac, 0xad, 0x81, 0x8a, 0x97, 0x8d, 0x85, 0x87 }, 9);
    assert_int_equal(fmodel_queued(m), 1);           /* only the 0x81 pin byte */
    out(m, (uint8_t[]){ 0x80, 0x00, 0xfb, 0x82, 0x00, 0x00, 0x86, 0x0b, 0x00 }, 9);
    assert_int_equal(fmodel_enable_mask(m), 0);
    out(m, (uint8_t[]){ 0x22, 0x07, 0x4b, 0x00, 0x01, 0x6b, 0x00, 0x01 }, 8);
    assert_int_equal(fmodel_queued(m), 1 + 1 + 1);   /* bit-mode read + TMS read */
    out(m, (uint8_t[]){ 0x00, 0x41, 0xff }, 3);
    assert_int_equal(fmodel_queued(m), 3 + 6);
    assert_true(has_line(m, "out 10 03 00 aa"));
    assert_true(has_line(m, "out 00 41 ff"));
    fmodel_free(m);
}

static void test_packets(void **state)
{
    struct fmodel *m = mpsse_model(FMODEL_WHITE, true, 0);
    static uint8_t b[8192];
    size_t len;
    (void)state;

    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EAGAIN);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), true, &len), 0);
    assert_int_equal(len, 2);                        /* status-only packet */
    assert_memory_equal(b, ((uint8_t[]){ 0x32, 0x60 }), 2);

    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03, 0x87 }, 4);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 1004);
    assert_int_equal(b[512], 0x32);
    assert_int_equal(b[513], 0x60);
    assert_memory_equal(b + 2, file_data, 510);
    assert_memory_equal(b + 514, file_data + 510, 490);
    assert_int_equal(fmodel_payload_sent(m), 1000);

    /* exactly one full packet: a status-only packet ends the transfer */
    out(m, (uint8_t[]){ 0x20, 0xfd, 0x01, 0x87 }, 4);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 514);

    /* buffer full ends the transfer, the rest stays queued */
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03, 0x87 }, 4);
    assert_int_equal(fmodel_bulk_in(m, b, 512, false, &len), 0);
    assert_int_equal(len, 512);
    assert_int_equal(fmodel_queued(m), 490);
    /* a packet that does not fit: babble */
    assert_int_equal(fmodel_bulk_in(m, b, 100, false, &len), -EOVERFLOW);
    assert_int_equal(len, 100);
    assert_int_equal(fmodel_queued(m), 392);
    fmodel_free(m);
}

/* ------------------------------------------------------------ payload model */

static void gen(const struct fmodel_config *cfg, unsigned g, uint64_t pos, uint8_t *o,
                size_t n)
{
    assert_int_equal(fmodel_generator(cfg, g, pos, o, n), 0);
}

static void test_payload_masks(void **state)
{
    struct fmodel_config cfg = { .serial = SERIAL, .kind = FMODEL_WHITE,
                                 .payload = file_data, .payload_len = sizeof(file_data) };
    static uint8_t a[7000], b[7000], g[4][7000];
    struct fmodel *m;
    (void)state;

    /* default mask (no 0x80 yet) and 0x0F: FILE exactly, cycled */
    m = mpsse_model(FMODEL_WHITE, true, 0);
    read_payload(m, a, 7000);
    for (size_t i = 0; i < 7000; i++)
        assert_int_equal(a[i], file_data[i % sizeof(file_data)]);
    fmodel_free(m);
    m = mpsse_model(FMODEL_WHITE, true, 0x0b);
    read_payload(m, a, 1000);
    assert_memory_equal(a, file_data, 1000);
    fmodel_free(m);

    /* mask 0x01: G0 = FILE ^ G1 ^ G2 ^ G3 */
    for (unsigned k = 0; k < 4; k++)
        gen(&cfg, k, 0, g[k], 7000);
    m = mpsse_model(FMODEL_WHITE, true, 0xeb);
    assert_int_equal(fmodel_enable_mask(m), 0x01);
    read_payload(m, a, 7000);
    for (size_t i = 0; i < 7000; i++) {
        assert_int_equal(a[i], file_data[i % sizeof(file_data)] ^ g[1][i] ^ g[2][i] ^ g[3][i]);
        assert_int_equal(a[i], g[0][i]);
    }
    fmodel_free(m);
    /* mask 0x0E is the complement: XOR with mask 0x01 gives FILE */
    m = mpsse_model(FMODEL_WHITE, true, 0x1b);
    read_payload(m, b, 7000);
    for (size_t i = 0; i < 7000; i++)
        assert_int_equal(a[i] ^ b[i], file_data[i % sizeof(file_data)]);
    fmodel_free(m);
    /* mask 0: zeros */
    m = mpsse_model(FMODEL_WHITE, true, 0xfb);
    read_payload(m, a, 3000);
    for (size_t i = 0; i < 3000; i++)
        assert_int_equal(a[i], 0);
    fmodel_free(m);

    /* generators are independent of each other and of the payload */
    gen(&cfg, 1, 5, b, 100);
    assert_memory_equal(b, g[1] + 5, 100);
    assert_memory_not_equal(g[1], g[2], 64);
    assert_int_equal(fmodel_generator(&cfg, 4, 0, b, 1), -EINVAL);
}

/* fmodel_output() predicts what a model clocks out for any mask, from any
 * position: the XOR of the enabled generators. */
static void test_output(void **state)
{
    struct fmodel_config cfg = { .serial = SERIAL, .kind = FMODEL_WHITE };
    static uint8_t a[9000], b[9000], g[4][9000];
    static const uint8_t dirs[] = { 0x0b, 0xeb, 0x1b, 0x6b };   /* masks f, 1, e, 9 */
    static const unsigned masks[] = { 0x0f, 0x01, 0x0e, 0x09 };
    (void)state;

    for (unsigned k = 0; k < 4; k++)
        assert_int_equal(fmodel_generator(&cfg, k, 0, g[k], sizeof(g[k])), 0);
    assert_int_equal(fmodel_output(&cfg, 0x0f, 0, a, sizeof(a)), 0);
    for (size_t i = 0; i < sizeof(a); i++)
        assert_int_equal(a[i], g[0][i] ^ g[1][i] ^ g[2][i] ^ g[3][i]);
    assert_int_equal(fmodel_output(&cfg, 0x0f, 1234, b, 100), 0);
    assert_memory_equal(b, a + 1234, 100);
    for (unsigned k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
        struct fmodel *m = mpsse_model(FMODEL_WHITE, false, dirs[k]);
        read_payload(m, a, 9000);
        assert_int_equal(fmodel_output(&cfg, masks[k], 0, b, 9000), 0);
        assert_memory_equal(a, b, 9000);
        fmodel_free(m);
    }
    /* with a payload file and the default mask: the file */
    cfg.payload = file_data;
    cfg.payload_len = sizeof(file_data);
    assert_int_equal(fmodel_output(&cfg, 0x0f, 10, a, 100), 0);
    assert_memory_equal(a, file_data + 10, 100);
    assert_int_equal(fmodel_output(&cfg, 0x10, 0, a, 1), -EINVAL);
    cfg.serial = "";
    assert_int_equal(fmodel_output(&cfg, 0x0f, 0, a, 1), -EINVAL);
}

static void test_payload_default_and_black(void **state)
{
    struct fmodel_config white = { .serial = SERIAL, .kind = FMODEL_WHITE };
    struct fmodel_config black = { .serial = SERIAL, .kind = FMODEL_BLACK,
                                   .payload = file_data, .payload_len = sizeof(file_data) };
    static uint8_t a[5000], g[4][5000];
    struct fmodel *m;
    (void)state;

    for (unsigned k = 0; k < 4; k++)
        gen(&white, k, 0, g[k], 5000);
    m = mpsse_model(FMODEL_WHITE, false, 0x0b);
    read_payload(m, a, 5000);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(a[i], g[0][i] ^ g[1][i] ^ g[2][i] ^ g[3][i]);
    fmodel_free(m);
    m = mpsse_model(FMODEL_WHITE, false, 0xbb);      /* mask 0x04: G2 */
    read_payload(m, a, 5000);
    assert_memory_equal(a, g[2], 5000);
    fmodel_free(m);

    /* Black: G0 only, G0 = FILE */
    m = mpsse_model(FMODEL_BLACK, true, 0xeb);
    read_payload(m, a, 5000);
    for (size_t i = 0; i < 5000; i++)
        assert_int_equal(a[i], file_data[i % sizeof(file_data)]);
    fmodel_free(m);
    m = mpsse_model(FMODEL_BLACK, true, 0x1b);       /* G0 disabled */
    read_payload(m, a, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(a[i], 0);
    fmodel_free(m);
    assert_int_equal(fmodel_generator(&black, 1, 0, a, 1), -EINVAL);
}

/* Known answers for the documented default generators (fmodel.h, PAYLOAD
 * MODEL), computed outside this code base from that description alone:
 * seed = splitmix64 finaliser of fnv1a64(serial) ^ (g + 1) * golden ratio,
 * xorshift64 13/7/17, each new state as 8 little-endian bytes. */
static void test_payload_default_known_answers(void **state)
{
    static const uint8_t gk9vzf[4][16] = {
        { 0x5c, 0x86, 0x89, 0x7d, 0x09, 0xce, 0x00, 0xd2,
          0x50, 0x82, 0x78, 0x39, 0xca, 0x19, 0xa0, 0x0e },
        { 0xeb, 0x10, 0x1a, 0xf7, 0x1d, 0xe9, 0x6e, 0xeb,
          0x0a, 0x7e, 0x79, 0xb4, 0x8b, 0x5d, 0x83, 0xac },
        { 0x52, 0x4f, 0xd3, 0xde, 0x4a, 0x07, 0xe1, 0x35,
          0x4c, 0x7d, 0xcf, 0x6c, 0x87, 0x60, 0x71, 0x8d },
        { 0xa7, 0x8c, 0x36, 0x75, 0x33, 0x07, 0x12, 0x4c,
          0x7e, 0x28, 0x17, 0xdf, 0x90, 0x9e, 0x60, 0x0e },
    };
    /* Mask 0x0F without a payload file: G0 ^ G1 ^ G2 ^ G3. */
    static const uint8_t gk9vzf_all[16] = { 0x42, 0x55, 0x76, 0x21, 0x6d, 0x27, 0x9d, 0x40,
                                            0x68, 0xa9, 0xd9, 0x3e, 0x56, 0xba, 0x32, 0x21 };
    static const uint8_t gk9vzf_all_4990[10] = { 0xda, 0x7b, 0xf9, 0x19, 0x59,
                                                 0x7c, 0x41, 0x1f, 0x2c, 0x32 };
    static const uint8_t gth4r8_all[16] = { 0x5b, 0x0d, 0x30, 0xc9, 0xba, 0xd2, 0xe0, 0x2b,
                                            0x81, 0x5b, 0x08, 0x46, 0x9f, 0x06, 0xc3, 0xf8 };
    static const uint8_t gth4r8_g0[16] = { 0x93, 0x4f, 0x95, 0x28, 0x7a, 0x32, 0xdc, 0xbe,
                                           0xcc, 0xe1, 0xfd, 0x93, 0x4d, 0xf1, 0xee, 0x9b };
    struct fmodel_config a = { .serial = "GK9VZF", .kind = FMODEL_WHITE };
    struct fmodel_config b = { .serial = "GTH4R8", .kind = FMODEL_WHITE };
    struct fmodel *m;
    static uint8_t x[5000], y[5000];
    uint8_t g[16];
    (void)state;

    for (unsigned k = 0; k < 4; k++) {
        gen(&a, k, 0, g, 16);
        assert_memory_equal(g, gk9vzf[k], 16);
        gen(&a, k, 8, g, 8);                         /* from a word boundary */
        assert_memory_equal(g, gk9vzf[k] + 8, 8);
        gen(&a, k, 3, g, 10);                        /* across one */
        assert_memory_equal(g, gk9vzf[k] + 3, 10);
    }
    gen(&b, 0, 0, g, 16);
    assert_memory_equal(g, gth4r8_g0, 16);

    /* What the device clocks out by default (mask 0x0F, `80 00 0B`). */
    m = mpsse_model(FMODEL_WHITE, false, 0x0b);
    read_payload(m, x, 5000);
    fmodel_free(m);
    assert_memory_equal(x, gk9vzf_all, 16);
    assert_memory_equal(x + 4990, gk9vzf_all_4990, 10);

    /* Another serial gives another stream: not equal, and no more bytes in
     * common than chance (1 in 256, so ~20 of 5000; 60 is far out). */
    struct fmodel *mb = NULL;
    assert_int_equal(fmodel_new(&b, &mb), 0);
    uint8_t setup[8] = { 0x40, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00 };
    uint8_t gpio[3] = { 0x80, 0x00, 0x0b };
    assert_int_equal(fmodel_control(mb, setup, NULL), 0);
    out(mb, gpio, 3);
    read_payload(mb, y, 5000);
    fmodel_free(mb);
    assert_memory_equal(y, gth4r8_all, 16);
    size_t same = 0;
    for (size_t i = 0; i < 5000; i++)
        same += x[i] == y[i];
    assert_true(same < 60);
    for (unsigned k = 0; k < 4; k++) {
        gen(&a, k, 0, x, 5000);
        gen(&b, k, 0, y, 5000);
        same = 0;
        for (size_t i = 0; i < 5000; i++)
            same += x[i] == y[i];
        assert_true(same < 60);
    }
}

static void test_stream_persists(void **state)
{
    struct fmodel *m = mpsse_model(FMODEL_WHITE, true, 0);
    static uint8_t a[4000];
    uint8_t b[64];
    size_t len;
    (void)state;

    read_payload(m, a, 1000);
    fmodel_reset(m);
    assert_true(has_line(m, "reset"));
    assert_int_equal(fmodel_latency_ms(m), 16);
    out(m, (uint8_t[]){ 0x20, 0x00, 0x00 }, 3);      /* not MPSSE after reset */
    assert_int_equal(fmodel_queued(m), 0);
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    out(m, (uint8_t[]){ 0xaa, 0xab, 0x87 }, 3);       /* echoes only */
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 6);
    assert_int_equal(ctrl(m, 0x40, 0x00, 0, 1, 0, NULL), 0);   /* SIO reset: purge */
    fmodel_power_cycle(m);
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    read_payload(m, a + 1000, 3000);
    for (size_t i = 0; i < 4000; i++)
        assert_int_equal(a[i], file_data[i % sizeof(file_data)]);
    assert_int_equal(fmodel_stream_pos(m), 4000);
    fmodel_free(m);
}

/* ------------------------------------------------------------ faults */

static void set_fault(struct fmodel *m, const char *text)
{
    struct fmodel_fault_spec f;
    char err[128];
    assert_int_equal(fmodel_fault_parse(text, &f, err, sizeof(err)), 0);
    fmodel_fault_set(m, &f);
}

static void test_fault_parse(void **state)
{
    static const char *const good[] = { "stuck", "stuck:ab", "stuck:0xFF", "bias:0",
        "bias:100", "repeat:2", "status:31", "stall", "stall:3", "timeout", "timeout:4096",
        "short", "short:510", "excess", "excess:1", "unplug:0", "busy", "access", "ctrlstall",
        "ctrlstall:0", "ctrlstall:3" };
    static const char *const badf[] = { "", "nope", "stuck:100", "stuck:", "bias:101",
        "bias:-1", "repeat:0", "short:0", "short:511", "unplug", "busy:1", "access:x",
        "stall:1x", "timeout: 5", "stuckx", "ctrlstall:x", "ctrlstall:-1" };
    struct fmodel_fault_spec f;
    char err[128];
    (void)state;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(fmodel_fault_parse(good[i], &f, err, sizeof(err)), 0);
    for (size_t i = 0; i < sizeof(badf) / sizeof(badf[0]); i++) {
        err[0] = '\0';
        assert_int_equal(fmodel_fault_parse(badf[i], &f, err, sizeof(err)), -EINVAL);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(fmodel_fault_parse("stall", &f, NULL, 0), 0);
    assert_int_equal(f.fault, FMODEL_FAULT_STALL);
    assert_int_equal(f.arg, FMODEL_UNLIMITED);
    assert_int_equal(fmodel_fault_parse("stuck:ab", &f, NULL, 0), 0);
    assert_int_equal(f.arg, 0xab);
    assert_int_equal(fmodel_fault_parse("bias", &f, NULL, 0), 0);
    assert_int_equal(f.arg, 60);
    assert_int_equal(fmodel_fault_parse("short", &f, NULL, 0), 0);
    assert_int_equal(f.arg, 100);
    assert_int_equal(fmodel_fault_parse("repeat", &f, NULL, 0), 0);
    assert_int_equal(f.arg, 100);
    assert_string_equal(fmodel_fault_name(FMODEL_FAULT_UNPLUG), "unplug");
    assert_int_equal(fmodel_fault_parse("ctrlstall", &f, NULL, 0), 0);
    assert_int_equal(f.fault, FMODEL_FAULT_CTRLSTALL);
    assert_int_equal(f.arg, FMODEL_UNLIMITED);
    assert_string_equal(fmodel_fault_name(FMODEL_FAULT_CTRLSTALL), "ctrlstall");
}

static void test_fault_data(void **state)
{
    struct fmodel *m = mpsse_model(FMODEL_WHITE, true, 0);
    static uint8_t a[20000];
    unsigned ones = 0;
    (void)state;

    set_fault(m, "stuck:ab");
    read_payload(m, a, 1000);
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(a[i], 0xab);
    fmodel_faults_clear(m);
    read_payload(m, a, 1000);                        /* the stream went on */
    assert_memory_equal(a, file_data + 1000, 1000);

    set_fault(m, "bias:0");
    read_payload(m, a, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(a[i], 0);
    set_fault(m, "bias:100");
    read_payload(m, a, 100);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(a[i], 0xff);
    set_fault(m, "bias");
    read_payload(m, a, 20000);
    for (size_t i = 0; i < 20000; i++)
        ones += (unsigned)__builtin_popcount(a[i]);
    assert_in_range(ones, 160000 * 58 / 100, 160000 * 62 / 100);
    fmodel_fault_clear(m, FMODEL_FAULT_BIAS);
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_BIAS));
    fmodel_free(m);

    m = mpsse_model(FMODEL_WHITE, true, 0);
    set_fault(m, "repeat:4");
    read_payload(m, a, 64);
    for (size_t w = 0; w < 16; w++) {
        const uint8_t *src = w % 4 == 3 ? a + 4 * (w - 1) : file_data + 4 * w;
        assert_memory_equal(a + 4 * w, src, 4);
    }
    fmodel_free(m);
}

static void test_fault_transport(void **state)
{
    struct fmodel *m = mpsse_model(FMODEL_WHITE, true, 0);
    static uint8_t a[4096], b[4096];
    size_t len;
    (void)state;

    set_fault(m, "status:31");
    out(m, (uint8_t[]){ 0x20, 0x09, 0x00 }, 3);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 12);
    assert_int_equal(b[0], 0x31);
    assert_int_equal(b[1], 0x60);
    fmodel_faults_clear(m);

    set_fault(m, "stall:2");
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EPIPE);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EPIPE);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), true, &len), 0);
    assert_int_equal(len, 2);
    assert_true(has_line(m, "stall"));
    set_fault(m, "stall");
    for (int i = 0; i < 5; i++)
        assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), true, &len), -EPIPE);
    fmodel_faults_clear(m);

    /* ctrlstall: vendor requests stall (IN and OUT), standard ones do not */
    set_fault(m, "ctrlstall:2");
    assert_int_equal(ctrl(m, 0x80, 0x06, 0x0100, 0, 18, b), 18);
    assert_int_equal(ctrl(m, 0x40, 0x00, 0, 1, 0, NULL), -EPIPE);
    assert_int_equal(ctrl(m, 0xc0, 0x05, 0, 1, 2, b), -EPIPE);
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_CTRLSTALL));
    assert_int_equal(ctrl(m, 0xc0, 0x05, 0, 1, 2, b), 2);
    assert_true(has_line(m, "ctrlstall"));
    set_fault(m, "ctrlstall");
    for (int i = 0; i < 5; i++)
        assert_int_equal(ctrl(m, 0x40, 0x09, 3, 1, 0, NULL), -EPIPE);
    assert_int_equal(fmodel_latency_ms(m), 16);     /* a stalled request has no effect */
    set_fault(m, "ctrlstall:0");
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_CTRLSTALL));
    fmodel_faults_clear(m);

    set_fault(m, "short:100");
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03 }, 3);
    size_t got = 0;
    while (got < 1000) {
        assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
        assert_true(len <= 102);
        memcpy(a + got, b + 2, len - 2);
        got += len - 2;
    }
    assert_memory_equal(a, file_data + 10, 1000);
    fmodel_faults_clear(m);

    set_fault(m, "excess:1");
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03 }, 3);
    assert_int_equal(fmodel_queued(m), 1016);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 1016 + 4);
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03 }, 3);
    assert_int_equal(fmodel_queued(m), 1000);
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_EXCESS));
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_memory_equal(b + 2, file_data + 10 + 1000 + 1016, 510);
    fmodel_free(m);
}

static void test_fault_timeout_unplug(void **state)
{
    struct fmodel *m = mpsse_model(FMODEL_WHITE, true, 0);
    static uint8_t b[4096];
    size_t len;
    (void)state;

    struct fmodel *fresh = mpsse_model(FMODEL_WHITE, true, 0);
    set_fault(fresh, "timeout");
    out(fresh, (uint8_t[]){ 0x20, 0xff, 0xff, 0x87 }, 4);
    assert_int_equal(fmodel_queued(fresh), 0);
    fmodel_free(fresh);

    set_fault(m, "timeout:100");
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03, 0x87 }, 4);
    assert_int_equal(fmodel_queued(m), 100);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 102);
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03, 0xaa, 0x87 }, 5);
    assert_int_equal(fmodel_queued(m), 2);           /* only the echo */
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 4);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EAGAIN);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), true, &len), 0);
    assert_int_equal(len, 2);
    fmodel_faults_clear(m);

    set_fault(m, "unplug:600");
    assert_false(fmodel_take_unplug(m));
    out(m, (uint8_t[]){ 0x20, 0xe7, 0x03 }, 3);
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), 0);
    assert_int_equal(len, 512 + 92);                 /* 510 + 90 payload bytes */
    assert_true(fmodel_take_unplug(m));
    assert_false(fmodel_take_unplug(m));
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_UNPLUG));
    assert_memory_equal(b + 2, file_data + 100, 510);
    assert_int_equal(fmodel_queued(m), 400);

    set_fault(m, "busy");
    set_fault(m, "access");
    assert_true(fmodel_fault_active(m, FMODEL_FAULT_BUSY));
    assert_true(fmodel_fault_active(m, FMODEL_FAULT_ACCESS));
    fmodel_faults_clear(m);
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_BUSY));
    fmodel_free(m);
}

/* ------------------------------------------------------------ wire log */

static int sink_lines;

static void sink(const char *line, void *user)
{
    (void)user;
    assert_null(strchr(line, '\n'));
    sink_lines++;
}

static void test_wire_log(void **state)
{
    struct fmodel *m = new_model(FMODEL_WHITE, false);
    char path[] = "/tmp/test_fmodel.XXXXXX", file[64], buf[1024];
    size_t len;
    (void)state;

    fmodel_wire_sink(m, sink, NULL);
    fmodel_wire_event(m, "plug bus=%u dev=%u port=%s", 3, 6, "2");
    assert_int_equal(ctrl(m, 0x40, 0x0b, 0x0200, 1, 0, NULL), 0);
    out(m, (uint8_t[]){ 0x8a, 0x97, 0x8d, 0x80, 0x00, 0x0b, 0x82, 0x00, 0x00, 0x86, 0x0b,
                        0x00, 0x85 }, 13);
    fmodel_wire_event(m, "claim");
    const char *want = "plug bus=3 dev=6 port=2\n"
                       "ctrl 40 0b 0200 0001 0000\n"
                       "out 8a 97 8d 80 00 0b 82 00 00 86 0b 00 85\n"
                       "claim\n";
    assert_string_equal(fmodel_wire_text(m, &len), want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(sink_lines, 4);

    assert_non_null(mkdtemp(path));
    snprintf(file, sizeof(file), "%s/w", path);
    assert_int_equal(fmodel_wire_dump(m, file), 0);
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    len = fread(buf, 1, sizeof(buf) - 1, f);
    buf[len] = '\0';
    fclose(f);
    assert_string_equal(buf, want);
    unlink(file);
    rmdir(path);
    assert_int_equal(fmodel_wire_dump(m, "/nonexistent/dir/w"), -ENOENT);

    fmodel_wire_clear(m);
    assert_string_equal(fmodel_wire_text(m, NULL), "");
    fmodel_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_no_serial),
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_mpsse_parse),
        cmocka_unit_test(test_packets),
        cmocka_unit_test(test_payload_masks),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_payload_default_and_black),
        cmocka_unit_test(test_payload_default_known_answers),
        cmocka_unit_test(test_stream_persists),
        cmocka_unit_test(test_fault_parse),
        cmocka_unit_test(test_fault_data),
        cmocka_unit_test(test_fault_transport),
        cmocka_unit_test(test_fault_timeout_unplug),
        cmocka_unit_test(test_wire_log),
    };
    for (size_t i = 0; i < sizeof(file_data); i++)
        file_data[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
    return unit_run(tests);
}
