/* bbemu: run a command against emulated BitBabbler devices.  See bbemu(1). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib-unix.h>
#include <glib.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "emu.h"
#include "log.h"
#include "spec.h"

#define TMPDIR_MAX 40                    /* keep ioctl socket paths < 108 bytes */
#define MAX_DEVICES 64
#define CTL_LINE_MAX 65536

const char cli_prog[] = "bbemu";

struct opts {
    struct spec specs[MAX_DEVICES];
    size_t nspecs;
    const char *control, *wire_dir, *user;
    bool expect;
    unsigned expect_mask;
    size_t expect_count;
    char **command;                      /* NULL: interactive */
    uid_t uid;
    gid_t gid;
    gid_t groups[64];
    int ngroups;
};

struct run {
    struct emu *emu;
    GMainLoop *loop;
    pid_t child;
    int status;
    struct cli_fifo ctl;
};

static void usage(FILE *f)
{
    fputs("Usage: bbemu [OPTION]... [--] [COMMAND [ARG]...]\n"
          "Run COMMAND against emulated BitBabbler USB devices (umockdev testbed).\n"
          "\n"
          "  -d, --device SPEC    add a device (repeatable, plugged in this order)\n"
          "  -c, --control PATH   control FIFO path (default: inside the testbed)\n"
          "  -w, --wire-log DIR   append each device's wire log to DIR/SERIAL.wire\n"
          "  -u, --user USER      run COMMAND as USER\n"
          "  -v, --verbose        more messages on stderr (repeatable)\n"
          "  -h, --help           this text\n"
          "  -V, --version        version\n"
          "  -e, --expect MASK:COUNT  write the first COUNT bytes (<= 1G) the single\n"
          "                       --device clocks out with enable mask MASK (hex), no\n"
          "                       faults; start nothing\n"
          "\n"
          "SPEC = SERIAL[@BUS-PORTPATH][,dev=N][,white|,black][,noserial]\n"
          "       [,payload=FILE][,fault=NAME[:ARG][@N]]...\n"
          "       [,vid=HEX][,pid=HEX][,manufacturer=TEXT][,product=TEXT]\n"
          "  defaults: bus 1, next free top-level port, lowest free device number >= 2\n"
          "  noserial: the USB device has no serial string (SERIAL only names it)\n"
          "  vid/pid/manufacturer/product: another USB identity (descriptors, strings,\n"
          "  sysfs/udev records; not a BitBabbler to seedd), e.g. vid=1d6b,pid=0104\n"
          "FAULTS: stuck[:BYTE] bias[:PCT] repeat[:N] status[:HEX] stall[:N]\n"
          "        timeout[:BYTES] short[:LEN] excess[:N] unplug:BYTES busy access\n"
          "        ctrlstall[:N]; @N arms one: set once the device has clocked out N\n"
          "        more payload bytes (decimal, K/M/G suffixes; access cannot be armed)\n"
          "CONTROL (one per line on the FIFO, path in $BBEMU_CONTROL):\n"
          "  unplug SERIAL | plug SERIAL | replug SERIAL | add SPEC\n"
          "  fault SERIAL NAME[:ARG][@N] | clear SERIAL | dump SERIAL FILE\n"
          "\n"
          "COMMAND runs with LD_PRELOAD=$BBEMU_PRELOAD (libbbemu-preload.so and\n"
          "libumockdev-preload.so.0), UMOCKDEV_DIR and BBEMU_CONTROL set; bbemu exits\n"
          "with its status.  Without COMMAND, bbemu prints UMOCKDEV_DIR=,\n"
          "BBEMU_CONTROL= and BBEMU_PRELOAD= lines and runs until signalled.\n"
          "See bbemu(1).\n", f);
}

