/* Unit tests for ffsdesc: bbgadget's FunctionFS descriptor and string blobs
 * carry fmodel's interface and endpoints (src/gadget). */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "ffsdesc.h"
#include "fmodel.h"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_descriptors(void **state)
{
    uint8_t b[FFSDESC_DESC_MAX];
    const uint8_t *fm = fmodel_descriptors(NULL);
    size_t len = 0;
    (void)state;

    assert_int_equal(ffsdesc_descriptors(b, sizeof(b), &len), 0);
    assert_int_equal(len, 20 + 2 * 23);
    assert_int_equal(le32(b), 3);                    /* FUNCTIONFS_DESCRIPTORS_MAGIC_V2 */
    assert_int_equal(le32(b + 4), len);
    assert_int_equal(le32(b + 8), 1 | 2 | 64);       /* FS, HS, ALL_CTRL_RECIP */
    assert_int_equal(le32(b + 12), 3);
    assert_int_equal(le32(b + 16), 3);
    for (int s = 0; s < 2; s++) {
        const uint8_t *f = b + 20 + 23 * s;
        unsigned mp = s ? FMODEL_MAXPACKET : 64;
        /* interface: fmodel's, with the function's own string 1 */
        assert_memory_equal(f, fm + 27, 8);
        assert_int_equal(f[4], 2);                   /* two endpoints */
        assert_int_equal(f[5], 0xff);
        assert_int_equal(f[8], 1);
        /* bulk IN 0x81 first, then bulk OUT 0x02 */
        assert_int_equal(f[9], 7);
        assert_int_equal(f[10], 0x05);
        assert_int_equal(f[11], FMODEL_EP_IN);
        assert_int_equal(f[12], 0x02);
        assert_int_equal(f[13] | f[14] << 8, mp);
        assert_int_equal(f[16], 7);
        assert_int_equal(f[18], FMODEL_EP_OUT);
        assert_int_equal(f[19], 0x02);
        assert_int_equal(f[20] | f[21] << 8, mp);
    }
    assert_int_equal(ffsdesc_descriptors(b, len - 1, &len), -ENOSPC);
}

static void test_strings(void **state)
{
    uint8_t b[FFSDESC_STRINGS_MAX];
    char longs[200];
    size_t len = 0;
    (void)state;

    assert_int_equal(ffsdesc_strings(FMODEL_PRODUCT_WHITE, b, sizeof(b), &len), 0);
    assert_int_equal(len, 16 + 2 + sizeof(FMODEL_PRODUCT_WHITE));
    assert_int_equal(le32(b), 2);                    /* FUNCTIONFS_STRINGS_MAGIC */
    assert_int_equal(le32(b + 4), len);
    assert_int_equal(le32(b + 8), 1);
    assert_int_equal(le32(b + 12), 1);
    assert_int_equal(b[16] | b[17] << 8, 0x0409);
    assert_string_equal((const char *)b + 18, "White RNG");
    assert_int_equal(ffsdesc_strings("", b, sizeof(b), &len), -EINVAL);
    assert_int_equal(ffsdesc_strings("a\nb", b, sizeof(b), &len), -EINVAL);
    memset(longs, 'x', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    assert_int_equal(ffsdesc_strings(longs, b, sizeof(b), &len), -EINVAL);
    assert_int_equal(ffsdesc_strings("White RNG", b, 20, &len), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_strings),
    };
    return unit_run(tests);
}
