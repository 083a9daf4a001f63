/*
 * render_md.c - report.md, the Markdown view of the report tree.
 *
 * Every string in the tree may come from a bundle.  Values only ever appear
 * after other text on a line (in a table cell or after a heading word), so
 * block syntax (#, -, 1.) cannot start; md_text() escapes the inline syntax
 * and the cell separator, writes < > & as entities, turns control
 * characters (newlines included) into spaces and caps length, so no value
 * can start a line, close a table cell, inject HTML or forge a verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "textsafe.h"

#define MD_MAX_VALUE 2000

/* A flag of the report tree: written "yes" or "no" (json.h). */
static bool
is_yes(const char *s)
{
	return s != NULL && strcmp(s, "yes") == 0;
}

static void
md_text(struct sbuf *out, const char *s)
{
	struct sbuf clean = SBUF_INIT;
	size_t i;

	if (s == NULL || *s == '\0') {
		sbuf_adds(out, "—");
		return;
	}
	/* Valid UTF-8, no control characters or bidi overrides, capped. */
	text_clean(&clean, s, strlen(s), MD_MAX_VALUE, false);
	for (i = 0; i < clean.len; i++) {
		unsigned char c = (unsigned char)clean.buf[i];

		if (c == '<')
			sbuf_adds(out, "&lt;");
		else if (c == '>')
			sbuf_adds(out, "&gt;");
		else if (c == '&')
			sbuf_adds(out, "&amp;");
		else if (strchr("\\`*_[]|~", c) != NULL) {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)c);
		} else
			sbuf_addc(out, (char)c);
	}
	sbuf_free(&clean);
}

void
md_inline(struct sbuf *out, const char *s)
{
	md_text(out, s);
}

static void
md_row(struct sbuf *out, const char *key, const char *value)
{
	sbuf_adds(out, "| ");
	md_text(out, key);
	sbuf_adds(out, " | ");
	md_text(out, value);
	sbuf_adds(out, " |\n");
}

static void
md_row_int(struct sbuf *out, const char *key, const struct jv *obj,
	   const char *field)
{
	int64_t v;
	char buf[32];

	if (!jv_get_int(obj, field, &v))
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	md_row(out, key, buf);
}

static void
md_list(struct sbuf *out, const struct jv *arr)
{
	size_t i;

	if (jv_len(arr) == 0) {
		sbuf_adds(out, "—");
		return;
	}
	for (i = 0; i < jv_len(arr); i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		md_text(out, jv_str_value(jv_at(arr, i)));
	}
}

static void
md_kv_table(struct sbuf *out, const struct jv *obj)
{
	size_t i;

	sbuf_adds(out, "| key | value |\n|---|---|\n");
	for (i = 0; i < jv_len(obj); i++) {
		const struct jv *v = jv_val_at(obj, i);
		char buf[32];

		if (jv_kind(v) == JV_STR) {
			md_row(out, jv_key_at(obj, i), jv_str_value(v));
		} else if (jv_kind(v) == JV_INT) {
			snprintf(buf, sizeof(buf), "%lld",
				 (long long)jv_int_value(v));
			md_row(out, jv_key_at(obj, i), buf);
		} else if (jv_kind(v) == JV_BOOL) {
			md_row(out, jv_key_at(obj, i),
			       jv_bool_value(v) ? "yes" : "no");
		}
	}
}

static void
section_project(struct sbuf *out, const struct jv *root)
{
	const struct jv *p = jv_get(root, "project");

	sbuf_adds(out, "\n## 1. Project (safe projects)\n\n");
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "experiment", jv_get_str(p, "name"));
	md_row(out, "version", jv_get_str(p, "version"));
	md_row(out, "purpose", jv_get_str(p, "purpose"));
	md_row(out, "description", jv_get_str(p, "description"));
	md_row(out, "entry script", jv_get_str(p, "entry"));
	md_row(out, "legal basis", jv_get_str(p, "legal_basis"));
	md_row(out, "public interest (AI Act art. 59(1)(a))",
	       jv_get_str(p, "public_interest"));
}

