/* configfs: the USB gadget around the BitBabbler function, in the kernel's
 * configfs (libcomposite), and the FunctionFS instance it serves.
 *
 * cfs_new() creates /sys/kernel/config/usb_gadget/NAME with the device
 * identity of the model (VID 0x0403, PID 0x7840, bcdDevice 0x0900, bcdUSB
 * 2.00, manufacturer, product and serial strings, one configuration with
 * fmodel's bmAttributes and power), a FunctionFS function "ffs.NAME" in that
 * configuration, and mounts it at ffs_dir.  The function's descriptors are
 * then written by the transport (gadget.h); only after that can the gadget
 * be bound to a UDC, which "plugs it in".  Unbinding unplugs it.
 *
 * Needs root, configfs mounted at /sys/kernel/config and the modules
 * libcomposite and usb_f_fs.  All functions return 0 or -errno and log why
 * they failed. */
#ifndef BB_GADGET_CONFIGFS_H
#define BB_GADGET_CONFIGFS_H

#include "fmodel.h"

#define CFS_ROOT "/sys/kernel/config/usb_gadget"
#define CFS_NAME_MAX 32

struct cfs;

/* name: 1..32 of [A-Za-z0-9_.-].  ffs_dir is created if missing. */
int cfs_new(const char *name, const struct fmodel *m, const char *ffs_dir, struct cfs **out);
/* Unbinds, unmounts and removes everything cfs_new() made (best effort). */
void cfs_free(struct cfs *c);

/* Bind to / unbind from a UDC (e.g. "dummy_udc.0"). */
int cfs_bind(struct cfs *c, const char *udc);
int cfs_unbind(struct cfs *c);

/* The gadget's configfs directory. */
const char *cfs_dir(const struct cfs *c);

bool cfs_name_valid(const char *name);

#endif
