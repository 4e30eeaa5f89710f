/* Unit tests for egdproto: every EGD command, whole and cut at every byte,
 * requests back to back, unknown commands, and the reply builders. */
#include "unit.h"

#include <sys/types.h>

#include "egdproto.h"

/* Every proper prefix of buf[0..len) is incomplete, asking for more than
 * it has and no more than the whole. */
static void expect_incomplete_prefixes(const uint8_t *buf, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        struct egd_request r = { .cmd = 99, .size = 77 };
        size_t need = 0;
        assert_int_equal(egd_parse(buf, k, &r, &need, NULL), -EAGAIN);
        assert_true(need > k);
        assert_true(need <= len);
        assert_int_equal(r.cmd, 99);   /* untouched */
        assert_int_equal(r.size, 77);
    }
}

static void expect_req(const uint8_t *buf, size_t len, enum egd_cmd cmd, size_t size,
                       unsigned count)
{
    struct egd_request r;
    const char *why = NULL;
    assert_int_equal(egd_parse(buf, len, &r, NULL, &why), 0);
    assert_int_equal(r.cmd, cmd);
    assert_int_equal(r.size, size);
    assert_int_equal(r.count, count);
    assert_null(why);
}

static void test_avail_and_pid(void **state)
{
    (void)state;
    const uint8_t avail[] = { 0x00 }, pid[] = { 0x04 };
    expect_incomplete_prefixes(avail, 1);
    expect_req(avail, 1, EGD_CMD_AVAIL, 1, 0);
    expect_req(pid, 1, EGD_CMD_PID, 1, 0);
    /* Followed by anything: one byte is the request. */
    const uint8_t two[] = { 0x04, 0xff };
    expect_req(two, 2, EGD_CMD_PID, 1, 0);
}

static void test_reads(void **state)
{
    (void)state;
    for (unsigned cmd = EGD_CMD_READ_NB; cmd <= EGD_CMD_READ_BLOCK; cmd++) {
        const unsigned counts[] = { 0, 1, 64, 254, 255 };
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
            uint8_t b[3] = { (uint8_t)cmd, (uint8_t)counts[i], 0x00 };
            expect_incomplete_prefixes(b, 2);
            expect_req(b, 2, (enum egd_cmd)cmd, 2, counts[i]);
            expect_req(b, 3, (enum egd_cmd)cmd, 2, counts[i]); /* next request not taken */
        }
    }
    /* What QEMU sends: 0x02 0x40. */
    const uint8_t q[] = { 0x02, 0x40 };
    expect_req(q, 2, EGD_CMD_READ_BLOCK, 2, 64);
}

static void test_write(void **state)
{
    (void)state;
    uint8_t b[EGD_MAX_REQUEST + 1];
    memset(b, 0xa5, sizeof(b));
    b[0] = 0x03;
    b[1] = 0x12;
    b[2] = 0x34;
    const unsigned counts[] = { 0, 1, 200, 255 };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        b[3] = (uint8_t)counts[i];
        size_t whole = 4 + counts[i];
        expect_incomplete_prefixes(b, whole);
        struct egd_request r;
        assert_int_equal(egd_parse(b, whole + 1, &r, NULL, NULL), 0);
        assert_int_equal(r.cmd, EGD_CMD_WRITE);
        assert_int_equal(r.size, whole);
        assert_int_equal(r.count, counts[i]);
        assert_int_equal(r.bits, 0x1234);
    }
    assert_int_equal(4 + 255, EGD_MAX_REQUEST);
    /* The header alone asks for the whole request. */
    size_t need = 0;
    b[3] = 10;
    assert_int_equal(egd_parse(b, 4, NULL, &need, NULL), -EAGAIN);
    assert_int_equal(need, 14);
    assert_int_equal(egd_parse(b, 2, NULL, &need, NULL), -EAGAIN);
    assert_int_equal(need, 4);
}

static void test_bad(void **state)
{
    (void)state;
    for (unsigned c = 0x05; c <= 0xff; c++) {
        uint8_t b[2] = { (uint8_t)c, 0x10 };
        struct egd_request r = { .cmd = 99 };
        const char *why = NULL;
        assert_int_equal(egd_parse(b, 1, &r, NULL, &why), -EBADMSG);
        assert_non_null(why);
        assert_int_equal(r.cmd, 99);
        assert_int_equal(egd_parse(b, 2, NULL, NULL, NULL), -EBADMSG);
    }
    size_t need = 0;
    assert_int_equal(egd_parse(NULL, 0, NULL, &need, NULL), -EAGAIN);
    assert_int_equal(need, 1);
}

