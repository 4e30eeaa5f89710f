/* bbvirt commands: each turns options into vmctl/virtxml calls and prints
 * the result.  Output goes to stdout only once a command has everything
 * it needs, so a failure never leaves half an answer behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bbvirt.h"
#include "climsg.h"
#include "devid.h"
#include "log.h"
#include "usbany.h"
#include "usbenum.h"
#include "virt.h"
#include "virtxml.h"
#include "vmconf.h"
#include "vmctl.h"

struct ctx {
    const struct bbvirt_opts *o;
    struct vmconf *conf;
    struct devinfo *devs;
    size_t ndevs;
    bool scanned;
    struct virt_libvirt lv;
    struct vmctl ctl;
};

int bbvirt_exit_code(int rc)
{
    switch (rc) {
    case 0:
        return EXIT_OK;
    case -EINVAL:
        return EXIT_USAGE;
    case -ENODEV:
    case -ENOENT:
    case -ESRCH:
    case -EBUSY:
        return EXIT_NOTFOUND;
    case -ETIMEDOUT:
    case -ECONNREFUSED:
        return EXIT_UNREACH;
    default:
        return EXIT_LIBVIRT;
    }
}

/* Set when messages go to syslog or a log file: errors go there too, as
 * well as to stderr (udev and the hook worker have no useful stderr). */
static bool log_elsewhere;

/* Arguments in msg are made printable (climsg_escape). */
static int say_error(int rc, const char *msg)
{
    char shown[600];
    fprintf(stderr, "bbvirt: %s\n", climsg_escape(msg, shown, sizeof(shown)));
    if (log_elsewhere)
        log_msg(0, "%s", msg);
    return bbvirt_exit_code(rc);
}

/* say_error() with a format; returns the exit status given. */
static int complain(int status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    say_error(0, msg);
    return status;
}

static int load_conf(struct ctx *x)
{
    char err[600];
    int r = vmconf_load(x->o->config, &x->conf, err, sizeof(err));
    if (r == -ENOENT && !x->o->config_explicit) {
        log_msg(LOG_WARN_LVL, "%s does not exist: no devices are assigned to domains",
                x->o->config);
        r = vmconf_new_empty(&x->conf);
        if (r == 0)
            return 0;
        snprintf(err, sizeof(err), "out of memory");
    }
    if (r)
        return say_error(-EINVAL, err);
    return 0;
}

static bool is_bb(uint16_t vid, uint16_t pid)
{
    return vid == BB_VENDOR_ID && pid == BB_PRODUCT_ID;
}

/* A device other than a BitBabbler that vm.conf or an argument names. */
static bool wanted(const struct ctx *x, const struct devinfo *d)
{
    if (!d->serial[0])
        return false;
    if (vmconf_for_usb(x->conf, d->vid, d->pid, d->serial))
        return true;
    for (int i = 0; i < x->o->nargs; i++) {
        struct vmconf_usb u;
        if (vmconf_parse_usb(x->o->args[i], &u) == 0 && u.vid == d->vid && u.pid == d->pid &&
            strcmp(u.serial, d->serial) == 0)
            return true;
    }
    return false;
}

/* Add the devices of vid:pid that wanted() picks, once per vid:pid. */
static int scan_other(struct ctx *x, uint16_t vid, uint16_t pid)
{
    if (is_bb(vid, pid))
        return 0;
    for (size_t i = 0; i < x->ndevs; i++)
        if (x->devs[i].vid == vid && x->devs[i].pid == pid)
            return 0;
    struct devinfo *v = NULL;
    size_t n = 0;
    int r = usbany_scan(vid, pid, &v, &n);
    if (r)
        return r;
    struct devinfo *all = realloc(x->devs, (x->ndevs + n + 1) * sizeof(*all));
    if (!all) {
        free(v);
        return -ENOMEM;
    }
    x->devs = all;
    for (size_t i = 0; i < n; i++)
        if (wanted(x, &v[i]))
            x->devs[x->ndevs++] = v[i];
    free(v);
    return 0;
}

/* BitBabblers, then the other USB devices vm.conf's DOMAIN_USB_ entries
 * and VID:PID:SERIAL arguments name (only those: nothing else is listed). */
