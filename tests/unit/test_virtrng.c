/* Unit tests for `bbvirt rng`: the <rng> XML (golden), finding egd rngs
 * in domain XML, vm.conf's DOMAIN_VIRTIO_RNG_<id>, and virtrng's decisions
 * (sides, idempotence, detach by the exact element) against a fake
 * libvirt that keeps a live and a persistent device list per domain. */
#include "unit.h"

#include <stdlib.h>

#include "virtrng.h"
#include "virtxml.h"
#include "vmconf.h"

static const char golden[] =
    "<rng model=\"virtio\">\n"
    "  <backend model=\"egd\" type=\"unix\">\n"
    "    <source mode=\"connect\" path=\"/run/bit-babbler-egd/seedd.socket\">\n"
    "      <reconnect enabled=\"yes\" timeout=\"1\"/>\n"
    "    </source>\n"
    "  </backend>\n"
    "</rng>\n";

static void test_xml(void **state)
{
    (void)state;
    char *x = virtrng_xml(NULL);
    assert_non_null(x);
    assert_string_equal(x, golden);
    free(x);
    x = virtxml_rng_egd("/tmp/a'b\"<&>.sock", 5);
    assert_non_null(x);
    assert_non_null(strstr(x, "path=\"/tmp/a'b&quot;&lt;&amp;&gt;.sock\""));
    assert_non_null(strstr(x, "timeout=\"5\""));
    free(x);
    errno = 0;
    assert_null(virtxml_rng_egd("rel.sock", 1));
    assert_int_equal(errno, EINVAL);
    assert_null(virtxml_rng_egd("/x", 0));
    char longp[120];
    memset(longp, 'a', sizeof(longp));
    longp[0] = '/';
    longp[108] = '\0';
    assert_null(virtxml_rng_egd(longp, 1));
    longp[107] = '\0';
    x = virtxml_rng_egd(longp, 1);
    assert_non_null(x);
    free(x);
}

static const char dom_xml[] =
    "<domain type='qemu'><name>d</name><devices>"
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    "<rng model='virtio'><backend model='egd' type='tcp'>"
    "<source mode='connect' host='h' service='1'/></backend></rng>"
    "<rng model='virtio'><backend model='egd' type='unix'>"
    "<source mode='connect' path='/run/bit-babbler-egd/seedd.socket'>"
    "<reconnect enabled='yes' timeout='1'/></source></backend>"
    "<alias name='rng1'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' "
    "function='0x0'/></rng>"
    "<rng model='virtio'><backend model='egd' type='unix'>"
    "<source mode='connect' path='/other.sock'/></backend></rng>"
    "</devices></domain>";

static void test_list(void **state)
{
    (void)state;
    struct virtxml_rng *v = NULL;
    size_t n = 9;
    assert_int_equal(virtxml_rng_list(dom_xml, strlen(dom_xml), &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].path, "/run/bit-babbler-egd/seedd.socket");
    assert_non_null(strstr(v[0].element, "<alias name=\"rng1\"/>"));
    assert_non_null(strstr(v[0].element, "slot=\"0x07\""));
    assert_string_equal(v[1].path, "/other.sock");
    virtxml_rng_free(v, n);
    assert_int_equal(virtrng_count(dom_xml, NULL), 1);
    assert_int_equal(virtrng_count(dom_xml, "/other.sock"), 1);
    assert_int_equal(virtrng_count(dom_xml, "/none.sock"), 0);
    assert_int_equal(virtrng_count("<notdomain/>", NULL), -EINVAL);
    const char empty[] = "<domain><devices/></domain>";
    assert_int_equal(virtxml_rng_list(empty, strlen(empty), &v, &n), 0);
    assert_int_equal(n, 0);
    assert_null(v);
}

