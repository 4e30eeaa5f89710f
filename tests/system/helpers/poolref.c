/* poolref: reference model of seedd's pool groups, pool and stdout reader
 * (spec 5.1, 5.2, 6.1), written plainly and independent of the library:
 *
 *   poolref POOL GROUP LIMIT ORDER STREAM... > expected
 *
 * STREAM i is the sequence of GROUP-byte folded blocks member i delivers, in
 * its order (cycled at its end, as bbemu cycles a payload file); ORDER has
 * one member index per line: the order in which the members' blocks reached
 * the group (from seedd's log).  With one STREAM the group passes blocks
 * straight to the pool (group 0 or a one-member group); with more, a block
 * is copied into the group buffer if no member has contributed yet, else
 * XORed in, and once every member has, the buffer goes to the pool.  The
 * pool (POOL bytes) fills, then XOR-mixes the rest cyclically from a
 * persistent cursor.  After every addition, the stdout reader takes
 * min(LIMIT left, 65536) bytes while the pool holds at least min(that,
 * POOL): the top of the filled region.  Stops after LIMIT bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MEMBERS 8
#define READ_CHUNK 65536

static size_t psize, fill, next;
static uint8_t *pool, *rbuf;
static unsigned long long left;

static void pool_add(const uint8_t *d, size_t len)
{
    size_t n = psize - fill < len ? psize - fill : len;
    memcpy(pool + fill, d, n);
    fill += n;
    for (size_t i = n; i < len; i++) {
        pool[next] ^= d[i];
        next = (next + 1) % psize;
    }
    /* the reader, as long as it can read */
    while (left) {
        size_t want = left < READ_CHUNK ? (size_t)left : READ_CHUNK;
        size_t need = want < psize ? want : psize;
        if (fill < need)
            break;
        size_t got = fill < want ? fill : want;
        memcpy(rbuf, pool + fill - got, got);
        fill -= got;
        if (fwrite(rbuf, 1, got, stdout) != got)
            exit(1);
        left -= got;
    }
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc - 5 > MAX_MEMBERS)
        return 2;
    psize = strtoul(argv[1], NULL, 0);
    size_t gsize = strtoul(argv[2], NULL, 0);
    left = strtoull(argv[3], NULL, 0);
    FILE *order = fopen(argv[4], "r");
    unsigned members = (unsigned)(argc - 5);
    FILE *in[MAX_MEMBERS];
    for (unsigned i = 0; i < members; i++)
        if (!(in[i] = fopen(argv[5 + i], "rb")))
            return 1;
    pool = calloc(1, psize);
    rbuf = malloc(READ_CHUNK);
    uint8_t *gbuf = malloc(gsize), *blk = malloc(gsize);
    if (!order || !psize || !gsize || !pool || !rbuf || !gbuf || !blk)
        return 1;
    unsigned filled = 0, all = (1u << members) - 1;
    unsigned m;
    while (left && fscanf(order, "%u", &m) == 1) {
        if (m >= members)
            return 1;
        if (fread(blk, 1, gsize, in[m]) != gsize) {
            rewind(in[m]);
            if (fread(blk, 1, gsize, in[m]) != gsize)
                return 1;
        }
        if (members == 1) {
            pool_add(blk, gsize);
            continue;
        }
        if (!filled)
            memcpy(gbuf, blk, gsize);
        else
            for (size_t i = 0; i < gsize; i++)
                gbuf[i] ^= blk[i];
        filled |= 1u << m;
        if (filled == all) {
            filled = 0;
            pool_add(gbuf, gsize);
        }
    }
    free(gbuf);
    free(blk);
    return fflush(stdout) ? 1 : 0;
}