/* A stream of requests, consumed one after another as a service would. */
static void test_stream(void **state)
{
    (void)state;
    const uint8_t s[] = { 0x02, 0x40, 0x00, 0x01, 0x05, 0x03, 0x00, 0x08, 0x02, 0xaa, 0xbb,
                          0x04, 0x02, 0xff, 0x07 };
    const enum egd_cmd want[] = { EGD_CMD_READ_BLOCK, EGD_CMD_AVAIL, EGD_CMD_READ_NB,
                                  EGD_CMD_WRITE, EGD_CMD_PID, EGD_CMD_READ_BLOCK };
    size_t off = 0, i = 0;
    struct egd_request r;
    while (egd_parse(s + off, sizeof(s) - off, &r, NULL, NULL) == 0) {
        assert_true(i < sizeof(want) / sizeof(want[0]));
        assert_int_equal(r.cmd, want[i]);
        off += r.size;
        i++;
    }
    assert_int_equal(i, 6);
    const char *why = NULL;
    assert_int_equal(egd_parse(s + off, sizeof(s) - off, &r, NULL, &why), -EBADMSG);
    assert_int_equal(off, sizeof(s) - 1);
}

/* --egd-out values. */
static void test_addrs(void **state)
{
    (void)state;
    char why[300], long_path[200];
    const char *good[] = { "unix:/run/x/s", "tcp:127.0.0.1:1", "tcp:[::1]:7000",
                           "unix:/a/b,tcp:localhost:9,unix:/c/d" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(egd_check_addrs(good[i], why, sizeof(why)), 0);
    const struct {
        const char *v, *says;
    } bad[] = {
        { "", "'': expected unix:PATH or tcp:HOST:PORT" },
        { "unix:", "'unix:': expected" },
        { "unix:rel/s", "'unix:rel/s': the path must be an absolute path" },
        { "unix:/s", "'unix:/s': the path must not be directly in '/'" },
        { "unix:/a/", "'unix:/a/': the path must not end in '/'" },
        { "tcp:host", "'tcp:host': expected" },
        { "tcp:host:", "'tcp:host:': expected" },
        { "udp:h:1", "'udp:h:1': expected" },
        { "unix:/a/b,", "'': expected" },
        { "unix:/a/b,,unix:/c/d", "'': expected" },
        { "unix:/a/b,tcp:x", "'tcp:x': expected" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = 0;
        assert_int_equal(egd_check_addrs(bad[i].v, why, sizeof(why)), -EINVAL);
        if (!strstr(why, bad[i].says))
            fail_msg("'%s': '%s' does not say '%s'", bad[i].v, why, bad[i].says);
    }
    /* 107 bytes of path fit sun_path; 108 do not. */
    memset(long_path, 'p', sizeof(long_path));
    memcpy(long_path, "unix:/d/", 8);
    long_path[5 + 107] = 0;
    assert_int_equal(egd_check_addrs(long_path, why, sizeof(why)), 0);
    long_path[5 + 107] = 'p';
    long_path[5 + 108] = 0;
    assert_int_equal(egd_check_addrs(long_path, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "too long"));
    long_path[5 + 150] = 0;
    assert_int_equal(egd_check_addrs(long_path, why, sizeof(why)), -EINVAL);
    assert_non_null(strstr(why, "too long"));
}

static void test_replies(void **state)
{
    (void)state;
    uint8_t out[EGD_NB_REPLY_MAX + 8], data[EGD_MAX_COUNT];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);

    assert_int_equal(egd_reply_avail(0x01020304, out), 4);
    assert_memory_equal(out, "\x01\x02\x03\x04", 4);
    assert_int_equal(egd_reply_avail(UINT64_MAX, out), 4);
    assert_memory_equal(out, "\xff\xff\xff\xff", 4);

    assert_int_equal(egd_reply_nb_header(0), 0);
    assert_int_equal(egd_reply_nb_header(255), 255);
    assert_int_equal(egd_reply_nb_header(256), -EINVAL);

    assert_int_equal(egd_reply_nb(NULL, 0, out, 1), 1);
    assert_int_equal(out[0], 0);
    assert_int_equal(egd_reply_nb(data, 255, out, sizeof(out)), 256);
    assert_int_equal(out[0], 255);
    assert_memory_equal(out + 1, data, 255);
    assert_int_equal(egd_reply_nb(data, 3, out, 3), -ENOSPC);
    assert_int_equal(egd_reply_nb(data, 3, out, 4), 4);
    assert_int_equal(egd_reply_nb(data, 256, out, sizeof(out)), -EINVAL);
    assert_int_equal(egd_reply_nb(NULL, 1, out, sizeof(out)), -EINVAL);

    assert_int_equal(egd_reply_pid(12345, out, sizeof(out)), 6);
    assert_memory_equal(out, "\x05" "12345", 6);
    assert_int_equal(egd_reply_pid(0, out, 2), 2);
    assert_memory_equal(out, "\x01" "0", 2);
    assert_int_equal(egd_reply_pid(12345, out, 5), -ENOSPC);
    assert_int_equal(egd_reply_pid(-1, out, sizeof(out)), -EINVAL);

    assert_string_equal(egd_cmd_name(EGD_CMD_READ_BLOCK), "read");
    assert_string_equal(egd_cmd_name(EGD_CMD_WRITE), "write");
    assert_string_equal(egd_cmd_name((enum egd_cmd)9), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avail_and_pid),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_addrs),
    };
    return unit_run(tests);
}
