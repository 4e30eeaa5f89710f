/* Unit tests for the device gate (health_gate(), both modes): the bytes it
 * emits equal, byte for byte and in order, what the independent reference
 * model ref_gate() (qa_ref.c: a per-byte rule over the reference monitor's
 * verdicts and each FIPS block's own result) predicts, for streams with
 * faults at every position class (at stream start, inside one FIPS block,
 * across two FIPS blocks, across a buffer boundary, during recovery) and
 * buffers larger than, equal to and smaller than a FIPS block.  Direct
 * checks besides the model: exactly the failing 2500-byte block is cut out of
 * a good buffer; the carry that straddles a buffer boundary is held, not
 * leaked; BytesPassed and the per-call verdict add up. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "qa_check.h"
#include "qa_ref.h"

#define LEN (4 * 1024 * 1024)

struct sink {
    uint8_t *buf;
    size_t len, calls;
    unsigned falls, rises; /* verdict changes after the first ok */
};

static void emit(void *ud, const uint8_t *p, size_t n)
{
    struct sink *s = ud;
    assert_true(n > 0);
    assert_true(s->len + n <= LEN);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->calls++;
}

/* Runs the stream through a monitor in `block`-byte calls; checks the
 * per-call sums; returns the emitted stream in s. */
static void run_gate(const uint8_t *stream, size_t len, size_t block, enum health_gate_mode mode,
                     struct sink *s)
{
    struct health *h;
    uint64_t passed = 0, dropped = 0;
    assert_int_equal(health_new("dev", true, &h), 0);
    s->len = s->calls = 0;
    s->falls = s->rises = 0;
    bool was = false, seen_ok = false;
    for (size_t off = 0; off + block <= len; off += block) {
        struct health_verdict v;
        size_t before = s->len;
        bool ok = health_gate(h, mode, stream + off, block, emit, s, &v);
        assert_int_equal(ok, v.ok);
        s->falls += seen_ok && was && !ok;
        s->rises += seen_ok && !was && ok;
        seen_ok |= ok;
        was = ok;
        assert_int_equal(v.passed, s->len - before);
        if (mode == HEALTH_GATE_UPSTREAM)
            assert_int_equal(v.passed + v.dropped, block);
        passed += v.passed;
        dropped += v.dropped;
    }
    assert_int_equal(health_bytes_passed(h), passed);
    assert_int_equal(s->len, passed);
    if (mode == HEALTH_GATE_EXACT) /* every decided byte is passed or dropped */
        assert_int_equal(passed + dropped, len / block * block / 2500 * 2500);
    health_free(h);
}

/* The gate's output, checked against the model's; returned in s. */
static void same_as_model(const uint8_t *stream, size_t block, enum health_gate_mode mode,
                          struct sink *s)
{
    uint8_t *exp = malloc(LEN);
    assert_non_null(exp);
    run_gate(stream, LEN, block, mode, s);
    size_t n = ref_gate(stream, LEN, block, mode == HEALTH_GATE_EXACT, true, exp);
    print_message("  %s gate: %zu bytes out\n", mode == HEALTH_GATE_EXACT ? "exact" : "upstream",
                  n);
    if (s->len != n)
        fail_msg("block %zu, %s gate: %zu bytes passed, the model says %zu", block,
                 mode == HEALTH_GATE_EXACT ? "exact" : "upstream", s->len, n);
    assert_memory_equal(s->buf, exp, n);
    free(exp);
}

static uint8_t *random_stream(uint64_t seed)
{
    uint8_t *p = malloc(LEN);
    assert_non_null(p);
    ref_random(&seed, p, LEN);
    return p;
}

/* A 32-bit word at `at` repeats the one before it: a Repetition failure
 * that Ent8 cannot see. */
static void repeat_word(uint8_t *p, size_t at)
{
    memcpy(p + at, p + at - 4, 4);
}

/* Clears the low bit of n bytes at `at`: the FIPS blocks there fail
 * Monobit (and maybe Poker or Runs), and Ent8 hardly notices. */
static void weaken(uint8_t *p, size_t at, size_t n)
{
    for (size_t i = at; i < at + n; i++)
        p[i] &= 0xfe;
}

enum fault { AT_START, IN_BLOCK, ACROSS_BLOCKS, ACROSS_BUFFER, IN_RECOVERY, NFAULTS };
static const char *const fault_name[] = { "at stream start", "inside one FIPS block",
                                          "across two FIPS blocks", "across a 64 KiB boundary",
                                          "during recovery" };

static uint8_t *faulty_stream(enum fault f)
{
    uint8_t *p = random_stream(100 + f);
    switch (f) {
    case AT_START: /* the first FIPS block: bring-up is delayed */
        weaken(p, 0, 700);
        break;
    case IN_BLOCK: /* FIPS block 135, inside the buffer [5, 6) * 65536 */
        weaken(p, 5 * 65536 + 10000, 700);
        break;
    case ACROSS_BLOCKS: /* FIPS blocks 239 and 240 */
        weaken(p, 600000 - 700, 1400);
        break;
    case ACROSS_BUFFER: /* FIPS block 157 holds the boundary at 6 * 65536 */
        weaken(p, 6 * 65536 - 350, 700);
        break;
    case IN_RECOVERY:
        /* Repeated words in FIPS blocks 40 and 41 put the Repetition fail
         * rate over its limit: recovery (every rate back to half its
         * limit, 20 passes in a row) takes about 1400 blocks; a Monobit
         * fault lands inside it. */
        repeat_word(p, 100000);
        repeat_word(p, 102900);
        weaken(p, 1500000, 700);
        break;
    case NFAULTS:
        break;
    }
    return p;
}

