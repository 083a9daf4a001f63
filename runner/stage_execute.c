/*
 * stage_execute.c - the third stage: the script run in the sandbox
 * (execute.c) on the sample or custodian bytes of each dataset, and what
 * the report says of it: the setting, per dataset what was granted and
 * read, the ledger of every answer the script was given, what it printed
 * where that may carry data, and how it ended.
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "datasets.h"
#include "disclosure.h"
#include "stages.h"
#include "suggest.h"
#include "textsafe.h"

void
runlog_add_script_log(struct sbuf *log, const char *raw, size_t n,
		      bool truncated)
{
	if (n == 0)
		return;
	sbuf_adds(log, "--- script log (print) ---\n");
	/* The child escapes what a script prints; this is the second line,
	 * so a terminal showing run.log cannot be driven by bytes that
	 * reached the log any other way. */
	text_escape(log, raw, n, TEXT_FOR_LOG_LINES);
	if (truncated)
		sbuf_adds(log, "\n--- truncated at the log cap ---\n");
}

static const struct usage *
usage_for(const struct run_results *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nusages; i++)
		if (strcmp(res->usages[i].dataset, name) == 0)
			return &res->usages[i];
	return NULL;
}

/* The data section: per dataset what was granted, asked for and read. */
static void
section_datasets(struct run_ctx *c, const struct run_results *res,
		 const struct dataset_inputs *inputs)
{
	struct jv *arr = jv_arr_at(jv_obj_at(c->r->root, "data"), "datasets");
	size_t i, j;

	for (i = 0; i < c->cand.manifest->ndatasets; i++) {
		const struct manifest_dataset *md =
		    &c->cand.manifest->datasets[i];
		const struct profile_dataset *pd =
		    profile_dataset(c->o->profile, md->name);
		const struct dataset_input *di =
		    datasets_find(inputs, md->name);
		const struct usage *u = usage_for(res, md->name);
		struct jv *d = jv_obj(), *unused = jv_arr();
		struct sbuf names = SBUF_INIT;

		jv_set_str(d, "name", md->name);
		jv_set_str(d, "file", md->file);
		jv_set_str(d, "source", di->source);
		jv_set_str(d, "sha256", di->sha256);
		jv_set_str(d, "access", access_name(pd->access));
		jv_set_bool(d, "personal", pd->personal);
		jv_set_bool(d, "special_category", pd->special_category);
		jv_set(d, "columns_granted",
		       jv_str_array(pd->columns, pd->ncolumns));
		jv_set(d, "columns_requested",
		       jv_str_array(md->columns, md->ncolumns));
		jv_set(d, "columns_read",
		       u != NULL ? jv_str_array(u->cols, u->ncols) : jv_arr());
		jv_set_int(d, "rows", u != NULL ? (int64_t)u->rows : 0);
		for (j = 0; j < pd->ncolumns; j++) {
			if (u != NULL &&
			    pt_list_has(u->cols, u->ncols, pd->columns[j]))
				continue;
			jv_push(unused, jv_str(pd->columns[j]));
			sbuf_printf(&names, "%s%s", names.len ? ", " : "",
				    pd->columns[j]);
		}
		jv_set(d, "columns_unused", unused);
		jv_push(arr, d);
		/* Advice on unused columns only means something when the
		 * script ran to its end. */
		if (names.len > 0 && res->done)
			report_finding(c->r, "execution", STATUS_PASS,
				       "DATA_MINIMISATION", md->name,
				       "granted but unused columns: %s — "
				       "consider narrowing the profile",
				       names.buf);
		sbuf_free(&names);
	}
}

static void
section_setting(struct run_ctx *c, const struct exec_outcome *ex)
{
	const struct profile_limits *lim = &c->o->profile->limits;
	struct jv *s = jv_obj_at(c->r->root, "setting");
	struct jv *sb = jv_obj_at(s, "sandbox");
	size_t i;

	jv_set_str(s, "end", sbx_end_name(ex->sbx.end));
	if (ex->sbx.syscall[0] != '\0')
		jv_set_str(s, "denied_syscall", ex->sbx.syscall);
	jv_set_int(s, "instructions", lim->instructions);
	jv_set_int(s, "memory_bytes", lim->memory_mb << 20);
	jv_set_int(s, "cpu_seconds", lim->cpu_seconds);
	jv_set_int(s, "wall_seconds", lim->wall_seconds);
	jv_set_int(s, "output_bytes", lim->output_kb << 10);
	jv_set_str(s, "random_seed",
		   "derived from the bundle digest and the "
		   "manifest seed");
	for (i = 0; i < ex->results.nsetting; i++)
		jv_set_str(sb, ex->results.setting[i].key,
			   ex->results.setting[i].value);
}

