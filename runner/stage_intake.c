/*
 * stage_intake.c - the first stage: the bundle taken in (intake.c) and
 * its manifest read; for a run, the bundle and project sections of the
 * report.  check and run share candidate_take_in.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "intake.h"
#include "stages.h"

static void refuse(struct candidate *c, const char *code, const char *subject,
		   const char *fmt, ...) PT_PRINTF(4, 5);

static void
refuse(struct candidate *c, const char *code, const char *subject,
       const char *fmt, ...)
{
	struct refusal *r;
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	c->refusals =
	    xreallocarray(c->refusals, c->nrefusals + 1, sizeof(*c->refusals));
	r = &c->refusals[c->nrefusals++];
	r->code = code;
	r->subject = xstrdup(subject);
	r->message = sbuf_steal(&sb);
}

int
candidate_take_in(struct candidate *c, const char *path,
		  const struct profile *p, struct pt_err *err)
{
	struct intake_problems problems = { NULL, 0 };
	const struct bundle_file *mf;
	struct sbuf text = SBUF_INIT;
	struct pt_err merr = { 0, "" };
	size_t i;
	int rc;

	rc = intake_open(path, &p->bundle, &c->bundle, &problems, err);
	if (rc < 0) {
		if (err->code != EX_DATAERR)
			return -1;
		refuse(c, "BUNDLE_REFUSED", "", "%s", err->msg);
		return 1;
	}
	c->opened = true;
	for (i = 0; i < problems.n; i++)
		refuse(c, "ENTRY_REFUSED", problems.v[i].entry, "%s",
		       problems.v[i].reason);
	intake_problems_fini(&problems);
	if (rc == 1)
		return 1;

	mf = bundle_find(&c->bundle, MANIFEST_NAME);
	if (mf == NULL) {
		refuse(c, "NO_MANIFEST", MANIFEST_NAME,
		       "the bundle has no " MANIFEST_NAME);
		return 1;
	}
	if (bundle_read(mf, &text, err) < 0)
		return -1;
	rc = manifest_parse(text.buf != NULL ? text.buf : "", text.len,
			    &c->manifest, &merr);
	sbuf_free(&text);
	if (rc < 0) {
		refuse(c, "BAD_MANIFEST", MANIFEST_NAME, "%s", merr.msg);
		return 1;
	}
	return 0;
}

void
candidate_fini(struct candidate *c)
{
	size_t i;

	for (i = 0; i < c->nrefusals; i++) {
		free(c->refusals[i].subject);
		free(c->refusals[i].message);
	}
	free(c->refusals);
	datasets_fini(&c->inputs);
	bundle_fini(&c->bundle);
	manifest_free(c->manifest);
	memset(c, 0, sizeof(*c));
}

static void
section_bundle(struct run_ctx *c)
{
	struct jv *b = jv_obj_at(jv_obj_at(c->r->root, "data"), "bundle");
	struct jv *files = jv_arr_at(b, "files");
	size_t i;

	jv_set_str(b, "digest", c->cand.bundle.digest);
	for (i = 0; i < c->cand.bundle.nfiles; i++) {
		struct jv *f = jv_obj();

		jv_set_str(f, "path", c->cand.bundle.files[i].path);
		jv_set_str(f, "sha256", c->cand.bundle.files[i].sha256);
		jv_set_int(f, "bytes", (int64_t)c->cand.bundle.files[i].size);
		jv_push(files, f);
	}
	sbuf_printf(&c->log, "bundle format: %s\n", c->cand.bundle.format);
}

static void
section_project(struct run_ctx *c)
{
	const struct manifest *m = c->cand.manifest;
	const struct profile *p = c->o->profile;
	struct jv *proj = jv_obj_at(c->r->root, "project");
	struct jv *people = jv_obj_at(c->r->root, "people");
	struct jv *x = jv_arr_at(proj, "exceptions");
	size_t i;

	/* Manifest text is bundle text: cleaned (no controls, no bidi
	 * overrides) and capped like every other bundle string. */
	report_set_text(proj, "name", m->name, 2000);
	report_set_text(proj, "version", m->version, 2000);
	report_set_text(proj, "purpose", m->purpose, 2000);
	report_set_text(proj, "description", m->description, 2000);
	report_set_text(proj, "entry", m->entry, 2000);
	jv_set_str(proj, "legal_basis", p->legal_basis);
	jv_set_str(proj, "public_interest", p->public_interest);
	for (i = 0; i < m->nexceptions; i++) {
		struct jv *e = jv_obj();

		report_set_text(e, "output", m->exceptions[i].output, 2000);
		report_set_text(e, "reason", m->exceptions[i].reason, 2000);
		jv_push(x, e);
	}
	report_set_text(people, "team", m->team, 2000);
	report_set_text(people, "contact", m->contact, 2000);
	jv_set_str(people, "custodian", p->owner);
}

int
stage_intake(struct run_ctx *c, struct pt_err *err)
{
	int rc =
	    candidate_take_in(&c->cand, c->o->bundle_path, c->o->profile, err);
	size_t i;

	if (rc < 0)
		return -1;
	if (c->cand.opened)
		section_bundle(c);
	for (i = 0; i < c->cand.nrefusals; i++)
		report_finding(c->r, "intake", STATUS_FAIL,
			       c->cand.refusals[i].code,
			       c->cand.refusals[i].subject, "%s",
			       c->cand.refusals[i].message);
	if (rc == 0)
		section_project(c);
	return rc;
}
