/* devcfg: per-device settings.  See devcfg.h. */
#include "devcfg.h"

#include <errno.h>
#include <string.h>

#include "backoff.h"

void devcfg_init(struct devcfg *c)
{
    memset(c, 0, sizeof(*c));
    c->id.kind = DEVID_NONE;
    c->fold = DEVCFG_FOLD_DEFAULT;
    c->enable_mask = 0x0F;
    c->idle_initial = BACKOFF_DEFAULT_INITIAL;
    c->idle_max = BACKOFF_DEFAULT_MAX;
}

int devcfg_fold_for(const struct devcfg *c, const char *product)
{
    if (c->fold != DEVCFG_FOLD_DEFAULT)
        return c->fold;
    if (!strcmp(product, "White RNG"))
        return 1;
    if (!strcmp(product, "Black RNG"))
        return 3;
    return -EINVAL;
}

bool devcfg_ent8_ok_initially(unsigned real_bitrate)
{
    return real_bitrate < DEVCFG_ENT8_WAIT_BITRATE;
}
