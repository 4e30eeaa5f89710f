/* usbany: USB devices of one VID:PID, from udev.  See usbany.h. */
#include "usbany.h"

#include <errno.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static void copy_attr(struct udev_device *d, const char *name, char *dst, size_t len)
{
    const char *v = udev_device_get_sysattr_value(d, name);
    snprintf(dst, len, "%s", v ? v : "");
}

/* Decimal 1..255. */
static int uint_attr(struct udev_device *d, const char *name, unsigned *out)
{
    const char *v = udev_device_get_sysattr_value(d, name);
    char *end;
    if (!v || !*v)
        return -ENOENT;
    unsigned long x = strtoul(v, &end, 10);
    if (end == v || (*end && *end != '\n') || x < 1 || x > 255)
        return -EINVAL;
    *out = (unsigned)x;
    return 0;
}

/* 4 hex digits, as the kernel writes idVendor/idProduct. */
static int hex_attr(struct udev_device *d, const char *name, uint16_t *out)
{
    const char *v = udev_device_get_sysattr_value(d, name);
    char *end;
    if (!v || strlen(v) < 4)
        return -ENOENT;
    unsigned long x = strtoul(v, &end, 16);
    if (end != v + 4 || x > 0xffff)
        return -EINVAL;
    *out = (uint16_t)x;
    return 0;
}

static int from_udev(struct udev_device *d, uint16_t vid, uint16_t pid, struct devinfo *di)
{
    const char *type = udev_device_get_devtype(d);
    memset(di, 0, sizeof(*di));
    if (!type || strcmp(type, "usb_device") != 0 || hex_attr(d, "idVendor", &di->vid) < 0 ||
        hex_attr(d, "idProduct", &di->pid) < 0 || di->vid != vid || di->pid != pid ||
        uint_attr(d, "busnum", &di->bus) < 0 || uint_attr(d, "devnum", &di->dev) < 0)
        return -ENOENT;
    copy_attr(d, "serial", di->serial, sizeof(di->serial));
    copy_attr(d, "manufacturer", di->manufacturer, sizeof(di->manufacturer));
    copy_attr(d, "product", di->product, sizeof(di->product));
    copy_attr(d, "devpath", di->port, sizeof(di->port));
    snprintf(di->syspath, sizeof(di->syspath), "%s", udev_device_get_syspath(d));
    return 0;
}

int usbany_scan(uint16_t vid, uint16_t pid, struct devinfo **devs, size_t *n)
{
    struct udev *udev = udev_new();
    struct udev_enumerate *en = udev ? udev_enumerate_new(udev) : NULL;
    struct devinfo *list = NULL;
    size_t count = 0, cap = 0;
    char v[8], p[8];
    int r = 0;

    *devs = NULL;
    *n = 0;
    if (!en) {
        r = -ENOMEM;
        goto out;
    }
    snprintf(v, sizeof(v), "%04x", vid);
    snprintf(p, sizeof(p), "%04x", pid);
    if (udev_enumerate_add_match_subsystem(en, "usb") < 0 ||
        udev_enumerate_add_match_sysattr(en, "idVendor", v) < 0 ||
        udev_enumerate_add_match_sysattr(en, "idProduct", p) < 0 ||
        udev_enumerate_scan_devices(en) < 0) {
        r = -EIO;
        log_msg(0, "udev: device enumeration failed");
        goto out;
    }
    struct udev_list_entry *e;
    udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
    {
        struct udev_device *d = udev_device_new_from_syspath(udev, udev_list_entry_get_name(e));
        if (!d)
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct devinfo *nl = realloc(list, ncap * sizeof(*nl));
            if (!nl) {
                udev_device_unref(d);
                r = -ENOMEM;
                goto out;
            }
            list = nl;
            cap = ncap;
        }
        if (from_udev(d, vid, pid, &list[count]) == 0)
            count++;
        udev_device_unref(d);
    }
out:
    if (en)
        udev_enumerate_unref(en);
    if (udev)
        udev_unref(udev);
    if (r < 0) {
        free(list);
        return r;
    }
    *devs = list;
    *n = count;
    return 0;
}
