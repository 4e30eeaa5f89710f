/* Unit tests for vmctl: bbvirt's decisions, against a fake libvirt (a
 * virt_ops table keeping domains, their state and live hostdevs). */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devid.h"
#include "virt.h"
#include "virtxml.h"
#include "vmconf.h"
#include "vmctl.h"

/* ---- the fake libvirt ---- */

#define MAX_DEVS 8

struct fake_dom {
    const char *name;
    const char *uri;           /* NULL = default */
    enum virt_state state;
    unsigned bus[MAX_DEVS], dev[MAX_DEVS];
    size_t n;
};

struct fake {
    struct fake_dom doms[4];
    size_t ndoms;
    int unreachable;           /* -ECONNREFUSED/-ETIMEDOUT for every call */
    unsigned fail_bus, fail_dev; /* attach of this address fails with -EIO */
    unsigned attaches, detaches, calls;
};

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static struct fake_dom *fdom(struct fake *f, const char *uri, const char *name)
{
    for (size_t i = 0; i < f->ndoms; i++)
        if (same(f->doms[i].uri, uri) && strcmp(f->doms[i].name, name) == 0)
            return &f->doms[i];
    return NULL;
}

static char *live_xml(const struct fake_dom *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "<domain type='qemu' id='1'><name>%s</name><devices>", d->name);
    for (size_t i = 0; i < d->n; i++)
        fprintf(f, "<hostdev mode='subsystem' type='usb' managed='yes'><source>"
                   "<address bus='%u' device='%u'/></source></hostdev>", d->bus[i], d->dev[i]);
    fprintf(f, "</devices></domain>");
    fclose(f);
    return buf;
}

static int f_state(void *ctx, const char *uri, const char *name, enum virt_state *st,
                   struct virt_err *err)
{
    struct fake *f = ctx;
    f->calls++;
    if (f->unreachable) {
        snprintf(err->msg, sizeof(err->msg), "fake: unreachable");
        return f->unreachable;
    }
    struct fake_dom *d = fdom(f, uri, name);
    if (!d)
        return -ENOENT;
    *st = d->state;
    return 0;
}

static int f_get_xml(void *ctx, const char *uri, const char *name, bool inactive, char **xml,
                     struct virt_err *err)
{
    struct fake *f = ctx;
    (void)inactive;
    (void)err;
    f->calls++;
    if (f->unreachable)
        return f->unreachable;
    struct fake_dom *d = fdom(f, uri, name);
    if (!d)
        return -ENOENT;
    *xml = live_xml(d);
    return 0;
}

static int f_list(void *ctx, const char *uri, struct virt_domain **doms, size_t *n,
                  struct virt_err *err)
{
    struct fake *f = ctx;
    f->calls++;
    if (f->unreachable) {
        snprintf(err->msg, sizeof(err->msg), "fake: unreachable");
        return f->unreachable;
    }
    struct virt_domain *v = calloc(f->ndoms + 1, sizeof(*v));
    size_t cnt = 0;
    for (size_t i = 0; i < f->ndoms; i++) {
        if (!same(f->doms[i].uri, uri) || f->doms[i].state != VIRT_STATE_RUNNING)
            continue;
        v[cnt].name = strdup(f->doms[i].name);
        v[cnt].xml = live_xml(&f->doms[i]);
        cnt++;
    }
    *doms = v;
    *n = cnt;
    return 0;
}

/* Read bus/device back from the XML vmctl hands over, as libvirt would. */
static void xml_addr(const char *xml, unsigned *bus, unsigned *dev)
{
    const char *p = strstr(xml, "bus='");
    assert_non_null(p);
    *bus = (unsigned)strtoul(p + 5, NULL, 10);
    p = strstr(xml, "device='");
    assert_non_null(p);
    *dev = (unsigned)strtoul(p + 8, NULL, 10);
}

