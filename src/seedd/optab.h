/* optab: seedd's one option table (spec §8.2, §9.1).
 *
 * Every option of the command line and every key of the config file is
 * one row: its long and short option, its config section and key, whether
 * it takes a value, the parser that validates a value and sets it, and its
 * help text.  getopt_long's array, --help, the config file import,
 * --gen-conf and seedd(1)'s lists all come from here.  Pure: nothing here
 * prints or reads files.
 */
#ifndef SEEDD_OPTAB_H
#define SEEDD_OPTAB_H

#include <stdbool.h>
#include <stddef.h>

/* The config section an option's key belongs to. */
enum optab_sec {
    OS_NONE,      /* command line only */
    OS_SERVICE,   /* [Service]; target: struct seedd_opts */
    OS_POOL,      /* [Pool]; target: struct seedd_opts */
    OS_POOLGROUP, /* [PoolGroup:ID]; target: struct groupsize */
    OS_DEVICE,    /* [Devices] and [Device:ID]; target: struct devcfg */
    OS_WATCH,     /* [Watch:LABEL]; target: struct watchspec */
};

/* What an option does on the command line. */
enum optab_kind {
    OK_KEY,        /* sets its key (per-device keys: in the current -i's section) */
    OK_SCAN,
    OK_SHELL_MR,
    OK_CONFIG,     /* -C FILE */
    OK_GEN_CONF,
    OK_DEVICE_ID,  /* -i ID: the section [Device:ID] */
    OK_BYTES,
    OK_STDOUT,
    OK_GROUP_SIZE, /* -G ID:SIZE: [PoolGroup:ID] size */
    OK_WATCH,      /* --watch SPEC: a [Watch:N] */
    OK_VERBOSE,
    OK_PROGRESS,
    OK_HELP,
    OK_VERSION,
    OK_HEADING,    /* not an option: a --help heading (help) for the rows after it */
    OK_END,        /* the end of the table */
};

struct optab {
    const char *lname;  /* long option; NULL: a config key only */
    int sname;          /* short option, 0: none */
    const char *arg;    /* the argument in --help; NULL: takes no value */
    enum optab_sec sec;
    const char *key;    /* config key; NULL: command line only */
    enum optab_kind kind;
    /* Validates val and sets it in target (see enum optab_sec); the
     * reason alone in why on error ("must be 1 to 255 (ms)").  NULL for a
     * key without a value (the key's presence is its meaning). */
    int (*parse)(const char *val, void *target, char *why, size_t len);
    const char *help;   /* --help text; '\n' starts a continuation line */
};

/* The table, in --help order, ended by a row of kind OK_END. */
extern const struct optab optab[];

/* Whether row e is a list: given again on the command line, its values
 * are joined with ',' (a file's key is still one line). */
bool optab_list(const struct optab *e);

/* The row of config key in sec; NULL: no such key. */
const struct optab *optab_key(enum optab_sec sec, const char *key);

/* Which section a config section name is, and its canonical name (IDs
 * written as seedd writes them: "PoolGroup:7" for "PoolGroup:007",
 * "Device:3:6" for "Device:003:006").  -ENOENT: no such section;
 * -EINVAL: a bad ID, with the reason in why. */
int optab_section(const char *name, enum optab_sec *sec, char *canon, size_t canonlen, char *why,
                  size_t len);

/* The rank of a section in --gen-conf order: Service, Pool, PoolGroup:*,
 * Devices, Device:*, Watch:*, then the rest. */
int optab_rank(const char *section);

/* Validates val as the value of row e (the reason alone in why, as
 * parse): no line end, no leading or trailing blanks (what a config file
 * could not hold), empty
 * exactly when the row takes no value, then the row's parser. */
int optab_check(const struct optab *e, const char *val, char *why, size_t len);

/* Sets val in target with row e's parser (a key without a value: 0). */
int optab_apply(const struct optab *e, const char *val, void *target, char *why, size_t len);

#endif
