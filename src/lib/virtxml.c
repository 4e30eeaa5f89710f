/* virtxml: libvirt XML and configuration snippets for bbvirt, and the USB
 * parts of libvirt domain XML (spec §10, seed-virtual-machines.txt).
 *
 * Reading is done with libxml2, hardened for untrusted input:
 *   - at most VIRTXML_MAX_INPUT bytes and no NUL byte (else -EINVAL);
 *   - no network (XML_PARSE_NONET), no DTD loading, entities never
 *     substituted (no XML_PARSE_NOENT), default size limits (no
 *     XML_PARSE_HUGE);
 *   - a document with a <!DOCTYPE> is refused outright (-EINVAL): the
 *     parser is stopped before the internal subset is read, so entity
 *     declarations (billion laughs, external entities) are never parsed.
 *     libvirt never writes a DOCTYPE;
 *   - libxml2 never prints: its error callbacks are silenced for the
 *     duration of the parse (per-thread handlers, restored afterwards).
 *
 * Numbers in attributes and in usb-host options are read the way libvirt
 * and QEMU read them (strtoul base 0): decimal, 0x hex, or octal with a
 * leading 0 ("010" is 8).  No sign or white space.
 */
#include "virtxml.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "num.h"
#include "virtxml_int.h"

/* ---- parsing ---- */

#if LIBXML_VERSION >= 21200
typedef const xmlError *virtxml_err_t;
#else
typedef xmlErrorPtr virtxml_err_t;
#endif

static void quiet_structured(void *ctx, virtxml_err_t err)
{
    (void)ctx;
    (void)err;
}

static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

struct parse_state {
    bool doctype;
};

/* SAX internalSubset: called at <!DOCTYPE, before any declaration in it is
 * read.  Stops the parser there. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name;
    (void)ext;
    (void)sys;
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    st->doctype = true;
    xmlStopParser(ctxt);
}

static bool is_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           xmlStrEqual(n->name, (const xmlChar *)name);
}

static bool is_qemu_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           xmlStrEqual(n->ns->href, (const xmlChar *)QEMU_NS) &&
           xmlStrEqual(n->name, (const xmlChar *)name);
}

/* An unqualified attribute's value without copying; NULL if absent (or not
 * plain text, which needs entity references and so a DTD). */
static const char *attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (a->ns != NULL || !xmlStrEqual(a->name, (const xmlChar *)name))
            continue;
        const xmlNode *t = a->children;
        if (!t)
            return "";
        if (t->type != XML_TEXT_NODE || t->next != NULL || !t->content)
            return NULL;
        return (const char *)t->content;
    }
    return NULL;
}

/* A number as libvirt and QEMU read it (strtoul base 0), strictly: the
 * whole string, no sign or space, at most max. */
static bool parse_num(const char *s, unsigned long max, unsigned *out)
{
    uint64_t v;
    if (num_parse_u64(s, 0, &v) < 0 || v > max)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool attr_is(const xmlNode *n, const char *name, const char *want)
{
    const char *v = attr(n, name);
    return v && strcmp(v, want) == 0;
}

/* Parses a whole document whose root is an unqualified <domain>. */
int virtxml_parse_domain(const char *xml, size_t len, xmlDocPtr *out)
{
    *out = NULL;
    if (!xml || len == 0 || len > VIRTXML_MAX_INPUT)
        return -EINVAL;
    /* libxml2 would stop at a NUL and ignore the rest; XML has no NULs. */
    if (memchr(xml, '\0', len))
        return -EINVAL;

    xmlInitParser();
    xmlStructuredErrorFunc old_s = xmlStructuredError;
    void *old_sctx = xmlStructuredErrorContext;
    xmlGenericErrorFunc old_g = xmlGenericError;
    void *old_gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(NULL, quiet_structured);
    xmlSetGenericErrorFunc(NULL, quiet_generic);

    int rc = -ENOMEM;
    xmlDocPtr doc = NULL;
    struct parse_state st = { .doctype = false };
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
    if (!ctxt)
        goto out;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    ctxt->_private = &st;
    ctxt->sax->serror = quiet_structured;
    ctxt->sax->internalSubset = refuse_doctype;
    xmlParseDocument(ctxt);
    doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    if (ctxt->errNo == XML_ERR_NO_MEMORY)
        goto out;
    rc = -EINVAL;
    if (!doc || !ctxt->wellFormed || st.doctype || doc->intSubset || doc->extSubset)
        goto out;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || !is_el(root, "domain"))
        goto out;
    *out = doc;
    doc = NULL;
    rc = 0;
out:
    if (doc)
        xmlFreeDoc(doc);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    xmlSetStructuredErrorFunc(old_sctx, old_s);
    xmlSetGenericErrorFunc(old_gctx, old_g);
    return rc;
}

