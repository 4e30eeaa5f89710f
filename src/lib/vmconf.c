/* vmconf: /etc/bit-babbler/vm.conf, read (never executed).  See vmconf.h.
 *
 * Only what bash would take as plain assignments of literal text is
 * accepted, so what we accept means the same to upstream's bbvirt, which
 * sources the file.  Choices beyond the header:
 *  - CR outside comments is an error (bash keeps it in the value, so a DOS
 *    file never matched upstream either); so is a UTF-8 BOM.
 *  - DOMAIN_RNG_x= is an empty array (DOMAIN_RNG_x="" an invalid serial '').
 *    DOMAIN_RNG_x=... after any DOMAIN_RNG_x, DOMAIN_RNG_x+=SERIAL (bash
 *    appends to the first serial's text), '+=' and arrays for NAME/URI are
 *    errors; the same for DOMAIN_USB_x.  Unquoted '~' is an error at a
 *    word's start and after ':'.
 *  - Caps: VMCONF_MAX_DOMAINS, VMCONF_MAX_SERIALS (in all), values of
 *    VMCONF_MAX_WORD bytes, <id>s of VMCONF_MAX_NAME (the default name).
 *    File text in messages is quoted with bytes other than printable ASCII
 *    as \xNN, cut after SHOW_MAX bytes. */
#include "vmconf.h"
#include "vmconf_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VMCONF_MAX_DOMAINS 1024
#define VMCONF_MAX_SERIALS 4096
#define VMCONF_MAX_NAME 255
#define SERIAL_MIN 4
#define SERIAL_MAX 127
#define BB_VID 0x0403 /* BitBabbler: DOMAIN_USB_ entries become serials */
#define BB_PID 0x7840

/* The settings, in the order of their prefixes in statement(). */
enum kind { K_RNG, K_NAME, K_URI, K_USB, K_VRNG, K_N };

struct dom {
    struct vmconf_domain pub; /* filled in when parsing is done */
    char *id;
    char *name;               /* DOMAIN_NAME_<id>, or NULL for the id */
    char *uri;
    char *vrng;               /* DOMAIN_VIRTIO_RNG_<id> as given */
    char **serials;
    unsigned *serial_lines;
    size_t nserials, cap;
    struct vmconf_usb *usb;   /* DOMAIN_USB_<id>, less BitBabblers */
    unsigned *usb_lines;
    size_t nusb, usbcap;
    unsigned line;
    unsigned set_line[K_N];   /* line each setting was first given; 0: not set */
};

struct vmconf {
    struct dom *doms;
    size_t n, cap;
    size_t nserials;          /* over all domains, DOMAIN_USB_ entries too */
};

/* The domain listing serial s (as its *k-th), or NULL. */
static struct dom *find_serial(const struct vmconf *c, const char *s, size_t *k)
{
    for (size_t i = 0; i < c->n; i++)
        for (*k = 0; *k < c->doms[i].nserials; ++*k)
            if (strcmp(c->doms[i].serials[*k], s) == 0)
                return &c->doms[i];
    return NULL;
}

/* The domain listing USB device u (as its *k-th), or NULL. */
static struct dom *find_usb(const struct vmconf *c, const struct vmconf_usb *u, size_t *k)
{
    for (size_t i = 0; i < c->n; i++)
        for (*k = 0; *k < c->doms[i].nusb; ++*k) {
            const struct vmconf_usb *v = &c->doms[i].usb[*k];
            if (v->vid == u->vid && v->pid == u->pid && strcmp(v->serial, u->serial) == 0)
                return &c->doms[i];
        }
    return NULL;
}

bool vmconf_valid_serial(const char *s)
{
    if (!s)
        return false;
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= SERIAL_MAX || !is_alnum(s[n]))
            return false;
    return n >= SERIAL_MIN;
}

