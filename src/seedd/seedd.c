/* seedd: the BitBabbler daemon.
 *
 * Device listing (-s, -sv, --shell-mr), and the daemon proper: devices ->
 * fold -> QA -> pool groups -> pool -> stdout (-b N / -o), plus QA-only
 * watches.  Everything runs on one event loop: libusb's fds, the udev
 * hotplug monitor, stdout, signals and timers.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "sources.h"
#include "evl.h"
#include "kfeed.h"
#include "log.h"
#include "monitors.h"
#include "options.h"
#include "outfd.h"
#include "pool.h"
#include "scan.h"
#include "stdfd.h"
#include "usbenum.h"
#include "vmconf.h"
#include "watch.h"

static int write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int do_scan(const struct seedd_opts *o)
{
    struct usbenum *ue = NULL;
    struct devinfo *devs = NULL;
    size_t n = 0, len = 0;
    char *text = NULL;
    int ret = 1;

    int r = usbenum_new(NULL, &ue);
    if (r < 0) {
        fprintf(stderr, "seedd: cannot access USB: %s\n", strerror(-r));
        goto out;
    }
    r = usbenum_scan(ue, &devs, &n);
    if (r < 0) {
        fprintf(stderr, "seedd: device scan failed: %s\n", strerror(-r));
        goto out;
    }
    if (o->shell_mr) {
        text = scan_format_shell_mr(devs, n, &len);
        if (n && !text)
            goto nomem;
    } else {
        text = scan_format_human(devs, n, o->verbose > 0);
        if (!text)
            goto nomem;
        len = strlen(text);
    }
    /* One write, so a reader never sees half a listing. */
    if (len && write_all(STDOUT_FILENO, text, len) < 0) {
        fprintf(stderr, "seedd: writing the device list: %s\n", strerror(errno));
        goto out;
    }
    ret = 0;
    goto out;
nomem:
    fprintf(stderr, "seedd: out of memory\n");
out:
    free(text);
    free(devs);
    usbenum_free(ue);
    return ret;
}

/* ---- the daemon --------------------------------------------------------- */

struct daemon {
    struct evl *loop;
    struct monitors *mons;
    struct pool *pool;
    struct usbenum *ue;
    struct sources *srcs;
    struct outfd *out;
    struct kfeed *kfeed;       /* -k */
    struct watch **watches;
    size_t n_watches;
    struct vmconf *guests;     /* vm.conf: devices given to virtual machines */
    uint64_t limit;            /* -b N; 0 = none */
    uint64_t t0;
    struct evl_timer *progress;
    bool show_progress;
    bool tty;                  /* progress redraws one line */
    int result;
};

static uint64_t written(const struct daemon *d)
{
    return d->out ? outfd_written(d->out) : 0;
}

static void print_progress(struct daemon *d, bool final)
{
    double secs = (double)(evl_now_ms() - d->t0) / 1000.0;
    double rate = secs > 0 ? (double)written(d) / secs : 0;
    const char *lead = d->tty ? "\r" : "";
    if (d->limit)
        fprintf(stderr, "%s  %llu of %llu bytes, %.0f bytes/s   ", lead,
                (unsigned long long)written(d), (unsigned long long)d->limit, rate);
    else
        fprintf(stderr, "%s  %llu bytes, %.0f bytes/s   ", lead,
                (unsigned long long)written(d), rate);
    if (final || !d->tty)
        fputc('\n', stderr);
}

static void on_progress(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct daemon *d = ud;
    print_progress(d, false);
    evl_timer_arm(t, d->tty ? 250 : 1000);
}

static void on_out_done(void *ud, int err)
{
    struct daemon *d = ud;
    if (err == 0) {
        log_msg(1, "Wrote %llu bytes to stdout", (unsigned long long)written(d));
        evl_quit(d->loop, 0);
        return;
    }
    if (d->limit || err != -EPIPE) {
        fprintf(stderr, "seedd: writing to stdout: %s; wrote %llu%s bytes\n", strerror(-err),
                (unsigned long long)written(d), d->limit ? " of the requested" : "");
        d->result = 1;
    }
    evl_quit(d->loop, d->result);
}

