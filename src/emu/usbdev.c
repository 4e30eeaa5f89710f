/* usbdev: usbdevfs emulation of one BitBabbler on umockdev.  See usbdev.h. */
#include "usbdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sysrec.h"

#define PIPE_SIZE 4096
#define LOG_IO 5                         /* verbosity of per-ioctl messages */

struct plug {
    struct usbdev *dev;
    UMockdevIoctlBase *handler;
    bool live;                           /* the current, connected plug */
    bool in_sysfs;
    unsigned bus, devnum;
    char port[32], sysname[48];
    char syspath[600], ifpath[700];      /* with the /sys prefix */
    char devnode[32];                    /* /dev/bus/usb/BBB/DDD */
    char *node;                          /* the FIFO inside the testbed */
    int fifo_fd;
    bool ready;                          /* FIFO empty: client sees POLLOUT */
    GSource *timer;                      /* latency timer (own reference) */
    GPtrArray *clients;                  /* open fds (weakly referenced) */
};

struct urb {
    struct plug *plug;
    UMockdevIoctlClient *client;        /* not a reference: see on_client_gone */
    UMockdevIoctlData *urb_data, *buf_data;
    uint8_t type, ep;
    size_t len;
    gint64 t_start;
    int status;
    size_t actual;
    uint8_t *result;                     /* IN data (control: data stage) */
};

struct usbdev {
    UMockdevTestbed *tb;
    struct fmodel *model;
    GMutex lock;
    struct plug *cur;                    /* live plug or NULL */
    struct plug *shown;                  /* plug whose sysfs records exist */
    GPtrArray *plugs;                    /* every plug ever: handlers stay attached */
    GQueue inflight, done;
    UMockdevIoctlClient *claimed_by;
    GMainContext *worker, *main_ctx;
    usbdev_unplug_fn unplug_fn;
    void *unplug_user;
};

/* ------------------------------------------------------------ helpers */

static void urb_free(struct urb *u)
{
    if (!u)
        return;
    g_clear_object(&u->urb_data);
    g_clear_object(&u->buf_data);
    g_free(u->result);
    g_free(u);
}

static void urb_complete(struct usbdev *d, struct urb *u, int status, size_t actual)
{
    u->status = status;
    u->actual = actual;
    g_queue_push_tail(&d->done, u);
}

/* Make poll(POLLOUT) on the node true exactly while the plug's clients have
 * completed URBs to reap. */
static void update_ready(struct plug *pl)
{
    struct usbdev *d = pl->dev;
    uint8_t buf[PIPE_SIZE];
    bool want = false;

    if (pl->fifo_fd < 0)
        return;
    for (GList *l = d->done.head; l && !want; l = l->next)
        want = ((struct urb *)l->data)->plug == pl;
    if (want == pl->ready)
        return;
    if (want) {
        while (read(pl->fifo_fd, buf, sizeof(buf)) > 0)
            ;
    } else {
        memset(buf, 0, sizeof(buf));
        while (write(pl->fifo_fd, buf, sizeof(buf)) > 0)
            ;
    }
    pl->ready = want;
}

static void cancel_timer(struct plug *pl)
{
    if (pl->timer) {
        g_source_destroy(pl->timer);
        g_source_unref(pl->timer);
        pl->timer = NULL;
    }
}

/* A dead plug nobody has open any more needs no wakeup FIFO. */
static void maybe_close_fifo(struct plug *pl)
{
    if (!pl->live && pl->clients->len == 0 && pl->fifo_fd >= 0) {
        close(pl->fifo_fd);
        pl->fifo_fd = -1;
    }
}

static gboolean main_unplug_cb(gpointer data)
{
    struct usbdev *d = data;
    if (d->unplug_fn)
        d->unplug_fn(d, d->unplug_user);
    else
        usbdev_unplug(d);
    return G_SOURCE_REMOVE;
}

/* USB-level disconnect of the live plug (lock held). */
static void disconnect_locked(struct usbdev *d)
{
    struct plug *pl = d->cur;

    if (!pl)
        return;
    d->cur = NULL;
    pl->live = false;
    cancel_timer(pl);
    while (!g_queue_is_empty(&d->inflight))
        urb_complete(d, g_queue_pop_head(&d->inflight), -ESHUTDOWN, 0);
    d->claimed_by = NULL;
    update_ready(pl);
    maybe_close_fifo(pl);
    fmodel_wire_event(d->model, "unplug");
}

