/* usbdev: usbdevfs emulation of one BitBabbler on umockdev.  See usbdev.h. */
#include "usbdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sysrec.h"
#include "usbdev_int.h"

#define PIPE_SIZE 4096
#define LOG_IO 5                         /* verbosity of per-ioctl messages */

/* ------------------------------------------------------------ helpers */

void usbdev_urb_free(struct urb *u)
{
    if (!u)
        return;
    g_clear_object(&u->urb_data);
    g_clear_object(&u->buf_data);
    g_free(u->result);
    g_free(u);
}

void usbdev_urb_complete(struct usbdev *d, struct urb *u, int status, size_t actual)
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
        usbdev_urb_complete(d, g_queue_pop_head(&d->inflight), -ENODEV, 0);
    d->claimed_by = NULL;
    update_ready(pl);
    maybe_close_fifo(pl);
    fmodel_wire_event(d->model, "unplug");
}

#define PACE_BURST 131072.0 /* bytes a paced device may owe the host */

/* Paced: refill the device's bytes at the host's bit rate; whether it may
 * clock out more now. */
static bool pace_allows(struct usbdev *d, gint64 now)
{
    if (!d->paced)
        return true;
    if (d->pace_last == 0)
        d->pace_last = now;
    d->pace_tokens += (double)(now - d->pace_last) * (double)fmodel_bitrate(d->model) / 8e6;
    d->pace_last = now;
    if (d->pace_tokens > PACE_BURST)
        d->pace_tokens = PACE_BURST;
    return d->pace_tokens > 0;
}

/* µs from now until a paced device may clock out again (0: now). */
static gint64 pace_due(const struct usbdev *d)
{
    if (!d->paced || d->pace_tokens > 0)
        return 0;
    double rate = (double)fmodel_bitrate(d->model) / 8e6; /* bytes per µs */
    return (gint64)(-d->pace_tokens / (rate > 0 ? rate : 1e-6)) + 1;
}

void usbdev_set_paced(struct usbdev *d, bool paced)
{
    d->paced = paced;
}

/* Complete what the model can complete now (lock held). */
void usbdev_service_in(struct usbdev *d)
{
    gint64 now = g_get_monotonic_time();

    while (d->cur && !g_queue_is_empty(&d->inflight) && pace_allows(d, now)) {
        struct urb *u = g_queue_peek_head(&d->inflight);
        bool expired = now - u->t_start >= (gint64)fmodel_latency_ms(d->model) * 1000;
        size_t n = 0;
        int rc = fmodel_bulk_in(d->model, u->result, u->len, expired, &n);
        if (rc == -EAGAIN)
            break;
        g_queue_pop_head(&d->inflight);
        if (d->paced)
            d->pace_tokens -= (double)n;
        usbdev_urb_complete(d, u, rc, n);
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
            usbdev_service_in(d);
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
    gint64 pace = pace_due(d);
    if (pace > due)
        due = pace;
    pl->timer = g_timeout_source_new(due > 0 ? (guint)((due + 999) / 1000) : 0);
    g_source_set_callback(pl->timer, latency_cb, pl, NULL);
    g_source_attach(pl->timer, d->worker);
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *client, gpointer data)
{
    struct plug *pl = data;
    struct usbdev *d = pl->dev;
    gulong req = umockdev_ioctl_client_get_request(client);

    g_mutex_lock(&d->lock);
    if (!d->worker)
        d->worker = g_main_context_ref_thread_default();
    long rc = usbfs_ioctl(d, pl, client, req, umockdev_ioctl_client_get_arg(client));
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
    size_t off = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(client), USBDEV_OFF_KEY));
    size_t total, n = 0;
    const uint8_t *desc = fmodel_model_descriptors(d->model, &total);

    g_mutex_lock(&d->lock);
    if (!pl->live) {
        umockdev_ioctl_client_complete(client, -1, ENODEV);
    } else {
        if (off < total)
            n = MIN((size_t)arg->data_len, total - off);
        memcpy(arg->data, desc + off, n);
        g_object_set_data(G_OBJECT(client), USBDEV_OFF_KEY, GSIZE_TO_POINTER(off + n));
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
                usbdev_urb_free(l->data);
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
        usbdev_urb_free(u);
    while ((u = g_queue_pop_head(&d->done)))
        usbdev_urb_free(u);
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

int usbdev_fault(struct usbdev *d, const struct fmodel_fault_spec *f)
{
    g_mutex_lock(&d->lock);
    int rc = fmodel_fault_set(d->model, f);
    apply_access(d);
    if (d->cur) {                        /* e.g. stall: fail a waiting transfer now */
        usbdev_service_in(d);
        if (d->cur)
            update_ready(d->cur);
    }
    g_mutex_unlock(&d->lock);
    return rc;
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