static void on_all_gone(void *ud, const char *why)
{
    struct daemon *d = ud;
    /* With -b, a device that failed or vanished means the promise of N
     * bytes cannot be kept: say so and fail rather than hang. */
    if (d->limit) {
        fprintf(stderr, "seedd: %s; wrote %llu of %llu bytes\n", why,
                (unsigned long long)written(d), (unsigned long long)d->limit);
        d->result = 1;
        evl_quit(d->loop, 1);
    }
}

static void on_signal(struct evl *loop, int signo, void *ud)
{
    struct daemon *d = ud;
    if (evl_quitting(loop))
        return; /* the same signal again, e.g. from timeout(1) and bbemu */
    log_msg(0, "Terminated by signal %d (%s)", signo, strsignal(signo));
    if (d->limit && written(d) < d->limit) {
        fprintf(stderr, "seedd: interrupted; wrote %llu of %llu bytes\n",
                (unsigned long long)written(d), (unsigned long long)d->limit);
        d->result = 1;
    }
    evl_quit(loop, d->result);
}

/* With nothing but watches to run, seedd is done when they all are. */
static void on_watch_end(void *ud)
{
    struct daemon *d = ud;
    if (d->out || d->srcs)
        return;
    for (size_t i = 0; i < d->n_watches; i++)
        if (!watch_ended(d->watches[i]))
            return;
    log_msg(1, "All watches have ended");
    evl_quit(d->loop, 0);
}

static void daemon_free(struct daemon *d)
{
    sources_free(d->srcs);
    for (size_t i = 0; i < d->n_watches; i++)
        watch_free(d->watches[i]);
    free(d->watches);
    outfd_free(d->out);
    kfeed_free(d->kfeed);
    evl_timer_free(d->progress);
    usbenum_free(d->ue);
    pool_free(d->pool);
    monitors_free(d->mons);
    vmconf_free(d->guests);
    evl_free(d->loop);
}

/* vm.conf says which devices belong to virtual machines; the host leaves
 * them alone.  A missing default file means none do; an explicit file must
 * exist, and a broken one is an error (rather than a guess that might take
 * a guest's device). */
static int load_guests(struct daemon *d, const struct seedd_opts *o)
{
    char err[600];
    if (!o->vm_conf)
        return 0;
    int r = vmconf_load(o->vm_conf, &d->guests, err, sizeof(err));
    if (r == -ENOENT && !o->vm_conf_explicit) {
        log_msg(2, "%s does not exist: no devices are kept for virtual machines", o->vm_conf);
        return 0;
    }
    if (r < 0)
        fprintf(stderr, "seedd: --vm-conf %s\n", err);
    return r;
}

