/* Fuzz target for virtxml_usb_devices / virtxml_usb_check on arbitrary
 * bytes: both agree on what is domain XML, every entry is well-formed for
 * its kind and matches the device it names, PCI slot and controller counts
 * stay in range, and QEMU port entries survive virtxml_qemu_cmdline and a
 * second parse. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devid.h"
#include "fuzz.h"
#include "virtxml.h"

/* A port path devid accepts, NUL-terminated inside devinfo's port buffer. */
static bool port_ok(const char *p)
{
    return strnlen(p, DEVINFO_PORT_MAX) < DEVINFO_PORT_MAX && devid_valid_port(p);
}

static void check_entry(const struct virtxml_usb *u)
{
    struct devinfo d;
    memset(&d, 0, sizeof(d));
    switch (u->kind) {
    case VIRTXML_USB_ADDR:
        FUZZ_CHECK(u->bus >= 1 && u->bus <= 255 && u->dev >= 1 && u->dev <= 127);
        FUZZ_CHECK(u->vid == 0 && u->pid == 0 && u->port[0] == '\0');
        break;
    case VIRTXML_USB_VIDPID:
        FUZZ_CHECK(u->vid >= 1 && u->vid <= 0xffff && u->pid <= 0xffff);
        FUZZ_CHECK(u->bus == 0 && u->dev == 0 && u->port[0] == '\0');
        break;
    case VIRTXML_USB_QEMU_PORT:
        FUZZ_CHECK(u->bus >= 1 && port_ok(u->port));
        break;
    case VIRTXML_USB_QEMU_ADDR:
        FUZZ_CHECK(u->bus >= 1 && u->dev >= 1 && u->port[0] == '\0');
        break;
    case VIRTXML_USB_QEMU_VIDPID:
        /* hostbus, hostaddr or hostport alone may come with it */
        FUZZ_CHECK(u->vid >= 1 && u->pid >= 1);
        FUZZ_CHECK(!(u->bus && (u->dev || u->port[0])));
        break;
    default:
        FUZZ_CHECK(0);
    }
    /* Common ranges (QEMU kinds keep every usb-host filter given). */
    FUZZ_CHECK(u->bus <= 255 && u->dev <= 127 && u->vid <= 0xffff && u->pid <= 0xffff);
    FUZZ_CHECK(u->port[0] == '\0' || port_ok(u->port));

    /* The device the entry describes matches; a different one does not. */
    d.bus = u->bus ? u->bus : 1;
    d.dev = u->dev ? u->dev : 1;
    /* libvirt's <product id='0'> is a literal 0; for QEMU 0 means any. */
    bool literal = u->kind == VIRTXML_USB_VIDPID;
    d.vid = (uint16_t)(u->vid || literal ? u->vid : BB_VENDOR_ID);
    d.pid = (uint16_t)(u->pid || literal ? u->pid : BB_PRODUCT_ID);
    memcpy(d.port, u->port, sizeof(d.port));
    FUZZ_CHECK(virtxml_usb_matches(u, &d));
    struct devinfo other = d;
    if (u->kind == VIRTXML_USB_VIDPID || u->kind == VIRTXML_USB_QEMU_VIDPID)
        other.pid ^= 1;
    else
        other.bus += 1;
    FUZZ_CHECK(!virtxml_usb_matches(u, &other));
    FUZZ_CHECK(!virtxml_usb_matches(u, NULL) && !virtxml_usb_matches(NULL, &d));
}

/* QEMU_PORT entries written back as <qemu:commandline> read back the same. */
static void check_port_roundtrip(const struct virtxml_usb *u, size_t n)
{
    struct devinfo devs[8];
    size_t m = 0;
    for (size_t i = 0; i < n && m < 8; i++) {
        if (u[i].kind != VIRTXML_USB_QEMU_PORT)
            continue;
        memset(&devs[m], 0, sizeof(devs[m]));
        devs[m].bus = u[i].bus;
        memcpy(devs[m].port, u[i].port, sizeof(devs[m].port));
        m++;
    }
    if (m == 0)
        return;
    for (int legacy = 0; legacy < 2; legacy++) {
        char *cmd = virtxml_qemu_cmdline(devs, m, legacy != 0);
        FUZZ_CHECK(cmd != NULL);
        char *xml = NULL;
        FUZZ_CHECK(asprintf(&xml, "<domain xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
                                  "%s</domain>",
                            cmd) > 0);
        struct virtxml_usb *v = NULL;
        size_t k = 0;
        FUZZ_CHECK(virtxml_usb_devices(xml, strlen(xml), &v, &k) == 0);
        FUZZ_CHECK(k == m);
        for (size_t i = 0; i < m; i++) {
            FUZZ_CHECK(v[i].kind == VIRTXML_USB_QEMU_PORT && v[i].bus == devs[i].bus);
            FUZZ_CHECK(strcmp(v[i].port, devs[i].port) == 0);
            FUZZ_CHECK(virtxml_usb_matches(&v[i], &devs[i]));
        }
        free(v);
        free(xml);
        free(cmd);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *xml = (const char *)data;
    /* A NULL pointer for empty input (replay passes a 1-byte buffer). */
    if (size == 0)
        xml = NULL;

    struct virtxml_usb *u = (struct virtxml_usb *)&size;
    size_t n = 12345;
    int rc = virtxml_usb_devices(xml, size, &u, &n);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
    FUZZ_CHECK((n == 0) == (u == NULL));
    if (rc != 0)
        FUZZ_CHECK(n == 0);
    for (size_t i = 0; i < n; i++)
        check_entry(&u[i]);
    if (rc == 0)
        check_port_roundtrip(u, n);
    free(u);

    struct virtxml_usbcheck c;
    memset(&c, 0xA5, sizeof(c));
    struct virtxml_usbcheck before = c;
    int rc2 = virtxml_usb_check(xml, size, &c);
    FUZZ_CHECK(rc2 == 0 || rc2 == -EINVAL || rc2 == -ENOMEM);
    if (rc != -ENOMEM && rc2 != -ENOMEM)
        FUZZ_CHECK(rc == rc2);
    if (rc2 != 0) {
        FUZZ_CHECK(memcmp(&c, &before, sizeof(c)) == 0);
        return 0;
    }
    FUZZ_CHECK(c.fast <= c.controllers);
    FUZZ_CHECK(c.free_slot == -1 || (c.free_slot >= 3 && c.free_slot <= 31));
    size_t ml = strnlen(c.slow_model, sizeof(c.slow_model));
    FUZZ_CHECK(ml < sizeof(c.slow_model));
    for (size_t i = 0; i < ml; i++)
        FUZZ_CHECK(c.slow_model[i] >= 0x20 && c.slow_model[i] < 0x7f);
    /* Every counted controller that is not fast is slow, and the first
     * slow one is named. */
    FUZZ_CHECK((ml > 0) == (c.fast < c.controllers));
    if (c.free_slot >= 0) {
        char *ctl = virtxml_xhci_controller(c.free_slot);
        FUZZ_CHECK(ctl != NULL);
        free(ctl);
    }
    return 0;
}
