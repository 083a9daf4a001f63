/* cli.c - messages, exit and option parsing; see cli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "review.h"
#include "textsafe.h"

char *
console_safe(const char *s)
{
	struct sbuf sb = SBUF_INIT;

	/* text_clean, not just C0 and DEL: a C1 control (U+009B is CSI to an
	 * 8-bit terminal), a bidi override or a stray byte from a bundle is
	 * as able to rewrite what the user sees. */
	text_clean(&sb, s, strlen(s), SIZE_MAX, true);
	return sbuf_steal(&sb);
}

/* Messages are lowercase, but the C library's error texts are not ("No
 * such file or directory"): lowercase the first letter of each one that
 * follows ": " in `msg`.  Only those exact texts change, so a name such as
 * "Lua" or "PASS" in a message is kept. */
static void
lowercase_strerror(char *msg)
{
	int e;

	for (e = 1; e < 134; e++) {
		const char *text = strerror(e);
		size_t n = strlen(text);
		char *p = msg;

		if (strncmp(text, "Unknown error", 13) == 0)
			continue;
		while ((p = strstr(p, text)) != NULL) {
			if (p - msg >= 2 && p[-2] == ':' && p[-1] == ' ' &&
			    *p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
			p += n;
		}
	}
}

static void PT_PRINTF(1, 0) vmessage(const char *fmt, va_list ap)
{
	struct sbuf sb = SBUF_INIT;
	char *safe;

	sbuf_vprintf(&sb, fmt, ap);
	safe = console_safe(sb.buf != NULL ? sb.buf : "");
	lowercase_strerror(safe);
	fprintf(stderr, "proeftuin: %s\n", safe);
	free(safe);
	sbuf_free(&sb);
}

void
warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap);
	va_end(ap);
	exit(status);
}

void
die_err(const struct pt_err *err)
{
	die(err->code != 0 ? err->code : EX_SOFTWARE, "%s", err->msg);
}

static const struct cli_opt *
find_long(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts->long_name != NULL; opts++)
		if (strlen(opts->long_name) == len &&
		    strncmp(opts->long_name, name, len) == 0)
			return opts;
	return NULL;
}

static const struct cli_opt *
find_short(const struct cli_opt *opts, char c)
{
	for (; opts->long_name != NULL; opts++)
		if (opts->short_name != 0 && opts->short_name == c)
			return opts;
	return NULL;
}

int
cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage)
{
	char **operands = xcalloc((size_t)argc + 1, sizeof(*operands));
	int i, n = 0;
	bool only_operands = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		const struct cli_opt *o;

		/* An empty word is an unset shell variable, never a path. */
		if (a[0] == '\0')
			die(EX_USAGE, "empty argument\nusage: %s", usage);
		if (only_operands || a[0] != '-' || a[1] == '\0') {
			operands[n++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			o = find_long(opts, a + 2,
				      eq != NULL ? (size_t)(eq - a - 2)
						 : strlen(a + 2));
			if (eq != NULL)
				value = eq + 1;
		} else {
			o = a[2] == '\0' ? find_short(opts, a[1]) : NULL;
		}
		if (o == NULL)
			die(EX_USAGE, "unknown option '%s'\nusage: %s", a,
			    usage);
		if (o->takes_value) {
			if (value == NULL) {
				if (i + 1 >= argc)
					die(EX_USAGE,
					    "option '%s' needs a value\nusage: "
					    "%s",
					    a, usage);
				value = argv[++i];
			}
			if (*value == '\0')
				die(EX_USAGE,
				    "option '%s' needs a value\nusage: %s", a,
				    usage);
			*o->value = value;
		} else {
			if (value != NULL)
				die(EX_USAGE, "option '%s' takes no value", a);
			*o->flag = true;
		}
	}
	for (i = 0; i < n; i++)
		argv[1 + i] = operands[i];
	free(operands);
	return n;
}

long long
cli_source_date_epoch(bool *set)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	*set = false;
	if (s == NULL)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	/* The spec: an ASCII integer as `date +%s` prints it. */
	if (*s == '\0' || errno != 0 || *end != '\0' || v < 0 ||
	    v > 253402300799LL || (s[0] == '0' && s[1] != '\0') ||
	    strspn(s, "0123456789") != strlen(s))
		die(EX_USAGE,
		    "SOURCE_DATE_EPOCH='%s' is not a non-negative integer "
		    "number of seconds; hint: use the output of date +%%s",
		    s);
	*set = true;
	return v;
}

char *
cli_keyring_dir(const char *opt)
{
	const char *env = getenv("PROEFTUIN_KEYRING"), *base;

	if (opt != NULL)
		return xstrdup(opt);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	base = getenv("XDG_CONFIG_HOME");
	if (base != NULL && base[0] == '/')
		return xasprintf("%s/proeftuin/keys", base);
	base = getenv("HOME");
	if (base == NULL || base[0] != '/')
		die(EX_USAGE, "no keyring: HOME is not set; hint: name one "
			      "with --keyring DIR");
	return xasprintf("%s/.config/proeftuin/keys", base);
}

char *
cli_event_time(void)
{
	bool set;
	long long epoch = cli_source_date_epoch(&set);

	return review_event_time(epoch, set);
}

void
cli_help(const char *usage, const char *text)
{
	printf("usage: %s\n\n%s", usage, text);
}
