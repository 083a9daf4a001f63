/* pipeline.c - one run of a bundle; see pipeline.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "admission.h"
#include "bundle.h"
#include "config.h"
#include "datasets.h"
#include "disclosure.h"
#include "execute.h"
#include "inifile.h"
#include "intake.h"
#include "manifest.h"
#include "pipeline.h"
#include "suggest.h"
#include "textsafe.h"

struct ctx {
	const struct pipeline_opts *o;
	struct pipeline_product *out;
	struct report *r;
	struct sbuf log;    /* run.log: facts that differ per run */
	struct sbuf timing; /* times and sizes, for run.log when allowed */
	struct bundle bundle;
	struct manifest *manifest;
	bool custodian; /* some dataset is the custodian's real data */
};

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

/* Bundle text kept in the report: cleaned and capped (textsafe.h). */
static void
set_capped_lines(struct jv *obj, const char *key, const char *s, size_t cap,
		 bool keep_lines)
{
	char *clean = text_clean_dup(s, cap, keep_lines);

	jv_set_str(obj, key, clean);
	free(clean);
}

static void
set_capped(struct jv *obj, const char *key, const char *s, size_t cap)
{
	char *clean = text_clean_dup(s, cap, false);

	jv_set_str(obj, key, clean);
	free(clean);
}

static void
section_tool_and_profile(struct ctx *c)
{
	jv_set(c->r->root, "profile", profile_to_json(c->o->profile));
	if (c->o->have_date) {
		time_t t = (time_t)c->o->source_date_epoch;
		struct tm tm;
		char buf[32];

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jv_set_str(c->r->root, "date", buf);
	}
}

static void
section_bundle(struct ctx *c)
{
	struct jv *b = jv_obj_at(jv_obj_at(c->r->root, "data"), "bundle");
	struct jv *files = jv_arr_at(b, "files");
	size_t i;

	jv_set_str(b, "digest", c->bundle.digest);
	for (i = 0; i < c->bundle.nfiles; i++) {
		struct jv *f = jv_obj();

		jv_set_str(f, "path", c->bundle.files[i].path);
		jv_set_str(f, "sha256", c->bundle.files[i].sha256);
		jv_set_int(f, "bytes", (int64_t)c->bundle.files[i].size);
		jv_push(files, f);
	}
	sbuf_printf(&c->log, "bundle format: %s\n", c->bundle.format);
}

static void
section_project(struct ctx *c)
{
	const struct manifest *m = c->manifest;
	const struct profile *p = c->o->profile;
	struct jv *proj = jv_obj_at(c->r->root, "project");
	struct jv *people = jv_obj_at(c->r->root, "people");
	struct jv *x = jv_arr_at(proj, "exceptions");
	size_t i;

	/* Manifest text is bundle text: cleaned (no controls, no bidi
	 * overrides) and capped like every other bundle string. */
	set_capped(proj, "name", m->name, 2000);
	set_capped(proj, "version", m->version, 2000);
	set_capped(proj, "purpose", m->purpose, 2000);
	set_capped(proj, "description", m->description, 2000);
	set_capped(proj, "entry", m->entry, 2000);
	jv_set_str(proj, "legal_basis", p->legal_basis);
	jv_set_str(proj, "public_interest", p->public_interest);
	for (i = 0; i < m->nexceptions; i++) {
		struct jv *e = jv_obj();

		set_capped(e, "output", m->exceptions[i].output, 2000);
		set_capped(e, "reason", m->exceptions[i].reason, 2000);
		jv_push(x, e);
	}
	set_capped(people, "team", m->team, 2000);
	set_capped(people, "contact", m->contact, 2000);
	jv_set_str(people, "custodian", p->owner);
}

