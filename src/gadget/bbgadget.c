/* bbgadget: one emulated BitBabbler as a real USB device of this machine's
 * USB device controller (configfs + FunctionFS), served by the fmodel device
 * model.  A test fixture for the real-kernel test tier (tests/kernel-usb):
 * not installed.  See docs/design.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "configfs.h"
#include "evl.h"
#include "fmodel.h"
#include "gadget.h"
#include "log.h"
#include "num.h"

#define EXIT_USAGE 2
#define MAX_FAULTS 16
#define PAYLOAD_MAX ((size_t)1 << 30)
#define EXPECT_MAX ((uint64_t)1 << 30)
#define CTL_LINE_MAX 4096

struct opts {
    const char *serial, *name, *udc, *mount, *payload_path, *control, *wire_log;
    struct fmodel_config cfg;
    struct fmodel_fault_spec faults[MAX_FAULTS];
    size_t nfaults;
    long expect_mask;                    /* -1: no --expect */
    uint64_t expect_count;
    char mount_buf[64], udc_buf[128];
};

struct run {
    struct evl *loop;
    struct gadget *g;
    int ctl_fd;
    bool ctl_created;
    char ctl_buf[CTL_LINE_MAX];
    size_t ctl_len;
    FILE *wire;
};

static void usage(FILE *f)
{
    fputs("Usage: bbgadget [OPTION]... SERIAL\n"
          "Present one emulated BitBabbler (the fmodel device model, as in bbemu) to this\n"
          "machine's USB device controller as a configfs + FunctionFS gadget, until\n"
          "signalled.  Needs root, configfs, libcomposite and usb_f_fs (e.g. on dummy_hcd).\n"
          "\n"
          "  -g, --gadget NAME      configfs gadget and FunctionFS instance name\n"
          "                         (default bb; one per gadget)\n"
          "  -u, --udc UDC          bind to this UDC (default: the first in /sys/class/udc)\n"
          "  -m, --mount DIR        mount FunctionFS here (default /dev/ffs-NAME)\n"
          "  -k, --black            a Black RNG (one generator; default White RNG)\n"
          "  -p, --payload FILE     generator 0 from FILE (bbemu(1), PAYLOAD MODEL)\n"
          "  -F, --fault NAME[:ARG] set a fault from the start (repeatable): stuck bias\n"
          "                         repeat status stall timeout short excess ctrlstall\n"
          "  -c, --control FIFO     commands, one per line: fault NAME[:ARG] | clear |\n"
          "                         dump FILE\n"
          "  -w, --wire-log FILE    write the wire log to FILE as it grows\n"
          "  -e, --expect MASK:COUNT  write the first COUNT bytes the device clocks out\n"
          "                         with enable mask MASK (hex), no faults; start nothing\n"
          "  -v, --verbose          more messages on stderr (repeatable)\n"
          "  -h, --help             this text\n"
          "  -V, --version          version\n",
          f);
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
    va_list ap;
    fputs("bbgadget: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_USAGE;
}

static int read_payload(const char *path, struct fmodel_config *cfg)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL, *nbuf;
    size_t len = 0, cap = 0, n;
    int rc = -EIO;

    if (!f)
        return -errno;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > PAYLOAD_MAX || !(nbuf = realloc(buf, cap))) {
                rc = -EFBIG;
                goto out;
            }
            buf = nbuf;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f) || len == 0) {
        rc = len == 0 && !ferror(f) ? -ENODATA : -EIO;
        goto out;
    }
    cfg->payload = buf;
    cfg->payload_len = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

static int parse_expect(const char *s, struct opts *o)
{
    const char *colon = strchr(s, ':');
    char mask[8];
    uint64_t v;

    if (!colon || colon == s || (size_t)(colon - s) >= sizeof(mask))
        return -EINVAL;
    memcpy(mask, s, (size_t)(colon - s));
    mask[colon - s] = '\0';
    if (num_parse_u64(mask, 16, &v) != 0 || v > 15 ||
        num_parse_scaled_u64(colon + 1, 1024, &o->expect_count) != 0 ||
        o->expect_count > EXPECT_MAX)
        return -EINVAL;
    o->expect_mask = (long)v;
    return 0;
}

/* The first entry of /sys/class/udc in name order, or NULL. */
static const char *first_udc(char *buf, size_t len)
{
    DIR *d = opendir("/sys/class/udc");
    struct dirent *e;

    buf[0] = '\0';
    if (!d)
        return NULL;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strlen(e->d_name) < len &&
            (!buf[0] || strcmp(e->d_name, buf) < 0))
            memcpy(buf, e->d_name, strlen(e->d_name) + 1);
    closedir(d);
    return buf[0] ? buf : NULL;
}

