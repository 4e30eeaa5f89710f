/* bbusb: open, claim, release.  See bbusb.h. */
#include "bbusb.h"

#include <errno.h>
#include <fcntl.h>
#include <libusb.h>
#include <linux/usbdevice_fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ftdi.h"
#include "log.h"
#include "usberr.h"

#define RELEASE_TIMEOUT_MS 1000

int bbusb_check_descriptors(struct libusb_device *dev, const char *name, struct bbusb_ep *ep)
{
    struct libusb_config_descriptor *cfg = NULL;
    int r = usberr_to_errno(libusb_get_config_descriptor(dev, 0, &cfg));
    if (r < 0) {
        log_msg(0, "%s: cannot read the configuration descriptor: %s", name, usberr_str(r));
        return r;
    }
    r = -EPROTO;
    if (cfg->bConfigurationValue != 1 || cfg->bNumInterfaces < 1 ||
        cfg->interface[0].num_altsetting < 1) {
        log_msg(0, "%s: unexpected USB configuration", name);
        goto out;
    }
    const struct libusb_interface_descriptor *alt = &cfg->interface[0].altsetting[0];
    if (alt->bNumEndpoints != 2 || !(alt->endpoint[0].bEndpointAddress & 0x80) ||
        (alt->endpoint[1].bEndpointAddress & 0x80)) {
        log_msg(0, "%s: interface 0 must have one IN then one OUT endpoint", name);
        goto out;
    }
    ep->in = alt->endpoint[0].bEndpointAddress;
    ep->out = alt->endpoint[1].bEndpointAddress;
    ep->maxpacket = alt->endpoint[0].wMaxPacketSize & 0x7ff;
    if (ep->maxpacket <= 2) {
        log_msg(0, "%s: invalid max packet size %u", name, ep->maxpacket);
        goto out;
    }
    r = 0;
out:
    libusb_free_config_descriptor(cfg);
    return r;
}

size_t bbusb_max_xfer(unsigned bus, unsigned devnum)
{
    char path[64];
    uint32_t caps = 0;
    snprintf(path, sizeof(path), "/dev/bus/usb/%03u/%03u", bus, devnum);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return BBUSB_XFER_DEFAULT;
    int r = ioctl(fd, USBDEVFS_GET_CAPABILITIES, &caps);
    close(fd);
    if (r == 0 && (caps & (USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                           USBDEVFS_CAP_BULK_SCATTER_GATHER)))
        return BBUSB_XFER_LARGE;
    return BBUSB_XFER_DEFAULT;
}

int bbusb_claim(struct libusb_device *dev, const char *name, unsigned bus, unsigned devnum,
                struct libusb_device_handle **out)
{
    libusb_device_handle *h = NULL;
    int r = usberr_to_errno(libusb_open(dev, &h));
    if (r < 0) {
        log_msg(0, "%s: cannot open Bus:Device %03u:%03u: %s", name, bus, devnum, usberr_str(r));
        return r;
    }
    r = usberr_to_errno(libusb_set_configuration(h, 1));
    if (r == 0)
        r = usberr_to_errno(libusb_claim_interface(h, 0));
    if (r < 0) {
        log_msg(0, "%s: cannot claim Bus:Device %03u:%03u: %s", name, bus, devnum,
                usberr_str(r));
        libusb_close(h);
        return r;
    }
    *out = h;
    return 0;
}

void bbusb_release(struct libusb_device_handle *h, bool reset_bitmode)
{
    uint8_t rt = LIBUSB_REQUEST_TYPE_VENDOR | LIBUSB_RECIPIENT_DEVICE | LIBUSB_ENDPOINT_OUT;
    if (!h)
        return;
    if (reset_bitmode) {
        libusb_control_transfer(h, rt, FTDI_REQ_SET_BITMODE, FTDI_BITMODE_RESET, FTDI_INDEX,
                                NULL, 0, RELEASE_TIMEOUT_MS);
        libusb_control_transfer(h, rt, FTDI_REQ_RESET, 0, FTDI_INDEX, NULL, 0,
                                RELEASE_TIMEOUT_MS);
    }
    libusb_release_interface(h, 0);
    libusb_close(h);
}
