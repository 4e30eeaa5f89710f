/* configfs: the gadget in configfs and its FunctionFS mount.  See configfs.h. */
#include "configfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define PATH_LEN 512
#define OFF_CFG 18               /* configuration descriptor in fmodel_descriptors() */

struct cfs {
    char name[CFS_NAME_MAX + 1];
    char dir[PATH_LEN];          /* CFS_ROOT/NAME */
    char ffs_dir[PATH_LEN];
    bool made_gadget, made_strings, made_config, made_function, made_link;
    bool made_ffs_dir, mounted, bound;
};

bool cfs_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CFS_NAME_MAX)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return false;
    return true;
}

/* CFS_ROOT/NAME/rel, or the gadget directory itself for "". */
static int path(char *buf, const struct cfs *c, const char *rel)
{
    int n = snprintf(buf, PATH_LEN, "%s%s%s", c->dir, *rel ? "/" : "", rel);
    return n < 0 || n >= PATH_LEN ? -ENAMETOOLONG : 0;
}

static int make_dir(const struct cfs *c, const char *rel, bool *made)
{
    char p[PATH_LEN];
    int rc = path(p, c, rel);
    if (rc == 0 && mkdir(p, 0755) != 0)
        rc = -errno;
    if (rc) {
        log_msg(0, "bbgadget: mkdir %s: %s", p, strerror(-rc));
        return rc;
    }
    *made = true;
    return 0;
}

static void remove_dir(const struct cfs *c, const char *rel, bool *made)
{
    char p[PATH_LEN];
    if (!*made || path(p, c, rel) != 0)
        return;
    if (rmdir(p) != 0)
        log_msg(1, "bbgadget: rmdir %s: %s", p, strerror(errno));
    *made = false;
}

static int write_attr(const struct cfs *c, const char *rel, const char *value)
{
    char p[PATH_LEN];
    size_t len = strlen(value);
    int rc = path(p, c, rel), fd = -1;

    if (rc)
        goto out;
    fd = open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, value, len) != (ssize_t)len)
        rc = errno ? -errno : -EIO;
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = -errno;
out:
    if (rc)
        log_msg(0, "bbgadget: writing '%s' to %s: %s", value, p, strerror(-rc));
    return rc;
}

static int write_hex(const struct cfs *c, const char *rel, unsigned v)
{
    char s[16];
    snprintf(s, sizeof(s), "0x%04x\n", v);
    return write_attr(c, rel, s);
}

static int make_tree(struct cfs *c, const struct fmodel *m)
{
    const uint8_t *desc = fmodel_descriptors(NULL);
    char s[160];
    int rc;

    if ((rc = make_dir(c, "", &c->made_gadget)) || (rc = write_hex(c, "idVendor", FMODEL_VID)) ||
        (rc = write_hex(c, "idProduct", FMODEL_PID)) ||
        (rc = write_hex(c, "bcdDevice", FMODEL_BCD_DEVICE)) ||
        (rc = write_hex(c, "bcdUSB", (unsigned)(desc[2] | desc[3] << 8))) ||
        (rc = make_dir(c, "strings/0x409", &c->made_strings)) ||
        (rc = write_attr(c, "strings/0x409/manufacturer", FMODEL_MANUFACTURER)) ||
        (rc = write_attr(c, "strings/0x409/product", fmodel_product(m))) ||
        (rc = write_attr(c, "strings/0x409/serialnumber", fmodel_serial(m))) ||
        (rc = make_dir(c, "configs/c.1", &c->made_config)))
        return rc;
    snprintf(s, sizeof(s), "%u\n", desc[OFF_CFG + 8] * 2u);          /* bMaxPower: 2 mA units */
    if ((rc = write_attr(c, "configs/c.1/MaxPower", s)))
        return rc;
    snprintf(s, sizeof(s), "0x%02x\n", desc[OFF_CFG + 7]);           /* bmAttributes */
    if ((rc = write_attr(c, "configs/c.1/bmAttributes", s)))
        return rc;
    snprintf(s, sizeof(s), "functions/ffs.%s", c->name);
    if ((rc = make_dir(c, s, &c->made_function)))
        return rc;
    char target[PATH_LEN], link[PATH_LEN];
    if ((rc = path(target, c, s)))
        return rc;
    snprintf(s, sizeof(s), "configs/c.1/ffs.%s", c->name);
    if ((rc = path(link, c, s)))
        return rc;
    if (symlink(target, link) != 0) {
        rc = -errno;
        log_msg(0, "bbgadget: symlink %s: %s", link, strerror(errno));
        return rc;
    }
    c->made_link = true;
    return 0;
}

