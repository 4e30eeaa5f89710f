/* qaref: the QA reference implementation (tests/unit/qa_ref.c, spec §4) as
 * a filter for the system tests, to predict exactly which blocks seedd's
 * device gate lets through.
 *
 *   qaref gen SEED LEN > data
 *       LEN deterministic pseudo-random bytes (splitmix64 from SEED).
 *   qaref check BLOCK VERDICTS < stream > passed
 *       Checks each whole BLOCK-byte block of stream with one reference
 *       health monitor (as a device below 5 Mbit/s: Ent8 ok at the start),
 *       writes the blocks that pass to stdout, and one character per block
 *       to the file VERDICTS: 'P' passed, 'F' failed.  A trailing partial
 *       block is ignored.
 *   qaref and FILE OFFSET LEN MASK
 *       ANDs LEN bytes of FILE from OFFSET with MASK, in place (MASK 0xfe
 *       makes the FIPS blocks there fail Monobit, unseen by Ent8).
 *   qaref gate exact|upstream BLOCK < stream > passed
 *       The bytes seedd's device gate passes in that mode (--qa-gate),
 *       predicted byte by byte by ref_gate() (qa_ref.h) for a stream read
 *       in BLOCK-byte blocks by a device below 5 Mbit/s.
 * Exit 0, or 2 for bad usage, 1 for I/O errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qa_ref.h"

static int gen(const char *seed_s, const char *len_s)
{
    uint64_t seed = strtoull(seed_s, NULL, 0);
    unsigned long long left = strtoull(len_s, NULL, 0);
    static uint8_t buf[65536];
    while (left) {
        size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
        ref_random(&seed, buf, n);
        if (fwrite(buf, 1, n, stdout) != n)
            return 1;
        left -= n;
    }
    return fflush(stdout) ? 1 : 0;
}

static int check(const char *block_s, const char *verdicts)
{
    size_t block = strtoul(block_s, NULL, 0);
    uint8_t *buf = block ? malloc(block) : NULL;
    FILE *v = fopen(verdicts, "w");
    static struct ref_health h;
    int rc = 1;

    if (!buf || !v || ref_health_init(&h, true, 0, 0) < 0)
        goto out;
    while (fread(buf, 1, block, stdin) == block) {
        bool ok = ref_health_check(&h, buf, block);
        if (fputc(ok ? 'P' : 'F', v) == EOF || (ok && fwrite(buf, 1, block, stdout) != block))
            goto out;
    }
    rc = fflush(stdout) || ferror(stdin) ? 1 : 0;
out:
    if (v && fclose(v))
        rc = 1;
    ref_health_destroy(&h);
    free(buf);
    return rc;
}

static int gate(const char *mode, const char *block_s)
{
    size_t block = strtoul(block_s, NULL, 0), len = 0, cap = 0, n;
    uint8_t *buf = NULL, *out = NULL;
    int rc = 1;
    if (!block || (strcmp(mode, "exact") && strcmp(mode, "upstream"))) {
        fprintf(stderr, "qaref gate: bad mode or block size\n");
        return 2;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 1 << 20);
            if (!nb)
                goto out;
            buf = nb;
        }
        if ((n = fread(buf + len, 1, cap - len, stdin)) == 0)
            break;
        len += n;
    }
    if (ferror(stdin) || !(out = malloc(len ? len : 1)))
        goto out;
    n = ref_gate(buf, len, block, !strcmp(mode, "exact"), true, out);
    rc = fwrite(out, 1, n, stdout) != n || fflush(stdout) ? 1 : 0;
out:
    free(buf);
    free(out);
    return rc;
}

static int and_bytes(const char *path, const char *off_s, const char *len_s, const char *mask_s)
{
    long off = strtol(off_s, NULL, 0), len = strtol(len_s, NULL, 0);
    unsigned mask = (unsigned)strtoul(mask_s, NULL, 0);
    FILE *f = fopen(path, "r+b");
    int rc = 1;
    if (!f || off < 0 || len < 0 || mask > 255)
        goto out;
    for (long i = off; i < off + len; i++) {
        int c;
        if (fseek(f, i, SEEK_SET) || (c = fgetc(f)) == EOF || fseek(f, i, SEEK_SET) ||
            fputc(c & (int)mask, f) == EOF)
            goto out;
    }
    rc = 0;
out:
    if (f && fclose(f))
        rc = 1;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "and"))
        return and_bytes(argv[2], argv[3], argv[4], argv[5]);
    if (argc == 4 && !strcmp(argv[1], "gate"))
        return gate(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "gen"))
        return gen(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "check"))
        return check(argv[2], argv[3]);
    fprintf(stderr, "usage: qaref gen SEED LEN | qaref check BLOCK VERDICTS | "
                    "qaref gate exact|upstream BLOCK | qaref and FILE OFFSET LEN MASK\n");
    return 2;
}
