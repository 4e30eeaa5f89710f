/* vmconf_int: what vmconf.c (statements, domains) and vmconf_lex.c (the
 * shell words and the errors about them) share.  Not an API. */
#ifndef BB_VMCONF_INT_H
#define BB_VMCONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#define VMCONF_MAX_WORD 4096
#define SHOW_MAX 40
#define SHOWBUF (SHOW_MAX * 4 + 8)

struct vmconf;

struct parser {
    const char *buf;
    size_t len, pos;
    unsigned line;
    const char *fname;
    char *err;
    size_t errlen;
    struct vmconf *c;
    char word[VMCONF_MAX_WORD + 1];
    size_t wlen;              /* may exceed VMCONF_MAX_WORD: checked at the end */
    unsigned wline;           /* line where the word started */
};

static inline bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static inline bool is_ident(char c)
{
    return is_alnum(c) || c == '_';
}

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* -r with the message in err (if any). */
int vml_fail(int r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* -EINVAL with "FILE:LINE: message". */
int vml_perr(struct parser *p, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vml_oom(struct parser *p);
/* s[0..n) for a message: printable ASCII as is, other bytes (and '\') as
 * \xNN, cut after SHOW_MAX bytes with "..."; dst holds SHOWBUF. */
const char *vml_show(char *dst, const char *s, size_t n);
/* The byte at i, or NUL past the end. */
char vml_at(const struct parser *p, size_t i);
/* Blanks and backslash-newlines; newlines too if nl. */
void vml_skip_blanks(struct parser *p, bool nl);
void vml_skip_comment(struct parser *p);
int vml_trailing_error(struct parser *p);
int vml_rest_of_line(struct parser *p);
int vml_not_assignment(struct parser *p);
/* One shell word into p->word (quotes removed); *present: a word was
 * there. */
int vml_parse_word(struct parser *p, bool array, bool *present);

#endif
