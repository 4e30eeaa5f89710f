/* ini: config file grammar.  See ini.h. */
#include "ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct sec {
    struct ini_section pub;
    struct ini_option *opts;
    size_t cap;
};

struct ini {
    char *text; /* a copy of the buffer, cut into NUL-terminated pieces */
    struct sec *secs;
    size_t n, cap;
};

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

__attribute__((format(printf, 5, 6))) static int fail(unsigned line, unsigned *err_line,
                                                        char *err, size_t errlen,
                                                        const char *fmt, ...)
{
    va_list ap;
    *err_line = line;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int add_section(struct ini *ini, char *name, unsigned line, unsigned *err_line, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < ini->n; i++)
        if (strcmp(ini->secs[i].pub.name, name) == 0)
            return fail(line, err_line, err, errlen, "section [%s] appears twice (first at line %u)",
                        name, ini->secs[i].pub.line);
    if (vec_grow((void **)&ini->secs, &ini->cap, ini->n + 1, sizeof(*ini->secs)) < 0)
        return -ENOMEM;
    ini->secs[ini->n++] = (struct sec){ .pub = { .name = name, .line = line } };
    return 0;
}

static int add_option(struct ini *ini, char *name, char *value, unsigned line, unsigned *err_line,
                      char *err, size_t errlen)
{
    if (!ini->n)
        return fail(line, err_line, err, errlen, "option '%s' before any section", name);
    struct sec *s = &ini->secs[ini->n - 1];
    for (size_t i = 0; i < s->pub.n_opts; i++)
        if (strcmp(s->opts[i].name, name) == 0)
            return fail(line, err_line, err, errlen,
                        "option '%s' appears twice in section [%s] (first at line %u)", name,
                        s->pub.name, s->opts[i].line);
    if (vec_grow((void **)&s->opts, &s->cap, s->pub.n_opts + 1, sizeof(*s->opts)) < 0)
        return -ENOMEM;
    s->opts[s->pub.n_opts++] = (struct ini_option){ name, value, line };
    s->pub.opts = s->opts;
    return 0;
}

/* One line (NUL-terminated, no line end), leading blanks skipped. */
static int parse_line(struct ini *ini, char *p, unsigned line, unsigned *err_line, char *err,
                      size_t errlen)
{
    if (!*p || *p == '#')
        return 0;
    if (*p == '[') {
        char *close = strchr(p, ']');
        if (!close)
            return fail(line, err_line, err, errlen, "'%s': a section needs a closing ']'", p);
        char *rest = close + 1;
        while (blank(*rest))
            rest++;
        if (*rest && *rest != '#')
            return fail(line, err_line, err, errlen,
                        "'%s': only a '#' comment may follow a section's ']'", p);
        if (close == p + 1)
            return fail(line, err_line, err, errlen, "'%s': empty section name", p);
        *close = 0;
        return add_section(ini, p + 1, line, err_line, err, errlen);
    }
    char *name = p;
    while (*p && !blank(*p))
        p++;
    char *value = p;
    if (*p) {
        *p++ = 0;
        while (blank(*p))
            p++;
        value = p;
        char *end = p + strlen(p);
        while (end > p && blank(end[-1]))
            end--;
        *end = 0;
    }
    return add_option(ini, name, value, line, err_line, err, errlen);
}

static int parse_all(struct ini *ini, size_t len, unsigned *err_line, char *err, size_t errlen)
{
    char *p = ini->text, *end = ini->text + len;
    unsigned line = 1;
    while (p < end) {
        char *eol = p;
        while (eol < end && *eol != '\n' && *eol != '\r')
            eol++;
        char *next = eol < end ? eol + 1 : end;
        if (eol < end && *eol == '\r' && next < end && *next == '\n')
            next++;
        if (memchr(p, 0, (size_t)(eol - p)))
            return fail(line, err_line, err, errlen, "NUL byte");
        *eol = 0;
        while (blank(*p))
            p++;
        int r = parse_line(ini, p, line, err_line, err, errlen);
        if (r < 0)
            return r;
        p = next;
        line++;
    }
    return 0;
}

int ini_parse(const char *buf, size_t len, struct ini **out, unsigned *err_line, char *err,
              size_t errlen)
{
    unsigned line = 0;
    int r = -ENOMEM;
    if (errlen)
        err[0] = 0;
    if (len > INI_MAX_SIZE) {
        *err_line = 0;
        snprintf(err, errlen, "larger than %d bytes", INI_MAX_SIZE);
        return -EINVAL;
    }
    struct ini *ini = calloc(1, sizeof(*ini));
    if (!ini || !(ini->text = malloc(len + 1)))
        goto fail;
    memcpy(ini->text, buf, len);
    ini->text[len] = 0;
    r = parse_all(ini, len, &line, err, errlen);
    if (r < 0)
        goto fail;
    *out = ini;
    return 0;
fail:
    if (r == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    *err_line = r == -ENOMEM ? 0 : line;
    ini_free(ini);
    return r;
}

size_t ini_count(const struct ini *ini)
{
    return ini->n;
}

const struct ini_section *ini_section(const struct ini *ini, size_t i)
{
    return i < ini->n ? &ini->secs[i].pub : NULL;
}

void ini_free(struct ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->n; i++)
        free(ini->secs[i].opts);
    free(ini->secs);
    free(ini->text);
    free(ini);
}
