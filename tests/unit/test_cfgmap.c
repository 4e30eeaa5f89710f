/* Unit tests for cfgmap: the merged configuration and its text form. */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgmap.h"

/* "B" sections before everything else, the rest by name. */
static int rank_b_first(const char *s)
{
    return s[0] == 'B' ? 0 : 1;
}

static void test_set_replace_unset(void **state)
{
    (void)state;
    struct cfgmap *m = NULL;
    assert_int_equal(cfgmap_new(&m), 0);
    assert_int_equal(cfgmap_set(m, "Pool", "size", "64k", "a.conf", 3), 0);
    assert_int_equal(cfgmap_set(m, "Pool", "kernel-device", "/dev/random", NULL, 0), 0);
    assert_int_equal(cfgmap_add_section(m, "Devices", "b.conf", 9), 0);
    assert_int_equal(cfgmap_set(m, "Pool", "size", "128k", "b.conf", 5), 0); /* later wins */
    assert_int_equal(cfgmap_count(m), 2);
    const struct cfgmap_entry *e = cfgmap_get(m, "Pool", "size");
    assert_non_null(e);
    assert_string_equal(e->value, "128k");
    assert_string_equal(e->file, "b.conf");
    assert_int_equal(e->line, 5);
    const struct cfgmap_section *s = cfgmap_section(m, 0);
    assert_string_equal(s->name, "Devices"); /* sorted by name */
    assert_string_equal(s->file, "b.conf");
    assert_int_equal(s->n, 0);
    s = cfgmap_find(m, "Pool");
    assert_string_equal(s->file, "a.conf"); /* where it was first named */
    assert_int_equal(s->n, 2);
    assert_string_equal(s->ents[0].key, "kernel-device");
    assert_null(s->ents[0].file);
    assert_string_equal(s->ents[1].key, "size");
    cfgmap_unset(m, "Pool", "kernel-device");
    cfgmap_unset(m, "Pool", "nothing");
    cfgmap_unset(m, "Nowhere", "size");
    assert_null(cfgmap_get(m, "Pool", "kernel-device"));
    assert_int_equal(cfgmap_find(m, "Pool")->n, 1);
    assert_null(cfgmap_find(m, "Service"));
    assert_null(cfgmap_section(m, 2));
    cfgmap_free(m);
    cfgmap_free(NULL);
}

static void test_format(void **state)
{
    (void)state;
    struct cfgmap *m = NULL;
    assert_int_equal(cfgmap_new(&m), 0);
    size_t len = 7;
    char *text = cfgmap_format(m, rank_b_first, &len);
    assert_non_null(text);
    assert_int_equal(len, 0);
    free(text);
    assert_int_equal(cfgmap_set(m, "A", "z", "1", NULL, 0), 0);
    assert_int_equal(cfgmap_set(m, "A", "flag", "", NULL, 0), 0);
    assert_int_equal(cfgmap_set(m, "Bz", "k", "v w", NULL, 0), 0);
    assert_int_equal(cfgmap_set(m, "B1", "x", "y", NULL, 0), 0);
    assert_int_equal(cfgmap_add_section(m, "C", NULL, 0), 0);
    text = cfgmap_format(m, rank_b_first, &len);
    assert_non_null(text);
    assert_string_equal(text, "[B1]\nx y\n\n"
                              "[Bz]\nk v w\n\n"
                              "[A]\nflag\nz 1\n\n"
                              "[C]\n\n");
    assert_int_equal(len, strlen(text));
    free(text);
    cfgmap_free(m);
}

/* Many keys and sections in scrambled order stay sorted. */
static void test_sorted(void **state)
{
    (void)state;
    struct cfgmap *m = NULL;
    char k[16];
    assert_int_equal(cfgmap_new(&m), 0);
    for (unsigned i = 0; i < 200; i++) {
        unsigned j = (i * 37) % 200;
        snprintf(k, sizeof(k), "k%03u", j);
        assert_int_equal(cfgmap_set(m, k, k, k, NULL, 0), 0);
        assert_int_equal(cfgmap_set(m, "S", k, k, NULL, 0), 0);
    }
    assert_int_equal(cfgmap_count(m), 201);
    for (size_t i = 1; i < 200; i++)
        assert_true(strcmp(cfgmap_section(m, i - 1)->name, cfgmap_section(m, i)->name) < 0);
    const struct cfgmap_section *s = cfgmap_find(m, "S");
    assert_int_equal(s->n, 200);
    for (size_t i = 1; i < s->n; i++)
        assert_true(strcmp(s->ents[i - 1].key, s->ents[i].key) < 0);
    cfgmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_replace_unset),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_sorted),
    };
    return unit_run(tests);
}
