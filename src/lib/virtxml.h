/* virtxml: the libvirt XML and configuration snippets bbvirt writes, and the
 * parts of libvirt domain XML it reads (libxml2).  Pure over strings and
 * buffers: no libvirt connection involved.
 *
 * Generators return a malloc'd NUL-terminated string (NULL only on
 * allocation failure, or for the documented argument errors below with
 * errno set to EINVAL).
 */
#ifndef BB_VIRTXML_H
#define BB_VIRTXML_H

#include <stdbool.h>
#include <stddef.h>

#include "devinfo.h"

/* <hostdev mode='subsystem' type='usb' managed='yes'> selecting one device
 * by its current bus/device address (plain decimal), as attached live:
 *
 *   <hostdev mode='subsystem' type='usb' managed='yes'>
 *     <source>
 *       <address bus='3' device='6'/>
 *     </source>
 *   </hostdev>
 */
char *virtxml_hostdev_addr(unsigned bus, unsigned dev);

/* The "easy case" hostdev: any BitBabbler, by vendor/product, with
 * startupPolicy='optional' (ambiguous once there are two devices). */
char *virtxml_hostdev_vidpid(void);

/* A <qemu:commandline> block passing each device to QEMU's usb-host by
 * host bus and port, preceded by an XML comment saying that the <domain>
 * element needs xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'.
 * The -device argument is in QEMU's JSON syntax,
 * {"driver":"usb-host","hostbus":B,"hostport":"P"}: libvirt 7 and later
 * give QEMU their own devices as JSON, which QEMU creates after every
 * legacy-syntax -device, so "usb-host,hostbus=B,hostport=P" (legacy true,
 * for older QEMU/libvirt) would be created before the guest's USB
 * controller exists and QEMU would refuse to start.  Every device must
 * have a valid port path and a bus 1..255 (else NULL, errno EINVAL). */
char *virtxml_qemu_cmdline(const struct devinfo *devs, size_t n, bool legacy);

/* udev rules, one per serial: GROUP and SYMLINK+="bitbabbler/%s" for guest
 * devices (the seed document's hand-written rules, for the qemu:commandline
 * path).  group NULL means "libvirt-qemu".  Serials must be valid vm.conf
 * serials and group [A-Za-z0-9_.-]+ (else NULL, errno EINVAL). */
char *virtxml_udev_rules(const char *const *serials, size_t n, const char *group);

/* The cgroup_device_acl setting for /etc/libvirt/qemu.conf: libvirt 9's
 * default list followed by /dev/bitbabbler/<serial> for each serial. */
char *virtxml_cgroup_acl(const char *const *serials, size_t n);

/* ---- reading domain XML ---- */

enum virtxml_usb_kind {
    VIRTXML_USB_ADDR,        /* <hostdev type='usb'> with <address bus= device=> */
    VIRTXML_USB_VIDPID,      /* <hostdev type='usb'> with <vendor>/<product> */
    VIRTXML_USB_QEMU_PORT,   /* qemu:commandline usb-host hostbus=B, hostport=P (either syntax) */
    VIRTXML_USB_QEMU_ADDR,   /* qemu:commandline usb-host,hostbus=B,hostaddr=D */
    VIRTXML_USB_QEMU_VIDPID, /* qemu:commandline usb-host,vendorid=,productid= */
};

struct virtxml_usb {
    enum virtxml_usb_kind kind;
    unsigned bus, dev;                /* ADDR, QEMU_ADDR; QEMU_PORT: bus */
    unsigned vid, pid;                /* VIDPID, QEMU_VIDPID */
    char port[DEVINFO_PORT_MAX];      /* QEMU_PORT: "2.3" */
};

/* Every USB host device a domain's XML passes through, in document order.
 * Entries that are incomplete or malformed (missing bus, non-numeric
 * values) are skipped.  *out is malloc'd (NULL when *n is 0).  Returns 0,
 * -EINVAL if the text is not well-formed XML with a <domain> root, -ENOMEM. */
int virtxml_usb_devices(const char *xml, size_t len, struct virtxml_usb **out, size_t *n);

/* Whether d is selected by entry u (VIDPID matches every BitBabbler). */
bool virtxml_usb_matches(const struct virtxml_usb *u, const struct devinfo *d);

struct virtxml_usbcheck {
    unsigned controllers;     /* <controller type='usb'> elements (model != 'none') */
    unsigned fast;            /* of those, EHCI/XHCI (USB 2.0 or better) */
    bool usb_none;            /* a <controller type='usb' model='none'> (USB disabled) */
    char slow_model[64];      /* the first USB 1.1-only model seen, "" if none */
    int free_slot;            /* lowest free PCI slot on bus 0 in 3..31, -1 if none */
};

/* Inspect a domain's USB controllers and PCI slot use.  Controllers with no
 * model count as USB 1.1 (libvirt's default on 'pc' machines, piix3-uhci).
 * Returns 0, -EINVAL (not domain XML), -ENOMEM. */
int virtxml_usb_check(const char *xml, size_t len, struct virtxml_usbcheck *out);

/* <controller type='usb' index='0' model='qemu-xhci'> with a PCI address on
 * bus 0 at slot (3..31). */
char *virtxml_xhci_controller(int slot);

/* ---- virtio-rng from seedd's EGD socket ---- */

/* The seconds QEMU waits before connecting again when seedd's socket is
 * gone or not there yet (libvirt's <reconnect timeout>). */
#define VIRTXML_RNG_RECONNECT_S 1u
#define VIRTXML_RNG_PATH_MAX 107u   /* sun_path less its NUL */

/* A virtio-rng device reading seedd's EGD service on a unix socket:
 *
 *   <rng model="virtio">
 *     <backend model="egd" type="unix">
 *       <source mode="connect" path="PATH">
 *         <reconnect enabled="yes" timeout="N"/>
 *       </source>
 *     </backend>
 *   </rng>
 *
 * (libxml2 writes it, so any path is quoted correctly.)  <reconnect> lets
 * QEMU start, or carry on, while the socket is missing.  libvirt turns it
 * into the chardev option QEMU wants (reconnect=N for QEMU before 9.2;
 * newer libvirt gives QEMU 9.2 reconnect-ms): the XML is the same either
 * way.  path must be absolute and at most VIRTXML_RNG_PATH_MAX bytes, N
 * 1..3600 (else NULL, errno EINVAL). */
char *virtxml_rng_egd(const char *path, unsigned reconnect_s);

struct virtxml_rng {
    char path[VIRTXML_RNG_PATH_MAX + 1]; /* the unix socket of an egd backend */
    char *element;                       /* the whole <rng> element, as XML */
};

/* Every <rng> in <devices> with an egd backend on a unix socket (in
 * document order), with its element as libvirt wrote it (the exact XML to
 * detach it by).  Others (random, builtin, TCP egd) are not listed.
 * *out NULL when *n is 0; free with virtxml_rng_free.  0, -EINVAL (not
 * domain XML), -ENOMEM. */
int virtxml_rng_list(const char *xml, size_t len, struct virtxml_rng **out, size_t *n);
void virtxml_rng_free(struct virtxml_rng *v, size_t n);

#endif
