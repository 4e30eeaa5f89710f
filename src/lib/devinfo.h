/* devinfo: what is known about one BitBabbler on the bus.  Plain data, no
 * ownership: copied by value between modules. */
#ifndef BB_DEVINFO_H
#define BB_DEVINFO_H

#include <stdint.h>

#define BB_VENDOR_ID 0x0403  /* FTDI */
#define BB_PRODUCT_ID 0x7840 /* BitBabbler (FT232H with a custom PID) */

#define DEVINFO_STR_MAX 128
#define DEVINFO_PORT_MAX 32  /* up to 7 dotted hub ports */

struct devinfo {
    unsigned bus;                       /* libusb bus number */
    unsigned dev;                       /* libusb device address */
    uint16_t vid, pid;
    char serial[DEVINFO_STR_MAX];       /* empty: device is never used */
    char manufacturer[DEVINFO_STR_MAX];
    char product[DEVINFO_STR_MAX];
    char port[DEVINFO_PORT_MAX];        /* port path without bus, "2.3"; may be empty */
    char syspath[256];                  /* udev syspath, for remove matching */
};

#endif
