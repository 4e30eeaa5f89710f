/* vmconf: VID:PID:SERIAL device IDs of DOMAIN_USB_<id>, and the values of
 * DOMAIN_VIRTIO_RNG_<id> (see vmconf.h).
 * Pure string functions, shared by the parser and bbvirt's arguments. */
#include "vmconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 4 hex digits, not 0000. */
static int hex16(const char *s, uint16_t *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -EINVAL;
        v = v << 4 | (unsigned)h;
    }
    if (v == 0)
        return -EINVAL;
    *out = (uint16_t)v;
    return 0;
}

static bool serial_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == ':';
}

int vmconf_parse_usb(const char *s, struct vmconf_usb *out)
{
    struct vmconf_usb u;
    if (!s || !out || strlen(s) < 11 || s[4] != ':' || s[9] != ':' || hex16(s, &u.vid) ||
        hex16(s + 5, &u.pid))
        return -EINVAL;
    const char *ser = s + 10;
    size_t n = strlen(ser);
    if (n == 0 || n > VMCONF_USB_SERIAL_MAX)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!serial_char(ser[i]))
            return -EINVAL;
    memcpy(u.serial, ser, n + 1);
    *out = u;
    return 0;
}

const char *vmconf_usb_format(uint16_t vid, uint16_t pid, const char *serial, char *buf,
                              size_t len)
{
    snprintf(buf, len, "%04x:%04x:%s", vid, pid, serial ? serial : "");
    return buf;
}

bool vmconf_valid_virtio_rng(const char *s)
{
    if (!s)
        return false;
    if (strcmp(s, "yes") == 0 || strcmp(s, "no") == 0)
        return true;
    size_t n = strlen(s);
    if (s[0] != '/' || n < 2 || n > VMCONF_SOCKET_MAX || s[n - 1] == '/')
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}