static struct dom *get_dom(struct parser *p, const char *id, size_t idlen, int *r)
{
    struct vmconf *c = p->c;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->doms[i].id) == idlen && memcmp(c->doms[i].id, id, idlen) == 0)
            return &c->doms[i];
    if (c->n >= VMCONF_MAX_DOMAINS) {
        *r = vml_perr(p, p->line, "more than %d domains", VMCONF_MAX_DOMAINS);
        return NULL;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct dom *d = realloc(c->doms, cap * sizeof(*d));
        if (!d)
            goto nomem;
        c->doms = d;
        c->cap = cap;
    }
    struct dom *d = &c->doms[c->n];
    memset(d, 0, sizeof(*d));
    if (!(d->id = strndup(id, idlen)))
        goto nomem;
    d->line = p->line;
    c->n++;
    return d;
nomem:
    *r = vml_oom(p);
    return NULL;
}

/* Room for one more in an array of n of size sz (and its lines). */
static int grow(void **v, unsigned **lines, size_t n, size_t *cap, size_t sz)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 4;
    void *nv = realloc(*v, nc * sz);
    if (!nv)
        return -ENOMEM;
    *v = nv;
    unsigned *nl = realloc(*lines, nc * sizeof(*nl));
    if (!nl)
        return -ENOMEM;
    *lines = nl;
    *cap = nc;
    return 0;
}

static int add_serial(struct parser *p, struct dom *d)
{
    struct vmconf *c = p->c;
    char sh[SHOWBUF], a[SHOWBUF], b[SHOWBUF];
    const char *w = p->word;

    vml_show(sh, w, p->wlen);
    if (!vmconf_valid_serial(w))
        return vml_perr(p, p->wline, "'%s' is not a valid serial (%d to %d letters and digits)", sh,
                    SERIAL_MIN, SERIAL_MAX);
    size_t k;
    const struct dom *o = find_serial(c, w, &k);
    if (o) {
        vml_show(a, o->id, strlen(o->id));
        if (o == d)
            return vml_perr(p, p->wline, "serial '%s' is listed twice for domain '%s' (first on "
                        "line %u)", sh, a, o->serial_lines[k]);
        vml_show(b, d->id, strlen(d->id));
        return vml_perr(p, p->wline, "serial '%s' is assigned to both domain '%s' (line %u) and "
                    "domain '%s'", sh, a, o->serial_lines[k], b);
    }
    if (c->nserials >= VMCONF_MAX_SERIALS)
        return vml_perr(p, p->wline, "more than %d serials", VMCONF_MAX_SERIALS);
    if (grow((void **)&d->serials, &d->serial_lines, d->nserials, &d->cap,
             sizeof(*d->serials)) < 0)
        return vml_oom(p);
    if (!(d->serials[d->nserials] = strdup(w)))
        return vml_oom(p);
    d->serial_lines[d->nserials++] = p->wline;
    c->nserials++;
    return 0;
}

/* A DOMAIN_USB_ word: VID:PID:SERIAL; a BitBabbler's becomes a serial. */
static int add_usb(struct parser *p, struct dom *d)
{
    struct vmconf *c = p->c;
    struct vmconf_usb u;
    char sh[SHOWBUF], a[SHOWBUF], b[SHOWBUF];

    vml_show(sh, p->word, p->wlen);
    if (p->wlen != strlen(p->word) || vmconf_parse_usb(p->word, &u) < 0)
        return vml_perr(p, p->wline, "'%s' is not a valid VID:PID:SERIAL (VID and PID 4 hex "
                    "digits, not 0000; SERIAL 1 to %d letters, digits, '.', '_', '-', ':')",
                    sh, VMCONF_USB_SERIAL_MAX);
    if (u.vid == BB_VID && u.pid == BB_PID) {
        size_t n = strlen(u.serial);
        memmove(p->word, u.serial, n + 1);
        p->wlen = n;
        return add_serial(p, d);
    }
    size_t k;
    const struct dom *o = find_usb(c, &u, &k);
    if (o) {
        vml_show(a, o->id, strlen(o->id));
        if (o == d)
            return vml_perr(p, p->wline, "device '%s' is listed twice for domain '%s' (first on "
                        "line %u)", sh, a, o->usb_lines[k]);
        vml_show(b, d->id, strlen(d->id));
        return vml_perr(p, p->wline, "device '%s' is assigned to both domain '%s' (line %u) and "
                    "domain '%s'", sh, a, o->usb_lines[k], b);
    }
    if (c->nserials >= VMCONF_MAX_SERIALS)
        return vml_perr(p, p->wline, "more than %d serials", VMCONF_MAX_SERIALS);
    if (grow((void **)&d->usb, &d->usb_lines, d->nusb, &d->usbcap, sizeof(u)) < 0)
        return vml_oom(p);
    d->usb[d->nusb] = u;
    d->usb_lines[d->nusb++] = p->wline;
    c->nserials++;
    return 0;
}

