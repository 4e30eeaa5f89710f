/* bbctl: query and control a running seedd through its control socket
 * (spec §9.2).  Options and the actions, run in upstream's order whatever
 * the order on the command line: SetLogVerbosity, scan, waitfor(s), bins,
 * bit runs, stats.  Exit 0, 1 on any error, 2 when a --waitfor timed out. */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbctl.h"
#include "climsg.h"
#include "config.h"
#include "conn.h"
#include "ctlclient.h"
#include "log.h"
#include "num.h"
#include "stdfd.h"

/* seedd's default (SEEDD_CONTROL_SOCKET in src/seedd/options.h). */
#define BBCTL_SOCKET "/run/bit-babbler/seedd.socket"
#define BBCTL_REPLY_TIMEOUT_MS 30000

enum {
    OPT_BINCOUNT = 256,
    OPT_BINCOUNT16,
    OPT_FIRST,
    OPT_LAST,
    OPT_WAITFOR,
    OPT_JSON,
    OPT_REPLY_TIMEOUT,
    OPT_VERSION,
};

static const struct option long_opts[] = {
    { "scan", no_argument, NULL, 's' },
    { "device-id", required_argument, NULL, 'i' },
    { "bin-freq", no_argument, NULL, 'b' },
    { "bin-freq16", no_argument, NULL, 'B' },
    { "bin-count", no_argument, NULL, OPT_BINCOUNT },
    { "bin-count16", no_argument, NULL, OPT_BINCOUNT16 },
    { "first", required_argument, NULL, OPT_FIRST },
    { "last", required_argument, NULL, OPT_LAST },
    { "bit-runs", no_argument, NULL, 'r' },
    { "stats", no_argument, NULL, 'S' },
    { "control-socket", required_argument, NULL, 'c' },
    { "log-verbosity", required_argument, NULL, 'V' },
    { "waitfor", required_argument, NULL, OPT_WAITFOR },
    { "json", no_argument, NULL, OPT_JSON },
    { "reply-timeout", required_argument, NULL, OPT_REPLY_TIMEOUT },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, '?' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

static void usage(void)
{
    printf("Usage: bbctl [OPTION...]\n"
           "\n"
           "Query and control tool for BitBabbler hardware RNG devices (seedd's\n"
           "control socket)\n"
           "\n"
           "Options:\n"
           "  -s, --scan                Scan for active devices\n"
           "  -i, --device-id=id        Act on only a single device (the last -i counts)\n"
           "  -b, --bin-freq            Report the 8-bit symbols sorted by frequency\n"
           "  -B, --bin-freq16          Report the 16-bit symbols sorted by frequency\n"
           "      --bin-count           Report the 8-bit symbols in symbol order\n"
           "      --bin-count16         Report the 16-bit symbols in symbol order\n"
           "      --first=n             Show only the first n bins\n"
           "      --last=n              Show only the last n bins\n"
           "  -r, --bit-runs            Report on runs of consecutive bits\n"
           "  -S, --stats               Report general QA statistics\n"
           "  -c, --control-socket=path The service socket to query (default\n"
           "                            %s; or tcp:HOST:PORT)\n"
           "  -V, --log-verbosity=n     Change the logging verbosity\n"
           "      --waitfor=dev:n:r:max Wait for a device to pass some number of bytes\n"
           "                            (retry every r ms, up to max ms; repeatable)\n"
           "      --json                Print each reply as JSON, one line per request\n"
           "      --reply-timeout=s     Give up on a reply after s seconds (default %u)\n"
           "  -v, --verbose             Enable verbose output\n"
           "  -?, --help                Show this help message\n"
           "      --version             Print the program version\n"
           "\n"
           "Exit status: 0 done, 1 error, 2 a --waitfor timed out.  See bbctl(1).\n",
           BBCTL_SOCKET, BBCTL_REPLY_TIMEOUT_MS / 1000);
}

/* "OPT 'ARG': WHY" on stderr (ARG made printable); the exit status. */
static int usage_error(const char *opt, const char *arg, const char *why)
{
    char shown[300];
    log_say("%s '%s': %s", opt, climsg_escape(arg, shown, sizeof(shown)), why);
    return BBCTL_EXIT_FAIL;
}

static int parse_count(const char *opt, const char *arg, uint64_t *out)
{
    int r = num_parse_scaled_u64(arg, 1000, out);
    if (r < 0)
        return usage_error(opt, arg, num_strerror(r));
    return 0;
}

static int parse_opt(int c, struct opts *o)
{
    char err[300];
    uint64_t v;
    double secs;
    int r;

    switch (c) {
    case 's': o->scan = true; break;
    case 'i': o->id = optarg; break;
    case 'b': o->bins = 8; break;
    case 'B': o->bins = 16; break;
    case OPT_BINCOUNT: o->bins = 8; o->bin_count = true; break;
    case OPT_BINCOUNT16: o->bins = 16; o->bin_count = true; break;
    case OPT_FIRST:
        if (parse_count("--first", optarg, &o->first))
            return BBCTL_EXIT_FAIL;
        if (o->last == CTLCLIENT_ALL_BINS)
            o->last = 0;
        break;
    case OPT_LAST:
        if (parse_count("--last", optarg, &o->last))
            return BBCTL_EXIT_FAIL;
        if (o->first == CTLCLIENT_ALL_BINS)
            o->first = 0;
        break;
    case 'r': o->bit_runs = true; break;
    case 'S': o->stats = true; break;
    case 'c':
        if (!*optarg)
            return usage_error("--control-socket", optarg, "empty");
        o->socket = optarg;
        break;
    case 'V':
        r = num_parse_u64(optarg, 10, &v);
        if (r == 0 && v > 1000)
            r = -ERANGE;
        if (r < 0)
            return usage_error("--log-verbosity", optarg, num_strerror(r));
        o->verbosity = (long long)v;
        break;
    case OPT_WAITFOR:
        if (o->nwait == BBCTL_MAX_WAITFOR)
            return usage_error("--waitfor", optarg, "too many (16 at most)");
        if (ctlclient_parse_waitfor(optarg, &o->wait[o->nwait], err, sizeof(err)) < 0)
            return usage_error("invalid --waitfor", optarg, err);
        o->nwait++;
        break;
    case OPT_JSON: o->json = true; break;
    case OPT_REPLY_TIMEOUT:
        r = num_parse_scaled_double(optarg, &secs);
        if (r < 0 || !(secs >= 0.001 && secs <= 86400))
            return usage_error("--reply-timeout", optarg,
                               "not a number of seconds (0.001 to 86400)");
        o->reply_timeout_ms = (uint64_t)(secs * 1000 + 0.5);
        break;
    case 'v': log_set_verbosity(log_get_verbosity() + 1); break;
    default: return BBCTL_EXIT_FAIL;
    }
    return 0;
}

/* 0: go on; -1: exit 0 (help, version); else the exit status. */
static int parse(int argc, char **argv, struct opts *o)
{
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":si:c:bBrSV:v?", long_opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            char msg[400];
            if (climsg_getopt_error(c, optopt, argv[optind - 1], long_opts, msg, sizeof(msg))) {
                log_say("%s, try --help", msg);
                return BBCTL_EXIT_FAIL;
            }
            usage();
            return -1;
        }
        if (c == OPT_VERSION) {
            printf("bbctl %s\n", BB_VERSION);
            return -1;
        }
        int r = parse_opt(c, o);
        if (r)
            return r;
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind], "try --help");
    return 0;
}

