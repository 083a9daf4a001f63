/*
 * render_html.c - report.html: one self-contained page for the advisor.
 *
 * No scripts, no external resources (inline CSS only, no URLs), readable in
 * print.  The verdict box comes first; then the sections in Five-Safes
 * order, the AI Act art. 59(1) checklist, the GDPR art. 35(7) pointers,
 * findings, admission, profile and how to reproduce.
 *
 * Every string from the tree may come from a bundle.  h_text() cleans it
 * (textsafe.h: valid UTF-8, no controls, no bidi overrides, capped) and
 * escapes & < > " ' and also : and /, so bundle text can never open a tag,
 * leave an attribute, or put "http:" or "//" in the page's bytes.  Only
 * fixed words chosen here (statuses, marks, the verdict) become class names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "textsafe.h"

#define HTML_MAX_VALUE 2000

/* A flag of the report tree: written "yes" or "no" (json.h). */
static bool
is_yes(const char *s)
{
	return s != NULL && strcmp(s, "yes") == 0;
}

static const char css[] =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem "
    "auto;padding:0 1rem;color:#111;line-height:1.4}"
    "h1{font-size:1.5rem}h2{border-bottom:2px solid #333;margin-top:2rem;"
    "page-break-after:avoid}h3{margin-top:1.5rem}"
    "table{border-collapse:collapse;margin:.5rem 0;width:100%}"
    "th,td{border:1px solid #999;padding:.2rem .4rem;text-align:left;"
    "vertical-align:top;overflow-wrap:anywhere}"
    "th{background:#eee}"
    ".verdict{border:4px solid #333;padding:.5rem 1rem;margin:1rem 0}"
    ".verdict p.word{font-size:2rem;font-weight:bold;margin:.2rem 0}"
    ".v-PASS{border-color:#1a7f37}.v-REVIEW{border-color:#b08800}"
    ".v-FAIL{border-color:#cf222e}"
    ".s-pass{color:#1a7f37}.s-review{color:#8a6d00;font-weight:bold}"
    ".s-fail{color:#cf222e;font-weight:bold}"
    "td.m-flagged{background:#fff3bf}"
    "sup.mk{font-weight:bold}"
    ".exception{border-left:4px solid #b08800;padding:.2rem .6rem;"
    "background:#fffbe6}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media print{body{max-width:none}a{color:inherit;text-decoration:none}"
    ".nav{display:none}"
    "tr{page-break-inside:avoid}"
    "td.m-flagged{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}}";

/* Escaped, cleaned bundle text; "—" for an absent value. */
static void
h_text(struct sbuf *out, const char *s)
{
	struct sbuf clean = SBUF_INIT;
	size_t i;

	if (s == NULL || *s == '\0') {
		sbuf_adds(out, "—");
		return;
	}
	text_clean(&clean, s, strlen(s), HTML_MAX_VALUE, false);
	for (i = 0; i < clean.len; i++) {
		char c = clean.buf[i];

		switch (c) {
		case '&':
			sbuf_adds(out, "&amp;");
			break;
		case '<':
			sbuf_adds(out, "&lt;");
			break;
		case '>':
			sbuf_adds(out, "&gt;");
			break;
		case '"':
			sbuf_adds(out, "&quot;");
			break;
		case '\'':
			sbuf_adds(out, "&#39;");
			break;
		case ':':
			sbuf_adds(out, "&#58;");
			break;
		case '/':
			sbuf_adds(out, "&#47;");
			break;
		default:
			sbuf_addc(out, c);
		}
	}
	sbuf_free(&clean);
}

void
html_text(struct sbuf *out, const char *s)
{
	h_text(out, s);
}

/* Bundle text that keeps its lines, for a <pre> block. */
static void
h_text_lines(struct sbuf *out, const char *s)
{
	const char *nl;

	while (s != NULL && *s != '\0') {
		char *line;

		nl = strchr(s, '\n');
		line = nl != NULL ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
		if (*line != '\0')
			h_text(out, line);
		sbuf_addc(out, '\n');
		free(line);
		if (nl == NULL)
			break;
		s = nl + 1;
	}
}

/* A status word as a class name: only the three fixed words pass. */
static const char *
status_class(const char *s)
{
	if (s != NULL && strcmp(s, "pass") == 0)
		return "s-pass";
	if (s != NULL && strcmp(s, "review") == 0)
		return "s-review";
	return "s-fail";
}

static void
h_status(struct sbuf *out, const char *s)
{
	sbuf_printf(out, "<span class=\"%s\">", status_class(s));
	h_text(out, s);
	sbuf_adds(out, "</span>");
}

static void
row(struct sbuf *out, const char *key, const char *value)
{
	sbuf_printf(out, "<tr><th scope=\"row\">%s</th><td>", key);
	h_text(out, value);
	sbuf_adds(out, "</td></tr>\n");
}

