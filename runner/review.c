/* review.c - the advisors' decisions on a report folder; see review.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/fs.h>

#include "json.h"
#include "json_parse.h"
#include "outdir.h"
#include "review.h"
#include "textsafe.h"

#define MAX_FILE (256u * 1024 * 1024)
#define MAX_COMMENT 4000
#define STAGE_PREFIX ".decisions."

static const char *next_line(const struct sbuf *text, size_t *pos, size_t *len);

bool
review_is_contact(const struct review_state *st, const char *email)
{
	const char *c = st->facts.contact;
	const char *lt = strchr(c, '<');
	size_t n = strlen(email);

	if (strcasecmp(c, email) == 0)
		return true;
	/* "Team Drukte <drukte@example.org>" names the same mailbox. */
	return lt != NULL && strncasecmp(lt + 1, email, n) == 0 &&
	       lt[1 + n] == '>';
}

static struct author_file *
author_file(struct review_state *st, const char *name, bool create)
{
	size_t i;

	for (i = 0; i < st->nauthors; i++)
		if (strcmp(st->authors[i].name, name) == 0)
			return &st->authors[i];
	if (!create)
		return NULL;
	st->authors =
	    xreallocarray(st->authors, st->nauthors + 1, sizeof(*st->authors));
	memset(&st->authors[st->nauthors], 0, sizeof(*st->authors));
	st->authors[st->nauthors].name = xstrdup(name);
	memcpy(st->authors[st->nauthors].last, st->facts.sums_digest,
	       PT_SHA256_HEX);
	return &st->authors[st->nauthors++];
}

const struct review_record *
review_vote_of(const struct review_state *st, const char *name,
	       const char *output)
{
	size_t i;

	for (i = 0; i < st->nrecords; i++)
		if (st->records[i].is_vote &&
		    strcmp(st->records[i].author->name, name) == 0 &&
		    strcmp(st->records[i].output, output) == 0)
			return &st->records[i];
	return NULL;
}

const struct review_record *
review_decision_of(const struct review_state *st, const char *name)
{
	size_t i;

	for (i = 0; i < st->nrecords; i++)
		if (!st->records[i].is_vote &&
		    strcmp(st->records[i].author->name, name) == 0)
			return &st->records[i];
	return NULL;
}

/* Comments are read by other people on other screens: one bounded,
 * well-formed text without control characters other than newline. */
static int
text_ok(const char *what, const char *s, bool required, struct pt_err *err)
{
	size_t i, n = s != NULL ? strlen(s) : 0;

	if (required && n == 0)
		return pt_err_set(err, EX_USAGE, "%s is required", what);
	if (n > MAX_COMMENT)
		return pt_err_set(err, EX_USAGE,
				  "%s is %zu bytes; at most %d are kept", what,
				  n, MAX_COMMENT);
	if (n > 0 && !utf8_valid(s, n))
		return pt_err_set(err, EX_USAGE, "%s is not UTF-8", what);
	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < ' ' && s[i] != '\n') || s[i] == 0x7f)
			return pt_err_set(err, EX_USAGE,
					  "%s holds a control character", what);
	return 0;
}

/* The rules every record obeys, checked before one is written and again
 * for each one read back. */