/* Stage 1: intake and the manifest.  0 to go on, 1 when refused. */
static int
stage_intake(struct ctx *c, struct pt_err *err)
{
	struct intake_problems problems = { NULL, 0 };
	const struct bundle_file *mf;
	struct sbuf text = SBUF_INIT;
	struct pt_err merr = { 0, "" };
	size_t i;
	int rc;

	rc = intake_open(c->o->bundle_path, &c->o->profile->bundle, &c->bundle,
			 &problems, err);
	if (rc < 0) {
		if (err->code != EX_DATAERR)
			return -1;
		report_finding(c->r, "intake", STATUS_FAIL, "BUNDLE_REFUSED",
			       "", "%s", err->msg);
		return 1;
	}
	section_bundle(c);
	for (i = 0; i < problems.n; i++)
		report_finding(c->r, "intake", STATUS_FAIL, "ENTRY_REFUSED",
			       problems.v[i].entry, "%s", problems.v[i].reason);
	intake_problems_fini(&problems);
	if (rc == 1)
		return 1;

	mf = bundle_find(&c->bundle, MANIFEST_NAME);
	if (mf == NULL) {
		report_finding(c->r, "intake", STATUS_FAIL, "NO_MANIFEST",
			       MANIFEST_NAME,
			       "the bundle has no " MANIFEST_NAME);
		return 1;
	}
	if (bundle_read(mf, &text, err) < 0)
		return -1;
	rc = manifest_parse(text.buf != NULL ? text.buf : "", text.len,
			    &c->manifest, &merr);
	sbuf_free(&text);
	if (rc < 0) {
		report_finding(c->r, "intake", STATUS_FAIL, "BAD_MANIFEST",
			       MANIFEST_NAME, "%s", merr.msg);
		return 1;
	}
	section_project(c);
	return 0;
}