struct usbvec {
    struct virtxml_usb *v;
    size_t n, cap;
};

static int usbvec_push(struct usbvec *vec, const struct virtxml_usb *u)
{
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? vec->cap * 2 : 8;
        struct virtxml_usb *p = realloc(vec->v, cap * sizeof(*p));
        if (!p)
            return -ENOMEM;
        vec->v = p;
        vec->cap = cap;
    }
    vec->v[vec->n++] = *u;
    return 0;
}

static const xmlNode *first_child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n->children; c; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* <hostdev mode='subsystem' type='usb'>: by <address bus device> if it has
 * a usable one (live XML of a vendor/product hostdev has both; libvirt then
 * means the device at that address), else by <vendor>/<product>. */
static int read_hostdev(const xmlNode *h, struct usbvec *vec)
{
    const char *mode = attr(h, "mode");
    if (!attr_is(h, "type", "usb") || (mode && strcmp(mode, "subsystem") != 0))
        return 0;
    const xmlNode *src = first_child(h, "source");
    if (!src)
        return 0;
    const xmlNode *addr = first_child(src, "address");
    const xmlNode *ven = first_child(src, "vendor");
    const xmlNode *prod = first_child(src, "product");

    struct virtxml_usb u;
    memset(&u, 0, sizeof(u));
    unsigned a, b;
    if (addr && parse_num(attr(addr, "bus"), USB_BUS_MAX, &a) && a > 0 &&
        parse_num(attr(addr, "device"), USB_DEV_MAX, &b) && b > 0) {
        u.kind = VIRTXML_USB_ADDR;
        u.bus = a;
        u.dev = b;
        return usbvec_push(vec, &u);
    }
    if (ven && prod && parse_num(attr(ven, "id"), USB_ID_MAX, &a) && a > 0 &&
        parse_num(attr(prod, "id"), USB_ID_MAX, &b)) {
        u.kind = VIRTXML_USB_VIDPID;
        u.vid = a;
        u.pid = b;
        return usbvec_push(vec, &u);
    }
    return 0;
}

struct optval {
    bool set, bad;
    char v[40];
};

/* One QemuOpts value up to an unescaped ',' (",," is a literal comma).
 * Returns the position after the separator. */
static const char *opt_value(const char *p, struct optval *o)
{
    size_t n = 0;
    o->set = true;
    o->bad = false;
    for (; *p; p++) {
        if (*p == ',') {
            if (p[1] != ',') {
                p++;
                break;
            }
            p++;
        }
        if (n + 1 < sizeof(o->v))
            o->v[n++] = *p;
        else
            o->bad = true;
    }
    o->v[n] = '\0';
    return p;
}

enum { OPT_DRIVER, OPT_HOSTBUS, OPT_HOSTADDR, OPT_HOSTPORT, OPT_VENDORID, OPT_PRODUCTID, OPT_N };

static const char *const opt_names[OPT_N] = {
    "driver", "hostbus", "hostaddr", "hostport", "vendorid", "productid",
};

/* A filter value: 0 (QEMU's "any") when not given; false if unusable. */
static bool opt_num(const struct optval *o, unsigned long max, unsigned *out)
{
    *out = 0;
    if (!o->set)
        return true;
    return !o->bad && parse_num(o->v, max, out);
}

/* The legacy (QemuOpts) form of a -device argument: "usb-host,key=value,...". */
static void read_opts_legacy(const char *arg, struct optval *opt)
{
    struct optval scratch;
    bool first = true;
    for (const char *p = arg; *p;) {
        size_t klen = strcspn(p, "=,");
        if (p[klen] != '=') {
            if (first) {
                p = opt_value(p, &opt[OPT_DRIVER]);
            } else {
                p += klen; /* a flag ("foo" = "foo=on"): not a filter */
                if (*p == ',')
                    p++;
            }
            first = false;
            continue;
        }
        first = false;
        struct optval *o = &scratch;
        for (int i = 0; i < OPT_N; i++)
            if (strlen(opt_names[i]) == klen && strncmp(p, opt_names[i], klen) == 0)
                o = &opt[i];
        p = opt_value(p + klen + 1, o); /* the last of a repeated key wins */
    }
}

/* The JSON form QEMU also takes, and libvirt 7+ uses for its own devices:
 * {"driver":"usb-host","hostbus":5,"hostport":"2.3"}.  Strings and
 * integers are accepted for every key, as QEMU's visitor does. */