static int
check_allowed(const struct review_state *st, const struct key *who,
	      bool is_vote, const char *output, enum vote_kind vote,
	      const char *comment, const char *conditions, struct pt_err *err)
{
	const struct report_output *o;
	size_t i;

	if (strcmp(st->facts.verdict, "FAIL") == 0)
		return pt_err_set(err, EX_DATAERR,
				  "the verdict is FAIL, so nothing leaves "
				  "and there is nothing to decide; hint: the "
				  "team fixes the findings and runs again");
	if (review_is_contact(st, who->email))
		return pt_err_set(err, EX_DATAERR,
				  "%s (%s) is the team's contact and cannot "
				  "review its own bundle",
				  who->name, who->email);
	if (review_decision_of(st, who->name) != NULL)
		return pt_err_set(err, EX_DATAERR,
				  "%s has already given an overall decision; "
				  "a decision is final",
				  who->name);
	/* Two keys of one person are one reviewer, not two. */
	for (i = 0; i < st->nrecords; i++)
		if (strcmp(st->records[i].author->name, who->name) != 0 &&
		    strcasecmp(st->records[i].author->email, who->email) == 0)
			return pt_err_set(
			    err, EX_DATAERR,
			    "%s has the e-mail address of %s "
			    "(%s), who has already reviewed; "
			    "one person counts once",
			    who->name, st->records[i].author->name, who->email);
	if (is_vote) {
		o = report_output_find(&st->facts, output);
		if (o == NULL)
			return pt_err_set(err, EX_USAGE,
					  "the report has no output '%s'; "
					  "hint: proeftuin review DIR --list",
					  output);
		if (o->file == NULL)
			return pt_err_set(err, EX_DATAERR,
					  "%s broke a rule and was withheld: "
					  "it cannot be released",
					  o->name);
		if (review_vote_of(st, who->name, o->name) != NULL)
			return pt_err_set(err, EX_DATAERR,
					  "%s has already voted on %s; a "
					  "vote is final",
					  who->name, o->name);
		if (text_ok("a comment", comment, vote != VOTE_APPROVE, err) <
		    0) {
			if (vote != VOTE_APPROVE && *comment == '\0')
				pt_err_set(err, EX_USAGE,
					   "a vote to %s needs a comment "
					   "that tells the team why; add "
					   "--comment TEXT",
					   vote_name(vote));
			return -1;
		}
		return 0;
	}
	if (text_ok("the overall comment", comment, true, err) < 0 ||
	    text_ok("the conditions", conditions, false, err) < 0)
		return -1;
	for (i = 0; i < st->facts.noutputs; i++) {
		o = &st->facts.outputs[i];
		if (o->held && review_vote_of(st, who->name, o->name) == NULL)
			return pt_err_set(err, EX_DATAERR,
					  "%s has not voted on %s, which is "
					  "held for review; vote on every "
					  "held output before the overall "
					  "decision",
					  who->name, o->name);
	}
	return 0;
}

static const char *
obj_str(const struct jv *o, const char *key)
{
	const char *s = jv_get_str(o, key);

	return s != NULL ? s : "";
}

/* The comment of a record: in the clear, or (for the reviewers only) from
 * NAME.notes, checked against the digest the record signs.  A package
 * has no notes: the comment is then withheld. */
static int
private_comment(const struct review_state *st, const struct author_file *af,
		const struct jv *link, int64_t seq, struct review_record *r,
		const char *where, struct pt_err *err)
{
	const char *want = jv_get_str(link, "comment_sha256");
	size_t pos = 0, len;
	const char *line;

	if (want == NULL) {
		r->comment = xstrdup(obj_str(link, "comment"));
		return 0;
	}
	while ((line = next_line(&af->notes, &pos, &len)) != NULL) {
		const char *why;
		size_t at;
		struct jv *n = json_parse(line, len, &why, &at);
		int64_t nseq;
		char hex[PT_SHA256_HEX];

		if (n != NULL && jv_get_int(n, "seq", &nseq) && nseq == seq &&
		    jv_get_str(n, "comment") != NULL) {
			const char *c = jv_get_str(n, "comment");

			pt_sha256_hex(c, strlen(c), hex);
			if (strcmp(hex, want) != 0) {
				jv_free(n);
				return pt_err_set(err, EX_DATAERR,
						  "%s: its private comment in "
						  "decisions/%s.notes is not "
						  "the one it signed",
						  where, af->name);
			}
			r->comment = xstrdup(c);
			jv_free(n);
			return 0;
		}
		jv_free(n);
	}
	if (!st->package)
		return pt_err_set(err, EX_DATAERR,
				  "%s: its private comment is missing from "
				  "decisions/%s.notes",
				  where, af->name);
	r->comment = xstrdup("(for the reviewers only; not in the package)");
	r->comment_withheld = true;
	return 0;
}

/* Check the record `line` of `af` against the audit event `ev` and the
 * head before it, and add it to `st`. */
