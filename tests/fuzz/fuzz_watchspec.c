/* Fuzz target for the option-value parsers of watchspec (--watch) and
 * backoff (--idle-sleep): no crash, results within their documented ranges,
 * outputs untouched on error, and an error always explained. */
#include <errno.h>
#include <string.h>

#include "backoff.h"
#include "fuzz.h"
#include "watchspec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size, 8192);
    char err[256];

    struct watchspec w;
    memset(&w, 0xA5, sizeof(w));
    err[0] = 0;
    int r = watchspec_parse(s, &w, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r == 0) {
        FUZZ_CHECK(w.path[0] != 0);
        FUZZ_CHECK(strchr(w.path, ':') == NULL);
        FUZZ_CHECK(strlen(w.path) < sizeof(w.path));
        FUZZ_CHECK(w.block_size >= 1 && w.block_size <= WATCH_MAX_BLOCK);
        FUZZ_CHECK(w.delay_ms <= 86400000u);
    } else {
        FUZZ_CHECK(err[0] != 0);
        FUZZ_CHECK(((unsigned char *)&w)[0] == 0xA5);
    }

    unsigned i = 100, m = 60000;
    err[0] = 0;
    r = backoff_parse_idle_sleep(s, &i, &m, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    if (r == 0) {
        FUZZ_CHECK(strchr(s, ':') != NULL);
        FUZZ_CHECK(m == 0 || i <= m);
    } else {
        FUZZ_CHECK(err[0] != 0);
        FUZZ_CHECK(i == 100 && m == 60000);
    }
    free(s);
    return 0;
}
