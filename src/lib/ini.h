/* ini: the grammar of seedd's config files (spec §8.1), as a pure parser
 * over a buffer.
 *
 * Lines end at '\n', '\r' or "\r\n" (counted as one line).  Leading blanks
 * (space, tab) are skipped; blank lines and lines whose first non-blank
 * character is '#' are ignored.  "[NAME]" starts a section: NAME is
 * everything between '[' and the first ']' (not empty); after the ']' only
 * blanks or a '#' comment may follow.  Any other line is an option: its
 * name runs up to the first blank, its value is the rest without leading
 * and trailing blanks (internal blanks and '#' are kept; no '=', quotes
 * are literal; no value is the empty string).
 *
 * Stricter than upstream, each an error with its line: an option before
 * any section, a '[' line without ']' or with other text after it, a
 * section that appears twice, an option that appears twice in one section,
 * a NUL byte.  Other bytes are taken as they are (names and values are
 * byte strings).
 */
#ifndef BB_INI_H
#define BB_INI_H

#include <stddef.h>

#define INI_MAX_SIZE (1024 * 1024) /* larger buffers are refused */

struct ini_option {
    const char *name;
    const char *value; /* "" when there is none */
    unsigned line;
};

struct ini_section {
    const char *name;
    unsigned line;
    const struct ini_option *opts; /* in file order */
    size_t n_opts;
};

struct ini;

/* Parses buf (len bytes, not NUL-terminated).  Returns 0 and *out, or
 * -EINVAL with *err_line (0 if no line applies, e.g. for a buffer that is
 * too large) and a one-line message in err ("option 'x' before any
 * section"); -ENOMEM.  *out is untouched on error. */
int ini_parse(const char *buf, size_t len, struct ini **out, unsigned *err_line, char *err,
              size_t errlen);

size_t ini_count(const struct ini *ini);
/* Section i in file order, NULL past the end. */
const struct ini_section *ini_section(const struct ini *ini, size_t i);
void ini_free(struct ini *ini);

#endif