/* Complete what the model can complete now (lock held). */
static void service_in(struct usbdev *d)
{
    gint64 now = g_get_monotonic_time();

    while (d->cur && !g_queue_is_empty(&d->inflight)) {
        struct urb *u = g_queue_peek_head(&d->inflight);
        bool expired = now - u->t_start >= (gint64)fmodel_latency_ms(d->model) * 1000;
        size_t n = 0;
        int rc = fmodel_bulk_in(d->model, u->result, u->len, expired, &n);
        if (rc == -EAGAIN)
            break;
        g_queue_pop_head(&d->inflight);
        urb_complete(d, u, rc, n);
        if (!g_queue_is_empty(&d->inflight)) {
            struct urb *next = g_queue_peek_head(&d->inflight);
            if (next->t_start < now)
                next->t_start = now;
        }
        if (fmodel_take_unplug(d->model)) {
            /* USB-level disconnect now; sysfs + bookkeeping in the main
             * context (always deferred: the caller holds the lock) */
            GSource *src = g_idle_source_new();
            disconnect_locked(d);
            g_source_set_callback(src, main_unplug_cb, d, NULL);
            g_source_attach(src, d->main_ctx);
            g_source_unref(src);
        }
    }
}

static void arm_timer(struct plug *pl);

static gboolean latency_cb(gpointer data)
{
    struct plug *pl = data;
    struct usbdev *d = pl->dev;

    g_mutex_lock(&d->lock);
    if (!g_source_is_destroyed(g_main_current_source()) && pl->timer) {
        g_source_unref(pl->timer);
        pl->timer = NULL;
        if (pl->live) {
            service_in(d);
            update_ready(pl);
            if (pl->live)
                arm_timer(pl);
        }
    }
    g_mutex_unlock(&d->lock);
    return G_SOURCE_REMOVE;
}

/* Lock held; runs in the worker thread (or the worker context exists). */
static void arm_timer(struct plug *pl)
{
    struct usbdev *d = pl->dev;

    if (!pl->live || pl->timer || !d->worker || g_queue_is_empty(&d->inflight))
        return;
    struct urb *head = g_queue_peek_head(&d->inflight);
    gint64 due = head->t_start + (gint64)fmodel_latency_ms(d->model) * 1000 -
                 g_get_monotonic_time();
    pl->timer = g_timeout_source_new(due > 0 ? (guint)((due + 999) / 1000) : 0);
    g_source_set_callback(pl->timer, latency_cb, pl, NULL);
    g_source_attach(pl->timer, d->worker);
}

/* ------------------------------------------------------------ ioctls */

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
        urb_complete(d, u, n < 0 ? n : 0, n < 0 ? 0 : (size_t)n);
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
        urb_complete(d, u, 0, u->len);
    } else {
        u->result = g_malloc(u->len + 1);
        g_queue_push_tail(&d->inflight, u);
    }
    service_in(d);
    return 0;
fail:
    urb_free(u);
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
    urb_free(u);
    return rc;
}