static int f_attach(void *ctx, const char *uri, const char *name, const char *xml,
                    struct virt_err *err)
{
    struct fake *f = ctx;
    f->calls++;
    struct fake_dom *d = fdom(f, uri, name);
    if (!d)
        return -ENOENT;
    unsigned b, v;
    xml_addr(xml, &b, &v);
    if (b == f->fail_bus && v == f->fail_dev) {
        snprintf(err->msg, sizeof(err->msg), "fake: cannot open /dev/bus/usb");
        return -EIO;
    }
    f->attaches++;
    d->bus[d->n] = b;
    d->dev[d->n] = v;
    d->n++;
    return 0;
}

static int f_detach(void *ctx, const char *uri, const char *name, const char *xml,
                    struct virt_err *err)
{
    struct fake *f = ctx;
    (void)err;
    f->calls++;
    struct fake_dom *d = fdom(f, uri, name);
    if (!d)
        return -ENOENT;
    unsigned b, v;
    xml_addr(xml, &b, &v);
    for (size_t i = 0; i < d->n; i++) {
        if (d->bus[i] == b && d->dev[i] == v) {
            d->bus[i] = d->bus[d->n - 1];
            d->dev[i] = d->dev[d->n - 1];
            d->n--;
            f->detaches++;
            return 0;
        }
    }
    return -ENODEV;
}

static const struct virt_ops fake_ops = {
    .state = f_state,
    .get_xml = f_get_xml,
    .list_running = f_list,
    .attach = f_attach,
    .detach = f_detach,
};

/* ---- fixtures: the user's three devices and two guests ---- */

static const struct devinfo devs[] = {
    { .bus = 3, .dev = 6, .vid = 0x0403, .pid = 0x7840, .serial = "GK9VZF", .port = "2" },
    { .bus = 5, .dev = 2, .vid = 0x0403, .pid = 0x7840, .serial = "GDYXTH", .port = "4" },
    { .bus = 5, .dev = 7, .vid = 0x0403, .pid = 0x7840, .serial = "GTH4R8", .port = "2.3" },
};

static const char conf_text[] =
    "DOMAIN_RNG_vm1=( GK9VZF GDYXTH )\n"
    "DOMAIN_NAME_vm2=\"web server\"\n"
    "DOMAIN_RNG_vm2=( ABSENT1 )\n";

struct fx {
    struct vmconf *conf;
    struct fake fake;
    struct vmctl ctl;
    char err[600];
};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof(*x));
    char err[300];
    assert_int_equal(vmconf_parse(conf_text, strlen(conf_text), "vm.conf", &x->conf, err,
                                  sizeof(err)),
                     0);
    x->fake.doms[0] = (struct fake_dom){ .name = "vm1", .state = VIRT_STATE_RUNNING };
    x->fake.doms[1] = (struct fake_dom){ .name = "web server", .state = VIRT_STATE_SHUTOFF };
    x->fake.doms[2] = (struct fake_dom){ .name = "other", .state = VIRT_STATE_RUNNING };
    x->fake.ndoms = 3;
    x->ctl = (struct vmctl){
        .conf = x->conf, .devs = devs, .ndevs = 3, .ops = &fake_ops, .ops_ctx = &x->fake,
    };
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    vmconf_free(x->conf);
    free(x);
    return 0;
}

static void test_plan_one_by_serial_and_address(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].serial, "GK9VZF");
    assert_string_equal(p.items[0].domain, "vm1");
    assert_string_equal(p.items[0].conf_id, "vm1");
    assert_null(p.items[0].uri);
    assert_int_equal(p.items[0].bus, 3);
    assert_int_equal(p.items[0].dev, 6);
    assert_true(p.items[0].present);
    assert_non_null(strstr(p.items[0].xml, "<address bus='3' device='6'/>"));
    vmctl_plan_free(&p);

    /* bus:dev and bus-port name the same kind of thing. */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "5:2", &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].serial, "GDYXTH");
    assert_int_equal(p.items[0].action, VMCTL_DETACH);
    vmctl_plan_free(&p);
    /* GTH4R8 (5-2.3) is assigned nowhere: an empty plan, not an error. */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "5-2.3", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 0);

    /* -D wins over vm.conf, and maps a config id to its libvirt name. */
    x->ctl.domain = "vm2";
    x->ctl.uri = "qemu:///session";
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "5-2.3", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].domain, "web server");
    assert_string_equal(p.items[0].uri, "qemu:///session");
    vmctl_plan_free(&p);
    x->ctl.domain = "not-in-conf";
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GTH4R8", &p, x->err, sizeof(x->err)),
                     0);
    assert_string_equal(p.items[0].domain, "not-in-conf");
    assert_null(p.items[0].conf_id);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.calls, 0); /* planning never talks to libvirt */
}

