/* attest.c - report facts and the in-toto statements; see attest.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "attest.h"
#include "json_parse.h"
#include "manifest.h"

static const char *
str_or(const struct jv *o, const char *key)
{
	const char *s = jv_get_str(o, key);

	return s != NULL ? s : NULL;
}

static int
parse_sums(const char *p, size_t len, struct report_facts *f,
	   struct pt_err *err)
{
	const char *end = p + len;
	size_t i;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct report_file rf;

		if (nl == NULL || nl - p < 67 || p[64] != ' ' || p[65] != ' ')
			return pt_err_set(err, EX_DATAERR,
					  "SHA256SUMS is malformed");
		memcpy(rf.sha256, p, 64);
		rf.sha256[64] = '\0';
		for (i = 0; i < 64; i++)
			if (!((rf.sha256[i] >= '0' && rf.sha256[i] <= '9') ||
			      (rf.sha256[i] >= 'a' && rf.sha256[i] <= 'f')))
				return pt_err_set(err, EX_DATAERR,
						  "SHA256SUMS is malformed");
		rf.name = xstrndup(p + 66, (size_t)(nl - p - 66));
		if (!manifest_path_ok(rf.name) ||
		    (f->nfiles > 0 &&
		     strcmp(f->files[f->nfiles - 1].name, rf.name) >= 0)) {
			free(rf.name);
			return pt_err_set(err, EX_DATAERR,
					  "SHA256SUMS is malformed");
		}
		f->files =
		    xreallocarray(f->files, f->nfiles + 1, sizeof(*f->files));
		f->files[f->nfiles++] = rf;
		p = nl + 1;
	}
	return 0;
}

static const struct report_file *
sums_find(const struct report_facts *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nfiles; i++)
		if (strcmp(f->files[i].name, name) == 0)
			return &f->files[i];
	return NULL;
}

int
report_facts_parse(const char *sums, size_t sums_len, const char *json,
		   size_t json_len, struct report_facts *out,
		   struct pt_err *err)
{
	const struct jv *people, *project, *repro, *profile, *outs, *rev;
	struct jv *root = NULL;
	const char *why;
	size_t at, i;
	int64_t n = 2;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	pt_sha256_hex(sums, sums_len, out->sums_digest);
	if (parse_sums(sums, sums_len, out, err) < 0)
		goto out;
	root = json_parse(json, json_len, &why, &at);
	if (root == NULL) {
		pt_err_set(err, EX_DATAERR, "report.json: %s at byte %zu", why,
			   at);
		goto out;
	}
	people = jv_get(root, "people");
	project = jv_get(root, "project");
	repro = jv_get(root, "reproduce");
	profile = jv_get(root, "profile");
	outs = jv_get(root, "outputs");
	if (people == NULL || project == NULL || repro == NULL ||
	    profile == NULL || outs == NULL || jv_kind(outs) != JV_ARR ||
	    str_or(root, "verdict") == NULL ||
	    str_or(people, "contact") == NULL ||
	    str_or(project, "name") == NULL ||
	    str_or(repro, "bundle_digest") == NULL ||
	    str_or(profile, "name") == NULL ||
	    str_or(profile, "sha256") == NULL ||
	    str_or(repro, "tool_version") == NULL) {
		pt_err_set(err, EX_DATAERR,
			   "report.json lacks the verdict, contact, project, "
			   "digests or outputs");
		goto out;
	}
	out->verdict = xstrdup(jv_get_str(root, "verdict"));
	out->contact = xstrdup(jv_get_str(people, "contact"));
	out->name = xstrdup(jv_get_str(project, "name"));
	out->bundle_digest = xstrdup(jv_get_str(repro, "bundle_digest"));
	out->profile_name = xstrdup(jv_get_str(profile, "name"));
	out->profile_sha256 = xstrdup(jv_get_str(profile, "sha256"));
	out->tool_version = xstrdup(jv_get_str(repro, "tool_version"));
	if (jv_get_str(root, "date") != NULL)
		out->date = xstrdup(jv_get_str(root, "date"));
	/* A report from before [review] existed asks for the default. */
	rev = jv_get(profile, "review");
	if (rev != NULL && (!jv_get_int(rev, "reviewers", &n) || n < 2))
		n = 2;
	out->reviewers = n;
	for (i = 0; i < jv_len(outs); i++) {
		const struct jv *o = jv_at(outs, i);
		const char *name = jv_get_str(o, "name"),
			   *file = jv_get_str(o, "file"),
			   *status = jv_get_str(o, "status");
		struct report_output ro;

		if (name == NULL || status == NULL) {
			pt_err_set(err, EX_DATAERR,
				   "report.json: outputs[%zu] has no name or "
				   "status",
				   i);
			goto out;
		}
		memset(&ro, 0, sizeof(ro));
		ro.name = xstrdup(name);
		ro.status = xstrdup(status);
		if (file != NULL && *file != '\0') {
			const struct report_file *rf = sums_find(out, file);

			if (rf == NULL) {
				pt_err_set(err, EX_DATAERR,
					   "report.json names %s, which "
					   "SHA256SUMS does not list",
					   file);
				free(ro.name);
				free(ro.status);
				goto out;
			}
			ro.file = xstrdup(file);
			ro.held = strncmp(file, "review/", 7) == 0;
			memcpy(ro.sha256, rf->sha256, sizeof(ro.sha256));
		}
		out->outputs = xreallocarray(out->outputs, out->noutputs + 1,
					     sizeof(*out->outputs));
		out->outputs[out->noutputs++] = ro;
	}
	rc = 0;
