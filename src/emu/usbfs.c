/* usbfs: the usbdevfs ioctls libusb uses, on one emulated device.  See
 * usbdev.h for the model and usbdev_int.h for the shared state. */
#include <errno.h>
#include <linux/ioctl.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "usbdev_int.h"
#include "usbdev_ioc.h"

static UMockdevIoctlData *resolve(UMockdevIoctlData *arg, size_t off, size_t len)
{
    return umockdev_ioctl_data_resolve(arg, off, len, NULL);
}

static int claim(struct usbdev *d, UMockdevIoctlClient *client)
{
    if (fmodel_fault_active(d->model, FMODEL_FAULT_BUSY))
        return -EBUSY;
    if (d->claimed_by && d->claimed_by != client)
        return -EBUSY;
    if (!d->claimed_by)
        fmodel_wire_event(d->model, "claim");
    d->claimed_by = client;
    return 0;
}

static int submit_urb(struct usbdev *d, struct plug *pl, UMockdevIoctlClient *client,
                      UMockdevIoctlData *arg)
{
    UMockdevIoctlData *ud = resolve(arg, 0, sizeof(struct usbdevfs_urb));
    struct urb *u;
    int rc;

    if (!ud)
        return -EFAULT;
    struct usbdevfs_urb *cu = (struct usbdevfs_urb *)ud->data;
    u = g_new0(struct urb, 1);
    u->plug = pl;
    u->urb_data = ud;
    u->client = client;
    u->type = cu->type;
    u->ep = cu->endpoint;
    u->len = cu->buffer_length > 0 ? (size_t)cu->buffer_length : 0;
    u->t_start = g_get_monotonic_time();
    if (u->len && !(u->buf_data = resolve(ud, offsetof(struct usbdevfs_urb, buffer), u->len))) {
        rc = -EFAULT;
        goto fail;
    }
    if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
        if ((u->ep & 0x7f) != 0 || u->len < 8) {
            rc = -EINVAL;
            goto fail;
        }
        const uint8_t *setup = u->buf_data->data;
        size_t wlen = (size_t)(setup[6] | setup[7] << 8);
        if (wlen > u->len - 8) {
            rc = -EINVAL;
            goto fail;
        }
        uint8_t *stage = u->buf_data->data + 8;
        if (setup[0] & 0x80)
            stage = u->result = g_malloc0(wlen + 1);
        int n = fmodel_control(d->model, setup, stage);
        usbdev_urb_complete(d, u, n < 0 ? n : 0, n < 0 ? 0 : (size_t)n);
        return 0;
    }
    if (u->type != USBDEVFS_URB_TYPE_BULK) {
        rc = -EINVAL;
        goto fail;
    }
    if (u->ep != FMODEL_EP_IN && u->ep != FMODEL_EP_OUT) {
        rc = -ENOENT;
        goto fail;
    }
    rc = claim(d, client);              /* usbfs claims implicitly on first use */
    if (rc)
        goto fail;
    if (u->ep == FMODEL_EP_OUT) {
        rc = fmodel_bulk_out(d->model, u->len ? u->buf_data->data : NULL, u->len);
        if (rc)
            goto fail;
        usbdev_urb_complete(d, u, 0, u->len);
    } else {
        u->result = g_malloc(u->len + 1);
        g_queue_push_tail(&d->inflight, u);
    }
    usbdev_service_in(d);
    return 0;
fail:
    usbdev_urb_free(u);
    return rc;
}

static int reap_urb(struct usbdev *d, UMockdevIoctlClient *client, UMockdevIoctlData *arg,
                    bool dead)
{
    struct urb *u = NULL;

    for (GList *l = d->done.head; l; l = l->next) {
        if (((struct urb *)l->data)->client == client) {
            u = l->data;
            g_queue_delete_link(&d->done, l);
            break;
        }
    }
    if (!u)
        return dead ? -ENODEV : -EAGAIN;
    struct usbdevfs_urb *cu = (struct usbdevfs_urb *)u->urb_data->data;
    cu->status = u->status;
    cu->actual_length = (int)u->actual;
    if (u->result && u->buf_data && u->actual)
        memcpy(u->buf_data->data + (u->type == USBDEVFS_URB_TYPE_CONTROL ? 8 : 0), u->result,
               u->actual);
    UMockdevIoctlData *p = resolve(arg, 0, sizeof(void *));
    int rc = p && umockdev_ioctl_data_set_ptr(p, 0, u->urb_data) ? 0 : -EFAULT;
    g_clear_object(&p);
    usbdev_urb_free(u);
    return rc;
}

