/* usbenum: device enumeration and hotplug.  See usbenum.h. */
#include "usbenum.h"

#include <errno.h>
#include <libudev.h>
#include <libusb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "evl.h"
#include "log.h"
#include "usberr.h"

struct usbenum {
    struct evl *loop;
    libusb_context *ctx;
    struct udev *udev;
    struct udev_monitor *mon;
    usbenum_hotplug_fn hotplug;
    void *hotplug_ud;
};

/* ---- libusb <-> event loop ------------------------------------------- */

static void on_libusb_fd(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct usbenum *ue = ud;
    struct timeval zero = { 0, 0 };
    libusb_handle_events_timeout_completed(ue->ctx, &zero, NULL);
}

static uint32_t poll_to_epoll(short events)
{
    uint32_t e = 0;
    if (events & POLLIN)
        e |= EPOLLIN;
    if (events & POLLOUT)
        e |= EPOLLOUT;
    return e;
}

static void on_pollfd_added(int fd, short events, void *ud)
{
    struct usbenum *ue = ud;
    int r = evl_add_fd(ue->loop, fd, poll_to_epoll(events), on_libusb_fd, ue);
    if (r == -EEXIST)
        r = evl_mod_fd(ue->loop, fd, poll_to_epoll(events));
    if (r < 0)
        log_msg(0, "usb: cannot watch libusb fd %d: %s", fd, strerror(-r));
}

static void on_pollfd_removed(int fd, void *ud)
{
    struct usbenum *ue = ud;
    evl_del_fd(ue->loop, fd);
}

static int hook_libusb(struct usbenum *ue)
{
    const struct libusb_pollfd **fds = libusb_get_pollfds(ue->ctx);
    if (!fds)
        return -EIO;
    for (size_t i = 0; fds[i]; i++)
        on_pollfd_added(fds[i]->fd, fds[i]->events, ue);
    libusb_free_pollfds(fds);
    libusb_set_pollfd_notifiers(ue->ctx, on_pollfd_added, on_pollfd_removed, ue);
    if (!libusb_pollfds_handle_timeouts(ue->ctx)) {
        /* Only very old kernels lack timerfd; we rely on it. */
        log_msg(0, "usb: libusb needs timeout polling, which is not supported");
        return -ENOTSUP;
    }
    return 0;
}

int usbenum_new(struct evl *loop, struct usbenum **out)
{
    int r;
    struct usbenum *ue = calloc(1, sizeof(*ue));
    if (!ue)
        return -ENOMEM;
    ue->loop = loop;

    r = usberr_to_errno(libusb_init(&ue->ctx));
    if (r < 0) {
        log_msg(0, "usb: libusb_init failed: %s", usberr_str(r));
        ue->ctx = NULL;
        goto fail;
    }
    ue->udev = udev_new();
    if (!ue->udev) {
        r = -ENOMEM;
        log_msg(0, "usb: udev_new failed");
        goto fail;
    }
    if (loop) {
        r = hook_libusb(ue);
        if (r < 0)
            goto fail;
    }
    *out = ue;
    return 0;

fail:
    usbenum_free(ue);
    return r;
}

void usbenum_free(struct usbenum *ue)
{
    if (!ue)
        return;
    if (ue->mon) {
        evl_del_fd(ue->loop, udev_monitor_get_fd(ue->mon));
        udev_monitor_unref(ue->mon);
    }
    if (ue->ctx) {
        if (ue->loop)
            libusb_set_pollfd_notifiers(ue->ctx, NULL, NULL, NULL);
        libusb_exit(ue->ctx);
    }
    if (ue->udev)
        udev_unref(ue->udev);
    free(ue);
}

struct libusb_context *usbenum_ctx(struct usbenum *ue)
{
    return ue->ctx;
}

void usbenum_drain(struct usbenum *ue, unsigned timeout_ms)
{
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    libusb_handle_events_timeout_completed(ue->ctx, &tv, NULL);
}

/* ---- identity from udev ---------------------------------------------- */

static void copy_attr(struct udev_device *d, const char *name, char *dst, size_t len)
{
    const char *v = udev_device_get_sysattr_value(d, name);
    snprintf(dst, len, "%s", v ? v : "");
}

static bool is_bitbabbler(struct udev_device *d)
{
    const char *vid = udev_device_get_sysattr_value(d, "idVendor");
    const char *pid = udev_device_get_sysattr_value(d, "idProduct");
    return vid && pid && !strcmp(vid, "0403") && !strcmp(pid, "7840");
}

