/* Fuzz target for devid_parse / devid_format / devid_match. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devid.h"
#include "fuzz.h"

static void check_same(const struct devid *a, const struct devid *b)
{
    FUZZ_CHECK(a->kind == b->kind);
    switch (a->kind) {
    case DEVID_SERIAL:
        FUZZ_CHECK(strcmp(a->str, b->str) == 0);
        break;
    case DEVID_BUSDEV:
        FUZZ_CHECK(a->has_bus == b->has_bus);
        FUZZ_CHECK(!a->has_bus || a->bus == b->bus);
        FUZZ_CHECK(a->dev == b->dev);
        break;
    case DEVID_PORT:
        FUZZ_CHECK(a->bus == b->bus);
        FUZZ_CHECK(strcmp(a->str, b->str) == 0);
        break;
    default:
        FUZZ_CHECK(0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 4096);
    struct devid id;
    memset(&id, 0xA5, sizeof(id));
    struct devid before = id;
    char err[160];
    memset(err, 'x', sizeof(err));

    int rc = devid_parse(s, &id, err, sizeof(err));
    FUZZ_CHECK(rc == 0 || rc == -EINVAL);
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (rc != 0) {
        FUZZ_CHECK(memcmp(&id, &before, sizeof(id)) == 0);
        FUZZ_CHECK(strncmp(err, "invalid device ID '", 19) == 0);
        FUZZ_CHECK(devid_parse(s, &id, NULL, 0) == -EINVAL);
        goto out;
    }
    FUZZ_CHECK(err[0] == '\0');

    char canon[DEVINFO_STR_MAX + 16];
    char want[DEVINFO_STR_MAX + 32];
    struct devinfo d;
    memset(&d, 0, sizeof(d));
    switch (id.kind) {
    case DEVID_SERIAL:
        FUZZ_CHECK(strlen(s) >= 4 && strcmp(id.str, s) == 0);
        FUZZ_CHECK(!strchr(s, '-') && !strchr(s, ':'));
        snprintf(canon, sizeof(canon), "%s", id.str);
        snprintf(want, sizeof(want), "Serial '%s'", id.str);
        snprintf(d.serial, sizeof(d.serial), "%s", id.str);
        break;
    case DEVID_BUSDEV:
        FUZZ_CHECK(id.dev >= 1 && id.dev <= 127);
        if (id.has_bus) {
            FUZZ_CHECK(id.bus <= 127);
            snprintf(canon, sizeof(canon), "%u:%u", id.bus, id.dev);
            snprintf(want, sizeof(want), "Bus:Device %03u:%03u", id.bus, id.dev);
        } else {
            snprintf(canon, sizeof(canon), "%u", id.dev);
            snprintf(want, sizeof(want), "Bus:Device *:%03u", id.dev);
        }
        d.bus = id.has_bus ? id.bus : 42;
        d.dev = id.dev;
        break;
    case DEVID_PORT:
        FUZZ_CHECK(id.has_bus && id.bus <= 127);
        FUZZ_CHECK(id.str[0] != '\0' && strlen(id.str) < DEVINFO_PORT_MAX);
        /* The kernel's port paths have no leading zero at any level. */
        FUZZ_CHECK(id.str[0] != '0' && !strstr(id.str, ".0"));
        snprintf(canon, sizeof(canon), "%u-%s", id.bus, id.str);
        snprintf(want, sizeof(want), "Port %u-%s", id.bus, id.str);
        d.bus = id.bus;
        snprintf(d.port, sizeof(d.port), "%s", id.str);
        break;
    default:
        FUZZ_CHECK(0);
    }

    char buf[DEVINFO_STR_MAX + 32];
    FUZZ_CHECK(devid_format(&id, buf, sizeof(buf)) == buf);
    FUZZ_CHECK(strcmp(buf, want) == 0);
    /* Truncated output stays terminated. */
    char small[5];
    devid_format(&id, small, sizeof(small));
    FUZZ_CHECK(strlen(small) == 4 && strncmp(small, want, 4) == 0);

    /* Canonical reparse gives the same ID, and the ID matches its device. */
    struct devid again;
    FUZZ_CHECK(devid_parse(canon, &again, NULL, 0) == 0);
    check_same(&id, &again);
    FUZZ_CHECK(devid_match(&id, &d));
    d.dev ^= 1;
    d.bus += 200;
    FUZZ_CHECK(id.kind == DEVID_SERIAL || !devid_match(&id, &d));
out:
    free(s);
    return 0;
}