static const size_t blocks[] = { 65536, 4096, 1000 };

static void test_vs_model(void **state)
{
    (void)state;
    struct sink ex = { .buf = malloc(LEN) }, up = { .buf = malloc(LEN) };
    assert_non_null(ex.buf);
    assert_non_null(up.buf);
    for (enum fault f = 0; f < NFAULTS; f++) {
        uint8_t *p = faulty_stream(f);
        for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
            print_message("fault %s, blocks of %zu\n", fault_name[f], blocks[b]);
            same_as_model(p, blocks[b], HEALTH_GATE_EXACT, &ex);
            same_as_model(p, blocks[b], HEALTH_GATE_UPSTREAM, &up);
            /* Every fault makes a difference between the two gates. */
            assert_true(ex.len != up.len || memcmp(ex.buf, up.buf, ex.len));
            /* ... and the recovery case fails and recovers. */
            if (f == IN_RECOVERY) {
                assert_true(ex.falls >= 1);
                assert_true(ex.rises >= 1);
            }
        }
        free(p);
    }
    free(ex.buf);
    free(up.buf);
}

/* Without the model: one failing FIPS block inside a good 64 KiB block is
 * cut out exactly, in the exact gate only. */
static void test_cut_exactly(void **state)
{
    (void)state;
    uint8_t *p = random_stream(5);
    memset(p + 5 * 65536 + 10000, 0, 536); /* the payload */
    struct sink s = { .buf = malloc(LEN) };
    assert_non_null(s.buf);
    const size_t cut = 337500; /* FIPS block 135: [337500, 340000) */
    /* The zeros fail Ent8 at its first result (500000 bytes): up to there
     * the output is the stream without block 135. */
    run_gate(p, LEN, 65536, HEALTH_GATE_EXACT, &s);
    assert_true(s.len >= 450000);
    assert_memory_equal(s.buf, p, cut);
    assert_memory_equal(s.buf + cut, p + cut + 2500, s.len - cut);

    run_gate(p, LEN, 65536, HEALTH_GATE_UPSTREAM, &s);
    assert_true(s.len >= 450000); /* the zeros went through */
    assert_memory_equal(s.buf, p, s.len);
    free(s.buf);
    free(p);
}

/* Without the model: the carry leak.  Zeros in FIPS block 157, which
 * straddles the boundary at 6 * 65536: upstream passes the 716 bytes before
 * the boundary with buffer 5, the exact gate holds them and drops the block. */
static void test_carry_held(void **state)
{
    (void)state;
    uint8_t *p = random_stream(7);
    memset(p + 392500, 0, 5000);
    struct sink s = { .buf = malloc(LEN) };
    assert_non_null(s.buf);

    run_gate(p, LEN, 65536, HEALTH_GATE_UPSTREAM, &s);
    assert_true(s.len >= 6 * 65536);
    static const uint8_t zeros[716];
    assert_memory_equal(s.buf + 392500, zeros, 716);

    run_gate(p, LEN, 65536, HEALTH_GATE_EXACT, &s);
    assert_true(s.len >= 392500);
    assert_memory_equal(s.buf, p, 392500);
    /* Nothing of the zeroed stretch, wherever it would have landed. */
    size_t run = 0, longest = 0;
    for (size_t i = 0; i < s.len; i++) {
        run = s.buf[i] ? 0 : run + 1;
        longest = run > longest ? run : longest;
    }
    assert_true(longest < 8);
    free(s.buf);
    free(p);
}

/* Buffers smaller than a FIPS block: a block that spans calls is held until
 * it ends, and a rejected call's bytes never pass even if the block ends in
 * a good call. */
static void test_small_buffers(void **state)
{
    (void)state;
    uint8_t *p = faulty_stream(IN_BLOCK);
    struct sink s = { .buf = malloc(LEN) };
    assert_non_null(s.buf);
    struct health *h;
    assert_int_equal(health_new("dev", true, &h), 0);
    struct health_verdict v;
    /* 1000 + 1000 bytes: nothing decided, nothing out; 500 more end the
     * first FIPS block (bring-up not done: dropped). */
    assert_false(health_gate(h, HEALTH_GATE_EXACT, p, 1000, emit, &s, &v));
    assert_int_equal(v.passed + v.dropped + v.fips_blocks, 0);
    assert_int_equal(health_fips_carry(h), 1000);
    health_gate(h, HEALTH_GATE_EXACT, p + 1000, 1000, emit, &s, &v);
    health_gate(h, HEALTH_GATE_EXACT, p + 2000, 500, emit, &s, &v);
    assert_int_equal(v.fips_blocks, 1);
    assert_int_equal(v.dropped, 2500);
    assert_int_equal(s.len, 0);
    health_free(h);
    free(s.buf);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_exactly),
        cmocka_unit_test(test_carry_held),
        cmocka_unit_test(test_small_buffers),
        cmocka_unit_test(test_vs_model),
    };
    return unit_run(tests);
}
