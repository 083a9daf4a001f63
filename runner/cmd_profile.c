/*
 * cmd_profile.c - `proeftuin profile lint|show PROFILE`: validate a profile,
 * or explain it in plain sentences for a privacy advisor who should not
 * have to read INI to know what a pilot may do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "commands.h"
#include "profile.h"

#define PROFILE_USAGE "proeftuin profile lint|show PROFILE"
#define WRAP 76

/* Append `text` to `out` wrapped at WRAP columns, every line starting with
 * `indent` (the first with `first`), ending with a newline. */
static void
para(struct sbuf *out, const char *first, const char *indent, const char *text)
{
	const char *p = text, *nl = strrchr(first, '\n');
	size_t col;
	bool line_start = true;

	sbuf_adds(out, first);
	/* `first` may open with blank lines or a heading: count the columns
	 * after its last newline only. */
	col = strlen(nl != NULL ? nl + 1 : first);
	while (*p != '\0') {
		size_t w = strcspn(p, " ");

		if (!line_start && col + 1 + w > WRAP) {
			sbuf_printf(out, "\n%s", indent);
			col = strlen(indent);
		} else if (!line_start) {
			sbuf_addc(out, ' ');
			col++;
		}
		line_start = false;
		sbuf_add(out, p, w);
		col += w;
		p += w;
		while (*p == ' ')
			p++;
	}
	sbuf_addc(out, '\n');
}

/* "a", "a and b", "a, b and c"; each item quoted when `quote`. */
static void
join(struct sbuf *sb, char *const *v, size_t n, bool quote)
{
	size_t i;

	for (i = 0; i < n; i++)
		sbuf_printf(sb, "%s%s%s%s",
			    i == 0	 ? ""
			    : i + 1 == n ? " and "
					 : ", ",
			    quote ? "'" : "", v[i], quote ? "'" : "");
}

/* `n` with thousands separated ("2,000,000,000"), then `one` or `many`. */
static void
count(struct sbuf *sb, int64_t n, const char *one, const char *many)
{
	char digits[32];
	size_t len, i;

	snprintf(digits, sizeof(digits), "%lld", (long long)n);
	len = strlen(digits);
	for (i = 0; i < len; i++) {
		sbuf_addc(sb, digits[i]);
		if (digits[i] != '-' && (len - i - 1) % 3 == 0 && i + 1 < len)
			sbuf_addc(sb, ',');
	}
	sbuf_printf(sb, " %s", n == 1 ? one : many);
}

static void
human_bytes(struct sbuf *sb, int64_t b)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB",
					    "TiB" };
	size_t u = 0;

	while (u + 1 < PT_ARRAY_LEN(unit) && b >= 1024 && b % 1024 == 0) {
		b /= 1024;
		u++;
	}
	sbuf_printf(sb, "%lld %s", (long long)b, unit[u]);
}

static const char *
action_words(enum rule_action a)
{
	switch (a) {
	case ACTION_PASS:
		return "are allowed";
	case ACTION_REVIEW:
		return "send the output to a person for review";
	case ACTION_FAIL:
		return "make the output fail: it is withheld";
	}
	return "make the output fail: it is withheld";
}

static void
show_dataset(struct sbuf *out, const struct profile *p,
	     const struct profile_dataset *d)
{
	struct sbuf s = SBUF_INIT;

	sbuf_printf(&s, "Dataset '%s'%s%s%s", d->name,
		    d->description[0] ? " (" : "", d->description,
		    d->description[0] ? ")" : "");
	switch (d->access) {
	case ACCESS_NONE:
		sbuf_adds(&s, ": no access is granted; no experiment may use "
			      "it.");
		para(out, "- ", "  ", s.buf);
		sbuf_free(&s);
		return;
	case ACCESS_AGGREGATE:
		sbuf_adds(&s, ": scripts may only compute aggregates (counts, "
			      "sums, means) over the column");
		break;
	case ACCESS_ROWS:
		sbuf_adds(&s, ": scripts may read individual rows and compute "
			      "aggregates over the column");
		break;
	}
	sbuf_adds(&s, d->ncolumns > 1 ? "s " : " ");
	join(&s, d->columns, d->ncolumns, true);
	sbuf_adds(&s, "; every other column stays unreadable.");
	if (d->nidentifiers > 0) {
		sbuf_adds(&s, d->nidentifiers > 1 ? " The columns "
						  : " The column ");
		join(&s, d->identifiers, d->nidentifiers, true);
		sbuf_adds(&s, d->nidentifiers > 1
				  ? " are identifiers: never readable and "
				    "never allowed in an output."
				  : " is an identifier: never readable and "
				    "never allowed in an output.");
	}
	if (!d->personal)
		sbuf_adds(&s, " The custodian states that it holds no personal "
			      "data.");
	else if (d->special_category)
		sbuf_printf(&s,
			    " It holds special-category personal data (GDPR "
			    "art. 9)%s.",
			    d->pseudonymised ? ", pseudonymised" : "");
	else
		sbuf_printf(&s, " It holds personal data%s.",
			    d->pseudonymised ? ", pseudonymised" : "");
	if (d->personal && p->necessity == NULL)
		sbuf_adds(&s, " Because the profile states no necessity, "
			      "experiments that ask for it are refused.");
	if (d->special_category_rows_override)
		sbuf_adds(&s, " The custodian has explicitly overridden the "
			      "rule that special-category data is "
			      "aggregate-only.");
	if (d->path != NULL)
		sbuf_printf(&s,
			    " On the custodian's machine the real data at %s "
			    "replaces the team's sample.",
			    d->path);
	else
		sbuf_adds(&s, " Experiments run on the sample data they "
			      "ship.");
	para(out, "- ", "  ", s.buf);
	sbuf_free(&s);
}