static int
take_record(struct review_state *st, struct author_file *af,
	    const struct keyring *ring, const char *line, size_t len,
	    const struct audit_event *ev, const char *head, struct pt_err *err)
{
	struct sbuf payload = SBUF_INIT;
	struct review_record r;
	const struct key *signer;
	const struct jv *pred, *link, *who;
	const char *bound, *ptype;
	struct jv *stm = NULL;
	char where[128], hex[PT_SHA256_HEX], *fix;
	int64_t seq;
	int rc = -1;

	snprintf(where, sizeof(where), "decisions/%s.jsonl record %lld",
		 af->name, (long long)af->n + 1);
	memset(&r, 0, sizeof(r));
	pt_sha256_hex(line, len, hex);
	if (strcmp(hex, ev->record_sha256) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s is not the record audit event %lld names: "
			   "records were changed, reordered or replayed",
			   where, (long long)ev->seq);
		goto out;
	}
	if (dsse_open(line, len, INTOTO_PAYLOAD_TYPE, ring, &payload, &signer,
		      err) < 0)
		goto fail;
	if (strcmp(signer->name, af->name) != 0) {
		pt_err_set(err, EX_DATAERR, "%s is signed by %s", where,
			   signer->name);
		goto out;
	}
	stm = statement_parse(&payload, NULL, err);
	if (stm == NULL)
		goto fail;
	ptype = jv_get_str(stm, "predicateType");
	r.is_vote = strcmp(ev->event, "vote") == 0;
	if (strcmp(ptype, r.is_vote ? VOTE_TYPE : VSA_TYPE) != 0) {
		pt_err_set(err, EX_DATAERR, "%s is a %s, its audit event a %s",
			   where, ptype, ev->event);
		goto out;
	}
	bound = statement_subject(stm, "SHA256SUMS");
	if (bound == NULL || strcmp(bound, st->facts.sums_digest) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s is a decision on another report (SHA256SUMS "
			   "%.12s…, this report %.12s…); decisions never "
			   "carry over to a changed report",
			   where, bound != NULL ? bound : "none",
			   st->facts.sums_digest);
		goto out;
	}
	pred = jv_get(stm, "predicate");
	link = r.is_vote ? pred : jv_get(pred, "proeftuin_decision");
	who = jv_get(link, "reviewer");
	if (link == NULL || who == NULL || !jv_get_int(link, "seq", &seq) ||
	    seq != af->n + 1 ||
	    strcmp(obj_str(link, "previous"), af->last) != 0 ||
	    strcmp(obj_str(link, "audit_head"), head) != 0 ||
	    strcmp(obj_str(who, "keyid"), signer->keyid) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s is out of its place (sequence, previous "
			   "record or audit head): records were reordered or "
			   "replayed",
			   where);
		goto out;
	}
	r.author = signer;
	r.seq = seq;
	if (r.is_vote) {
		r.output = xstrdup(obj_str(pred, "output"));
		if (vote_parse(obj_str(pred, "vote"), &r.vote) < 0) {
			pt_err_set(err, EX_DATAERR, "%s has no vote", where);
			goto out;
		}
		if (private_comment(st, af, link, seq, &r, where, err) < 0)
			goto out;
		r.conditions = xstrdup("");
	} else {
		if (vote_parse(obj_str(link, "decision"), &r.vote) < 0) {
			pt_err_set(err, EX_DATAERR, "%s has no decision",
				   where);
			goto out;
		}
		if (private_comment(st, af, link, seq, &r, where, err) < 0)
			goto out;
		r.conditions = xstrdup(obj_str(link, "conditions"));
	}
	r.public_comment = strcmp(obj_str(link, "visibility"), "public") == 0;
	if (jv_get_str(link, "time") != NULL)
		r.time = xstrdup(jv_get_str(link, "time"));
	if ((r.is_vote &&
	     (ev->output == NULL || strcmp(ev->output, r.output) != 0)) ||
	    strcmp(ev->summary, vote_name(r.vote)) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s does not say what audit event %lld says", where,
			   (long long)ev->seq);
		goto out;
	}
	if (check_allowed(st, signer, r.is_vote, r.output, r.vote, r.comment,
			  r.conditions, err) < 0)
		goto fail;
	if (r.is_vote) {
		const struct report_output *o =
		    report_output_find(&st->facts, r.output);
		const char *d = statement_subject(stm, o->file);

		if (d == NULL || strcmp(d, o->sha256) != 0) {
			pt_err_set(err, EX_DATAERR,
				   "%s is a vote on another version of %s",
				   where, o->file);
			goto out;
		}
	}
	st->records =
	    xreallocarray(st->records, st->nrecords + 1, sizeof(*st->records));
	st->records[st->nrecords++] = r;
	memset(&r, 0, sizeof(r));
	memcpy(af->last, hex, PT_SHA256_HEX);
	af->n++;
	rc = 0;
	goto out;
fail:
	fix = xasprintf("%s: %s", where, err->msg);
	pt_err_set(err, EX_DATAERR, "%s", fix);
	free(fix);
out:
	free(r.output);
	free(r.comment);
	free(r.conditions);
	free(r.time);
	jv_free(stm);
	sbuf_free(&payload);
	return rc;
}

/* The next line of `text` from `*pos`: its start and length, without the
 * newline.  NULL at the end or when the last line has no newline. */
