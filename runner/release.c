/* release.c - release packages and their check; see release.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "attest.h"
#include "json.h"
#include "outdir.h"
#include "pack.h"
#include "release.h"
#include "release_page.h"
#include "review.h"

#define MAX_FILE (256u * 1024 * 1024)

static int
slurp(const char *dir, const char *name, struct sbuf *out, struct pt_err *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int r = outdir_read(AT_FDCWD, path, MAX_FILE, out);

	if (r != 0)
		pt_err_set(err,
			   r > 0	    ? EX_DATAERR
			   : errno == EFBIG ? EX_IOERR
					    : EX_DATAERR,
			   "%s: %s", path,
			   r > 0	     ? strerror(ENOENT)
			   : errno == EINVAL ? "not a regular file"
			   : errno == EFBIG  ? "too large"
					     : strerror(errno));
	free(path);
	return r == 0 ? 0 : -1;
}

static bool
left_out(const struct release_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->nleave_out; i++)
		if (strcmp(o->leave_out[i], name) == 0)
			return true;
	return false;
}

/* "alice, bob": who voted `v` on `output`. */
static char *
voters(const struct review_state *st, const char *output, enum vote_kind v)
{
	struct sbuf s = SBUF_INIT;
	size_t i;

	for (i = 0; i < st->nrecords; i++) {
		const struct review_record *r = &st->records[i];

		if ((output == NULL
			 ? !r->is_vote
			 : r->is_vote && strcmp(r->output, output) == 0) &&
		    r->vote == v)
			sbuf_printf(&s, "%s%s", s.len > 0 ? ", " : "",
				    r->author->name);
	}
	return sbuf_steal(&s);
}

/*
 * Decide what leaves: fill `items` (one per output) or refuse with the
 * first thing missing.  `held_out` counts released held outputs.
 */
static int
gate(const struct review_state *st, const struct release_opts *o,
     struct release_item *items, char **reasons, size_t *nreleased,
     struct pt_err *err)
{
	const struct report_facts *f = &st->facts;
	struct tally all, t;
	size_t i, held = 0;
	char *who;

	*nreleased = 0;
	if (strcmp(f->verdict, "FAIL") == 0)
		return pt_err_set(err, EX_DATAERR,
				  "the verdict is FAIL: a failed run releases "
				  "nothing");
	for (i = 0; i < o->nleave_out; i++)
		if (report_output_find(f, o->leave_out[i]) == NULL)
			return pt_err_set(err, EX_USAGE,
					  "--leave-out %s: the report has no "
					  "such output",
					  o->leave_out[i]);
	review_tally_overall(st, &all);
	if (all.decision == OD_REJECTED || all.decision == OD_CHANGES) {
		who = voters(st, NULL,
			     all.decision == OD_REJECTED ? VOTE_REJECT
							 : VOTE_CHANGES);
		pt_err_set(err, EX_DATAERR,
			   "%s %s; nothing is released; hint: the team "
			   "changes the bundle and the custodian runs it "
			   "again",
			   who,
			   all.decision == OD_REJECTED
			       ? "rejected the report"
			       : "asked for changes in the overall decision");
		free(who);
		return -1;
	}
	for (i = 0; i < f->noutputs; i++) {
		const struct report_output *out = &f->outputs[i];

		review_tally_output(st, out, &t);
		items[i].name = out->name;
		items[i].file = NULL;
		reasons[i] = NULL;
		if (t.decision == OD_WITHHELD) {
			items[i].reason = "broke a disclosure rule";
		} else if (t.decision == OD_REJECTED) {
			who = voters(st, out->name, VOTE_REJECT);
			reasons[i] = xasprintf("rejected by %s", who);
			free(who);
		} else if (left_out(o, out->name)) {
			items[i].reason = "left out by the releaser";
		} else if (t.decision == OD_FREE) {
			items[i].file = out->file;
			items[i].reason = "passed every disclosure rule";
		} else if (t.decision == OD_APPROVED) {
			items[i].file = out->file;
			held++;
			who = voters(st, out->name, VOTE_APPROVE);
			reasons[i] = xasprintf("approved by %s", who);
			free(who);
		} else if (t.decision == OD_CHANGES) {
			who = voters(st, out->name, VOTE_CHANGES);
			pt_err_set(err, EX_DATAERR,
				   "%s: %s asked for changes; hint: leave it "
				   "out with --leave-out %s, or the team "
				   "changes it and the custodian runs again",
				   out->file, who, out->name);
			free(who);
			return -1;
		} else {
			return pt_err_set(
			    err, EX_DATAERR,
			    "%s has %d of the %lld approvals it needs; hint: "
			    "another advisor runs 'proeftuin review %s --as "
			    "NAME --approve %s', or leave it out with "
			    "--leave-out %s",
			    out->file, t.approvals, (long long)f->reviewers,
			    st->dir, out->name, out->name);
		}
		if (reasons[i] != NULL)
			items[i].reason = reasons[i];
		if (items[i].file != NULL)
			(*nreleased)++;
	}
	if (*nreleased == 0)
		return pt_err_set(err, EX_DATAERR,
				  "no output is left to release");
	if (held > 0 && all.decision != OD_APPROVED)
		return pt_err_set(err, EX_DATAERR,
				  "%d of the %lld overall approvals that held "
				  "outputs need; hint: each advisor ends with "
				  "'proeftuin review %s --as NAME --decide "
				  "approve --comment TEXT'",
				  all.approvals, (long long)f->reviewers,
				  st->dir);
	return 0;
}

