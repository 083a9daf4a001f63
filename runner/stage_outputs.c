/*
 * stage_outputs.c - the fourth stage: every output the script made checked
 * against the profile (disclosure.c) and placed.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "disclosure.h"
#include "stages.h"
#include "suggest.h"
#include "textsafe.h"

/* The exception the manifest asks for `name`, or NULL. */
static const char *
exception_for(const struct manifest *m, const char *name)
{
	size_t j;

	for (j = 0; j < m->nexceptions; j++)
		if (strcmp(m->exceptions[j].output, name) == 0)
			return m->exceptions[j].reason;
	return NULL;
}

static const struct ledger_entry *
ledger_for(const struct run_results *res, uint32_t id)
{
	return id >= 1 && id <= res->nledger ? &res->ledger[id - 1] : NULL;
}

/* What was done to an output: the cells the engine withheld from the
 * answer (from the ledger), then the runner's own mitigations. */
static char *
mitigation_text(const struct output *o, const struct checked_output *co,
		const struct run_results *res)
{
	const struct ledger_entry *q =
	    o->kind == OUTPUT_TABLE ? ledger_for(res, o->query) : NULL;
	struct sbuf sb = SBUF_INIT;
	uint32_t n = 0;
	size_t i;

	for (i = 0; q != NULL && i < q->nwithheld; i++)
		n += q->withheld[i].cells;
	if (n > 0) {
		sbuf_printf(&sb, "%u %s withheld (", n,
			    n == 1 ? "cell" : "cells");
		for (i = 0; i < q->nwithheld; i++)
			sbuf_printf(&sb, "%s%s %u", i ? ", " : "",
				    q->withheld[i].reason,
				    q->withheld[i].cells);
		sbuf_addc(&sb, ')');
	}
	if (strcmp(co->mitigation, "none") != 0)
		sbuf_printf(&sb, "%s%s", sb.len ? ", " : "", co->mitigation);
	return sb.len > 0 ? sbuf_steal(&sb) : xstrdup("none");
}

/*
 * Stage 4: check every output, apply mitigations, place the files.
 * Nothing leaves before a person decides: outputs/ holds only outputs
 * with status pass, review/ the ones a person must judge, and an output
 * that failed is withheld entirely (no file, no cells in the report).
 * When the run as a whole failed, no output is released at all: what a
 * script made before it broke a limit or a rule is not to be trusted.
 * An exception asked in the manifest is shown beside its output; it never
 * changes a status.
 */
void
stage_outputs(struct report *r, const struct manifest *m,
	      const struct profile *p, const struct run_results *res,
	      struct outset *files)
{
	struct jv *arr = jv_arr_at(r->root, "outputs");
	struct checked_output *cos = xcalloc(res->noutputs + 1, sizeof(*cos));
	bool *dup = xcalloc(res->noutputs + 1, sizeof(*dup));
	const char **names;
	bool run_failed;
	size_t i, j;