static void test_plan_one_errors(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "3:", &p, x->err, sizeof(x->err)),
                     -EINVAL);
    assert_non_null(strstr(x->err, "3:"));
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "NOSUCH1", &p, x->err, sizeof(x->err)),
                     -ENODEV);
    assert_non_null(strstr(x->err, "NOSUCH1"));
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "4:9", &p, x->err, sizeof(x->err)),
                     -ENODEV);
    /* The address given must agree with the device found. */
    x->ctl.bus = 3;
    x->ctl.dev = 7;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     -EINVAL);
    assert_non_null(strstr(x->err, "003:006"));
}

/* A bare device number on two buses names both and picks neither; with
 * its bus, or by serial, each is found. */
static void test_plan_one_ambiguous_devnum(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    static const struct devinfo two_buses[] = {
        { .bus = 3, .dev = 6, .vid = 0x0403, .pid = 0x7840, .serial = "GK9VZF", .port = "2" },
        { .bus = 5, .dev = 2, .vid = 0x0403, .pid = 0x7840, .serial = "GDYXTH", .port = "4" },
        { .bus = 1, .dev = 6, .vid = 0x0403, .pid = 0x7840, .serial = "GTH4R8", .port = "1" },
    };
    x->ctl.devs = two_buses;
    const char *ids[] = { "6", ":6", "006" };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        memset(&p, 0xA5, sizeof(p));
        x->err[0] = 0;
        assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, ids[i], &p, x->err,
                                        sizeof(x->err)),
                         -EINVAL);
        assert_string_equal(x->err, "Bus:Device *:006 matches more than one BitBabbler: "
                                    "003:006 (Serial 'GK9VZF') and 001:006 (Serial 'GTH4R8'); "
                                    "name one by BUS:DEV or serial number");
    }
    const struct devinfo *d = NULL;
    struct devid id;
    assert_int_equal(devid_parse("6", &id, NULL, 0), 0);
    assert_int_equal(vmctl_find(&x->ctl, &id, &d, x->err, sizeof(x->err)), -EINVAL);
    assert_null(d);
    assert_int_equal(devid_parse("1:6", &id, NULL, 0), 0);
    assert_int_equal(vmctl_find(&x->ctl, &id, &d, x->err, sizeof(x->err)), 0);
    assert_string_equal(d->serial, "GTH4R8");
    assert_int_equal(devid_parse("2", &id, NULL, 0), 0); /* on one bus only */
    assert_int_equal(vmctl_find(&x->ctl, &id, &d, x->err, sizeof(x->err)), 0);
    assert_string_equal(d->serial, "GDYXTH");
    assert_int_equal(devid_parse("9", &id, NULL, 0), 0);
    assert_int_equal(vmctl_find(&x->ctl, &id, &d, x->err, sizeof(x->err)), -ENODEV);
    /* By serial: the plan is for the device on bus 1. */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "1:6", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 0); /* GTH4R8 is assigned nowhere */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "3:6", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].serial, "GK9VZF");
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.calls, 0);
}

static void test_plan_one_gone_device(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    /* udev remove: the device is no longer in the scan; bus/dev say where
     * it was, the serial says whose it is. */
    x->ctl.ndevs = 0;
    x->ctl.bus = 3;
    x->ctl.dev = 6;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 1);
    assert_false(p.items[0].present);
    assert_string_equal(p.items[0].domain, "vm1");
    assert_non_null(strstr(p.items[0].xml, "bus='3' device='6'"));
    vmctl_plan_free(&p);
}

static void test_plan_all(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, NULL, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.n, 2); /* ABSENT1 is skipped */
    assert_string_equal(p.items[0].serial, "GK9VZF");
    assert_string_equal(p.items[1].serial, "GDYXTH");
    vmctl_plan_free(&p);
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "web server", &p, x->err,
                                    sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 0);
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "vm3", &p, x->err, sizeof(x->err)),
                     -ENOENT);
    assert_non_null(strstr(x->err, "vm3"));
}

