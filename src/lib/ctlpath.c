/* ctlpath: control socket path rules and its directory.  See ctlpath.h. */
#include "ctlpath.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

bool ctlpath_is_unix(const char *addr)
{
    return strcmp(addr, "none") != 0 && strncmp(addr, "tcp:", 4) != 0;
}

int ctlpath_check(const char *path, char *err, size_t errlen)
{
    size_t len = strlen(path);
    const char *why = NULL;
    if (path[0] != '/')
        why = "must be an absolute path";
    else if (path[len - 1] == '/')
        why = "must not end in '/'";
    else if (strchr(path + 1, '/') == NULL)
        why = "must not be directly in '/'";
    else if (len > CTLPATH_MAX)
        why = "is too long for a unix socket (at most 107 bytes)";
    if (!why)
        return 0;
    snprintf(err, errlen, "%s", why);
    return -EINVAL;
}

int ctlpath_group(const char *name, gid_t *out)
{
    struct group gr, *res = NULL;
    long sz = sysconf(_SC_GETGR_R_SIZE_MAX);
    size_t len = sz > 0 ? (size_t)sz : 4096;
    int r;
    for (;;) {
        char *buf = malloc(len);
        if (!buf)
            return -ENOMEM;
        r = getgrnam_r(name, &gr, buf, len, &res);
        if (r == 0 && res)
            *out = gr.gr_gid;
        free(buf);
        if (r != ERANGE || len > (1u << 20))
            break;
        len *= 2;
    }
    if (r)
        return -r;
    return res ? 0 : -ENOENT;
}

/* mkdir -p of dir's ancestors (not dir itself). */
static int make_ancestors(char *dir)
{
    for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0;
        int r = mkdir(dir, 0755) < 0 && errno != EEXIST ? -errno : 0;
        *p = '/';
        if (r < 0)
            return r;
    }
    return 0;
}

/* The exact mode and group on a directory we own. */
static int set_mode_group(const char *dir, mode_t mode, gid_t gid)
{
    if (chmod(dir, mode) < 0 || chown(dir, (uid_t)-1, gid) < 0)
        return -errno;
    return 0;
}

static int create_dir(char *dir, mode_t mode, gid_t gid, char *err, size_t errlen)
{
    int r = make_ancestors(dir);
    if (r == 0 && mkdir(dir, mode) < 0 && errno != EEXIST)
        r = -errno;
    if (r == 0)
        r = set_mode_group(dir, mode, gid);
    if (r < 0)
        snprintf(err, errlen, "cannot create the directory %s: %s", dir, strerror(-r));
    else
        log_msg(1, "Created %s (mode %04o, group %u)", dir, (unsigned)mode, (unsigned)gid);
    return r;
}

/* What a socket's directory is to be, and what makes one shared. */
struct dirrule {
    mode_t mode;
    gid_t gid;
    mode_t shared; /* mode bits of a directory others use */
    const char *what, *example;
};

static int check_dir(const char *dir, const struct stat *st, const struct dirrule *dr, char *err,
                     size_t errlen)
{
    mode_t mode = dr->mode;
    gid_t gid = dr->gid;
    if (!S_ISDIR(st->st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -ENOTDIR;
    }
    if (st->st_uid != geteuid()) {
        snprintf(err, errlen, "the directory %s belongs to uid %u, not to us (uid %u)", dir,
                 (unsigned)st->st_uid, (unsigned)geteuid());
        return -EPERM;
    }
    if ((st->st_mode & 07777) == mode && st->st_gid == gid)
        return 0;
    /* Only a directory of the socket's own is corrected: one that others
     * may use (the control socket: sticky, or any permission for others:
     * /tmp, /run) is refused rather than changed under everyone else's
     * feet. */
    if (st->st_mode & dr->shared) {
        snprintf(err, errlen, "the directory %s (mode %04o) is shared: the %s needs "
                 "a directory of its own (e.g. %s)", dir, (unsigned)(st->st_mode & 07777),
                 dr->what, dr->example);
        return -EPERM;
    }
    int r = set_mode_group(dir, mode, gid);
    if (r < 0) {
        snprintf(err, errlen, "cannot set mode %04o and group %u on %s: %s", (unsigned)mode,
                 (unsigned)gid, dir, strerror(-r));
        return r;
    }
    log_msg(1, "%s had mode %04o and group %u: now %04o and %u", dir,
            (unsigned)(st->st_mode & 07777), (unsigned)st->st_gid, (unsigned)mode, (unsigned)gid);
    return 0;
}

static int prepare_dir(const char *path, const struct dirrule *dr, char *err, size_t errlen)
{
    struct stat st;
    char *dir = strdup(path);
    int r;
    if (!dir) {
        snprintf(err, errlen, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    *strrchr(dir, '/') = 0; /* ctlpath_check: not directly in '/' */
    if (lstat(dir, &st) == 0)
        r = check_dir(dir, &st, dr, err, errlen);
    else if (errno == ENOENT)
        r = create_dir(dir, dr->mode, dr->gid, err, errlen);
    else {
        r = -errno;
        snprintf(err, errlen, "%s: %s", dir, strerror(-r));
    }
    free(dir);
    return r;
}


int ctlpath_prepare_dir(const char *path, gid_t group, char *err, size_t errlen)
{
    const struct dirrule dr = {
        .mode = group == (gid_t)-1 ? 0700 : 0770,
        .gid = group == (gid_t)-1 ? getegid() : group,
        .shared = S_ISVTX | S_IRWXO,
        .what = "control socket",
        .example = "/run/bit-babbler",
    };
    return prepare_dir(path, &dr, err, errlen);
}

int ctlpath_open_dir(const char *path, char *err, size_t errlen)
{
    const struct dirrule dr = {
        .mode = 0755,
        .gid = getegid(),
        .shared = S_ISVTX | S_IWOTH,
        .what = "socket",
        .example = "/run/bit-babbler-egd",
    };
    return prepare_dir(path, &dr, err, errlen);
}