static int scan_others(struct ctx *x)
{
    int r = 0;
    for (size_t i = 0; i < vmconf_count(x->conf) && r == 0; i++) {
        const struct vmconf_domain *d = vmconf_domain(x->conf, i);
        for (size_t k = 0; k < d->nusb && r == 0; k++)
            r = scan_other(x, d->usb[k].vid, d->usb[k].pid);
    }
    for (int i = 0; i < x->o->nargs && r == 0; i++) {
        struct vmconf_usb u;
        if (vmconf_parse_usb(x->o->args[i], &u) == 0)
            r = scan_other(x, u.vid, u.pid);
    }
    return r;
}

static int scan(struct ctx *x)
{
    if (x->scanned)
        return 0;
    struct usbenum *ue = NULL;
    int r = usbenum_new(NULL, &ue);
    if (r == 0)
        r = usbenum_scan(ue, &x->devs, &x->ndevs);
    /* Freed at once: libvirt work happens in forked children, which is
     * simplest with no libusb threads around. */
    usbenum_free(ue);
    if (r == 0)
        r = scan_others(x);
    if (r) {
        char msg[200];
        snprintf(msg, sizeof(msg), "cannot scan for devices: %s", strerror(-r));
        return say_error(-EINVAL, msg);
    }
    x->scanned = true;
    x->ctl.devs = x->devs;
    x->ctl.ndevs = x->ndevs;
    return 0;
}

static const char *action_name(enum vmctl_action a)
{
    return a == VMCTL_ATTACH ? "attach" : "detach";
}

/* -n: the libvirt call and the XML, one item after another. */
static void print_plan(const struct vmctl_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct vmctl_item *it = &p->items[i];
        char what[DEVINFO_STR_MAX + 32];
        printf("# %s %s (Bus:Device %03u:%03u) %s domain '%s' at %s:\n",
               action_name(it->action),
               vmctl_what(it->vid, it->pid, it->serial, what, sizeof(what)), it->bus, it->dev,
               it->action == VMCTL_ATTACH ? "to" : "from", it->domain, virt_uri_name(it->uri));
        printf("# virDomain%sDeviceFlags(VIR_DOMAIN_AFFECT_LIVE), as: virsh%s%s %s-device '%s' "
               "FILE --live\n",
               it->action == VMCTL_ATTACH ? "Attach" : "Detach", it->uri ? " -c " : "",
               it->uri ? it->uri : "", action_name(it->action), it->domain);
        fputs(it->xml, stdout);
    }
    fflush(stdout);
}

static int run_plan(struct ctx *x, struct vmctl_plan *p)
{
    char err[600];
    if (p->n == 0)
        return EXIT_OK;
    if (x->o->dry_run) {
        print_plan(p);
        return EXIT_OK;
    }
    int r = vmctl_check(&x->ctl, p, err, sizeof(err));
    if (r)
        return say_error(r, err);
    r = vmctl_execute(&x->ctl, p);
    for (size_t i = 0; i < p->n; i++) {
        const struct vmctl_item *it = &p->items[i];
        const char *dir = it->action == VMCTL_ATTACH ? "to" : "from";
        char what[DEVINFO_STR_MAX + 32];
        vmctl_what(it->vid, it->pid, it->serial, what, sizeof(what));
        switch (it->fate) {
        case VMCTL_ALREADY:
            log_msg(0, "%s (Bus:Device %03u:%03u) %s '%s'", what, it->bus, it->dev,
                    it->action == VMCTL_ATTACH ? "is attached already to" : "is not attached to",
                    it->domain);
            break;
        case VMCTL_DONE:
            log_msg(0, "%sed %s (Bus:Device %03u:%03u) %s '%s'", action_name(it->action), what,
                    it->bus, it->dev, dir, it->domain);
            break;
        case VMCTL_FAILED:
        {
            char msg[1024];
            snprintf(msg, sizeof(msg), "%s %s (Bus:Device %03u:%03u) %s '%s' failed: %s",
                     action_name(it->action), what, it->bus, it->dev, dir, it->domain, it->err);
            say_error(it->rc, msg);
            break;
        }
        case VMCTL_TODO:
            break;
        }
    }
    return bbvirt_exit_code(r);
}

static int need_args(const struct bbvirt_opts *o, int min, int max, const char *usage)
{
    if (o->nargs < min || (max >= 0 && o->nargs > max)) {
        fprintf(stderr, "bbvirt: usage: bbvirt %s %s\n", o->command, usage);
        return EXIT_USAGE;
    }
    return 0;
}