	report_stage(r, "output");
	disclosure_check_all(res->outputs, res->noutputs, p, cos);
	for (i = 0; i < res->noutputs; i++) {
		disclosure_note_answer(&cos[i], &res->outputs[i],
				       ledger_for(res, res->outputs[i].query));
		if (cos[i].status == STATUS_FAIL && !cos[i].withheld) {
			cos[i].withheld = true;
			sbuf_free(&cos[i].released);
		}
		/* Case-insensitive: "notes" and "NOTES" would be one file
		 * once an advisor copies the folder to macOS or Windows. */
		for (j = 0; j < i; j++)
			dup[i] =
			    dup[i] || strcasecmp(res->outputs[j].name,
						 res->outputs[i].name) == 0;
		if (dup[i]) {
			cos[i].withheld = true;
			cos[i].status = STATUS_FAIL;
		}
		report_status(r, cos[i].status);
	}
	run_failed = r->worst == STATUS_FAIL;
	for (i = 0; i < res->noutputs; i++) {
		const struct output *o = &res->outputs[i];
		struct checked_output *co = &cos[i];
		const char *exc = exception_for(m, o->name);
		struct jv *jo = jv_obj();
		char *name =
		    text_clean_dup(o->name, DISCLOSURE_MAX_NAME, false);
		char *mit = mitigation_text(o, co, res);
		bool released = !co->withheld && !run_failed;

		if (dup[i])
			report_finding(r, "output", STATUS_FAIL,
				       "DUPLICATE_OUTPUT", name,
				       "output name used twice (case does not "
				       "count); only the first is released");
		jv_set_str(jo, "name", name);
		jv_set_str(jo, "kind",
			   o->kind == OUTPUT_TABLE ? "table" : "text");
		report_set_text(jo, "description", o->description, 2000);
		jv_set_str(jo, "status", status_name(co->status));
		jv_set_str(jo, "mitigation", mit);
		free(mit);
		jv_set_bool(jo, "after_rows", o->after_rows);
		if (o->kind == OUTPUT_TABLE) {
			jv_set_int(jo, "rows", (int64_t)o->nrows);
			jv_set_int(jo, "columns", (int64_t)o->ncols);
			report_set_text(jo, "statistic", o->statistic,
					DISCLOSURE_MAX_NAME);
			report_set_text(jo, "dataset", o->dataset,
					DISCLOSURE_MAX_NAME);
			report_set_text(jo, "value_column", o->value_column,
					DISCLOSURE_MAX_NAME);
			jv_set_bool(jo, "evidence", o->has_evidence);
			jv_set_int(jo, "query", o->query);
		}
		if (exc != NULL)
			report_set_text(jo, "exception", exc, 2000);
		if (released) {
			char hex[PT_SHA256_HEX];
			char *file = xasprintf(
			    "%s/%s.%s",
			    co->status == STATUS_PASS ? "outputs" : "review",
			    o->name, co->extension);

			pt_sha256_hex(
			    co->released.buf != NULL ? co->released.buf : "",
			    co->released.len, hex);
			jv_set_str(jo, "file", file);
			jv_set_str(jo, "sha256", hex);
			jv_set_int(jo, "bytes", (int64_t)co->released.len);
			outset_add(files, file, co->released.buf,
				   co->released.len, true);
			free(file);
			if (co->preview != NULL) {
				jv_set(jo, "preview", co->preview);
				co->preview = NULL;
			}
		} else {
			jv_set_str(jo, "file", "");
			if (co->withheld)
				report_finding(
				    r, "output", STATUS_FAIL, "OUTPUT_WITHHELD",
				    name,
				    "output broke a rule and was withheld%s",
				    exc != NULL ? "; the exception asked "
						  "does not release it"
						: "");
		}
		jv_set_str(jo, "released",
			   !released		       ? "withheld"
			   : co->status == STATUS_PASS ? "outputs"
						       : "review");
		if (co->status == STATUS_REVIEW && exc == NULL)
			report_finding(r, "output", STATUS_REVIEW,
				       "NO_EXCEPTION_REASON", name,
				       "this output needs the advisor's "
				       "judgement and the team gave no reason "
				       "([exception.%s] in the manifest)",
				       manifest_name_ok(o->name) ? name
								 : "OUTPUT");
		jv_set(jo, "checks", co->checks);
		co->checks = NULL;
		jv_push(arr, jo);
		checked_output_fini(co);
		free(name);
	}
	if (run_failed && res->noutputs > 0)
		report_finding(r, "output", STATUS_FAIL, "RUN_FAILED", "",
			       "the run failed, so none of its %zu %s is "
			       "released",
			       res->noutputs,
			       res->noutputs == 1 ? "output" : "outputs");
	free(cos);
	free(dup);
	/* A misspelt exception would leave the output it meant without
	 * its reason: the advisor and the team must see it. */
	names = xcalloc(res->noutputs + 1, sizeof(*names));
	for (j = 0; j < res->noutputs; j++)
		names[j] = res->outputs[j].name;
	for (j = 0; j < m->nexceptions; j++) {
		const struct manifest_exception *x = &m->exceptions[j];
		const char *near;

		if (results_output(res, x->output) != NULL)
			continue;
		near = suggest_word(x->output, names, res->noutputs);
		report_finding(
		    r, "output", STATUS_REVIEW, "EXCEPTION_UNUSED", x->output,
		    MANIFEST_NAME ":%d: [exception.%s] names no "
				  "output of this run%s%s%s",
		    x->line, x->output, near != NULL ? "; did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'?" : "");
	}
	free(names);
	if (res->noutputs == 0 && res->done)
		report_finding(r, "output", STATUS_REVIEW, "NO_OUTPUTS", "",
			       "the script made no outputs, so nothing can "
			       "leave; hint: call output.table or output.text "
			       "(see proeftuin-lua(7))");
}