static const char *
next_line(const struct sbuf *text, size_t *pos, size_t *len)
{
	const char *p, *nl;

	if (text->buf == NULL || *pos >= text->len)
		return NULL;
	p = text->buf + *pos;
	nl = memchr(p, '\n', text->len - *pos);
	if (nl == NULL)
		return NULL;
	*len = (size_t)(nl - p);
	*pos += *len + 1;
	return p;
}

static int
load_decisions(struct review_state *st, int dfd, const struct keyring *ring,
	       struct pt_err *err)
{
	struct dirent **ents = NULL;
	size_t *cursor = NULL, pos = 0, len, i;
	const char *line;
	char *ddir = xasprintf("%s/" DECISIONS_DIR, st->dir);
	int ddfd, n, k, rc = -1;
	bool bad = false;

	ddfd = openat(dfd, DECISIONS_DIR,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ddfd < 0) {
		free(ddir);
		if (errno == ENOENT)
			return 0;
		return pt_err_set(err, EX_DATAERR, "%s/" DECISIONS_DIR ": %s",
				  st->dir, strerror(errno));
	}
	n = scandir(ddir, &ents, NULL, alphasort);
	for (k = 0; k < n; k++) {
		const char *e = ents[k]->d_name;
		size_t el = strlen(e);
		char *name;
		int r;

		if (bad || strcmp(e, ".") == 0 || strcmp(e, "..") == 0)
			continue;
		if (strcmp(e, "audit.jsonl") == 0) {
			r = outdir_read(ddfd, e, MAX_FILE, &st->audit);
		} else if (el > 6 && strcmp(e + el - 6, ".notes") == 0 &&
			   (name = xstrndup(e, el - 6)) != NULL &&
			   key_name_ok(name)) {
			r = outdir_read(ddfd, e, MAX_FILE,
					&author_file(st, name, true)->notes);
			free(name);
		} else if (el > 6 && strcmp(e + el - 6, ".jsonl") == 0 &&
			   (name = xstrndup(e, el - 6)) != NULL &&
			   key_name_ok(name)) {
			r = outdir_read(ddfd, e, MAX_FILE,
					&author_file(st, name, true)->text);
			free(name);
		} else {
			pt_err_set(err, EX_DATAERR,
				   "%s/" DECISIONS_DIR "/%s does not belong "
				   "there: only signed records and the audit "
				   "log do",
				   st->dir, e);
			bad = true;
			continue;
		}
		if (r != 0) {
			pt_err_set(err, EX_DATAERR,
				   "%s/" DECISIONS_DIR "/%s: %s", st->dir, e,
				   strerror(errno));
			bad = true;
		}
	}
	for (k = 0; k < n; k++)
		free(ents[k]);
	free(ents);
	close(ddfd);
	free(ddir);
	if (bad)
		return -1;