/* 0, or an exit status (after printing why). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        { "device", required_argument, NULL, 'd' },
        { "control", required_argument, NULL, 'c' },
        { "wire-log", required_argument, NULL, 'w' },
        { "user", required_argument, NULL, 'u' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "expect", required_argument, NULL, 'e' },
        { NULL, 0, NULL, 0 },
    };
    char err[512];
    int c, verbose = 0;
    bool dashdash;

    while ((c = getopt_long(argc, argv, "+d:c:w:u:vhVe:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (o->nspecs == MAX_DEVICES)
                return cli_bad("--device '%s': more than %d devices", optarg, MAX_DEVICES);
            if (spec_parse(optarg, &o->specs[o->nspecs++], err, sizeof(err)) != 0)
                return cli_bad("--device '%s': %s", optarg, err);
            break;
        case 'c':
            o->control = optarg;
            break;
        case 'w':
            o->wire_dir = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'v':
            verbose++;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        case 'e':
            if (cli_parse_expect(optarg, &o->expect_mask, &o->expect_count) != 0)
                return cli_bad("--expect '%s': expected MASK:COUNT (MASK 0..f hex, COUNT <= 1G)",
                               optarg);
            o->expect = true;
            break;
        case 'V':
            printf("bbemu %s\n", BB_PKG_VERSION);
            exit(0);
        default:
            fprintf(stderr, "Try 'bbemu --help'.\n");
            return CLI_EXIT_USAGE;
        }
    }
    log_set_verbosity(verbose);
    if (o->expect) {
        if (o->nspecs != 1 || optind < argc)
            return cli_bad("--expect needs exactly one --device and no COMMAND");
        return 0;
    }
    dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
    if (optind < argc)
        o->command = argv + optind;
    else if (dashdash)
        return cli_bad("no COMMAND after '--'");
    if (emu_check(NULL, o->specs, o->nspecs, err, sizeof(err)) != 0)
        return cli_bad("%s", err);
    if (o->control && *o->control == '\0')
        return cli_bad("--control: empty path");
    if (o->control) {
        struct stat st;
        if (lstat(o->control, &st) == 0 && !S_ISFIFO(st.st_mode))
            return cli_bad("--control '%s': exists and is not a FIFO", o->control);
    }
    if (o->wire_dir) {
        struct stat st;
        if (mkdir(o->wire_dir, 0755) != 0 && errno != EEXIST)
            return cli_bad("--wire-log '%s': %s", o->wire_dir, strerror(errno));
        if (stat(o->wire_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
            access(o->wire_dir, W_OK | X_OK) != 0)
            return cli_bad("--wire-log '%s': not a writable directory", o->wire_dir);
    }
    if (o->user) {
        struct passwd *pw = getpwnam(o->user);
        if (!pw)
            return cli_bad("--user '%s': no such user", o->user);
        o->uid = pw->pw_uid;
        o->gid = pw->pw_gid;
        o->ngroups = (int)(sizeof(o->groups) / sizeof(o->groups[0]));
        if (getgrouplist(o->user, o->gid, o->groups, &o->ngroups) < 0) {
            o->groups[0] = o->gid;
            o->ngroups = 1;
        }
        if (geteuid() != 0 && o->uid != geteuid())
            return cli_bad("--user '%s': needs root", o->user);
    }
    return 0;
}

/* ------------------------------------------------------------ control FIFO */

static void control_line(char *line, void *ud)
{
    struct run *r = ud;
    char err[512];

    if (emu_command(r->emu, line, err, sizeof(err)) != 0)
        fprintf(stderr, "bbemu: control: %s (ignored)\n", err);
}

static gboolean on_control(gint fd, GIOCondition cond, gpointer data)
{
    struct run *r = data;
    cli_fifo_read(&r->ctl, control_line, r);
    return G_SOURCE_CONTINUE;
}

static int open_control(struct run *r, const struct opts *o)
{
    char *path = o->control ? g_strdup(o->control)
                            : g_strconcat(emu_root(r->emu), "/control", NULL);
    int rc = cli_fifo_open(&r->ctl, path, CTL_LINE_MAX);

    g_free(path);
    if (rc == 0 && o->user && r->ctl.created && chown(r->ctl.path, o->uid, o->gid) != 0)
        rc = -errno;
    if (rc == 0)
        g_unix_fd_add(r->ctl.fd, G_IO_IN, on_control, r);
    return rc;
}

/* ------------------------------------------------------------ child */

static void on_child(GPid pid, gint status, gpointer data)
{
    struct run *r = data;
    r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r->child = 0;
    g_spawn_close_pid(pid);
    g_main_loop_quit(r->loop);
}