static void test_check_errors_change_nothing(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;

    /* A stopped domain. */
    x->ctl.domain = "vm2";
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), -ESRCH);
    assert_non_null(strstr(x->err, "not running"));
    vmctl_plan_free(&p);

    /* An unknown domain. */
    x->ctl.domain = "ghost";
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), -ENOENT);
    assert_non_null(strstr(x->err, "ghost"));
    vmctl_plan_free(&p);

    /* Attached to another running domain: refused before anything moves. */
    x->fake.doms[2].bus[0] = 5;
    x->fake.doms[2].dev[0] = 2;
    x->fake.doms[2].n = 1;
    x->ctl.domain = NULL;
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "vm1", &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.n, 2);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), -EBUSY);
    assert_non_null(strstr(x->err, "GDYXTH"));
    assert_non_null(strstr(x->err, "other"));
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.attaches, 0);

    /* libvirt unreachable. */
    x->fake.unreachable = -ETIMEDOUT;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), -ETIMEDOUT);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.attaches, 0);
}

static void test_attach_all_then_detach(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "vm1", &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    assert_int_equal(p.items[0].fate, VMCTL_DONE);
    assert_int_equal(p.items[1].fate, VMCTL_DONE);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.attaches, 2);
    assert_int_equal(x->fake.doms[0].n, 2);

    /* Again: nothing to do, nothing called. */
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "vm1", &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.items[0].fate, VMCTL_ALREADY);
    assert_int_equal(p.items[1].fate, VMCTL_ALREADY);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.attaches, 2);

    /* Unplugged: detach by serial and last address. */
    x->ctl.ndevs = 0;
    x->ctl.bus = 3;
    x->ctl.dev = 6;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    assert_int_equal(p.items[0].fate, VMCTL_DONE);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.detaches, 1);
    assert_int_equal(x->fake.doms[0].n, 1);
    assert_int_equal(x->fake.doms[0].bus[0], 5);

    /* Detaching what is not attached is a no-op. */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "GK9VZF", &p, x->err, sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.items[0].fate, VMCTL_ALREADY);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.detaches, 1);
}

static void test_execute_failure_is_per_device(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    x->fake.fail_bus = 3;
    x->fake.fail_dev = 6;
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, NULL, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_execute(&x->ctl, &p), -EIO);
    assert_int_equal(p.items[0].fate, VMCTL_FAILED);
    assert_int_equal(p.items[0].rc, -EIO);
    assert_non_null(strstr(p.items[0].err, "cannot open"));
    assert_int_equal(p.items[1].fate, VMCTL_DONE);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.doms[0].n, 1);
}

static void test_status(void **state)
{
    struct fx *x = *state;
    struct vmctl_row *rows;
    size_t n;
    x->fake.doms[0].bus[0] = 3;
    x->fake.doms[0].dev[0] = 6;
    x->fake.doms[0].n = 1;
    assert_int_equal(vmctl_status(&x->ctl, &rows, &n, x->err, sizeof(x->err)), 0);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].serial, "GK9VZF");
    assert_string_equal(rows[0].port, "3-2");
    assert_string_equal(rows[0].assigned, "vm1");
    assert_string_equal(rows[0].attached, "vm1");
    assert_false(rows[0].host_may_claim);
    assert_string_equal(rows[1].serial, "GDYXTH");
    assert_null(rows[1].attached);
    assert_string_equal(rows[2].serial, "GTH4R8");
    assert_string_equal(rows[2].port, "5-2.3");
    assert_null(rows[2].assigned);
    assert_true(rows[2].host_may_claim);
    assert_string_equal(rows[3].serial, "ABSENT1");
    assert_false(rows[3].present);
    assert_string_equal(rows[3].assigned, "web server");
    vmctl_rows_free(rows, n);

    /* libvirt down: the rows are still there, attachment unknown. */
    x->fake.unreachable = -ECONNREFUSED;
    assert_int_equal(vmctl_status(&x->ctl, &rows, &n, x->err, sizeof(x->err)), -ECONNREFUSED);
    assert_int_equal(n, 4);
    assert_true(rows[0].attached_unknown);
    assert_null(rows[0].attached);
    assert_non_null(strstr(x->err, "unreachable"));
    vmctl_rows_free(rows, n);
}

