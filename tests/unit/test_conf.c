/* Unit tests for seedd's option table and config files (optab, conf,
 * options): the table's consistency (and seedd(1) naming every row), file
 * import with its errors (file:line), canonical section names, extraction
 * into struct seedd_opts with the derived defaults, precedence on the
 * command line, and --gen-conf round trips. */
#include "unit.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cfgmap.h"
#include "conf.h"
#include "optab.h"
#include "options.h"

#ifndef SEEDD_MAN
#error "SEEDD_MAN: the path of doc/seedd.1"
#endif

/* ---- the table ---------------------------------------------------------- */

static void test_table(void **state)
{
    (void)state;
    for (const struct optab *e = optab; e->kind != OK_END; e++) {
        if (e->kind == OK_HEADING) {
            assert_non_null(e->help);
            continue;
        }
        assert_true(e->lname || e->key);
        assert_non_null(e->help);
        assert_true((e->kind == OK_KEY) == (e->key != NULL));
        assert_true((e->sec == OS_NONE) == (e->key == NULL));
        /* A key's parser checks values; a key without one takes none. */
        assert_true(!e->key || e->parse || !e->arg);
        for (const struct optab *f = optab; f < e; f++) {
            if (e->lname && f->lname)
                assert_true(strcmp(e->lname, f->lname) != 0);
            if (e->sname)
                assert_true(e->sname != f->sname);
            if (e->key && f->key && e->sec == f->sec)
                assert_true(strcmp(e->key, f->key) != 0);
        }
        if (e->key)
            assert_ptr_equal(optab_key(e->sec, e->key), e);
    }
    assert_null(optab_key(OS_SERVICE, "size"));
    assert_null(optab_key(OS_DEVICE, "kernel"));
}

/* seedd(1) names every long option ("\-\-name") and every config key
 * (".B name" in CONFIGURATION FILE), so the page cannot drift from the
 * table either. */
static void test_man_page(void **state)
{
    (void)state;
    FILE *f = fopen(SEEDD_MAN, "r");
    assert_non_null(f);
    char *text = calloc(1, 1 << 20);
    assert_non_null(text);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    text[n] = 0;
    const char *conf = strstr(text, ".SH CONFIGURATION FILE");
    assert_non_null(conf);
    for (const struct optab *e = optab; e->kind != OK_END; e++) {
        char want[128], *p = want;
        if (e->lname) {
            p += sprintf(p, "\\-\\-");
            for (const char *s = e->lname; *s; s++)
                p += sprintf(p, *s == '-' ? "\\-" : "%c", *s);
            if (!strstr(text, want))
                fail_msg("seedd(1) does not name --%s", e->lname);
        }
        if (e->key) {
            p = want + sprintf(want, ".B ");
            for (const char *s = e->key; *s; s++)
                p += sprintf(p, *s == '-' ? "\\-" : "%c", *s);
            if (!strstr(conf, want))
                fail_msg("seedd(1) CONFIGURATION FILE does not name %s", e->key);
        }
    }
    free(text);
}

/* ---- import ------------------------------------------------------------- */

static struct cfgmap *import_ok(const char *text)
{
    struct cfgmap *m = NULL;
    char err[600];
    assert_int_equal(cfgmap_new(&m), 0);
    if (conf_import(m, text, strlen(text), "t.conf", err, sizeof(err)) != 0)
        fail_msg("'%s': %s", text, err);
    return m;
}

static void import_bad(const char *text, const char *want)
{
    struct cfgmap *m = NULL;
    char err[600];
    assert_int_equal(cfgmap_new(&m), 0);
    if (conf_import(m, text, strlen(text), "t.conf", err, sizeof(err)) != -EINVAL)
        fail_msg("'%s' was accepted", text);
    if (strcmp(err, want) != 0)
        fail_msg("'%s': got '%s', want '%s'", text, err, want);
    cfgmap_free(m);
}