static int setup(struct daemon *d, const struct seedd_opts *o)
{
    int r;
    const int sigs[] = { SIGINT, SIGTERM, SIGQUIT };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        if ((r = evl_add_signal(d->loop, sigs[i], on_signal, d)) < 0) {
            fprintf(stderr, "seedd: cannot set up signal handling: %s\n", strerror(-r));
            return r;
        }
    }
    /* SIGHUP has no meaning yet; do not let it kill the daemon. */
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    if ((r = monitors_new(&d->mons)) < 0 || (r = pool_new(o->pool_size, &d->pool)) < 0)
        goto nomem;
    for (size_t i = 0; i < o->n_groups; i++) {
        if ((r = pool_group_configure(d->pool, o->groups[i].id, o->groups[i].size)) < 0)
            goto nomem;
    }
    if (o->n_watches && !(d->watches = calloc(o->n_watches, sizeof(*d->watches))))
        goto nomem;
    for (size_t i = 0; i < o->n_watches; i++) {
        if ((r = watch_new(d->loop, d->mons, &o->watches[i], &d->watches[i])) < 0)
            return r; /* logged */
        watch_on_end(d->watches[i], on_watch_end, d);
        d->n_watches++;
    }
    if (o->bytes || o->to_stdout) {
        static const struct outfd_ops out_ops = { .done = on_out_done };
        if ((r = outfd_new(d->loop, d->pool, STDOUT_FILENO, o->bytes, &out_ops, d, &d->out)) < 0) {
            fprintf(stderr, "seedd: cannot write to stdout: %s\n", strerror(-r));
            return r;
        }
    }
    if (o->kernel) {
        const struct kfeed_cfg kc = { o->kernel_device, o->kernel_refill, o->kernel_reseed };
        if ((r = kfeed_new(d->loop, d->pool, d->mons, &kc, NULL, NULL, &d->kfeed)) < 0) {
            d->result = SEEDD_EXIT_KERNEL; /* logged */
            return r;
        }
    }
    if ((r = usbenum_new(d->loop, &d->ue)) < 0) {
        fprintf(stderr, "seedd: cannot access USB: %s\n", strerror(-r));
        return r;
    }
    bool use_devices = o->bytes || o->to_stdout || o->kernel || !o->n_watches;
    if (use_devices && (r = load_guests(d, o)) < 0)
        return r;
    const struct sources_sink sink = { .all_gone = on_all_gone };
    const struct sources_cfg cfg = {
        .defaults = &o->defaults,
        .ids = o->ids,
        .n_ids = o->n_ids,
        .pool = d->pool,
        .monitors = d->mons,
        /* -b N is a bounded job: it fails rather than waits for replugs. */
        .hotplug = o->bytes == 0,
        .guests = d->guests,
        .gate = o->qa_gate_upstream ? HEALTH_GATE_UPSTREAM : HEALTH_GATE_EXACT,
    };
    /* Only watches: no devices needed. */
    if (use_devices) {
        if ((r = sources_new(d->loop, d->ue, &cfg, &sink, d, &d->srcs)) < 0)
            return r; /* logged */
    }
    return 0;
nomem:
    fprintf(stderr, "seedd: %s\n", strerror(-r));
    return r;
}

static int run_daemon(const struct seedd_opts *o)
{
    struct daemon d = { .limit = o->bytes };
    int r;

    if ((r = evl_new(&d.loop)) < 0) {
        fprintf(stderr, "seedd: cannot create the event loop: %s\n", strerror(-r));
        return 1;
    }
    if (setup(&d, o) < 0) {
        r = d.result ? d.result : 1;
        daemon_free(&d);
        return r;
    }
    d.t0 = evl_now_ms();
    d.tty = isatty(STDERR_FILENO);
    d.show_progress = d.out && (o->progress || (d.tty && !isatty(STDOUT_FILENO)));
    if (d.show_progress && evl_timer_new(d.loop, on_progress, &d, &d.progress) == 0)
        evl_timer_arm(d.progress, d.tty ? 250 : 1000);

    r = evl_run(d.loop);
    if (d.show_progress)
        print_progress(&d, true);
    int ret = r < 0 ? 1 : (d.result ? d.result : r);
    daemon_free(&d);
    return ret;
}

int main(int argc, char **argv)
{
    struct seedd_opts o;
    /* Before anything opens a descriptor that could become stdout. */
    if (stdfd_ensure() < 0)
        return 1;
    int r = seedd_parse_args(argc, argv, &o);
    if (r <= 0) {
        seedd_opts_clear(&o);
        return r < 0 ? 1 : 0;
    }
    log_set_verbosity(o.verbose);

    int ret;
    if (o.scan || o.shell_mr)
        ret = do_scan(&o);
    else
        ret = run_daemon(&o);
    seedd_opts_clear(&o);
    return ret;
}
