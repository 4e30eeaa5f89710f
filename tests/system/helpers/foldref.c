/* foldref: reference XOR fold for the system tests, written as plainly as
 * possible and independent of the library:
 *   foldref BLOCK FOLDS < raw > folded
 * reads whole blocks of BLOCK raw bytes; for each, folds FOLDS times (the
 * second half XORed onto the first) and writes the first BLOCK>>FOLDS bytes.
 * A trailing partial block is ignored. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    size_t block = strtoul(argv[1], NULL, 10);
    unsigned folds = (unsigned)strtoul(argv[2], NULL, 10);
    unsigned char *buf = malloc(block);
    if (!buf || block == 0 || block % (1ul << folds))
        return 2;
    while (fread(buf, 1, block, stdin) == block) {
        size_t len = block;
        for (unsigned f = 0; f < folds; f++) {
            len /= 2;
            for (size_t i = 0; i < len; i++)
                buf[i] ^= buf[len + i];
        }
        if (fwrite(buf, 1, len, stdout) != len)
            return 1;
    }
    free(buf);
    return 0;
}
