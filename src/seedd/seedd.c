/* seedd: the BitBabbler daemon.
 *
 * Device listing (-s, -sv, --shell-mr), and the daemon proper: devices ->
 * fold -> QA -> pool groups -> pool -> stdout (-b N / -o), plus QA-only
 * watches.  Everything runs on one event loop: libusb's fds, the udev
 * hotplug monitor, stdout, signals and timers.
 *
 * The daemon is a table of services (services[] below), started in order
 * and stopped in reverse, as chrony's main does: a new service is one
 * entry.  Process life around it: detaching (-d, daemonize.h), the control
 * path's lock, the pid file, sd_notify (notify.h) and the log target
 * (log.h: the journal under systemd, syslog with -d, else stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "ctlpath.h"
#include "daemonize.h"
#include "egdsrv.h"
#include "udpsrv.h"
#include "evl.h"
#include "lockfile.h"
#include "kfeed.h"
#include "log.h"
#include "metrics.h"
#include "monitors.h"
#include "notify.h"
#include "options.h"
#include "outfd.h"
#include "pidfile.h"
#include "pool.h"
#include "scan.h"
#include "sources.h"
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
        log_say("cannot access USB: %s", strerror(-r));
        goto out;
    }
    r = usbenum_scan(ue, &devs, &n);
    if (r < 0) {
        log_say("device scan failed: %s", strerror(-r));
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
        log_say("writing the device list: %s", strerror(errno));
        goto out;
    }
    ret = 0;
    goto out;
nomem:
    log_say("out of memory");
out:
    free(text);
    free(devs);
    usbenum_free(ue);
    return ret;
}

/* ---- the daemon --------------------------------------------------------- */

struct daemon {
    const struct seedd_opts *o;
    struct evl *loop;
    struct lockfile *lock;     /* the control path's lock; NULL: none */
    struct pidfile *pidfile;   /* --pid-file */
    struct monitors *mons;
    struct pool *pool;
    struct usbenum *ue;
    struct sources *srcs;
    struct outfd *out;
    struct kfeed *kfeed;       /* -k */
    struct ctl *ctl;           /* the control socket; NULL: none */
    struct metrics *metrics;   /* --metrics */
    struct egdsrv *egd;        /* --egd-out */
    struct udpsrv *udp;        /* -u */
    struct watch **watches;
    size_t n_watches;
    struct vmconf *guests;     /* vm.conf: devices given to virtual machines */
    uint64_t limit;            /* -b N; 0 = none */
    uint64_t t0;
    struct evl_timer *progress;
    bool show_progress;
    bool tty;                  /* progress redraws one line */
    bool ready;                /* READY=1 sent: status lines follow */
    size_t streaming;          /* devices streaming (sources' count) */
    size_t n_started;          /* services[] entries started (or tried) */
    int result;
};

static uint64_t written(const struct daemon *d)
{
    return d->out ? outfd_written(d->out) : 0;
}

/* The progress line is a terminal display, not a log message: written to
 * stderr directly (it redraws itself with \r), never to syslog or the
 * journal. */
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

/* The STATUS= line for the service manager. */
static void tell_status(const struct daemon *d)
{
    if (!d->ready)
        return;
    if (d->streaming)
        notify_status("Streaming from %zu device%s", d->streaming, d->streaming == 1 ? "" : "s");
    else if (d->srcs)
        notify_status("Waiting for devices");
    else
        notify_status("Watching %zu file%s", d->n_watches, d->n_watches == 1 ? "" : "s");
}

static void on_out_done(void *ud, int err)
{
    struct daemon *d = ud;
    if (err == 0) {
        log_note(1, "Wrote %llu bytes to stdout", (unsigned long long)written(d));
        evl_quit(d->loop, 0);
        return;
    }
    if (d->limit || err != -EPIPE) {
        log_say("writing to stdout: %s; wrote %llu%s bytes", strerror(-err),
                (unsigned long long)written(d), d->limit ? " of the requested" : "");
        d->result = SEEDD_EXIT_FAIL;
    }
    evl_quit(d->loop, d->result);
}

static void on_all_gone(void *ud, const char *why)
{
    struct daemon *d = ud;
    /* With -b, a device that failed or vanished means the promise of N
     * bytes cannot be kept: say so and fail rather than hang. */
    if (d->limit) {
        log_say("%s; wrote %llu of %llu bytes", why, (unsigned long long)written(d),
                (unsigned long long)d->limit);
        d->result = SEEDD_EXIT_FAIL;
        evl_quit(d->loop, SEEDD_EXIT_FAIL);
    }
}

