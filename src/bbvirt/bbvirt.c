/* bbvirt: give BitBabbler devices to libvirt domains by serial number.
 * Options and main; the commands are in commands.c. */
#include "bbvirt.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "climsg.h"
#include "config.h"
#include "log.h"
#include "num.h"
#include "stdfd.h"
#include "virt.h"
#include "virtrng.h"

enum {
    OPT_SYSLOG = 256,
    OPT_LOG_FILE,
    OPT_GROUP,
    OPT_BY_VIDPID,
    OPT_LEGACY,
    OPT_VERSION,
    OPT_SOCKET,
    OPT_LIVE,
    OPT_PERSISTENT,
};

#define SHORT_OPTS ":C:c:D:b:d:nvt:?"

static const struct option long_opts[] = {
    { "config", required_argument, NULL, 'C' },
    { "connect", required_argument, NULL, 'c' },
    { "domain", required_argument, NULL, 'D' },
    { "busnum", required_argument, NULL, 'b' },
    { "devnum", required_argument, NULL, 'd' },
    { "dry-run", no_argument, NULL, 'n' },
    { "verbose", no_argument, NULL, 'v' },
    { "timeout", required_argument, NULL, 't' },
    { "syslog", no_argument, NULL, OPT_SYSLOG },
    { "log-file", required_argument, NULL, OPT_LOG_FILE },
    { "group", required_argument, NULL, OPT_GROUP },
    { "by-vid-pid", no_argument, NULL, OPT_BY_VIDPID },
    { "legacy-syntax", no_argument, NULL, OPT_LEGACY },
    { "help", no_argument, NULL, '?' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

/* After the command "rng": virsh's --live/--config (so --config is a flag
 * there; -C still names vm.conf), --socket, and the options that apply. */
static const struct option rng_opts[] = {
    { "socket", required_argument, NULL, OPT_SOCKET },
    { "live", no_argument, NULL, OPT_LIVE },
    { "config", no_argument, NULL, OPT_PERSISTENT },
    { "persistent", no_argument, NULL, OPT_PERSISTENT },
    { "connect", required_argument, NULL, 'c' },
    { "dry-run", no_argument, NULL, 'n' },
    { "verbose", no_argument, NULL, 'v' },
    { "timeout", required_argument, NULL, 't' },
    { "syslog", no_argument, NULL, OPT_SYSLOG },
    { "log-file", required_argument, NULL, OPT_LOG_FILE },
    { "help", no_argument, NULL, '?' },
    { NULL, 0, NULL, 0 },
};

static void usage(void)
{
    printf("Usage: bbvirt [options] COMMAND [ARGS]\n"
           "\n"
           "Give BitBabbler devices (and any other USB device, by VID:PID:SERIAL) to\n"
           "libvirt virtual machines by serial number.\n"
           "\n"
           "Commands:\n"
           "  attach DEVICE          Attach the device to the running domain vm.conf\n"
           "                         assigns it to (or -D), live only\n"
           "  detach DEVICE          Detach it again\n"
           "  attach-all [DOMAIN]    Attach every present device of DOMAIN (default: all)\n"
           "  detach-all [DOMAIN]    Detach them\n"
           "  status                 One line per device: address, port, assigned domain,\n"
           "                         where it is attached now, whether seedd may claim it\n"
           "  xml DEVICE             The <hostdev> XML for the device's current address\n"
           "  xml --by-vid-pid       The <hostdev> XML that matches any BitBabbler\n"
           "  qemu-args [DEVICE...]  A <qemu:commandline> block passing devices by port\n"
           "  udev-rules [SERIAL...] Per-serial udev rules (GROUP, bitbabbler/ symlink)\n"
           "  cgroup-acl [SERIAL...] The cgroup_device_acl setting for qemu.conf\n"
           "  check DOMAIN           Warn if the domain has no USB 2.0 or better controller\n"
           "  qemu-hook DOMAIN OP .. Act as libvirt's qemu hook: attach the domain's devices\n"
           "                         once it has started (also when run as 'qemu')\n"
           "  rng attach|detach DOMAIN [--socket=PATH] [--live] [--config]\n"
           "                         Add/remove a virtio-rng reading seedd's EGD socket\n"
           "                         (default %s); default: running\n"
           "                         domain live and its definition, stopped one its\n"
           "                         definition (--config here is virsh's flag)\n"
           "\n"
           "DEVICE is a BitBabbler's serial number, VID:PID:SERIAL (any USB device, as\n"
           "in vm.conf's DOMAIN_USB_<id>), BUS:DEV, or BUS-PORT[.PORT...].\n"
           "\n"
           "Options:\n"
           "  -C, --config=FILE      vm.conf to use (default %s/bit-babbler/vm.conf;\n"
           "                         a NAME without '/' means %s/bit-babbler/NAME.conf)\n"
           "  -c, --connect=URI      libvirt URI (default: DOMAIN_URI_x, else libvirt's)\n"
           "  -D, --domain=NAME      Domain (vm.conf id or libvirt name) instead of vm.conf's\n"
           "  -b, --busnum=N         The device's bus number (with -d: needed once it is gone)\n"
           "  -d, --devnum=N         The device's device number\n"
           "  -n, --dry-run          Print what would be done, do not call libvirt\n"
           "  -t, --timeout=SECONDS  Limit for each libvirt call (default %u; qemu-hook %u)\n"
           "  -v, --verbose          More messages (repeatable)\n"
           "      --syslog           Log to syslog instead of stderr\n"
           "      --log-file=FILE    Log to FILE instead of stderr\n"
           "      --group=GROUP      udev-rules: the group to give (default libvirt-qemu)\n"
           "      --legacy-syntax    qemu-args: usb-host,hostbus=..., for QEMU before 6.2\n"
           "                         (default: JSON, needed with libvirt 7 and later)\n"
           "  -?, --help             Show this help and exit\n"
           "      --version          Show the version and exit\n"
           "\n"
           "Exit status: 0 done or nothing to do, 1 bad usage/input, 2 no such device\n"
           "or domain (or not running, or busy), 3 libvirt refused, 4 libvirt unreachable\n"
           "or too slow, 5 check found a problem.  See bbvirt(1).\n",
           VIRTRNG_DEFAULT_SOCKET, BB_SYSCONFDIR, BB_SYSCONFDIR, BBVIRT_DEFAULT_TIMEOUT_MS / 1000,
           BBVIRT_HOOK_TIMEOUT_MS / 1000);
}

/* One line on stderr, with anything that came from an argument made
 * printable; returns EXIT_USAGE. */
static int say(const char *fmt, ...)
{
    char *msg = NULL, shown[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        fprintf(stderr, "bbvirt: out of memory\n");
    else
        fprintf(stderr, "bbvirt: %s\n", climsg_escape(msg, shown, sizeof(shown)));
    free(msg);
    return EXIT_USAGE;
}

static int bad(const char *opt, const char *arg, const char *why)
{
    return say("%s '%s': %s", opt, arg, why);
}

/* Bus 1..127 / device 1..127, decimal (leading zeros allowed, as udev's
 * BUSNUM/DEVNUM have them). */
static int parse_addr(const char *opt, const char *arg, unsigned *out)
{
    uint64_t v;
    int r = num_parse_u64(arg, 10, &v);
    if (r == -EINVAL)
        return bad(opt, arg, num_strerror(r));
    if (r == -ERANGE || v > 127)
        return bad(opt, arg, "too large (1 to 127)");
    if (r < 0 || v < 1)
        return bad(opt, arg, "out of range (1 to 127)");
    *out = (unsigned)v;
    return 0;
}

static char config_buf[4096];

/* "-C name" without a '/' means SYSCONFDIR/bit-babbler/<name>.conf. */
static int set_config(struct bbvirt_opts *o, const char *arg)
{
    if (!*arg)
        return bad("--config", arg, "empty file name");
    if (strchr(arg, '/')) {
        o->config = arg;
    } else {
        size_t l = strlen(arg);
        int base = l > 5 && strcmp(arg + l - 5, ".conf") == 0 ? (int)(l - 5) : (int)l;
        int n = snprintf(config_buf, sizeof(config_buf), "%s/bit-babbler/%.*s.conf",
                         BB_SYSCONFDIR, base, arg);
        if (n < 0 || (size_t)n >= sizeof(config_buf))
            return bad("--config", arg, "name too long");
        o->config = config_buf;
    }
    o->config_explicit = true;
    return 0;
}

/* Where the command is in argv (options and their arguments skipped, as
 * getopt_long would take them), or argc. */
static int command_index(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            return i + 1;
        if (a[0] != '-' || a[1] == '\0')
            return i;
        if (a[1] == '-') {
            const char *eq = strchr(a + 2, '=');
            size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            for (const struct option *o = long_opts; o->name; o++)
                if (strncmp(o->name, a + 2, n) == 0 && o->has_arg == required_argument && !eq) {
                    i++;
                    break;
                }
            continue;
        }
        for (const char *p = a + 1; *p; p++) {
            const char *s = strchr(SHORT_OPTS, *p);
            if (s && *p != ':' && s[1] == ':') {
                if (p[1] == '\0')
                    i++;
                break;
            }
        }
    }
    return argc;
}

static int parse_opts(int argc, char **argv, struct bbvirt_opts *o, const struct option *table,
                      const char *shortopts)
{
    int c, r;
    double secs;

    opterr = 0;
    optind = 0; /* glibc: start afresh (parse_opts may run twice) */
    while ((c = getopt_long(argc, argv, shortopts, table, NULL)) != -1) {
        switch (c) {
        case 'C':
            if ((r = set_config(o, optarg)))
                return r;
            break;
        case 'c':
            if (!*optarg)
                return bad("--connect", optarg, "empty URI");
            o->uri = optarg;
            break;
        case 'D':
            if (!*optarg)
                return bad("--domain", optarg, "empty domain name");
            o->domain = optarg;
            break;
        case 'b':
            if ((r = parse_addr("--busnum", optarg, &o->bus)))
                return r;
            break;
        case 'd':
            if ((r = parse_addr("--devnum", optarg, &o->dev)))
                return r;
            break;
        case 'n':
            o->dry_run = true;
            break;
        case 'v':
            o->verbose++;
            break;
        case 't':
            r = num_parse_scaled_double(optarg, &secs);
            if (r == -ERANGE || (r == 0 && secs > 600))
                return bad("--timeout", optarg, "too large (0.1 to 600 seconds)");
            if (r < 0)
                return bad("--timeout", optarg, "not a number of seconds");
            if (!(secs >= 0.1 && secs <= 600))
                return bad("--timeout", optarg, "out of range (0.1 to 600 seconds)");
            o->timeout_ms = (unsigned)(secs * 1000 + 0.5);
            o->timeout_explicit = true;
            break;
        case OPT_SYSLOG:
            o->syslog = true;
            break;
        case OPT_LOG_FILE:
            o->log_file = optarg;
            break;
        case OPT_GROUP:
            o->group = optarg;
            break;
        case OPT_BY_VIDPID:
            o->by_vidpid = true;
            break;
        case OPT_LEGACY:
            o->legacy_syntax = true;
            break;
        case OPT_SOCKET:
            if (optarg[0] != '/')
                return bad("--socket", optarg, "not an absolute path");
            o->socket = optarg;
            break;
        case OPT_LIVE:
            o->affect |= VIRT_AFFECT_LIVE;
            break;
        case OPT_PERSISTENT:
            o->affect |= VIRT_AFFECT_CONFIG;
            break;
        case OPT_VERSION:
            printf("bbvirt %s (bit-babbler-c %s)\n", BB_VERSION, BB_PKG_VERSION);
            return -1;
        case '?':
        case ':': {
            char msg[400];
            if (climsg_getopt_error(c, optopt, argv[optind - 1], table, msg, sizeof(msg)))
                return say("%s, try --help", msg);
            usage();
            return -1;
        }
        default:
            return EXIT_USAGE;
        }
    }
    return 0;
}

static int parse(int argc, char **argv, struct bbvirt_opts *o)
{
    int ci = command_index(argc, argv);
    if (ci < argc && strcmp(argv[ci], "rng") == 0) {
        /* Options before "rng" as everywhere, after it rng's own. */
        int r = parse_opts(ci, argv, o, long_opts, SHORT_OPTS);
        if (r)
            return r;
        r = parse_opts(argc - ci, argv + ci, o, rng_opts, ":C:c:nvt:?");
        if (r)
            return r;
        o->command = "rng";
        o->args = argv + ci + optind;
        o->nargs = argc - ci - optind;
        return 0;
    }
    int r = parse_opts(argc, argv, o, long_opts, SHORT_OPTS);
    if (r)
        return r;
    if (optind >= argc) {
        fprintf(stderr, "bbvirt: no command given (see 'bbvirt --help')\n");
        return EXIT_USAGE;
    }
    o->command = argv[optind];
    o->args = argv + optind + 1;
    o->nargs = argc - optind - 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct bbvirt_opts o = {
        .config = BB_SYSCONFDIR "/bit-babbler/vm.conf",
        .timeout_ms = BBVIRT_DEFAULT_TIMEOUT_MS,
    };
    char *hookargv[8];

    /* Before anything opens a descriptor that could become stdout. */
    if (stdfd_ensure() < 0)
        return EXIT_USAGE;

    /* Installed (or linked) as /etc/libvirt/hooks/qemu: libvirt runs us as
     * "qemu DOMAIN OPERATION SUBOP EXTRA". */
    char *me = strdup(argv[0] ? argv[0] : "bbvirt");
    if (me && strcmp(basename(me), "qemu") == 0 && argc >= 3 && argc <= 6) {
        hookargv[0] = argv[0];
        hookargv[1] = (char *)"qemu-hook";
        for (int i = 1; i < argc; i++)
            hookargv[i + 1] = argv[i];
        hookargv[argc + 1] = NULL;
        argv = hookargv;
        argc++;
        /* Options cannot be given here: take them from the environment. */
        const char *conf = getenv("BBVIRT_CONFIG");
        if (conf && *conf)
            o.config = conf;
        const char *logf = getenv("BBVIRT_LOG_FILE");
        if (logf && *logf)
            o.log_file = logf;
    }
    free(me);

    int r = parse(argc, argv, &o);
    if (r)
        return r < 0 ? EXIT_OK : r;

    log_set_verbosity(o.verbose + (o.dry_run ? 1 : 0));
    FILE *lf = NULL;
    if (o.log_file) {
        lf = fopen(o.log_file, "ae");
        if (!lf) {
            return say("--log-file '%s': %s", o.log_file, strerror(errno));
        }
        log_use_file(lf);
    } else if (o.syslog) {
        log_use_syslog("bbvirt");
    }
    r = bbvirt_run(&o);
    if (lf)
        fclose(lf);
    return r;
}
