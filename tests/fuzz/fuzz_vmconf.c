/* Fuzz target for vmconf_parse (vm.conf, read and never executed): no crash
 * or leak on any bytes; an error is one printable line "fuzz.conf:LINE: ..."
 * with LINE inside the input and *out untouched; a success satisfies the
 * header's promises (valid and unique serials, distinct ids and libvirt
 * names, lookups consistent) and survives a round trip through a canonical
 * re-rendering. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "vmconf.h"

#define FNAME "fuzz.conf"

/* s in single quotes, each ' as '\'' */
static void put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputs("'\n", f);
}

static void check_domain(const struct vmconf *c, size_t i, unsigned nlines)
{
    const struct vmconf_domain *d = vmconf_domain(c, i);
    FUZZ_CHECK(d != NULL);
    FUZZ_CHECK(d->id && d->id[0]);
    for (const char *p = d->id; *p; p++)
        FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '_');
    FUZZ_CHECK(d->name && d->name[0] && strlen(d->name) <= 255 && !strchr(d->name, '/'));
    for (const char *p = d->name; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
    if (d->uri) {
        FUZZ_CHECK(strchr(d->uri, ':') != NULL);
        for (const char *p = d->uri; *p; p++)
            FUZZ_CHECK((unsigned char)*p > 0x20 && *p != 0x7f);
    }
    FUZZ_CHECK(d->line >= 1 && d->line <= nlines);
    FUZZ_CHECK(!d->rng_socket || (d->virtio_rng && d->rng_socket[0] == '/' &&
                                  vmconf_valid_virtio_rng(d->rng_socket)));
    FUZZ_CHECK(vmconf_find(c, d->id) == d);
    const struct vmconf_domain *byname = vmconf_find(c, d->name);
    FUZZ_CHECK(byname == d || (byname && strcmp(byname->id, d->name) == 0));
    for (size_t j = 0; j < i; j++) {
        const struct vmconf_domain *e = vmconf_domain(c, j);
        FUZZ_CHECK(e->line < d->line); /* order of first mention */
        FUZZ_CHECK(strcmp(e->id, d->id) != 0);
        FUZZ_CHECK(strcmp(e->name, d->name) != 0);
    }
    FUZZ_CHECK(d->nserials == 0 || d->serials != NULL);
    for (size_t k = 0; k < d->nserials; k++) {
        FUZZ_CHECK(vmconf_valid_serial(d->serials[k]));
        FUZZ_CHECK(vmconf_for_serial(c, d->serials[k]) == d); /* in no earlier domain */
        for (size_t l = 0; l < k; l++)
            FUZZ_CHECK(strcmp(d->serials[l], d->serials[k]) != 0);
    }
    FUZZ_CHECK(d->nusb == 0 || d->usb != NULL);
    for (size_t k = 0; k < d->nusb; k++) {
        const struct vmconf_usb *u = &d->usb[k];
        char txt[VMCONF_USB_TEXT_MAX];
        struct vmconf_usb back;
        FUZZ_CHECK(u->vid && u->pid && !(u->vid == 0x0403 && u->pid == 0x7840));
        vmconf_usb_format(u->vid, u->pid, u->serial, txt, sizeof(txt));
        FUZZ_CHECK(vmconf_parse_usb(txt, &back) == 0);
        FUZZ_CHECK(back.vid == u->vid && back.pid == u->pid && !strcmp(back.serial, u->serial));
        FUZZ_CHECK(vmconf_for_usb(c, u->vid, u->pid, u->serial) == d); /* in no earlier domain */
    }
}

