/* urbpend SERIAL READY LIMIT_S: bulk IN URBs in flight across an unplug
 * (unplug-urb.sh).  Plain libusb, no project code: it sees what any
 * usbfs client (QEMU's usb-host) sees.
 *
 * Run under bbemu.  Opens the device whose serial string is SERIAL, claims
 * interface 0, sets the FTDI latency timer to 255 ms (so that an idle
 * device completes at most one IN URB per 255 ms, with its 2 status bytes)
 * and keeps NURB asynchronous bulk IN transfers on 0x81 in flight: each one
 * that completes is submitted again at once.  Then it creates the file
 * READY and waits (at most LIMIT_S seconds) until no transfer is in flight
 * any more: the test unplugs the device meanwhile.
 *
 * At the unplug bbemu must complete the URBs in flight with ENODEV
 * (libusb: LIBUSB_TRANSFER_NO_DEVICE) at once, as the kernel does, and
 * fail every later ioctl with ENODEV.  Printed, one per line:
 *   nodev N        transfers completed with LIBUSB_TRANSFER_NO_DEVICE
 *   completed N    transfers completed normally (and submitted again)
 *   resubmit NAME  the first failed re-submission's libusb error, or "-"
 *   other N        transfers ending with any other status
 *   pending N      transfers still in flight after LIMIT_S seconds
 *   control NAME   a control transfer (read the latency timer) afterwards
 *   submit NAME    a new bulk IN transfer afterwards
 *   release NAME   releasing interface 0 afterwards (an ioctl whatever
 *                  libusb knows: its claim of a claimed interface makes
 *                  none, and fails only once its hotplug thread has seen
 *                  the remove uevent, which races this helper)
 *   end_ms N       when the last transfer ended (CLOCK_REALTIME, ms: date +%s%3N)
 * Exit 0 when every transfer in flight ended, 1 when some are still
 * pending at the limit, 2 usage, 3 a USB error before READY. */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NURB 8
#define LEN 512

static int active, nodev, completed, other;
static const char *resubmit_err = "-";

static long long clock_ms(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static void LIBUSB_CALL done(struct libusb_transfer *t)
{
    if (t->status == LIBUSB_TRANSFER_COMPLETED) {
        completed++;
        int rc = libusb_submit_transfer(t);
        if (rc == 0)
            return;
        if (!strcmp(resubmit_err, "-"))
            resubmit_err = libusb_error_name(rc);
    } else if (t->status == LIBUSB_TRANSFER_NO_DEVICE) {
        nodev++;
    } else {
        other++;
        fprintf(stderr, "urbpend: transfer status %d\n", (int)t->status);
    }
    active--;
}

static libusb_device_handle *open_serial(libusb_context *ctx, const char *serial)
{
    libusb_device **l;
    libusb_device_handle *found = NULL;
    ssize_t n = libusb_get_device_list(ctx, &l);

    for (ssize_t i = 0; i < n && !found; i++) {
        struct libusb_device_descriptor dd;
        libusb_device_handle *h;
        unsigned char s[128];
        if (libusb_get_device_descriptor(l[i], &dd) || !dd.iSerialNumber ||
            libusb_open(l[i], &h))
            continue;
        if (libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, s, sizeof(s)) > 0 &&
            strcmp((char *)s, serial) == 0)
            found = h;
        else
            libusb_close(h);
    }
    if (n >= 0)
        libusb_free_device_list(l, 1);
    return found;
}

int main(int argc, char **argv)
{
    libusb_context *ctx;
    libusb_device_handle *h;
    struct libusb_transfer *t[NURB];
    static unsigned char buf[NURB][LEN];
    unsigned char b;
    int rc, limit;

    if (argc != 4 || (limit = atoi(argv[3])) <= 0) {
        fprintf(stderr, "usage: urbpend SERIAL READY LIMIT_S\n");
        return 2;
    }
    if ((rc = libusb_init(&ctx)))
        goto usb_error;
    if (!(h = open_serial(ctx, argv[1]))) {
        fprintf(stderr, "urbpend: no device with serial '%s'\n", argv[1]);
        return 3;
    }
    if ((rc = libusb_claim_interface(h, 0)) ||
        (rc = libusb_control_transfer(h, 0x40, 0x09, 255, 1, NULL, 0, 5000)) < 0)
        goto usb_error;
    for (int i = 0; i < NURB; i++) {
        t[i] = libusb_alloc_transfer(0);
        libusb_fill_bulk_transfer(t[i], h, 0x81, buf[i], LEN, done, NULL, 0);
        if ((rc = libusb_submit_transfer(t[i])))
            goto usb_error;
        active++;
    }
    FILE *f = fopen(argv[2], "w");
    if (!f || fclose(f)) {
        perror(argv[2]);
        return 3;
    }
    long long end = now_ms() + 1000LL * limit;
    while (active > 0 && now_ms() < end) {
        struct timeval tv = { 0, 100000 };
        libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    }
    long long t1 = now_ms(), wall = clock_ms(CLOCK_REALTIME);
    printf("nodev %d\ncompleted %d\nresubmit %s\nother %d\npending %d\n", nodev, completed,
           resubmit_err, other, active);
    if (active > 0) {
        printf("end_ms %lld\n", wall);
        fflush(stdout);
        _exit(1);                        /* libusb cannot free transfers in flight */
    }
    rc = libusb_control_transfer(h, 0xc0, 0x0a, 0, 1, &b, 1, 5000);
    printf("control %s\n", rc < 0 ? libusb_error_name(rc) : "ok");
    libusb_fill_bulk_transfer(t[0], h, 0x81, buf[0], LEN, done, NULL, 0);
    rc = libusb_submit_transfer(t[0]);
    printf("submit %s\n", rc ? libusb_error_name(rc) : "ok");
    if (rc == 0) {                       /* should not happen: let it end */
        active++;
        while (active > 0 && now_ms() < t1 + 2000) {
            struct timeval tv = { 0, 100000 };
            libusb_handle_events_timeout_completed(ctx, &tv, NULL);
        }
    }
    rc = libusb_release_interface(h, 0);
    printf("release %s\nend_ms %lld\n", rc ? libusb_error_name(rc) : "ok", wall);
    fflush(stdout);
    if (active > 0)
        _exit(0);
    for (int i = 0; i < NURB; i++)
        libusb_free_transfer(t[i]);
    libusb_close(h);
    libusb_exit(ctx);
    return 0;
usb_error:
    fprintf(stderr, "urbpend: %s\n", libusb_error_name(rc));
    return 3;
}