static void
row_int(struct sbuf *out, const char *key, const struct jv *obj,
	const char *field)
{
	int64_t v;

	if (!jv_get_int(obj, field, &v))
		return;
	sbuf_printf(out, "<tr><th scope=\"row\">%s</th><td>%lld</td></tr>\n",
		    key, (long long)v);
}

static void
list(struct sbuf *out, const struct jv *arr)
{
	size_t i;

	if (jv_len(arr) == 0) {
		sbuf_adds(out, "—");
		return;
	}
	for (i = 0; i < jv_len(arr); i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		h_text(out, jv_str_value(jv_at(arr, i)));
	}
}

static void
row_list(struct sbuf *out, const char *key, const struct jv *arr)
{
	sbuf_printf(out, "<tr><th scope=\"row\">%s</th><td>", key);
	list(out, arr);
	sbuf_adds(out, "</td></tr>\n");
}

/* Any scalar as text (objects and arrays of scalars flattened). */
static void
scalar(struct sbuf *out, const struct jv *v)
{
	switch (jv_kind(v)) {
	case JV_STR:
		h_text(out, jv_str_value(v));
		break;
	case JV_INT:
		sbuf_printf(out, "%lld", (long long)jv_int_value(v));
		break;
	case JV_BOOL:
		sbuf_adds(out, jv_bool_value(v) ? "yes" : "no");
		break;
	case JV_ARR:
		list(out, v);
		break;
	default:
		sbuf_adds(out, "—");
	}
}

static void
kv_table(struct sbuf *out, const struct jv *obj)
{
	size_t i;

	sbuf_adds(out, "<table>\n");
	for (i = 0; i < jv_len(obj); i++) {
		sbuf_adds(out, "<tr><th scope=\"row\">");
		h_text(out, jv_key_at(obj, i));
		sbuf_adds(out, "</th><td>");
		scalar(out, jv_val_at(obj, i));
		sbuf_adds(out, "</td></tr>\n");
	}
	sbuf_adds(out, "</table>\n");
}

static void
table_open(struct sbuf *out)
{
	sbuf_adds(out, "<table>\n");
}

static void
table_close(struct sbuf *out)
{
	sbuf_adds(out, "</table>\n");
}

static const char *
verdict_word(const struct jv *root)
{
	const char *v = jv_get_str(root, "verdict");

	if (v != NULL && (strcmp(v, "PASS") == 0 || strcmp(v, "REVIEW") == 0))
		return v;
	return "FAIL";
}

static size_t
count_status(const struct jv *arr, const char *status)
{
	size_t i, n = 0;

	for (i = 0; i < jv_len(arr); i++) {
		const char *s = jv_get_str(jv_at(arr, i), "status");

		if (s != NULL && strcmp(s, status) == 0)
			n++;
	}
	return n;
}

/* What the advisor must look at, in one list under the verdict: every
 * fail or review finding and every non-pass check of an output. */
static void
attention_list(struct sbuf *out, const struct jv *root)
{
	const struct jv *fs = jv_get(root, "findings");
	const struct jv *outs = jv_get(root, "outputs");
	size_t i, j, n = 0;

	for (i = 0; i < jv_len(fs); i++) {
		const struct jv *f = jv_at(fs, i);
		const char *st = jv_get_str(f, "status");

		if (st == NULL || strcmp(st, "pass") == 0)
			continue;
		sbuf_adds(out,
			  n++ == 0 ? "<p>Needs attention:</p>\n<ul>\n" : "");
		sbuf_adds(out, "<li>");
		h_status(out, st);
		sbuf_adds(out, " ");
		h_text(out, jv_get_str(f, "subject"));
		sbuf_adds(out, ": ");
		h_text(out, jv_get_str(f, "message"));
		sbuf_adds(out, "</li>\n");
	}
	for (i = 0; i < jv_len(outs); i++) {
		const struct jv *checks = jv_get(jv_at(outs, i), "checks");

		for (j = 0; j < jv_len(checks); j++) {
			const struct jv *c = jv_at(checks, j);
			const char *st = jv_get_str(c, "status");

			if (st == NULL || strcmp(st, "pass") == 0)
				continue;
			sbuf_adds(out, n++ == 0
					   ? "<p>Needs attention:</p>\n<ul>\n"
					   : "");
			sbuf_adds(out, "<li>");
			h_status(out, st);
			sbuf_adds(out, " output ");
			h_text(out, jv_get_str(jv_at(outs, i), "name"));
			sbuf_adds(out, ", ");
			h_text(out, jv_get_str(c, "title"));
			sbuf_adds(out, ": ");
			h_text(out, jv_get_str(c, "detail"));
			sbuf_adds(out, "</li>\n");
		}
	}
	if (n > 0)
		sbuf_adds(out, "</ul>\n");
}

