/*
 * stage_admission.c - the second stage: may this experiment run?  The
 * profile's rules (admission.c) on the candidate, and for check also what
 * can be told of the scripts without running them.  check and run share
 * candidate_admit; a run records the checks and every refusal.
 */
#include <stdlib.h>
#include <string.h>

#include "stages.h"

/* Compile every .lua file of the bundle in the sandbox (the parser meets
 * hostile text, so it runs jailed; nothing is executed) and add what it
 * found to `a`: one failed check per syntax error, as "path:line: ...". */
static void
compile_scripts(const struct manifest *m, const struct profile *p,
		const struct bundle *b, struct admission *a)
{
	struct exec_input in;
	struct exec_outcome ex;
	struct pt_err err = { 0, "" };
	const struct run_results *res = &ex.results;
	size_t i, nlua = 0;

	for (i = 0; i < b->nfiles; i++) {
		size_t n = strlen(b->files[i].path);

		nlua += n >= 5 && strcmp(b->files[i].path + n - 4, ".lua") == 0;
	}
	memset(&in, 0, sizeof(in));
	in.manifest = m;
	in.profile = p;
	in.bundle = b;
	in.compile_only = true;
	if (execute_run(&in, &ex, &err) < 0) {
		admission_note(a, "scripts_compile", "", true, true,
			       "the scripts were not compiled: %s", err.msg);
		return;
	}
	if (res->error_class != NULL &&
	    strcmp(res->error_class, "SYNTAX_ERROR") == 0 &&
	    res->error_message != NULL) {
		const char *s = res->error_message, *nl;

		do {
			char *line;

			nl = strchr(s, '\n');
			line = nl != NULL ? xstrndup(s, (size_t)(nl - s))
					  : xstrdup(s);
			admission_note(a, "scripts_compile", "", false, false,
				       "%s", line);
			free(line);
			s = nl + 1;
		} while (nl != NULL);
	} else if (ex.sbx.end != SBX_OK || !res->done) {
		admission_note(a, "scripts_compile", "", false, false,
			       "the scripts could not be compiled (%s)",
			       sbx_end_name(ex.sbx.end));
	} else {
		admission_note(a, "scripts_compile", "", true, false,
			       "%zu Lua file%s compile%s", nlua,
			       nlua == 1 ? "" : "s", nlua == 1 ? "s" : "");
	}
	exec_outcome_fini(&ex);
}

int
candidate_admit(struct candidate *c, const struct profile *p,
		enum admission_extent extent, struct admission *a,
		struct pt_err *err)
{
	if (datasets_open(c->manifest, p, &c->bundle,
			  extent == ADMIT_TO_RUN ? DATASETS_SEALED
						 : DATASETS_HEADER_ONLY,
			  &c->inputs, err) < 0)
		return -1;
	admission_run(c->manifest, p, &c->bundle, &c->inputs, a);
	if (extent == ADMIT_TO_CHECK) {
		admission_check_sources(c->manifest, &c->bundle, a);
		compile_scripts(c->manifest, p, &c->bundle, a);
	}
	return 0;
}

int
stage_admission(struct run_ctx *c, struct pt_err *err)
{
	struct admission a;
	size_t i;

	report_stage(c->r, "admission");
	if (candidate_admit(&c->cand, c->o->profile, ADMIT_TO_RUN, &a, err) < 0)
		return -1;
	jv_set(c->r->root, "admission", admission_to_json(&a));
	for (i = 0; i < a.n; i++)
		if (!a.v[i].passed)
			report_finding(c->r, "admission", STATUS_FAIL,
				       "ADMISSION_REFUSED", a.v[i].subject,
				       "%s", a.v[i].reason);
	admission_fini(&a);
	return c->r->worst == STATUS_FAIL ? 1 : 0;
}
