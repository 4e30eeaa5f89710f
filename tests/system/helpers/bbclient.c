/* bbclient: minimal libusb client for bbemu's smoke test.  Not part of the
 * product: plain libusb, no project code, so it checks the emulator alone.
 *
 *   bbclient list                 one line per 0403:7840 device, bus order
 *   bbclient read SERIAL N [MASK] init (spec §2.3), then N payload bytes
 *                                 to stdout (MASK: generator enable, hex)
 *   bbclient busy SERIAL          claim twice: prints the second result
 * Exit: 0 ok, 1 usage, 3 USB error (libusb error name on stderr). */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TMO 5000

static libusb_context *ctx;

static int die(const char *what, int rc)
{
    fprintf(stderr, "bbclient: %s: %s\n", what, libusb_error_name(rc));
    return 3;
}

static void strings(libusb_device_handle *h, const struct libusb_device_descriptor *dd,
                    char *ser, char *prod, char *mfg)
{
    ser[0] = prod[0] = mfg[0] = '\0';
    libusb_get_string_descriptor_ascii(h, dd->iSerialNumber, (unsigned char *)ser, 128);
    libusb_get_string_descriptor_ascii(h, dd->iProduct, (unsigned char *)prod, 128);
    libusb_get_string_descriptor_ascii(h, dd->iManufacturer, (unsigned char *)mfg, 128);
}

static int list(void)
{
    libusb_device **l;
    ssize_t n = libusb_get_device_list(ctx, &l);
    for (ssize_t i = 0; i < n; i++) {
        struct libusb_device_descriptor dd;
        libusb_device_handle *h;
        uint8_t ports[8];
        char ser[128], prod[128], mfg[128], path[64] = "";
        libusb_get_device_descriptor(l[i], &dd);
        if (dd.idVendor != 0x0403 || dd.idProduct != 0x7840)
            continue;
        int np = libusb_get_port_numbers(l[i], ports, 8);
        for (int k = 0; k < np; k++)
            snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%u", k ? "." : "",
                     ports[k]);
        int rc = libusb_open(l[i], &h);
        if (rc) {
            printf("%03u:%03u port=%u-%s open=%s\n", libusb_get_bus_number(l[i]),
                   libusb_get_device_address(l[i]), libusb_get_bus_number(l[i]), path,
                   libusb_error_name(rc));
            continue;
        }
        strings(h, &dd, ser, prod, mfg);
        printf("%03u:%03u port=%u-%s serial=%s product=%s mfg=%s\n",
               libusb_get_bus_number(l[i]), libusb_get_device_address(l[i]),
               libusb_get_bus_number(l[i]), path, ser, prod, mfg);
        libusb_close(h);
    }
    libusb_free_device_list(l, 1);
    return 0;
}

static libusb_device_handle *open_serial(const char *want, int *err)
{
    libusb_device **l;
    libusb_device_handle *found = NULL;
    ssize_t n = libusb_get_device_list(ctx, &l);
    *err = LIBUSB_ERROR_NOT_FOUND;
    for (ssize_t i = 0; i < n && !found; i++) {
        struct libusb_device_descriptor dd;
        libusb_device_handle *h;
        char ser[128], prod[128], mfg[128];
        libusb_get_device_descriptor(l[i], &dd);
        if (dd.idVendor != 0x0403 || dd.idProduct != 0x7840)
            continue;
        int rc = libusb_open(l[i], &h);
        if (rc) {
            *err = rc;
            continue;
        }
        strings(h, &dd, ser, prod, mfg);
        if (strcmp(ser, want) == 0)
            found = h;
        else
            libusb_close(h);
    }
    libusb_free_device_list(l, 1);
    return found;
}

static int ctrl(libusb_device_handle *h, uint8_t req, uint16_t val, uint16_t idx)
{
    return libusb_control_transfer(h, 0x40, req, val, idx, NULL, 0, TMO);
}

