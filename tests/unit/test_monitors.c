/* Unit tests for monitors: registration order, lookup, removal. */
#include "unit.h"

#include <errno.h>

#include "monitors.h"

static void test_registry(void **state)
{
    (void)state;
    struct monitors *m;
    /* The registry never dereferences monitors: any distinct pointers do. */
    int a, b, c;
    struct health *ha = (struct health *)&a, *hb = (struct health *)&b, *hc = (struct health *)&c;
    const char *id;
    assert_int_equal(monitors_new(&m), 0);
    assert_int_equal(monitors_add(m, "GK9VZF", ha), 0);
    assert_int_equal(monitors_add(m, "Pool", hb), 0);
    assert_int_equal(monitors_add(m, "Kernel", hc), 0);
    assert_int_equal(monitors_add(m, "Pool", ha), -EEXIST);
    assert_int_equal(monitors_count(m), 3);
    assert_ptr_equal(monitors_find(m, "Pool"), hb);
    assert_null(monitors_find(m, "pool"));
    assert_ptr_equal(monitors_at(m, 2, &id), hc);
    assert_string_equal(id, "Kernel");
    monitors_remove(m, hb);
    assert_int_equal(monitors_count(m), 2);
    assert_ptr_equal(monitors_at(m, 1, &id), hc);
    assert_null(monitors_at(m, 2, &id));
    assert_null(monitors_find(m, "Pool"));
    monitors_free(m);
    monitors_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
    };
    return unit_run(tests);
}