/* Values of one `where` filter shown per ledger line; the count is
 * always complete. */
#define LEDGER_MAX_VALUES 50

static bool
ledger_needs_review(const struct ledger_entry *q)
{
	return q->nwithheld > 0 || q->nflagged > 0 || q->after_rows;
}

/*
 * The ledger: every aggregate query the script asked, in order, with what
 * it was told (the cells released) and what was withheld or flagged and
 * why.  The script learned nothing else from the data, so this is all an
 * advisor needs to judge what it could have carried out.  A query with
 * withheld or flagged cells, or one asked after the script read rows,
 * needs the advisor: how many cells were withheld is itself a fact about
 * small groups, and only a person may let it leave.
 */
static void
section_ledger(struct run_ctx *c, const struct run_results *res)
{
	struct jv *arr = jv_arr_at(c->r->root, "ledger");
	size_t i, j, k, nreview = 0;

	for (i = 0; i < res->nledger; i++) {
		const struct ledger_entry *q = &res->ledger[i];
		struct jv *e = jv_obj(), *where = jv_arr(), *w, *f;

		jv_set_int(e, "query", q->id);
		jv_set(e, "dataset",
		       report_text(q->dataset, DISCLOSURE_MAX_NAME));
		jv_set(e, "statistic",
		       report_text(q->statistic, DISCLOSURE_MAX_NAME));
		jv_set(e, "value_column",
		       report_text(q->value_column, DISCLOSURE_MAX_NAME));
		w = jv_arr();
		for (j = 0; j < q->nby; j++)
			jv_push(w, report_text(q->by[j], DISCLOSURE_MAX_NAME));
		jv_set(e, "by", w);
		for (j = 0; j < q->nwhere; j++) {
			const struct ledger_filter *lf = &q->where[j];
			struct jv *vals = jv_arr();

			f = jv_obj();
			jv_set(f, "column",
			       report_text(lf->column, DISCLOSURE_MAX_NAME));
			for (k = 0; k < lf->nvals && k < LEDGER_MAX_VALUES;
			     k++) {
				struct jv *v = jv_obj();

				if (lf->vals[k].kind == CELL_NUM) {
					char num[64];

					format_number(lf->vals[k].num, num,
						      sizeof(num));
					jv_set_str(v, "number", num);
				} else {
					jv_set(
					    v, "string",
					    report_text(lf->vals[k].str,
							DISCLOSURE_MAX_NAME));
				}
				jv_push(vals, v);
			}
			jv_set(f, "values", vals);
			jv_set_int(f, "values_total", (int64_t)lf->nvals);
			jv_push(where, f);
		}
		jv_set(e, "where", where);
		jv_set_int(e, "cells_released", q->released);
		w = jv_obj();
		for (j = 0; j < q->nwithheld; j++)
			jv_set_int(w, q->withheld[j].reason,
				   q->withheld[j].cells);
		jv_set(e, "withheld", w);
		w = jv_obj();
		for (j = 0; j < q->nflagged; j++)
			jv_set_int(w, q->flagged[j].reason,
				   q->flagged[j].cells);
		jv_set(e, "flagged", w);
		jv_set_bool(e, "after_rows", q->after_rows);
		w = jv_arr();
		for (j = 0; j < res->noutputs; j++)
			if (res->outputs[j].kind == OUTPUT_TABLE &&
			    res->outputs[j].query == q->id)
				jv_push(w, report_text(res->outputs[j].name,
						       DISCLOSURE_MAX_NAME));
		jv_set(e, "outputs", w);
		jv_set_str(e, "status",
			   ledger_needs_review(q) ? "review" : "pass");
		nreview += ledger_needs_review(q);
		jv_push(arr, e);
	}
	if (nreview > 0)
		report_finding(c->r, "execution", STATUS_REVIEW,
			       "ANSWERS_PROTECTED", "",
			       "%zu of the script's %zu %s had cells withheld "
			       "or flagged, or %s asked after it read rows; "
			       "the ledger lists what it was told",
			       nreview, res->nledger,
			       res->nledger == 1 ? "query" : "queries",
			       nreview == 1 ? "was" : "were");
}

