/* virtxml_gen: the XML and configuration snippets bbvirt prints (see
 * virtxml.h). */
#include "virtxml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtxml_int.h"
#include "vmconf.h"

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* [A-Za-z0-9_.-]+ */
static bool valid_group(const char *s)
{
    return s && *s && s[strspn(s, ALNUM "_.-")] == '\0';
}

/* NULL with errno set to e. */
static char *fail_errno(int e)
{
    errno = e;
    return NULL;
}

static FILE *open_stream(char **buf, size_t *len)
{
    *buf = NULL;
    FILE *f = open_memstream(buf, len);
    if (!f)
        errno = ENOMEM;
    return f;
}

static bool all_serials_valid(const char *const *serials, size_t n)
{
    if (n > 0 && !serials)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!vmconf_valid_serial(serials[i]))
            return false;
    return true;
}

static char *stream_done(FILE *f, char **buf)
{
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        free(*buf);
        *buf = NULL;
        return fail_errno(ENOMEM);
    }
    return *buf;
}

char *virtxml_hostdev_addr(unsigned bus, unsigned dev)
{
    char *s = NULL;
    if (asprintf(&s,
                 "<hostdev mode='subsystem' type='usb' managed='yes'>\n"
                 "  <source>\n"
                 "    <address bus='%u' device='%u'/>\n"
                 "  </source>\n"
                 "</hostdev>\n",
                 bus, dev) < 0)
        return fail_errno(ENOMEM);
    return s;
}

char *virtxml_hostdev_vidpid(void)
{
    static const char text[] =
        "<hostdev mode='subsystem' type='usb' managed='yes'>\n"
        "  <source startupPolicy='optional'>\n"
        "    <vendor id='0x0403'/>\n"
        "    <product id='0x7840'/>\n"
        "  </source>\n"
        "</hostdev>\n";
    char *s = strdup(text);
    return s ? s : fail_errno(ENOMEM);
}

char *virtxml_qemu_cmdline(const struct devinfo *devs, size_t n, bool legacy)
{
    if (n > 0 && !devs)
        return fail_errno(EINVAL);
    for (size_t i = 0; i < n; i++) {
        if (devs[i].bus < 1 || devs[i].bus > USB_BUS_MAX ||
            !virtxml_valid_port_path(devs[i].port, sizeof(devs[i].port)))
            return fail_errno(EINVAL);
    }

    char *buf;
    size_t len;
    FILE *f = open_stream(&buf, &len);
    if (!f)
        return NULL;
    fputs("<!-- <qemu:commandline> is only valid if the <domain> element declares\n"
          "     xmlns:qemu='" QEMU_NS "' -->\n"
          "<qemu:commandline>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct devinfo *d = &devs[i];
        /* Only a plain serial goes into the comment ("--" would end it). */
        bool plain = d->serial[0] && strnlen(d->serial, sizeof(d->serial)) < sizeof(d->serial) &&
                     d->serial[strspn(d->serial, ALNUM)] == '\0';
        if (plain)
            fprintf(f, "  <!-- BitBabbler %s, host port %u-%s -->\n", d->serial, d->bus, d->port);
        else
            fprintf(f, "  <!-- BitBabbler (no usable serial), host port %u-%s -->\n", d->bus,
                    d->port);
        fputs("  <qemu:arg value='-device'/>\n", f);
        if (legacy)
            fprintf(f, "  <qemu:arg value='usb-host,hostbus=%u,hostport=%s'/>\n", d->bus, d->port);
        else
            fprintf(f,
                    "  <qemu:arg value='{\"driver\":\"usb-host\",\"hostbus\":%u,"
                    "\"hostport\":\"%s\"}'/>\n",
                    d->bus, d->port);
    }
    fputs("</qemu:commandline>\n", f);
    return stream_done(f, &buf);
}

char *virtxml_udev_rules(const char *const *serials, size_t n, const char *group)
{
    if (!group)
        group = "libvirt-qemu";
    if (!all_serials_valid(serials, n) || !valid_group(group))
        return fail_errno(EINVAL);

    char *buf;
    size_t len;
    FILE *f = open_stream(&buf, &len);
    if (!f)
        return NULL;
    fputs("# udev rules for BitBabblers passed to libvirt guests with <qemu:commandline>\n"
          "# usb-host: they let the group QEMU runs as (GROUP) open each device, and\n"
          "# create /dev/bitbabbler/<serial>, the stable name that cgroup_device_acl in\n"
          "# /etc/libvirt/qemu.conf uses.  They also match change and bind events, as\n"
          "# udev drops a symlink that an event's rules do not set again.\n"
          "# Install as /etc/udev/rules.d/61-bit-babbler-vm.rules (after the package's\n"
          "# 60-bit-babbler.rules), then load them with\n"
          "#   udevadm control --reload-rules\n"
          "#   udevadm trigger --action=change --subsystem-match=usb "
          "--attr-match=idVendor=0403 --attr-match=idProduct=7840\n"
          "# or replug the devices.\n",
          f);
    for (size_t i = 0; i < n; i++)
        fprintf(f,
                "ACTION==\"add|change|bind\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"0403\", "
                "ATTR{idProduct}==\"7840\", ATTR{serial}==\"%s\", GROUP=\"%s\", MODE=\"0660\", "
                "SYMLINK+=\"bitbabbler/$attr{serial}\"\n",
                serials[i], group);
    return stream_done(f, &buf);
}

char *virtxml_cgroup_acl(const char *const *serials, size_t n)
{
    /* A serial that is not plain letters/digits could break the quoting
     * (qemu.conf strings have no escapes): refused like in the udev rules. */
    if (!all_serials_valid(serials, n))
        return fail_errno(EINVAL);

    char *buf;
    size_t len;
    FILE *f = open_stream(&buf, &len);
    if (!f)
        return NULL;
    fputs("# For /etc/libvirt/qemu.conf (replacing any cgroup_device_acl set there);\n"
          "# restart libvirtd afterwards (systemctl restart libvirtd).  The first entries\n"
          "# are libvirt's defaults, then the udev symlinks of the guests' BitBabblers.\n"
          "cgroup_device_acl = [\n"
          "    \"/dev/null\", \"/dev/full\", \"/dev/zero\",\n"
          "    \"/dev/random\", \"/dev/urandom\",\n"
          "    \"/dev/ptmx\", \"/dev/kvm\"",
          f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, ",\n    \"/dev/bitbabbler/%s\"", serials[i]);
    fputs("\n]\n", f);
    return stream_done(f, &buf);
}

char *virtxml_xhci_controller(int slot)
{
    if (slot < PCI_SLOT_MIN || slot > PCI_SLOT_MAX)
        return fail_errno(EINVAL);
    char *s = NULL;
    if (asprintf(&s,
                 "<controller type='usb' index='0' model='qemu-xhci'>\n"
                 "  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
                 "function='0x0'/>\n"
                 "</controller>\n",
                 (unsigned)slot) < 0)
        return fail_errno(ENOMEM);
    return s;
}