	cursor = xcalloc(st->nauthors + 1, sizeof(*cursor));
	while ((line = next_line(&st->audit, &pos, &len)) != NULL) {
		const char *why;
		size_t at;
		struct jv *ev = json_parse(line, len, &why, &at);
		struct audit_event e;
		struct author_file *af;
		char head[PT_SHA256_HEX];
		int64_t seq;
		const char *rec;

		memset(&e, 0, sizeof(e));
		if (st->nevents == 0 && ev != NULL &&
		    strcmp(obj_str(ev, "prev"), st->audit_head) != 0) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR
				   "/audit.jsonl belongs to another "
				   "report (its chain starts at "
				   "%.12s…, this report's "
				   "SHA256SUMS is %.12s…): "
				   "decisions never carry over "
				   "to a changed report",
				   obj_str(ev, "prev"), st->audit_head);
			jv_free(ev);
			goto out;
		}
		if (ev == NULL || !jv_get_int(ev, "seq", &seq) ||
		    seq != (int64_t)st->nevents + 1 ||
		    jv_get_str(ev, "event") == NULL ||
		    jv_get_str(ev, "actor") == NULL ||
		    jv_get_str(ev, "record_sha256") == NULL ||
		    strlen(jv_get_str(ev, "record_sha256")) != 64 ||
		    strcmp(obj_str(ev, "prev"), st->audit_head) != 0) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR "/audit.jsonl line %zu is "
						 "malformed or out of its "
						 "chain: the log was edited",
				   st->nevents + 1);
			jv_free(ev);
			goto out;
		}
		e.seq = seq;
		e.event = xstrdup(jv_get_str(ev, "event"));
		e.actor = xstrdup(jv_get_str(ev, "actor"));
		if (jv_get_str(ev, "output") != NULL)
			e.output = xstrdup(jv_get_str(ev, "output"));
		e.summary = xstrdup(obj_str(ev, "summary"));
		if (jv_get_str(ev, "time") != NULL)
			e.time = xstrdup(jv_get_str(ev, "time"));
		memcpy(e.record_sha256, jv_get_str(ev, "record_sha256"),
		       PT_SHA256_HEX);
		rec = obj_str(ev, "record");
		jv_free(ev);
		memcpy(head, st->audit_head, PT_SHA256_HEX);
		memcpy(st->audit_prev_head, head, PT_SHA256_HEX);
		st->events = xreallocarray(st->events, st->nevents + 1,
					   sizeof(*st->events));
		st->events[st->nevents++] = e;
		pt_sha256_hex(line, len, st->audit_head);
		if (strcmp(e.event, "release") == 0)
			continue;
		if (strcmp(e.event, "vote") != 0 &&
		    strcmp(e.event, "decision") != 0) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR "/audit.jsonl line %lld: "
						 "unknown event '%s'",
				   (long long)e.seq, e.event);
			goto out;
		}
		(void)rec;
		af = author_file(st, e.actor, false);
		if (af == NULL) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR "/audit.jsonl line %lld names "
						 "a record of %s, who has "
						 "none",
				   (long long)e.seq, e.actor);
			goto out;
		}
		i = (size_t)(af - st->authors);
		line = next_line(&af->text, &cursor[i], &len);
		if (line == NULL) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR "/audit.jsonl line %lld names "
						 "a record %s has not got",
				   (long long)e.seq, e.actor);
			goto out;
		}
		if (take_record(st, af, ring, line, len,
				&st->events[st->nevents - 1], head, err) < 0)
			goto out;
	}
	if (pos != st->audit.len) {
		pt_err_set(err, EX_DATAERR,
			   DECISIONS_DIR "/audit.jsonl ends in a broken line");
		goto out;
	}
	for (i = 0; i < st->nauthors; i++)
		if (cursor[i] != st->authors[i].text.len) {
			pt_err_set(err, EX_DATAERR,
				   DECISIONS_DIR "/%s.jsonl holds a record "
						 "that the audit log does not "
						 "name",
				   st->authors[i].name);
			goto out;
		}
	rc = 0;
out:
	free(cursor);
	return rc;
}

/* A file in outputs/ or review/ that SHA256SUMS does not name would look
 * released (or held) to a reader; refuse it. */