static void on_sources_changed(void *ud, size_t streaming)
{
    struct daemon *d = ud;
    d->streaming = streaming;
    tell_status(d);
}

static void on_signal(struct evl *loop, int signo, void *ud)
{
    struct daemon *d = ud;
    if (evl_quitting(loop))
        return; /* the same signal again, e.g. from timeout(1) and bbemu */
    log_note(0, "Terminated by signal %d (%s)", signo, strsignal(signo));
    if (d->limit && written(d) < d->limit) {
        log_say("interrupted; wrote %llu of %llu bytes", (unsigned long long)written(d),
                (unsigned long long)d->limit);
        d->result = SEEDD_EXIT_FAIL;
    }
    evl_quit(loop, d->result);
}

/* SIGHUP (no configuration reload yet) and SIGUSR1 (upstream's placeholder):
 * said, and otherwise ignored. */
static void on_ignored_signal(struct evl *loop, int signo, void *ud)
{
    log_msg(1, "Signal %d (%s) ignored: %s", signo, strsignal(signo),
            signo == SIGHUP ? "reloading the configuration is not supported" : "no action");
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
        log_say("--vm-conf %s", err);
    return r;
}

/* ---- services ------------------------------------------------------------
 * Each start returns SEEDD_EXIT_OK or the exit status to fail with, having
 * said why (log_say, or the library's log_msg); each stop undoes its start,
 * also a partial one (x_free(NULL) is a no-op), and may be NULL. */