static void
section_people(struct sbuf *out, const struct jv *root)
{
	const struct jv *p = jv_get(root, "people");

	sbuf_adds(out, "\n## 2. People (safe people)\n\n");
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "team", jv_get_str(p, "team"));
	md_row(out, "contact", jv_get_str(p, "contact"));
	md_row(out, "profile owner (custodian)", jv_get_str(p, "custodian"));
}

static void md_quote(struct sbuf *out, const char *s);

static void
section_setting(struct sbuf *out, const struct jv *root)
{
	const struct jv *s = jv_get(root, "setting");
	const struct jv *sandbox = jv_get(s, "sandbox");

	sbuf_adds(out, "\n## 3. Setting (safe settings)\n\n");
	if (s == NULL) {
		sbuf_adds(out, "Nothing was executed.\n");
		return;
	}
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "how the script ended", jv_get_str(s, "end"));
	md_row_int(out, "instruction budget", s, "instructions");
	md_row_int(out, "memory limit (bytes)", s, "memory_bytes");
	md_row_int(out, "CPU limit (seconds)", s, "cpu_seconds");
	md_row_int(out, "wall-clock limit (seconds)", s, "wall_seconds");
	md_row_int(out, "output limit (bytes)", s, "output_bytes");
	if (jv_len(sandbox) > 0) {
		sbuf_adds(out, "\nEnforced by the sandbox, as read back:\n\n");
		md_kv_table(out, sandbox);
	}
	if (jv_get_str(s, "script_log") != NULL) {
		sbuf_adds(out, "\nWhat the script printed (it read rows or was "
			       "given withheld cells) "
			       "(data, for the advisor to read");
		sbuf_adds(out, is_yes(jv_get_str(s, "script_log_truncated"))
				   ? "; cut at the cap):\n"
				   : "):\n");
		md_quote(out, jv_get_str(s, "script_log"));
	}
}

static void
section_data(struct sbuf *out, const struct jv *root)
{
	const struct jv *d = jv_get(root, "data");
	const struct jv *files = jv_get(jv_get(d, "bundle"), "files");
	const struct jv *ds = jv_get(d, "datasets");
	size_t i;

	sbuf_adds(out, "\n## 4. Data (safe data)\n\n");
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "bundle digest (SHA-256)",
	       jv_get_str(jv_get(d, "bundle"), "digest"));
	sbuf_adds(out, "\n| file | bytes | SHA-256 |\n|---|---|---|\n");
	for (i = 0; i < jv_len(files); i++) {
		const struct jv *f = jv_at(files, i);
		int64_t bytes = 0;

		jv_get_int(f, "bytes", &bytes);
		sbuf_adds(out, "| ");
		md_text(out, jv_get_str(f, "path"));
		sbuf_printf(out, " | %lld | ", (long long)bytes);
		md_text(out, jv_get_str(f, "sha256"));
		sbuf_adds(out, " |\n");
	}
	for (i = 0; i < jv_len(ds); i++) {
		const struct jv *x = jv_at(ds, i);

		sbuf_adds(out, "\n### Dataset ");
		md_text(out, jv_get_str(x, "name"));
		sbuf_adds(out, "\n\n| field | value |\n|---|---|\n");
		md_row(out, "file", jv_get_str(x, "file"));
		md_row(out, "source (sample or custodian)",
		       jv_get_str(x, "source"));
		md_row(out, "SHA-256 of what was read",
		       jv_get_str(x, "sha256"));
		md_row(out, "access", jv_get_str(x, "access"));
		md_row_int(out, "rows read", x, "rows");
		sbuf_adds(out, "| columns granted | ");
		md_list(out, jv_get(x, "columns_granted"));
		sbuf_adds(out, " |\n| columns requested | ");
		md_list(out, jv_get(x, "columns_requested"));
		sbuf_adds(out, " |\n| columns read | ");
		md_list(out, jv_get(x, "columns_read"));
		sbuf_adds(out, " |\n| granted but unused | ");
		md_list(out, jv_get(x, "columns_unused"));
		sbuf_adds(out, " |\n");
	}
}

