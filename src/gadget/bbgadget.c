/* bbgadget: one emulated BitBabbler as a real USB device of this machine's
 * USB device controller (configfs + FunctionFS), served by the fmodel device
 * model.  A test fixture for the real-kernel test tier (tests/kernel-usb):
 * not installed.  See docs/design.md. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../emu/cli.h"
#include "config.h"
#include "configfs.h"
#include "evl.h"
#include "fmodel.h"
#include "gadget.h"
#include "log.h"

#define MAX_FAULTS 16
_Static_assert(MAX_FAULTS <= FMODEL_MAX_ARMED, "every --fault can be armed");
#define CTL_LINE_MAX 4096

const char cli_prog[] = "bbgadget";

struct opts {
    const char *name, *udc, *mount, *payload_path, *control, *wire_log;
    struct fmodel_config cfg;
    struct fmodel_fault_spec faults[MAX_FAULTS];
    size_t nfaults;
    bool expect;
    unsigned expect_mask;
    size_t expect_count;
    char mount_buf[64], udc_buf[128];
};

struct run {
    struct evl *loop;
    struct gadget *g;
    struct cli_fifo ctl;
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
          "  -F, --fault NAME[:ARG][@N]  set a fault from the start (repeatable): stuck\n"
          "                         bias repeat status stall timeout short excess ctrlstall;\n"
          "                         with @N it is armed: set once the device has clocked\n"
          "                         out N payload bytes (stream offset N; K, M, G suffixes;\n"
          "                         several may be armed, e.g. -F stall:1@1M -F stall:1@2M)\n"
          "  -c, --control FIFO     commands, one per line: fault NAME[:ARG][@N] | clear |\n"
          "                         dump FILE (@N counts from when the command is read)\n"
          "  -w, --wire-log FILE    write the wire log to FILE as it grows\n"
          "  -e, --expect MASK:COUNT  write the first COUNT bytes the device clocks out\n"
          "                         with enable mask MASK (hex), no faults; start nothing\n"
          "  -v, --verbose          more messages on stderr (repeatable)\n"
          "  -h, --help             this text\n"
          "  -V, --version          version\n",
          f);
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
                return cli_bad("--gadget '%s': 1 to %d of A-Z a-z 0-9 _ . -", optarg,
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
                return cli_bad("--fault '%s': more than %d faults", optarg, MAX_FAULTS);
            if (fmodel_fault_parse(optarg, f, err, sizeof(err)) != 0)
                return cli_bad("--fault '%s': %s", optarg, err);
            if (fmodel_fault_transport(f->fault))
                return cli_bad("--fault '%s': not a device fault (the gadget cannot do it)",
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
            if (cli_parse_expect(optarg, &o->expect_mask, &o->expect_count) != 0)
                return cli_bad("--expect '%s': expected MASK:COUNT (MASK 0..f hex, COUNT <= 1G)",
                               optarg);
            o->expect = true;
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
            return CLI_EXIT_USAGE;
        }
    }
    log_set_verbosity(verbose);
    if (optind != argc - 1)
        return cli_bad(optind < argc ? "one SERIAL only" : "no SERIAL");
    o->cfg.serial = argv[optind];
    struct fmodel *probe = NULL;         /* before the payload: nothing to copy */
    if (fmodel_new(&o->cfg, &probe) != 0)
        return cli_bad("bad SERIAL '%s' (1..%d printable ASCII characters, no space or '\\')",
                       o->cfg.serial, FMODEL_SERIAL_MAX);
    fmodel_free(probe);
    if (o->payload_path) {
        uint8_t *p = NULL;
        int rc = cli_read_payload(o->payload_path, &p, &o->cfg.payload_len);
        if (rc)
            return cli_bad("--payload '%s': %s", o->payload_path,
                           rc == -ENODATA ? "empty" : rc == -EFBIG ? "too large"
                           : rc == -EINVAL ? "not a regular file" : strerror(-rc));
        o->cfg.payload = p;
    }
    if (o->expect)
        return 0;
    if (!o->name)
        o->name = "bb";
    if (!o->mount) {
        snprintf(o->mount_buf, sizeof(o->mount_buf), "/dev/ffs-%s", o->name);
        o->mount = o->mount_buf;
    }
    if (!o->udc && !(o->udc = first_udc(o->udc_buf, sizeof(o->udc_buf))))
        return cli_bad("no USB device controller in /sys/class/udc (load dummy_hcd?)");
    return 0;
}

/* ------------------------------------------------------------ control FIFO */

static void control_line(char *line, void *ud)
{
    struct run *r = ud;
    struct fmodel_fault_spec f;
    char err[256];

    if (strncmp(line, "fault ", 6) == 0) {
        if (fmodel_fault_parse(line + 6, &f, err, sizeof(err)) != 0)
            fprintf(stderr, "bbgadget: control: %s (ignored)\n", err);
        else if (gadget_fault(r->g, &f) == -ENOSPC)
            fprintf(stderr, "bbgadget: control: fault '%s': %d faults armed already (ignored)\n",
                    line + 6, FMODEL_MAX_ARMED);
        else if (fmodel_fault_transport(f.fault))
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
    cli_fifo_read(&r->ctl, control_line, r);
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
    static struct opts o = { .cfg = { .kind = FMODEL_WHITE } };
    struct run r = { .ctl = { .fd = -1 } };
    struct fmodel *m = NULL;
    struct cfs *cfs = NULL;
    int rc = parse_args(argc, argv, &o), err;

    if (rc)
        goto done;
    if (o.expect) {
        rc = cli_expect(&o.cfg, o.expect_mask, o.expect_count);
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
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        setvbuf(r.wire, NULL, _IOLBF, 0);
        fmodel_wire_sink(m, on_wire, r.wire);
    }
    for (size_t i = 0; i < o.nfaults; i++)
        (void)fmodel_fault_set(m, &o.faults[i]);   /* cannot fail: MAX_FAULTS */
    if (cfs_new(o.name, m, o.mount, &cfs) != 0)
        goto done;
    err = gadget_new(r.loop, m, o.mount, &r.g);
    m = NULL;                            /* the gadget's now */
    if (err)
        goto done;
    if (o.control) {
        if ((err = cli_fifo_open(&r.ctl, o.control, CTL_LINE_MAX)) == 0)
            err = evl_add_fd(r.loop, r.ctl.fd, EPOLLIN, on_control, &r);
        if (err) {
            fprintf(stderr, "bbgadget: --control '%s': %s\n", o.control, strerror(-err));
            rc = CLI_EXIT_USAGE;
            goto done;
        }
    }
    if (cfs_bind(cfs, o.udc) != 0)
        goto done;
    log_msg(0, "bbgadget: %s '%s' plugged into %s (%s)", fmodel_product(gadget_model(r.g)),
            o.cfg.serial, o.udc, cfs_dir(cfs));
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
    cli_fifo_close(&r.ctl);
    if (r.wire)
        fclose(r.wire);
    evl_free(r.loop);
    free((void *)o.cfg.payload);
    return rc;
}
