/* bbusb: the synchronous USB edges of a BitBabbler's life: check its
 * descriptors, probe how large a transfer usbfs takes, open and claim it,
 * put it back (FTDI out of MPSSE mode) and let go.  Never call these from a
 * libusb transfer callback (libusb_open/close deadlock there). */
#ifndef BB_BBUSB_H
#define BB_BBUSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct libusb_device;
struct libusb_device_handle;

#define BBUSB_XFER_DEFAULT 16384
#define BBUSB_XFER_LARGE (1024 * 1024)

struct bbusb_ep {
    uint8_t in, out;
    unsigned maxpacket;
};

/* Configuration 1, interface 0 alt 0 with one IN then one OUT endpoint, and
 * a max packet size > 2 (spec §1.1).  -EPROTO (logged, naming the device)
 * otherwise. */
int bbusb_check_descriptors(struct libusb_device *dev, const char *name, struct bbusb_ep *ep);

/* Linux: 1 MiB when usbfs has bulk continuation, no packet size limit or
 * scatter-gather; otherwise (or when the node cannot be opened) 16 KiB
 * (spec §1.2). */
size_t bbusb_max_xfer(unsigned bus, unsigned devnum);

/* libusb_open + set configuration 1 + claim interface 0.  Errors are logged
 * once ("cannot open/claim Bus:Device ...: device busy ...") and returned as
 * -errno. */
int bbusb_claim(struct libusb_device *dev, const char *name, unsigned bus, unsigned devnum,
                struct libusb_device_handle **out);

/* Optionally take the FTDI out of MPSSE mode (bitmode reset, SIO reset;
 * errors ignored), then release interface 0 and close.  NULL is a no-op. */
void bbusb_release(struct libusb_device_handle *h, bool reset_bitmode);

#endif