static int cmd_one(struct ctx *x, enum vmctl_action a)
{
    char err[600];
    struct vmctl_plan p = { 0 };
    int r = need_args(x->o, 1, 1, "DEVICE [-D DOMAIN] [-b BUS -d DEV]");
    if (r)
        return r;
    /* udev runs us for every USB device with a serial: one that vm.conf
     * does not name is done with before any scan or libvirt call. */
    struct vmconf_usb u;
    if (!x->o->domain && vmconf_parse_usb(x->o->args[0], &u) == 0 && !is_bb(u.vid, u.pid) &&
        !vmconf_for_usb(x->conf, u.vid, u.pid, u.serial)) {
        log_msg(LOG_INFO_LVL, "Device %s is not assigned to any domain: nothing to do",
                x->o->args[0]);
        return EXIT_OK;
    }
    if ((r = scan(x)))
        return r;
    r = vmctl_plan_one(&x->ctl, a, x->o->args[0], &p, err, sizeof(err));
    if (r)
        return say_error(r, err);
    r = run_plan(x, &p);
    vmctl_plan_free(&p);
    return r;
}

static int all_of(struct ctx *x, enum vmctl_action a, const char *domain)
{
    char err[600];
    struct vmctl_plan p = { 0 };
    int r = scan(x);
    if (r)
        return r;
    r = vmctl_plan_all(&x->ctl, a, domain, &p, err, sizeof(err));
    if (r)
        return say_error(r, err);
    r = run_plan(x, &p);
    vmctl_plan_free(&p);
    return r;
}

static int cmd_all(struct ctx *x, enum vmctl_action a)
{
    int r = need_args(x->o, 0, 1, "[DOMAIN]");
    return r ? r : all_of(x, a, x->o->nargs ? x->o->args[0] : x->o->domain);
}

static int cmd_status(struct ctx *x)
{
    char err[600] = "";
    struct vmctl_row *rows = NULL;
    size_t n = 0;
    int r = need_args(x->o, 0, 0, "");
    if (r || (r = scan(x)))
        return r;
    r = vmctl_status(&x->ctl, &rows, &n, err, sizeof(err));
    if (r == -ENOMEM)
        return say_error(r, err);
    /* The first column fits VID:PID:SERIAL of devices other than BitBabblers. */
    int wid = 10;
    for (size_t i = 0; i < n; i++)
        if (!is_bb(rows[i].vid, rows[i].pid) && (int)strlen(rows[i].serial) + 10 > wid)
            wid = (int)strlen(rows[i].serial) + 10;
    printf("%-*s %-8s %-10s %-16s %-16s %s\n", wid, "SERIAL", "BUS:DEV", "PORT", "ASSIGNED",
           "ATTACHED", "HOST-SEEDD");
    for (size_t i = 0; i < n; i++) {
        const struct vmctl_row *w = &rows[i];
        char addr[16] = "-";
        if (w->present)
            snprintf(addr, sizeof(addr), "%03u:%03u", w->bus, w->dev);
        const char *att = w->attached ? w->attached : w->attached_unknown ? "?" : "-";
        char id[VMCONF_USB_TEXT_MAX];
        bool bb = is_bb(w->vid, w->pid);
        printf("%-*s %-8s %-10s %-16s %-16s %s\n", wid,
               bb ? w->serial : vmconf_usb_format(w->vid, w->pid, w->serial, id, sizeof(id)),
               addr, w->present ? (w->port[0] ? w->port : "-") : "(absent)",
               w->assigned ? w->assigned : "-", att,
               w->host_may_claim ? "yes" : bb ? "no (guest)" : "no (not BB)");
    }
    fflush(stdout);
    vmctl_rows_free(rows, n);
    if (r == 0)
        bbvirt_rng_status(x->o, x->conf, &x->lv);
    if (r) {
        fprintf(stderr, "bbvirt: where devices are attached is unknown: %s\n", err);
        return bbvirt_exit_code(r);
    }
    return EXIT_OK;
}