static void
add_key(struct outset *set, const struct key *k)
{
	struct sbuf text = SBUF_INIT;
	char *name = xasprintf("keys/%s.pub", k->name);
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			goto out;
	key_public_text(k, &text);
	outset_add(set, name, text.buf, text.len, false);
out:
	free(name);
	sbuf_free(&text);
}

static int
outfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct outfile *)a)->name,
		      ((const struct outfile *)b)->name);
}

/* Package members in name order (qsort is fine here, outside the jail). */
static void
sort_set(struct outset *set)
{
	qsort(set->v, set->n, sizeof(*set->v), outfile_cmp);
}

static int
add_file(struct outset *set, const char *dir, const char *name,
	 struct pt_err *err)
{
	struct sbuf data = SBUF_INIT;

	if (slurp(dir, name, &data, err) < 0) {
		sbuf_free(&data);
		return -1;
	}
	outset_add(set, name, data.buf != NULL ? data.buf : "", data.len,
		   false);
	sbuf_free(&data);
	return 0;
}

static int
write_archive(const struct outset *set, const char *path, long long mtime,
	      struct pt_err *err)
{
	struct pack_entry *v = xcalloc(set->n + 1, sizeof(*v));
	size_t i;
	int rc;

	for (i = 0; i < set->n; i++) {
		v[i].path = set->v[i].name;
		v[i].data =
		    set->v[i].data.buf != NULL ? set->v[i].data.buf : "";
		v[i].size = set->v[i].data.len;
	}
	rc = pack_entries(v, set->n, PACK_ZSTD, path, false, mtime, err);
	free(v);
	return rc;
}

/* Remove the package folder written a moment ago (its files and its
 * sub-folders, one level deep). */
static void
remove_package(const char *dir)
{
	struct dirent **ents = NULL;
	int i, n = scandir(dir, &ents, NULL, alphasort);

	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, ents[i]->d_name);
		struct stat st;

		if (strcmp(ents[i]->d_name, ".") != 0 &&
		    strcmp(ents[i]->d_name, "..") != 0 && lstat(p, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				remove_package(p);
			else
				(void)unlink(p);
		}
		free(p);
		free(ents[i]);
	}
	free(ents);
	(void)rmdir(dir);
}

/* True when the (not yet existing) path `to` lies in the folder `dir`. */
static bool
inside(const char *to, const char *dir)
{
	char *copy = xstrdup(to), *slash = strrchr(copy, '/'), *parent,
	     *real_dir = realpath(dir, NULL);
	bool in = false;
	size_t n;

	if (slash != NULL)
		*slash = '\0';
	parent = realpath(slash == NULL ? "." : (*copy ? copy : "/"), NULL);
	if (parent != NULL && real_dir != NULL) {
		n = strlen(real_dir);
		in = strncmp(parent, real_dir, n) == 0 &&
		     (parent[n] == '\0' || parent[n] == '/');
	}
	free(copy);
	free(parent);
	free(real_dir);
	return in;
}

