/*
 * cli.h - the command-line layer: messages, exit, option parsing.  Only
 * code in runner/main.c and runner/cmd_*.c uses it; everything else returns
 * struct pt_err.
 */
#ifndef PROEFTUIN_CLI_H
#define PROEFTUIN_CLI_H

#include <stdbool.h>

#include "util.h"

/* Exit statuses beyond sysexits(3): the verdicts. */
#define EXIT_PASS 0
#define EXIT_REVIEW 1
#define EXIT_FAIL 2

/* Print "proeftuin: message" on stderr, with control characters and
 * terminal escapes removed from the message. */
void warnx_(const char *fmt, ...) PT_PRINTF(1, 2);
PT_NORETURN void die(int status, const char *fmt, ...) PT_PRINTF(2, 3);
PT_NORETURN void die_err(const struct pt_err *err);

/* Copy `s` for a terminal: control characters (ESC, CR, BEL, C1, ...)
 * other than newline and tab, bidi overrides and invalid UTF-8 become
 * U+FFFD (text_clean), so bundle text cannot move the cursor, rewrite a
 * line, retitle the window or reorder what the user reads. */
char *console_safe(const char *s);

/* A tiny, environment-independent option parser (getopt honours
 * POSIXLY_CORRECT; this one does not).  Options may come before or after
 * operands; "--" ends options; "--name=value" and "--name value" both work. */
struct cli_opt {
	const char *long_name; /* without the dashes */
	char short_name;       /* 0 for none */
	bool takes_value;
	const char **value; /* set for options with a value */
	bool *flag;	    /* set for flags */
};

/* Returns the number of operands moved to the front of argv (after
 * argv[0]), or dies with status 64 and `usage` on a bad option. */
int cli_parse(int argc, char **argv, const struct cli_opt *opts,
	      const char *usage);

/* Parse SOURCE_DATE_EPOCH: 0 and *set=false when unset; dies with 64 on a
 * malformed value. */
long long cli_source_date_epoch(bool *set);

/* A command's --help on stdout: its usage line(s), then `text` (what it
 * does, its options, an example). */
void cli_help(const char *usage, const char *text);

/* The keyring folder: --keyring, else $PROEFTUIN_KEYRING, else
 * $XDG_CONFIG_HOME/proeftuin/keys, else ~/.config/proeftuin/keys. */
char *cli_keyring_dir(const char *opt);

/* The time of a review or release event, RFC 3339 UTC: SOURCE_DATE_EPOCH
 * when set (so tests and re-runs are byte-identical), else the clock. */
char *cli_event_time(void);

#endif