static int
check_strays(const struct review_state *st, int dfd, struct pt_err *err)
{
	static const char *const subs[] = { "outputs", "review" };
	size_t s, i;

	for (s = 0; s < PT_ARRAY_LEN(subs); s++) {
		int fd =
		    openat(dfd, subs[s],
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct dirent *e;
		DIR *d;

		if (fd < 0)
			continue;
		d = fdopendir(fd);
		if (d == NULL) {
			close(fd);
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			char *rel;
			bool listed = false;

			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			rel = xasprintf("%s/%s", subs[s], e->d_name);
			for (i = 0; i < st->facts.nfiles; i++)
				listed =
				    listed ||
				    strcmp(st->facts.files[i].name, rel) == 0;
			if (!listed) {
				pt_err_set(err, EX_DATAERR,
					   "%s/%s is not in SHA256SUMS: it was "
					   "not made by the run",
					   st->dir, rel);
				free(rel);
				closedir(d);
				return -1;
			}
			free(rel);
		}
		closedir(d);
	}
	return 0;
}

int
review_load(const char *dir, const struct keyring *ring, bool package,
	    struct review_state *st, struct pt_err *err)
{
	struct sbuf sums = SBUF_INIT, json = SBUF_INIT, prov = SBUF_INIT,
		    payload = SBUF_INIT, expect = SBUF_INIT;
	const struct key *signer;
	struct jv *stm = NULL;
	size_t i;
	int dfd, rc = -1;

	memset(st, 0, sizeof(*st));
	st->dir = xstrdup(dir);
	st->package = package;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pt_err_set(err, EX_NOINPUT, "%s: %s", dir,
				  strerror(errno));
	if (outdir_read(dfd, "SHA256SUMS", MAX_FILE, &sums) != 0 ||
	    outdir_read(dfd, "report.json", MAX_FILE, &json) != 0) {
		pt_err_set(err, EX_NOINPUT,
			   "%s: no report (report.json and SHA256SUMS)", dir);
		goto out;
	}
	if (report_facts_parse(sums.buf != NULL ? sums.buf : "", sums.len,
			       json.buf != NULL ? json.buf : "", json.len,
			       &st->facts, err) < 0)
		goto out;
	memcpy(st->audit_head, st->facts.sums_digest, PT_SHA256_HEX);
	for (i = 0; i < st->facts.nfiles; i++) {
		const struct report_file *f = &st->facts.files[i];
		struct sbuf data = SBUF_INIT;
		char hex[PT_SHA256_HEX];
		int r = outdir_read(dfd, f->name, MAX_FILE, &data);

		if (r == 0)
			pt_sha256_hex(data.buf != NULL ? data.buf : "",
				      data.len, hex);
		sbuf_free(&data);
		if (r == 1 && package && strcmp(f->name, "report.json") != 0)
			continue;
		if (r != 0 || strcmp(hex, f->sha256) != 0) {
			pt_err_set(err, EX_DATAERR,
				   "%s/%s %s SHA256SUMS: the report was "
				   "changed after it was written",
				   dir, f->name,
				   r != 0 ? "is missing from" : "differs from");
			goto out;
		}
	}
	if (!package && check_strays(st, dfd, err) < 0)
		goto out;
	if (outdir_read(dfd, PROVENANCE_FILE, MAX_FILE, &prov) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s is not signed (no " PROVENANCE_FILE "); hint: "
			   "the custodian runs it with 'proeftuin run ... "
			   "--sign NAME'",
			   dir);
		goto out;
	}
	pt_sha256_hex(prov.buf, prov.len, st->provenance_digest);
	if (dsse_open(prov.buf, prov.len, INTOTO_PAYLOAD_TYPE, ring, &payload,
		      &signer, err) < 0) {
		char *m =
		    xasprintf("%s/" PROVENANCE_FILE ": %s", dir, err->msg);

		pt_err_set(err, EX_DATAERR, "%s", m);
		free(m);
		goto out;
	}
	attest_provenance(&st->facts, signer, &expect);
	if (expect.len != payload.len ||
	    memcmp(expect.buf, payload.buf, expect.len) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s/" PROVENANCE_FILE " does not describe this "
			   "report: it was signed for another run",
			   dir);
		goto out;
	}
	st->custodian = signer;
	if (load_decisions(st, dfd, ring, err) < 0)
		goto out;
	rc = 0;
out:
	close(dfd);
	jv_free(stm);
	sbuf_free(&sums);
	sbuf_free(&json);
	sbuf_free(&prov);
	sbuf_free(&payload);
	sbuf_free(&expect);
	if (rc < 0)
		review_fini(st);
	return rc;
}

void
review_fini(struct review_state *st)
{
	size_t i;

	report_facts_fini(&st->facts);
	for (i = 0; i < st->nrecords; i++) {
		free(st->records[i].output);
		free(st->records[i].comment);
		free(st->records[i].conditions);
		free(st->records[i].time);
	}
	free(st->records);
	for (i = 0; i < st->nevents; i++) {
		free(st->events[i].event);
		free(st->events[i].actor);
		free(st->events[i].output);
		free(st->events[i].summary);
		free(st->events[i].time);
	}
	free(st->events);
	for (i = 0; i < st->nauthors; i++) {
		free(st->authors[i].name);
		sbuf_free(&st->authors[i].text);
		sbuf_free(&st->authors[i].notes);
	}
	free(st->authors);
	sbuf_free(&st->audit);
	free(st->dir);
	memset(st, 0, sizeof(*st));
}

const char *
output_decision_name(enum output_decision d)
{
	switch (d) {
	case OD_FREE:
		return "passed the rules";
	case OD_INCOMPLETE:
		return "awaiting approvals";
	case OD_APPROVED:
		return "approved";
	case OD_CHANGES:
		return "changes requested";
	case OD_REJECTED:
		return "rejected";
	case OD_WITHHELD:
		return "withheld (broke a rule)";
	}
	return "?";
}

static void
decide(struct tally *t, bool needs_votes, int64_t needed)
{
	if (t->rejects > 0)
		t->decision = OD_REJECTED;
	else if (t->changes > 0)
		t->decision = OD_CHANGES;
	else if (!needs_votes)
		t->decision = OD_FREE;
	else
		t->decision =
		    t->approvals >= needed ? OD_APPROVED : OD_INCOMPLETE;
}

