/* udpproto: UDP requests, allow-list, token buckets (see udpproto.h). */
#include "udpproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000ull

int udpproto_parse(const uint8_t *buf, size_t len, unsigned *count)
{
    if (!buf || len != UDPPROTO_REQUEST_LEN)
        return -EMSGSIZE;
    unsigned n = (unsigned)buf[0] << 8 | buf[1];
    if (n < UDPPROTO_MIN_COUNT)
        return -EDOM;
    if (n > UDPPROTO_MAX_COUNT)
        return -ERANGE;
    if (count)
        *count = n;
    return 0;
}

const char *udpproto_strerror(int rc)
{
    switch (rc) {
    case -EMSGSIZE:
        return "not 2 bytes";
    case -EDOM:
        return "zero count";
    case -ERANGE:
        return "count above 32768";
    }
    return "?";
}

/* ---- addresses ---- */

/* An address as 16 bytes: IPv6, or IPv4 in the last 4 (family tells). */
struct addr {
    int family;           /* AF_INET or AF_INET6 */
    uint8_t b[16];
};

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int addr_of(const struct sockaddr *sa, socklen_t len, struct addr *a)
{
    memset(a, 0, sizeof(*a));
    if (!sa)
        return -EINVAL;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        a->family = AF_INET;
        memcpy(a->b, &s4->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (memcmp(&s6->sin6_addr, v4mapped, sizeof(v4mapped)) == 0) {
            a->family = AF_INET;
            memcpy(a->b, (const uint8_t *)&s6->sin6_addr + 12, 4);
        } else {
            a->family = AF_INET6;
            memcpy(a->b, &s6->sin6_addr, 16);
        }
        return 0;
    }
    return -EINVAL;
}

static bool addr_eq(const struct addr *x, const struct addr *y)
{
    return x->family == y->family && memcmp(x->b, y->b, 16) == 0;
}

bool udpproto_same_host(const struct sockaddr *a, socklen_t alen, const struct sockaddr *b,
                        socklen_t blen)
{
    struct addr x, y;
    return addr_of(a, alen, &x) == 0 && addr_of(b, blen, &y) == 0 && addr_eq(&x, &y);
}

/* ---- allow-list ---- */

struct net {
    struct addr a;
    unsigned prefix;
};

struct udpacl {
    struct net *v;
    size_t n;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Whether the first prefix bits of x and y agree. */
static bool prefix_eq(const uint8_t *x, const uint8_t *y, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(x, y, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return ((x[whole] ^ y[whole]) & mask) == 0;
}

/* Any bit set after the first prefix bits of the nbytes of b. */
static bool host_bits(const uint8_t *b, size_t nbytes, unsigned prefix)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned lo = (unsigned)i * 8;
        uint8_t host = lo >= prefix       ? 0xff
                       : lo + 8 <= prefix ? 0
                                          : (uint8_t)(0xffu >> (prefix - lo));
        if (b[i] & host)
            return true;
    }
    return false;
}

#define ENTRY_MAX 64  /* longest entry text: an IPv6 address and "/128" */