static void
show(const struct profile *p, struct sbuf *out)
{
	const struct profile_interest *pi =
	    profile_interest(p->public_interest);
	const struct profile_limits *l = &p->limits;
	const struct profile_bundle *b = &p->bundle;
	const struct profile_disclosure *d = &p->disclosure;
	struct sbuf s = SBUF_INIT;
	size_t i;

	sbuf_printf(&s, "Profile '%s', version %lld, kept by %s.", p->name,
		    (long long)p->version, p->owner);
	if (p->description[0] != '\0')
		sbuf_printf(&s, " %s", p->description);
	para(out, "", "", s.buf);
	sbuf_reset(&s);
	sbuf_adds(&s, p->npurposes == 1
			  ? "An experiment must name the purpose "
			  : "An experiment must name one of the purposes ");
	for (i = 0; i < p->npurposes; i++)
		sbuf_printf(&s, "%s'%s'",
			    i == 0		    ? ""
			    : i + 1 == p->npurposes ? " or "
						    : ", ",
			    p->purposes[i]);
	sbuf_printf(&s,
		    ". The legal basis stated is: %s. The public interest "
		    "served is %s (%s).",
		    p->legal_basis, pi->text, pi->article);
	para(out, "\n", "", s.buf);
	sbuf_reset(&s);
	if (p->necessity != NULL)
		sbuf_printf(&s,
			    "Why personal data is needed (AI Act art. "
			    "59(1)(b)): %s",
			    p->necessity);
	else
		sbuf_adds(&s, "The profile states no need for personal data "
			      "(AI Act art. 59(1)(b)), so no experiment may "
			      "use a dataset marked personal.");
	para(out, "\n", "", s.buf);

	sbuf_adds(out, "\nData\n");
	if (p->ndatasets == 0)
		para(out, "- ", "  ",
		     "No dataset is granted: experiments may not read any "
		     "data.");
	for (i = 0; i < p->ndatasets; i++)
		show_dataset(out, p, &p->datasets[i]);

	sbuf_reset(&s);
	sbuf_adds(&s, "A script may run for at most ");
	count(&s, l->wall_seconds, "second", "seconds");
	sbuf_adds(&s, " of wall-clock time and ");
	count(&s, l->cpu_seconds, "second", "seconds");
	sbuf_adds(&s, " of CPU time, use at most ");
	human_bytes(&s, l->memory_mb << 20);
	sbuf_adds(&s, " of memory and ");
	count(&s, l->instructions, "Lua instruction", "Lua instructions");
	sbuf_adds(&s, ", and write at most ");
	human_bytes(&s, l->output_kb * 1024);
	sbuf_adds(&s, " of outputs and ");
	human_bytes(&s, l->log_kb * 1024);
	sbuf_adds(&s, " of log. It runs isolated, without network, and is "
		      "stopped when it crosses a limit.");
	para(out, "\nLimits\n", "", s.buf);
	sbuf_reset(&s);
	sbuf_adds(&s, "A bundle may hold at most ");
	count(&s, b->max_entries, "file", "files");
	sbuf_adds(&s, " and ");
	human_bytes(&s, b->max_bytes);
	sbuf_adds(&s, " in all, no file larger than ");
	human_bytes(&s, b->max_file_bytes);
	sbuf_adds(&s, ", folders at most ");
	count(&s, b->max_depth, "level", "levels");
	sbuf_adds(&s, " deep and paths at most ");
	count(&s, b->max_path, "byte", "bytes");
	sbuf_adds(&s, " long; an archive may expand to at most ");
	count(&s, b->max_ratio, "time", "times");
	sbuf_adds(&s, " its size.");
	para(out, "\n", "", s.buf);

	sbuf_adds(out, "\nDisclosure rules for every output\n");
	sbuf_reset(&s);
	if (d->min_cell == 1) {
		sbuf_adds(&s, "A cell may come from a single contributor (no "
			      "minimum cell size).");
	} else {
		sbuf_adds(&s, "Every cell must come from at least ");
		count(&s, d->min_cell, "contributor", "contributors");
		sbuf_adds(&s, "; smaller cells are suppressed and the output "
			      "goes to review.");
	}
	para(out, "- ", "  ", s.buf);
	sbuf_reset(&s);
	if (d->round_to == 1)
		sbuf_adds(&s, "Released counts and sums are not rounded.");
	else
		sbuf_printf(&s,
			    "Released counts and sums are rounded to a "
			    "multiple of %lld.",
			    (long long)d->round_to);
	para(out, "- ", "  ", s.buf);
	sbuf_reset(&s);
	if (d->dominance_k >= 100)
		sbuf_adds(&s, "The dominance rule is switched off (k is "
			      "100%).");
	else if (d->dominance_n == 1)
		sbuf_printf(&s,
			    "The largest contribution may make up at most "
			    "%lld%% of a cell (dominance rule).",
			    (long long)d->dominance_k);
	else
		sbuf_printf(&s,
			    "The largest %lld contributions may together make "
			    "up at most %lld%% of a cell (dominance rule).",
			    (long long)d->dominance_n,
			    (long long)d->dominance_k);
	para(out, "- ", "  ", s.buf);
	sbuf_reset(&s);
	if (d->p_percent > 0)
		sbuf_printf(&s,
			    "The other contributions must add up to at "
			    "least %lld%% of the largest one, so no "
			    "contributor can estimate another closely (p%% "
			    "rule).",
			    (long long)d->p_percent);
	else
		sbuf_adds(&s, "The p% rule is switched off.");
	para(out, "- ", "  ", s.buf);
	sbuf_reset(&s);
	sbuf_adds(&s, "A table may have at most ");
	count(&s, d->max_rows, "row", "rows");
	sbuf_addc(&s, '.');
	para(out, "- ", "  ", s.buf);
	sbuf_reset(&s);
	sbuf_printf(&s,
		    "Cells that are zero %s; negative values %s; missing "
		    "values %s.",
		    action_words(d->zeros), action_words(d->negatives),
		    action_words(d->missing));
	para(out, "- ", "  ", s.buf);
	para(out, "- ", "  ",
	     "Identifier columns are never released, and free text always "
	     "goes to a person for review.");
	sbuf_reset(&s);
	sbuf_printf(&s,
		    "Nothing leaves until it is released.  An output held for "
		    "review leaves only when %lld advisors, none of them the "
		    "team's contact, have approved it and the report as a "
		    "whole ([review] reviewers).",
		    (long long)p->review.reviewers);
	para(out, "\nRelease\n", "", s.buf);
	sbuf_reset(&s);
	sbuf_printf(&s, "Profile digest (SHA-256): %s", p->sha256);
	para(out, "\n", "", s.buf);
	sbuf_free(&s);
}