static void test_import_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *err;
    } cases[] = {
        { "kernel\n", "t.conf:1: option 'kernel' before any section" },
        { "[Service]\nkernel\n[Kernel]\n", "t.conf:3: unknown section [Kernel]" },
        { "[service]\n", "t.conf:1: unknown section [service]" }, /* case-sensitive */
        { "[Device]\n", "t.conf:1: unknown section [Device]" },
        { "[Service]\nsize 1\n", "t.conf:2: unknown option 'size' in section [Service]" },
        { "[Devices]\nkernel\n", "t.conf:2: unknown option 'kernel' in section [Devices]" },
        { "[Service]\nkernel yes\n", "t.conf:2: [Service] kernel 'yes': takes no value" },
        { "[Devices]\nno-qa 1\n", "t.conf:2: [Devices] no-qa '1': takes no value" },
        { "[Service]\nsocket-group\n", "t.conf:2: [Service] socket-group '': a value is required" },
        { "[Service]\nsocket-group a b\n",
          "t.conf:2: [Service] socket-group 'a b': not a group name or number" },
        { "[Service]\nudp-out localhost\n",
          "t.conf:2: [Service] udp-out 'localhost': expected HOST:PORT (the host may be empty)" },
        { "[Service]\ncontrol-socket tcp:x\n",
          "t.conf:2: [Service] control-socket 'tcp:x': expected tcp:HOST:PORT, a path or 'none'" },
        { "[Service]\nverbose x\n", "t.conf:2: [Service] verbose 'x': must be a number, 0 to 255" },
        { "[Pool]\nsize 0\n", "t.conf:2: [Pool] size '0': must be 1 to 256M bytes (k, M: x1024)" },
        { "[Pool]\nkernel-refill 1.5\n",
          "t.conf:2: [Pool] kernel-refill '1.5': must be 0 to 4294967 (seconds)" },
        { "[Pool]\nkernel-reseed 1\n", "t.conf:2: [Pool] kernel-reseed '1': expected 'yes' or 'no'" },
        { "[Pool]\nqa-gate strict\n",
          "t.conf:2: [Pool] qa-gate 'strict': expected 'exact' or 'upstream'" },
        { "[PoolGroup:1]\nsize 3000\n", "t.conf:2: [PoolGroup:1] size '3000': must be a power of two" },
        { "[PoolGroup:]\n", "t.conf:1: [PoolGroup:]: the pool group must be a number, 0 to 4294967295" },
        { "[PoolGroup:4294967296]\n",
          "t.conf:1: [PoolGroup:4294967296]: the pool group must be a number, 0 to 4294967295" },
        { "[Device:3:0]\n",
          "t.conf:1: [Device:3:0]: invalid device ID '3:0': device number must be 1..127" },
        { "[Watch:]\n", "t.conf:1: [Watch:]: a label is required" },
        { "[Watch:w]\npath /dev/hwrng\nblock-size 0\n",
          "t.conf:3: [Watch:w] block-size '0': block size must be 1 to 64M bytes" },
        { "[Devices]\nbitrate 100\n",
          "t.conf:2: [Devices] bitrate '100': must be between 458 and 30M" },
        { "[Devices]\nbitrate 99999999999999999999999\n",
          "t.conf:2: [Devices] bitrate '99999999999999999999999': too large; must be between 458 and 30M" },
        { "[Devices]\nfold 11\n", "t.conf:2: [Devices] fold '11': too large; must be 0 to 10" },
        { "[Devices]\nidle-sleep 500\n",
          "t.conf:2: [Devices] idle-sleep '500': expected INIT:MAX (the ':' is required)" },
        { "[Devices]\nenable-mask 0x10\n",
          "t.conf:2: [Devices] enable-mask '0x10': too large; must be 0x01 to 0x0F" },
        { "[Pool]\nsize 1\n\n[Pool]\n", "t.conf:4: section [Pool] appears twice (first at line 1)" },
        { "[Pool]\nsize 1k\nsize 2k\n",
          "t.conf:3: option 'size' appears twice in section [Pool] (first at line 2)" },
        { "[Device:3:6]\n[Devices]\n[Device:003:006]\n",
          "t.conf:3: [Device:003:006] is the section [Device:3:6] again (first at line 1)" },
        { "[PoolGroup:7]\nsize 1k\n[PoolGroup:007]\n",
          "t.conf:3: [PoolGroup:007] is the section [PoolGroup:7] again (first at line 1)" },
        { "[Service\n", "t.conf:1: '[Service': a section needs a closing ']'" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        import_bad(cases[i].text, cases[i].err);
}

static void test_canonical_sections(void **state)
{
    (void)state;
    struct cfgmap *m = import_ok("[Device:003:006]\nfold 2\n[PoolGroup:007]\nsize 1k\n"
                                 "[Device::9]\n[Device:05-2.3]\n[Device:GK9VZF]\n[Watch:x y]\n"
                                 "path /dev/null\n");
    assert_non_null(cfgmap_get(m, "Device:3:6", "fold"));
    assert_non_null(cfgmap_get(m, "PoolGroup:7", "size"));
    assert_non_null(cfgmap_find(m, "Device:9"));
    assert_non_null(cfgmap_find(m, "Device:5-2.3"));
    assert_non_null(cfgmap_find(m, "Device:GK9VZF"));
    assert_non_null(cfgmap_find(m, "Watch:x y"));
    /* Another file may name a section again: its values win. */
    char err[300];
    const char *more = "[Device:3:6]\nfold 3\n";
    assert_int_equal(conf_import(m, more, strlen(more), "u.conf", err, sizeof(err)), 0);
    const struct cfgmap_entry *e = cfgmap_get(m, "Device:3:6", "fold");
    assert_string_equal(e->value, "3");
    assert_string_equal(e->file, "u.conf");
    assert_int_equal(e->line, 2);
    cfgmap_free(m);
}

/* ---- extract ------------------------------------------------------------ */

static void extract_ok(struct cfgmap *m, struct seedd_opts *o)
{
    char err[600];
    assert_int_equal(seedd_opts_defaults(o), 0);
    if (conf_extract(m, o, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static void test_extract(void **state)
{
    (void)state;
    struct seedd_opts o;
    struct cfgmap *m = import_ok("[Service]\ndaemon\nkernel\nudp-out :1200\n"
                                 "control-socket tcp:localhost:56789\nsocket-group adm\n"
                                 "ip-freebind\npid-file /run/seedd.pid\nvm-conf none\nverbose 0x3\n"
                                 "[Pool]\nsize 128k\nkernel-device /dev/urandom\n"
                                 "kernel-reseed no\nqa-gate upstream\n"
                                 "[PoolGroup:2]\nsize 4k\n[PoolGroup:3]\n"
                                 "[Devices]\nbitrate 5M\nfold 2\nidle-sleep 200:\nlow-power\n"
                                 "[Device:GTH4R8]\nfold 0\nsuspend-after 5k\n"
                                 "[Device:5-2]\ngroup 2\nlimit-max-xfer\nno-qa\nenable-mask 0x3\n"
                                 "latency 20\n"
                                 "[Watch:b]\npath /dev/hwrng\ndelay 1k\nblock-size 4k\nmax-bytes 1M\n"
                                 "[Watch:a]\npath /dev/zero\n");
    extract_ok(m, &o);
    assert_true(o.daemon && o.kernel && o.ip_freebind);
    assert_string_equal(o.udp_out, ":1200");
    assert_string_equal(o.control_socket, "tcp:localhost:56789");
    assert_string_equal(o.socket_group, "adm");
    assert_string_equal(o.pid_file, "/run/seedd.pid");
    assert_null(o.vm_conf);
    assert_true(o.vm_conf_explicit);
    assert_int_equal(o.verbose, 3);
    assert_int_equal(o.pool_size, 131072);
    assert_string_equal(o.kernel_device, "/dev/urandom");
    assert_int_equal(o.kernel_refill, SEEDD_KERNEL_REFILL_LOW_POWER); /* low-power, not set */
    assert_false(o.kernel_reseed);
    assert_true(o.qa_gate_upstream);
    assert_int_equal(o.n_groups, 1); /* [PoolGroup:3] has no size */
    assert_int_equal(o.groups[0].id, 2);
    assert_int_equal(o.groups[0].size, 4096);
    /* [Devices]: low-power keeps the explicit idle-sleep INIT, presets the rest. */
    assert_int_equal(o.defaults.bitrate, 5000000);
    assert_int_equal(o.defaults.idle_initial, 200);
    assert_int_equal(o.defaults.idle_max, 60000); /* idle-sleep given: not preset */
    assert_int_equal(o.defaults.suspend_after, DEVCFG_LOW_POWER_SUSPEND);
    /* Devices in section name order, each from [Devices] and its own keys. */
    assert_int_equal(o.n_ids, 2);
    assert_int_equal(o.ids[0].id.kind, DEVID_PORT);
    assert_int_equal(o.ids[0].group, 2);
    assert_int_equal(o.ids[0].fold, 2);
    assert_true(o.ids[0].limit_max_xfer && o.ids[0].no_qa);
    assert_int_equal(o.ids[0].enable_mask, 3);
    assert_int_equal(o.ids[0].latency_ms, 20);
    assert_int_equal(o.ids[0].bitrate, 5000000);
    assert_int_equal(o.ids[0].suspend_after, DEVCFG_LOW_POWER_SUSPEND);
    assert_int_equal(o.ids[1].id.kind, DEVID_SERIAL);
    assert_string_equal(o.ids[1].id.str, "GTH4R8");
    assert_int_equal(o.ids[1].fold, 0);
    assert_int_equal(o.ids[1].suspend_after, 5000); /* its own beats the preset */
    assert_false(o.ids[1].no_qa);
    assert_int_equal(o.n_watches, 2);
    assert_string_equal(o.watches[0].path, "/dev/zero"); /* Watch:a */
    assert_int_equal(o.watches[0].block_size, 65536);
    assert_string_equal(o.watches[1].path, "/dev/hwrng");
    assert_int_equal(o.watches[1].delay_ms, 1000);
    assert_int_equal(o.watches[1].block_size, 4096);
    assert_int_equal(o.watches[1].max_bytes, 1048576);
    seedd_opts_clear(&o);
    cfgmap_free(m);
}

static void test_extract_defaults(void **state)
{
    (void)state;
    struct seedd_opts o;
    struct cfgmap *m = import_ok("");
    extract_ok(m, &o);
    assert_string_equal(o.control_socket, SEEDD_CONTROL_SOCKET);
    assert_string_equal(o.kernel_device, SEEDD_KERNEL_DEVICE);
    assert_int_equal(o.kernel_refill, SEEDD_KERNEL_REFILL);
    assert_true(o.kernel_reseed);
    assert_false(o.daemon || o.kernel || o.ip_freebind || o.vm_conf_explicit);
    assert_null(o.udp_out);
    assert_non_null(o.vm_conf);
    assert_int_equal(o.pool_size, 65536);
    seedd_opts_clear(&o);
    /* -b: no control socket unless one is given. */
    assert_int_equal(seedd_opts_defaults(&o), 0);
    o.bytes = 1;
    char err[300];
    assert_int_equal(conf_extract(m, &o, err, sizeof(err)), 0);
    assert_string_equal(o.control_socket, "none");
    seedd_opts_clear(&o);
    cfgmap_free(m);
    m = import_ok("[Service]\ncontrol-socket /tmp/s\n[Device:X123]\nlow-power\n"
                  "[Pool]\nkernel-refill 0\n");
    assert_int_equal(seedd_opts_defaults(&o), 0);
    o.bytes = 1;
    assert_int_equal(conf_extract(m, &o, err, sizeof(err)), 0);
    assert_string_equal(o.control_socket, "/tmp/s");
    assert_int_equal(o.kernel_refill, 0); /* given: low-power does not change it */
    assert_int_equal(o.ids[0].idle_max, DEVCFG_LOW_POWER_IDLE_MAX);
    seedd_opts_clear(&o);
    cfgmap_free(m);
}

static void test_extract_errors(void **state)
{
    (void)state;
    struct seedd_opts o;
    char err[300];
    /* A watch needs its path, whichever file gave the rest. */
    struct cfgmap *m = import_ok("[Pool]\nsize 1k\n\n[Watch:w]\ndelay 5\n");
    assert_int_equal(seedd_opts_defaults(&o), 0);
    assert_int_equal(conf_extract(m, &o, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:4: [Watch:w]: 'path' is required");
    seedd_opts_clear(&o);
    cfgmap_free(m);
    /* Values valid on their own, not together: [Devices] MAX below a
     * device's INIT. */
    m = import_ok("[Devices]\nidle-sleep :150\n[Device:AB12]\nidle-sleep 200:\n");
    assert_int_equal(seedd_opts_defaults(&o), 0);
    assert_int_equal(conf_extract(m, &o, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "t.conf:4: [Device:AB12] idle-sleep '200:': INIT (200) is larger "
                             "than MAX (150)");
    seedd_opts_clear(&o);
    cfgmap_free(m);
}

/* ---- --gen-conf and round trips ----------------------------------------- */

static char *gen(const struct cfgmap *m)
{
    char *argv[] = { (char *)"seedd", (char *)"--gen-conf", (char *)"a\nb" };
    size_t len = 0;
    char *text = conf_gen(m, 3, argv, "2026-01-02", &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void test_gen_conf(void **state)
{
    (void)state;
    struct cfgmap *m = import_ok("[Watch:1]\npath /w\n[Device:BBBB]\n[Devices]\nfold 1\n"
                                 "[Device:AAAA]\nno-qa\n[PoolGroup:2]\nsize 1k\n[PoolGroup:10]\n"
                                 "size 2k\n[Pool]\nsize 2k\n[Service]\nudp-out h:1\nkernel\n");
    char *text = gen(m);
    assert_string_equal(text,
                        "# Generated configuration file for seedd(1), created 2026-01-02 using:\n"
                        "#  seedd --gen-conf a\\x0ab\n"
                        "[Service]\nkernel\nudp-out h:1\n\n"
                        "[Pool]\nsize 2k\n\n"
                        "[PoolGroup:10]\nsize 2k\n\n"
                        "[PoolGroup:2]\nsize 1k\n\n"
                        "[Devices]\nfold 1\n\n"
                        "[Device:AAAA]\nno-qa\n\n"
                        "[Device:BBBB]\n\n"
                        "[Watch:1]\npath /w\n\n");
    /* Round trip: the text read back gives the same text. */
    struct cfgmap *m2 = import_ok(text);
    char *text2 = gen(m2);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    cfgmap_free(m);
    cfgmap_free(m2);
}

/* ---- the command line --------------------------------------------------- */

static char conf_path[64];

static void write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* seedd_parse_args over a NULL-terminated list of arguments. */
static int parse(struct seedd_opts *o, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"seedd";
    for (; *args; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    optind = 0; /* getopt_long: start over */
    return seedd_parse_args(argc, argv, o);
}

static void test_precedence(void **state)
{
    (void)state;
    struct seedd_opts o;
    snprintf(conf_path, sizeof(conf_path), "/tmp/test_conf.%d.conf", (int)getpid());
    write_conf("[Service]\nverbose 4\ndaemon\ncontrol-socket /tmp/x\n"
               "[Pool]\nsize 128k\n[Devices]\nfold 3\n[Device:GK9VZF]\nbitrate 1M\n");
    unsetenv("NOTIFY_SOCKET");
    /* Later wins: -P before -C loses, after it wins. */
    const char *a1[] = { "-o", "-P", "256k", "-C", conf_path, NULL };
    assert_int_equal(parse(&o, a1), 1);
    assert_int_equal(o.pool_size, 131072);
    assert_int_equal(o.verbose, 4);
    assert_true(o.daemon);
    seedd_opts_clear(&o);
    const char *a2[] = { "-o", "-C", conf_path, "-P", "256k", "-v", NULL };
    assert_int_equal(parse(&o, a2), 1);
    assert_int_equal(o.pool_size, 262144);
    assert_int_equal(o.verbose, 1); /* any -v overrides verbose */
    seedd_opts_clear(&o);
    /* Per-device options go to the last -i, else [Devices]; a -i of a
     * device the file names adds to its section. */
    const char *a3[] = { "-o", "-f", "2", "-C", conf_path, "-i", "GK9VZF", "-r", "2M",
                         "-i", "3:006", "-g", "1", NULL };
    assert_int_equal(parse(&o, a3), 1);
    assert_int_equal(o.n_ids, 2);
    /* In section name order: "Device:3:6" < "Device:GK9VZF". */
    assert_int_equal(o.ids[0].id.kind, DEVID_BUSDEV);
    assert_int_equal(o.ids[0].group, 1);
    assert_int_equal(o.ids[0].fold, 3); /* the file's [Devices] replaced -f 2 */
    assert_string_equal(o.ids[1].id.str, "GK9VZF");
    assert_int_equal(o.ids[1].bitrate, 2000000);
    assert_int_equal(o.ids[1].group, 0);
    seedd_opts_clear(&o);
    /* -b: no control socket unless set; here the file sets one. */
    const char *a4[] = { "-b", "1k", NULL };
    assert_int_equal(parse(&o, a4), 1);
    assert_string_equal(o.control_socket, "none");
    seedd_opts_clear(&o);
    const char *a5[] = { "-b", "1k", "-C", conf_path, NULL };
    assert_int_equal(parse(&o, a5), 1);
    assert_string_equal(o.control_socket, "/tmp/x");
    seedd_opts_clear(&o);
    /* A valid NOTIFY_SOCKET drops daemon; an invalid one does not. */
    setenv("NOTIFY_SOCKET", "@x", 1);
    assert_int_equal(parse(&o, a5), 1);
    assert_false(o.daemon);
    seedd_opts_clear(&o);
    setenv("NOTIFY_SOCKET", "@", 1);
    assert_int_equal(parse(&o, a5), 1);
    assert_true(o.daemon);
    seedd_opts_clear(&o);
    unsetenv("NOTIFY_SOCKET");
    /* Command-line values are checked as file values are. */
    const char *a6[] = { "-o", "--socket-group", "a b", NULL };
    assert_int_equal(parse(&o, a6), -1);
    seedd_opts_clear(&o);
    const char *a7[] = { "-o", "--kernel-device", " /dev/random", NULL };
    assert_int_equal(parse(&o, a7), -1);
    seedd_opts_clear(&o);
    const char *a8[] = { "-o", "--kernel-reseed=no", "--kernel-refill", "0", NULL };
    assert_int_equal(parse(&o, a8), 1);
    assert_false(o.kernel_reseed);
    assert_int_equal(o.kernel_refill, 0);
    seedd_opts_clear(&o);
    unlink(conf_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_man_page),
        cmocka_unit_test(test_import_errors),
        cmocka_unit_test(test_canonical_sections),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_extract_defaults),
        cmocka_unit_test(test_extract_errors),
        cmocka_unit_test(test_gen_conf),
        cmocka_unit_test(test_precedence),
    };
    return unit_run(tests);
}
