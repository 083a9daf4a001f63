/*
 * report.h - the report model: one JSON tree built stage by stage, from
 * which report.json, report.md (and later report.html) are rendered.
 *
 * Layout of the tree (schema "proeftuin-report/1"), in Five-Safes order:
 *	project, people, setting, data, outputs, then findings, verdict,
 *	reproduce; plus profile (every effective value) and tool (versions).
 * Nothing in it may depend on the clock, locale, paths, environment or the
 * bundle's container format: those go to run.log.
 */
#ifndef PROEFTUIN_REPORT_H
#define PROEFTUIN_REPORT_H

#include <stdint.h>

#include "json.h"
#include "util.h"

#define REPORT_SCHEMA "proeftuin-report/1"

/* Caps on finding text; findings often quote bundle text. */
#define REPORT_MAX_SUBJECT 200
#define REPORT_MAX_MESSAGE 4000
/* What the report shows of each output: rows and columns of a table, bytes
 * of a free text. */
#define REPORT_PREVIEW_ROWS 50
#define REPORT_PREVIEW_COLS 30
#define REPORT_PREVIEW_TEXT 4000

enum status {
	STATUS_PASS = 0,
	STATUS_REVIEW,
	STATUS_FAIL,
};

struct report {
	struct jv *root;
	enum status worst;
};

const char *status_name(enum status s);	 /* "pass" ... */
const char *verdict_name(enum status s); /* "PASS" ... */

void report_init(struct report *r);
void report_fini(struct report *r);
/* The furthest stage reached: intake, admission, execution, output, done. */
void report_stage(struct report *r, const char *stage);
/* Record a finding and fold its status into the verdict. */
void report_finding(struct report *r, const char *stage, enum status st,
		    const char *code, const char *subject, const char *fmt, ...)
    PT_PRINTF(6, 7);
/* Fold a status (e.g. an output's) into the verdict without a finding. */
void report_status(struct report *r, enum status st);
/* Set the verdict field from everything recorded. */
void report_finish(struct report *r);

/* Derive the framework views (AI Act art. 59(1) checklist (a)-(j), GDPR
 * art. 35(7) pointers) from the finished tree into "frameworks". */
void report_frameworks(struct report *r);

/* Bundle or data text in the report: cleaned (textsafe.h) and capped at
 * `cap` bytes; report_set_lines keeps line feeds and tabs. */
void report_set_text(struct jv *obj, const char *key, const char *s,
		     size_t cap);
void report_set_lines(struct jv *obj, const char *key, const char *s,
		      size_t cap);
struct jv *report_text(const char *s, size_t cap);

/* Renderings of a finished report tree.  Each treats every string in the
 * tree as hostile. */
void render_json(const struct jv *root, struct sbuf *out);
void render_markdown(const struct jv *root, struct sbuf *out);
void render_html(const struct jv *root, struct sbuf *out);
/* Bundle text for an HTML page: cleaned (textsafe.h), capped, and with
 * & < > " ' : / escaped, so it can neither open a tag nor leave an
 * attribute nor form a URL; "—" when absent or empty. */
void html_text(struct sbuf *out, const char *s);
/* The same for Markdown: cleaned, capped, with HTML and Markdown syntax
 * escaped, on one line. */
void md_inline(struct sbuf *out, const char *s);

#endif