out:
	jv_free(root);
	if (rc < 0)
		report_facts_fini(out);
	return rc;
}

void
report_facts_fini(struct report_facts *f)
{
	size_t i;

	for (i = 0; i < f->nfiles; i++)
		free(f->files[i].name);
	free(f->files);
	for (i = 0; i < f->noutputs; i++) {
		free(f->outputs[i].name);
		free(f->outputs[i].file);
		free(f->outputs[i].status);
	}
	free(f->outputs);
	free(f->verdict);
	free(f->contact);
	free(f->name);
	free(f->bundle_digest);
	free(f->profile_name);
	free(f->profile_sha256);
	free(f->tool_version);
	free(f->date);
	memset(f, 0, sizeof(*f));
}

const struct report_output *
report_output_find(const struct report_facts *f, const char *name_or_file)
{
	size_t i;

	for (i = 0; i < f->noutputs; i++)
		if (strcmp(f->outputs[i].name, name_or_file) == 0 ||
		    (f->outputs[i].file != NULL &&
		     strcmp(f->outputs[i].file, name_or_file) == 0))
			return &f->outputs[i];
	return NULL;
}

static struct jv *
digest_set(const char *sha256)
{
	struct jv *d = jv_obj();

	jv_set_str(d, "sha256", sha256);
	return d;
}

static struct jv *
descriptor(const char *name, const char *sha256)
{
	struct jv *r = jv_obj();

	jv_set_str(r, "name", name);
	jv_set(r, "digest", digest_set(sha256));
	return r;
}

static struct jv *
statement(const char *predicate_type, struct jv *subjects, struct jv *pred)
{
	struct jv *st = jv_obj();

	jv_set_str(st, "_type", STATEMENT_TYPE);
	jv_set(st, "subject", subjects);
	jv_set_str(st, "predicateType", predicate_type);
	jv_set(st, "predicate", pred);
	return st;
}

static void
finish(struct jv *st, struct sbuf *out)
{
	jv_write(st, out);
	jv_free(st);
}

static struct jv *
person(const struct key *k)
{
	struct jv *p = jv_obj();

	jv_set_str(p, "name", k->name);
	jv_set_str(p, "email", k->email);
	jv_set_str(p, "keyid", k->keyid);
	return p;
}

void
attest_provenance(const struct report_facts *f, const struct key *custodian,
		  struct sbuf *out)
{
	struct jv *subjects = jv_arr(), *pred = jv_obj(), *bd, *ext, *x, *deps,
		  *rd, *builder, *meta;
	char *id;
	size_t i;

	for (i = 0; i < f->nfiles; i++)
		jv_push(subjects,
			descriptor(f->files[i].name, f->files[i].sha256));
	jv_push(subjects, descriptor("SHA256SUMS", f->sums_digest));

	bd = jv_obj_at(pred, "buildDefinition");
	jv_set_str(bd, "buildType", "urn:proeftuin:run:v1");
	ext = jv_obj_at(bd, "externalParameters");
	x = jv_obj_at(ext, "bundle");
	jv_set(x, "digest", digest_set(f->bundle_digest));
	x = jv_obj_at(ext, "profile");
	jv_set_str(x, "name", f->profile_name);
	jv_set(x, "digest", digest_set(f->profile_sha256));
	jv_set_str(jv_obj_at(bd, "internalParameters"), "proeftuin_version",
		   f->tool_version);
	deps = jv_arr_at(bd, "resolvedDependencies");
	jv_push(deps, descriptor("bundle", f->bundle_digest));
	jv_push(deps, descriptor("profile", f->profile_sha256));

