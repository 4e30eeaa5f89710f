/* virtxml_gen: the XML and configuration snippets bbvirt prints (see
 * virtxml.h), and the validators both halves of virtxml share. */
#include "virtxml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtxml_int.h"

/* ---- validators ---- */

/* vm.conf rule: 4..127 ASCII letters and digits (own copy, see vmconf.h). */
bool virtxml_valid_serial(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
        if (n >= 127)
            return false;
    }
    return n >= 4;
}

bool virtxml_valid_group(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* Dotted port path, 1..7 levels of 1..255 without leading zeros, in at most
 * max bytes including the NUL (what the kernel and QEMU compare literally). */
bool virtxml_valid_port_path(const char *p, size_t max)
{
    if (!p || strnlen(p, max) >= max)
        return false;
    unsigned levels = 0;
    for (;;) {
        if (*p < '1' || *p > '9')
            return false;
        unsigned v = 0;
        const char *q = p;
        for (; *q >= '0' && *q <= '9' && q - p < 4; q++)
            v = v * 10 + (unsigned)(*q - '0');
        if (v > PORT_LEVEL_MAX || ++levels > PORT_LEVELS_MAX)
            return false;
        if (*q == '\0')
            return true;
        if (*q != '.')
            return false;
        p = q + 1;
    }
}

/* strtoul base 0, strictly: the whole string, no sign or space, <= max. */
bool virtxml_parse_num(const char *s, unsigned long max, unsigned *out)
{
    if (!s || !*s)
        return false;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return false;
    } else if (s[0] == '0') {
        base = 8;
    }
    unsigned long long v = 0;
    for (; *s; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (d >= base)
            return false;
        v = v * base + d;
        if (v > max)
            return false;
    }
    *out = (unsigned)v;
    return true;
}

/* ---- generators ---- */

static char *stream_done(FILE *f, char **buf)
{
    int bad = ferror(f);
    if (fclose(f) != 0)
        bad = 1;
    if (bad) {
        free(*buf);
        *buf = NULL;
        errno = ENOMEM;
        return NULL;
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
                 bus, dev) < 0) {
        errno = ENOMEM;
        return NULL;
    }
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
    if (!s)
        errno = ENOMEM;
    return s;
}

char *virtxml_qemu_cmdline(const struct devinfo *devs, size_t n, bool legacy)
{
    if (n > 0 && !devs)
        goto inval;
    for (size_t i = 0; i < n; i++) {
        if (devs[i].bus < 1 || devs[i].bus > USB_BUS_MAX ||
            !virtxml_valid_port_path(devs[i].port, sizeof(devs[i].port)))
            goto inval;
    }

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
    fputs("<!-- <qemu:commandline> is only valid if the <domain> element declares\n"
          "     xmlns:qemu='" QEMU_NS "' -->\n"
          "<qemu:commandline>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        const struct devinfo *d = &devs[i];
        /* Only a plain serial goes into the comment ("--" would end it). */
        bool plain = d->serial[0] != '\0';
        for (size_t k = 0; k < sizeof(d->serial) && d->serial[k]; k++) {
            char c = d->serial[k];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ||
                k == sizeof(d->serial) - 1)
                plain = false;
        }
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
inval:
    errno = EINVAL;
    return NULL;
}

char *virtxml_udev_rules(const char *const *serials, size_t n, const char *group)
{
    if (!group)
        group = "libvirt-qemu";
    if ((n > 0 && !serials) || !virtxml_valid_group(group))
        goto inval;
    for (size_t i = 0; i < n; i++)
        if (!virtxml_valid_serial(serials[i]))
            goto inval;

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
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
inval:
    errno = EINVAL;
    return NULL;
}

char *virtxml_cgroup_acl(const char *const *serials, size_t n)
{
    /* A serial that is not plain letters/digits could break the quoting
     * (qemu.conf strings have no escapes): refused like in the udev rules. */
    if (n > 0 && !serials)
        goto inval;
    for (size_t i = 0; i < n; i++)
        if (!virtxml_valid_serial(serials[i]))
            goto inval;

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        errno = ENOMEM;
        return NULL;
    }
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
inval:
    errno = EINVAL;
    return NULL;
}

char *virtxml_xhci_controller(int slot)
{
    if (slot < PCI_SLOT_MIN || slot > PCI_SLOT_MAX) {
        errno = EINVAL;
        return NULL;
    }
    char *s = NULL;
    if (asprintf(&s,
                 "<controller type='usb' index='0' model='qemu-xhci'>\n"
                 "  <address type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
                 "function='0x0'/>\n"
                 "</controller>\n",
                 (unsigned)slot) < 0) {
        errno = ENOMEM;
        return NULL;
    }
    return s;
}
