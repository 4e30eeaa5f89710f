/* spec: parse bbemu's --device SPEC.  See spec.h. */
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int spec_serial_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > FMODEL_SERIAL_MAX || !is_alnum(s[0]))
        return 0;
    for (; *s; s++)
        if (!is_alnum(*s) && *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

/* Decimal in [min, max], digits only. */
static int parse_uint(const char *s, size_t len, unsigned min, unsigned max, unsigned *out)
{
    unsigned long v = 0;
    if (len == 0 || len > 9)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (v < min || v > max)
        return -ERANGE;
    *out = (unsigned)v;
    return 0;
}

int spec_port_valid(const char *s, char *err, size_t err_len)
{
    unsigned depth = 0, v;

    if (!*s) {
        snprintf(err, err_len, "empty port path");
        return 0;
    }
    if (strlen(s) >= SPEC_PORT_MAX) {
        snprintf(err, err_len, "port path '%s' too long", s);
        return 0;
    }
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (parse_uint(p, len, 1, SPEC_MAX_PORT, &v) != 0) {
            snprintf(err, err_len, "bad port path '%s' (dot-separated ports 1..%d)", s,
                     SPEC_MAX_PORT);
            return 0;
        }
        if (++depth > SPEC_MAX_DEPTH) {
            snprintf(err, err_len, "port path '%s' deeper than %d hubs", s, SPEC_MAX_DEPTH);
            return 0;
        }
        if (!dot)
            return 1;
        p = dot + 1;
    }
}

static int read_payload(const char *path, struct spec *out, char *err, size_t err_len)
{
    int rc = cli_read_payload(path, &out->payload, &out->payload_len);

    if (rc == -EFBIG)
        snprintf(err, err_len, "payload file '%s' too large", path);
    else if (rc == -EINVAL)
        snprintf(err, err_len, "payload file '%s' is not a regular file", path);
    else if (rc == -ENODATA)
        snprintf(err, err_len, "payload file '%s' is empty", path);
    else if (rc)
        snprintf(err, err_len, "cannot read payload file '%s': %s", path, strerror(-rc));
    return rc ? -EINVAL : 0;
}

static int parse_location(const char *loc, struct spec *out, char *err, size_t err_len)
{
    const char *dash = strchr(loc, '-');

    if (!dash) {
        snprintf(err, err_len, "expected BUS-PORTPATH after '@', got '%s'", loc);
        return -EINVAL;
    }
    if (parse_uint(loc, (size_t)(dash - loc), 1, SPEC_MAX_BUS, &out->bus) != 0) {
        snprintf(err, err_len, "bad bus number '%.*s' (1..%d)", (int)(dash - loc), loc,
                 SPEC_MAX_BUS);
        return -EINVAL;
    }
    if (!spec_port_valid(dash + 1, err, err_len))
        return -EINVAL;
    snprintf(out->port, sizeof(out->port), "%s", dash + 1);
    return 0;
}

/* vid=/pid=: 4 hex digits, not 0000, once. */
static int parse_id(const char *name, const char *v, uint16_t *out, char *err, size_t err_len)
{
    unsigned long x = 0;
    if (*out) {
        snprintf(err, err_len, "%s= given twice", name);
        return -EINVAL;
    }
    for (int i = 0; i < 4; i++) {
        char c = v[i];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0)
            break;
        x = x << 4 | (unsigned long)h;
        if (i == 3 && v[4] == '\0' && x != 0) {
            *out = (uint16_t)x;
            return 0;
        }
    }
    snprintf(err, err_len, "bad %s '%s' (4 hex digits, not 0000)", name, v);
    return -EINVAL;
}

/* manufacturer=/product=: 1..126 printable ASCII, no '\\', once. */
static int parse_text(const char *name, const char *v, char *out, char *err, size_t err_len)
{
    size_t n = strlen(v);
    if (*out) {
        snprintf(err, err_len, "%s= given twice", name);
        return -EINVAL;
    }
    bool ok = n >= 1 && n <= FMODEL_SERIAL_MAX;
    for (size_t i = 0; i < n && ok; i++)
        ok = v[i] >= 0x20 && v[i] <= 0x7e && v[i] != '\\';
    if (!ok) {
        snprintf(err, err_len, "bad %s '%s' (1..%d printable ASCII characters, no ',' or '\\')",
                 name, v, FMODEL_SERIAL_MAX);
        return -EINVAL;
    }
    memcpy(out, v, n + 1);
    return 0;
}