static int discard_urb(struct usbdev *d, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = *(gulong *)arg->data;

    for (GList *l = d->inflight.head; l; l = l->next) {
        struct urb *u = l->data;
        if (u->client == client && u->urb_data->client_addr == addr) {
            g_queue_delete_link(&d->inflight, l);
            urb_complete(d, u, -ENOENT, 0);
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

/* One usbdevfs ioctl (lock held); >= 0 result or -errno. */
static long do_ioctl(struct usbdev *d, struct plug *pl, UMockdevIoctlClient *client,
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
            service_in(d);
        return reap_urb(d, client, arg, dead);
    case USBDEVFS_DISCARDURB:
        return discard_urb(d, client, arg);
    default:
        if (_IOC_TYPE(req) == 'U' && _IOC_NR(req) == 32)   /* CONNINFO_EX(len) */
            return conninfo_ex(pl, req, arg);
        log_msg(LOG_INFO_LVL, "bbemu: %s: unhandled ioctl 0x%lx", pl->devnode, req);
        return -ENOTTY;
    }
    g_clear_object(&a);
    return rc;
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data)
{
    struct plug *pl = data;
    struct usbdev *d = pl->dev;
    gulong req = umockdev_ioctl_client_get_request(client);

    g_mutex_lock(&d->lock);
    if (!d->worker)
        d->worker = g_main_context_ref_thread_default();
    long rc = do_ioctl(d, pl, client, req, umockdev_ioctl_client_get_arg(client));
    if (pl->live)
        arm_timer(pl);
    update_ready(pl);
    log_msg(LOG_IO, "bbemu: %s ioctl nr %lu -> %ld", pl->devnode, (unsigned long)_IOC_NR(req),
            rc);
    umockdev_ioctl_client_complete(client, rc < 0 ? -1 : rc, rc < 0 ? (int)-rc : 0);
    g_mutex_unlock(&d->lock);
    return TRUE;
}

/* read() of the node gives the descriptors, like usbdev_read(). */
static gboolean on_read(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data)
{
    struct plug *pl = data;
    struct usbdev *d = pl->dev;
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    size_t off = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(client), "bbemu-off"));
    size_t total, n = 0;
    const uint8_t *desc = fmodel_descriptors(&total);

    g_mutex_lock(&d->lock);
    if (!pl->live) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
    } else {
        if (off < total)
            n = MIN((size_t)arg->data_len, total - off);
        memcpy(arg->data, desc + off, n);
        g_object_set_data(G_OBJECT(client), "bbemu-off", GSIZE_TO_POINTER(off + n));
        umockdev_ioctl_client_complete(client, (glong)n, 0);
    }
    g_mutex_unlock(&d->lock);
    return TRUE;
}

/* close(): the kernel releases the claim and kills the fd's URBs.  umockdev
 * 0.17 emits neither "client-vanished" nor notify::connected, but drops its
 * last reference to the client when the connection ends: a weak reference
 * tells us.  (URBs keep only the bare pointer, for matching.) */
static void on_client_gone(gpointer data, GObject *where)
{
    struct plug *pl = data;
    struct usbdev *d = pl->dev;
    GQueue *qs[2] = { &d->inflight, &d->done };
    UMockdevIoctlClient *client = (UMockdevIoctlClient *)where;

    g_mutex_lock(&d->lock);
    g_ptr_array_remove_fast(pl->clients, client);
    if (d->claimed_by == client) {
        d->claimed_by = NULL;
        fmodel_wire_event(d->model, "release");
    }
    for (int i = 0; i < 2; i++) {
        for (GList *l = qs[i]->head; l;) {
            GList *next = l->next;
            if (((struct urb *)l->data)->client == client) {
                urb_free(l->data);
                g_queue_delete_link(qs[i], l);
            }
            l = next;
        }
    }
    update_ready(pl);
    maybe_close_fifo(pl);
    g_mutex_unlock(&d->lock);
}

static void on_connected(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data)
{
    struct plug *pl = data;

    g_mutex_lock(&pl->dev->lock);
    g_ptr_array_add(pl->clients, client);
    g_object_weak_ref(G_OBJECT(client), on_client_gone, pl);
    g_mutex_unlock(&pl->dev->lock);
}

/* ------------------------------------------------------------ lifecycle */

static void plug_free(gpointer data)
{
    struct plug *pl = data;
    cancel_timer(pl);
    for (guint i = 0; i < pl->clients->len; i++)
        g_object_weak_unref(pl->clients->pdata[i], on_client_gone, pl);
    g_ptr_array_unref(pl->clients);
    if (pl->handler) {
        g_signal_handlers_disconnect_by_data(pl->handler, pl);
        g_object_unref(pl->handler);
    }
    if (pl->fifo_fd >= 0)
        close(pl->fifo_fd);
    g_free(pl->node);
    g_free(pl);
}

int usbdev_new(UMockdevTestbed *tb, struct fmodel *model, struct usbdev **out)
{
    struct usbdev *d = g_new0(struct usbdev, 1);

    d->tb = tb;
    d->model = model;
    g_mutex_init(&d->lock);
    g_queue_init(&d->inflight);
    g_queue_init(&d->done);
    d->plugs = g_ptr_array_new_with_free_func(plug_free);
    d->main_ctx = g_main_context_ref(g_main_context_default());
    *out = d;
    return 0;
}