/* 0, or an exit status (after printing why). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "gadget", required_argument, NULL, 'g' },
        { "udc", required_argument, NULL, 'u' },
        { "mount", required_argument, NULL, 'm' },
        { "black", no_argument, NULL, 'k' },
        { "payload", required_argument, NULL, 'p' },
        { "fault", required_argument, NULL, 'F' },
        { "control", required_argument, NULL, 'c' },
        { "wire-log", required_argument, NULL, 'w' },
        { "expect", required_argument, NULL, 'e' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    char err[256];
    int c, verbose = 0;

    while ((c = getopt_long(argc, argv, "g:u:m:kp:F:c:w:e:vhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            if (!cfs_name_valid(optarg))
                return bad("--gadget '%s': 1 to %d of A-Z a-z 0-9 _ . -", optarg,
                           CFS_NAME_MAX);
            o->name = optarg;
            break;
        case 'u':
            o->udc = optarg;
            break;
        case 'm':
            o->mount = optarg;
            break;
        case 'k':
            o->cfg.kind = FMODEL_BLACK;
            break;
        case 'p':
            o->payload_path = optarg;
            break;
        case 'F': {
            struct fmodel_fault_spec *f = &o->faults[o->nfaults];
            if (o->nfaults == MAX_FAULTS)
                return bad("--fault '%s': more than %d faults", optarg, MAX_FAULTS);
            if (fmodel_fault_parse(optarg, f, err, sizeof(err)) != 0)
                return bad("--fault '%s': %s", optarg, err);
            if (f->fault == FMODEL_FAULT_BUSY || f->fault == FMODEL_FAULT_ACCESS ||
                f->fault == FMODEL_FAULT_UNPLUG)
                return bad("--fault '%s': not a device fault (the gadget cannot do it)",
                           optarg);
            o->nfaults++;
            break;
        }
        case 'c':
            o->control = optarg;
            break;
        case 'w':
            o->wire_log = optarg;
            break;
        case 'e':
            if (parse_expect(optarg, o) != 0)
                return bad("--expect '%s': expected MASK:COUNT (MASK 0..f hex, COUNT <= 1G)",
                           optarg);
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("bbgadget %s\n", BB_PKG_VERSION);
            exit(0);
        default:
            fprintf(stderr, "Try 'bbgadget --help'.\n");
            return EXIT_USAGE;
        }
    }
    log_set_verbosity(verbose);
    if (optind != argc - 1)
        return bad(optind < argc ? "one SERIAL only" : "no SERIAL");
    o->serial = o->cfg.serial = argv[optind];
    if (o->payload_path) {
        int rc = read_payload(o->payload_path, &o->cfg);
        if (rc)
            return bad("--payload '%s': %s", o->payload_path,
                       rc == -ENODATA ? "empty" : rc == -EFBIG ? "too large" : strerror(-rc));
    }
    struct fmodel *probe = NULL;
    if (fmodel_new(&o->cfg, &probe) != 0)
        return bad("bad SERIAL '%s' (1..%d printable ASCII characters, no space or '\\')",
                   o->serial, FMODEL_SERIAL_MAX);
    fmodel_free(probe);
    if (o->expect_mask >= 0)
        return 0;
    if (!o->name)
        o->name = "bb";
    if (!o->mount) {
        snprintf(o->mount_buf, sizeof(o->mount_buf), "/dev/ffs-%s", o->name);
        o->mount = o->mount_buf;
    }
    if (!o->udc && !(o->udc = first_udc(o->udc_buf, sizeof(o->udc_buf))))
        return bad("no USB device controller in /sys/class/udc (load dummy_hcd?)");
    return 0;
}

/* ------------------------------------------------------------ --expect */

