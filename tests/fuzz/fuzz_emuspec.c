/* Fuzz target for bbemu's --device SPEC parser (src/emu/spec.c): no crash,
 * a result within the documented ranges (serial, bus, port, dev, vid/pid
 * 4 hex digits not 0000, manufacturer/product 1..126 printable ASCII, no
 * '\\'), a model that fmodel_new() accepts with exactly that identity, and
 * an error always explained.  Inputs naming a payload file are skipped:
 * payload= reads a file, the one part of the parser that is not pure. */
#include <errno.h>
#include <string.h>

#include "fmodel.h"
#include "fuzz.h"
#include "spec.h"

const char cli_prog[] = "fuzz_emuspec";

static bool printable(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > FMODEL_SERIAL_MAX)
        return false;
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '\\' || *s == ',')
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 4096);
    char err[300];
    struct spec sp;

    if (strstr(s, "payload=")) {
        free(s);
        return 0;
    }
    err[0] = '\0';
    int r = spec_parse(s, &sp, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r != 0) {
        FUZZ_CHECK(err[0] != '\0');
        spec_clear(&sp);
        free(s);
        return 0;
    }
    FUZZ_CHECK(err[0] == '\0');
    FUZZ_CHECK(spec_serial_valid(sp.serial));
    FUZZ_CHECK(strncmp(s, sp.serial, strlen(sp.serial)) == 0);
    FUZZ_CHECK(sp.bus <= SPEC_MAX_BUS);
    FUZZ_CHECK((sp.bus == 0) == (sp.port[0] == '\0'));
    FUZZ_CHECK(sp.dev == 0 || (sp.dev >= 2 && sp.dev <= SPEC_MAX_DEV));
    FUZZ_CHECK(sp.nfaults <= SPEC_MAX_FAULTS);
    FUZZ_CHECK((sp.vid != 0) == (strstr(s, ",vid=") != NULL));
    FUZZ_CHECK((sp.pid != 0) == (strstr(s, ",pid=") != NULL));
    FUZZ_CHECK(!sp.manufacturer[0] || printable(sp.manufacturer));
    FUZZ_CHECK(!sp.product[0] || printable(sp.product));
    FUZZ_CHECK(sp.payload == NULL);

    struct fmodel_config cfg = spec_model_config(&sp);
    struct fmodel *m = NULL;
    FUZZ_CHECK(fmodel_new(&cfg, &m) == 0);
    FUZZ_CHECK(fmodel_vid(m) == (sp.vid ? sp.vid : 0x0403));
    FUZZ_CHECK(fmodel_pid(m) == (sp.pid ? sp.pid : 0x7840));
    FUZZ_CHECK(strcmp(fmodel_manufacturer(m), sp.manufacturer[0] ? sp.manufacturer
                                                                  : FMODEL_MANUFACTURER) == 0);
    FUZZ_CHECK(!sp.product[0] || strcmp(fmodel_product(m), sp.product) == 0);
    fmodel_free(m);
    spec_clear(&sp);
    free(s);
    return 0;
}
