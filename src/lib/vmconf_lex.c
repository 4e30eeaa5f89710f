/* vmconf_lex: vm.conf's shell words, read as bash would take them, and
 * the messages about what is not plain literal text.  See vmconf.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmconf_int.h"

#define NEVER_RUN "vm.conf is read, never executed"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool is_special(char c)
{
    return c && strchr("$`;&|<>(){}*?[!", c);
}

/* s[0..n) for a message: printable ASCII as is, other bytes (and '\') as
 * \xNN, cut after SHOW_MAX bytes with "...". */
const char *vml_show(char *dst, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            dst[o++] = (char)c;
        } else {
            memcpy(dst + o, "\\x", 2);
            dst[o + 2] = hex[c >> 4];
            dst[o + 3] = hex[c & 15];
            o += 4;
        }
    }
    if (n > SHOW_MAX) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}

int vml_fail(int r, char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return r;
}

/* -EINVAL with "FILE:LINE: message". */
int vml_perr(struct parser *p, unsigned line, const char *fmt, ...)
{
    if (p->err && p->errlen > 0) {
        int n = snprintf(p->err, p->errlen, "%s:%u: ", p->fname, line);
        if (n >= 0 && (size_t)n < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -EINVAL;
}

int vml_oom(struct parser *p)
{
    return vml_fail(-ENOMEM, p->err, p->errlen, "%s: out of memory", p->fname);
}

char vml_at(const struct parser *p, size_t i)
{
    return i < p->len ? p->buf[i] : '\0';
}

/* Blanks and backslash-newlines; newlines too if nl. */
void vml_skip_blanks(struct parser *p, bool nl)
{
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (c == '\\' && vml_at(p, p->pos + 1) == '\n') {
            p->pos++;
            p->line++;
        } else if (nl && c == '\n') {
            p->line++;
        } else if (!is_blank(c)) {
            break;
        }
        p->pos++;
    }
}

/* To the newline (not consumed).  Comments are not continued by '\'. */
void vml_skip_comment(struct parser *p)
{
    while (p->pos < p->len && p->buf[p->pos] != '\n')
        p->pos++;
}

/* End of the raw token at s: the next blank or newline. */
static size_t token_end(const struct parser *p, size_t s)
{
    while (s < p->len && !is_blank(p->buf[s]) && p->buf[s] != '\n')
        s++;
    return s;
}

static int cr_error(struct parser *p)
{
    return vml_perr(p, p->line, "carriage return (DOS line ending?): bash would keep it in the "
                "value; convert the file to Unix line endings");
}

/* What bash would do with these (unquoted; $ and ` in "..." too), longest
 * first.  $NAME and $1, $@, ... are recognised in special_error. */
static const struct {
    const char *tok, *what;
} specials[] = {
    { "$((", "arithmetic expansion" },
    { "$(", "command substitution" },
    { "${", "parameter expansion" },
    { "$'", "ANSI-C quoting" },
    { "$\"", "locale translation" },
    { "`", "command substitution" },
    { ";", "command separator: bash would run what follows" },
    { "&&", "command list: bash would run what follows" },
    { "||", "command list: bash would run what follows" },
    { "&", "background job" },
    { "|", "pipeline" },
    { "<(", "process substitution" },
    { ">(", "process substitution" },
    { "<", "input redirection" },
    { ">", "output redirection: bash would create or truncate a file" },
    { "(", "subshell" },
    { ")", "unmatched parenthesis" },
    { "{", "brace expansion or command group" },
    { "}", "brace expansion or command group" },
    { "*", "pathname expansion" },
    { "?", "pathname expansion" },
    { "[", "pathname expansion" },
    { "!", "history expansion or negation" },
    { "~", "tilde expansion" },
};

/* The shell metacharacter or expansion at i. */
static int special_error(struct parser *p, size_t i, bool in_dq)
{
    const char *s = p->buf + i, *what = "parameter expansion";
    size_t n = 1, left = p->len - i;
    char tok[SHOWBUF];

    if (s[0] == '$' && left > 1 && is_ident(s[1]) && !(s[1] >= '0' && s[1] <= '9')) {
        while (n < left && is_ident(s[n]))
            n++;
        what = "variable expansion";
    } else if (s[0] == '$' && left > 1 && strchr("0123456789@*#?-$!", s[1])) {
        n = 2;
        what = "special parameter expansion";
    } else {
        for (size_t k = 0; k < ARRAY_LEN(specials); k++) {
            const char *t = specials[k].tok;
            size_t tl = strlen(t);
            if (tl > left || memcmp(s, t, tl) != 0 || (in_dq && t[0] == '$' && t[1] != '\0' &&
                                                       strchr("'\"", t[1])))
                continue;
            n = tl;
            what = specials[k].what;
            break;
        }
    }
    vml_show(tok, s, n);
    char q = strchr(tok, '\'') ? '"' : '\'';
    return vml_perr(p, p->line, "%c%s%c (%s) is not supported: " NEVER_RUN, q, tok, q, what);
}

/* Something other than blanks or a comment after a complete value. */
int vml_trailing_error(struct parser *p)
{
    char c = p->buf[p->pos];
    char sh[SHOWBUF];
    if (c == '\r')
        return cr_error(p);
    if (is_special(c))
        return special_error(p, p->pos, false);
    vml_show(sh, p->buf + p->pos, token_end(p, p->pos) - p->pos);
    return vml_perr(p, p->line, "unexpected '%s' after the value: one assignment per line (quote "
                "values with spaces; bash would run it as a command)", sh);
}

int vml_rest_of_line(struct parser *p)
{
    vml_skip_blanks(p, false);
    if (p->pos >= p->len || p->buf[p->pos] == '\n')
        return 0;
    if (p->buf[p->pos] == '#') {
        vml_skip_comment(p);
        return 0;
    }
    return vml_trailing_error(p);
}

/* A statement that is not NAME=... or NAME+=... */
int vml_not_assignment(struct parser *p)
{
    static const char *const decl[] = { "export", "declare", "typeset", "local", "readonly" };
    const char *b = p->buf;
    size_t s = p->pos, e = s, f;
    char sh[SHOWBUF];

    if (b[s] == '\r')
        return cr_error(p);
    if (s == 0 && p->len >= 3 && memcmp(b, "\xef\xbb\xbf", 3) == 0)
        return vml_perr(p, p->line, "byte order mark at the start of the file: bash would run "
                    "it as part of a command; save the file without it");
    if (is_special(b[s]) || b[s] == '~')
        return special_error(p, s, false);
    while (e < p->len && is_ident(b[e]))
        e++;
    f = e;
    while (f < p->len && is_blank(b[f]))
        f++;
    vml_show(sh, b + s, e - s);
    if (e > s && vml_at(p, f) == '(')
        return vml_perr(p, p->line, "function definition '%s()' is not supported: " NEVER_RUN, sh);
    if (e > s && vml_at(p, e) == '[')
        return vml_perr(p, p->line, "'%s[' (array element assignment) is not supported: use "
                    "%s=( ... )", sh, sh);
    if (e > s && f > e && (vml_at(p, f) == '=' || (vml_at(p, f) == '+' && vml_at(p, f + 1) == '=')))
        return vml_perr(p, p->line, "spaces around '=' in '%s =': bash would run '%s' as a "
                    "command", sh, sh);
    if (e > s && (e == p->len || is_blank(b[e]) || b[e] == '\n')) {
        for (size_t k = 0; k < ARRAY_LEN(decl); k++)
            if (strlen(decl[k]) == e - s && memcmp(decl[k], b + s, e - s) == 0)
                return vml_perr(p, p->line, "'%s' is not supported: only plain NAME=VALUE "
                            "assignments are allowed", sh);
        if (e - s == 8 && memcmp(b + s, "function", 8) == 0)
            return vml_perr(p, p->line, "'function' is not supported: " NEVER_RUN);
    }
    vml_show(sh, b + s, token_end(p, s) - s);
    return vml_perr(p, p->line, "'%s' is a command, not an assignment: " NEVER_RUN, sh);
}

static void put(struct parser *p, char c)
{
    if (p->wlen < VMCONF_MAX_WORD)
        p->word[p->wlen] = c;
    p->wlen++;
}

/* '...' (literal) or "..." (\" \\ \$ \` and backslash-newline; other
 * backslashes are kept; $ and ` are errors). */
static int quoted(struct parser *p)
{
    char q = p->buf[p->pos];
    unsigned open = p->line;

    for (p->pos++;; p->pos++) {
        if (p->pos >= p->len)
            return vml_perr(p, open, "unterminated quote: the %c on this line is never closed", q);
        char c = p->buf[p->pos];
        if (c == q)
            break;
        if (q == '"' && c == '\\' && p->pos + 1 < p->len) {
            char n = p->buf[p->pos + 1];
            if (n == '\n' || n == '"' || n == '\\' || n == '$' || n == '`') {
                p->pos++;
                if (n == '\n')
                    p->line++;
                else
                    put(p, n);
                continue;
            }
        } else if (q == '"' && (c == '$' || c == '`')) {
            return special_error(p, p->pos, true);
        }
        if (c == '\n')
            p->line++;
        put(p, c);
    }
    p->pos++;
    return 0;
}

/* One bash word into p->word (NUL-terminated).  *present: anything at all,
 * even "" (an unquoted empty word is no word).  In an array, ')' ends it. */
int vml_parse_word(struct parser *p, bool array, bool *present)
{
    bool colon = false;
    int r;

    p->wlen = 0;
    p->wline = p->line;
    *present = false;
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (is_blank(c) || c == '\n' || (array && c == ')'))
            break;
        if (c == '\\') {
            if (p->pos + 1 >= p->len)
                return vml_perr(p, p->line, "backslash at the end of the file");
            p->pos += 2;
            if (p->buf[p->pos - 1] == '\n') {
                p->line++;
                continue;
            }
            put(p, p->buf[p->pos - 1]);
        } else if (c == '\'' || c == '"') {
            if ((r = quoted(p)) < 0)
                return r;
        } else if (c == '\r') {
            return cr_error(p);
        } else if (is_special(c) || (c == '~' && (!*present || colon))) {
            return special_error(p, p->pos, false);
        } else {
            put(p, c);
            p->pos++;
        }
        colon = c == ':';
        *present = true;
    }
    if (p->wlen > VMCONF_MAX_WORD)
        return vml_perr(p, p->wline, "value longer than %d bytes", VMCONF_MAX_WORD);
    p->word[p->wlen] = '\0';
    return 0;
}
