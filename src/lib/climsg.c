/* climsg: command-line messages that are safe and exact.  See climsg.h. */
#include "climsg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s that is printable (not a C1
 * control), or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    unsigned long cp, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2, cp = s[0] & 0x1Fu, min = 0xA0; /* U+0080..U+009F are C1 controls */
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3, cp = s[0] & 0x0Fu, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* One unit of s (a byte or a UTF-8 sequence) as printed: its text in out
 * (at most 4 characters, not terminated), its printed length returned, its
 * source length in *src. */
static size_t unit(const char *s, size_t *src, char out[4])
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80 ? (u[0] >= 0x20 && u[0] != 0x7F) : utf8_len(u);
    if (n) {
        memcpy(out, s, n);
        *src = n;
        return n;
    }
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    out[1] = 'x';
    out[2] = hex[u[0] >> 4];
    out[3] = hex[u[0] & 15];
    *src = 1;
    return 4;
}

static size_t printed_len(const char *s)
{
    size_t total = 0, src;
    char tmp[4];
    for (; *s; s += src)
        total += unit(s, &src, tmp);
    return total;
}

/* Appends the units of s while they fit in room; returns the end of s
 * taken. */
static const char *append(const char *s, char **pos, size_t room)
{
    size_t src;
    char tmp[4];
    while (*s) {
        size_t n = unit(s, &src, tmp);
        if (n > room)
            break;
        memcpy(*pos, tmp, n);
        *pos += n;
        room -= n;
        s += src;
    }
    return s;
}

char *climsg_escape(const char *s, char *buf, size_t len)
{
    char *pos = buf;
    size_t total = printed_len(s);
    if (total < len) {
        append(s, &pos, total);
        *pos = 0;
        return buf;
    }
    /* head...tail: the tail starts at the first unit after which the rest
     * fits in its half. */
    size_t head_room = (len - 4) / 2, tail_room = len - 4 - head_room;
    append(s, &pos, head_room);
    memcpy(pos, "...", 3);
    pos += 3;
    size_t src, left = total;
    char tmp[4];
    const char *t = s;
    while (left > tail_room) {
        left -= unit(t, &src, tmp);
        t += src;
    }
    append(t, &pos, tail_room);
    *pos = 0;
    return buf;
}

/* The option the long option word (after "--", up to '=' or its end, n
 * characters) names: an exact match, else the one option it abbreviates.
 * *count is the number of candidates (0: unknown, > 1: ambiguous). */
static const struct option *find_long(const struct option *opts, const char *name, size_t n,
                                      size_t *count)
{
    const struct option *found = NULL;
    *count = 0;
    for (const struct option *o = opts; o->name; o++) {
        if (strncmp(o->name, name, n) != 0)
            continue;
        if (strlen(o->name) == n) {
            *count = 1;
            return o;
        }
        if (!found || found->val != o->val || found->has_arg != o->has_arg ||
            found->flag != o->flag)
            ++*count;
        if (!found)
            found = o;
    }
    return found;
}

static void list_candidates(const struct option *opts, const char *name, size_t n, char *buf,
                            size_t len)
{
    size_t used = strlen(buf);
    const char *sep = " (";
    for (const struct option *o = opts; o->name && used + 1 < len; o++) {
        if (strncmp(o->name, name, n) != 0)
            continue;
        snprintf(buf + used, len - used, "%s--%s", sep, o->name);
        used += strlen(buf + used);
        sep = ", ";
    }
    if (used + 1 < len)
        snprintf(buf + used, len - used, ")");
}

/* 1 and a message when the error is about the long option word (see
 * climsg_getopt_error), -1 when it is not (a short option's error while
 * optind still points at the word before it). */
static int long_error(int c, int optopt, const char *word, const struct option *opts,
                      char *buf, size_t len)
{
    const char *name = word + 2;
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name), count;
    char shown[128];
    const struct option *o = find_long(opts, name, n, &count);
    if (count != 1 && optopt == 0) {
        if (count == 0) {
            snprintf(buf, len, "unrecognized option '%s'",
                     climsg_escape(word, shown, sizeof(shown)));
            return 1;
        }
        char nm[128];
        snprintf(nm, sizeof(nm), "%.*s", (int)n, name);
        snprintf(buf, len, "option '--%s' is ambiguous", climsg_escape(nm, shown, sizeof(shown)));
        list_candidates(opts, name, n, buf, len);
        return 1;
    }
    if (count != 1 || o->val != optopt)
        return -1;
    if (c == ':')
        snprintf(buf, len, "missing argument for '--%s'", o->name);
    else if (eq && o->has_arg == no_argument)
        snprintf(buf, len, "option '--%s' takes no argument", o->name);
    else if (o->val == '?' && !o->flag)
        return 0; /* --help */
    else
        snprintf(buf, len, "unrecognized option '%s'", climsg_escape(word, shown, sizeof(shown)));
    return 1;
}

int climsg_getopt_error(int c, int optopt, const char *word, const struct option *opts,
                        char *buf, size_t len)
{
    if (word && strncmp(word, "--", 2) == 0 && word[2]) {
        int r = long_error(c, optopt, word, opts, buf, len);
        if (r >= 0)
            return r;
    }
    char ch[2] = { (char)optopt, 0 }, shown[8];
    if (c == ':') {
        snprintf(buf, len, "missing argument for '-%s'", climsg_escape(ch, shown, sizeof(shown)));
        return 1;
    }
    if (optopt == '?' || optopt == 0)
        return 0; /* -? */
    snprintf(buf, len, "invalid option -- '%s'", climsg_escape(ch, shown, sizeof(shown)));
    return 1;
}