static void test_vmconf(void **state)
{
    (void)state;
    const char text[] = "DOMAIN_VIRTIO_RNG_a=yes\n"
                        "DOMAIN_VIRTIO_RNG_b=/run/x.sock\n"
                        "DOMAIN_VIRTIO_RNG_c=no\n"
                        "DOMAIN_RNG_d=( ABCD1234 )\n";
    struct vmconf *c = NULL;
    char err[300] = "";
    assert_int_equal(vmconf_parse(text, strlen(text), "vm.conf", &c, err, sizeof(err)), 0);
    const struct vmconf_domain *a = vmconf_find(c, "a"), *b = vmconf_find(c, "b"),
                               *cc = vmconf_find(c, "c"), *d = vmconf_find(c, "d");
    assert_true(a->virtio_rng);
    assert_null(a->rng_socket);
    assert_true(b->virtio_rng);
    assert_string_equal(b->rng_socket, "/run/x.sock");
    assert_false(cc->virtio_rng);
    assert_false(d->virtio_rng);
    vmconf_free(c);

    static const struct {
        const char *in, *needle;
    } bad[] = {
        { "DOMAIN_VIRTIO_RNG_a=maybe\n", "not yes, no or an absolute socket path" },
        { "DOMAIN_VIRTIO_RNG_a=run/x\n", "not yes, no or an absolute socket path" },
        { "DOMAIN_VIRTIO_RNG_a=\"/a b\"\n", "not yes, no or an absolute socket path" },
        { "DOMAIN_VIRTIO_RNG_a=/\n", "not yes, no or an absolute socket path" },
        { "DOMAIN_VIRTIO_RNG_a=( yes )\n", "single value" },
        { "DOMAIN_VIRTIO_RNG_a=yes\nDOMAIN_VIRTIO_RNG_a=no\n", "already set on line 1" },
        { "DOMAIN_VIRTIO_RNG_a=\n", "empty value" },
        { "DOMAIN_VIRTIO_RNG_a=$HOME\n", "variable expansion" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = NULL;
        int r = vmconf_parse(bad[i].in, strlen(bad[i].in), "vm.conf", &c, err, sizeof(err));
        if (r != -EINVAL || !strstr(err, bad[i].needle))
            fail_msg("'%s': %d '%s', want '%s'", bad[i].in, r, err, bad[i].needle);
        assert_null(c);
    }
    assert_true(vmconf_valid_virtio_rng("yes"));
    assert_false(vmconf_valid_virtio_rng("YES"));
    assert_false(vmconf_valid_virtio_rng(NULL));
}

/* ---- a fake libvirt: one domain, a live and a persistent rng list ---- */

struct fake {
    bool exists, running, persistent;
    unsigned nlive, nconf;        /* rngs on the default socket */
    bool sticky;                  /* live detach "sent" but the guest keeps it */
    int fail_change;              /* error for change() on the live side */
    unsigned changes;
    char last_xml[2048];
};

static char *make_xml(unsigned n)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    fputs("<domain type='qemu'><name>d</name><devices>", f);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "<rng model='virtio'><backend model='egd' type='unix'><source mode='connect' "
                "path='" VIRTRNG_DEFAULT_SOCKET "'/></backend><alias name='rng%u'/></rng>", i);
    fputs("</devices></domain>", f);
    fclose(f);
    return s;
}

static int f_info(void *ctx, const char *uri, const char *name, struct virt_info *out,
                  struct virt_err *err)
{
    struct fake *f = ctx;
    (void)uri;
    (void)name;
    (void)err;
    if (!f->exists)
        return -ENOENT;
    out->state = f->running ? VIRT_STATE_RUNNING : VIRT_STATE_SHUTOFF;
    out->persistent = f->persistent;
    return 0;
}

static int f_get_xml(void *ctx, const char *uri, const char *name, bool inactive, char **xml,
                     struct virt_err *err)
{
    struct fake *f = ctx;
    (void)uri;
    (void)name;
    (void)err;
    *xml = make_xml(inactive || !f->running ? f->nconf : f->nlive);
    return 0;
}

static int f_change(void *ctx, const char *uri, const char *name, const char *xml, bool attach,
                    unsigned affect, struct virt_err *err)
{
    struct fake *f = ctx;
    (void)uri;
    (void)name;
    f->changes++;
    snprintf(f->last_xml, sizeof(f->last_xml), "%s", xml);
    assert_true(affect == VIRT_AFFECT_LIVE || affect == VIRT_AFFECT_CONFIG);
    if (affect == VIRT_AFFECT_LIVE && f->fail_change) {
        snprintf(err->msg, sizeof(err->msg), "refused");
        return f->fail_change;
    }
    unsigned *n = affect == VIRT_AFFECT_LIVE ? &f->nlive : &f->nconf;
    if (attach)
        ++*n;
    else if (!(affect == VIRT_AFFECT_LIVE && f->sticky))
        --*n;
    return 0;
}

static const struct virt_ops fake_ops = {
    .get_xml = f_get_xml,
    .info = f_info,
    .change = f_change,
};

static int run(struct fake *f, bool attach, unsigned affect, struct virtrng_result *res,
               char *err)
{
    struct virtrng_req q = { .attach = attach, .domain = "d", .affect = affect };
    return virtrng_run(&fake_ops, f, &q, res, err, 300);
}