static int parse_uint_attr(struct udev_device *d, const char *name, unsigned *out)
{
    const char *v = udev_device_get_sysattr_value(d, name);
    char *end;
    if (!v || !*v)
        return -ENOENT;
    unsigned long x = strtoul(v, &end, 10);
    if (end == v || x > 255)
        return -EINVAL;
    *out = (unsigned)x;
    return 0;
}

/* Strings udev did not have, read over USB when the node can be opened.
 * Upstream retries a few times on PIPE; one pass is enough here because a
 * device that is not answering will be caught by the driver anyway. */
static void fill_strings_from_usb(struct usbenum *ue, struct devinfo *di)
{
    libusb_device *dev = NULL;
    libusb_device_handle *h = NULL;
    struct libusb_device_descriptor dd;

    if (di->serial[0] && di->manufacturer[0] && di->product[0])
        return;
    if (usbenum_find(ue, di->bus, di->dev, &dev) < 0)
        return;
    if (libusb_get_device_descriptor(dev, &dd) < 0 || libusb_open(dev, &h) < 0)
        goto out;

    struct {
        uint8_t index;
        char *dst;
    } s[] = {
        { dd.iSerialNumber, di->serial },
        { dd.iManufacturer, di->manufacturer },
        { dd.iProduct, di->product },
    };
    for (size_t i = 0; i < 3; i++) {
        if (s[i].dst[0] || !s[i].index)
            continue;
        unsigned char buf[DEVINFO_STR_MAX];
        int n = libusb_get_string_descriptor_ascii(h, s[i].index, buf, sizeof(buf) - 1);
        if (n > 0) {
            buf[n] = 0;
            snprintf(s[i].dst, DEVINFO_STR_MAX, "%s", (char *)buf);
        }
    }
out:
    if (h)
        libusb_close(h);
    libusb_unref_device(dev);
}

static void fill_port_from_libusb(struct usbenum *ue, struct devinfo *di)
{
    libusb_device *dev = NULL;
    uint8_t ports[8];
    char buf[DEVINFO_PORT_MAX] = "";

    if (usbenum_find(ue, di->bus, di->dev, &dev) < 0)
        return;
    int n = libusb_get_port_numbers(dev, ports, 8);
    libusb_unref_device(dev);
    if (n <= 0)
        return;
    size_t off = 0;
    for (int i = 0; i < n && off < sizeof(buf); i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u", i ? "." : "", ports[i]);
    if (di->port[0] && strcmp(di->port, buf))
        log_msg(0, "usb: %03u:%03u: udev port '%s' differs from libusb port '%s', using libusb's",
                di->bus, di->dev, di->port, buf);
    snprintf(di->port, sizeof(di->port), "%s", buf);
}

static int devinfo_from_udev(struct usbenum *ue, struct udev_device *d, struct devinfo *di)
{
    memset(di, 0, sizeof(*di));
    if (parse_uint_attr(d, "busnum", &di->bus) < 0 || parse_uint_attr(d, "devnum", &di->dev) < 0)
        return -EINVAL;
    di->vid = BB_VENDOR_ID;
    di->pid = BB_PRODUCT_ID;
    copy_attr(d, "serial", di->serial, sizeof(di->serial));
    copy_attr(d, "manufacturer", di->manufacturer, sizeof(di->manufacturer));
    copy_attr(d, "product", di->product, sizeof(di->product));
    copy_attr(d, "devpath", di->port, sizeof(di->port));
    snprintf(di->syspath, sizeof(di->syspath), "%s", udev_device_get_syspath(d));
    fill_port_from_libusb(ue, di);
    fill_strings_from_usb(ue, di);
    if (log_enabled(4))
        log_msg(4, "udev: %s bus %u dev %u serial '%s' product '%s' port '%s'", di->syspath,
                di->bus, di->dev, di->serial, di->product, di->port);
    return 0;
}

int usbenum_scan(struct usbenum *ue, struct devinfo **devs, size_t *n)
{
    struct udev_enumerate *en = udev_enumerate_new(ue->udev);
    struct devinfo *list = NULL;
    size_t count = 0, cap = 0;
    int r = 0;

    *devs = NULL;
    *n = 0;
    if (!en)
        return -ENOMEM;
    if (udev_enumerate_add_match_subsystem(en, "usb") < 0 ||
        udev_enumerate_add_match_sysattr(en, "idVendor", "0403") < 0 ||
        udev_enumerate_add_match_sysattr(en, "idProduct", "7840") < 0 ||
        udev_enumerate_scan_devices(en) < 0) {
        r = -EIO;
        log_msg(0, "udev: device enumeration failed");
        goto out;
    }
    struct udev_list_entry *e;
    udev_list_entry_foreach(e, udev_enumerate_get_list_entry(en))
    {
        struct udev_device *d = udev_device_new_from_syspath(ue->udev, udev_list_entry_get_name(e));
        if (!d)
            continue;
        const char *type = udev_device_get_devtype(d);
        if (type && !strcmp(type, "usb_device") && is_bitbabbler(d)) {
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 8;
                struct devinfo *nl = realloc(list, ncap * sizeof(*nl));
                if (!nl) {
                    udev_device_unref(d);
                    r = -ENOMEM;
                    goto out;
                }
                list = nl;
                cap = ncap;
            }
            if (devinfo_from_udev(ue, d, &list[count]) == 0)
                count++;
        }
        udev_device_unref(d);
    }
out:
    udev_enumerate_unref(en);
    if (r < 0) {
        free(list);
        return r;
    }
    *devs = list;
    *n = count;
    return 0;
}