/* One entry, text[0..n) without surrounding blanks. */
static int parse_entry(const char *text, size_t n, struct net *out, char *err, size_t errlen)
{
    char buf[ENTRY_MAX + 1];
    if (n == 0)
        return fail(err, errlen, "empty entry in the address list");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f)
            return fail(err, errlen, "a control or non-ASCII character in the address list");
    if (n > ENTRY_MAX)
        return fail(err, errlen, "'%.*s...': not an address or network", 40, text);
    memcpy(buf, text, n);
    buf[n] = '\0';
    char *slash = strchr(buf, '/');
    unsigned prefix = 0;
    bool has_prefix = slash != NULL;
    if (slash) {
        *slash = '\0';
        const char *p = slash + 1;
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || digits > 3 || p[digits] != '\0' || (digits > 1 && p[0] == '0'))
            return fail(err, errlen, "'%.*s': the prefix length after '/' is not a number",
                        (int)n, text);
        prefix = (unsigned)atoi(p);
    }
    struct net net = { 0 };
    if (inet_pton(AF_INET, buf, net.a.b) == 1) {
        net.a.family = AF_INET;
        if (!has_prefix)
            prefix = 32;
        if (prefix > 32)
            return fail(err, errlen, "'%.*s': an IPv4 prefix is 0 to 32", (int)n, text);
    } else if (inet_pton(AF_INET6, buf, net.a.b) == 1) {
        net.a.family = AF_INET6;
        if (!has_prefix)
            prefix = 128;
        if (prefix > 128)
            return fail(err, errlen, "'%.*s': an IPv6 prefix is 0 to 128", (int)n, text);
        if (memcmp(net.a.b, v4mapped, sizeof(v4mapped)) == 0 && prefix >= 96) {
            /* ::ffff:a.b.c.d/N is the IPv4 network a.b.c.d/(N-96). */
            memmove(net.a.b, net.a.b + 12, 4);
            memset(net.a.b + 4, 0, 12);
            net.a.family = AF_INET;
            prefix -= 96;
        }
    } else {
        return fail(err, errlen, "'%.*s': not an IPv4 or IPv6 address", (int)n, text);
    }
    if (host_bits(net.a.b, net.a.family == AF_INET ? 4 : 16, prefix))
        return fail(err, errlen, "'%.*s': address bits are set beyond the /%u prefix", (int)n,
                    text, prefix);
    net.prefix = prefix;
    *out = net;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int udpacl_parse(const char *text, struct udpacl **out, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!text || !out)
        return fail(err, errlen, "invalid arguments");
    struct udpacl *acl = calloc(1, sizeof(*acl));
    if (!acl)
        return -ENOMEM;
    int r = 0;
    const char *p = text;
    for (;;) {
        while (is_blank(*p))
            p++;
        size_t n = strcspn(p, ",");
        size_t e = n;
        while (e > 0 && is_blank(p[e - 1]))
            e--;
        if (acl->n >= UDPACL_MAX_ENTRIES) {
            r = fail(err, errlen, "more than %u entries in the address list",
                     UDPACL_MAX_ENTRIES);
            break;
        }
        struct net net;
        if ((r = parse_entry(p, e, &net, err, errlen)) < 0)
            break;
        struct net *v = realloc(acl->v, (acl->n + 1) * sizeof(*v));
        if (!v) {
            r = -ENOMEM;
            break;
        }
        acl->v = v;
        acl->v[acl->n++] = net;
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    if (r < 0) {
        udpacl_free(acl);
        return r;
    }
    *out = acl;
    return 0;
}

int udpacl_new_default(struct udpacl **out)
{
    return udpacl_parse(UDPACL_DEFAULT, out, NULL, 0);
}

void udpacl_free(struct udpacl *acl)
{
    if (!acl)
        return;
    free(acl->v);
    free(acl);
}

size_t udpacl_count(const struct udpacl *acl)
{
    return acl ? acl->n : 0;
}

bool udpacl_allows(const struct udpacl *acl, const struct sockaddr *sa, socklen_t len)
{
    struct addr a;
    if (!acl || addr_of(sa, len, &a) < 0)
        return false;
    for (size_t i = 0; i < acl->n; i++) {
        const struct net *net = &acl->v[i];
        if (net->a.family == a.family && prefix_eq(net->a.b, a.b, net->prefix))
            return true;
    }
    return false;
}

const char *udpacl_format(const struct udpacl *acl, char *buf, size_t len)
{
    size_t used = 0;
    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; acl && i < acl->n && used + 1 < len; i++) {
        char txt[INET6_ADDRSTRLEN];
        const struct net *net = &acl->v[i];
        inet_ntop(net->a.family, net->a.b, txt, sizeof(txt));
        int w = snprintf(buf + used, len - used, "%s%s/%u", i ? "," : "", txt, net->prefix);
        if (w < 0)
            break;
        used += (size_t)w < len - used ? (size_t)w : len - used - 1;
    }
    return buf;
}

/* ---- token buckets ---- */

int tbucket_init(struct tbucket *b, uint64_t rate, uint64_t burst, uint64_t now_ns)
{
    if (!b || rate > TBUCKET_MAX_RATE || burst > TBUCKET_MAX_BURST || (rate && !burst))
        return -EINVAL;
    b->rate = rate;
    b->burst = burst;
    b->level = burst * NS_PER_S;
    b->last_ns = now_ns;
    return 0;
}