static int add_entry(struct parser *p, struct dom *d, enum kind kind)
{
    return kind == K_USB ? add_usb(p, d) : add_serial(p, d);
}

static int parse_array(struct parser *p, struct dom *d, enum kind kind)
{
    unsigned open = p->line;
    bool present;
    int r;

    for (p->pos++;;) {
        vml_skip_blanks(p, true);
        if (p->pos >= p->len)
            return vml_perr(p, open, "unterminated array: the ( on this line has no )");
        char c = p->buf[p->pos];
        if (c == ')')
            break;
        if (c == '#') {
            vml_skip_comment(p);
            continue;
        }
        if ((r = vml_parse_word(p, true, &present)) < 0)
            return r;
        if (present && (r = add_entry(p, d, kind)) < 0)
            return r;
    }
    p->pos++;
    if (p->pos < p->len && !is_blank(p->buf[p->pos]) && p->buf[p->pos] != '\n')
        return vml_trailing_error(p);
    return 0;
}

/* DOMAIN_NAME_ / DOMAIN_URI_ value in p->word (non-empty). */
static int check_value(struct parser *p, enum kind kind, const char *nm)
{
    char sh[SHOWBUF];
    vml_show(sh, p->word, p->wlen);
    if (kind == K_NAME && p->wlen > VMCONF_MAX_NAME)
        return vml_perr(p, p->wline, "%s: libvirt name longer than %d bytes", nm, VMCONF_MAX_NAME);
    for (size_t i = 0; i < p->wlen; i++) {
        unsigned char c = (unsigned char)p->word[i];
        if (kind == K_NAME && (c < 0x20 || c == 0x7f))
            return vml_perr(p, p->wline, "%s: control character in '%s'", nm, sh);
        if (kind == K_NAME && c == '/')
            return vml_perr(p, p->wline, "%s: '/' is not allowed in a libvirt name ('%s')", nm, sh);
        if (kind == K_URI && (c <= 0x20 || c == 0x7f))
            return vml_perr(p, p->wline, "%s: whitespace or control character in URI '%s'", nm, sh);
    }
    if (kind == K_URI && !strchr(p->word, ':'))
        return vml_perr(p, p->wline, "%s: '%s' is not a libvirt URI (no ':')", nm, sh);
    if (kind == K_VRNG && !vmconf_valid_virtio_rng(p->word))
        return vml_perr(p, p->wline, "%s: '%s' is not yes, no or an absolute socket path (at most "
                    "%d bytes, no blanks)", nm, sh, VMCONF_SOCKET_MAX);
    return 0;
}