static void
md_preview(struct sbuf *out, const struct jv *pv)
{
	const struct jv *cols = jv_get(pv, "columns");
	const struct jv *rows = jv_get(pv, "rows");
	const struct jv *marks = jv_get(pv, "marks");
	int64_t shown = 0, total = 0, cshown = 0, ctotal = 0;
	size_t r, c, k;

	jv_get_int(pv, "rows_shown", &shown);
	jv_get_int(pv, "rows_total", &total);
	jv_get_int(pv, "columns_shown", &cshown);
	jv_get_int(pv, "columns_total", &ctotal);
	sbuf_printf(out,
		    "\nReleased table (%lld of %lld rows and %lld of %lld "
		    "columns shown; [!] flagged for the advisor):\n\n| # |",
		    (long long)shown, (long long)total, (long long)cshown,
		    (long long)ctotal);
	for (c = 0; c < jv_len(cols); c++) {
		sbuf_adds(out, " ");
		md_text(out, jv_str_value(jv_at(cols, c)));
		sbuf_adds(out, " |");
	}
	sbuf_adds(out, "\n|---|");
	for (c = 0; c < jv_len(cols); c++)
		sbuf_adds(out, "---|");
	sbuf_adds(out, "\n");
	for (r = 0; r < jv_len(rows); r++) {
		const struct jv *cells = jv_at(rows, r);

		sbuf_printf(out, "| %zu |", r);
		for (c = 0; c < jv_len(cells); c++) {
			const char *m = NULL;

			for (k = 0; k < jv_len(marks); k++) {
				int64_t mr = -1, mc = -1;

				jv_get_int(jv_at(marks, k), "row", &mr);
				jv_get_int(jv_at(marks, k), "column", &mc);
				if (mr == (int64_t)r && mc == (int64_t)c)
					m = jv_get_str(jv_at(marks, k), "mark");
			}
			sbuf_adds(out, " ");
			md_text(out, jv_str_value(jv_at(cells, c)));
			if (m != NULL)
				sbuf_adds(out, " [!]");
			sbuf_adds(out, " |");
		}
		sbuf_adds(out, "\n");
	}
}

/* One line of a block quote: block syntax that could start the line (a
 * heading, list, rule or setext underline) is escaped first, leading
 * spaces are dropped (no code block), then md_text does the rest. */
static void
md_quote_line(struct sbuf *out, const char *line)
{
	const char *p = line, *d;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return;
	if (strchr("#-+=>", *p) != NULL) {
		sbuf_addc(out, '\\');
		sbuf_addc(out, *p);
		if (p[1] != '\0')
			md_text(out, p + 1);
		return;
	}
	for (d = p; *d >= '0' && *d <= '9'; d++)
		;
	if (d > p && (*d == '.' || *d == ')')) {
		char *num = xstrndup(p, (size_t)(d - p));

		sbuf_adds(out, num);
		sbuf_addc(out, '\\');
		sbuf_addc(out, *d);
		free(num);
		if (d[1] != '\0')
			md_text(out, d + 1);
		return;
	}
	md_text(out, p);
}

/* Free text as a block quote, one escaped line per "> " line, so no
 * line of it can start a heading, a table or a fence. */