static void
verdict_box(struct sbuf *out, const struct jv *root)
{
	const char *v = verdict_word(root);
	const struct jv *fs = jv_get(root, "findings");
	const struct jv *outs = jv_get(root, "outputs");
	const char *meaning =
	    strcmp(v, "PASS") == 0
		? "Nothing in this run needs a person's judgement."
	    : strcmp(v, "REVIEW") == 0
		? "Something needs the advisor: a suppression applied, a "
		  "custom or free-text output, or an exception asked. See "
		  "the outputs and findings marked review."
		: "The run broke a rule: the bundle or the profile was "
		  "refused, a limit or the sandbox stopped the script, or an "
		  "output broke a rule and was withheld. See the findings "
		  "marked fail.";

	sbuf_printf(out,
		    "<div class=\"verdict v-%s\" id=\"verdict\">\n"
		    "<p class=\"word\">Verdict: %s</p>\n<p>%s</p>\n",
		    v, v, meaning);
	sbuf_adds(out, "<table>\n");
	row(out, "experiment", jv_get_str(jv_get(root, "project"), "name"));
	row(out, "version", jv_get_str(jv_get(root, "project"), "version"));
	row(out, "profile", jv_get_str(jv_get(root, "profile"), "name"));
	row(out, "stage reached", jv_get_str(root, "stage"));
	row(out, "report date", jv_get_str(root, "date"));
	sbuf_printf(out,
		    "<tr><th scope=\"row\">findings</th><td>%zu fail, %zu "
		    "review, %zu for information</td></tr>\n",
		    count_status(fs, "fail"), count_status(fs, "review"),
		    count_status(fs, "pass"));
	sbuf_printf(out,
		    "<tr><th scope=\"row\">outputs</th><td>%zu pass, %zu "
		    "review, %zu fail (withheld)</td></tr>\n",
		    count_status(outs, "pass"), count_status(outs, "review"),
		    count_status(outs, "fail"));
	sbuf_adds(out, "</table>\n");
	attention_list(out, root);
	sbuf_adds(out, "</div>\n");
}

static void
nav(struct sbuf *out)
{
	sbuf_adds(out,
		  "<div class=\"nav\"><p>Contents: <a href=\"#project\">1 Safe "
		  "projects</a> · <a href=\"#people\">2 Safe people</a> · "
		  "<a href=\"#setting\">3 Safe settings</a> · <a "
		  "href=\"#data\">4 Safe data</a> · <a href=\"#outputs\">5 "
		  "Safe outputs</a> · <a href=\"#findings\">Findings</a> · "
		  "<a href=\"#ai-act\">AI Act art. 59(1)</a> · <a "
		  "href=\"#gdpr\">GDPR art. 35(7)</a> · <a "
		  "href=\"#admission\">Admission</a> · <a "
		  "href=\"#profile\">Profile</a> · <a "
		  "href=\"#reproduce\">Reproduce</a></p></div>\n");
}

static void
section_project(struct sbuf *out, const struct jv *root)
{
	const struct jv *p = jv_get(root, "project");
	const struct jv *x = jv_get(p, "exceptions");
	size_t i;

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"project\">\n<h2>1. Safe projects: "
	    "purpose and legal basis</h2>\n");
	table_open(out);
	row(out, "experiment", jv_get_str(p, "name"));
	row(out, "version", jv_get_str(p, "version"));
	row(out, "purpose", jv_get_str(p, "purpose"));
	row(out, "description", jv_get_str(p, "description"));
	row(out, "entry script", jv_get_str(p, "entry"));
	row(out, "legal basis (from the profile)",
	    jv_get_str(p, "legal_basis"));
	row(out, "public interest, AI Act art. 59(1)(a) (from the profile)",
	    jv_get_str(p, "public_interest"));
	table_close(out);
	if (jv_len(x) > 0) {
		sbuf_adds(out, "<p>Exceptions asked by the team (shown again "
			       "beside each output):</p>\n<table>\n<tr><th>"
			       "output</th><th>reason</th></tr>\n");
		for (i = 0; i < jv_len(x); i++) {
			sbuf_adds(out, "<tr><td>");
			h_text(out, jv_get_str(jv_at(x, i), "output"));
			sbuf_adds(out, "</td><td>");
			h_text(out, jv_get_str(jv_at(x, i), "reason"));
			sbuf_adds(out, "</td></tr>\n");
		}
		table_close(out);
	}
	sbuf_adds(out, "</div>\n");
}

static void
section_people(struct sbuf *out, const struct jv *root)
{
	const struct jv *p = jv_get(root, "people");

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"people\">\n<h2>2. Safe people</h2>\n");
	table_open(out);
	row(out, "team", jv_get_str(p, "team"));
	row(out, "contact", jv_get_str(p, "contact"));
	row(out, "profile owner (custodian)", jv_get_str(p, "custodian"));
	table_close(out);
	sbuf_adds(out, "</div>\n");
}