void usbdev_free(struct usbdev *d)
{
    struct urb *u;

    if (!d)
        return;
    while ((u = g_queue_pop_head(&d->inflight)))
        urb_free(u);
    while ((u = g_queue_pop_head(&d->done)))
        urb_free(u);
    g_ptr_array_unref(d->plugs);
    if (d->worker)
        g_main_context_unref(d->worker);
    g_main_context_unref(d->main_ctx);
    fmodel_free(d->model);
    g_mutex_clear(&d->lock);
    g_free(d);
}

void usbdev_set_unplug_fn(struct usbdev *d, usbdev_unplug_fn fn, void *user)
{
    d->unplug_fn = fn;
    d->unplug_user = user;
}

static int make_node(struct plug *pl, bool access_fault)
{
    char *dir = g_path_get_dirname(pl->node);
    int rc = 0;

    if (g_mkdir_with_parents(dir, 0755) != 0 || (unlink(pl->node) != 0 && errno != ENOENT) ||
        mkfifo(pl->node, 0600) != 0 || chmod(pl->node, access_fault ? 0 : 0666) != 0) {
        rc = -errno;
        goto out;
    }
    pl->fifo_fd = open(pl->node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (pl->fifo_fd < 0) {
        rc = -errno;
        goto out;
    }
    if (fcntl(pl->fifo_fd, F_SETPIPE_SZ, PIPE_SIZE) < 0)
        log_msg(LOG_WARN_LVL, "bbemu: F_SETPIPE_SZ on %s: %s", pl->node, strerror(errno));
    pl->ready = true;
    update_ready(pl);                    /* fill: nothing to reap yet */
out:
    g_free(dir);
    return rc;
}

/* umockdev's remove_device() misses the /sys/dev/char link when the "dev"
 * attribute ends in a newline (as real sysfs does), and a later device with
 * the same number would then abort add_from_string(): clean up ourselves. */
static void remove_stale_links(struct usbdev *d, const struct plug *pl)
{
    char *root = umockdev_testbed_get_root_dir(d->tb);
    char *l1 = g_strdup_printf("%s/sys/dev/char/189:%u", root,
                               (pl->bus - 1) * 128 + pl->devnum - 1);
    char *l2 = g_strdup_printf("%s/dev/.node/bus_usb_%03u_%03u", root, pl->bus, pl->devnum);
    unlink(l1);
    unlink(l2);
    g_free(l1);
    g_free(l2);
    g_free(root);
}

static int add_record(struct usbdev *d, char *rec)
{
    GError *err = NULL;
    int rc = 0;
    if (!umockdev_testbed_add_from_string(d->tb, rec, &err)) {
        log_msg(LOG_ERR_LVL, "bbemu: umockdev refused a device record: %s", err->message);
        g_error_free(err);
        rc = -EIO;
    }
    g_free(rec);
    return rc;
}

int usbdev_plug(struct usbdev *d, unsigned bus, unsigned devnum, const char *port,
                const char *parent)
{
    struct plug *pl = g_new0(struct plug, 1);
    char *root = umockdev_testbed_get_root_dir(d->tb);
    char devpath[560];
    GError *err = NULL;
    int rc;

    g_ptr_array_add(d->plugs, pl);       /* freed with d: its handler stays attached */
    pl->dev = d;
    pl->fifo_fd = -1;
    pl->clients = g_ptr_array_new();
    pl->bus = bus;
    pl->devnum = devnum;
    snprintf(pl->port, sizeof(pl->port), "%s", port);
    snprintf(pl->sysname, sizeof(pl->sysname), "%u-%s", bus, port);
    snprintf(devpath, sizeof(devpath), "%s/%s", parent, pl->sysname);
    snprintf(pl->syspath, sizeof(pl->syspath), "/sys%s", devpath);
    snprintf(pl->ifpath, sizeof(pl->ifpath), "%s/%s:1.0", pl->syspath, pl->sysname);
    snprintf(pl->devnode, sizeof(pl->devnode), "/dev/bus/usb/%03u/%03u", bus, devnum);
    pl->node = g_strconcat(root, pl->devnode, NULL);

    /* node first, then the handler, then sysfs (+ its "add" uevents) */
    g_mutex_lock(&d->lock);
    rc = make_node(pl, fmodel_fault_active(d->model, FMODEL_FAULT_ACCESS));
    g_mutex_unlock(&d->lock);
    if (rc)
        goto out;
    pl->handler = umockdev_ioctl_base_new();
    g_signal_connect(pl->handler, "handle-ioctl", G_CALLBACK(on_ioctl), pl);
    g_signal_connect(pl->handler, "handle-read", G_CALLBACK(on_read), pl);
    g_signal_connect(pl->handler, "client-connected", G_CALLBACK(on_connected), pl);
    umockdev_testbed_detach_ioctl(d->tb, pl->devnode, NULL);   /* stale socket, if any */
    if (!umockdev_testbed_attach_ioctl(d->tb, pl->devnode, pl->handler, &err)) {
        log_msg(LOG_ERR_LVL, "bbemu: attach_ioctl %s: %s", pl->devnode, err->message);
        g_error_free(err);
        rc = -EIO;
        goto out;
    }
    char *sock = g_strconcat(root, "/ioctl", pl->devnode, NULL);
    chmod(sock, 0666);                   /* reachable for an unprivileged COMMAND */
    g_free(sock);

    g_mutex_lock(&d->lock);
    fmodel_power_cycle(d->model);
    d->claimed_by = NULL;
    d->cur = pl;
    pl->live = true;
    fmodel_wire_event(d->model, "plug bus=%u dev=%u port=%s", bus, devnum, port);
    g_mutex_unlock(&d->lock);

    remove_stale_links(d, pl);
    rc = add_record(d, sysrec_device(devpath, bus, devnum, port, d->model));
    if (rc == 0) {
        pl->in_sysfs = true;
        d->shown = pl;
        rc = add_record(d, sysrec_interface(devpath, pl->sysname, d->model));
    }
    if (rc)
        usbdev_unplug(d);
out:
    g_free(root);
    return rc;
}

void usbdev_unplug(struct usbdev *d)
{
    struct plug *pl;

    g_mutex_lock(&d->lock);
    disconnect_locked(d);
    pl = d->shown;
    d->shown = NULL;
    g_mutex_unlock(&d->lock);
    if (!pl)
        return;
    /* uevents first (the sender reads sysfs), then the child, then the device */
    umockdev_testbed_uevent(d->tb, pl->ifpath, "remove");
    umockdev_testbed_uevent(d->tb, pl->syspath, "remove");
    umockdev_testbed_remove_device(d->tb, pl->ifpath);
    umockdev_testbed_remove_device(d->tb, pl->syspath);
    pl->in_sysfs = false;
    remove_stale_links(d, pl);
    if (unlink(pl->node) != 0 && errno != ENOENT)
        log_msg(LOG_WARN_LVL, "bbemu: unlink %s: %s", pl->node, strerror(errno));
}

void usbdev_lock(struct usbdev *d)
{
    g_mutex_lock(&d->lock);
}

void usbdev_unlock(struct usbdev *d)
{
    g_mutex_unlock(&d->lock);
}

struct fmodel *usbdev_model(struct usbdev *d)
{
    return d->model;
}

static void apply_access(struct usbdev *d)
{
    bool deny = fmodel_fault_active(d->model, FMODEL_FAULT_ACCESS);
    if (d->cur && chmod(d->cur->node, deny ? 0 : 0666) != 0)
        log_msg(LOG_WARN_LVL, "bbemu: chmod %s: %s", d->cur->node, strerror(errno));
}

void usbdev_fault(struct usbdev *d, const struct fmodel_fault_spec *f)
{
    g_mutex_lock(&d->lock);
    fmodel_fault_set(d->model, f);
    apply_access(d);
    if (d->cur) {                        /* e.g. stall: fail a waiting transfer now */
        service_in(d);
        if (d->cur)
            update_ready(d->cur);
    }
    g_mutex_unlock(&d->lock);
}

void usbdev_clear_faults(struct usbdev *d)
{
    g_mutex_lock(&d->lock);
    fmodel_faults_clear(d->model);
    apply_access(d);
    g_mutex_unlock(&d->lock);
}

int usbdev_dump(struct usbdev *d, const char *path)
{
    g_mutex_lock(&d->lock);
    int rc = fmodel_wire_dump(d->model, path);
    g_mutex_unlock(&d->lock);
    return rc;
}