int
release_make(const struct release_opts *o, struct release_summary *sum,
	     struct pt_err *err)
{
	static const char *const report_files[] = {
		"SHA256SUMS", "report.html",   "report.json",
		"report.md",  PROVENANCE_FILE,
	};
	struct review_state st;
	struct outset set = { NULL, 0 };
	struct release_item *items = NULL;
	struct package_file *pf = NULL;
	struct sbuf stm = SBUF_INIT, env = SBUF_INIT, audit = SBUF_INIT;
	char **reasons = NULL, hex[PT_SHA256_HEX];
	size_t i, n, nreleased;
	struct stat sb;
	int lock, rc = -1;
	bool wrote = false;

	memset(sum, 0, sizeof(*sum));
	snprintf(sum->archive, sizeof(sum->archive), "%s.tar.zst", o->to);
	if (lstat(o->to, &sb) == 0 || lstat(sum->archive, &sb) == 0)
		return pt_err_set(err, EX_CANTCREAT,
				  "%s exists; a package is never replaced; "
				  "hint: choose another --to",
				  lstat(o->to, &sb) == 0 ? o->to
							 : sum->archive);
	if (inside(o->to, o->dir))
		return pt_err_set(err, EX_USAGE,
				  "%s would be inside the report folder %s; "
				  "hint: choose a --to outside it",
				  o->to, o->dir);
	lock = review_lock(o->dir, err);
	if (lock < 0)
		return -1;
	if (review_load(o->dir, o->ring, false, &st, err) < 0) {
		review_unlock(lock);
		return -1;
	}
	if (review_is_contact(&st, o->who->email)) {
		pt_err_set(err, EX_DATAERR,
			   "%s (%s) is the team's contact and cannot release "
			   "its own bundle",
			   o->who->name, o->who->email);
		goto out;
	}
	n = st.facts.noutputs;
	items = xcalloc(n + 1, sizeof(*items));
	reasons = xcalloc(n + 1, sizeof(*reasons));
	if (gate(&st, o, items, reasons, &nreleased, err) < 0)
		goto out;

	for (i = 0; i < PT_ARRAY_LEN(report_files); i++)
		if (add_file(&set, o->dir, report_files[i], err) < 0)
			goto out;
	for (i = 0; i < n; i++)
		if (items[i].file != NULL &&
		    add_file(&set, o->dir, items[i].file, err) < 0)
			goto out;
	for (i = 0; i < st.nauthors; i++) {
		char *name =
		    xasprintf(DECISIONS_DIR "/%s.jsonl", st.authors[i].name);

		outset_add(&set, name, st.authors[i].text.buf,
			   st.authors[i].text.len, false);
		free(name);
	}
	add_key(&set, st.custodian);
	for (i = 0; i < st.nrecords; i++)
		add_key(&set, st.records[i].author);
	add_key(&set, o->who);
	{
		struct release_page page = { &st, o->who, o->time, items, n };
		struct sbuf md = SBUF_INIT, html = SBUF_INIT;

		release_page_render(&page, &md, &html);
		outset_add(&set, "release.md", md.buf, md.len, false);
		outset_add(&set, "release.html", html.buf, html.len, false);
		sbuf_free(&md);
		sbuf_free(&html);
	}
	sort_set(&set);

	pf = xcalloc(set.n + 1, sizeof(*pf));
	for (i = 0; i < set.n; i++) {
		pf[i].name = set.v[i].name;
		pf[i].data = set.v[i].data.buf;
		pf[i].len = set.v[i].data.len;
	}
	attest_release(&st.facts, o->who, st.audit_head, o->time, pf, set.n,
		       items, n, &stm);
	dsse_sign(o->who, INTOTO_PAYLOAD_TYPE, stm.buf, stm.len, &env);
	pt_sha256_hex(env.buf, env.len, hex);

