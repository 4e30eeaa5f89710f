/* Fuzz target for seedd's config files (ini grammar, the option table's
 * sections, keys and validators, conf_extract): no crash or leak on any
 * bytes; an error is one line "fuzz.conf:LINE: ..." (or "fuzz.conf: ..."
 * for the whole buffer) with LINE inside the input; a file that imports
 * makes a --gen-conf text that imports again to the same text, and the
 * same struct seedd_opts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgmap.h"
#include "conf.h"
#include "fuzz.h"
#include "ini.h"
#include "options.h"

#define FNAME "fuzz.conf"

static unsigned count_lines(const char *buf, size_t size)
{
    unsigned n = 1;
    for (size_t i = 0; i < size; i++)
        if (buf[i] == '\n' || (buf[i] == '\r' && !(i + 1 < size && buf[i + 1] == '\n')))
            n++;
    return n;
}

static void check_error(const char *err, int r, unsigned nlines)
{
    FUZZ_CHECK(r == -EINVAL || r == -ENOMEM);
    FUZZ_CHECK(strncmp(err, FNAME ":", strlen(FNAME ":")) == 0);
    FUZZ_CHECK(strchr(err, '\n') == NULL);
    if (r != -EINVAL || err[strlen(FNAME ":")] == ' ')
        return;
    char *end;
    unsigned long line = strtoul(err + strlen(FNAME ":"), &end, 10);
    FUZZ_CHECK(line >= 1 && line <= nlines);
    FUZZ_CHECK(end[0] == ':' && end[1] == ' ' && end[2] != '\0');
}

static char *gen(const struct cfgmap *m)
{
    char *argv[] = { (char *)"seedd", (char *)"--gen-conf" };
    size_t len = 0;
    char *text = conf_gen(m, 2, argv, "2000-01-01", &len);
    FUZZ_CHECK(text != NULL && strlen(text) == len);
    return text;
}

/* Extracts m; 0 or -EINVAL (values that only fail together). */
static int extract(const struct cfgmap *m, struct seedd_opts *o)
{
    char err[600];
    FUZZ_CHECK(seedd_opts_defaults(o) == 0);
    int r = conf_extract(m, o, err, sizeof(err));
    FUZZ_CHECK(r == 0 || r == -EINVAL);
    return r;
}

static void same_opts(const struct seedd_opts *a, const struct seedd_opts *b)
{
    FUZZ_CHECK(a->n_ids == b->n_ids && a->n_groups == b->n_groups);
    FUZZ_CHECK(a->n_watches == b->n_watches && a->pool_size == b->pool_size);
    FUZZ_CHECK(a->kernel == b->kernel && a->daemon == b->daemon && a->verbose == b->verbose);
    FUZZ_CHECK(a->kernel_refill == b->kernel_refill && a->kernel_reseed == b->kernel_reseed);
    FUZZ_CHECK(strcmp(a->control_socket, b->control_socket) == 0);
    FUZZ_CHECK(memcmp(&a->defaults, &b->defaults, sizeof(a->defaults)) == 0);
    for (size_t i = 0; i < a->n_ids; i++)
        FUZZ_CHECK(memcmp(&a->ids[i], &b->ids[i], sizeof(a->ids[i])) == 0);
    for (size_t i = 0; i < a->n_watches; i++)
        FUZZ_CHECK(memcmp(&a->watches[i], &b->watches[i], sizeof(a->watches[i])) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct cfgmap *m = NULL, *m2 = NULL;
    char err[600];

    FUZZ_CHECK(cfgmap_new(&m) == 0);
    memset(err, 'x', sizeof(err));
    int r = conf_import(m, buf, size, FNAME, err, sizeof(err));
    FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
    if (r != 0) {
        check_error(err, r, count_lines(buf, size));
        cfgmap_free(m);
        return 0;
    }
    /* Round trip: --gen-conf's text imports to the same text. */
    char *text = gen(m);
    FUZZ_CHECK(cfgmap_new(&m2) == 0);
    r = conf_import(m2, text, strlen(text), FNAME, err, sizeof(err));
    if (r != 0)
        fprintf(stderr, "round trip failed: %s\n", err);
    FUZZ_CHECK(r == 0);
    char *text2 = gen(m2);
    FUZZ_CHECK(strcmp(text, text2) == 0);
    /* ... and to the same options. */
    struct seedd_opts a, b;
    int ra = extract(m, &a), rb = extract(m2, &b);
    FUZZ_CHECK(ra == rb);
    if (ra == 0)
        same_opts(&a, &b);
    seedd_opts_clear(&a);
    seedd_opts_clear(&b);
    free(text);
    free(text2);
    cfgmap_free(m);
    cfgmap_free(m2);
    return 0;
}