/* Things that are valid but probably not what the custodian meant. */
static void
lint_warnings(const struct profile *p)
{
	size_t i;

	for (i = 0; i < p->ndatasets; i++) {
		const struct profile_dataset *d = &p->datasets[i];

		if (d->access != ACCESS_NONE && d->personal &&
		    p->necessity == NULL)
			warnx_("%s:%d: warning: [dataset.%s] is personal but "
			       "[profile] states no necessity; experiments "
			       "using it will be refused",
			       p->path, d->line, d->name);
	}
}

int
cmd_profile(int argc, char **argv)
{
	bool help = false;
	const struct cli_opt opts[] = {
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct pt_err err = { 0, "" };
	struct profile *p;
	int n = cli_parse(argc, argv, opts, PROFILE_USAGE);

	if (help) {
		cli_help(PROFILE_USAGE,
			 "lint: validate a profile (prints ok, or the first "
			 "problem as FILE:LINE).\nshow: explain it in plain "
			 "sentences for a privacy advisor.\n\nexit status: 0 "
			 "valid, 78 bad profile\nexample:\n  proeftuin "
			 "profile show profiles/crowd-safety.ini\n");
		return 0;
	}
	if (n != 2 ||
	    (strcmp(argv[1], "lint") != 0 && strcmp(argv[1], "show") != 0))
		die(EX_USAGE, "usage: %s", PROFILE_USAGE);
	if (profile_load(argv[2], &p, &err) < 0)
		die_err(&err);
	if (strcmp(argv[1], "lint") == 0) {
		lint_warnings(p);
		printf("ok\n");
	} else {
		struct sbuf out = SBUF_INIT;

		show(p, &out);
		fputs(out.buf, stdout);
		sbuf_free(&out);
	}
	profile_free(p);
	return 0;
}