static void read_opts_json(const char *arg, struct optval *opt)
{
    json_object *o = json_tokener_parse(arg);
    if (!o || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return;
    }
    for (int i = 0; i < OPT_N; i++) {
        json_object *v;
        if (!json_object_object_get_ex(o, opt_names[i], &v))
            continue;
        struct optval *ov = &opt[i];
        ov->set = true;
        if (json_object_is_type(v, json_type_string)) {
            const char *str = json_object_get_string(v);
            if ((size_t)json_object_get_string_len(v) != strlen(str) ||
                strlen(str) >= sizeof(ov->v))
                ov->bad = true;
            else
                strcpy(ov->v, str);
        } else if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0) {
            snprintf(ov->v, sizeof(ov->v), "%lld", (long long)json_object_get_int64(v));
        } else {
            ov->bad = true;
        }
    }
    json_object_put(o);
}

/* The argument of one -device, in either form.  QEMU's usb-host matches on
 * every filter given (0 = any); all of them are kept, and the kind says
 * which pair selects the device: hostbus+hostport, else hostbus+hostaddr,
 * else vendorid+productid.  A value that QEMU would reject or that can
 * never match makes the entry malformed (skipped). */
static int read_usb_host(const char *arg, struct usbvec *vec)
{
    struct optval opt[OPT_N];
    memset(opt, 0, sizeof(opt));
    if (arg[0] == '{')
        read_opts_json(arg, opt);
    else
        read_opts_legacy(arg, opt);
    if (!opt[OPT_DRIVER].set || opt[OPT_DRIVER].bad || strcmp(opt[OPT_DRIVER].v, "usb-host") != 0)
        return 0;

    struct virtxml_usb u;
    memset(&u, 0, sizeof(u));
    if (!opt_num(&opt[OPT_HOSTBUS], USB_BUS_MAX, &u.bus) ||
        !opt_num(&opt[OPT_HOSTADDR], USB_DEV_MAX, &u.dev) ||
        !opt_num(&opt[OPT_VENDORID], USB_ID_MAX, &u.vid) ||
        !opt_num(&opt[OPT_PRODUCTID], USB_ID_MAX, &u.pid))
        return 0;
    if (opt[OPT_HOSTPORT].set) {
        if (opt[OPT_HOSTPORT].bad ||
            !virtxml_valid_port_path(opt[OPT_HOSTPORT].v, sizeof(u.port)))
            return 0;
        memcpy(u.port, opt[OPT_HOSTPORT].v, strlen(opt[OPT_HOSTPORT].v) + 1);
    }
    if (u.bus && u.port[0])
        u.kind = VIRTXML_USB_QEMU_PORT;
    else if (u.bus && u.dev)
        u.kind = VIRTXML_USB_QEMU_ADDR;
    else if (u.vid && u.pid)
        u.kind = VIRTXML_USB_QEMU_VIDPID;
    else
        return 0;
    return usbvec_push(vec, &u);
}

/* <qemu:commandline>: each "-device" (or "--device") arg takes the next
 * <qemu:arg> as its value, as QEMU reads its argv. */
static int read_cmdline(const xmlNode *cl, struct usbvec *vec)
{
    bool want = false;
    for (const xmlNode *c = cl->children; c; c = c->next) {
        if (!is_qemu_el(c, "arg"))
            continue;
        const char *v = attr(c, "value");
        if (want) {
            want = false;
            if (v) {
                int rc = read_usb_host(v, vec);
                if (rc < 0)
                    return rc;
            }
            continue;
        }
        want = v && (strcmp(v, "-device") == 0 || strcmp(v, "--device") == 0);
    }
    return 0;
}

int virtxml_usb_devices(const char *xml, size_t len, struct virtxml_usb **out, size_t *n)
{
    if (!out || !n)
        return -EINVAL;
    *out = NULL;
    *n = 0;

    struct usbvec vec = { NULL, 0, 0 };
    xmlDocPtr doc = NULL;
    int rc = virtxml_parse_domain(xml, len, &doc);
    if (rc < 0)
        goto out;
    const xmlNode *root = xmlDocGetRootElement(doc);
    for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
        if (is_el(c, "devices")) {
            for (const xmlNode *d = c->children; d && rc == 0; d = d->next)
                if (is_el(d, "hostdev"))
                    rc = read_hostdev(d, &vec);
        } else if (is_qemu_el(c, "commandline")) {
            rc = read_cmdline(c, &vec);
        }
    }
    if (rc < 0)
        goto out;
    if (vec.n > 0) {
        *out = vec.v;
        *n = vec.n;
        vec.v = NULL;
    }
