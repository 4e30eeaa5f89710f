/* seedd: the BitBabbler daemon.
 *
 * This stage implements device listing (-s, -sv, --shell-mr) and raw output
 * of device data to stdout (-b N / -o, with --no-qa until the QA engine
 * lands).  Everything runs on one event loop: libusb's fds, the udev hotplug
 * monitor, signals and timers.
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
#include "log.h"
#include "num.h"
#include "options.h"
#include "scan.h"
#include "usbenum.h"

/* Folded bytes per block: upstream's default pool/group size. */
#define SEEDD_BLOCK_SIZE 65536

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

/* ---- streaming to stdout --------------------------------------------- */

struct stream {
    struct evl *loop;
    struct sources *devs;
    uint64_t limit;      /* 0: unlimited */
    uint64_t written;
    uint64_t t0;
    struct evl_timer *progress;
    bool show_progress;
    bool tty;              /* progress redraws one line */
    int result;
};

static void print_progress(struct stream *s, bool final)
{
    double secs = (double)(evl_now_ms() - s->t0) / 1000.0;
    double rate = secs > 0 ? (double)s->written / secs : 0;
    const char *lead = s->tty ? "\r" : "";
    if (s->limit)
        fprintf(stderr, "%s  %llu of %llu bytes, %.0f bytes/s   ", lead,
                (unsigned long long)s->written, (unsigned long long)s->limit, rate);
    else
        fprintf(stderr, "%s  %llu bytes, %.0f bytes/s   ", lead,
                (unsigned long long)s->written, rate);
    if (final || !s->tty)
        fputc('\n', stderr);
}

static void on_progress(struct evl *loop, struct evl_timer *t, void *ud)
{
    struct stream *s = ud;
    print_progress(s, false);
    evl_timer_arm(t, s->tty ? 250 : 1000);
}

static void on_block(void *ud, const uint8_t *data, size_t len)
{
    struct stream *s = ud;
    if (evl_quitting(s->loop))
        return; /* done or failing: blocks still in flight are dropped */
    if (s->limit && s->written + len > s->limit)
        len = (size_t)(s->limit - s->written);
    int r = write_all(STDOUT_FILENO, data, len);
    if (r < 0) {
        log_msg(0, "writing to stdout: %s", strerror(-r));
        s->result = 1;
        evl_quit(s->loop, 1);
        return;
    }
    s->written += len;
    if (s->limit && s->written >= s->limit) {
        log_msg(1, "Wrote %llu bytes to stdout", (unsigned long long)s->written);
        evl_quit(s->loop, 0);
    }
}

static void on_all_gone(void *ud, const char *why)
{
    struct stream *s = ud;
    /* With -b, a device that failed or vanished means the promise of N
     * bytes cannot be kept: say so and fail rather than hang. */
    if (s->limit) {
        fprintf(stderr, "seedd: %s; wrote %llu of %llu bytes\n", why,
                (unsigned long long)s->written, (unsigned long long)s->limit);
        s->result = 1;
        evl_quit(s->loop, 1);
    }
}

static void on_signal(struct evl *loop, int signo, void *ud)
{
    struct stream *s = ud;
    log_msg(0, "Terminated by signal %d (%s)", signo, strsignal(signo));
    if (s->limit && s->written < s->limit) {
        fprintf(stderr, "seedd: interrupted; wrote %llu of %llu bytes\n",
                (unsigned long long)s->written, (unsigned long long)s->limit);
        s->result = 1;
    }
    evl_quit(loop, s->result);
}

static int do_stream(const struct seedd_opts *o)
{
    struct stream s = { .limit = o->bytes, .result = 0 };
    struct usbenum *ue = NULL;
    int r, ret = 1;

    signal(SIGPIPE, SIG_IGN);
    if ((r = evl_new(&s.loop)) < 0) {
        fprintf(stderr, "seedd: cannot create the event loop: %s\n", strerror(-r));
        return 1;
    }
    if (evl_add_signal(s.loop, SIGINT, on_signal, &s) < 0 ||
        evl_add_signal(s.loop, SIGTERM, on_signal, &s) < 0 ||
        evl_add_signal(s.loop, SIGQUIT, on_signal, &s) < 0) {
        fprintf(stderr, "seedd: cannot set up signal handling\n");
        goto out;
    }
    if ((r = usbenum_new(s.loop, &ue)) < 0) {
        fprintf(stderr, "seedd: cannot access USB: %s\n", strerror(-r));
        goto out;
    }
    const struct sources_sink sink = { .block = on_block, .all_gone = on_all_gone };
    const struct sources_cfg cfg = {
        .defaults = &o->defaults,
        .ids = o->ids,
        .n_ids = o->n_ids,
        .block_size = SEEDD_BLOCK_SIZE,
        .hotplug = o->bytes == 0,
    };
    r = sources_new(s.loop, ue, &cfg, &sink, &s, &s.devs);
    if (r < 0)
        goto out; /* sources_new logged why */
    s.t0 = evl_now_ms();
    s.tty = isatty(STDERR_FILENO);
    s.show_progress = o->progress || (s.tty && !isatty(STDOUT_FILENO));
    if (s.show_progress && evl_timer_new(s.loop, on_progress, &s, &s.progress) == 0)
        evl_timer_arm(s.progress, s.tty ? 250 : 1000);

    r = evl_run(s.loop);
    if (s.show_progress)
        print_progress(&s, true);
    ret = r < 0 ? 1 : (s.result ? s.result : r);
out:
    sources_free(s.devs);
    evl_timer_free(s.progress);
    usbenum_free(ue);
    evl_free(s.loop);
    return ret;
}

int main(int argc, char **argv)
{
    struct seedd_opts o;
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
        ret = do_stream(&o);
    seedd_opts_clear(&o);
    return ret;
}
