/* fmodel: FT232H/MPSSE BitBabbler device model.  See fmodel.h. */
#include "fmodel_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define QUEUE_MAX (64u << 20)    /* bytes waiting for bulk IN */

/* ------------------------------------------------------------ descriptors */

static const uint8_t descriptors[FMODEL_DESCRIPTORS_LEN] = {
    /* device */
    18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64,
    FMODEL_VID & 0xff, FMODEL_VID >> 8, FMODEL_PID & 0xff, FMODEL_PID >> 8,
    FMODEL_BCD_DEVICE & 0xff, FMODEL_BCD_DEVICE >> 8, 1, 2, 3, 1,
    /* configuration 1: bus powered, 90 mA */
    9, 0x02, 32, 0, 1, 1, 0, 0x80, 45,
    /* interface 0, 2 endpoints, vendor class, iInterface = product */
    9, 0x04, 0, 0, 2, 0xff, 0xff, 0xff, 2,
    7, 0x05, FMODEL_EP_IN, 0x02, FMODEL_MAXPACKET & 0xff, FMODEL_MAXPACKET >> 8, 0,
    7, 0x05, FMODEL_EP_OUT, 0x02, FMODEL_MAXPACKET & 0xff, FMODEL_MAXPACKET >> 8, 0,
};

static const uint8_t qualifier[10] = { 10, 0x06, 0x00, 0x02, 0, 0, 0, 64, 1, 0 };

#define DESC_ISERIAL 16   /* iSerialNumber in the device descriptor */

const uint8_t *fmodel_descriptors(size_t *len)
{
    if (len)
        *len = sizeof(descriptors);
    return descriptors;
}

const uint8_t *fmodel_model_descriptors(const struct fmodel *m, size_t *len)
{
    if (len)
        *len = sizeof(m->desc);
    return m->desc;
}

/* ------------------------------------------------------------ generators */