out:
    free(vec.v);
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

bool virtxml_usb_matches(const struct virtxml_usb *u, const struct devinfo *d)
{
    if (!u || !d)
        return false;
    switch (u->kind) {
    case VIRTXML_USB_ADDR:
        return u->bus != 0 && u->dev != 0 && u->bus == d->bus && u->dev == d->dev;
    case VIRTXML_USB_VIDPID:
        return u->vid == d->vid && u->pid == d->pid;
    case VIRTXML_USB_QEMU_PORT:
        if (u->bus == 0 || u->port[0] == '\0')
            return false;
        break;
    case VIRTXML_USB_QEMU_ADDR:
        if (u->bus == 0 || u->dev == 0)
            return false;
        break;
    case VIRTXML_USB_QEMU_VIDPID:
        if (u->vid == 0 || u->pid == 0)
            return false;
        break;
    default:
        return false;
    }
    /* QEMU's usb-host: every filter given must match (0 or "" = any). */
    if ((u->bus && u->bus != d->bus) || (u->dev && u->dev != d->dev) ||
        (u->vid && u->vid != d->vid) || (u->pid && u->pid != d->pid))
        return false;
    return u->port[0] == '\0' || strncmp(u->port, d->port, sizeof(u->port)) == 0;
}

/* slow_model: printable ASCII only (it ends up in messages). */
static void set_model(char *dst, size_t cap, const char *model)
{
    size_t i = 0;
    for (; model[i] && i + 1 < cap; i++) {
        unsigned char c = (unsigned char)model[i];
        dst[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[i] = '\0';
}

static void check_controller(const xmlNode *c, struct virtxml_usbcheck *st)
{
    if (!attr_is(c, "type", "usb"))
        return;
    const char *model = attr(c, "model");
    if (model && strcmp(model, "none") == 0) {
        st->usb_none = true;
        return;
    }
    st->controllers++;
    if (model && (strstr(model, "ehci") || strstr(model, "xhci") || strcmp(model, "qusb2") == 0)) {
        st->fast++;
        return;
    }
    if (st->slow_model[0] == '\0')
        set_model(st->slow_model, sizeof(st->slow_model),
                  model && *model ? model : DEFAULT_SLOW_MODEL);
}

/* A guest PCI address on domain 0, bus 0 marks its slot as used.  Addresses
 * inside <source> are host addresses (PCI hostdevs) and are not counted. */
static void check_address(const xmlNode *a, uint32_t *used)
{
    if (!attr_is(a, "type", "pci") || (a->parent && is_el(a->parent, "source")))
        return;
    const char *dom = attr(a, "domain"), *bus = attr(a, "bus");
    unsigned v;
    if (dom && (!parse_num(dom, UINT_MAX, &v) || v != 0))
        return;
    if (bus && (!parse_num(bus, UINT_MAX, &v) || v != 0))
        return;
    if (parse_num(attr(a, "slot"), PCI_SLOT_MAX, &v))
        *used |= (uint32_t)1 << v;
}

/* Every element below one <devices>, in document order, without recursion. */
static void scan_devices(const xmlNode *devs, struct virtxml_usbcheck *st, uint32_t *used)
{
    const xmlNode *n = devs->children;
    while (n && n != devs) {
        if (n->type == XML_ELEMENT_NODE) {
            if (n->parent == devs && is_el(n, "controller"))
                check_controller(n, st);
            else if (is_el(n, "address"))
                check_address(n, used);
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n != devs && !n->next)
            n = n->parent;
        if (n != devs)
            n = n->next;
    }
}

int virtxml_usb_check(const char *xml, size_t len, struct virtxml_usbcheck *out)
{
    if (!out)
        return -EINVAL;
    xmlDocPtr doc = NULL;
    int rc = virtxml_parse_domain(xml, len, &doc);
    if (rc < 0)
        return rc;

    struct virtxml_usbcheck st;
    memset(&st, 0, sizeof(st));
    uint32_t used = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    for (const xmlNode *c = root->children; c; c = c->next)
        if (is_el(c, "devices"))
            scan_devices(c, &st, &used);
    st.free_slot = -1;
    for (int s = PCI_SLOT_MIN; s <= PCI_SLOT_MAX; s++) {
        if (!(used & ((uint32_t)1 << s))) {
            st.free_slot = s;
            break;
        }
    }
    *out = st;
    xmlFreeDoc(doc);
    return 0;
}