	rd = jv_obj_at(pred, "runDetails");
	builder = jv_obj_at(rd, "builder");
	id = xasprintf("urn:proeftuin:custodian:%s", custodian->keyid);
	jv_set_str(builder, "id", id);
	free(id);
	jv_set_str(jv_obj_at(builder, "version"), "proeftuin", f->tool_version);
	jv_set(rd, "proeftuin_custodian", person(custodian));
	meta = jv_obj_at(rd, "metadata");
	id = xasprintf("sha256:%s", f->sums_digest);
	jv_set_str(meta, "invocationId", id);
	free(id);
	if (f->date != NULL)
		jv_set_str(meta, "startedOn", f->date);
	finish(statement(PROVENANCE_TYPE, subjects, pred), out);
}

const char *
vote_name(enum vote_kind v)
{
	return v == VOTE_APPROVE   ? "approve"
	       : v == VOTE_CHANGES ? "request-changes"
				   : "reject";
}

int
vote_parse(const char *s, enum vote_kind *out)
{
	if (strcmp(s, "approve") == 0)
		*out = VOTE_APPROVE;
	else if (strcmp(s, "request-changes") == 0)
		*out = VOTE_CHANGES;
	else if (strcmp(s, "reject") == 0)
		*out = VOTE_REJECT;
	else
		return -1;
	return 0;
}

static void
set_link(struct jv *o, const struct record_link *l)
{
	jv_set(o, "reviewer", person(l->author));
	jv_set_int(o, "seq", l->seq);
	jv_set_str(o, "previous", l->previous);
	jv_set_str(o, "audit_head", l->audit_head);
	if (l->time != NULL)
		jv_set_str(o, "time", l->time);
}

/* A comment for the reviewers only is signed by its digest: the text stays
 * in the report folder (decisions/NAME.notes) and never enters a package,
 * while the record still proves what was written. */
static void
set_comment(struct jv *o, const char *comment, bool public_comment)
{
	char hex[PT_SHA256_HEX];

	if (public_comment || *comment == '\0') {
		jv_set_str(o, "comment", comment);
		jv_set_str(o, "visibility", "public");
		return;
	}
	pt_sha256_hex(comment, strlen(comment), hex);
	jv_set_str(o, "comment_sha256", hex);
	jv_set_str(o, "visibility", "reviewers");
}

static struct jv *
report_subject(const struct report_facts *f)
{
	struct jv *s = jv_arr();

	jv_push(s, descriptor("SHA256SUMS", f->sums_digest));
	return s;
}

void
attest_vote(const struct report_facts *f, const struct record_link *l,
	    const struct report_output *o, enum vote_kind vote,
	    const char *comment, bool public_comment, struct sbuf *out)
{
	struct jv *subjects = report_subject(f), *pred = jv_obj();

	if (o->file != NULL)
		jv_push(subjects, descriptor(o->file, o->sha256));
	jv_set_str(pred, "output", o->name);
	jv_set_str(pred, "vote", vote_name(vote));
	set_comment(pred, comment, public_comment);
	set_link(pred, l);
	finish(statement(VOTE_TYPE, subjects, pred), out);
}