/* ---- any USB device by VID:PID:SERIAL (DOMAIN_USB_<id>) ---- */

/* A BitBabbler, two other devices in vm.conf (one with a BitBabbler's
 * serial under another VID:PID), one in no entry. */
static const struct devinfo mixed[] = {
    { .bus = 3, .dev = 6, .vid = 0x0403, .pid = 0x7840, .serial = "GK9VZF", .port = "2" },
    { .bus = 5, .dev = 9, .vid = 0x1d6b, .pid = 0x0104, .serial = "ABC123", .port = "1" },
    { .bus = 1, .dev = 4, .vid = 0x046d, .pid = 0xc52b, .serial = "GK9VZF", .port = "3" },
    { .bus = 1, .dev = 5, .vid = 0x1d6b, .pid = 0x0104, .serial = "OTHER1", .port = "4" },
};

static const char mixed_conf[] =
    "DOMAIN_RNG_vm1=( GK9VZF )\n"
    "DOMAIN_USB_vm1=( 1d6b:0104:ABC123 1d6b:0104:ABSENT )\n"
    "DOMAIN_USB_other=( 046d:c52b:GK9VZF )\n";

static void use_mixed(struct fx *x)
{
    char err[300];
    vmconf_free(x->conf);
    x->conf = NULL;
    assert_int_equal(vmconf_parse(mixed_conf, strlen(mixed_conf), "vm.conf", &x->conf, err,
                                  sizeof(err)),
                     0);
    x->ctl.conf = x->conf;
    x->ctl.devs = mixed;
    x->ctl.ndevs = 4;
}

static void plan_one_is(struct fx *x, const char *device, const char *domain, uint16_t vid,
                        unsigned bus, unsigned dev)
{
    struct vmctl_plan p;
    int r = vmctl_plan_one(&x->ctl, VMCTL_ATTACH, device, &p, x->err, sizeof(x->err));
    if (r)
        fail_msg("%s: %d %s", device, r, x->err);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].domain, domain);
    assert_int_equal(p.items[0].vid, vid);
    assert_int_equal(p.items[0].bus, bus);
    assert_int_equal(p.items[0].dev, dev);
    char want[64];
    snprintf(want, sizeof(want), "<address bus='%u' device='%u'/>", bus, dev);
    assert_non_null(strstr(p.items[0].xml, want));
    vmctl_plan_free(&p);
}

static void test_usb_plan_one(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    use_mixed(x);
    plan_one_is(x, "1d6b:0104:ABC123", "vm1", 0x1d6b, 5, 9);
    plan_one_is(x, "1D6B:0104:ABC123", "vm1", 0x1d6b, 5, 9);
    plan_one_is(x, "5:9", "vm1", 0x1d6b, 5, 9);            /* by address too */
    /* a bare serial is a BitBabbler's, never the other device's */
    plan_one_is(x, "GK9VZF", "vm1", 0x0403, 3, 6);
    plan_one_is(x, "0403:7840:GK9VZF", "vm1", 0x0403, 3, 6);
    plan_one_is(x, "046d:c52b:GK9VZF", "other", 0x046d, 1, 4);
    /* present but in no entry: nothing to do */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "1d6b:0104:OTHER1", &p, x->err,
                                    sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 0);
    /* absent, no address: named */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "1d6b:0104:ABSENT", &p, x->err,
                                    sizeof(x->err)),
                     -ENODEV);
    assert_non_null(strstr(x->err, "no USB device with Device 1d6b:0104:ABSENT"));
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "0403:7840:GK9", &p, x->err,
                                    sizeof(x->err)),
                     -EINVAL);
    /* gone (udev remove): by the address udev gives */
    x->ctl.bus = 5;
    x->ctl.dev = 12;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "1d6b:0104:ABSENT", &p, x->err,
                                    sizeof(x->err)),
                     0);
    assert_int_equal(p.n, 1);
    assert_false(p.items[0].present);
    assert_int_equal(p.items[0].vid, 0x1d6b);
    assert_int_equal(p.items[0].pid, 0x0104);
    assert_string_equal(p.items[0].serial, "ABSENT");
    assert_string_equal(p.items[0].domain, "vm1");
    assert_non_null(strstr(p.items[0].xml, "<address bus='5' device='12'/>"));
    vmctl_plan_free(&p);
    /* present elsewhere than -b/-d say */
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "1d6b:0104:ABC123", &p, x->err,
                                    sizeof(x->err)),
                     -EINVAL);
    assert_non_null(strstr(x->err, "Device 1d6b:0104:ABC123 is at Bus:Device 005:009"));
    assert_int_equal(x->fake.calls, 0);
}

