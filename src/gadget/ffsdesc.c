/* ffsdesc: FunctionFS descriptor and string blobs.  See ffsdesc.h. */
#include "ffsdesc.h"

#include <errno.h>
#include <linux/usb/functionfs.h>
#include <string.h>

#include "fmodel.h"

/* Offsets in fmodel_descriptors(): device (18), configuration (9), then
 * interface (9), endpoint IN (7), endpoint OUT (7). */
#define OFF_INTF (18 + 9)
#define LEN_FUNC (9 + 7 + 7)
#define OFF_IINTERFACE 8
#define OFF_EP1_MAXPKT (9 + 4)
#define OFF_EP2_MAXPKT (9 + 7 + 4)
#define SPEEDS 2

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

int ffsdesc_descriptors(uint8_t *buf, size_t cap, size_t *len)
{
    const uint8_t *desc = fmodel_descriptors(NULL);
    size_t n = 12 + 4 * SPEEDS + SPEEDS * LEN_FUNC;

    if (cap < n)
        return -ENOSPC;
    put_le32(buf, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
    put_le32(buf + 4, (uint32_t)n);
    put_le32(buf + 8, FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC |
                          FUNCTIONFS_ALL_CTRL_RECIP);
    put_le32(buf + 12, 3);               /* full speed: interface + 2 endpoints */
    put_le32(buf + 16, 3);               /* high speed */
    for (unsigned s = 0; s < SPEEDS; s++) {
        uint8_t *f = buf + 20 + s * LEN_FUNC;
        memcpy(f, desc + OFF_INTF, LEN_FUNC);
        f[OFF_IINTERFACE] = 1;           /* the function's own string 1 */
        if (s == 0) {
            put_le16(f + OFF_EP1_MAXPKT, FFSDESC_FS_MAXPACKET);
            put_le16(f + OFF_EP2_MAXPKT, FFSDESC_FS_MAXPACKET);
        }
    }
    *len = n;
    return 0;
}

int ffsdesc_strings(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
    size_t sl = strlen(s), n = 16 + 2 + sl + 1;

    if (sl == 0 || sl > FMODEL_SERIAL_MAX)
        return -EINVAL;
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return -EINVAL;
    if (cap < n)
        return -ENOSPC;
    put_le32(buf, FUNCTIONFS_STRINGS_MAGIC);
    put_le32(buf + 4, (uint32_t)n);
    put_le32(buf + 8, 1);                /* strings per language */
    put_le32(buf + 12, 1);               /* languages */
    put_le16(buf + 16, 0x0409);
    memcpy(buf + 18, s, sl + 1);
    *len = n;
    return 0;
}