static int run(struct ctx *x)
{
    struct opts *o = x->o;
    int r = 0;
    if (o->verbosity >= 0 && (r = bbctl_verbosity(x)))
        return r;
    if (o->scan && (r = bbctl_scan(x)))
        return r;
    for (int i = 0; i < o->nwait; i++)
        if ((r = bbctl_waitfor(x, &o->wait[i])))
            return r;
    if (o->bins && (r = bbctl_bins(x)))
        return r;
    if (o->bit_runs && (r = bbctl_bit_runs(x)))
        return r;
    if (o->stats && (r = bbctl_stats(x)))
        return r;
    bool any = o->verbosity >= 0 || o->scan || o->nwait || o->bins || o->bit_runs || o->stats;
    if (!any && conn_open(x->conn) < 0) {
        log_say("%s", conn_error(x->conn));
        return BBCTL_EXIT_FAIL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = {
        .first = CTLCLIENT_ALL_BINS,
        .last = CTLCLIENT_ALL_BINS,
        .verbosity = -1,
        .socket = BBCTL_SOCKET,
        .reply_timeout_ms = BBCTL_REPLY_TIMEOUT_MS,
    };
    if (stdfd_ensure() < 0)
        return BBCTL_EXIT_FAIL;
    log_set_ident("bbctl");
    int r = parse(argc, argv, &o);
    if (r)
        return r < 0 ? BBCTL_EXIT_OK : r;

    struct ctx x = { .o = &o };
    if (conn_new(o.socket, &x.conn) < 0) {
        log_say("out of memory");
        return BBCTL_EXIT_FAIL;
    }
    r = run(&x);
    json_object_put(x.reply);
    conn_free(x.conn);
    if (fflush(stdout) != 0 && !r) {
        log_say("cannot write the output: %s", strerror(errno));
        r = BBCTL_EXIT_FAIL;
    }
    return r;
}