static void test_attach(void **state)
{
    (void)state;
    struct fake f = { .exists = true, .running = true, .persistent = true };
    struct virtrng_result res;
    char err[300] = "";
    /* Running: both sides by default. */
    assert_int_equal(run(&f, true, 0, &res, err), 0);
    assert_int_equal(res.affect, VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG);
    assert_int_equal(res.done, VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG);
    assert_int_equal(f.nlive, 1);
    assert_int_equal(f.nconf, 1);
    assert_string_equal(f.last_xml, golden);
    /* Twice: one rng, nothing called. */
    f.changes = 0;
    assert_int_equal(run(&f, true, 0, &res, err), 0);
    assert_int_equal(res.already, VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG);
    assert_int_equal(res.done, 0);
    assert_int_equal(f.changes, 0);
    assert_int_equal(f.nlive, 1);
    assert_int_equal(f.nconf, 1);
    /* Only the side that lacks it. */
    f.nconf = 0;
    assert_int_equal(run(&f, true, 0, &res, err), 0);
    assert_int_equal(res.done, VIRT_AFFECT_CONFIG);
    assert_int_equal(res.already, VIRT_AFFECT_LIVE);
    assert_int_equal(f.nconf, 1);

    /* Stopped: the definition only; --live refused. */
    struct fake g = { .exists = true, .persistent = true };
    assert_int_equal(run(&g, true, 0, &res, err), 0);
    assert_int_equal(res.affect, VIRT_AFFECT_CONFIG);
    assert_int_equal(g.nconf, 1);
    assert_int_equal(run(&g, true, VIRT_AFFECT_LIVE, &res, err), -ESRCH);
    assert_non_null(strstr(err, "'d' is not running"));
    /* Transient running: live only; --config refused. */
    struct fake t = { .exists = true, .running = true };
    assert_int_equal(run(&t, true, 0, &res, err), 0);
    assert_int_equal(res.affect, VIRT_AFFECT_LIVE);
    assert_int_equal(t.nlive, 1);
    assert_int_equal(run(&t, true, VIRT_AFFECT_CONFIG, &res, err), -ESRCH);
    assert_non_null(strstr(err, "transient"));
    /* No such domain. */
    struct fake none = { 0 };
    assert_int_equal(run(&none, true, 0, &res, err), -ENOENT);
    assert_non_null(strstr(err, "no libvirt domain 'd'"));
    /* Live refused (socket missing): the definition still gets it. */
    struct fake h = { .exists = true, .running = true, .persistent = true, .fail_change = -EIO };
    assert_int_equal(run(&h, true, 0, &res, err), -EIO);
    assert_int_equal(res.failed, VIRT_AFFECT_LIVE);
    assert_int_equal(res.done, VIRT_AFFECT_CONFIG);
    assert_non_null(strstr(err, "refused"));
    /* A bad socket. */
    struct virtrng_req q = { .attach = true, .domain = "d", .socket = "x" };
    assert_int_equal(virtrng_run(&fake_ops, &f, &q, &res, err, sizeof(err)), -EINVAL);
}

static void test_detach(void **state)
{
    (void)state;
    struct fake f = { .exists = true, .running = true, .persistent = true, .nlive = 2, .nconf = 1 };
    struct virtrng_result res;
    char err[300] = "";
    assert_int_equal(run(&f, false, 0, &res, err), 0);
    assert_int_equal(res.done, VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG);
    assert_int_equal(f.nlive, 0);
    assert_int_equal(f.nconf, 0);
    assert_int_equal(f.changes, 3);              /* each by its own element */
    assert_non_null(strstr(f.last_xml, "<alias name=\"rng0\"/>"));
    assert_int_equal(res.pending, 0);
    /* Nothing left: a no-op. */
    f.changes = 0;
    assert_int_equal(run(&f, false, 0, &res, err), 0);
    assert_int_equal(res.already, VIRT_AFFECT_LIVE | VIRT_AFFECT_CONFIG);
    assert_int_equal(f.changes, 0);
    /* A guest that does not let go. */
    struct fake s = { .exists = true, .running = true, .nlive = 1, .sticky = true };
    assert_int_equal(run(&s, false, VIRT_AFFECT_LIVE, &res, err), 0);
    assert_int_equal(res.pending, VIRT_AFFECT_LIVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_vmconf),
        cmocka_unit_test(test_attach),
        cmocka_unit_test(test_detach),
    };
    return unit_run(tests);
}