static void refill(struct tbucket *b, uint64_t now_ns)
{
    if (now_ns <= b->last_ns)
        return;
    uint64_t full = b->burst * NS_PER_S;
    uint64_t dt = now_ns - b->last_ns;
    b->last_ns = now_ns;
    if (b->level >= full)
        return;
    /* rate <= 1e9 and the time to fill <= burst * 1e9 / rate: no overflow
     * once dt is capped at that. */
    uint64_t fill_ns = (full - b->level + b->rate - 1) / b->rate;
    if (dt >= fill_ns) {
        b->level = full;
        return;
    }
    b->level += dt * b->rate;
    if (b->level > full)
        b->level = full;
}

uint64_t tbucket_avail(struct tbucket *b, uint64_t now_ns)
{
    if (b->rate == 0)
        return UINT64_MAX;
    refill(b, now_ns);
    return b->level / NS_PER_S;
}

bool tbucket_take(struct tbucket *b, uint64_t n, uint64_t now_ns)
{
    if (b->rate == 0)
        return true;
    if (tbucket_avail(b, now_ns) < n)
        return false;
    b->level -= n * NS_PER_S;
    return true;
}

/* ---- per-source and global limits ---- */

struct source {
    struct addr a;
    struct tbucket tb;
    uint64_t seen_ns;
};

struct udprate {
    struct udprate_cfg cfg;
    struct tbucket global;
    struct source *src;
    size_t n;
};

void udprate_cfg_default(struct udprate_cfg *cfg)
{
    cfg->src_rate = 64 * 1024;
    cfg->src_burst = 64 * 1024;
    cfg->global_rate = 1024 * 1024;
    cfg->global_burst = 1024 * 1024;
    cfg->max_sources = 1024;
}

int udprate_new(const struct udprate_cfg *cfg, uint64_t now_ns, struct udprate **out)
{
    struct tbucket t;
    if (!cfg || !out || cfg->max_sources == 0 ||
        tbucket_init(&t, cfg->src_rate, cfg->src_burst, 0) < 0)
        return -EINVAL;
    struct udprate *r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->cfg = *cfg;
    if (tbucket_init(&r->global, cfg->global_rate, cfg->global_burst, now_ns) < 0) {
        free(r);
        return -EINVAL;
    }
    if (cfg->src_rate) {
        r->src = calloc(cfg->max_sources, sizeof(*r->src));
        if (!r->src) {
            free(r);
            return -ENOMEM;
        }
    }
    *out = r;
    return 0;
}

void udprate_free(struct udprate *r)
{
    if (!r)
        return;
    free(r->src);
    free(r);
}

size_t udprate_sources(const struct udprate *r)
{
    return r ? r->n : 0;
}

/* The bucket of source a: found, or a new full one (in place of the
 * source seen longest ago when the table is full). */
static struct source *source_for(struct udprate *r, const struct addr *a, uint64_t now_ns)
{
    size_t oldest = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (addr_eq(&r->src[i].a, a))
            return &r->src[i];
        if (r->src[i].seen_ns < r->src[oldest].seen_ns)
            oldest = i;
    }
    size_t k = r->n < r->cfg.max_sources ? r->n++ : oldest;
    struct source *s = &r->src[k];
    s->a = *a;
    tbucket_init(&s->tb, r->cfg.src_rate, r->cfg.src_burst, now_ns);
    s->seen_ns = now_ns;
    return s;
}

int udprate_take(struct udprate *r, const struct sockaddr *sa, socklen_t len, uint64_t n,
                 uint64_t now_ns)
{
    struct addr a;
    if (!r || addr_of(sa, len, &a) < 0)
        return -EINVAL;
    struct source *s = NULL;
    if (r->cfg.src_rate) {
        s = source_for(r, &a, now_ns);
        s->seen_ns = now_ns;
        if (tbucket_avail(&s->tb, now_ns) < n)
            return -EAGAIN;
    }
    if (!tbucket_take(&r->global, n, now_ns))
        return -ENOBUFS;
    if (s)
        tbucket_take(&s->tb, n, now_ns);
    return 0;
}