/* Read exactly len payload bytes (status pairs stripped and checked). */
static int collect(libusb_device_handle *h, unsigned char *out, int len)
{
    static unsigned char buf[65536];
    int got = 0, empty = 0;
    while (got < len) {
        int x = 0, rc = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &x, TMO);
        if (rc)
            return rc;
        if (x <= 2 && ++empty > 50)
            return LIBUSB_ERROR_TIMEOUT;
        for (int off = 0; off < x; off += 512) {
            int pkt = x - off < 512 ? x - off : 512;
            if (pkt < 2 || buf[off] != 0x32 || buf[off + 1] != 0x60) {
                fprintf(stderr, "bbclient: bad status %02x %02x\n", buf[off],
                        pkt > 1 ? buf[off + 1] : 0);
                return LIBUSB_ERROR_IO;
            }
            int d = pkt - 2;
            if (got + d > len) {
                fprintf(stderr, "bbclient: excess data\n");
                return LIBUSB_ERROR_OVERFLOW;
            }
            memcpy(out + got, buf + off + 2, (size_t)d);
            got += d;
        }
    }
    return 0;
}

static int do_read(const char *serial, long total, unsigned mask)
{
    unsigned char sync[2] = { 0xaa, 0x87 }, buf[512], *data;
    unsigned char setup[13] = { 0x8a, 0x97, 0x8d, 0x80, 0x00, 0x0b, 0x82, 0x00, 0x00,
                                0x86, 0x0b, 0x00, 0x85 };
    int err, x, rc;
    libusb_device_handle *h = open_serial(serial, &err);

    if (!h)
        return die("open", err);
    if ((rc = libusb_claim_interface(h, 0)))
        return die("claim", rc);
    if ((rc = ctrl(h, 0x00, 0, 1)) || (rc = ctrl(h, 0x09, 3, 1)) ||
        (rc = ctrl(h, 0x0b, 0x0000, 1)) || (rc = ctrl(h, 0x0b, 0x0200, 1)))
        return die("control", rc);
    if ((rc = libusb_bulk_transfer(h, 0x02, sync, 2, &x, TMO)))
        return die("sync write", rc);
    for (int i = 0;; i++) {
        if ((rc = libusb_bulk_transfer(h, 0x81, buf, sizeof(buf), &x, TMO)))
            return die("sync read", rc);
        if (x == 4 && buf[2] == 0xfa && buf[3] == 0xaa)
            break;
        if (i == 10) {
            fprintf(stderr, "bbclient: sync failed\n");
            return 3;
        }
    }
    setup[5] = (unsigned char)(0x0b | ((~mask << 4) & 0xf0));
    if ((rc = libusb_bulk_transfer(h, 0x02, setup, sizeof(setup), &x, TMO)))
        return die("setup", rc);
    data = malloc(65536);
    for (long done = 0; done < total;) {
        int chunk = total - done > 65536 ? 65536 : (int)(total - done);
        unsigned char cmd[4] = { 0x20, (unsigned char)((chunk - 1) & 0xff),
                                 (unsigned char)((chunk - 1) >> 8), 0x87 };
        if ((rc = libusb_bulk_transfer(h, 0x02, cmd, 4, &x, TMO)) || (rc = collect(h, data, chunk)))
            return die("read", rc);
        fwrite(data, 1, (size_t)chunk, stdout);
        done += chunk;
    }
    free(data);
    libusb_release_interface(h, 0);
    libusb_close(h);
    return 0;
}

static int busy(const char *serial)
{
    int err, rc;
    libusb_device_handle *a = open_serial(serial, &err), *b;
    if (!a)
        return die("open", err);
    b = open_serial(serial, &err);
    if (!b)
        return die("open", err);
    rc = libusb_claim_interface(a, 0);
    printf("first=%s ", libusb_error_name(rc));
    rc = libusb_claim_interface(b, 0);
    printf("second=%s\n", libusb_error_name(rc));
    libusb_close(b);
    libusb_close(a);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = libusb_init(&ctx);
    if (rc)
        return die("init", rc);
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        rc = list();
    else if ((argc == 4 || argc == 5) && strcmp(argv[1], "read") == 0)
        rc = do_read(argv[2], atol(argv[3]), argc == 5 ? (unsigned)strtoul(argv[4], NULL, 16)
                                                        : 0x0f);
    else if (argc == 3 && strcmp(argv[1], "busy") == 0)
        rc = busy(argv[2]);
    else {
        fprintf(stderr, "usage: bbclient list | read SERIAL N [MASK] | busy SERIAL\n");
        rc = 1;
    }
    libusb_exit(ctx);
    return rc;
}
