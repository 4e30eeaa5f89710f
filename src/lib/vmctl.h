/* vmctl: what bbvirt does, as plans over a device scan, vm.conf and a
 * virt_ops table, so that every decision can be tested against a fake
 * libvirt.  Nothing here prints; messages go to the logger or into err.
 *
 * A command is planned (which device goes to or leaves which domain, with
 * the XML for it), then checked against libvirt (domains exist and run,
 * where each device is attached now), then executed.  Planning and
 * checking find every problem they can before anything is changed, so bad
 * input never leaves a command done half-way.  A dry run stops after
 * planning and talks to no libvirt at all.
 */
#ifndef BB_VMCTL_H
#define BB_VMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devinfo.h"
#include "virt.h"

struct vmconf;

enum vmctl_action { VMCTL_ATTACH, VMCTL_DETACH };

/* What a plan item turned out to need. */
enum vmctl_fate {
    VMCTL_TODO = 0,         /* call libvirt */
    VMCTL_ALREADY,          /* attach: already in the domain; detach: not attached */
    VMCTL_DONE,             /* executed successfully */
    VMCTL_FAILED,           /* libvirt refused or failed; err says why */
};

struct vmctl_item {
    enum vmctl_action action;
    uint16_t vid, pid;            /* 0403:7840 for a BitBabbler */
    char serial[DEVINFO_STR_MAX];
    unsigned bus, dev;
    bool present;                 /* in the current scan */
    char *domain;                 /* libvirt name */
    char *conf_id;                /* vm.conf id, or NULL when -D named an unknown domain */
    char *uri;                    /* NULL: libvirt's default */
    char *xml;                    /* the <hostdev> to hand to libvirt */
    enum vmctl_fate fate;
    int rc;                       /* for VMCTL_FAILED */
    char err[512];
};

struct vmctl_plan {
    struct vmctl_item *items;
    size_t n;
};

struct vmctl {
    const struct vmconf *conf;
    const struct devinfo *devs;   /* the scan: BitBabblers, and other devices by
                                     VID:PID:SERIAL (never any without a serial) */
    size_t ndevs;
    const struct virt_ops *ops;
    void *ops_ctx;
    const char *uri;              /* -c: overrides DOMAIN_URI_x; NULL if not given */
    const char *domain;           /* -D: config id or libvirt name; NULL if not given */
    unsigned bus, dev;            /* -b/-d; 0 if not given */
};

struct devid;

void vmctl_plan_free(struct vmctl_plan *p);

/* The one device of the scan (with a serial) that id matches: 0 and *out.
 * -ENODEV when none does; -EINVAL when more than one does (a bare device
 * number on two buses; or one serial twice): err names them all, never
 * picking one. */
int vmctl_find(const struct vmctl *c, const struct devid *id, const struct devinfo **out,
               char *err, size_t errlen);

/* "Serial 'GK9VZF'" for a BitBabbler, "Device 1d6b:0104:ABC123" for
 * another USB device: how messages name a device.  Returns buf. */
const char *vmctl_what(uint16_t vid, uint16_t pid, const char *serial, char *buf, size_t len);

/* One device (BitBabbler serial, VID:PID:SERIAL, [bus:]dev, bus-port).  A serial that is assigned to
 * no domain (and no -D) gives an empty plan and returns 0.  Errors: -EINVAL
 * (bad ID, -b/-d conflicting with the device found), -ENODEV (no such
 * device, and no -b/-d to go by), -ENOMEM; err says which. */
int vmctl_plan_one(const struct vmctl *c, enum vmctl_action a, const char *device,
                   struct vmctl_plan *out, char *err, size_t errlen);

/* Every assigned device (DOMAIN_RNG_ and DOMAIN_USB_) that is present, for one domain (config id or
 * libvirt name; -ENOENT if vm.conf has no such domain) or for all (domain
 * NULL).  Absent devices are skipped (logged at level 2). */
int vmctl_plan_all(const struct vmctl *c, enum vmctl_action a, const char *domain,
                   struct vmctl_plan *out, char *err, size_t errlen);

/* Ask libvirt about every domain in the plan: -ENOENT unknown domain,
 * -ESRCH domain not running, -EBUSY (attach) device attached to another
 * running domain on the same URI, or virt's errors.  Marks items that are
 * already as asked (VMCTL_ALREADY).  On error nothing has been changed. */
int vmctl_check(const struct vmctl *c, struct vmctl_plan *p, char *err, size_t errlen);

/* Carry out the TODO items, each independently: a failure of one is
 * recorded in its item and does not stop the others.  Returns 0 if all
 * succeeded, else the first failure's code. */
int vmctl_execute(const struct vmctl *c, struct vmctl_plan *p);

/* ---- status ---- */

struct vmctl_row {
    uint16_t vid, pid;
    char serial[DEVINFO_STR_MAX];
    bool present;
    unsigned bus, dev;
    char port[DEVINFO_PORT_MAX + 8];  /* "5-2.3", "" if unknown */
    const char *assigned;             /* libvirt name from vm.conf, or NULL */
    char *attached;                   /* running domain that has it, or NULL */
    bool attached_unknown;            /* libvirt could not be asked */
    bool host_may_claim;              /* seedd takes it by default (BitBabblers only) */
};

/* One row per device present (scan order), then one per serial and
 * VID:PID:SERIAL vm.conf assigns that is not present.  Rows are filled even when libvirt cannot
 * be asked (attached_unknown set, the first error returned with err). */
int vmctl_status(const struct vmctl *c, struct vmctl_row **rows, size_t *n, char *err,
                 size_t errlen);
void vmctl_rows_free(struct vmctl_row *rows, size_t n);

#endif