void
review_tally_output(const struct review_state *st,
		    const struct report_output *o, struct tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < st->nrecords; i++) {
		const struct review_record *r = &st->records[i];

		if (!r->is_vote || strcmp(r->output, o->name) != 0)
			continue;
		if (r->vote == VOTE_APPROVE)
			t->approvals++;
		else if (r->vote == VOTE_CHANGES)
			t->changes++;
		else
			t->rejects++;
	}
	if (o->file == NULL)
		t->decision = OD_WITHHELD;
	else
		decide(t, o->held, st->facts.reviewers);
}

void
review_tally_overall(const struct review_state *st, struct tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < st->nrecords; i++) {
		const struct review_record *r = &st->records[i];

		if (r->is_vote)
			continue;
		if (r->vote == VOTE_APPROVE)
			t->approvals++;
		else if (r->vote == VOTE_CHANGES)
			t->changes++;
		else
			t->rejects++;
	}
	decide(t, true, st->facts.reviewers);
}

int
review_lock(const char *dir, struct pt_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return pt_err_set(err, EX_NOINPUT, "%s: %s", dir,
				  strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		close(fd);
		if (e == EWOULDBLOCK)
			return pt_err_set(err, EX_TEMPFAIL,
					  "%s: another reviewer is writing a "
					  "decision right now; nothing was "
					  "written; hint: try again in a "
					  "moment",
					  dir);
		return pt_err_set(err, EX_IOERR, "%s: cannot lock: %s", dir,
				  strerror(e));
	}
	return fd;
}

void
review_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

void
audit_line(const struct review_state *st, const char *event,
	   const struct key *actor, const char *output, const char *summary,
	   const char *record_sha256, const char *time, struct sbuf *out)
{
	struct jv *o = jv_obj();
	char *rec = strcmp(event, "release") == 0
			? xstrdup(RELEASE_FILE)
			: xasprintf(DECISIONS_DIR "/%s.jsonl", actor->name);

	jv_set_int(o, "seq", (int64_t)st->nevents + 1);
	jv_set_str(o, "event", event);
	jv_set_str(o, "actor", actor->name);
	jv_set_str(o, "keyid", actor->keyid);
	if (output != NULL)
		jv_set_str(o, "output", output);
	jv_set_str(o, "summary", summary);
	jv_set_str(o, "record", rec);
	jv_set_str(o, "record_sha256", record_sha256);
	jv_set_str(o, "prev", st->audit_head);
	if (time != NULL)
		jv_set_str(o, "time", time);
	jv_write(o, out);
	jv_free(o);
	free(rec);
}

static int
write_at(int dfd, const char *name, const struct sbuf *data, struct pt_err *err)
{
	int fd =
	    openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", name,
				  strerror(errno));
	if (pt_write_all(fd, data->buf != NULL ? data->buf : "", data->len) <
		0 ||
	    fsync(fd) < 0) {
		pt_err_set(err, EX_IOERR, "%s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", name,
				  strerror(errno));
	return 0;
}