static int discard_urb(struct usbdev *d, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = *(gulong *)arg->data;

    for (GList *l = d->inflight.head; l; l = l->next) {
        struct urb *u = l->data;
        if (u->client == client && u->urb_data->client_addr == addr) {
            g_queue_delete_link(&d->inflight, l);
            usbdev_urb_complete(d, u, -ENOENT, 0);
            return 0;
        }
    }
    return -EINVAL;
}

static int sync_control(struct usbdev *d, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *a = resolve(arg, 0, sizeof(struct usbdevfs_ctrltransfer));
    UMockdevIoctlData *b = NULL;
    uint8_t setup[8], *stage = NULL;
    int rc;

    if (!a)
        return -EFAULT;
    struct usbdevfs_ctrltransfer *ct = (void *)a->data;
    setup[0] = ct->bRequestType;
    setup[1] = ct->bRequest;
    memcpy(setup + 2, &ct->wValue, 2);
    memcpy(setup + 4, &ct->wIndex, 2);
    memcpy(setup + 6, &ct->wLength, 2);
    if (ct->wLength) {
        b = resolve(a, offsetof(struct usbdevfs_ctrltransfer, data), ct->wLength);
        if (!b) {
            rc = -EFAULT;
            goto out;
        }
        stage = b->data;
    }
    rc = fmodel_control(d->model, setup, stage);
out:
    g_clear_object(&b);
    g_clear_object(&a);
    return rc;
}

static int sync_bulk(struct usbdev *d, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *a = resolve(arg, 0, sizeof(struct usbdevfs_bulktransfer));
    UMockdevIoctlData *b = NULL;
    int rc;

    if (!a)
        return -EFAULT;
    struct usbdevfs_bulktransfer *bt = (void *)a->data;
    if (bt->ep != FMODEL_EP_IN && bt->ep != FMODEL_EP_OUT) {
        rc = -ENOENT;
        goto out;
    }
    if (bt->len && !(b = resolve(a, offsetof(struct usbdevfs_bulktransfer, data), bt->len))) {
        rc = -EFAULT;
        goto out;
    }
    rc = claim(d, client);
    if (rc)
        goto out;
    if (bt->ep == FMODEL_EP_OUT) {
        rc = fmodel_bulk_out(d->model, b ? b->data : NULL, bt->len);
        rc = rc ? rc : (int)bt->len;
    } else {
        size_t n = 0;                    /* cannot wait: answer at once */
        rc = fmodel_bulk_in(d->model, b ? b->data : NULL, bt->len, true, &n);
        rc = rc ? rc : (int)n;
    }
out:
    g_clear_object(&b);
    g_clear_object(&a);
    return rc;
}

static int conninfo_ex(struct plug *pl, gulong req, UMockdevIoctlData *arg)
{
    size_t sz = _IOC_SIZE(req);
    struct usbdevfs_conninfo_ex ci = { .size = sizeof(ci), .busnum = pl->bus,
                                       .devnum = pl->devnum, .speed = USB_SPEED_HIGH };
    UMockdevIoctlData *a = resolve(arg, 0, sz);

    if (!a)
        return -EFAULT;
    for (const char *p = pl->port; *p && ci.num_ports < sizeof(ci.ports);) {
        ci.ports[ci.num_ports++] = (uint8_t)strtoul(p, NULL, 10);
        p = strchr(p, '.');
        if (!p)
            break;
        p++;
    }
    memcpy(a->data, &ci, sz < sizeof(ci) ? sz : sizeof(ci));
    g_object_unref(a);
    return 0;
}

/* lseek() through libbbemu-preload: the position read() serves the
 * descriptors from (usbdev.c's on_read), kept per open fd. */
static long seek(UMockdevIoctlClient *client, gulong req, UMockdevIoctlData *arg)
{
    long off = (long)*(gulong *)arg->data;
    long cur = (long)GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(client), USBDEV_OFF_KEY));

    if (req == BBEMU_IOC_SEEK_CUR)
        off += cur;
    if (off < 0)
        return -EINVAL;
    g_object_set_data(G_OBJECT(client), USBDEV_OFF_KEY, GSIZE_TO_POINTER((size_t)off));
    return off;
}