/* Stage 2: admission.  0 to go on, 1 when refused. */
static int
stage_admission(struct ctx *c)
{
	struct admission a;
	size_t i;

	report_stage(c->r, "admission");
	admission_run(c->manifest, c->o->profile, &c->bundle, &a);
	jv_set(c->r->root, "admission", admission_to_json(&a));
	for (i = 0; i < a.n; i++)
		if (!a.v[i].passed)
			report_finding(c->r, "admission", STATUS_FAIL,
				       "ADMISSION_REFUSED", a.v[i].subject,
				       "%s", a.v[i].reason);
	admission_fini(&a);
	return c->r->worst == STATUS_FAIL ? 1 : 0;
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
section_datasets(struct ctx *c, const struct run_results *res,
		 const struct dataset_inputs *inputs)
{
	struct jv *arr = jv_arr_at(jv_obj_at(c->r->root, "data"), "datasets");
	size_t i, j;

	for (i = 0; i < c->manifest->ndatasets; i++) {
		const struct manifest_dataset *md = &c->manifest->datasets[i];
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
			    ini_list_has(u->cols, u->ncols, pd->columns[j]))
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
section_setting(struct ctx *c, const struct exec_outcome *ex)
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

/* A bundle or data string in the report: cleaned and capped. */
static struct jv *
capped_str(const char *s, size_t cap)
{
	char *clean = text_clean_dup(s, cap, false);
	struct jv *v = jv_str(clean);

	free(clean);
	return v;
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
section_ledger(struct ctx *c, const struct run_results *res)
{
	struct jv *arr = jv_arr_at(c->r->root, "ledger");
	size_t i, j, k, nreview = 0;

	for (i = 0; i < res->nledger; i++) {
		const struct ledger_entry *q = &res->ledger[i];
		struct jv *e = jv_obj(), *where = jv_arr(), *w, *f;

		jv_set_int(e, "query", q->id);
		jv_set(e, "dataset",
		       capped_str(q->dataset, DISCLOSURE_MAX_NAME));
		jv_set(e, "statistic",
		       capped_str(q->statistic, DISCLOSURE_MAX_NAME));
		jv_set(e, "value_column",
		       capped_str(q->value_column, DISCLOSURE_MAX_NAME));
		w = jv_arr();
		for (j = 0; j < q->nby; j++)
			jv_push(w, capped_str(q->by[j], DISCLOSURE_MAX_NAME));
		jv_set(e, "by", w);
		for (j = 0; j < q->nwhere; j++) {
			const struct ledger_filter *lf = &q->where[j];
			struct jv *vals = jv_arr();

			f = jv_obj();
			jv_set(f, "column",
			       capped_str(lf->column, DISCLOSURE_MAX_NAME));
			for (k = 0; k < lf->nvals && k < LEDGER_MAX_VALUES;
			     k++) {
				struct jv *v = jv_obj();

				if (lf->vals[k].kind == CELL_NUM) {
					char num[64];

					format_number(lf->vals[k].num, num,
						      sizeof(num));
					jv_set_str(v, "number", num);
				} else {
					jv_set(v, "string",
					       capped_str(lf->vals[k].str,
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
				jv_push(w, capped_str(res->outputs[j].name,
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
section_script_log(struct ctx *c, const struct run_results *res,
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
		set_capped_lines(s, "script_log", raw.buf, REPORT_MAX_LOG,
				 true);
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
static void
stage_outputs(struct ctx *c, const struct run_results *res)
{
	struct jv *arr = jv_arr_at(c->r->root, "outputs");
	struct checked_output *cos = xcalloc(res->noutputs + 1, sizeof(*cos));
	bool *dup = xcalloc(res->noutputs + 1, sizeof(*dup));
	const char **names;
	bool run_failed;
	size_t i, j;

	report_stage(c->r, "output");
	disclosure_check_all(res->outputs, res->noutputs, c->o->profile, cos);
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
		report_status(c->r, cos[i].status);
	}
	run_failed = c->r->worst == STATUS_FAIL;
	for (i = 0; i < res->noutputs; i++) {
		const struct output *o = &res->outputs[i];
		struct checked_output *co = &cos[i];
		const char *exc = exception_for(c->manifest, o->name);
		struct jv *jo = jv_obj();
		char *name =
		    text_clean_dup(o->name, DISCLOSURE_MAX_NAME, false);
		char *mit = mitigation_text(o, co, res);
		bool released = !co->withheld && !run_failed;

		if (dup[i])
			report_finding(c->r, "output", STATUS_FAIL,
				       "DUPLICATE_OUTPUT", name,
				       "output name used twice (case does not "
				       "count); only the first is released");
		jv_set_str(jo, "name", name);
		jv_set_str(jo, "kind",
			   o->kind == OUTPUT_TABLE ? "table" : "text");
		set_capped(jo, "description", o->description, 2000);
		jv_set_str(jo, "status", status_name(co->status));
		jv_set_str(jo, "mitigation", mit);
		free(mit);
		jv_set_bool(jo, "after_rows", o->after_rows);
		if (o->kind == OUTPUT_TABLE) {
			jv_set_int(jo, "rows", (int64_t)o->nrows);
			jv_set_int(jo, "columns", (int64_t)o->ncols);
			set_capped(jo, "statistic", o->statistic,
				   DISCLOSURE_MAX_NAME);
			set_capped(jo, "dataset", o->dataset,
				   DISCLOSURE_MAX_NAME);
			set_capped(jo, "value_column", o->value_column,
				   DISCLOSURE_MAX_NAME);
			jv_set_bool(jo, "evidence", o->has_evidence);
			jv_set_int(jo, "query", o->query);
		}
		if (exc != NULL)
			set_capped(jo, "exception", exc, 2000);
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
			outset_add(&c->out->files, file, co->released.buf,
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
				    c->r, "output", STATUS_FAIL,
				    "OUTPUT_WITHHELD", name,
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
			report_finding(c->r, "output", STATUS_REVIEW,
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
		report_finding(c->r, "output", STATUS_FAIL, "RUN_FAILED", "",
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
	for (j = 0; j < c->manifest->nexceptions; j++) {
		const struct manifest_exception *x =
		    &c->manifest->exceptions[j];
		const char *near;

		if (results_output(res, x->output) != NULL)
			continue;
		near = suggest_word(x->output, names, res->noutputs);
		report_finding(
		    c->r, "output", STATUS_REVIEW, "EXCEPTION_UNUSED",
		    x->output,
		    MANIFEST_NAME ":%d: [exception.%s] names no "
				  "output of this run%s%s%s",
		    x->line, x->output, near != NULL ? "; did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'?" : "");
	}
	free(names);
	if (res->noutputs == 0 && res->done)
		report_finding(c->r, "output", STATUS_REVIEW, "NO_OUTPUTS", "",
			       "the script made no outputs, so nothing can "
			       "leave; hint: call output.table or output.text "
			       "(see proeftuin-lua(7))");
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
explain_column(const struct ctx *c, const char *msg)
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
	for (i = 0; i < c->manifest->ndatasets; i++)
		if (strcmp(c->manifest->datasets[i].name, ds) == 0)
			md = &c->manifest->datasets[i];
	if (pd == NULL || md == NULL) {
		out = NULL;
	} else if (ini_list_has(pd->identifiers, pd->nidentifiers, col)) {
		list = quoted_list(md->columns, md->ncolumns);
		out = xasprintf("dataset '%s': column '%s' is an identifier "
				"and is never readable; the script may read %s",
				ds, col, list);
		free(list);
	} else if (ini_list_has(pd->columns, pd->ncolumns, col)) {
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

/* Stage 3 and 4: run the script in the sandbox and check its outputs. */
static int
stage_execute(struct ctx *c, struct pt_err *err)
{
	const struct manifest *m = c->manifest;
	int *fds = xcalloc(m->ndatasets + 1, sizeof(*fds));
	const char **sources = xcalloc(m->ndatasets + 1, sizeof(*sources));
	const char **digests = xcalloc(m->ndatasets + 1, sizeof(*digests));
	struct dataset_inputs inputs = { NULL, 0 };
	struct exec_input in;
	struct exec_outcome ex;
	const struct run_results *res;
	size_t i;
	int rc;

	report_stage(c->r, "execution");
	/* Sample or custodian bytes per dataset, hashed as read and checked
	 * again against the requested columns (datasets.c). */
	if (datasets_resolve(m, c->o->profile, &c->bundle, &inputs, err) < 0) {
		if (err->code != EX_DATAERR) {
			datasets_fini(&inputs);
			free(fds);
			free(sources);
			free(digests);
			return -1;
		}
		report_finding(c->r, "execution", STATUS_FAIL,
			       "DATASET_UNAVAILABLE", "", "%s", err->msg);
		datasets_fini(&inputs);
		free(fds);
		free(sources);
		free(digests);
		return 1;
	}
	for (i = 0; i < m->ndatasets; i++) {
		fds[i] = inputs.v[i].fd;
		sources[i] = inputs.v[i].source;
		digests[i] = inputs.v[i].sha256;
		if (strcmp(inputs.v[i].source, "custodian") == 0)
			c->custodian = true;
	}
	memset(&in, 0, sizeof(in));
	in.manifest = m;
	in.profile = c->o->profile;
	in.bundle = &c->bundle;
	in.dataset_fds = fds;
	in.dataset_sources = sources;
	in.dataset_sha256 = digests;
	in.clock = c->o->have_date ? c->o->source_date_epoch : 0;
	in.progress = c->o->progress;
	in.progress_arg = c->o->progress_arg;
	rc = execute_run(&in, &ex, err);
	free(fds);
	free(sources);
	free(digests);
	if (rc < 0) {
		datasets_fini(&inputs);
		return -1;
	}
	res = &ex.results;
	section_setting(c, &ex);
	section_datasets(c, res, &inputs);
	datasets_fini(&inputs);
	sbuf_printf(&c->log, "end: %s\n", sbx_end_name(ex.sbx.end));
	sbuf_printf(&c->timing,
		    "wall_ns: %llu\ncpu_ns: %llu\nmax_rss_kib: %llu\n",
		    (unsigned long long)ex.sbx.wall_ns,
		    (unsigned long long)ex.sbx.cpu_ns,
		    (unsigned long long)ex.sbx.max_rss_kib);
	section_ledger(c, res);
	section_script_log(c, res, &ex);
	if (ex.sbx.log.len > 0) {
		sbuf_adds(&c->log, "--- script log (print) ---\n");
		/* The child escapes what a script prints; this is the second
		 * line (textsafe.h), so a terminal showing run.log cannot be
		 * driven by bytes that reached the log any other way. */
		text_escape(&c->log, ex.sbx.log.buf, ex.sbx.log.len,
			    TEXT_FOR_LOG_LINES);
		if (ex.sbx.log_truncated)
			sbuf_adds(&c->log,
				  "\n--- truncated at the log cap ---\n");
	}
	if (res->malformed)
		report_finding(c->r, "execution", STATUS_FAIL, "BAD_RESULTS",
			       "", "the sandbox sent malformed results (%s)",
			       res->malformed_reason);
	if (ex.sbx.end != SBX_OK || !res->done) {
		struct jv *s = jv_obj_at(c->r->root, "setting");
		char *fallback = end_without_record(c->o->profile, &ex);
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
			code = ex.sbx.end == SBX_OK ? "LUA_ERROR"
						    : sbx_end_name(ex.sbx.end);
		if (res->error_class != NULL) {
			struct jv *e = jv_obj_at(s, "error");

			set_capped(e, "class", res->error_class, 64);
			set_capped(e, "message", res->error_message, 4000);
			set_capped_lines(e, "traceback", res->error_traceback,
					 8000, true);
		}
		report_finding(c->r, "execution", STATUS_FAIL, code, m->entry,
			       "%s", msg);
		/* Bundle text on its way to a terminal: no controls, no bidi
		 * overrides, bounded; the explanation once, not twice. */
		raw = xasprintf(
		    "%s%s%s%s%s",
		    strstr(msg, end_explanation(ex.sbx.end)) == msg
			? ""
			: end_explanation(ex.sbx.end),
		    strstr(msg, end_explanation(ex.sbx.end)) == msg ? "" : ": ",
		    msg,
		    res->error_traceback != NULL && *res->error_traceback ? "\n"
									  : "",
		    res->error_traceback != NULL ? res->error_traceback : "");
		c->out->console_note = text_clean_dup(raw, 4000, true);
		free(raw);
		free(fallback);
		free(column);
	}
	stage_outputs(c, res);
	exec_outcome_fini(&ex);
	return 0;
}

static void
section_reproduce(struct ctx *c)
{
	struct jv *r = jv_obj_at(c->r->root, "reproduce");

	char *date = c->o->have_date ? xasprintf("SOURCE_DATE_EPOCH=%lld ",
						 c->o->source_date_epoch)
				     : xstrdup("");
	char *cmd;

	/* Paths differ from machine to machine, so the commands name the
	 * bundle and the profile by the digests recorded beside them. */
	jv_set_str(r, "bundle_digest", c->bundle.digest);
	jv_set_str(r, "profile_sha256", c->o->profile->sha256);
	jv_set_str(r, "tool_version", "proeftuin " PROEFTUIN_VERSION);
	cmd = xasprintf("%sproeftuin run BUNDLE --profile PROFILE --out DIR",
			date);
	jv_set_str(r, "command", cmd);
	free(cmd);
	jv_set_str(r, "verify",
		   "proeftuin verify DIR --bundle BUNDLE "
		   "--profile PROFILE");
	jv_set_str(r, "note",
		   "BUNDLE and PROFILE are the bundle and profile "
		   "with the digests above; verify re-runs the "
		   "bundle and compares every file in "
		   "SHA256SUMS");
	free(date);
}

/* Monotonic time for run.log only; never in a report file. */
static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

int
pipeline_run(const struct pipeline_opts *o, struct pipeline_product *out,
	     struct pt_err *err)
{
	struct ctx c;
	struct sbuf json = SBUF_INIT, md = SBUF_INIT, html = SBUF_INIT;
	unsigned long long t0, t1;
	struct rusage ru;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = out;
	c.r = &out->report;
	report_init(c.r);
	section_tool_and_profile(&c);

	t0 = now_ns();
	rc = stage_intake(&c, err);
	t1 = now_ns();
	sbuf_printf(&c.timing, "intake_ns: %llu\n", t1 - t0);
	if (rc == 0) {
		rc = stage_admission(&c);
		t0 = now_ns();
		sbuf_printf(&c.timing, "admission_ns: %llu\n", t0 - t1);
	}
	if (rc == 0) {
		t0 = now_ns();
		rc = stage_execute(&c, err);
		sbuf_printf(&c.timing, "execute_and_check_ns: %llu\n",
			    now_ns() - t0);
	}
	if (rc < 0)
		goto fail;
	if (rc == 0)
		report_stage(c.r, "done");
	section_reproduce(&c);
	report_finish(c.r);
	report_frameworks(c.r);
	out->verdict = c.r->worst;

	t0 = now_ns();
	render_json(c.r->root, &json);
	render_markdown(c.r->root, &md);
	render_html(c.r->root, &html);
	sbuf_printf(&c.timing, "render_ns: %llu\n", now_ns() - t0);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		sbuf_printf(&c.timing, "runner_max_rss_kib: %ld\n",
			    ru.ru_maxrss);
	/* How long a run took and how much memory it needed depend on the
	 * data (and, after ds:rows, on the script's choices): on the
	 * custodian's data they are not written down. */
	if (c.custodian)
		sbuf_adds(&c.log, "times and sizes: not recorded for a run on "
				  "custodian data\n");
	else if (c.timing.len > 0)
		sbuf_add(&c.log, c.timing.buf, c.timing.len);
	sbuf_free(&c.timing);
	outset_add(&out->files, "report.json", json.buf, json.len, true);
	outset_add(&out->files, "report.md", md.buf, md.len, true);
	outset_add(&out->files, "report.html", html.buf, html.len, true);
	outset_add(&out->files, "run.log", c.log.buf != NULL ? c.log.buf : "",
		   c.log.len, false);
	sbuf_free(&json);
	sbuf_free(&md);
	sbuf_free(&html);
	sbuf_free(&c.log);
	bundle_fini(&c.bundle);
	manifest_free(c.manifest);
	return 0;
fail:
	sbuf_free(&c.log);
	sbuf_free(&c.timing);
	bundle_fini(&c.bundle);
	manifest_free(c.manifest);
	pipeline_product_fini(out);
	return -1;
}

void
pipeline_product_fini(struct pipeline_product *out)
{
	report_fini(&out->report);
	outset_fini(&out->files);
	free(out->console_note);
	out->console_note = NULL;
}