static void test_usb_attach_all_check_status(void **state)
{
    struct fx *x = *state;
    struct vmctl_plan p;
    use_mixed(x);
    x->fake.doms[1] = (struct fake_dom){ .name = "other", .state = VIRT_STATE_RUNNING };
    x->fake.ndoms = 2;
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, "vm1", &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.n, 2);   /* GK9VZF and ABC123; ABSENT skipped */
    assert_int_equal(p.items[1].vid, 0x1d6b);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.doms[0].n, 2);
    assert_int_equal(x->fake.doms[0].bus[1], 5);
    assert_int_equal(x->fake.doms[0].dev[1], 9);
    assert_int_equal(vmctl_plan_all(&x->ctl, VMCTL_ATTACH, NULL, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(p.items[1].fate, VMCTL_ALREADY);  /* ABC123 found in vm1's live XML */
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.doms[1].n, 1);
    /* in another running domain already: refused, naming the device */
    x->ctl.domain = "vm1";
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_ATTACH, "046d:c52b:GK9VZF", &p, x->err,
                                    sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), -EBUSY);
    assert_non_null(strstr(x->err, "Device 046d:c52b:GK9VZF (Bus:Device 001:004) is attached "
                                   "to 'other' already, not attaching it to 'vm1'"));
    vmctl_plan_free(&p);
    x->ctl.domain = NULL;

    struct vmctl_row *rows;
    size_t n;
    assert_int_equal(vmctl_status(&x->ctl, &rows, &n, x->err, sizeof(x->err)), 0);
    assert_int_equal(n, 5);
    assert_string_equal(rows[1].serial, "ABC123");
    assert_int_equal(rows[1].vid, 0x1d6b);
    assert_string_equal(rows[1].attached, "vm1");
    assert_false(rows[1].host_may_claim);
    assert_string_equal(rows[2].attached, "other");
    assert_int_equal(rows[3].pid, 0x0104);   /* OTHER1: no domain, and not seedd's either */
    assert_null(rows[3].assigned);
    assert_false(rows[3].host_may_claim);
    assert_string_equal(rows[4].serial, "ABSENT");
    assert_false(rows[4].present);
    assert_string_equal(rows[4].assigned, "vm1");
    vmctl_rows_free(rows, n);

    /* unplugged: detach by VID:PID:SERIAL and the last address */
    x->ctl.ndevs = 0;
    x->ctl.bus = 5;
    x->ctl.dev = 9;
    assert_int_equal(vmctl_plan_one(&x->ctl, VMCTL_DETACH, "1d6b:0104:ABC123", &p, x->err,
                                    sizeof(x->err)),
                     0);
    assert_int_equal(vmctl_check(&x->ctl, &p, x->err, sizeof(x->err)), 0);
    assert_int_equal(vmctl_execute(&x->ctl, &p), 0);
    assert_int_equal(p.items[0].fate, VMCTL_DONE);
    vmctl_plan_free(&p);
    assert_int_equal(x->fake.doms[0].n, 1);
    assert_int_equal(x->fake.doms[0].bus[0], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan_one_by_serial_and_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_one_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_one_ambiguous_devnum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_one_gone_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_errors_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attach_all_then_detach, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execute_failure_is_per_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usb_plan_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usb_attach_all_check_status, setup, teardown),
    };
    return unit_run(tests);
}