static int statement(struct parser *p)
{
    static const char *const prefix[K_N] = { "DOMAIN_RNG_", "DOMAIN_NAME_", "DOMAIN_URI_",
                                             "DOMAIN_USB_", "DOMAIN_VIRTIO_RNG_" };
    const char *b = p->buf;
    size_t s = p->pos, e = s, plen = 0;
    enum kind kind;
    unsigned line = p->line;
    bool add, present;
    char nm[SHOWBUF], ids[SHOWBUF];
    int r = 0;

    while (e < p->len && is_ident(b[e]))
        e++;
    if (e == s || (b[s] >= '0' && b[s] <= '9'))
        return vml_not_assignment(p);
    if (vml_at(p, e) == '=')
        add = false;
    else if (vml_at(p, e) == '+' && vml_at(p, e + 1) == '=')
        add = true;
    else
        return vml_not_assignment(p);
    vml_show(nm, b + s, e - s);
    for (kind = 0; kind < K_N; kind++) {
        plen = strlen(prefix[kind]);
        if (e - s > plen && memcmp(b + s, prefix[kind], plen) == 0)
            break;
    }
    if (kind == K_N)
        return vml_perr(p, line, "unknown setting '%s' (only DOMAIN_RNG_<id>, DOMAIN_USB_<id>, "
                    "DOMAIN_NAME_<id>, DOMAIN_URI_<id> and DOMAIN_VIRTIO_RNG_<id> are allowed)",
                    nm);
    if (e - s - plen > VMCONF_MAX_NAME) /* the id is the default libvirt name */
        return vml_perr(p, line, "%s: <id> longer than %d bytes", nm, VMCONF_MAX_NAME);
    vml_show(ids, b + s + plen, e - s - plen);
    p->pos = e + (add ? 2 : 1);

    struct dom *d = get_dom(p, b + s + plen, e - s - plen, &r);
    if (!d)
        return r;
    bool array = kind == K_RNG || kind == K_USB;
    if (add && !array)
        return vml_perr(p, line, "'+=' is only for DOMAIN_RNG_<id> and DOMAIN_USB_<id> arrays: %s "
                    "is a single value", nm);
    unsigned prev = d->set_line[kind];
    if (prev && !array)
        return vml_perr(p, line, "%s is already set on line %u", nm, prev);
    if (prev && !add)
        return vml_perr(p, line, "%s is already set on line %u (use %.11s%s+=( ... ) to add "
                    "devices)", nm, prev, prefix[kind], ids);
    if (!prev)
        d->set_line[kind] = line;

    if (vml_at(p, p->pos) == '(') {
        if (!array)
            return vml_perr(p, line, "%s must be a single value, not an array", nm);
        if ((r = parse_array(p, d, kind)) < 0)
            return r;
        return vml_rest_of_line(p);
    }
    if (add)
        return vml_perr(p, line, "'%s+=%s' would append to the text of the first entry; use "
                    "%s+=( %s )", nm, kind == K_USB ? "VID:PID:SERIAL" : "SERIAL", nm,
                    kind == K_USB ? "VID:PID:SERIAL" : "SERIAL");
    if ((r = vml_parse_word(p, false, &present)) < 0)
        return r;
    if (array) {
        if (present && (r = add_entry(p, d, kind)) < 0)
            return r;
        return vml_rest_of_line(p);
    }
    if (p->wlen == 0)
        return vml_perr(p, line, "%s: empty value", nm);
    if ((r = check_value(p, kind, nm)) < 0)
        return r;
    char **dst = kind == K_NAME ? &d->name : kind == K_URI ? &d->uri : &d->vrng;
    if (!(*dst = strdup(p->word)))
        return vml_oom(p);
    return vml_rest_of_line(p);
}

static int parse_all(struct parser *p)
{
    int r;
    for (;;) {
        vml_skip_blanks(p, true);
        if (p->pos >= p->len)
            return 0;
        if (p->buf[p->pos] == '#')
            vml_skip_comment(p);
        else if ((r = statement(p)) < 0)
            return r;
    }
}

/* Where a domain's libvirt name was set: its DOMAIN_NAME_, else the id. */
static unsigned name_line(const struct dom *d)
{
    return d->set_line[K_NAME] ? d->set_line[K_NAME] : d->line;
}

/* Libvirt names must be distinct; fill in the public views. */
static int finish(struct parser *p)
{
    struct vmconf *c = p->c;
    for (size_t j = 0; j < c->n; j++) {
        struct dom *d = &c->doms[j];
        d->pub.id = d->id;
        d->pub.name = d->name ? d->name : d->id;
        d->pub.uri = d->uri;
        d->pub.virtio_rng = d->vrng && strcmp(d->vrng, "no") != 0;
        d->pub.rng_socket = d->vrng && d->vrng[0] == '/' ? d->vrng : NULL;
        d->pub.serials = (const char *const *)d->serials;
        d->pub.nserials = d->nserials;
        d->pub.usb = d->usb;
        d->pub.nusb = d->nusb;
        d->pub.line = d->line;
        for (size_t i = 0; i < j; i++) {
            struct dom *first = &c->doms[i], *later = d;
            if (strcmp(first->pub.name, d->pub.name) != 0)
                continue;
            if (name_line(first) > name_line(later)) {
                later = first;
                first = d;
            }
            char n[SHOWBUF], a[SHOWBUF], b[SHOWBUF];
            vml_show(n, d->pub.name, strlen(d->pub.name));
            vml_show(a, later->id, strlen(later->id));
            vml_show(b, first->id, strlen(first->id));
            return vml_perr(p, name_line(later), "libvirt name '%s' of domain '%s' is already used "
                        "by domain '%s' (line %u)", n, a, b, name_line(first));
        }
    }
    return 0;
}