/* Script log cap in the report. */
#define REPORT_MAX_LOG 16000

/* After the script read rows, or once it was given an answer with
 * withheld cells, what it printed may carry data: it goes into the
 * report, escaped, for the advisor to read. */
static void
section_script_log(struct run_ctx *c, const struct run_results *res,
		   const struct exec_outcome *ex)
{
	size_t i;
	bool iterated = false, withheld = false;

	for (i = 0; i < res->nusages; i++)
		iterated = iterated || res->usages[i].iterated;
	for (i = 0; i < res->nledger; i++)
		withheld = withheld || res->ledger[i].nwithheld > 0;
	if (iterated)
		report_finding(c->r, "execution", STATUS_REVIEW, "ROWS_READ",
			       "",
			       "the script read rows: how it ended, what it "
			       "printed and everything it made after may carry "
			       "values of rows, so a person judges the run");
	if ((!iterated && !withheld) || ex->sbx.log.len == 0)
		return;
	{
		struct sbuf raw = SBUF_INIT;
		struct jv *s = jv_obj_at(c->r->root, "setting");

		sbuf_add(&raw, ex->sbx.log.buf, ex->sbx.log.len);
		report_set_lines(s, "script_log", raw.buf, REPORT_MAX_LOG);
		jv_set_bool(s, "script_log_truncated",
			    ex->sbx.log_truncated ||
				ex->sbx.log.len > REPORT_MAX_LOG);
		sbuf_free(&raw);
	}
	report_finding(c->r, "execution", STATUS_REVIEW, "SCRIPT_LOG", "",
		       "the script printed %zu bytes in a run where it read "
		       "rows or was given withheld cells; what it printed may "
		       "carry data and is shown in the report for the advisor",
		       ex->sbx.log.len);
}

static const char *
end_explanation(enum sbx_end end)
{
	switch (end) {
	case SBX_OK:
		return "the script ended normally";
	case SBX_LUA_ERROR:
		return "script stopped: Lua error";
	case SBX_INSTRUCTION_LIMIT:
		return "script stopped: instruction limit";
	case SBX_MEMORY_LIMIT:
		return "script stopped: memory limit";
	case SBX_OUTPUT_LIMIT:
		return "script stopped: output limit";
	case SBX_CPU_LIMIT:
		return "script stopped: CPU time limit";
	case SBX_TIMEOUT:
		return "script stopped: wall-clock limit";
	case SBX_SECCOMP_VIOLATION:
		return "script stopped: it tried a forbidden system call";
	case SBX_SETUP_FAILED:
		return "the sandbox could not be set up";
	}
	return "unknown end";
}

/* The finding codes a child may send besides the end classes (see
 * sandbox/common/channel.h); anything else falls back to the end class. */
static const char *
known_error_code(const char *cls)
{
	static const char *const codes[] = { "COLUMN_NOT_GRANTED",
					     "ROWS_NOT_GRANTED", "DATA_ERROR" };
	size_t i;

	for (i = 0; cls != NULL && i < PT_ARRAY_LEN(codes); i++)
		if (strcmp(cls, codes[i]) == 0)
			return codes[i];
	return NULL;
}

/*
 * The data API stops a script that reads a column it may not read with
 * "dataset 'D': column 'C' is not granted by the profile".  The runner knows
 * why, and says it so the team asks for the right thing: an identifier, a
 * grant the manifest does not declare, a slip of the pen, or a column the
 * profile does not grant.  NULL when `msg` is not that message.
 */
