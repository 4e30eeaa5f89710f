/* health: HealthMonitor.  See health.h and spec §4.1. */
#include "health.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct health {
    char *id;
    struct fips *fips;
    struct ent *ent8, *ent16;
    bool fips_ok, ent8_ok, ent16_ok;
    uint64_t analysed, passed;
    size_t carry;
    uint8_t carrybuf[FIPS_BLOCK_SIZE];
};

int health_new_ex(const char *id, bool ent8_ok_initially, uint64_t ent8_short_len,
                  uint64_t ent16_short_len, struct health **out)
{
    int rc = -EINVAL;
    struct health *h = NULL;
    if (!id)
        goto fail;
    rc = -ENOMEM;
    h = calloc(1, sizeof(*h));
    if (!h)
        goto fail;
    h->id = strdup(id);
    if (!h->id)
        goto fail;
    rc = fips_new(&h->fips);
    if (rc < 0)
        goto fail;
    rc = ent_new(8, ent8_short_len, &h->ent8);
    if (rc < 0)
        goto fail;
    rc = ent_new(16, ent16_short_len, &h->ent16);
    if (rc < 0)
        goto fail;
    h->fips_ok = false;
    h->ent8_ok = ent8_ok_initially;
    h->ent16_ok = true;
    *out = h;
    return 0;
fail:
    health_free(h);
    return rc;
}

int health_new(const char *id, bool ent8_ok_initially, struct health **out)
{
    return health_new_ex(id, ent8_ok_initially, 0, 0, out);
}

void health_free(struct health *h)
{
    if (!h)
        return;
    ent_free(h->ent16);
    ent_free(h->ent8);
    fips_free(h->fips);
    free(h->id);
    free(h);
}

static void fips_block(struct health *h, const uint8_t *block)
{
    fips_analyse(h->fips, block);
    h->fips_ok = fips_is_ok(h->fips, h->fips_ok);
}

bool health_check(struct health *h, const uint8_t *buf, size_t len)
{
    size_t total = len;

    ent_analyse_pair(h->ent8, h->ent16, buf, len);
    if (ent_have_results(h->ent8))
        h->ent8_ok = ent_is_ok(h->ent8, h->ent8_ok);
    if (ent_have_results(h->ent16))
        h->ent16_ok = ent_is_ok(h->ent16, h->ent16_ok);

    if (h->carry) {
        size_t n = FIPS_BLOCK_SIZE - h->carry;
        if (n > len)
            n = len;
        memcpy(h->carrybuf + h->carry, buf, n);
        h->carry += n;
        buf += n;
        len -= n;
        if (h->carry == FIPS_BLOCK_SIZE) {
            fips_block(h, h->carrybuf);
            h->carry = 0;
        }
    }
    for (; len >= FIPS_BLOCK_SIZE; buf += FIPS_BLOCK_SIZE, len -= FIPS_BLOCK_SIZE)
        fips_block(h, buf);
    if (len) {
        memcpy(h->carrybuf, buf, len);
        h->carry = len;
    }

    h->analysed += total;
    if (h->ent8_ok && h->ent16_ok && h->fips_ok) {
        h->passed += total;
        return true;
    }
    return false;
}

const char *health_id(const struct health *h)
{
    return h->id;
}

uint64_t health_bytes_analysed(const struct health *h)
{
    return h->analysed;
}

uint64_t health_bytes_passed(const struct health *h)
{
    return h->passed;
}

bool health_fips_ok(const struct health *h)
{
    return h->fips_ok;
}

bool health_ent8_ok(const struct health *h)
{
    return h->ent8_ok;
}

bool health_ent16_ok(const struct health *h)
{
    return h->ent16_ok;
}

size_t health_fips_carry(const struct health *h)
{
    return h->carry;
}

const struct fips *health_fips(const struct health *h)
{
    return h->fips;
}

const struct ent *health_ent8(const struct health *h)
{
    return h->ent8;
}

const struct ent *health_ent16(const struct health *h)
{
    return h->ent16;
}

const struct bitruns *health_bitruns(const struct health *h)
{
    return fips_bitruns(h->fips);
}