static int parse_option(const char *opt, struct spec *out, int *seen_kind, char *err,
                        size_t err_len)
{
    if (strncmp(opt, "vid=", 4) == 0)
        return parse_id("vid", opt + 4, &out->vid, err, err_len);
    if (strncmp(opt, "pid=", 4) == 0)
        return parse_id("pid", opt + 4, &out->pid, err, err_len);
    if (strncmp(opt, "manufacturer=", 13) == 0)
        return parse_text("manufacturer", opt + 13, out->manufacturer, err, err_len);
    if (strncmp(opt, "product=", 8) == 0)
        return parse_text("product", opt + 8, out->product, err, err_len);
    if (strncmp(opt, "dev=", 4) == 0) {
        if (out->dev) {
            snprintf(err, err_len, "dev= given twice");
            return -EINVAL;
        }
        if (parse_uint(opt + 4, strlen(opt + 4), 2, SPEC_MAX_DEV, &out->dev) != 0) {
            snprintf(err, err_len, "bad device number '%s' (2..%d)", opt + 4, SPEC_MAX_DEV);
            return -EINVAL;
        }
        return 0;
    }
    if (strcmp(opt, "white") == 0 || strcmp(opt, "black") == 0) {
        if (*seen_kind) {
            snprintf(err, err_len, "white/black given twice");
            return -EINVAL;
        }
        *seen_kind = 1;
        out->kind = opt[0] == 'w' ? FMODEL_WHITE : FMODEL_BLACK;
        return 0;
    }
    if (strcmp(opt, "paced") == 0) {
        if (out->paced) {
            snprintf(err, err_len, "paced given twice");
            return -EINVAL;
        }
        out->paced = true;
        return 0;
    }
    if (strcmp(opt, "noserial") == 0) {
        if (out->no_serial) {
            snprintf(err, err_len, "noserial given twice");
            return -EINVAL;
        }
        out->no_serial = true;
        return 0;
    }
    if (strncmp(opt, "payload=", 8) == 0) {
        if (out->payload) {
            snprintf(err, err_len, "payload= given twice");
            return -EINVAL;
        }
        if (!opt[8]) {
            snprintf(err, err_len, "empty payload file name");
            return -EINVAL;
        }
        return read_payload(opt + 8, out, err, err_len);
    }
    if (strncmp(opt, "fault=", 6) == 0) {
        if (out->nfaults == SPEC_MAX_FAULTS) {
            snprintf(err, err_len, "more than %d faults", SPEC_MAX_FAULTS);
            return -EINVAL;
        }
        return fmodel_fault_parse(opt + 6, &out->faults[out->nfaults++], err, err_len);
    }
    snprintf(err, err_len, "unknown option '%s'", opt);
    return -EINVAL;
}

int spec_parse(const char *text, struct spec *out, char *err, size_t err_len)
{
    char *buf = strdup(text);
    char *save = NULL, *head, *at, *opt;
    int seen_kind = 0, rc = -EINVAL;

    memset(out, 0, sizeof(*out));
    out->kind = FMODEL_WHITE;
    if (!buf) {
        snprintf(err, err_len, "out of memory");
        return -ENOMEM;
    }
    if (buf[0] == ',' || buf[0] == '\0' || buf[0] == '@') {
        snprintf(err, err_len, "missing serial");
        goto out;
    }
    head = strtok_r(buf, ",", &save);
    at = strchr(head, '@');
    if (at)
        *at = '\0';
    if (!spec_serial_valid(head)) {
        snprintf(err, err_len, "bad serial '%s' (1..%d of A-Z a-z 0-9 _ . -)", head,
                 FMODEL_SERIAL_MAX);
        goto out;
    }
    snprintf(out->serial, sizeof(out->serial), "%s", head);
    if (at && parse_location(at + 1, out, err, err_len) != 0)
        goto out;
    if (strstr(text, ",,") || text[strlen(text) - 1] == ',') {
        snprintf(err, err_len, "empty option");
        goto out;
    }
    while ((opt = strtok_r(NULL, ",", &save)) != NULL)
        if (parse_option(opt, out, &seen_kind, err, err_len) != 0)
            goto out;
    rc = 0;
    if (err_len)
        err[0] = '\0';
out:
    free(buf);
    return rc;
}

void spec_clear(struct spec *s)
{
    if (!s)
        return;
    free(s->payload);
    s->payload = NULL;
    s->payload_len = 0;
}

struct fmodel_config spec_model_config(const struct spec *s)
{
    return (struct fmodel_config){ .serial = s->serial, .no_serial = s->no_serial,
                                   .kind = s->kind, .payload = s->payload,
                                   .payload_len = s->payload_len, .vid = s->vid, .pid = s->pid,
                                   .manufacturer = s->manufacturer[0] ? s->manufacturer : NULL,
                                   .product = s->product[0] ? s->product : NULL };
}