static void
section_setting(struct sbuf *out, const struct jv *root)
{
	const struct jv *s = jv_get(root, "setting");
	const struct jv *e = jv_get(s, "error");

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"setting\">\n<h2>3. Safe settings: the "
	    "sandbox</h2>\n");
	if (s == NULL) {
		sbuf_adds(out, "<p>Nothing was executed.</p>\n</div>\n");
		return;
	}
	table_open(out);
	row(out, "how the script ended", jv_get_str(s, "end"));
	row(out, "denied system call", jv_get_str(s, "denied_syscall"));
	row_int(out, "instruction budget", s, "instructions");
	row_int(out, "memory limit (bytes)", s, "memory_bytes");
	row_int(out, "CPU limit (seconds)", s, "cpu_seconds");
	row_int(out, "wall-clock limit (seconds)", s, "wall_seconds");
	row_int(out, "output limit (bytes)", s, "output_bytes");
	row(out, "random seed", jv_get_str(s, "random_seed"));
	table_close(out);
	if (e != NULL) {
		sbuf_adds(out, "<p>The script stopped with an error:</p>\n");
		table_open(out);
		row(out, "class", jv_get_str(e, "class"));
		row(out, "message", jv_get_str(e, "message"));
		table_close(out);
		if (jv_get_str(e, "traceback") != NULL &&
		    *jv_get_str(e, "traceback") != '\0') {
			/* h_text turns newlines into U+FFFD; a traceback is
			 * shown one line per row instead. */
			const char *tb = jv_get_str(e, "traceback");
			const char *nl;

			sbuf_adds(out, "<table><tr><th>traceback</th></tr>\n");
			while (*tb != '\0') {
				char *line;

				nl = strchr(tb, '\n');
				line = nl != NULL
					   ? xstrndup(tb, (size_t)(nl - tb))
					   : xstrdup(tb);
				sbuf_adds(out, "<tr><td>");
				h_text(out, line);
				sbuf_adds(out, "</td></tr>\n");
				free(line);
				if (nl == NULL)
					break;
				tb = nl + 1;
			}
			table_close(out);
		}
	}
	if (jv_len(jv_get(s, "sandbox")) > 0) {
		sbuf_adds(out, "<p>Enforced by the sandbox, as read back from "
			       "inside it before any bundle code ran:</p>\n");
		kv_table(out, jv_get(s, "sandbox"));
	}
	if (jv_get_str(s, "script_log") != NULL) {
		sbuf_printf(out,
			    "<p>What the script printed (it read rows or was "
			    "given withheld cells): "
			    "data, for the advisor to read%s:</p>\n<pre>",
			    is_yes(jv_get_str(s, "script_log_truncated"))
				? " (cut at the cap)"
				: "");
		h_text_lines(out, jv_get_str(s, "script_log"));
		sbuf_adds(out, "</pre>\n");
	}
	sbuf_adds(out, "</div>\n");
}

static void ledger_table(struct sbuf *out, const struct jv *root);