void
attest_decision(const struct report_facts *f, const struct record_link *l,
		const char *provenance_digest, enum vote_kind decision,
		const char *comment, const char *conditions,
		bool public_comment, struct sbuf *out)
{
	struct jv *pred = jv_obj(), *x, *inputs, *levels, *d;
	char *s;

	s = xasprintf("urn:proeftuin:advisor:%s", l->author->keyid);
	jv_set_str(jv_obj_at(pred, "verifier"), "id", s);
	free(s);
	if (l->time != NULL)
		jv_set_str(pred, "timeVerified", l->time);
	s = xasprintf("urn:proeftuin:report:sha256:%s", f->sums_digest);
	jv_set_str(pred, "resourceUri", s);
	free(s);
	x = jv_obj_at(pred, "policy");
	s = xasprintf("urn:proeftuin:profile:%s", f->profile_name);
	jv_set_str(x, "uri", s);
	free(s);
	jv_set(x, "digest", digest_set(f->profile_sha256));
	inputs = jv_arr_at(pred, "inputAttestations");
	x = jv_obj();
	jv_set_str(x, "uri", PROVENANCE_FILE);
	jv_set(x, "digest", digest_set(provenance_digest));
	jv_push(inputs, x);
	jv_set_str(pred, "verificationResult",
		   decision == VOTE_APPROVE ? "PASSED" : "FAILED");
	levels = jv_arr_at(pred, "verifiedLevels");
	jv_push(levels, jv_str(decision == VOTE_APPROVE ? "PROEFTUIN_APPROVED"
			       : decision == VOTE_CHANGES
				   ? "PROEFTUIN_CHANGES_REQUESTED"
				   : "PROEFTUIN_REJECTED"));
	jv_set_str(pred, "slsaVersion", "1.0");
	d = jv_obj_at(pred, "proeftuin_decision");
	jv_set_str(d, "decision", vote_name(decision));
	set_comment(d, comment, public_comment);
	jv_set_str(d, "conditions", conditions);
	set_link(d, l);
	finish(statement(VSA_TYPE, report_subject(f), pred), out);
}

void
attest_release(const struct report_facts *f, const struct key *releaser,
	       const char *audit_head, const char *time,
	       const struct package_file *files, size_t nfiles,
	       const struct release_item *items, size_t nitems,
	       struct sbuf *out)
{
	struct jv *subjects = jv_arr(), *pred = jv_obj(), *rel, *wh;
	char hex[PT_SHA256_HEX];
	size_t i;

	for (i = 0; i < nfiles; i++) {
		pt_sha256_hex(files[i].data != NULL ? files[i].data : "",
			      files[i].len, hex);
		jv_push(subjects, descriptor(files[i].name, hex));
	}
	jv_set_str(pred, "report", f->sums_digest);
	jv_set_str(pred, "project", f->name);
	jv_set_str(pred, "verdict", f->verdict);
	jv_set(pred, "releaser", person(releaser));
	jv_set_str(pred, "audit_head", audit_head);
	if (time != NULL)
		jv_set_str(pred, "time", time);
	rel = jv_arr_at(pred, "released");
	wh = jv_arr_at(pred, "withheld");
	for (i = 0; i < nitems; i++) {
		struct jv *x = jv_obj();

		jv_set_str(x, "output", items[i].name);
		if (items[i].file != NULL)
			jv_set_str(x, "file", items[i].file);
		jv_set_str(x, "reason", items[i].reason);
		jv_push(items[i].file != NULL ? rel : wh, x);
	}
	finish(statement(RELEASE_TYPE, subjects, pred), out);
}

struct jv *
statement_parse(const struct sbuf *payload, const char *predicate_type,
		struct pt_err *err)
{
	const char *why, *t;
	size_t at;
	struct jv *st = json_parse(payload->buf != NULL ? payload->buf : "",
				   payload->len, &why, &at);

	if (st == NULL || jv_kind(st) != JV_OBJ) {
		pt_err_set(err, EX_DATAERR, "the signed payload is not JSON");
		jv_free(st);
		return NULL;
	}
	t = jv_get_str(st, "_type");
	if (t == NULL || strcmp(t, STATEMENT_TYPE) != 0 ||
	    jv_get(st, "predicate") == NULL ||
	    jv_kind(jv_get(st, "predicate")) != JV_OBJ ||
	    jv_get(st, "subject") == NULL ||
	    jv_kind(jv_get(st, "subject")) != JV_ARR) {
		pt_err_set(err, EX_DATAERR,
			   "the signed payload is not an in-toto statement");
		jv_free(st);
		return NULL;
	}
	t = jv_get_str(st, "predicateType");
	if (predicate_type != NULL &&
	    (t == NULL || strcmp(t, predicate_type) != 0)) {
		pt_err_set(err, EX_DATAERR, "a %s statement where %s belongs",
			   t != NULL ? t : "(untyped)", predicate_type);
		jv_free(st);
		return NULL;
	}
	return st;
}

const char *
statement_subject(const struct jv *st, const char *name)
{
	const struct jv *subs = jv_get(st, "subject");
	size_t i;

	for (i = 0; i < jv_len(subs); i++) {
		const struct jv *s = jv_at(subs, i);
		const char *n = jv_get_str(s, "name");

		if (n != NULL && strcmp(n, name) == 0 &&
		    jv_get(s, "digest") != NULL)
			return jv_get_str(jv_get(s, "digest"), "sha256");
	}
	return NULL;
}