static int expect(const struct opts *o)
{
    size_t n = (size_t)o->expect_count;
    uint8_t *buf = malloc(n ? n : 1);
    int rc = 1;

    if (buf && fmodel_output(&o->cfg, (unsigned)o->expect_mask, 0, buf, n) == 0 &&
        fwrite(buf, 1, n, stdout) == n && fflush(stdout) == 0)
        rc = 0;
    else
        fprintf(stderr, "bbgadget: --expect failed\n");
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ control FIFO */

static void control_line(struct run *r, char *line)
{
    struct fmodel_fault_spec f;
    char err[256];

    if (strncmp(line, "fault ", 6) == 0) {
        if (fmodel_fault_parse(line + 6, &f, err, sizeof(err)) != 0)
            fprintf(stderr, "bbgadget: control: %s (ignored)\n", err);
        else if (gadget_fault(r->g, &f) != 0)
            fprintf(stderr, "bbgadget: control: fault '%s' is not a device fault (ignored)\n",
                    line + 6);
        else
            log_msg(1, "bbgadget: fault %s set", line + 6);
    } else if (strcmp(line, "clear") == 0) {
        gadget_clear_faults(r->g);
        log_msg(1, "bbgadget: faults cleared");
    } else if (strncmp(line, "dump ", 5) == 0) {
        int rc = fmodel_wire_dump(gadget_model(r->g), line + 5);
        if (rc)
            fprintf(stderr, "bbgadget: control: dump %s: %s\n", line + 5, strerror(-rc));
    } else if (line[0]) {
        fprintf(stderr, "bbgadget: control: unknown command '%.64s' (ignored)\n", line);
    }
}

static void on_control(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct run *r = ud;
    ssize_t n;

    while ((n = read(fd, r->ctl_buf + r->ctl_len, sizeof(r->ctl_buf) - 1 - r->ctl_len)) > 0) {
        r->ctl_len += (size_t)n;
        char *start = r->ctl_buf, *nl;
        while ((nl = memchr(start, '\n', r->ctl_len - (size_t)(start - r->ctl_buf)))) {
            *nl = '\0';
            if (nl > start && nl[-1] == '\r')
                nl[-1] = '\0';
            control_line(r, start);
            start = nl + 1;
        }
        r->ctl_len -= (size_t)(start - r->ctl_buf);
        memmove(r->ctl_buf, start, r->ctl_len);
        if (r->ctl_len == sizeof(r->ctl_buf) - 1) {
            fprintf(stderr, "bbgadget: control: line too long (ignored)\n");
            r->ctl_len = 0;
        }
    }
}

static int open_control(struct run *r, const char *path)
{
    if (mkfifo(path, 0600) == 0)
        r->ctl_created = true;
    else if (errno != EEXIST)
        return -errno;
    /* O_RDWR: we are a writer too, so the FIFO never reports EOF */
    r->ctl_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (r->ctl_fd < 0)
        return -errno;
    return evl_add_fd(r->loop, r->ctl_fd, EPOLLIN, on_control, r);
}

/* ------------------------------------------------------------ main */

static void on_wire(const char *line, void *user)
{
    FILE *f = user;
    fprintf(f, "%s\n", line);            /* line-buffered */
}

static void on_signal(struct evl *loop, int signo, void *ud)
{
    log_msg(1, "bbgadget: terminated by signal %d", signo);
    evl_quit(loop, 0);
}

int main(int argc, char **argv)
{
    static struct opts o = { .expect_mask = -1, .cfg = { .kind = FMODEL_WHITE } };
    struct run r = { .ctl_fd = -1 };
    struct fmodel *m = NULL;
    struct cfs *cfs = NULL;
    int rc = parse_args(argc, argv, &o);

    if (rc)
        goto done;
    if (o.expect_mask >= 0) {
        rc = expect(&o);
        goto done;
    }
    rc = 1;
    signal(SIGPIPE, SIG_IGN);
    if (evl_new(&r.loop) != 0 || evl_add_signal(r.loop, SIGTERM, on_signal, NULL) != 0 ||
        evl_add_signal(r.loop, SIGINT, on_signal, NULL) != 0 ||
        evl_add_signal(r.loop, SIGHUP, on_signal, NULL) != 0) {
        fprintf(stderr, "bbgadget: cannot set up the event loop\n");
        goto done;
    }
    if (fmodel_new(&o.cfg, &m) != 0) {
        fprintf(stderr, "bbgadget: out of memory\n");
        goto done;
    }
    if (o.wire_log) {
        r.wire = fopen(o.wire_log, "w");
        if (!r.wire) {
            fprintf(stderr, "bbgadget: --wire-log '%s': %s\n", o.wire_log, strerror(errno));
            rc = EXIT_USAGE;
            goto done;
        }
        setvbuf(r.wire, NULL, _IOLBF, 0);
        fmodel_wire_sink(m, on_wire, r.wire);
    }
    for (size_t i = 0; i < o.nfaults; i++)
        fmodel_fault_set(m, &o.faults[i]);
    if (cfs_new(o.name, m, o.mount, &cfs) != 0)
        goto done;
    rc = gadget_new(r.loop, m, o.mount, &r.g);
    m = NULL;                            /* the gadget's now */
    if (rc) {
        rc = 1;
        goto done;
    }
    rc = 1;
    if (o.control && (rc = open_control(&r, o.control)) != 0) {
        fprintf(stderr, "bbgadget: --control '%s': %s\n", o.control, strerror(-rc));
        rc = EXIT_USAGE;
        goto done;
    }
    if (cfs_bind(cfs, o.udc) != 0)
        goto done;
    log_msg(0, "bbgadget: %s '%s' plugged into %s (%s)", fmodel_product(gadget_model(r.g)),
            o.serial, o.udc, cfs_dir(cfs));
    rc = evl_run(r.loop);
    if (rc < 0) {
        fprintf(stderr, "bbgadget: event loop: %s\n", strerror(-rc));
        rc = 1;
    }
done:
    if (cfs)
        cfs_unbind(cfs);                 /* unplug before the function goes */
    gadget_free(r.g);
    cfs_free(cfs);
    fmodel_free(m);
    if (r.ctl_fd >= 0)
        close(r.ctl_fd);
    if (r.ctl_created)
        unlink(o.control);
    if (r.wire)
        fclose(r.wire);
    evl_free(r.loop);
    free((void *)o.cfg.payload);
    return rc;
}
