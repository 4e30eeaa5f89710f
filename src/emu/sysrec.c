/* sysrec: umockdev records for the emulated USB tree.  See sysrec.h. */
#include "sysrec.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

/* USB 2.0 hub: device descriptor + configuration with one interrupt EP. */
static const guint8 hub_desc[18 + 25] = {
    18, 1, 0x00, 0x02, 0x09, 0x00, 0x01, 64, 0x6b, 0x1d, 0x02, 0x00, 0x06, 0x06, 3, 2, 1, 1,
    9, 2, 25, 0, 1, 1, 0, 0xe0, 0,
    9, 4, 0, 0, 1, 9, 0, 0, 0,
    7, 5, 0x81, 3, 4, 0, 12,
};

static char *hex(const guint8 *d, size_t n)
{
    GString *s = g_string_sized_new(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(s, "%02x", d[i]);
    return g_string_free(s, FALSE);
}

/* Replace characters udev would not keep in ID_* values. */
static char *udev_safe(const char *s)
{
    char *r = g_strdup(s);
    for (char *p = r; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            *p = '_';
    return r;
}

/* Attributes and properties every USB device record has. */
static void common(GString *r, const char *devpath, unsigned bus, unsigned devnum,
                   const char *port)
{
    unsigned minor = (bus - 1) * 128 + devnum - 1;
    g_string_append_printf(r,
        "P: %s\n"
        "E: SUBSYSTEM=usb\n"
        "E: DEVNAME=/dev/bus/usb/%03u/%03u\n"
        "E: DEVTYPE=usb_device\n"
        "E: DRIVER=usb\n"
        "E: MAJOR=189\n"
        "E: MINOR=%u\n"
        "E: BUSNUM=%03u\n"
        "E: DEVNUM=%03u\n"
        "A: dev=189:%u\\n\n"
        "A: busnum=%u\\n\n"
        "A: devnum=%u\\n\n"
        "A: devpath=%s\\n\n"
        "A: speed=480\\n\n"
        "A: version= 2.00\\n\n"
        "A: bConfigurationValue=1\\n\n"
        "A: bNumConfigurations=1\\n\n"
        "A: bNumInterfaces= 1\\n\n"
        "A: bMaxPacketSize0=64\\n\n"
        "A: authorized=1\\n\n"
        "A: avoid_reset_quirk=0\\n\n"
        "A: quirks=0x0\\n\n"
        "A: rx_lanes=1\\n\n"
        "A: tx_lanes=1\\n\n",
        devpath, bus, devnum, minor, bus, devnum, minor, bus, devnum, *port ? port : "0");
}

char *sysrec_hub(const char *devpath, unsigned bus, unsigned devnum, const char *port)
{
    GString *r = g_string_new(NULL);
    char *h = hex(hub_desc, sizeof(hub_desc));
    bool root = !*port;

    common(r, devpath, bus, devnum, port);
    g_string_append_printf(r,
        "E: PRODUCT=%s\n"
        "E: TYPE=9/0/1\n"
        "E: ID_VENDOR_ID=%s\n"
        "E: ID_MODEL_ID=%s\n"
        "E: ID_BUS=usb\n"
        "A: idVendor=%s\\n\n"
        "A: idProduct=%s\\n\n"
        "A: bcdDevice=%s\\n\n"
        "A: bDeviceClass=09\\n\n"
        "A: bDeviceSubClass=00\\n\n"
        "A: bDeviceProtocol=01\\n\n"
        "A: bmAttributes=e0\\n\n"
        "A: maxchild=%u\\n\n"
        "A: manufacturer=%s\\n\n"
        "A: product=%s\\n\n"
        "%s"
        "A: removable=%s\\n\n"
        "H: descriptors=%s\n\n",
        root ? "1d6b/2/606" : "5e3/610/9322", root ? "1d6b" : "05e3",
        root ? "0002" : "0610", root ? "1d6b" : "05e3", root ? "0002" : "0610",
        root ? "0606" : "9322", root ? 15 : 4,
        root ? "Linux 6.1.0 xhci-hcd" : "GenesysLogic",
        root ? "xHCI Host Controller" : "USB2.1 Hub",
        root ? "A: serial=0000:00:14.0\\n\n" : "",
        root ? "unknown" : "removable", h);
    g_free(h);
    return g_string_free(r, FALSE);
}

char *sysrec_device(const char *devpath, unsigned bus, unsigned devnum, const char *port,
                    const struct fmodel *m)
{
    GString *r = g_string_new(NULL);
    size_t dlen;
    const guint8 *desc = fmodel_model_descriptors(m, &dlen);
    char *h = hex(desc, dlen);
    char *vendor = udev_safe(fmodel_manufacturer(m));
    unsigned vid = fmodel_vid(m), pid = fmodel_pid(m);
    char *model = udev_safe(fmodel_product(m));
    /* A device without a serial has no serial attribute (as the kernel
     * does for iSerialNumber 0) and udev's ID_SERIAL is vendor_model. */
    const char *ser = fmodel_has_serial(m) ? fmodel_serial(m) : NULL;

    common(r, devpath, bus, devnum, port);
    g_string_append_printf(r,
        "E: PRODUCT=%x/%x/900\n"
        "E: TYPE=0/0/0\n"
        "E: ID_VENDOR=%s\n"
        "E: ID_VENDOR_ID=%04x\n"
        "E: ID_MODEL=%s\n"
        "E: ID_MODEL_ID=%04x\n"
        "E: ID_REVISION=0900\n"
        "E: ID_SERIAL=%s_%s%s%s\n"
        "%s%s%s"
        "E: ID_BUS=usb\n"
        "E: ID_USB_INTERFACES=:ffffff:\n"
        "A: idVendor=%04x\\n\n"
        "A: idProduct=%04x\\n\n"
        "A: bcdDevice=0900\\n\n"
        "A: bDeviceClass=00\\n\n"
        "A: bDeviceSubClass=00\\n\n"
        "A: bDeviceProtocol=00\\n\n"
        "A: bmAttributes=80\\n\n"
        "A: bMaxPower=90mA\\n\n"
        "A: maxchild=0\\n\n"
        "A: manufacturer=%s\\n\n"
        "A: product=%s\\n\n"
        "%s%s%s"
        "A: removable=removable\\n\n"
        "H: descriptors=%s\n\n",
        vid, pid, vendor, vid, model, pid, vendor, model, ser ? "_" : "", ser ? ser : "",
        ser ? "E: ID_SERIAL_SHORT=" : "", ser ? ser : "", ser ? "\n" : "",
        vid, pid, fmodel_manufacturer(m), fmodel_product(m),
        ser ? "A: serial=" : "", ser ? ser : "", ser ? "\\n\n" : "", h);
    g_free(h);
    g_free(vendor);
    g_free(model);
    return g_string_free(r, FALSE);
}

char *sysrec_interface(const char *devpath, const char *sysname, const struct fmodel *m)
{
    char *modalias = g_strdup_printf("usb:v%04Xp%04Xd0900dc00dsc00dp00icFFiscFFipFFin00",
                                     fmodel_vid(m), fmodel_pid(m));
    char *r = g_strdup_printf(
        "P: %s/%s:1.0\n"
        "E: SUBSYSTEM=usb\n"
        "E: DEVTYPE=usb_interface\n"
        "E: PRODUCT=%x/%x/900\n"
        "E: TYPE=0/0/0\n"
        "E: INTERFACE=255/255/255\n"
        "E: MODALIAS=%s\n"
        "A: bInterfaceNumber=00\\n\n"
        "A: bAlternateSetting= 0\\n\n"
        "A: bNumEndpoints=02\\n\n"
        "A: bInterfaceClass=ff\\n\n"
        "A: bInterfaceSubClass=ff\\n\n"
        "A: bInterfaceProtocol=ff\\n\n"
        "A: interface=%s\\n\n"
        "A: supports_autosuspend=1\\n\n"
        "A: modalias=%s\\n\n\n",
        devpath, sysname, fmodel_vid(m), fmodel_pid(m), modalias, fmodel_product(m), modalias);
    g_free(modalias);
    return r;
}
