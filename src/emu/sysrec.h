/* sysrec: umockdev record texts (sysfs attributes + udev properties) for
 * the emulated USB tree: root hubs, intermediate hubs, BitBabblers and their
 * interface.  Returned strings are g_malloc()ed; free with g_free(). */
#ifndef BB_EMU_SYSREC_H
#define BB_EMU_SYSREC_H

#include "fmodel.h"

/* devpath: sysfs path without "/sys", e.g. /devices/pci0000:00/0000:00:10.0/usb3.
 * port: "" for a root hub, else the port path ("2", "2.3"). */
char *sysrec_hub(const char *devpath, unsigned bus, unsigned devnum, const char *port);
char *sysrec_device(const char *devpath, unsigned bus, unsigned devnum, const char *port,
                    const struct fmodel *m);
/* The interface child (devpath of the device; sysname e.g. "3-2"). */
char *sysrec_interface(const char *devpath, const char *sysname, const struct fmodel *m);

#endif