static int mount_ffs(struct cfs *c)
{
    if (mkdir(c->ffs_dir, 0700) == 0)
        c->made_ffs_dir = true;
    else if (errno != EEXIST) {
        int rc = -errno;
        log_msg(0, "bbgadget: mkdir %s: %s", c->ffs_dir, strerror(errno));
        return rc;
    }
    if (mount(c->name, c->ffs_dir, "functionfs", 0, NULL) != 0) {
        int rc = -errno;
        log_msg(0, "bbgadget: mounting functionfs '%s' at %s: %s", c->name, c->ffs_dir,
                strerror(errno));
        return rc;
    }
    c->mounted = true;
    return 0;
}

int cfs_new(const char *name, const struct fmodel *m, const char *ffs_dir, struct cfs **out)
{
    struct cfs *c = NULL;
    struct stat st;
    int rc;

    *out = NULL;
    if (!cfs_name_valid(name) || strlen(ffs_dir) >= PATH_LEN)
        return -EINVAL;
    if (stat(CFS_ROOT, &st) != 0 || !S_ISDIR(st.st_mode)) {
        log_msg(0, "bbgadget: %s missing: configfs not mounted or libcomposite not loaded",
                CFS_ROOT);
        return -ENOENT;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->dir, sizeof(c->dir), "%s/%s", CFS_ROOT, name);
    snprintf(c->ffs_dir, sizeof(c->ffs_dir), "%s", ffs_dir);
    if (stat(c->dir, &st) == 0) {
        log_msg(0, "bbgadget: gadget %s exists already (another bbgadget?)", c->dir);
        rc = -EEXIST;
        goto fail;
    }
    if ((rc = make_tree(c, m)) || (rc = mount_ffs(c)))
        goto fail;
    *out = c;
    return 0;
fail:
    cfs_free(c);
    return rc;
}

int cfs_bind(struct cfs *c, const char *udc)
{
    char v[128];
    snprintf(v, sizeof(v), "%s\n", udc);
    int rc = write_attr(c, "UDC", v);
    if (rc == 0)
        c->bound = true;
    return rc;
}

int cfs_unbind(struct cfs *c)
{
    char p[PATH_LEN], cur[128] = "";
    FILE *f;

    /* someone else (a test) may have unbound it already */
    if (path(p, c, "UDC") == 0 && (f = fopen(p, "re"))) {
        if (!fgets(cur, sizeof(cur), f))
            cur[0] = '\0';
        fclose(f);
        if (cur[0] == '\0' || cur[0] == '\n') {
            c->bound = false;
            return 0;
        }
    }
    int rc = write_attr(c, "UDC", "\n");
    if (rc == 0)
        c->bound = false;
    return rc;
}

const char *cfs_dir(const struct cfs *c)
{
    return c->dir;
}

void cfs_free(struct cfs *c)
{
    char s[PATH_LEN], p[PATH_LEN];

    if (!c)
        return;
    if (c->bound)
        cfs_unbind(c);
    if (c->mounted && umount(c->ffs_dir) != 0)
        log_msg(1, "bbgadget: umount %s: %s", c->ffs_dir, strerror(errno));
    if (c->made_ffs_dir && rmdir(c->ffs_dir) != 0)
        log_msg(1, "bbgadget: rmdir %s: %s", c->ffs_dir, strerror(errno));
    snprintf(s, sizeof(s), "configs/c.1/ffs.%s", c->name);
    if (c->made_link && path(p, c, s) == 0 && unlink(p) != 0)
        log_msg(1, "bbgadget: unlink %s: %s", p, strerror(errno));
    remove_dir(c, "configs/c.1", &c->made_config);
    snprintf(s, sizeof(s), "functions/ffs.%s", c->name);
    remove_dir(c, s, &c->made_function);
    remove_dir(c, "strings/0x409", &c->made_strings);
    remove_dir(c, "", &c->made_gadget);
    free(c);
}