	/* The package's log ends with the release; the folder's gets the
	 * same line once the package is safely written. */
	{
		struct sbuf line = SBUF_INIT;

		audit_line(&st, "release", o->who, NULL, "release", hex,
			   o->time, &line);
		sbuf_add(&audit, st.audit.buf, st.audit.len);
		sbuf_add(&audit, line.buf, line.len);
		sbuf_addc(&audit, '\n');
		sbuf_free(&line);
	}
	outset_add(&set, AUDIT_FILE, audit.buf, audit.len, false);
	outset_add(&set, RELEASE_FILE, env.buf, env.len, false);
	sort_set(&set);
	if (outdir_commit_files(o->to, &set, err) < 0)
		goto out;
	wrote = true;
	if (write_archive(&set, sum->archive, o->mtime, err) < 0)
		goto out;
	if (review_log_release(&st, o->who, hex, o->time, NULL, err) < 0)
		goto out;
	sum->released = nreleased;
	sum->withheld = n - nreleased;
	rc = 0;
out:
	if (rc < 0 && wrote) {
		remove_package(o->to);
		(void)unlink(sum->archive);
	}
	for (i = 0; reasons != NULL && i < n; i++)
		free(reasons[i]);
	free(reasons);
	free(items);
	free(pf);
	outset_fini(&set);
	sbuf_free(&stm);
	sbuf_free(&env);
	sbuf_free(&audit);
	review_fini(&st);
	review_unlock(lock);
	return rc;
}

/* Every regular file of the package, relative, in name order; folders one
 * level deep.  Anything else (a symlink, a deeper folder) is refused. */
static int
list_package(const char *dir, const char *sub, char ***names, size_t *n,
	     struct pt_err *err)
{
	struct dirent **ents = NULL;
	char *path = sub != NULL ? xasprintf("%s/%s", dir, sub) : xstrdup(dir);
	int i, k = scandir(path, &ents, NULL, alphasort), rc = 0;

	if (k < 0)
		rc = pt_err_set(err, EX_NOINPUT, "%s: %s", path,
				strerror(errno));
	for (i = 0; i < k; i++) {
		const char *e = ents[i]->d_name;
		char *rel =
		    sub != NULL ? xasprintf("%s/%s", sub, e) : xstrdup(e);
		char *full = xasprintf("%s/%s", dir, rel);
		struct stat st;

		if (rc == 0 && strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
			if (lstat(full, &st) < 0)
				rc = pt_err_set(err, EX_IOERR, "%s: %s", full,
						strerror(errno));
			else if (S_ISDIR(st.st_mode) && sub == NULL)
				rc = list_package(dir, rel, names, n, err);
			else if (!S_ISREG(st.st_mode))
				rc = pt_err_set(err, EX_DATAERR,
						"%s is not a regular file; a "
						"package holds files only",
						full);
			else {
				*names = xreallocarray(*names, *n + 1,
						       sizeof(**names));
				(*names)[(*n)++] = rel;
				rel = NULL;
			}
		}
		free(rel);
		free(full);
		free(ents[i]);
	}
	free(ents);
	free(path);
	return rc;
}

static const struct jv *
find_item(const struct jv *arr, const char *name)
{
	size_t i;

	for (i = 0; i < jv_len(arr); i++) {
		const char *o = jv_get_str(jv_at(arr, i), "output");

		if (o != NULL && strcmp(o, name) == 0)
			return jv_at(arr, i);
	}
	return NULL;
}