/* Render c canonically; parsing that must give the same domains. */
static void round_trip(const struct vmconf *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL);
    fputs("# canonical\n", f);
    for (size_t i = 0; i < vmconf_count(c); i++) {
        const struct vmconf_domain *d = vmconf_domain(c, i);
        fprintf(f, "DOMAIN_RNG_%s=(", d->id);
        for (size_t k = 0; k < d->nserials; k++)
            fprintf(f, "%s%s", k % 4 == 3 ? "\n  " : " ", d->serials[k]);
        fprintf(f, " )\nDOMAIN_USB_%s=(", d->id);
        for (size_t k = 0; k < d->nusb; k++) {
            char txt[VMCONF_USB_TEXT_MAX];
            fprintf(f, " %s", vmconf_usb_format(d->usb[k].vid, d->usb[k].pid, d->usb[k].serial,
                                                txt, sizeof(txt)));
        }
        fprintf(f, " )\nDOMAIN_NAME_%s=", d->id);
        put_quoted(f, d->name);
        if (d->uri) {
            fprintf(f, "DOMAIN_URI_%s=", d->id);
            put_quoted(f, d->uri);
        }
        if (d->virtio_rng) {
            fprintf(f, "DOMAIN_VIRTIO_RNG_%s=", d->id);
            put_quoted(f, d->rng_socket ? d->rng_socket : "yes");
        }
    }
    FUZZ_CHECK(fclose(f) == 0);
    struct vmconf *c2 = NULL;
    char err[512];
    int r = vmconf_parse(text, len, FNAME, &c2, err, sizeof(err));
    if (r != 0)
        fprintf(stderr, "round trip failed: %s\n", err);
    FUZZ_CHECK(r == 0);
    FUZZ_CHECK(vmconf_count(c2) == vmconf_count(c));
    for (size_t i = 0; i < vmconf_count(c); i++) {
        const struct vmconf_domain *a = vmconf_domain(c, i), *b = vmconf_domain(c2, i);
        FUZZ_CHECK(strcmp(a->id, b->id) == 0 && strcmp(a->name, b->name) == 0);
        FUZZ_CHECK((!a->uri && !b->uri) || (a->uri && b->uri && strcmp(a->uri, b->uri) == 0));
        FUZZ_CHECK(a->virtio_rng == b->virtio_rng);
        FUZZ_CHECK((!a->rng_socket && !b->rng_socket) ||
                   (a->rng_socket && b->rng_socket && !strcmp(a->rng_socket, b->rng_socket)));
        FUZZ_CHECK(a->nserials == b->nserials);
        for (size_t k = 0; k < a->nserials; k++)
            FUZZ_CHECK(strcmp(a->serials[k], b->serials[k]) == 0);
        FUZZ_CHECK(a->nusb == b->nusb);
        for (size_t k = 0; k < a->nusb; k++)
            FUZZ_CHECK(a->usb[k].vid == b->usb[k].vid && a->usb[k].pid == b->usb[k].pid &&
                       strcmp(a->usb[k].serial, b->usb[k].serial) == 0);
    }
    vmconf_free(c2);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int sentinel;
    struct vmconf *c = (struct vmconf *)&sentinel;
    const char *buf = (const char *)data;
    char err[512];
    unsigned nlines = 1;

    for (size_t i = 0; i < size; i++)
        nlines += buf[i] == '\n';
    memset(err, 'x', sizeof(err));
    int r = vmconf_parse(buf, size, FNAME, &c, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (r != 0) {
        FUZZ_CHECK(c == (struct vmconf *)&sentinel);
        FUZZ_CHECK(strncmp(err, FNAME ":", strlen(FNAME ":")) == 0);
        for (const char *p = err; *p; p++)
            FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
        if (r == -EINVAL && size <= VMCONF_MAX_FILE) {
            char *end;
            unsigned long line = strtoul(err + strlen(FNAME ":"), &end, 10);
            FUZZ_CHECK(line >= 1 && line <= nlines);
            FUZZ_CHECK(end[0] == ':' && end[1] == ' ' && end[2] != '\0');
        }
        return 0;
    }
    FUZZ_CHECK(err[0] == '\0');
    FUZZ_CHECK(c != NULL && c != (struct vmconf *)&sentinel);
    FUZZ_CHECK(memchr(buf, '\0', size) == NULL);
    size_t n = vmconf_count(c);
    FUZZ_CHECK(vmconf_domain(c, n) == NULL);
    for (size_t i = 0; i < n; i++)
        check_domain(c, i, nlines);
    round_trip(c);
    vmconf_free(c);
    return 0;
}