int usbenum_find(struct usbenum *ue, unsigned bus, unsigned dev, struct libusb_device **out)
{
    libusb_device **list;
    ssize_t n = libusb_get_device_list(ue->ctx, &list);
    int r = -ENODEV;

    if (n < 0)
        return usberr_to_errno((int)n);
    for (ssize_t i = 0; i < n; i++) {
        if (libusb_get_bus_number(list[i]) == bus && libusb_get_device_address(list[i]) == dev) {
            struct libusb_device_descriptor dd;
            if (libusb_get_device_descriptor(list[i], &dd) == 0 && dd.idVendor == BB_VENDOR_ID &&
                dd.idProduct == BB_PRODUCT_ID) {
                *out = libusb_ref_device(list[i]);
                r = 0;
            } else {
                r = -ENODEV;
            }
            break;
        }
    }
    libusb_free_device_list(list, 1);
    return r;
}

/* ---- hotplug --------------------------------------------------------- */

static void on_udev_event(struct evl *loop, int fd, uint32_t events, void *ud)
{
    struct usbenum *ue = ud;
    struct udev_device *d;

    /* One event per wakeup: the loop is level-triggered and calls again if
     * more are queued, so a blocking socket can never stall us. */
    if ((d = udev_monitor_receive_device(ue->mon))) {
        const char *action = udev_device_get_action(d);
        const char *type = udev_device_get_devtype(d);
        struct devinfo di;

        if (!action || !type || strcmp(type, "usb_device")) {
            udev_device_unref(d);
            return;
        }
        log_msg(4, "udev: %s %s", action, udev_device_get_syspath(d));
        if (!strcmp(action, "add") && is_bitbabbler(d)) {
            if (devinfo_from_udev(ue, d, &di) == 0)
                ue->hotplug(ue->hotplug_ud, true, &di);
        } else if (!strcmp(action, "remove")) {
            /* Attributes are gone by now: match on the syspath. */
            memset(&di, 0, sizeof(di));
            snprintf(di.syspath, sizeof(di.syspath), "%s", udev_device_get_syspath(d));
            ue->hotplug(ue->hotplug_ud, false, &di);
        }
        udev_device_unref(d);
    }
}

int usbenum_monitor(struct usbenum *ue, usbenum_hotplug_fn fn, void *ud)
{
    int r;
    if (!ue->loop)
        return -EINVAL;
    ue->mon = udev_monitor_new_from_netlink(ue->udev, "udev");
    if (!ue->mon) {
        log_msg(0, "udev: cannot create a hotplug monitor");
        return -EIO;
    }
    if (udev_monitor_filter_add_match_subsystem_devtype(ue->mon, "usb", "usb_device") < 0 ||
        udev_monitor_enable_receiving(ue->mon) < 0) {
        r = -EIO;
        log_msg(0, "udev: cannot start the hotplug monitor");
        goto fail;
    }
    ue->hotplug = fn;
    ue->hotplug_ud = ud;
    r = evl_add_fd(ue->loop, udev_monitor_get_fd(ue->mon), EPOLLIN, on_udev_event, ue);
    if (r < 0)
        goto fail;
    return 0;
fail:
    udev_monitor_unref(ue->mon);
    ue->mon = NULL;
    return r;
}