static void
md_quote(struct sbuf *out, const char *s)
{
	const char *nl;

	sbuf_adds(out, "\n");
	while (*s != '\0') {
		char *line;

		nl = strchr(s, '\n');
		line = nl != NULL ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
		sbuf_adds(out, "> ");
		if (*line != '\0')
			md_quote_line(out, line);
		sbuf_adds(out, "\n");
		free(line);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
}

static void
section_outputs(struct sbuf *out, const struct jv *root)
{
	const struct jv *outs = jv_get(root, "outputs");
	size_t i, j, k;

	sbuf_adds(out, "\n## 5. Outputs (safe outputs)\n\n");
	if (jv_len(outs) == 0) {
		sbuf_adds(out, "No outputs.\n");
		return;
	}
	for (i = 0; i < jv_len(outs); i++) {
		const struct jv *o = jv_at(outs, i);
		const struct jv *checks = jv_get(o, "checks");
		const char *file = jv_get_str(o, "file");

		sbuf_printf(out, "\n### Output %zu: ", i + 1);
		md_text(out, jv_get_str(o, "name"));
		sbuf_adds(out, "\n\n| field | value |\n|---|---|\n");
		md_row(out, "status", jv_get_str(o, "status"));
		md_row(out, "exception asked (does not change the status)",
		       jv_get_str(o, "exception"));
		md_row(out, "kind", jv_get_str(o, "kind"));
		md_row(out, "description", jv_get_str(o, "description"));
		md_row(out, "statistic", jv_get_str(o, "statistic"));
		md_row(out, "dataset", jv_get_str(o, "dataset"));
		md_row_int(out, "rows", o, "rows");
		md_row(out, "mitigation", jv_get_str(o, "mitigation"));
		md_row_int(out, "query (ledger)", o, "query");
		md_row(out, "released to",
		       jv_get_str(o, "released") == NULL ? "—"
		       : strcmp(jv_get_str(o, "released"), "outputs") == 0
			   ? "outputs/: may leave without a person's judgement"
		       : strcmp(jv_get_str(o, "released"), "review") == 0
			   ? "review/: held until advisors release it"
			   : "nothing: withheld");
		md_row(out, "file", file != NULL && *file != '\0' ? file : "—");
		md_row(out, "SHA-256", jv_get_str(o, "sha256"));
		if (jv_len(checks) > 0)
			sbuf_adds(out, "\n| rule | status | parameters | cells "
				       "flagged | what was found and done |\n"
				       "|---|---|---|---|---|\n");
		for (j = 0; j < jv_len(checks); j++) {
			const struct jv *c = jv_at(checks, j);
			const struct jv *params = jv_get(c, "parameters");
			int64_t flagged = 0;

			jv_get_int(c, "cells_flagged", &flagged);
			sbuf_adds(out, "| ");
			md_text(out, jv_get_str(c, "rule"));
			sbuf_adds(out, " | ");
			md_text(out, jv_get_str(c, "status"));
			sbuf_adds(out, " | ");
			if (jv_len(params) == 0)
				sbuf_adds(out, "—");
			for (k = 0; k < jv_len(params); k++) {
				const struct jv *v = jv_val_at(params, k);

				if (k > 0)
					sbuf_adds(out, "; ");
				md_text(out, jv_key_at(params, k));
				if (jv_kind(v) == JV_INT)
					sbuf_printf(out, " = %lld",
						    (long long)jv_int_value(v));
				else {
					sbuf_adds(out, " = ");
					md_text(out, jv_str_value(v));
				}
			}
			sbuf_printf(out, " | %lld | ", (long long)flagged);
			md_text(out, jv_get_str(c, "detail"));
			sbuf_adds(out, " |\n");
		}
		if (jv_get_str(jv_get(o, "preview"), "text") != NULL) {
			sbuf_adds(
			    out, "\nThe text (control characters replaced):\n");
			md_quote(out, jv_get_str(jv_get(o, "preview"), "text"));
		} else if (jv_get(o, "preview") != NULL)
			md_preview(out, jv_get(o, "preview"));
	}
}

/* One `where` of a ledger line: column = value, value, ... (strings
 * quoted, numbers as numbers). */
static void
md_where(struct sbuf *out, const struct jv *where)
{
	size_t i, j;

	if (jv_len(where) == 0) {
		sbuf_adds(out, "—");
		return;
	}
	for (i = 0; i < jv_len(where); i++) {
		const struct jv *f = jv_at(where, i);
		const struct jv *vals = jv_get(f, "values");
		int64_t total = 0;

		if (i > 0)
			sbuf_adds(out, "; ");
		md_text(out, jv_get_str(f, "column"));
		sbuf_adds(out, " in ");
		for (j = 0; j < jv_len(vals); j++) {
			const struct jv *v = jv_at(vals, j);

			if (j > 0)
				sbuf_adds(out, ", ");
			if (jv_get_str(v, "number") != NULL) {
				md_text(out, jv_get_str(v, "number"));
			} else {
				sbuf_adds(out, "\"");
				md_text(out, jv_get_str(v, "string"));
				sbuf_adds(out, "\"");
			}
		}
		jv_get_int(f, "values_total", &total);
		if ((size_t)total > jv_len(vals))
			sbuf_printf(out, " … (%lld values)", (long long)total);
	}
}

static void
md_counts(struct sbuf *out, const struct jv *obj)
{
	size_t i;

	if (jv_len(obj) == 0) {
		sbuf_adds(out, "—");
		return;
	}
	for (i = 0; i < jv_len(obj); i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		md_text(out, jv_key_at(obj, i));
		sbuf_printf(out, " %lld",
			    (long long)jv_int_value(jv_val_at(obj, i)));
	}
}

static void
section_ledger(struct sbuf *out, const struct jv *root)
{
	const struct jv *led = jv_get(root, "ledger");
	size_t i;

	sbuf_adds(out, "\n### What the script was told (ledger)\n\n");
	if (jv_len(led) == 0) {
		sbuf_adds(out, "The script asked no aggregate.\n");
		return;
	}
	sbuf_adds(out,
		  "Every aggregate the script asked, in order.  It was "
		  "told the released cells only; withheld cells were "
		  "not in its answer.\n\n"
		  "| # | dataset | statistic | by | where | cells released "
		  "| withheld (why) | flagged | after rows | outputs | "
		  "status |\n|---|---|---|---|---|---|---|---|---|---|---|"
		  "\n");
	for (i = 0; i < jv_len(led); i++) {
		const struct jv *q = jv_at(led, i);
		const char *vc = jv_get_str(q, "value_column");
		int64_t id = 0, rel = 0;

		jv_get_int(q, "query", &id);
		jv_get_int(q, "cells_released", &rel);
		sbuf_printf(out, "| %lld | ", (long long)id);
		md_text(out, jv_get_str(q, "dataset"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(q, "statistic"));
		if (vc != NULL && *vc != '\0') {
			sbuf_adds(out, " of ");
			md_text(out, vc);
		}
		sbuf_adds(out, " | ");
		if (jv_len(jv_get(q, "by")) == 0)
			sbuf_adds(out, "—");
		else
			md_list(out, jv_get(q, "by"));
		sbuf_adds(out, " | ");
		md_where(out, jv_get(q, "where"));
		sbuf_printf(out, " | %lld | ", (long long)rel);
		md_counts(out, jv_get(q, "withheld"));
		sbuf_adds(out, " | ");
		md_counts(out, jv_get(q, "flagged"));
		sbuf_adds(out, is_yes(jv_get_str(q, "after_rows"))
				   ? " | yes | "
				   : " | no | ");
		if (jv_len(jv_get(q, "outputs")) == 0)
			sbuf_adds(out, "—");
		else
			md_list(out, jv_get(q, "outputs"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(q, "status"));
		sbuf_adds(out, " |\n");
	}
}

static void
section_frameworks(struct sbuf *out, const struct jv *root)
{
	static const char *const titles[] = {
		"AI Act art. 59(1) checklist",
		"GDPR art. 35(7) pointers",
	};
	static const char *const keys[] = { "ai_act_59_1", "gdpr_35_7" };
	const struct jv *fw = jv_get(root, "frameworks");
	size_t t, i;

	for (t = 0; t < 2; t++) {
		const struct jv *items = jv_get(fw, keys[t]);

		sbuf_printf(out,
			    "\n## %s\n\n| item | requirement | state | this "
			    "run evidences | the advisor confirms |\n"
			    "|---|---|---|---|---|\n",
			    titles[t]);
		for (i = 0; i < jv_len(items); i++) {
			const struct jv *x = jv_at(items, i);

			sbuf_adds(out, "| (");
			md_text(out, jv_get_str(x, "item"));
			sbuf_adds(out, ") | ");
			md_text(out, jv_get_str(x, "requirement"));
			sbuf_adds(out, " | ");
			md_text(out, jv_get_str(x, "state"));
			sbuf_adds(out, " | ");
			md_text(out, jv_get_str(x, "evidence"));
			sbuf_adds(out, " | ");
			md_text(out, jv_get_str(x, "advisor"));
			sbuf_adds(out, " |\n");
		}
	}
}

static void
section_findings(struct sbuf *out, const struct jv *root)
{
	const struct jv *fs = jv_get(root, "findings");
	size_t i;

	sbuf_adds(out, "\n## Findings\n\n");
	if (jv_len(fs) == 0) {
		sbuf_adds(out, "None.\n");
		return;
	}
	sbuf_adds(out, "| status | stage | code | subject | message |\n"
		       "|---|---|---|---|---|\n");
	for (i = 0; i < jv_len(fs); i++) {
		const struct jv *f = jv_at(fs, i);

		sbuf_adds(out, "| ");
		md_text(out, jv_get_str(f, "status"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(f, "stage"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(f, "code"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(f, "subject"));
		sbuf_adds(out, " | ");
		md_text(out, jv_get_str(f, "message"));
		sbuf_adds(out, " |\n");
	}
}

static void
section_reproduce(struct sbuf *out, const struct jv *root)
{
	const struct jv *r = jv_get(root, "reproduce");
	const struct jv *tool = jv_get(root, "tool");

	sbuf_adds(out, "\n## How to reproduce\n\n");
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "proeftuin version", jv_get_str(tool, "version"));
	md_row(out, "bundle digest", jv_get_str(r, "bundle_digest"));
	md_row(out, "profile SHA-256", jv_get_str(r, "profile_sha256"));
	md_row(out, "command", jv_get_str(r, "command"));
	md_row(out, "check", jv_get_str(r, "verify"));
	md_row(out, "note", jv_get_str(r, "note"));
	sbuf_adds(out, "\nLibraries:\n\n");
	md_kv_table(out, jv_get(tool, "libraries"));
}

/* Every fail or review finding and non-pass output check, as a list
 * under the verdict.  Each item starts with a fixed "- " and a status. */
static void
md_attention(struct sbuf *out, const struct jv *root)
{
	const struct jv *fs = jv_get(root, "findings");
	const struct jv *outs = jv_get(root, "outputs");
	size_t i, j, n = 0;

	for (i = 0; i < jv_len(fs); i++) {
		const struct jv *f = jv_at(fs, i);
		const char *st = jv_get_str(f, "status");

		if (st == NULL || strcmp(st, "pass") == 0)
			continue;
		sbuf_adds(out, n++ == 0 ? "\nNeeds attention:\n\n" : "");
		sbuf_adds(out, "- ");
		md_text(out, st);
		sbuf_adds(out, ": ");
		md_text(out, jv_get_str(f, "subject"));
		sbuf_adds(out, ": ");
		md_text(out, jv_get_str(f, "message"));
		sbuf_adds(out, "\n");
	}
	for (i = 0; i < jv_len(outs); i++) {
		const struct jv *checks = jv_get(jv_at(outs, i), "checks");

		for (j = 0; j < jv_len(checks); j++) {
			const struct jv *c = jv_at(checks, j);
			const char *st = jv_get_str(c, "status");

			if (st == NULL || strcmp(st, "pass") == 0)
				continue;
			sbuf_adds(out,
				  n++ == 0 ? "\nNeeds attention:\n\n" : "");
			sbuf_adds(out, "- ");
			md_text(out, st);
			sbuf_adds(out, ": output ");
			md_text(out, jv_get_str(jv_at(outs, i), "name"));
			sbuf_adds(out, ", ");
			md_text(out, jv_get_str(c, "title"));
			sbuf_adds(out, ": ");
			md_text(out, jv_get_str(c, "detail"));
			sbuf_adds(out, "\n");
		}
	}
}

void
render_markdown(const struct jv *root, struct sbuf *out)
{
	const char *verdict = jv_get_str(root, "verdict");
	const struct jv *p = jv_get(root, "project");
	const struct jv *prof = jv_get(root, "profile");

	sbuf_adds(out, "# proeftuin compliance report\n\n");
	/* The verdict comes from the tree, which only report_finish sets; it
	 * is one of three fixed words, never bundle text. */
	sbuf_printf(out, "**Verdict: %s**\n\n",
		    verdict != NULL ? verdict : "FAIL");
	sbuf_adds(out, "| field | value |\n|---|---|\n");
	md_row(out, "experiment", jv_get_str(p, "name"));
	md_row(out, "profile", jv_get_str(prof, "name"));
	md_row(out, "stage reached", jv_get_str(root, "stage"));
	md_row(out, "report date", jv_get_str(root, "date"));
	md_attention(out, root);
	section_project(out, root);
	section_people(out, root);
	section_setting(out, root);
	section_data(out, root);
	section_ledger(out, root);
	section_outputs(out, root);
	section_findings(out, root);
	section_frameworks(out, root);
	section_reproduce(out, root);
}