/* DEVICE arguments to scanned devices (each must be present). */
/* A VID:PID:SERIAL argument: the device scan() listed for it, or NULL. */
static const struct devinfo *find_usb_arg(const struct ctx *x, const struct vmconf_usb *u)
{
    for (size_t k = 0; k < x->ndevs; k++)
        if (x->devs[k].vid == u->vid && x->devs[k].pid == u->pid &&
            strcmp(x->devs[k].serial, u->serial) == 0)
            return &x->devs[k];
    return NULL;
}

/* DEVICE arguments to scanned devices (each must be present). */
static int resolve(struct ctx *x, char **args, int nargs, struct devinfo **out, size_t *n)
{
    char err[300];
    struct devinfo *v = calloc(nargs ? (size_t)nargs : 1, sizeof(*v));
    if (!v)
        return say_error(-ENOMEM, "out of memory");
    for (int i = 0; i < nargs; i++) {
        struct devid id;
        struct vmconf_usb u;
        char what[DEVINFO_STR_MAX + 64];
        const struct devinfo *d = NULL;
        int r;
        if (vmconf_parse_usb(args[i], &u) == 0) {
            if (!(d = find_usb_arg(x, &u))) {
                free(v);
                return complain(EXIT_NOTFOUND, "no USB device %.200s is present", args[i]);
            }
            v[i] = *d;
            continue;
        }
        if (devid_parse(args[i], &id, err, sizeof(err))) {
            free(v);
            return say_error(-EINVAL, err);
        }
        r = vmctl_find(&x->ctl, &id, &d, err, sizeof(err));
        if (r == -ENODEV)
            snprintf(err, sizeof(err), "no BitBabbler with %s is present",
                     devid_format(&id, what, sizeof(what)));
        if (r) {
            free(v);
            return say_error(r, err);
        }
        v[i] = *d;
    }
    *out = v;
    *n = (size_t)nargs;
    return 0;
}

static int emit(char *text)
{
    if (!text)
        return say_error(-errno, errno == EINVAL ? "invalid input for this snippet"
                                                 : "out of memory");
    fputs(text, stdout);
    fflush(stdout);
    free(text);
    return EXIT_OK;
}

static int cmd_xml(struct ctx *x)
{
    if (x->o->by_vidpid) {
        int r = need_args(x->o, 0, 0, "--by-vid-pid");
        return r ? r : emit(virtxml_hostdev_vidpid());
    }
    struct devinfo *d = NULL;
    size_t n = 0;
    int r = need_args(x->o, 1, 1, "DEVICE | --by-vid-pid");
    if (r || (r = scan(x)) || (r = resolve(x, x->o->args, 1, &d, &n)))
        return r;
    r = emit(virtxml_hostdev_addr(d[0].bus, d[0].dev));
    free(d);
    return r;
}

static int cmd_qemu_args(struct ctx *x)
{
    struct devinfo *d = NULL;
    size_t n = 0;
    int r = scan(x);
    if (r)
        return r;
    if (x->o->nargs == 0) {
        /* All present devices, as the seed document's example does. */
        d = calloc(x->ndevs ? x->ndevs : 1, sizeof(*d));
        if (!d)
            return say_error(-ENOMEM, "out of memory");
        for (size_t i = 0; i < x->ndevs; i++)
            if (x->devs[i].serial[0] && is_bb(x->devs[i].vid, x->devs[i].pid))
                d[n++] = x->devs[i];
        if (n == 0) {
            free(d);
            return say_error(-ENODEV, "no BitBabblers are present");
        }
    } else if ((r = resolve(x, x->o->args, x->o->nargs, &d, &n))) {
        return r;
    }
    for (size_t i = 0; i < n; i++) {
        if (!d[i].port[0]) {
            fprintf(stderr, "bbvirt: the port of Serial '%s' is not known\n", d[i].serial);
            free(d);
            return EXIT_NOTFOUND;
        }
    }
    r = emit(virtxml_qemu_cmdline(d, n, x->o->legacy_syntax));
    free(d);
    return r;
}

/* Serials for udev-rules/cgroup-acl: the arguments, else every serial
 * vm.conf assigns, else every device present. */