static void
remove_stage(int dfd, const char *name)
{
	int sfd =
	    openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (sfd < 0) {
		(void)unlinkat(dfd, name, 0);
		return;
	}
	d = fdopendir(sfd);
	if (d == NULL) {
		close(sfd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			(void)unlinkat(sfd, e->d_name, 0);
	closedir(d);
	(void)unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Write every author file and the audit log of `st` into a fresh folder
 * and exchange it with decisions/ in one step. */
static int
commit(struct review_state *st, struct pt_err *err)
{
	char stage[64];
	int dfd, sfd = -1, rc = -1;
	struct dirent *e;
	DIR *d;
	size_t i;

	dfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", st->dir,
				  strerror(errno));
	/* A writer killed half-way left its stage; we hold the lock. */
	d = opendir(st->dir);
	while (d != NULL && (e = readdir(d)) != NULL)
		if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0)
			remove_stage(dfd, e->d_name);
	if (d != NULL)
		closedir(d);
	snprintf(stage, sizeof(stage), STAGE_PREFIX "%ld", (long)getpid());
	if (mkdirat(dfd, stage, 0755) < 0 ||
	    (sfd = openat(dfd, stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
		0) {
		pt_err_set(err, EX_IOERR, "%s/%s: %s", st->dir, stage,
			   strerror(errno));
		goto fail;
	}
	for (i = 0; i < st->nauthors; i++) {
		char *name = xasprintf("%s.jsonl", st->authors[i].name);
		int r = write_at(sfd, name, &st->authors[i].text, err);

		free(name);
		if (r < 0)
			goto fail;
		if (st->authors[i].notes.len == 0)
			continue;
		name = xasprintf("%s.notes", st->authors[i].name);
		r = write_at(sfd, name, &st->authors[i].notes, err);
		free(name);
		if (r < 0)
			goto fail;
	}
	if (write_at(sfd, "audit.jsonl", &st->audit, err) < 0)
		goto fail;
	if (fsync(sfd) < 0) {
		pt_err_set(err, EX_IOERR, "%s: %s", stage, strerror(errno));
		goto fail;
	}
	if (syscall(SYS_renameat2, dfd, stage, dfd, DECISIONS_DIR,
		    RENAME_EXCHANGE) == 0) {
		remove_stage(dfd, stage);
	} else if (errno == ENOENT) {
		if (renameat(dfd, stage, dfd, DECISIONS_DIR) < 0) {
			pt_err_set(err, EX_IOERR, "%s/" DECISIONS_DIR ": %s",
				   st->dir, strerror(errno));
			goto fail;
		}
	} else {
		pt_err_set(err, EX_IOERR, "%s/" DECISIONS_DIR ": %s", st->dir,
			   strerror(errno));
		goto fail;
	}
	(void)fsync(dfd);
	rc = 0;
	goto out;
fail:
	remove_stage(dfd, stage);
	{
		char *m = xasprintf("%s; nothing was written", err->msg);

		pt_err_set(err, err->code, "%s", m);
		free(m);
	}
out:
	if (sfd >= 0)
		close(sfd);
	close(dfd);
	return rc;
}

int
review_record_add(struct review_state *st, const struct review_request *r,
		  struct pt_err *err)
{
	struct sbuf stm = SBUF_INIT, env = SBUF_INIT, line = SBUF_INIT;
	const struct report_output *o = NULL;
	struct author_file *af;
	struct record_link link;
	char hex[PT_SHA256_HEX];
	const char *comment = r->comment != NULL ? r->comment : "";
	const char *conditions = r->conditions != NULL ? r->conditions : "";
	int rc = -1;

	if (check_allowed(st, r->who, r->is_vote, r->output, r->vote, comment,
			  conditions, err) < 0)
		return -1;
	af = author_file(st, r->who->name, true);
	link.author = r->who;
	link.seq = af->n + 1;
	link.previous = af->last;
	link.audit_head = st->audit_head;
	link.time = r->time;
	if (r->is_vote) {
		o = report_output_find(&st->facts, r->output);
		attest_vote(&st->facts, &link, o, r->vote, comment,
			    r->public_comment, &stm);
	} else {
		attest_decision(&st->facts, &link, st->provenance_digest,
				r->vote, comment, conditions, r->public_comment,
				&stm);
	}
	dsse_sign(r->who, INTOTO_PAYLOAD_TYPE, stm.buf, stm.len, &env);
	pt_sha256_hex(env.buf, env.len - 1, hex);
	audit_line(st, r->is_vote ? "vote" : "decision", r->who,
		   o != NULL ? o->name : NULL, vote_name(r->vote), hex, r->time,
		   &line);
	sbuf_add(&af->text, env.buf, env.len);
	if (!r->public_comment && *comment != '\0') {
		struct jv *note = jv_obj();

		jv_set_int(note, "seq", link.seq);
		jv_set_str(note, "comment", comment);
		jv_write(note, &af->notes);
		sbuf_addc(&af->notes, '\n');
		jv_free(note);
	}
	sbuf_add(&st->audit, line.buf, line.len);
	sbuf_addc(&st->audit, '\n');
	rc = commit(st, err);
	sbuf_free(&stm);
	sbuf_free(&env);
	sbuf_free(&line);
	return rc;
}

int
review_log_release(struct review_state *st, const struct key *who,
		   const char *release_sha256, const char *time,
		   struct sbuf *audit_out, struct pt_err *err)
{
	struct sbuf line = SBUF_INIT;

	audit_line(st, "release", who, NULL, "release", release_sha256, time,
		   &line);
	sbuf_add(&st->audit, line.buf, line.len);
	sbuf_addc(&st->audit, '\n');
	sbuf_free(&line);
	if (audit_out != NULL) {
		sbuf_reset(audit_out);
		sbuf_add(audit_out, st->audit.buf, st->audit.len);
	}
	return commit(st, err);
}

char *
review_event_time(long long epoch, bool set)
{
	time_t t = set ? (time_t)epoch : time(NULL);
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return xstrdup("1970-01-01T00:00:00Z");
	return xstrdup(buf);
}