static char *
explain_column(const struct run_ctx *c, const char *msg)
{
	static const char head[] = "dataset '", mid[] = "': column '",
			  tail[] = "' is not granted by the profile";
	const struct manifest_dataset *md = NULL;
	const struct profile_dataset *pd;
	const char *p, *q;
	char *ds, *col, *out, *list;
	const char *near;
	size_t i, n = strlen(msg);

	if (strncmp(msg, head, sizeof(head) - 1) != 0 || n < sizeof(tail) ||
	    strcmp(msg + n - (sizeof(tail) - 1), tail) != 0)
		return NULL;
	p = msg + sizeof(head) - 1;
	q = strstr(p, mid);
	if (q == NULL)
		return NULL;
	ds = xstrndup(p, (size_t)(q - p));
	col = xstrndup(
	    q + sizeof(mid) - 1,
	    (size_t)(msg + n - (sizeof(tail) - 1) - (q + sizeof(mid) - 1)));
	pd = profile_dataset(c->o->profile, ds);
	for (i = 0; i < c->cand.manifest->ndatasets; i++)
		if (strcmp(c->cand.manifest->datasets[i].name, ds) == 0)
			md = &c->cand.manifest->datasets[i];
	if (pd == NULL || md == NULL) {
		out = NULL;
	} else if (pt_list_has(pd->identifiers, pd->nidentifiers, col)) {
		list = quoted_list(md->columns, md->ncolumns);
		out = xasprintf("dataset '%s': column '%s' is an identifier "
				"and is never readable; the script may read %s",
				ds, col, list);
		free(list);
	} else if (pt_list_has(pd->columns, pd->ncolumns, col)) {
		out = xasprintf("dataset '%s': column '%s' is granted by the "
				"profile but not declared in " MANIFEST_NAME
				"; hint: add it to columns in [dataset.%s]",
				ds, col, ds);
	} else if ((near = suggest_word(col, (const char *const *)md->columns,
					md->ncolumns)) != NULL) {
		out = xasprintf("dataset '%s': there is no column '%s' to "
				"read; did you mean '%s'?",
				ds, col, near);
	} else {
		list = quoted_list(pd->columns, pd->ncolumns);
		out = xasprintf("dataset '%s': column '%s' is not granted by "
				"the profile, which grants %s; hint: ask the "
				"custodian for it",
				ds, col, list);
		free(list);
	}
	free(ds);
	free(col);
	return out;
}

/* What to tell the team when the child was stopped from outside and could
 * send no error of its own. */
static char *
end_without_record(const struct profile *p, const struct exec_outcome *ex)
{
	switch (ex->sbx.end) {
	case SBX_TIMEOUT:
		return xasprintf("script stopped: wall-clock limit of %lld s",
				 (long long)p->limits.wall_seconds);
	case SBX_CPU_LIMIT:
		return xasprintf("script stopped: CPU time limit of %lld s",
				 (long long)p->limits.cpu_seconds);
	case SBX_OUTPUT_LIMIT:
		return xasprintf("script stopped: output limit (it printed "
				 "or sent more than the profile allows: "
				 "log_kb %lld, output_kb %lld)",
				 (long long)p->limits.log_kb,
				 (long long)p->limits.output_kb);
	case SBX_SECCOMP_VIOLATION:
		return xasprintf("script stopped: it tried a forbidden system "
				 "call (%s)",
				 ex->sbx.syscall[0] ? ex->sbx.syscall
						    : "unknown");
	case SBX_SETUP_FAILED:
		return xasprintf("the sandbox could not be set up: %s",
				 ex->sbx.detail[0] ? ex->sbx.detail
						   : "no detail");
	case SBX_OK:
	case SBX_LUA_ERROR:
	case SBX_INSTRUCTION_LIMIT:
	case SBX_MEMORY_LIMIT:
		break;
	}
	return xasprintf("the script ended without a result (exit status %d, "
			 "signal %d)",
			 ex->sbx.exit_status, ex->sbx.term_signal);
}

