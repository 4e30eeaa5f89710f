/* climsg: command-line messages that are safe and exact.
 *
 * climsg_escape() makes text from arguments printable: control characters,
 * DEL, C1 controls and bytes that are not UTF-8 become \xHH, and text that
 * does not fit is shortened in the middle ("head...tail"), so the end of a
 * message (its reason) survives a long argument.
 *
 * climsg_getopt_error() says what getopt_long() (with opterr = 0 and an
 * optstring starting with ':') objected to, in the terms of the long option
 * table: an unknown option, a long option abbreviation that is ambiguous
 * (naming the candidates), an argument given to an option that takes none,
 * a missing argument.  Nothing here prints.
 */
#ifndef BB_CLIMSG_H
#define BB_CLIMSG_H

#include <getopt.h>
#include <stddef.h>

/* Writes the escaped s into buf (len >= 8), NUL-terminated; returns buf. */
char *climsg_escape(const char *s, char *buf, size_t len);

/* After getopt_long() returned c ('?' or ':'), with word = argv[optind - 1]
 * and getopt's optopt: 1 and a message in buf ("unrecognized option '--x'",
 * "option '--no-qa' takes no argument", "option '--s' is ambiguous (--scan,
 * --shell-mr)", "invalid option -- 'x'", "missing argument for '-b'") for
 * an error; 0 when c is '?' because '?' is an option itself (-?, --help:
 * the caller shows its usage).  A long option's error is told from a short
 * one's by optopt (0, or the long option's val), as glibc sets it. */
int climsg_getopt_error(int c, int optopt, const char *word, const struct option *opts,
                        char *buf, size_t len);

#endif