static int start_signals(struct daemon *d)
{
    static const int quit[] = { SIGINT, SIGTERM, SIGQUIT };
    static const int ignored[] = { SIGHUP, SIGUSR1 };
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof(quit) / sizeof(quit[0]); i++)
        r = evl_add_signal(d->loop, quit[i], on_signal, d);
    for (size_t i = 0; r == 0 && i < sizeof(ignored) / sizeof(ignored[0]); i++)
        r = evl_add_signal(d->loop, ignored[i], on_ignored_signal, d);
    if (r < 0) {
        log_say("cannot set up signal handling: %s", strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

/* The unix control path to lock, or NULL: "none", a TCP address, or a
 * bounded job (-b, which has no control socket). */
static const char *control_path(const struct seedd_opts *o)
{
    const char *cs = o->control_socket ? o->control_socket : SEEDD_CONTROL_SOCKET;
    if (o->bytes || !ctlpath_is_unix(cs))
        return NULL;
    return cs;
}

static int socket_gid(const struct seedd_opts *o, gid_t *gid)
{
    *gid = (gid_t)-1;
    if (!o->socket_group)
        return 0;
    int r = ctlpath_group(o->socket_group, gid);
    if (r == -ENOENT)
        log_say("--socket-group '%s': no such group", o->socket_group);
    else if (r < 0)
        log_say("--socket-group '%s': %s", o->socket_group, strerror(-r));
    return r;
}

static int lock_failed(const char *cs, const char *lockpath, int r, pid_t holder)
{
    if (r != -EWOULDBLOCK) {
        log_say("cannot lock %s: %s", lockpath, strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    if (holder)
        log_say("control socket %s is in use: process %d holds %s", cs, (int)holder, lockpath);
    else
        log_say("control socket %s is in use: another process holds %s", cs, lockpath);
    return SEEDD_EXIT_RUNNING;
}

/* One instance per control path (spec §7.1): its directory and lock. */
static int start_lock(struct daemon *d)
{
    const char *cs = control_path(d->o);
    char err[400], *lockpath = NULL;
    gid_t gid;
    pid_t holder;
    int ret = SEEDD_EXIT_FAIL;
    if (!cs)
        return SEEDD_EXIT_OK;
    if (ctlpath_check(cs, err, sizeof(err)) < 0) {
        log_say("--control-socket '%s': %s", cs, err);
        goto out;
    }
    if (socket_gid(d->o, &gid) < 0)
        goto out;
    if (ctlpath_prepare_dir(cs, gid, err, sizeof(err)) < 0) {
        log_say("control socket %s: %s", cs, err);
        goto out;
    }
    if (asprintf(&lockpath, "%s.lock", cs) < 0) {
        lockpath = NULL;
        log_say("out of memory");
        goto out;
    }
    int r = lockfile_acquire(lockpath, &d->lock, &holder);
    if (r < 0) {
        ret = lock_failed(cs, lockpath, r, holder);
        goto out;
    }
    log_msg(2, "Holding %s", lockpath);
    ret = SEEDD_EXIT_OK;
out:
    free(lockpath);
    return ret;
}

static void stop_lock(struct daemon *d)
{
    lockfile_free(d->lock); /* removed while still held */
    d->lock = NULL;
}

static int start_pidfile(struct daemon *d)
{
    if (!d->o->pid_file)
        return SEEDD_EXIT_OK;
    int r = pidfile_write(d->o->pid_file, &d->pidfile);
    if (r < 0) {
        log_say("--pid-file '%s': %s", d->o->pid_file, strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_pidfile(struct daemon *d)
{
    pidfile_free(d->pidfile);
    d->pidfile = NULL;
}

static int start_pool(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    int r;
    if ((r = monitors_new(&d->mons)) < 0 || (r = pool_new(o->pool_size, &d->pool)) < 0)
        goto fail;
    for (size_t i = 0; i < o->n_groups; i++) {
        if ((r = pool_group_configure(d->pool, o->groups[i].id, o->groups[i].size)) < 0)
            goto fail;
    }
    return SEEDD_EXIT_OK;
fail:
    log_say("%s", strerror(-r));
    return SEEDD_EXIT_FAIL;
}

static void stop_pool(struct daemon *d)
{
    pool_free(d->pool);
    d->pool = NULL;
    monitors_free(d->mons);
    d->mons = NULL;
}

static int start_watches(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    if (o->n_watches && !(d->watches = calloc(o->n_watches, sizeof(*d->watches)))) {
        log_say("out of memory");
        return SEEDD_EXIT_FAIL;
    }
    for (size_t i = 0; i < o->n_watches; i++) {
        if (watch_new(d->loop, d->mons, &o->watches[i], &d->watches[i]) < 0)
            return SEEDD_EXIT_FAIL; /* logged */
        watch_on_end(d->watches[i], on_watch_end, d);
        d->n_watches++;
    }
    return SEEDD_EXIT_OK;
}

static void stop_watches(struct daemon *d)
{
    for (size_t i = 0; i < d->n_watches; i++)
        watch_free(d->watches[i]);
    free(d->watches);
    d->watches = NULL;
    d->n_watches = 0;
}

static int start_stdout(struct daemon *d)
{
    static const struct outfd_ops out_ops = { .done = on_out_done };
    if (!d->o->bytes && !d->o->to_stdout)
        return SEEDD_EXIT_OK;
    int r = outfd_new(d->loop, d->pool, STDOUT_FILENO, d->o->bytes, &out_ops, d, &d->out);
    if (r < 0) {
        log_say("cannot write to stdout: %s", strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_stdout(struct daemon *d)
{
    outfd_free(d->out);
    d->out = NULL;
}

/* A feed failed at run time (kfeed logged it): seedd stops, with the same
 * status as a kernel feed that cannot start. */
static void on_kernel_failed(void *ud, int err)
{
    struct daemon *d = ud;
    d->result = SEEDD_EXIT_KERNEL;
    evl_quit(d->loop, SEEDD_EXIT_KERNEL);
}

static int start_kernel(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    if (!o->kernel)
        return SEEDD_EXIT_OK;
    const struct kfeed_cfg kc = { o->kernel_device, o->kernel_refill, o->kernel_reseed,
                                  on_kernel_failed, d };
    int r = kfeed_new(d->loop, d->pool, d->mons, &kc, NULL, NULL, &d->kfeed);
    if (r == -ENOMEM)
        return SEEDD_EXIT_FAIL; /* logged */
    if (r < 0 || d->result == SEEDD_EXIT_KERNEL) /* logged; or the first feed failed */
        return SEEDD_EXIT_KERNEL;
    return SEEDD_EXIT_OK;
}

static void stop_kernel(struct daemon *d)
{
    kfeed_free(d->kfeed);
    d->kfeed = NULL;
}

/* Devices are used for output; with only watches, none are needed. */
static bool use_devices(const struct seedd_opts *o)
{
    return o->bytes || o->to_stdout || o->kernel || !o->n_watches;
}

static int start_usbenum(struct daemon *d)
{
    if (!use_devices(d->o))
        return SEEDD_EXIT_OK;
    int r = usbenum_new(d->loop, &d->ue);
    if (r < 0) {
        log_say("cannot access USB: %s", strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_usbenum(struct daemon *d)
{
    usbenum_free(d->ue);
    d->ue = NULL;
}

static int start_sources(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    if (!use_devices(o))
        return SEEDD_EXIT_OK;
    if (load_guests(d, o) < 0)
        return SEEDD_EXIT_FAIL;
    const struct sources_sink sink = { .all_gone = on_all_gone, .changed = on_sources_changed };
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
    if (sources_new(d->loop, d->ue, &cfg, &sink, d, &d->srcs) < 0)
        return SEEDD_EXIT_FAIL; /* logged */
    return SEEDD_EXIT_OK;
}

static void stop_sources(struct daemon *d)
{
    sources_free(d->srcs);
    d->srcs = NULL;
    vmconf_free(d->guests);
    d->guests = NULL;
}

/* The control socket (spec §7), after the devices (upstream's order): its
 * path's directory and lock are start_lock's; -c none and -b N have none. */
static int start_control(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    const char *cs = o->control_socket ? o->control_socket : SEEDD_CONTROL_SOCKET;
    char err[400];
    gid_t gid = (gid_t)-1;
    if (o->bytes || strcmp(cs, "none") == 0)
        return SEEDD_EXIT_OK;
    if (ctlpath_is_unix(cs) && socket_gid(o, &gid) < 0)
        return SEEDD_EXIT_FAIL;
    const struct ctl_cfg cfg = {
        .addr = cs,
        .group = gid,
        .freebind = o->ip_freebind,
        .env = { .mons = d->mons, .srcs = d->srcs, .pool = d->pool, .kfeed = d->kfeed,
                 .get_verbosity = log_get_verbosity, .set_verbosity = log_set_verbosity },
    };
    if (ctl_new(d->loop, &cfg, &d->ctl, err, sizeof(err)) < 0) {
        log_say("control socket: %s", err);
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_control(struct daemon *d)
{
    ctl_free(d->ctl); /* the socket file removed */
    d->ctl = NULL;
}

static int start_metrics(struct daemon *d)
{
    if (!d->o->metrics)
        return SEEDD_EXIT_OK;
    const struct metrics_cfg mc = { .listen = d->o->metrics, .version = BB_PKG_VERSION,
                                    .t0_ms = evl_now_ms(), .sources = d->srcs,
                                    .monitors = d->mons, .pool = d->pool, .kfeed = d->kfeed };
    return metrics_new(d->loop, &mc, &d->metrics) < 0 ? SEEDD_EXIT_FAIL : SEEDD_EXIT_OK;
}

static void stop_metrics(struct daemon *d)
{
    metrics_free(d->metrics);
    d->metrics = NULL;
}

/* The EGD service (--egd-out): a sink of the pool with its own listeners. */
static int start_egd(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    char err[400];
    gid_t gid = (gid_t)-1;
    if (!o->egd_out || o->bytes)
        return SEEDD_EXIT_OK;
    if (o->egd_group) {
        int r = ctlpath_group(o->egd_group, &gid);
        if (r < 0) {
            log_say("--egd-group '%s': %s", o->egd_group, r == -ENOENT ? "no such group" : strerror(-r));
            return SEEDD_EXIT_FAIL;
        }
    }
    const struct egdsrv_cfg cfg = { .addrs = o->egd_out, .group = gid, .freebind = o->ip_freebind,
                                    .rate = o->egd_rate, .pool = d->pool, .mons = d->mons };
    if (egdsrv_new(d->loop, &cfg, &d->egd, err, sizeof(err)) < 0) {
        log_say("--egd-out: %s", err);
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_egd(struct daemon *d)
{
    egdsrv_free(d->egd); /* unix socket files removed */
    d->egd = NULL;
}

/* The UDP service (-u): a sink of the pool with its own socket. */
static int start_udp(struct daemon *d)
{
    const struct seedd_opts *o = d->o;
    char err[400];
    if (!o->udp_out || o->bytes)
        return SEEDD_EXIT_OK;
    const struct udpsrv_cfg cfg = { .addr = o->udp_out, .freebind = o->ip_freebind,
                                    .allow = o->udp_allow, .rate = o->udp_rate,
                                    .max_rate = o->udp_max_rate, .pool = d->pool,
                                    .mons = d->mons };
    if (udpsrv_new(d->loop, &cfg, &d->udp, err, sizeof(err)) < 0) {
        log_say("--udp-out: %s", err);
        return SEEDD_EXIT_FAIL;
    }
    return SEEDD_EXIT_OK;
}

static void stop_udp(struct daemon *d)
{
    udpsrv_free(d->udp);
    d->udp = NULL;
}

struct service {
    const char *name;
    int (*start)(struct daemon *d);
    void (*stop)(struct daemon *d);
};

/* Started in this order, stopped in reverse.  The lock comes first, so a
 * second instance touches nothing; outputs (sinks) are set up before the
 * devices that feed them; a new output goes after "stdout"; the control
 * socket comes after "sources" (upstream's order, spec §9.1), so it can
 * report them, and is stopped before them. */
static const struct service services[] = {
    { "signals", start_signals, NULL },
    { "control path lock", start_lock, stop_lock },
    { "pid file", start_pidfile, stop_pidfile },
    { "pool", start_pool, stop_pool },
    { "watches", start_watches, stop_watches },
    { "stdout", start_stdout, stop_stdout },
    { "kernel", start_kernel, stop_kernel },
    { "usbenum", start_usbenum, stop_usbenum },
    { "sources", start_sources, stop_sources },
    { "control socket", start_control, stop_control },
    { "metrics", start_metrics, stop_metrics },
    { "egd", start_egd, stop_egd },
    { "udp", start_udp, stop_udp },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static int start_services(struct daemon *d)
{
    while (d->n_started < N_SERVICES) {
        const struct service *s = &services[d->n_started++];
        log_msg(3, "Starting %s", s->name);
        int ret = s->start(d);
        if (ret != SEEDD_EXIT_OK) {
            log_msg(2, "Starting %s failed (exit status %d)", s->name, ret);
            return ret;
        }
    }
    return SEEDD_EXIT_OK;
}

static void stop_services(struct daemon *d)
{
    while (d->n_started > 0) {
        const struct service *s = &services[--d->n_started];
        log_msg(3, "Stopping %s", s->name);
        if (s->stop)
            s->stop(d);
    }
}

/* ---- process life -------------------------------------------------------- */

/* Serve until stopped: READY=1 (and the parent told, with -d), the loop,
 * STOPPING=1.  Returns the exit status. */
static int serve(struct daemon *d, struct daemonize *dz)
{
    int r;
    if (dz && (r = daemonize_ready(dz)) < 0) {
        log_say("cannot detach: %s", strerror(-r));
        return SEEDD_EXIT_FAIL;
    }
    log_echo_stderr(false);
    d->ready = true;
    d->t0 = evl_now_ms();
    d->tty = isatty(STDERR_FILENO);
    d->show_progress = d->out && (d->o->progress || (d->tty && !isatty(STDOUT_FILENO)));
    if (d->show_progress && evl_timer_new(d->loop, on_progress, d, &d->progress) == 0)
        evl_timer_arm(d->progress, d->tty ? 250 : 1000);
    log_msg(2, "Ready (pid %d)", (int)getpid());
    notify_ready(d->streaming ? "Streaming" : d->srcs ? "Waiting for devices" : "Watching");
    tell_status(d);

    r = evl_run(d->loop);
    notify_stopping();
    if (d->show_progress)
        print_progress(d, true);
    evl_timer_free(d->progress);
    d->progress = NULL;
    return r < 0 ? SEEDD_EXIT_FAIL : (d->result ? d->result : r);
}

static int run_daemon(const struct seedd_opts *o)
{
    struct daemon d = { .o = o, .limit = o->bytes };
    struct daemonize *dz = NULL;
    bool detach = o->daemon;
    int r, ret;

    /* Under systemd (Type=notify) the service manager keeps us: -d would
     * only lose the main pid (spec §9.1). */
    if (detach && log_notify_socket_valid(getenv("NOTIFY_SOCKET")))
        detach = false;
    log_use_auto("seedd", detach);
    if (detach) {
        log_echo_stderr(true); /* start-up errors to the terminal too */
        if ((r = daemonize_begin(&dz, &ret)) > 0)
            return ret; /* the parent: the child's start-up result */
        if (r < 0) {
            log_say("cannot detach: %s", strerror(-r));
            return SEEDD_EXIT_FAIL;
        }
    }
    if ((r = evl_new(&d.loop)) < 0) {
        log_say("cannot create the event loop: %s", strerror(-r));
        ret = SEEDD_EXIT_FAIL;
        goto out;
    }
    ret = start_services(&d);
    if (ret == SEEDD_EXIT_OK)
        ret = serve(&d, dz);
    stop_services(&d);
out:
    evl_free(d.loop);
    daemonize_free(dz); /* a child that failed: the parent sees the pipe close */
    return ret;
}

int main(int argc, char **argv)
{
    struct seedd_opts o;
    /* Before anything opens a descriptor that could become stdout. */
    if (stdfd_ensure() < 0)
        return 1;
    /* A reader that went away is an error from write(), not a signal. */
    signal(SIGPIPE, SIG_IGN);
    log_set_ident("seedd");
    int r = seedd_parse_args(argc, argv, &o);
    if (r <= 0) {
        seedd_opts_clear(&o);
        return r < 0 ? SEEDD_EXIT_FAIL : SEEDD_EXIT_OK;
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