static uint64_t xorshift(uint64_t x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

static uint64_t gen_seed(const char *serial, unsigned g)
{
    uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)serial; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ull;
    }
    uint64_t z = h ^ ((uint64_t)(g + 1) * 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;    /* splitmix64 finaliser */
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

static uint8_t word_byte(uint64_t w, uint64_t pos)
{
    return (uint8_t)(w >> (8 * (pos % 8)));
}

/* A string descriptor's text: 1..126 of 0x20..0x7e (no '\\'); a serial
 * has no space either. */
static bool valid_string(const char *s, bool space)
{
    if (!s || !s[0] || strlen(s) > FMODEL_SERIAL_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (*p < (space ? 0x20 : 0x21) || *p > 0x7e || *p == '\\')
            return false;
    return true;
}

static bool valid_config(const struct fmodel_config *cfg)
{
    if (!cfg || !valid_string(cfg->serial, false) ||
        (cfg->manufacturer && !valid_string(cfg->manufacturer, true)) ||
        (cfg->product && !valid_string(cfg->product, true)))
        return false;
    if (cfg->kind != FMODEL_WHITE && cfg->kind != FMODEL_BLACK)
        return false;
    return !cfg->payload || cfg->payload_len > 0;
}

/* Next byte of the undisturbed output stream for the current enable mask. */
static uint8_t next_raw(struct fmodel *m, unsigned mask)
{
    uint64_t p = m->pos;
    uint8_t g[NGEN], out = 0;

    if (p % 8 == 0)
        for (unsigned i = 0; i < NGEN; i++)
            m->gen_word[i] = m->gen_x[i] = xorshift(m->gen_x[i]);
    for (unsigned i = 0; i < NGEN; i++)
        g[i] = word_byte(m->gen_word[i], p);
    if (m->payload) {
        g[0] = m->payload[p % m->payload_len];
        if (m->kind == FMODEL_WHITE)
            g[0] ^= g[1] ^ g[2] ^ g[3];
    }
    for (unsigned i = 0; i < (m->kind == FMODEL_WHITE ? NGEN : 1u); i++)
        if (mask & (1u << i))
            out ^= g[i];
    return out;
}

int fmodel_output(const struct fmodel_config *cfg, unsigned mask, uint64_t pos, uint8_t *out,
                  size_t len)
{
    struct fmodel t = { .kind = cfg ? cfg->kind : FMODEL_WHITE };

    if (!valid_config(cfg) || mask > 0x0f)
        return -EINVAL;
    t.payload = (uint8_t *)cfg->payload;     /* read only */
    t.payload_len = cfg->payload_len;
    for (unsigned i = 0; i < NGEN; i++)
        t.gen_x[i] = gen_seed(cfg->serial, i);
    for (t.pos = 0; t.pos < pos + len; t.pos++) {
        uint8_t b = next_raw(&t, mask);
        if (t.pos >= pos)
            out[t.pos - pos] = b;
    }
    return 0;
}

int fmodel_generator(const struct fmodel_config *cfg, unsigned g, uint64_t pos, uint8_t *out,
                     size_t len)
{
    if (!valid_config(cfg) || g >= (cfg->kind == FMODEL_BLACK ? 1u : NGEN))
        return -EINVAL;
    return fmodel_output(cfg, 1u << g, pos, out, len);   /* only g enabled */
}

static uint8_t biased_byte(struct fmodel *m, long pct)
{
    uint8_t b = 0;
    for (int bit = 0; bit < 8; bit++) {
        m->bias_x = xorshift(m->bias_x);
        if ((long)((m->bias_x >> 32) % 100) < pct)
            b |= (uint8_t)(1u << bit);
    }
    return b;
}

static void generate(struct fmodel *m, uint8_t *dst, size_t n)
{
    unsigned mask = fmodel_enable_mask(m);

    for (size_t i = 0; i < n; i++) {
        if (m->pos >= m->next_at)
            fmodel_arm_due(m);
        uint8_t b = next_raw(m, mask);
        if (m->on[FMODEL_FAULT_BIAS])
            b = biased_byte(m, m->arg[FMODEL_FAULT_BIAS]);
        if (m->on[FMODEL_FAULT_STUCK])
            b = (uint8_t)m->arg[FMODEL_FAULT_STUCK];
        if (m->on[FMODEL_FAULT_REPEAT]) {
            uint64_t word = m->pos / 4;
            long n_rep = m->arg[FMODEL_FAULT_REPEAT];
            if (word > 0 && word % (uint64_t)n_rep == (uint64_t)n_rep - 1)
                b = m->last4[m->pos % 4];
        }
        m->last4[m->pos % 4] = b;
        dst[i] = b;
        m->pos++;
    }
}

/* ------------------------------------------------------------ queues */

uint8_t *fmodel_queue_reserve(struct queue *q, size_t n)
{
    if (q->head + q->len + n > q->cap) {
        if (q->head) {
            memmove(q->d, q->d + q->head, q->len);
            q->head = 0;
        }
        if (q->len + n > q->cap) {
            size_t cap = q->cap ? q->cap : 4096;
            while (cap < q->len + n)
                cap *= 2;
            uint8_t *d = realloc(q->d, cap);
            if (!d)
                return NULL;
            q->d = d;
            q->cap = cap;
        }
    }
    uint8_t *p = q->d + q->head + q->len;
    q->len += n;
    return p;
}

static int queue_put(struct queue *q, const uint8_t *d, size_t n)
{
    uint8_t *p = fmodel_queue_reserve(q, n);
    if (!p)
        return -ENOMEM;
    memcpy(p, d, n);
    return 0;
}

static void queue_drop(struct queue *q, size_t n)
{
    q->head += n;
    q->len -= n;
    if (!q->len)
        q->head = 0;
}

void fmodel_queue_clear(struct queue *q)
{
    q->head = q->len = 0;
}

/* ------------------------------------------------------------ lifecycle */

static void ftdi_power_on(struct fmodel *m)
{
    m->bitmode = 0;
    m->bitmask = 0;
    m->latency = FMODEL_DEFAULT_LATENCY_MS;
    m->low_val = m->low_dir = m->high_val = m->high_dir = 0;
    m->low_set = false;
    m->divisor = 0;
    fmodel_queue_clear(&m->rx);
    fmodel_queue_clear(&m->cmd);
}

int fmodel_new(const struct fmodel_config *cfg, struct fmodel **out)
{
    struct fmodel *m = NULL;

    *out = NULL;
    if (!valid_config(cfg))
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    snprintf(m->serial, sizeof(m->serial), "%s", cfg->serial);
    m->no_serial = cfg->no_serial;
    memcpy(m->desc, descriptors, sizeof(m->desc));
    if (m->no_serial)
        m->desc[DESC_ISERIAL] = 0;
    if (cfg->vid) {
        m->desc[8] = (uint8_t)(cfg->vid & 0xff);
        m->desc[9] = (uint8_t)(cfg->vid >> 8);
    }
    if (cfg->pid) {
        m->desc[10] = (uint8_t)(cfg->pid & 0xff);
        m->desc[11] = (uint8_t)(cfg->pid >> 8);
    }
    snprintf(m->manufacturer, sizeof(m->manufacturer), "%s",
             cfg->manufacturer ? cfg->manufacturer : FMODEL_MANUFACTURER);
    snprintf(m->product, sizeof(m->product), "%s", cfg->product ? cfg->product : "");
    m->kind = cfg->kind;
    if (cfg->payload) {
        m->payload = malloc(cfg->payload_len);
        if (!m->payload) {
            free(m);
            return -ENOMEM;
        }
        memcpy(m->payload, cfg->payload, cfg->payload_len);
        m->payload_len = cfg->payload_len;
    }
    for (unsigned i = 0; i < NGEN; i++)
        m->gen_x[i] = gen_seed(m->serial, i);
    m->bias_x = gen_seed(m->serial, NGEN);
    m->next_at = UINT64_MAX;
    ftdi_power_on(m);
    *out = m;
    return 0;
}

void fmodel_free(struct fmodel *m)
{
    if (!m)
        return;
    free(m->payload);
    free(m->rx.d);
    free(m->cmd.d);
    free(m->wire.d);
    free(m);
}

const char *fmodel_serial(const struct fmodel *m)
{
    return m->serial;
}

bool fmodel_has_serial(const struct fmodel *m)
{
    return !m->no_serial;
}

const char *fmodel_manufacturer(const struct fmodel *m)
{
    return m->manufacturer;
}

uint16_t fmodel_vid(const struct fmodel *m)
{
    return (uint16_t)(m->desc[8] | m->desc[9] << 8);
}

uint16_t fmodel_pid(const struct fmodel *m)
{
    return (uint16_t)(m->desc[10] | m->desc[11] << 8);
}

const char *fmodel_product(const struct fmodel *m)
{
    if (m->product[0])
        return m->product;
    return m->kind == FMODEL_BLACK ? FMODEL_PRODUCT_BLACK : FMODEL_PRODUCT_WHITE;
}

enum fmodel_kind fmodel_kind(const struct fmodel *m)
{
    return m->kind;
}

size_t fmodel_queued(const struct fmodel *m)
{
    return m->rx.len;
}

uint64_t fmodel_bitrate(const struct fmodel *m)
{
    uint64_t clk = m->div5 ? 12000000u : 60000000u;
    return clk / (((uint64_t)m->divisor + 1) * 2);
}

unsigned fmodel_latency_ms(const struct fmodel *m)
{
    return m->latency ? m->latency : 1;
}

unsigned fmodel_enable_mask(const struct fmodel *m)
{
    unsigned all = m->kind == FMODEL_WHITE ? 0x0f : 0x01;
    if (!m->low_set)
        return all;
    return (~(unsigned)m->low_dir >> 4) & all;
}

uint64_t fmodel_stream_pos(const struct fmodel *m)
{
    return m->pos;
}

uint64_t fmodel_payload_sent(const struct fmodel *m)
{
    return m->sent;
}

bool fmodel_take_unplug(struct fmodel *m)
{
    bool due = m->unplug_due;
    m->unplug_due = false;
    return due;
}

void fmodel_power_cycle(struct fmodel *m)
{
    ftdi_power_on(m);
}

void fmodel_reset(struct fmodel *m)
{
    ftdi_power_on(m);
    fmodel_wire_event(m, "reset");
}

/* ------------------------------------------------------------ control */

static size_t string_desc(const char *s, uint8_t *buf)
{
    size_t n = strlen(s);
    if (n > FMODEL_SERIAL_MAX)
        n = FMODEL_SERIAL_MAX;
    buf[0] = (uint8_t)(2 + 2 * n);
    buf[1] = 0x03;
    for (size_t i = 0; i < n; i++) {
        buf[2 + 2 * i] = (uint8_t)s[i];
        buf[3 + 2 * i] = 0;
    }
    return 2 + 2 * n;
}

/* Standard requests: bytes for an IN reply in buf, 0 for OUT, or -EPIPE. */
static int standard_request(struct fmodel *m, uint8_t rt, uint8_t rq, uint16_t val,
                            uint8_t *buf)
{
    switch (rt << 8 | rq) {
    case 0x8006: {                       /* GET_DESCRIPTOR */
        uint8_t type = val >> 8, idx = val & 0xff;
        if (type == 0x01) {
            memcpy(buf, m->desc, 18);
            return 18;
        }
        if (type == 0x02 && idx == 0) {
            memcpy(buf, descriptors + 18, 32);
            return 32;
        }
        if (type == 0x06) {
            memcpy(buf, qualifier, sizeof(qualifier));
            return sizeof(qualifier);
        }
        if (type == 0x03) {
            static const uint8_t langids[4] = { 4, 0x03, 0x09, 0x04 };
            if (idx == 0) {
                memcpy(buf, langids, 4);
                return 4;
            }
            if (idx == 1)
                return (int)string_desc(m->manufacturer, buf);
            if (idx == 2)
                return (int)string_desc(fmodel_product(m), buf);
            if (idx == 3 && !m->no_serial)
                return (int)string_desc(m->serial, buf);
        }
        return -EPIPE;
    }
    case 0x8000:                         /* GET_STATUS device / interface / endpoint */
    case 0x8100:
    case 0x8200:
        buf[0] = buf[1] = 0;
        return 2;
    case 0x8008:                         /* GET_CONFIGURATION */
        buf[0] = 1;
        return 1;
    case 0x810a:                         /* GET_INTERFACE */
        buf[0] = 0;
        return 1;
    case 0x0009:                         /* SET_CONFIGURATION */
        return val <= 1 ? 0 : -EPIPE;
    case 0x010b:                         /* SET_INTERFACE */
        return val == 0 ? 0 : -EPIPE;
    case 0x0201:                         /* CLEAR_FEATURE(ENDPOINT_HALT) */
        return 0;
    default:
        return -EPIPE;
    }
}

static int vendor_request(struct fmodel *m, uint8_t rt, uint8_t rq, uint16_t val,
                          uint8_t *buf)
{
    if (fmodel_fault_fires(m, FMODEL_FAULT_CTRLSTALL)) {
        fmodel_wire_event(m, "ctrlstall");
        return -EPIPE;
    }
    if (rt == 0x40) {
        switch (rq) {
        case 0x00:                       /* reset / purge */
            if (val == 0 || val == 1)
                fmodel_queue_clear(&m->rx);
            if (val == 0 || val == 2)
                fmodel_queue_clear(&m->cmd);
            return 0;
        case 0x09:                       /* latency timer */
            m->latency = (uint8_t)val;
            return 0;
        case 0x0b:                       /* bitmode */
            m->bitmode = val >> 8;
            m->bitmask = val & 0xff;
            return 0;
        default:                         /* modem/flow/baud/data/chars/EEPROM */
            return 0;
        }
    }
    switch (rq) {
    case 0x05:                           /* modem status */
        buf[0] = FMODEL_MODEM_STATUS;
        buf[1] = FMODEL_LINE_STATUS;
        return 2;
    case 0x0a:                           /* latency timer */
        buf[0] = m->latency;
        return 1;
    case 0x0c:                           /* pins */
        buf[0] = m->low_val & m->low_dir;
        return 1;
    case 0x90:                           /* EEPROM word: blank */
        buf[0] = buf[1] = 0xff;
        return 2;
    default:
        return -EPIPE;
    }
}

int fmodel_control(struct fmodel *m, const uint8_t setup[8], uint8_t *data)
{
    uint8_t rt = setup[0], rq = setup[1];
    uint16_t val = (uint16_t)(setup[2] | setup[3] << 8);
    uint16_t idx = (uint16_t)(setup[4] | setup[5] << 8);
    uint16_t len = (uint16_t)(setup[6] | setup[7] << 8);
    uint8_t buf[256];
    int n;

    fmodel_arm_due(m);
    fmodel_wire_event(m, "ctrl %02x %02x %04x %04x %04x", rt, rq, val, idx, len);
    if ((rt & 0x60) == 0x00)
        n = standard_request(m, rt, rq, val, buf);
    else if (rt == 0x40 || rt == 0xc0)
        n = vendor_request(m, rt, rq, val, buf);
    else
        n = -EPIPE;
    if (n < 0)
        return n;
    if (!(rt & 0x80))
        return len;                      /* OUT: the data stage is accepted */
    if (n > len)
        n = len;
    if (n > 0)
        memcpy(data, buf, (size_t)n);
    return n;
}

/* ------------------------------------------------------------ MPSSE */

/* Length of the command at c (avail bytes known), 0 if more bytes are needed
 * to tell.  *nread: bytes it clocks in (payload), *bad: unknown opcode. */
static size_t mpsse_len(const uint8_t *c, size_t avail, size_t *nread, bool *bad)
{
    uint8_t op = c[0];

    *nread = 0;
    *bad = false;
    switch (op) {
    case 0x80: case 0x82: case 0x86: case 0x8f: case 0x9c: case 0x9d: case 0x9e:
        return 3;
    case 0x81: case 0x83: case 0x84: case 0x85: case 0x87: case 0x88: case 0x89:
    case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x94: case 0x95: case 0x96:
    case 0x97:
        return 1;
    case 0x8e:
        return 2;
    default:
        break;
    }
    if (op >= 0x10 && op <= 0x3f) {      /* data shifting */
        bool wr = op & 0x10, rd = op & 0x20;
        if (op & 0x02) {                 /* bit mode: length byte (+ data byte) */
            *nread = rd ? 1 : 0;
            return wr ? 3 : 2;
        }
        if (avail < 3)
            return 0;
        size_t n = (size_t)(c[1] | c[2] << 8) + 1;
        *nread = rd ? n : 0;
        return 3 + (wr ? n : 0);
    }
    if ((op & 0xc0) == 0x40 && (op & 0x1a) == 0x0a) {  /* TMS: 4a 4b 6a 6b 6e 6f */
        *nread = (op & 0x20) ? 1 : 0;
        return 3;
    }
    *bad = true;
    return 1;
}

static int queue_payload(struct fmodel *m, size_t n)
{
    fmodel_arm_due(m);
    if (fmodel_fault_fires(m, FMODEL_FAULT_EXCESS))
        n += FMODEL_EXCESS_BYTES;
    if (m->on[FMODEL_FAULT_TIMEOUT]) {
        uint64_t used = m->pos - m->base[FMODEL_FAULT_TIMEOUT];
        uint64_t limit = (uint64_t)m->arg[FMODEL_FAULT_TIMEOUT];
        uint64_t allowed = used >= limit ? 0 : limit - used;
        if (n > allowed)
            n = (size_t)allowed;
    }
    if (m->rx.len + n > QUEUE_MAX) {
        log_msg(LOG_WARN_LVL, "fmodel %s: host queued more than %u bytes, read cut short",
                m->serial, QUEUE_MAX);
        n = m->rx.len >= QUEUE_MAX ? 0 : QUEUE_MAX - m->rx.len;
    }
    if (n == 0)
        return 0;
    uint8_t *dst = fmodel_queue_reserve(&m->rx, n);
    if (!dst)
        return -ENOMEM;
    generate(m, dst, n);
    return 0;
}

static int mpsse_exec(struct fmodel *m, const uint8_t *c, size_t nread, bool bad)
{
    uint8_t r[2];

    if (bad) {
        r[0] = 0xfa;
        r[1] = c[0];
        return queue_put(&m->rx, r, 2);
    }
    switch (c[0]) {
    case 0x80:
        m->low_val = c[1];
        m->low_dir = c[2];
        m->low_set = true;
        return 0;
    case 0x82:
        m->high_val = c[1];
        m->high_dir = c[2];
        return 0;
    case 0x81:
        r[0] = m->low_val & m->low_dir;
        return queue_put(&m->rx, r, 1);
    case 0x83:
        r[0] = m->high_val & m->high_dir;
        return queue_put(&m->rx, r, 1);
    case 0x86:
        m->divisor = (uint16_t)(c[1] | c[2] << 8);
        return 0;
    case 0x8a:
    case 0x8b:
        m->div5 = c[0] == 0x8b;
        return 0;
    default:
        return nread ? queue_payload(m, nread) : 0;
    }
}

int fmodel_bulk_out(struct fmodel *m, const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    int rc = 0;

    fmodel_wire_out(m, buf, len);
    if (m->bitmode != 0x02 || len == 0)
        return 0;                        /* UART / bit-bang data goes out on the pins */
    if (queue_put(&m->cmd, buf, len) != 0)
        return -ENOMEM;
    while (pos < m->cmd.len) {
        const uint8_t *c = m->cmd.d + m->cmd.head + pos;
        size_t avail = m->cmd.len - pos, nread;
        bool bad;
        size_t need = mpsse_len(c, avail, &nread, &bad);
        if (need == 0 || need > avail)
            break;
        rc = mpsse_exec(m, c, nread, bad);
        if (rc)
            break;
        pos += need;
    }
    queue_drop(&m->cmd, pos);
    return rc;
}

/* ------------------------------------------------------------ bulk IN */

int fmodel_bulk_in(struct fmodel *m, uint8_t *buf, size_t cap, bool latency_expired,
                   size_t *out_len)
{
    size_t off = 0, per_pkt = PKT_DATA;
    uint8_t modem = FMODEL_MODEM_STATUS;

    *out_len = 0;
    fmodel_arm_due(m);
    if (fmodel_fault_fires(m, FMODEL_FAULT_STALL)) {
        fmodel_wire_event(m, "stall");
        return -EPIPE;
    }
    if (m->rx.len == 0 && !latency_expired)
        return -EAGAIN;
    if (m->on[FMODEL_FAULT_SHORT])
        per_pkt = (size_t)m->arg[FMODEL_FAULT_SHORT];
    if (m->on[FMODEL_FAULT_STATUS])
        modem = (uint8_t)m->arg[FMODEL_FAULT_STATUS];
    while (off < cap) {
        size_t take = m->rx.len < per_pkt ? m->rx.len : per_pkt;
        if (m->on[FMODEL_FAULT_UNPLUG]) {
            uint64_t done = m->sent - m->base[FMODEL_FAULT_UNPLUG];
            uint64_t limit = (uint64_t)m->arg[FMODEL_FAULT_UNPLUG];
            uint64_t left = done >= limit ? 0 : limit - done;
            if (take > left)
                take = (size_t)left;
        }
        size_t pkt = 2 + take;
        if (pkt > cap - off) {           /* babble: the packet does not fit */
            uint8_t tmp[FMODEL_MAXPACKET];
            size_t fit = cap - off;
            tmp[0] = modem;
            tmp[1] = FMODEL_LINE_STATUS;
            if (take)
                memcpy(tmp + 2, m->rx.d + m->rx.head, take);
            memcpy(buf + off, tmp, fit);
            take = fit > 2 ? fit - 2 : 0;
            queue_drop(&m->rx, take);
            m->sent += take;
            *out_len = cap;
            return -EOVERFLOW;
        }
        buf[off] = modem;
        buf[off + 1] = FMODEL_LINE_STATUS;
        if (take)
            memcpy(buf + off + 2, m->rx.d + m->rx.head, take);
        queue_drop(&m->rx, take);
        m->sent += take;
        off += pkt;
        if (m->on[FMODEL_FAULT_UNPLUG] &&
            m->sent - m->base[FMODEL_FAULT_UNPLUG] >= (uint64_t)m->arg[FMODEL_FAULT_UNPLUG]) {
            m->on[FMODEL_FAULT_UNPLUG] = false;
            m->unplug_due = true;
            break;
        }
        if (pkt < FMODEL_MAXPACKET)
            break;                       /* short packet ends the transfer */
    }
    *out_len = off;
    return 0;
}