/* One usbdevfs ioctl (lock held); >= 0 result or -errno. */
long usbfs_ioctl(struct usbdev *d, struct plug *pl, UMockdevIoctlClient *client,
                     gulong req, UMockdevIoctlData *arg)
{
    bool dead = !pl->live;
    UMockdevIoctlData *a = NULL;
    long rc = 0;

    if (dead && req != USBDEVFS_REAPURB && req != USBDEVFS_REAPURBNDELAY)
        return -ENODEV;
    switch (req) {
    case USBDEVFS_GET_CAPABILITIES:
        if (!(a = resolve(arg, 0, sizeof(uint32_t))))
            return -EFAULT;
        *(uint32_t *)a->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
            USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |
            USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_DROP_PRIVILEGES |
            USBDEVFS_CAP_CONNINFO_EX | USBDEVFS_CAP_SUSPEND;
        break;
    case USBDEVFS_GET_SPEED:
        return USB_SPEED_HIGH;
    case USBDEVFS_CONNECTINFO:
        if (!(a = resolve(arg, 0, sizeof(struct usbdevfs_connectinfo))))
            return -EFAULT;
        ((struct usbdevfs_connectinfo *)a->data)->devnum = pl->devnum;
        ((struct usbdevfs_connectinfo *)a->data)->slow = 0;
        break;
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_DISCONNECT_CLAIM:
        if (!(a = resolve(arg, 0, sizeof(unsigned int))))
            return -EFAULT;
        if (*(unsigned int *)a->data != 0)
            rc = req == USBDEVFS_RELEASEINTERFACE ? -EINVAL : -ENOENT;
        else if (req != USBDEVFS_RELEASEINTERFACE)
            rc = claim(d, client);
        else if (d->claimed_by != client)
            rc = -EINVAL;
        else {
            d->claimed_by = NULL;
            fmodel_wire_event(d->model, "release");
        }
        break;
    case USBDEVFS_GETDRIVER:
        return -ENODATA;                 /* no kernel driver bound */
    case USBDEVFS_IOCTL:
        if (!(a = resolve(arg, 0, sizeof(struct usbdevfs_ioctl))))
            return -EFAULT;
        rc = ((struct usbdevfs_ioctl *)a->data)->ioctl_code == USBDEVFS_DISCONNECT ? -ENODATA
             : ((struct usbdevfs_ioctl *)a->data)->ioctl_code == USBDEVFS_CONNECT ? 0 : -ENOTTY;
        break;
    case USBDEVFS_SETINTERFACE:
        if (!(a = resolve(arg, 0, sizeof(struct usbdevfs_setinterface))))
            return -EFAULT;
        if (((struct usbdevfs_setinterface *)a->data)->interface != 0 ||
            ((struct usbdevfs_setinterface *)a->data)->altsetting != 0)
            rc = -EINVAL;
        break;
    case USBDEVFS_SETCONFIGURATION:
        if (!(a = resolve(arg, 0, sizeof(int))))
            return -EFAULT;
        if (*(int *)a->data < -1 || *(int *)a->data > 1)
            rc = -EINVAL;
        else if (d->claimed_by && d->claimed_by != client)
            rc = -EBUSY;
        break;
    case USBDEVFS_RESET:
        fmodel_reset(d->model);
        break;
    case USBDEVFS_CLEAR_HALT:
    case USBDEVFS_RESETEP:
    case USBDEVFS_DROP_PRIVILEGES:
        break;
    case USBDEVFS_CONTROL:
        return sync_control(d, arg);
    case USBDEVFS_BULK:
        return sync_bulk(d, client, arg);
    case USBDEVFS_SUBMITURB:
        return submit_urb(d, pl, client, arg);
    case USBDEVFS_REAPURB:               /* libusb never blocks in REAPURB */
    case USBDEVFS_REAPURBNDELAY:
        if (!dead)
            usbdev_service_in(d);
        return reap_urb(d, client, arg, dead);
    case USBDEVFS_DISCARDURB:
        return discard_urb(d, client, arg);
    case BBEMU_IOC_SEEK_SET:
    case BBEMU_IOC_SEEK_CUR:
        return seek(client, req, arg);
    default:
        if (_IOC_TYPE(req) == 'U' && _IOC_NR(req) == 32)   /* CONNINFO_EX(len) */
            return conninfo_ex(pl, req, arg);
        log_msg(LOG_INFO_LVL, "bbemu: %s: unhandled ioctl 0x%lx", pl->devnode, req);
        return -ENOTTY;
    }
    g_clear_object(&a);
    return rc;
}
