/* Unit tests for armed faults (NAME[:ARG]@N) of the fmodel device model:
 * parsing, and that each armed fault is set at exactly its stream position
 * (fmodel.h, FAULTS).  The rest of fmodel is in test_fmodel.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "fmodel.h"

static uint8_t file_data[5000];

static struct fmodel *model(void)
{
    struct fmodel_config cfg = { .serial = "ARM01", .kind = FMODEL_WHITE,
                                 .payload = file_data, .payload_len = sizeof(file_data) };
    static const uint8_t mpsse[8] = { 0x40, 0x0b, 0x00, 0x02, 0x01, 0x00, 0, 0 };
    struct fmodel *m = NULL;

    for (size_t i = 0; i < sizeof(file_data); i++)
        file_data[i] = (uint8_t)(i * 7 + 3);
    assert_int_equal(fmodel_new(&cfg, &m), 0);
    assert_int_equal(fmodel_control(m, mpsse, NULL), 0);
    return m;
}

static void arm(struct fmodel *m, const char *text)
{
    struct fmodel_fault_spec f;
    char err[160];
    assert_int_equal(fmodel_fault_parse(text, &f, err, sizeof(err)), 0);
    assert_int_equal(fmodel_fault_set(m, &f), 0);
}

/* A data-read command for n bytes (1..65536). */
static void read_cmd(struct fmodel *m, size_t n)
{
    uint8_t cmd[3] = { 0x20, (uint8_t)((n - 1) & 0xff), (uint8_t)((n - 1) >> 8) };
    assert_int_equal(fmodel_bulk_out(m, cmd, sizeof(cmd)), 0);
}

/* Collect n payload bytes with bulk IN transfers of 2 packets (no stall
 * expected). */
static void collect(struct fmodel *m, uint8_t *dst, size_t n)
{
    static uint8_t buf[2 * FMODEL_MAXPACKET];
    size_t got = 0, len;

    while (got < n) {
        assert_int_equal(fmodel_bulk_in(m, buf, sizeof(buf), false, &len), 0);
        for (size_t off = 0; off < len; off += FMODEL_MAXPACKET) {
            size_t pkt = len - off < FMODEL_MAXPACKET ? len - off : FMODEL_MAXPACKET;
            assert_true(got + pkt - 2 <= n);
            memcpy(dst + got, buf + off + 2, pkt - 2);
            got += pkt - 2;
        }
    }
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

static void test_parse(void **state)
{
    static const char *const bad[] = { "stall@", "stall@x", "stall@1T", "stall@-1",
        "stall@1125899906842625", "stall@1048577G", "access@0", "@5", "stall:@3", "stall:1@",
        "nope@1", "stuck:1ff@1", "stall@1M@2" };
    struct fmodel_fault_spec f;
    char err[160];
    (void)state;

    assert_int_equal(fmodel_fault_parse("stall", &f, NULL, 0), 0);
    assert_false(f.armed);
    assert_int_equal(fmodel_fault_parse("stall:1@1M", &f, NULL, 0), 0);
    assert_int_equal(f.fault, FMODEL_FAULT_STALL);
    assert_int_equal(f.arg, 1);
    assert_true(f.armed);
    assert_int_equal(f.at, 1048576);
    assert_int_equal(fmodel_fault_parse("status@0", &f, NULL, 0), 0);
    assert_true(f.armed && f.at == 0 && f.arg == 0);
    assert_int_equal(fmodel_fault_parse("stuck:5a@3k", &f, NULL, 0), 0);
    assert_true(f.arg == 0x5a && f.at == 3072);
    assert_int_equal(fmodel_fault_parse("busy@2G", &f, NULL, 0), 0);
    assert_int_equal(f.at, 2ull << 30);
    assert_int_equal(fmodel_fault_parse("timeout@1125899906842624", &f, NULL, 0), 0);
    assert_int_equal(f.at, FMODEL_AT_MAX);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(fmodel_fault_parse(bad[i], &f, err, sizeof(err)), -EINVAL);
        assert_true(err[0] != '\0');
    }
}

/* A data fault starts at exactly byte N of the stream, counted from where
 * the stream was when it was given. */
static void test_data_at_offset(void **state)
{
    struct fmodel *m = model();
    static uint8_t a[4000];
    (void)state;

    arm(m, "stuck:ab@1000");
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_STUCK));
    read_cmd(m, 3000);
    collect(m, a, 3000);
    assert_memory_equal(a, file_data, 1000);
    for (size_t i = 1000; i < 3000; i++)
        assert_int_equal(a[i], 0xab);
    assert_true(has_line(m, "fault stuck set at 1000"));
    fmodel_faults_clear(m);

    arm(m, "stuck:00@100");                          /* the stream is at 3000 */
    read_cmd(m, 1000);
    collect(m, a, 1000);
    assert_memory_equal(a, file_data + 3000, 100);
    assert_int_equal(a[100], 0);
    assert_int_equal(a[999], 0);
    assert_true(has_line(m, "fault stuck set at 3100"));
    fmodel_free(m);
}

/* Several stalls of one kind, each at its offset, each once. */
static void test_stalls_at_offsets(void **state)
{
    struct fmodel *m = model();
    static uint8_t a[2000], b[1024];
    size_t len;
    (void)state;

    arm(m, "stall:1@2000");
    arm(m, "stall:1@1000");
    read_cmd(m, 1500);                               /* bytes 0..1499 */
    collect(m, a, 1020);                             /* one transfer, 2 packets */
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_STALL));
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EPIPE);
    collect(m, a + 1020, 480);
    assert_memory_equal(a, file_data, 1500);
    read_cmd(m, 500);                                /* to 1999: delivered, no stall */
    collect(m, a, 500);
    assert_false(fmodel_fault_active(m, FMODEL_FAULT_STALL));
    read_cmd(m, 500);                                /* the host has 2000 bytes */
    assert_int_equal(fmodel_bulk_in(m, b, sizeof(b), false, &len), -EPIPE);
    collect(m, a, 500);
    read_cmd(m, 500);
    collect(m, a, 500);                              /* none left */
    assert_true(has_line(m, "fault stall set at 1020"));
    assert_true(has_line(m, "fault stall set at 2000"));
    fmodel_free(m);
}

/* Clearing drops armed faults; an armed fault is not active; at most
 * FMODEL_MAX_ARMED wait at once. */
static void test_clear_and_limit(void **state)
{
    struct fmodel *m = model();
    struct fmodel_fault_spec f;
    static uint8_t a[100];
    (void)state;

    arm(m, "stall@10");
    arm(m, "stuck@10");
    fmodel_fault_clear(m, FMODEL_FAULT_STALL);
    read_cmd(m, 100);
    collect(m, a, 100);                              /* no stall */
    assert_int_equal(a[50], 0);                      /* the stuck one stayed */
    fmodel_faults_clear(m);

    for (int i = 0; i < FMODEL_MAX_ARMED; i++)
        arm(m, "excess:1@1G");
    assert_int_equal(fmodel_fault_parse("short@1", &f, NULL, 0), 0);
    assert_int_equal(fmodel_fault_set(m, &f), -ENOSPC);
    fmodel_faults_clear(m);
    assert_int_equal(fmodel_fault_set(m, &f), 0);
    fmodel_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_data_at_offset),
        cmocka_unit_test(test_stalls_at_offsets),
        cmocka_unit_test(test_clear_and_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
