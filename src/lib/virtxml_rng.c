/* virtxml_rng: the virtio-rng <rng> element bbvirt adds for seedd's EGD
 * socket, written and found with libxml2 (see virtxml.h). */
#include "virtxml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "virtxml_int.h"

#define RECONNECT_MAX 3600u

static char *fail_errno(int e)
{
    errno = e;
    return NULL;
}

static bool is_el(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns == NULL &&
           xmlStrEqual(n->name, (const xmlChar *)name);
}

/* An unqualified attribute's plain text, NULL if absent. */
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

static bool attr_is(const xmlNode *n, const char *name, const char *want)
{
    const char *v = attr(n, name);
    return v && strcmp(v, want) == 0;
}

/* One element with attributes (NULL-terminated name/value pairs) under
 * parent (or a root when parent is NULL). */
static xmlNodePtr add(xmlNodePtr parent, const char *name, const char *const *kv)
{
    xmlNodePtr n = parent ? xmlNewChild(parent, NULL, (const xmlChar *)name, NULL)
                          : xmlNewNode(NULL, (const xmlChar *)name);
    for (size_t i = 0; n && kv[i]; i += 2) {
        if (!xmlNewProp(n, (const xmlChar *)kv[i], (const xmlChar *)kv[i + 1])) {
            if (!parent)
                xmlFreeNode(n); /* a child goes with its document */
            return NULL;
        }
    }
    return n;
}

/* The element as indented text with a final newline. */
static char *dump(xmlNodePtr n)
{
    xmlBufferPtr b = xmlBufferCreate();
    if (!b)
        return fail_errno(ENOMEM);
    char *s = NULL;
    if (xmlNodeDump(b, n->doc, n, 0, 1) >= 0) {
        const char *c = (const char *)xmlBufferContent(b);
        if (asprintf(&s, "%s\n", c) < 0)
            s = NULL;
    }
    xmlBufferFree(b);
    return s ? s : fail_errno(ENOMEM);
}

char *virtxml_rng_egd(const char *path, unsigned reconnect_s)
{
    if (!path || path[0] != '/' || strlen(path) > VIRTXML_RNG_PATH_MAX || reconnect_s < 1 ||
        reconnect_s > RECONNECT_MAX)
        return fail_errno(EINVAL);
    char secs[16];
    snprintf(secs, sizeof(secs), "%u", reconnect_s);
    const char *k_rng[] = { "model", "virtio", NULL };
    const char *k_be[] = { "model", "egd", "type", "unix", NULL };
    const char *k_src[] = { "mode", "connect", "path", path, NULL };
    const char *k_rc[] = { "enabled", "yes", "timeout", secs, NULL };

    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr rng = doc ? add(NULL, "rng", k_rng) : NULL;
    char *out = NULL;
    if (rng) {
        xmlDocSetRootElement(doc, rng);
        xmlNodePtr be = add(rng, "backend", k_be);
        xmlNodePtr src = be ? add(be, "source", k_src) : NULL;
        if (src && add(src, "reconnect", k_rc))
            out = dump(rng);
    }
    if (doc)
        xmlFreeDoc(doc);
    return out ? out : fail_errno(ENOMEM);
}

void virtxml_rng_free(struct virtxml_rng *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].element);
    free(v);
}

/* The unix socket path of an <rng>'s egd backend, or NULL. */
static const char *egd_path(const xmlNode *rng)
{
    for (const xmlNode *b = rng->children; b; b = b->next) {
        if (!is_el(b, "backend") || !attr_is(b, "model", "egd") || !attr_is(b, "type", "unix"))
            continue;
        for (const xmlNode *s = b->children; s; s = s->next) {
            const char *p = is_el(s, "source") ? attr(s, "path") : NULL;
            if (p && p[0] && strlen(p) <= VIRTXML_RNG_PATH_MAX)
                return p;
        }
    }
    return NULL;
}

static int push(struct virtxml_rng **v, size_t *n, const char *path, xmlNodePtr rng)
{
    struct virtxml_rng *nv = realloc(*v, (*n + 1) * sizeof(*nv));
    if (!nv)
        return -ENOMEM;
    *v = nv;
    struct virtxml_rng *r = &nv[*n];
    memset(r, 0, sizeof(*r));
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->element = dump(rng);
    ++*n; /* counted even without its element, so virtxml_rng_free frees it */
    return r->element ? 0 : -ENOMEM;
}

int virtxml_rng_list(const char *xml, size_t len, struct virtxml_rng **out, size_t *n)
{
    if (!out || !n)
        return -EINVAL;
    *out = NULL;
    *n = 0;
    xmlDocPtr doc = NULL;
    int rc = virtxml_parse_domain(xml, len, &doc);
    if (rc < 0)
        return rc;
    struct virtxml_rng *v = NULL;
    size_t cnt = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    for (const xmlNode *c = root->children; c && rc == 0; c = c->next) {
        if (!is_el(c, "devices"))
            continue;
        for (xmlNode *d = c->children; d && rc == 0; d = d->next) {
            const char *p = is_el(d, "rng") ? egd_path(d) : NULL;
            if (p)
                rc = push(&v, &cnt, p, d);
        }
    }
    xmlFreeDoc(doc);
    if (rc < 0) {
        virtxml_rng_free(v, cnt);
        return rc;
    }
    *out = cnt ? v : NULL;
    *n = cnt;
    if (!cnt)
        free(v);
    return 0;
}