int
stage_execute(struct run_ctx *c, struct pt_err *err)
{
	const struct manifest *m = c->cand.manifest;
	int *fds = xcalloc(m->ndatasets + 1, sizeof(*fds));
	const char **sources = xcalloc(m->ndatasets + 1, sizeof(*sources));
	const char **digests = xcalloc(m->ndatasets + 1, sizeof(*digests));
	const struct dataset_inputs *inputs = &c->cand.inputs;
	struct exec_input in;
	struct exec_outcome *ex = &c->ex;
	const struct run_results *res;
	size_t i;
	int rc;

	report_stage(c->r, "execution");
	/* Admission opened every dataset (datasets_open) and passed only
	 * when each could be read. */
	for (i = 0; i < m->ndatasets; i++) {
		fds[i] = inputs->v[i].fd;
		sources[i] = inputs->v[i].source;
		digests[i] = inputs->v[i].sha256;
		if (strcmp(inputs->v[i].source, "custodian") == 0)
			c->custodian = true;
	}
	memset(&in, 0, sizeof(in));
	in.manifest = m;
	in.profile = c->o->profile;
	in.bundle = &c->cand.bundle;
	in.dataset_fds = fds;
	in.dataset_sources = sources;
	in.dataset_sha256 = digests;
	in.clock = c->o->have_date ? c->o->source_date_epoch : 0;
	in.progress = c->o->progress;
	in.progress_arg = c->o->progress_arg;
	rc = execute_run(&in, ex, err);
	free(fds);
	free(sources);
	free(digests);
	if (rc < 0) {
		return -1;
	}
	c->executed = true;
	res = &ex->results;
	section_setting(c, ex);
	section_datasets(c, res, inputs);
	sbuf_printf(&c->log, "end: %s\n", sbx_end_name(ex->sbx.end));
	sbuf_printf(&c->timing,
		    "wall_ns: %llu\ncpu_ns: %llu\nmax_rss_kib: %llu\n",
		    (unsigned long long)ex->sbx.wall_ns,
		    (unsigned long long)ex->sbx.cpu_ns,
		    (unsigned long long)ex->sbx.max_rss_kib);
	section_ledger(c, res);
	section_script_log(c, res, ex);
	runlog_add_script_log(&c->log, ex->sbx.log.buf, ex->sbx.log.len,
			      ex->sbx.log_truncated);
	if (res->malformed)
		report_finding(c->r, "execution", STATUS_FAIL, "BAD_RESULTS",
			       "", "the sandbox sent malformed results (%s)",
			       res->malformed_reason);
	if (ex->sbx.end != SBX_OK || !res->done) {
		struct jv *s = jv_obj_at(c->r->root, "setting");
		char *fallback = end_without_record(c->o->profile, ex);
		char *column =
		    res->error_message != NULL && res->error_class != NULL &&
			    strcmp(res->error_class, "COLUMN_NOT_GRANTED") == 0
			? explain_column(c, res->error_message)
			: NULL;
		const char *msg = column != NULL ? column
				  : res->error_message != NULL
				      ? res->error_message
				      : fallback;
		/* A finding code the data API gave (e.g. COLUMN_NOT_GRANTED)
		 * says more than the end class; only known names are used. */
		const char *code = known_error_code(res->error_class);
		char *raw;

		if (code == NULL)
			code = ex->sbx.end == SBX_OK
				   ? "LUA_ERROR"
				   : sbx_end_name(ex->sbx.end);
		if (res->error_class != NULL) {
			struct jv *e = jv_obj_at(s, "error");

			report_set_text(e, "class", res->error_class, 64);
			report_set_text(e, "message", res->error_message, 4000);
			report_set_lines(e, "traceback", res->error_traceback,
					 8000);
		}
		report_finding(c->r, "execution", STATUS_FAIL, code, m->entry,
			       "%s", msg);
		/* Bundle text on its way to a terminal: no controls, no bidi
		 * overrides, bounded; the explanation once, not twice. */
		raw = xasprintf(
		    "%s%s%s%s%s",
		    strstr(msg, end_explanation(ex->sbx.end)) == msg
			? ""
			: end_explanation(ex->sbx.end),
		    strstr(msg, end_explanation(ex->sbx.end)) == msg ? ""
								     : ": ",
		    msg,
		    res->error_traceback != NULL && *res->error_traceback ? "\n"
									  : "",
		    res->error_traceback != NULL ? res->error_traceback : "");
		c->out->console_note = text_clean_dup(raw, 4000, true);
		free(raw);
		free(fallback);
		free(column);
	}
	return 0;
}