int
release_verify(const char *dir, const struct keyring *ring, struct pt_err *err)
{
	struct sbuf env = SBUF_INIT, payload = SBUF_INIT;
	struct review_state st;
	const struct key *signer;
	const struct jv *pred, *rel, *wh, *who;
	struct jv *stm = NULL;
	char **names = NULL, hex[PT_SHA256_HEX];
	size_t nnames = 0, i, nsubjects;
	bool loaded = false;
	struct tally all;
	int rc = -1;

	if (slurp(dir, RELEASE_FILE, &env, err) < 0)
		goto out;
	pt_sha256_hex(env.buf, env.len, hex);
	if (dsse_open(env.buf, env.len, INTOTO_PAYLOAD_TYPE, ring, &payload,
		      &signer, err) < 0) {
		char *m = xasprintf(RELEASE_FILE ": %s", err->msg);

		pt_err_set(err, EX_DATAERR, "%s", m);
		free(m);
		goto out;
	}
	stm = statement_parse(&payload, RELEASE_TYPE, err);
	if (stm == NULL)
		goto out;
	pred = jv_get(stm, "predicate");
	rel = jv_get(pred, "released");
	wh = jv_get(pred, "withheld");
	who = jv_get(pred, "releaser");
	if (rel == NULL || wh == NULL || who == NULL ||
	    jv_get_str(who, "keyid") == NULL ||
	    strcmp(jv_get_str(who, "keyid"), signer->keyid) != 0) {
		pt_err_set(err, EX_DATAERR,
			   RELEASE_FILE " is not a release statement by its "
					"signer");
		goto out;
	}
	/* Every file is named with its digest, and nothing else is there. */
	if (list_package(dir, NULL, &names, &nnames, err) < 0)
		goto out;
	nsubjects = 0;
	for (i = 0; i < nnames; i++) {
		struct sbuf data = SBUF_INIT;
		const char *want;
		char got[PT_SHA256_HEX];

		if (strcmp(names[i], RELEASE_FILE) == 0 ||
		    strcmp(names[i], AUDIT_FILE) == 0)
			continue;
		want = statement_subject(stm, names[i]);
		if (want == NULL) {
			pt_err_set(err, EX_DATAERR,
				   "%s/%s is not in the release: it was "
				   "added after the release was signed",
				   dir, names[i]);
			goto out;
		}
		if (slurp(dir, names[i], &data, err) < 0) {
			sbuf_free(&data);
			goto out;
		}
		pt_sha256_hex(data.buf != NULL ? data.buf : "", data.len, got);
		sbuf_free(&data);
		if (strcmp(got, want) != 0) {
			pt_err_set(err, EX_DATAERR,
				   "%s/%s differs from the release statement: "
				   "the package was changed after release",
				   dir, names[i]);
			goto out;
		}
		nsubjects++;
	}
	if (nsubjects != jv_len(jv_get(stm, "subject"))) {
		pt_err_set(err, EX_DATAERR,
			   "%s lacks a file the release statement names", dir);
		goto out;
	}
	if (review_load(dir, ring, true, &st, err) < 0)
		goto out;
	loaded = true;
	if (st.nevents == 0 ||
	    strcmp(st.events[st.nevents - 1].event, "release") != 0 ||
	    strcmp(st.events[st.nevents - 1].record_sha256, hex) != 0 ||
	    jv_get_str(pred, "audit_head") == NULL ||
	    strcmp(jv_get_str(pred, "audit_head"), st.audit_prev_head) != 0) {
		pt_err_set(err, EX_DATAERR,
			   AUDIT_FILE " does not end with this release: the "
				      "log was changed after release");
		goto out;
	}
	if (jv_get_str(pred, "report") == NULL ||
	    strcmp(jv_get_str(pred, "report"), st.facts.sums_digest) != 0) {
		pt_err_set(err, EX_DATAERR,
			   RELEASE_FILE " releases another report");
		goto out;
	}
	if (review_is_contact(&st, signer->email)) {
		pt_err_set(err, EX_DATAERR,
			   "released by %s, the team's contact", signer->name);
		goto out;
	}
	/* What left had what it needed; what did not leave is said so. */
	review_tally_overall(&st, &all);
	for (i = 0; i < st.facts.noutputs; i++) {
		const struct report_output *o = &st.facts.outputs[i];
		const struct jv *item = find_item(rel, o->name);
		struct tally t;
		char *path;
		struct stat sb;
		bool present;

		review_tally_output(&st, o, &t);
		path =
		    o->file != NULL ? xasprintf("%s/%s", dir, o->file) : NULL;
		present = path != NULL && lstat(path, &sb) == 0;
		free(path);
		if (item != NULL) {
			if (!present ||
			    (t.decision != OD_FREE &&
			     t.decision != OD_APPROVED) ||
			    (o->held && all.decision != OD_APPROVED)) {
				pt_err_set(err, EX_DATAERR,
					   "%s was released without the "
					   "decisions it needs (%s)",
					   o->name,
					   output_decision_name(t.decision));
				goto out;
			}
		} else if (present || find_item(wh, o->name) == NULL) {
			pt_err_set(err, EX_DATAERR,
				   "%s is %s the package but the release "
				   "statement does not release it",
				   o->name, present ? "in" : "missing from");
			goto out;
		}
	}
	rc = 0;
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	if (loaded)
		review_fini(&st);
	jv_free(stm);
	sbuf_free(&env);
	sbuf_free(&payload);
	return rc;
}