struct sigctx {
    struct run *run;
    int sig;
};

static gboolean on_signal(gpointer data)
{
    const struct sigctx *sc = data;
    struct run *r = sc->run;

    if (r->child > 0) {
        kill(r->child, sc->sig);        /* its exit ends the main loop */
    } else {
        r->status = 0;                  /* interactive mode: a normal end */
        g_main_loop_quit(r->loop);
    }
    return G_SOURCE_CONTINUE;
}

/* The preload list the emulated devices need (BBEMU_PRELOAD): our own
 * libbbemu-preload (src/emu/preload.c: lseek on a usbfs node), next to
 * bbemu in the build tree or installed, then umockdev's. */
static char *preload_list(void)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *dir = exe ? g_path_get_dirname(exe) : NULL;
    char *cand[2] = { dir ? g_build_filename(dir, "libbbemu-preload.so", NULL) : NULL,
                      g_build_filename(BB_PRELOAD_DIR, "libbbemu-preload.so", NULL) };
    char *list = NULL;

    for (int i = 0; i < 2 && !list; i++)
        if (cand[i] && access(cand[i], R_OK) == 0)
            list = g_strconcat(cand[i], ":libumockdev-preload.so.0", NULL);
    if (!list)
        list = g_strdup("libumockdev-preload.so.0");
    g_free(cand[0]);
    g_free(cand[1]);
    g_free(dir);
    g_free(exe);
    return list;
}

static char **child_env(const struct run *r, const char *tmpdir)
{
    char **env = g_get_environ();
    const char *old = g_environ_getenv(env, "LD_PRELOAD");
    char *list = preload_list();
    char *pre = g_strdup_printf("%s%s%s", list, old && *old ? ":" : "", old ? old : "");
    env = g_environ_setenv(env, "LD_PRELOAD", pre, TRUE);
    env = g_environ_setenv(env, "BBEMU_PRELOAD", list, TRUE);
    g_free(list);
    env = g_environ_setenv(env, "UMOCKDEV_DIR", emu_root(r->emu), TRUE);
    env = g_environ_setenv(env, "BBEMU_CONTROL", r->ctl.path, TRUE);
    env = tmpdir ? g_environ_setenv(env, "TMPDIR", tmpdir, TRUE)
                 : g_environ_unsetenv(env, "TMPDIR");
    /* an ASan-built COMMAND would refuse to run with the preload first */
    const char *asan = g_environ_getenv(env, "ASAN_OPTIONS");
    if (!asan || !strstr(asan, "verify_asan_link_order")) {
        char *v = g_strdup_printf("%s%sverify_asan_link_order=0", asan ? asan : "",
                                  asan && *asan ? ":" : "");
        env = g_environ_setenv(env, "ASAN_OPTIONS", v, TRUE);
        g_free(v);
    }
    g_free(pre);
    return env;
}

/* fork + exec; exec errors come back through a close-on-exec pipe. */
static int spawn(struct run *r, const struct opts *o, const char *tmpdir)
{
    char **env = child_env(r, tmpdir);
    pid_t parent = getpid();
    int p[2], child_errno = 0, rc = 0;

    if (pipe2(p, O_CLOEXEC) != 0) {
        rc = -errno;
        goto out;
    }
    r->child = fork();
    if (r->child < 0) {
        rc = -errno;
        close(p[0]);
        close(p[1]);
        goto out;
    }
    if (r->child == 0) {
        sigset_t none;
        int e = 0;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        if (o->user && (setgroups((size_t)o->ngroups, o->groups) != 0 ||
                        setgid(o->gid) != 0 || setuid(o->uid) != 0))
            e = errno;
        if (!e) {
            execvpe(o->command[0], o->command, env);
            e = errno;
        }
        (void)!write(p[1], &e, sizeof(e));
        _exit(127);
    }
    close(p[1]);
    if (read(p[0], &child_errno, sizeof(child_errno)) == (ssize_t)sizeof(child_errno)) {
        fprintf(stderr, "bbemu: cannot run '%s': %s\n", o->command[0], strerror(child_errno));
        waitpid(r->child, NULL, 0);
        r->child = 0;
        rc = -child_errno;
    } else {
        g_child_watch_add(r->child, on_child, r);
    }
    close(p[0]);
out:
    g_strfreev(env);
    return rc;
}