static void
section_data(struct sbuf *out, const struct jv *root)
{
	const struct jv *d = jv_get(root, "data");
	const struct jv *files = jv_get(jv_get(d, "bundle"), "files");
	const struct jv *ds = jv_get(d, "datasets");
	size_t i;

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"data\">\n<h2>4. Safe data</h2>\n");
	table_open(out);
	row(out, "bundle digest (SHA-256)",
	    jv_get_str(jv_get(d, "bundle"), "digest"));
	table_close(out);
	for (i = 0; i < jv_len(ds); i++) {
		const struct jv *x = jv_at(ds, i);
		const struct jv *unused = jv_get(x, "columns_unused");

		sbuf_adds(out, "<h3>Dataset ");
		h_text(out, jv_get_str(x, "name"));
		sbuf_adds(out, "</h3>\n");
		table_open(out);
		row(out, "file", jv_get_str(x, "file"));
		row(out, "source (sample or custodian)",
		    jv_get_str(x, "source"));
		row(out, "SHA-256 of what was read", jv_get_str(x, "sha256"));
		row(out, "access", jv_get_str(x, "access"));
		sbuf_adds(out, "<tr><th scope=\"row\">personal data</th><td>");
		scalar(out, jv_get(x, "personal"));
		sbuf_adds(out, "</td></tr>\n<tr><th scope=\"row\">special "
			       "category (GDPR art. 9/10)</th><td>");
		scalar(out, jv_get(x, "special_category"));
		sbuf_adds(out, "</td></tr>\n");
		row_int(out, "rows read", x, "rows");
		row_list(out, "columns granted", jv_get(x, "columns_granted"));
		row_list(out, "columns requested",
			 jv_get(x, "columns_requested"));
		row_list(out, "columns read", jv_get(x, "columns_read"));
		row_list(out, "granted but unused (data minimisation)", unused);
		table_close(out);
	}
	sbuf_adds(out, "<h3>Files in the bundle</h3>\n<table>\n<tr><th>file"
		       "</th><th>bytes</th><th>SHA-256</th></tr>\n");
	for (i = 0; i < jv_len(files); i++) {
		const struct jv *f = jv_at(files, i);
		int64_t bytes = 0;

		jv_get_int(f, "bytes", &bytes);
		sbuf_adds(out, "<tr><td>");
		h_text(out, jv_get_str(f, "path"));
		sbuf_printf(out, "</td><td>%lld</td><td>", (long long)bytes);
		h_text(out, jv_get_str(f, "sha256"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
	ledger_table(out, root);
	sbuf_adds(out, "</div>\n");
}

static void
counts_cell(struct sbuf *out, const struct jv *obj)
{
	size_t i;

	sbuf_adds(out, "<td>");
	if (jv_len(obj) == 0)
		sbuf_adds(out, "—");
	for (i = 0; i < jv_len(obj); i++) {
		if (i > 0)
			sbuf_adds(out, ", ");
		h_text(out, jv_key_at(obj, i));
		sbuf_printf(out, " %lld",
			    (long long)jv_int_value(jv_val_at(obj, i)));
	}
	sbuf_adds(out, "</td>");
}

static void
where_cell(struct sbuf *out, const struct jv *where)
{
	size_t i, j;

	sbuf_adds(out, "<td>");
	if (jv_len(where) == 0)
		sbuf_adds(out, "—");
	for (i = 0; i < jv_len(where); i++) {
		const struct jv *f = jv_at(where, i);
		const struct jv *vals = jv_get(f, "values");
		int64_t total = 0;

		if (i > 0)
			sbuf_adds(out, "; ");
		h_text(out, jv_get_str(f, "column"));
		sbuf_adds(out, " in ");
		for (j = 0; j < jv_len(vals); j++) {
			const struct jv *v = jv_at(vals, j);

			if (j > 0)
				sbuf_adds(out, ", ");
			if (jv_get_str(v, "number") != NULL) {
				h_text(out, jv_get_str(v, "number"));
			} else {
				sbuf_adds(out, "&ldquo;");
				h_text(out, jv_get_str(v, "string"));
				sbuf_adds(out, "&rdquo;");
			}
		}
		jv_get_int(f, "values_total", &total);
		if ((size_t)total > jv_len(vals))
			sbuf_printf(out, " … (%lld values)", (long long)total);
	}
	sbuf_adds(out, "</td>");
}

/* The ledger: what the script was told, query by query. */
static void
ledger_table(struct sbuf *out, const struct jv *root)
{
	const struct jv *led = jv_get(root, "ledger");
	size_t i;

	sbuf_adds(out, "<h3 id=\"ledger\">What the script was told "
		       "(ledger)</h3>\n");
	if (jv_len(led) == 0) {
		sbuf_adds(out, "<p>The script asked no aggregate.</p>\n");
		return;
	}
	sbuf_adds(out,
		  "<p>Every aggregate the script asked, in order.  It was told "
		  "the released cells only: withheld cells were not in its "
		  "answer, so nothing the script made can carry them.</p>\n"
		  "<table>\n<tr><th>#</th><th>dataset</th><th>statistic</th>"
		  "<th>by</th><th>where</th><th>cells released</th>"
		  "<th>withheld (why)</th><th>flagged</th><th>after rows</th>"
		  "<th>outputs</th><th>status</th></tr>\n");
	for (i = 0; i < jv_len(led); i++) {
		const struct jv *q = jv_at(led, i);
		const char *vc = jv_get_str(q, "value_column");
		int64_t id = 0, rel = 0;

		jv_get_int(q, "query", &id);
		jv_get_int(q, "cells_released", &rel);
		sbuf_printf(out, "<tr><td>%lld</td><td>", (long long)id);
		h_text(out, jv_get_str(q, "dataset"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(q, "statistic"));
		if (vc != NULL && *vc != '\0') {
			sbuf_adds(out, " of ");
			h_text(out, vc);
		}
		sbuf_adds(out, "</td><td>");
		if (jv_len(jv_get(q, "by")) == 0)
			sbuf_adds(out, "—");
		else
			list(out, jv_get(q, "by"));
		sbuf_adds(out, "</td>");
		where_cell(out, jv_get(q, "where"));
		sbuf_printf(out, "<td>%lld</td>", (long long)rel);
		counts_cell(out, jv_get(q, "withheld"));
		counts_cell(out, jv_get(q, "flagged"));
		sbuf_adds(out, is_yes(jv_get_str(q, "after_rows"))
				   ? "<td>yes</td><td>"
				   : "<td>no</td><td>");
		if (jv_len(jv_get(q, "outputs")) == 0)
			sbuf_adds(out, "—");
		else
			list(out, jv_get(q, "outputs"));
		sbuf_adds(out, "</td><td>");
		h_status(out, jv_get_str(q, "status"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
}

/* Marks are fixed words from disclosure.c; anything else is shown as a
 * generic flag, so a class name never comes from elsewhere. */
static const char *
mark_class(const char *m, const char **symbol, const char **words)
{
	static const struct {
		const char *mark, *symbol, *words;
	} marks[] = {
		{ "flagged", "!", "released, a person must look" },
	};
	size_t i;

	for (i = 0; m != NULL && i < PT_ARRAY_LEN(marks); i++)
		if (strcmp(m, marks[i].mark) == 0) {
			*symbol = marks[i].symbol;
			*words = marks[i].words;
			return marks[i].mark;
		}
	*symbol = "!";
	*words = "flagged";
	return "flagged";
}

static const char *
mark_at(const struct jv *marks, int64_t r, int64_t c)
{
	size_t i;

	for (i = 0; i < jv_len(marks); i++) {
		const struct jv *m = jv_at(marks, i);
		int64_t mr = -1, mc = -1;

		jv_get_int(m, "row", &mr);
		jv_get_int(m, "column", &mc);
		if (mr == r && mc == c)
			return jv_get_str(m, "mark");
	}
	return NULL;
}

static void
preview_table(struct sbuf *out, const struct jv *pv)
{
	const struct jv *cols = jv_get(pv, "columns");
	const struct jv *rows = jv_get(pv, "rows");
	const struct jv *marks = jv_get(pv, "marks");
	int64_t shown = 0, total = 0, cshown = 0, ctotal = 0;
	size_t r, c;

	jv_get_int(pv, "rows_shown", &shown);
	jv_get_int(pv, "rows_total", &total);
	jv_get_int(pv, "columns_shown", &cshown);
	jv_get_int(pv, "columns_total", &ctotal);
	sbuf_printf(out,
		    "<p>The released table (%lld of %lld rows and %lld of %lld "
		    "columns shown); cells marked ! are flagged for the "
		    "advisor.  Withheld cells are not in the table.</p>\n"
		    "<table class=\"data\">\n<tr><th>#</th>",
		    (long long)shown, (long long)total, (long long)cshown,
		    (long long)ctotal);
	for (c = 0; c < jv_len(cols); c++) {
		sbuf_adds(out, "<th>");
		h_text(out, jv_str_value(jv_at(cols, c)));
		sbuf_adds(out, "</th>");
	}
	sbuf_adds(out, "</tr>\n");
	for (r = 0; r < jv_len(rows); r++) {
		const struct jv *cells = jv_at(rows, r);

		sbuf_printf(out, "<tr><td>%zu</td>", r);
		for (c = 0; c < jv_len(cells); c++) {
			const char *m = mark_at(marks, (int64_t)r, (int64_t)c);

			if (m != NULL) {
				const char *sym, *words;
				const char *cls = mark_class(m, &sym, &words);

				sbuf_printf(out,
					    "<td class=\"m-%s\" title=\"%s\">",
					    cls, words);
				h_text(out, jv_str_value(jv_at(cells, c)));
				sbuf_printf(out, " <sup class=\"mk\">%s</sup>",
					    sym);
			} else {
				sbuf_adds(out, "<td>");
				h_text(out, jv_str_value(jv_at(cells, c)));
			}
			sbuf_adds(out, "</td>");
		}
		sbuf_adds(out, "</tr>\n");
	}
	table_close(out);
}

static void
checks_table(struct sbuf *out, const struct jv *checks)
{
	size_t j, k;

	sbuf_adds(out, "<table>\n<tr><th>rule</th><th>status</th><th>"
		       "parameters</th><th>cells flagged (row, column)</th>"
		       "<th>what was found and done</th></tr>\n");
	for (j = 0; j < jv_len(checks); j++) {
		const struct jv *c = jv_at(checks, j);
		const struct jv *params = jv_get(c, "parameters");
		const struct jv *cells = jv_get(c, "cells");
		int64_t flagged = 0;

		jv_get_int(c, "cells_flagged", &flagged);
		sbuf_adds(out, "<tr><td>");
		h_text(out, jv_get_str(c, "title"));
		sbuf_adds(out, " (");
		h_text(out, jv_get_str(c, "rule"));
		if (jv_get_str(c, "ref") != NULL) {
			sbuf_adds(out, ", ");
			h_text(out, jv_get_str(c, "ref"));
		}
		sbuf_adds(out, ")</td><td>");
		h_status(out, jv_get_str(c, "status"));
		sbuf_adds(out, "</td><td>");
		for (k = 0; k < jv_len(params); k++) {
			if (k > 0)
				sbuf_adds(out, "; ");
			h_text(out, jv_key_at(params, k));
			sbuf_adds(out, " = ");
			scalar(out, jv_val_at(params, k));
		}
		sbuf_printf(out, "</td><td>%lld", (long long)flagged);
		for (k = 0; k < jv_len(cells) && k < 20; k++) {
			int64_t r = 0, col = 0;

			jv_get_int(jv_at(cells, k), "row", &r);
			jv_get_int(jv_at(cells, k), "column", &col);
			sbuf_printf(out, "%s(%lld, %lld)", k == 0 ? ": " : " ",
				    (long long)r, (long long)col);
		}
		if ((int64_t)jv_len(cells) > 20 ||
		    flagged > (int64_t)jv_len(cells))
			sbuf_adds(out, " …");
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(c, "detail"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
}

static void
section_outputs(struct sbuf *out, const struct jv *root)
{
	const struct jv *outs = jv_get(root, "outputs");
	size_t i;

	sbuf_adds(out, "<div class=\"section\" id=\"outputs\">\n<h2>5. Safe "
		       "outputs</h2>\n");
	if (jv_len(outs) == 0) {
		sbuf_adds(out, "<p>No outputs.</p>\n</div>\n");
		return;
	}
	for (i = 0; i < jv_len(outs); i++) {
		const struct jv *o = jv_at(outs, i);
		const char *exc = jv_get_str(o, "exception");
		const char *st = jv_get_str(o, "status");
		const char *file = jv_get_str(o, "file");

		sbuf_printf(out, "<h3>Output %zu: ", i + 1);
		h_text(out, jv_get_str(o, "name"));
		sbuf_adds(out, " — ");
		h_status(out, st);
		sbuf_adds(out, "</h3>\n");
		if (exc != NULL) {
			sbuf_adds(out,
				  "<p class=\"exception\"><strong>Exception "
				  "asked by the team:</strong> ");
			h_text(out, exc);
			sbuf_adds(out,
				  "<br>An exception is for the advisor to "
				  "weigh; it does not change a status, and "
				  "a failed output stays withheld.</p>\n");
		} else if (st != NULL && strcmp(st, "pass") != 0) {
			sbuf_adds(out,
				  "<p class=\"exception\">No exception "
				  "reason was given for this output.</p>\n");
		}
		table_open(out);
		row(out, "kind", jv_get_str(o, "kind"));
		row(out, "description", jv_get_str(o, "description"));
		row(out, "statistic", jv_get_str(o, "statistic"));
		row(out, "dataset", jv_get_str(o, "dataset"));
		row(out, "value column", jv_get_str(o, "value_column"));
		row_int(out, "rows", o, "rows");
		row(out, "mitigation", jv_get_str(o, "mitigation"));
		row_int(out, "query (ledger)", o, "query");
		row(out, "released to",
		    jv_get_str(o, "released") == NULL ? NULL
		    : strcmp(jv_get_str(o, "released"), "outputs") == 0
			? "outputs/: may leave without a person's judgement"
		    : strcmp(jv_get_str(o, "released"), "review") == 0
			? "review/: held until advisors release it"
			: "nothing: withheld");
		row(out, "file", file != NULL && *file != '\0' ? file : NULL);
		row(out, "SHA-256", jv_get_str(o, "sha256"));
		table_close(out);
		checks_table(out, jv_get(o, "checks"));
		if (jv_get_str(jv_get(o, "preview"), "text") != NULL) {
			int64_t bytes = 0;

			jv_get_int(jv_get(o, "preview"), "bytes", &bytes);
			sbuf_printf(
			    out,
			    "<p>The text (%lld bytes; at most %d shown, "
			    "control characters replaced):</p>\n<pre>",
			    (long long)bytes, REPORT_PREVIEW_TEXT);
			h_text_lines(out,
				     jv_get_str(jv_get(o, "preview"), "text"));
			sbuf_adds(out, "</pre>\n");
		} else if (jv_get(o, "preview") != NULL) {
			preview_table(out, jv_get(o, "preview"));
		}
	}
	sbuf_adds(out, "</div>\n");
}

static void
section_findings(struct sbuf *out, const struct jv *root)
{
	const struct jv *fs = jv_get(root, "findings");
	size_t i;

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"findings\">\n<h2>Findings</h2>\n");
	if (jv_len(fs) == 0) {
		sbuf_adds(out, "<p>None.</p>\n</div>\n");
		return;
	}
	sbuf_adds(out, "<table>\n<tr><th>status</th><th>stage</th><th>code"
		       "</th><th>subject</th><th>what it means</th></tr>\n");
	for (i = 0; i < jv_len(fs); i++) {
		const struct jv *f = jv_at(fs, i);

		sbuf_adds(out, "<tr><td>");
		h_status(out, jv_get_str(f, "status"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(f, "stage"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(f, "code"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(f, "subject"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(f, "message"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
	sbuf_adds(out, "</div>\n");
}

static void
framework_table(struct sbuf *out, const struct jv *items, const char *label)
{
	size_t i;

	sbuf_printf(out,
		    "<table>\n<tr><th>%s</th><th>requirement</th><th>state"
		    "</th><th>what this run evidences</th><th>what the "
		    "advisor must confirm</th></tr>\n",
		    label);
	for (i = 0; i < jv_len(items); i++) {
		const struct jv *x = jv_at(items, i);

		sbuf_adds(out, "<tr><td>(");
		h_text(out, jv_get_str(x, "item"));
		sbuf_adds(out, ")</td><td>");
		h_text(out, jv_get_str(x, "requirement"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(x, "state"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(x, "evidence"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(x, "advisor"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
}

static void
section_frameworks(struct sbuf *out, const struct jv *root)
{
	const struct jv *fw = jv_get(root, "frameworks");

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"ai-act\">\n<h2>AI Act art. 59(1): "
	    "conditions for personal data in the sandbox</h2>\n"
	    "<p>All of (a) to (j) must hold. \"Partly evidenced\" "
	    "means this run shows the technical part; the advisor "
	    "confirms the rest.</p>\n");
	framework_table(out, jv_get(fw, "ai_act_59_1"), "item");
	sbuf_adds(out,
		  "</div>\n<div class=\"section\" id=\"gdpr\">\n<h2>GDPR art. "
		  "35(7): where the DPIA finds its material</h2>\n");
	framework_table(out, jv_get(fw, "gdpr_35_7"), "item");
	sbuf_adds(out, "</div>\n");
}

static void
section_admission(struct sbuf *out, const struct jv *root)
{
	const struct jv *a = jv_get(root, "admission");
	size_t i;

	sbuf_adds(
	    out, "<div class=\"section\" id=\"admission\">\n<h2>Admission: the "
		 "bundle against the profile</h2>\n");
	if (jv_len(a) == 0) {
		sbuf_adds(out, "<p>Admission did not run.</p>\n</div>\n");
		return;
	}
	sbuf_adds(out, "<table>\n<tr><th>check</th><th>status</th><th>"
		       "subject</th><th>reason</th></tr>\n");
	for (i = 0; i < jv_len(a); i++) {
		const struct jv *x = jv_at(a, i);

		sbuf_adds(out, "<tr><td>");
		h_text(out, jv_get_str(x, "check"));
		sbuf_adds(out, "</td><td>");
		h_status(out, jv_get_str(x, "status"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(x, "subject"));
		sbuf_adds(out, "</td><td>");
		h_text(out, jv_get_str(x, "reason"));
		sbuf_adds(out, "</td></tr>\n");
	}
	table_close(out);
	sbuf_adds(out, "</div>\n");
}

/* The profile as nested tables: every effective value. */
static void
profile_tables(struct sbuf *out, const struct jv *obj, int depth)
{
	size_t i;

	sbuf_adds(out, "<table>\n");
	for (i = 0; i < jv_len(obj); i++) {
		const struct jv *v = jv_val_at(obj, i);

		sbuf_adds(out, "<tr><th scope=\"row\">");
		h_text(out, jv_key_at(obj, i));
		sbuf_adds(out, "</th><td>");
		if (jv_kind(v) == JV_OBJ && depth < 3)
			profile_tables(out, v, depth + 1);
		else
			scalar(out, v);
		sbuf_adds(out, "</td></tr>\n");
	}
	sbuf_adds(out, "</table>\n");
}

static void
section_profile(struct sbuf *out, const struct jv *root)
{
	sbuf_adds(out,
		  "<div class=\"section\" id=\"profile\">\n<h2>Profile: every "
		  "effective value</h2>\n");
	profile_tables(out, jv_get(root, "profile"), 0);
	sbuf_adds(out, "</div>\n");
}

static void
section_reproduce(struct sbuf *out, const struct jv *root)
{
	const struct jv *r = jv_get(root, "reproduce");
	const struct jv *tool = jv_get(root, "tool");

	sbuf_adds(
	    out,
	    "<div class=\"section\" id=\"reproduce\">\n<h2>How to reproduce"
	    "</h2>\n");
	table_open(out);
	row(out, "proeftuin version", jv_get_str(tool, "version"));
	row(out, "report schema", jv_get_str(root, "schema"));
	row(out, "bundle digest", jv_get_str(r, "bundle_digest"));
	row(out, "profile SHA-256", jv_get_str(r, "profile_sha256"));
	row(out, "command", jv_get_str(r, "command"));
	row(out, "check", jv_get_str(r, "verify"));
	row(out, "note", jv_get_str(r, "note"));
	table_close(out);
	sbuf_adds(out, "<p>Libraries:</p>\n");
	kv_table(out, jv_get(tool, "libraries"));
	sbuf_adds(out, "</div>\n");
}

void
render_html(const struct jv *root, struct sbuf *out)
{
	sbuf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		       "<meta charset=\"utf-8\">\n<title>proeftuin compliance "
		       "report: ");
	h_text(out, jv_get_str(jv_get(root, "project"), "name"));
	sbuf_printf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
	sbuf_adds(out, "<h1>proeftuin compliance report</h1>\n");
	verdict_box(out, root);
	nav(out);
	section_project(out, root);
	section_people(out, root);
	section_setting(out, root);
	section_data(out, root);
	section_outputs(out, root);
	section_findings(out, root);
	section_frameworks(out, root);
	section_admission(out, root);
	section_profile(out, root);
	section_reproduce(out, root);
	sbuf_adds(out, "<div class=\"footer\"><p>Written by proeftuin ");
	h_text(out, jv_get_str(jv_get(root, "tool"), "version"));
	sbuf_adds(out, ". The verdict above is set by the runner; nothing in "
		       "the bundle can change it.</p></div>\n</body>\n"
		       "</html>\n");
}