static int pick_serials(struct ctx *x, const char ***out, size_t *n)
{
    size_t cap = (size_t)x->o->nargs;
    for (size_t i = 0; i < vmconf_count(x->conf); i++)
        cap += vmconf_domain(x->conf, i)->nserials;
    const char **v = NULL;
    size_t cnt = 0;
    if (x->o->nargs > 0) {
        v = calloc(cap, sizeof(*v));
        if (!v)
            return say_error(-ENOMEM, "out of memory");
        for (int i = 0; i < x->o->nargs; i++) {
            if (!vmconf_valid_serial(x->o->args[i])) {
                free(v);
                return complain(EXIT_USAGE, "'%.200s' is not a serial number (4 to 127 letters "
                                "and digits)", x->o->args[i]);
            }
            v[cnt++] = x->o->args[i];
        }
    } else if (cap > 0) {
        v = calloc(cap, sizeof(*v));
        if (!v)
            return say_error(-ENOMEM, "out of memory");
        for (size_t i = 0; i < vmconf_count(x->conf); i++) {
            const struct vmconf_domain *d = vmconf_domain(x->conf, i);
            for (size_t k = 0; k < d->nserials; k++)
                v[cnt++] = d->serials[k];
        }
    } else {
        int r = scan(x);
        if (r)
            return r;
        v = calloc(x->ndevs ? x->ndevs : 1, sizeof(*v));
        if (!v)
            return say_error(-ENOMEM, "out of memory");
        for (size_t i = 0; i < x->ndevs; i++)
            if (is_bb(x->devs[i].vid, x->devs[i].pid) && vmconf_valid_serial(x->devs[i].serial))
                v[cnt++] = x->devs[i].serial;
    }
    if (cnt == 0) {
        free(v);
        return say_error(-ENODEV, "no serials: none given, none in vm.conf, none present");
    }
    *out = v;
    *n = cnt;
    return 0;
}

static int cmd_serial_snippet(struct ctx *x, bool udev)
{
    const char **serials = NULL;
    size_t n = 0;
    int r = pick_serials(x, &serials, &n);
    if (r)
        return r;
    if (udev && x->o->group && !*x->o->group) {
        free(serials);
        fprintf(stderr, "bbvirt: --group '': empty group name\n");
        return EXIT_USAGE;
    }
    r = emit(udev ? virtxml_udev_rules(serials, n, x->o->group) : virtxml_cgroup_acl(serials, n));
    free(serials);
    return r;
}

static int cmd_check(struct ctx *x)
{
    int r = need_args(x->o, 1, 1, "DOMAIN");
    if (r)
        return r;
    const struct vmconf_domain *cd = vmconf_find(x->conf, x->o->args[0]);
    const char *name = cd ? cd->name : x->o->args[0];
    const char *uri = x->o->uri ? x->o->uri : cd ? cd->uri : NULL;
    char *xml = NULL;
    struct virt_err ve = { 0 };
    r = x->ctl.ops->get_xml(x->ctl.ops_ctx, uri, name, true, &xml, &ve);
    if (r == -ENOENT) {
        return complain(EXIT_NOTFOUND, "no libvirt domain '%.200s' at %.200s", name,
                        virt_uri_name(uri));
    }
    if (r)
        return say_error(r, ve.msg);
    struct virtxml_usbcheck ck;
    r = virtxml_usb_check(xml, strlen(xml), &ck);
    free(xml);
    if (r)
        return say_error(-EIO, "libvirt returned domain XML that cannot be read");
    if (ck.fast > 0) {
        printf("ok: domain '%s' has a USB 2.0 or better controller\n", name);
        return EXIT_OK;
    }
    if (ck.usb_none)
        printf("warning: domain '%s' has USB disabled (controller model 'none'): no USB device "
               "can be attached to it\n", name);
    else if (ck.controllers == 0)
        printf("warning: domain '%s' has no USB controller\n", name);
    else
        printf("warning: domain '%s' has only a USB 1.1 controller (%s): a BitBabbler "
               "attached to it runs far below its speed\n", name, ck.slow_model);
    if (ck.free_slot < 0) {
        printf("No PCI slot is free on bus 0; add a qemu-xhci controller and let libvirt "
               "place it:\n  <controller type='usb' index='0' model='qemu-xhci'/>\n");
    } else {
        char *el = virtxml_xhci_controller(ck.free_slot);
        if (!el)
            return say_error(-ENOMEM, "out of memory");
        printf("Replace the USB controller(s) in the domain definition (virsh edit %s) "
               "with:\n%s", name, el);
        free(el);
    }
    fflush(stdout);
    return EXIT_CHECK;
}