/* ------------------------------------------------------------ testbed guard */

/* The testbed directory while it exists: emu_free() removes it on the
 * normal way out; an exit() or abort() from a library (umockdev, GLib, a
 * sanitizer) removes it here.  SIGKILL cannot be caught. */
static char *tb_root;

static void remove_testbed(void)
{
    pid_t p;

    if (!tb_root)
        return;
    p = fork();                          /* fork, exec, wait: async-signal-safe */
    if (p == 0) {
        execl("/bin/rm", "rm", "-rf", "--", tb_root, (char *)NULL);
        _exit(127);
    }
    if (p > 0)
        waitpid(p, NULL, 0);
}

static void on_abort(int sig)
{
    remove_testbed();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_testbed(const char *root)
{
    tb_root = strdup(root);
    atexit(remove_testbed);
    signal(SIGABRT, on_abort);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    static struct opts o;
    struct run r = { .ctl = { .fd = -1 }, .status = 1 };
    char err[512], *saved_tmpdir = NULL;
    const char *tmpdir = getenv("TMPDIR");
    int rc;

    rc = parse_args(argc, argv, &o);
    if (rc)
        goto done;
    if (o.expect) {                      /* the SPEC's faults are ignored */
        struct fmodel_config cfg = spec_model_config(&o.specs[0]);
        rc = cli_expect(&cfg, o.expect_mask, o.expect_count);
        goto done;
    }
    rc = 1;
    signal(SIGPIPE, SIG_IGN);
    r.loop = g_main_loop_new(NULL, FALSE);
    static struct sigctx sigs[] = { { NULL, SIGINT }, { NULL, SIGTERM }, { NULL, SIGHUP } };
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigs[i].run = &r;
        g_unix_signal_add(sigs[i].sig, on_signal, &sigs[i]);
    }

    /* pitfall: ioctl socket paths must stay < 108 bytes */
    if (tmpdir) {
        saved_tmpdir = strdup(tmpdir);
        if (strlen(tmpdir) > TMPDIR_MAX)
            setenv("TMPDIR", "/tmp", 1);
    }
    if (emu_new(o.wire_dir, &r.emu) != 0) {
        fprintf(stderr, "bbemu: cannot create the umockdev testbed\n");
        goto done;
    }
    guard_testbed(emu_root(r.emu));
    if (o.user && (chown(emu_root(r.emu), o.uid, o.gid) != 0 ||
                   chmod(emu_root(r.emu), 0755) != 0)) {
        fprintf(stderr, "bbemu: %s: %s\n", emu_root(r.emu), strerror(errno));
        goto done;
    }
    if (emu_add(r.emu, o.specs, o.nspecs, err, sizeof(err)) != 0) {
        fprintf(stderr, "bbemu: %s\n", err);
        goto done;
    }
    if ((rc = open_control(&r, &o)) != 0) {
        fprintf(stderr, "bbemu: control FIFO '%s': %s\n", r.ctl.path, strerror(-rc));
        rc = CLI_EXIT_USAGE;
        goto done;
    }
    if (o.command) {
        if (spawn(&r, &o, saved_tmpdir) != 0) {
            rc = 127;
            goto done;
        }
    } else {
        char *list = preload_list();
        printf("UMOCKDEV_DIR=%s\nBBEMU_CONTROL=%s\nBBEMU_PRELOAD=%s\n", emu_root(r.emu),
               r.ctl.path, list);
        g_free(list);
        fflush(stdout);
    }
    g_main_loop_run(r.loop);
    rc = r.status;
done:
    if (r.child > 0) {                   /* only on setup errors after the fork */
        kill(r.child, SIGTERM);
        waitpid(r.child, NULL, 0);
    }
    cli_fifo_close(&r.ctl);
    emu_free(r.emu);
    free(tb_root);
    tb_root = NULL;                      /* removed with the testbed */
    if (r.loop)
        g_main_loop_unref(r.loop);
    for (size_t i = 0; i < o.nspecs; i++)
        spec_clear(&o.specs[i]);
    free(saved_tmpdir);
    return rc;
}