int vmconf_parse(const char *buf, size_t len, const char *fname, struct vmconf **out,
                 char *err, size_t errlen)
{
    struct parser *p = NULL;
    int r;

    if (err && errlen > 0)
        err[0] = '\0';
    if (!fname)
        fname = "vm.conf";
    if (!out || (!buf && len))
        return vml_fail(-EINVAL, err, errlen, "%s: invalid arguments", fname);
    if (len > VMCONF_MAX_FILE)
        return vml_fail(-EINVAL, err, errlen, "%s: larger than %d bytes", fname, VMCONF_MAX_FILE);
    if (!(p = calloc(1, sizeof(*p))) || vmconf_new_empty(&p->c) < 0) {
        r = vml_fail(-ENOMEM, err, errlen, "%s: out of memory", fname);
        goto out;
    }
    p->buf = buf;
    p->len = len;
    p->line = 1;
    p->fname = fname;
    p->err = err;
    p->errlen = errlen;

    const char *nul = len ? memchr(buf, '\0', len) : NULL;
    if (nul) {
        for (const char *q = buf; q < nul; q++)
            p->line += *q == '\n';
        r = vml_perr(p, p->line, "NUL byte (is this a text file?)");
        goto out;
    }
    if ((r = parse_all(p)) < 0 || (r = finish(p)) < 0)
        goto out;
    *out = p->c;
    p->c = NULL;
out:
    if (p)
        vmconf_free(p->c);
    free(p);
    return r;
}

int vmconf_new_empty(struct vmconf **out)
{
    if (!out)
        return -EINVAL;
    struct vmconf *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    *out = c;
    return 0;
}

void vmconf_free(struct vmconf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        struct dom *d = &c->doms[i];
        for (size_t k = 0; k < d->nserials; k++)
            free(d->serials[k]);
        free(d->serials);
        free(d->serial_lines);
        free(d->usb);
        free(d->usb_lines);
        free(d->id);
        free(d->name);
        free(d->uri);
        free(d->vrng);
    }
    free(c->doms);
    free(c);
}

size_t vmconf_count(const struct vmconf *c)
{
    return c ? c->n : 0;
}

const struct vmconf_domain *vmconf_domain(const struct vmconf *c, size_t i)
{
    return c && i < c->n ? &c->doms[i].pub : NULL;
}

const struct vmconf_domain *vmconf_find(const struct vmconf *c, const char *id_or_name)
{
    if (!c || !id_or_name)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->doms[i].id, id_or_name) == 0)
            return &c->doms[i].pub;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->doms[i].pub.name, id_or_name) == 0)
            return &c->doms[i].pub;
    return NULL;
}

const struct vmconf_domain *vmconf_for_serial(const struct vmconf *c, const char *serial)
{
    size_t k;
    const struct dom *d = c && serial ? find_serial(c, serial, &k) : NULL;
    return d ? &d->pub : NULL;
}

const struct vmconf_domain *vmconf_for_usb(const struct vmconf *c, uint16_t vid, uint16_t pid,
                                           const char *serial)
{
    if (vid == BB_VID && pid == BB_PID)
        return vmconf_for_serial(c, serial);
    struct vmconf_usb u = { .vid = vid, .pid = pid };
    if (!c || !serial || strlen(serial) > VMCONF_USB_SERIAL_MAX)
        return NULL;
    strcpy(u.serial, serial);
    size_t k;
    const struct dom *d = find_usb(c, &u, &k);
    return d ? &d->pub : NULL;
}