/* libvirt's qemu hook: "DOMAIN OPERATION SUBOP EXTRA".  A hook must not
 * call libvirt (libvirtd waits for it while holding the domain), so on
 * "started" a detached worker does the attaching; it waits in libvirt
 * until the start has finished.  The hook itself always succeeds: a
 * BitBabbler problem must never stop a guest from starting. */
static int cmd_qemu_hook(struct ctx *x)
{
    if (x->o->nargs < 2 || strcmp(x->o->args[1], "started") != 0)
        return EXIT_OK;
    const char *dom = x->o->args[0];
    const struct vmconf_domain *cd = vmconf_find(x->conf, dom);
    if (!cd || (cd->nserials == 0 && cd->nusb == 0 && !cd->virtio_rng))
        return EXIT_OK;

    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        log_msg(0, "qemu hook for '%s': cannot start the worker: %s", dom, strerror(errno));
        return EXIT_OK;
    }
    if (pid > 0) {
        /* The intermediate child exits at once; reap it. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return EXIT_OK;
    }
    setsid();
    if (fork() != 0)
        _exit(0);
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, STDIN_FILENO);
        dup2(nul, STDOUT_FILENO);
        dup2(nul, STDERR_FILENO);
        if (nul > STDERR_FILENO)
            close(nul);
    }
    if (!x->o->log_file && !x->o->syslog)
        log_use_syslog("bbvirt");
    log_elsewhere = true;
    if (!x->o->timeout_explicit)
        x->lv.timeout_ms = BBVIRT_HOOK_TIMEOUT_MS;
    log_msg(0, "qemu hook: domain '%s' started, attaching its devices", dom);
    int r = EXIT_OK;
    if (cd->nserials > 0 || cd->nusb > 0)
        r = all_of(x, VMCTL_ATTACH, cd->id);
    if (cd->virtio_rng) {
        int rr = bbvirt_rng_hook(x->o, cd, &x->lv);
        r = r ? r : rr;
    }
    log_msg(0, "qemu hook: done for '%s' (exit %d)", dom, r);
    _exit(r);
}

int bbvirt_run(const struct bbvirt_opts *o)
{
    struct ctx x;
    memset(&x, 0, sizeof(x));
    x.o = o;
    x.lv.timeout_ms = o->timeout_ms;
    x.ctl.ops = &virt_libvirt_ops;
    x.ctl.ops_ctx = &x.lv;
    x.ctl.uri = o->uri;
    x.ctl.domain = o->domain;
    x.ctl.bus = o->bus;
    x.ctl.dev = o->dev;
    log_elsewhere = o->syslog || o->log_file;

    const char *cmd = o->command;
    bool hook = strcmp(cmd, "qemu-hook") == 0;
    int r = load_conf(&x);
    if (r) {
        /* A broken vm.conf is reported, but never fails a guest's start. */
        r = hook ? EXIT_OK : r;
        goto out;
    }
    x.ctl.conf = x.conf;

    if (strcmp(cmd, "attach") == 0)
        r = cmd_one(&x, VMCTL_ATTACH);
    else if (strcmp(cmd, "detach") == 0)
        r = cmd_one(&x, VMCTL_DETACH);
    else if (strcmp(cmd, "attach-all") == 0)
        r = cmd_all(&x, VMCTL_ATTACH);
    else if (strcmp(cmd, "detach-all") == 0)
        r = cmd_all(&x, VMCTL_DETACH);
    else if (strcmp(cmd, "status") == 0)
        r = cmd_status(&x);
    else if (strcmp(cmd, "xml") == 0)
        r = cmd_xml(&x);
    else if (strcmp(cmd, "qemu-args") == 0)
        r = cmd_qemu_args(&x);
    else if (strcmp(cmd, "udev-rules") == 0)
        r = cmd_serial_snippet(&x, true);
    else if (strcmp(cmd, "cgroup-acl") == 0)
        r = cmd_serial_snippet(&x, false);
    else if (strcmp(cmd, "check") == 0)
        r = cmd_check(&x);
    else if (hook)
        r = cmd_qemu_hook(&x);
    else if (strcmp(cmd, "rng") == 0)
        r = bbvirt_rng(o, x.conf, &x.lv);
    else {
        r = complain(EXIT_USAGE, "unknown command '%.200s' (see 'bbvirt --help')", cmd);
    }
out:
    vmconf_free(x.conf);
    free(x.devs);
    return r;
}
