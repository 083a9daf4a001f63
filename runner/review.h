/*
 * review.h - the advisors' decisions on a report folder.
 *
 * The report's files are never changed.  Decisions live in DIR/decisions/:
 *   NAME.jsonl   one DSSE envelope per line, each signed by the advisor
 *                NAME: a vote on one output or the overall decision;
 *   NAME.notes   the text of NAME's comments for the reviewers only, one
 *                {"comment","seq"} line each; the record signs its digest,
 *                and a release package leaves this file out;
 *   audit.jsonl  every review and release event, one canonical JSON line
 *                each, chained by the digest of the line before.
 * Every record is bound to the digest of SHA256SUMS, to the author's
 * previous record (seq and digest) and to the audit log's head when it was
 * cast, so a forged, reordered, replayed or foreign record, a reviewer
 * deciding twice, or an edited log is found on load.  Writers hold an
 * exclusive lock on DIR and replace decisions/ as a whole with an atomic
 * exchange, so a second writer is refused and nothing is half-written.
 */
#ifndef PROEFTUIN_REVIEW_H
#define PROEFTUIN_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "attest.h"
#include "sign.h"
#include "util.h"

struct review_record {
	const struct key *author; /* in the keyring */
	int64_t seq;
	bool is_vote; /* else the overall decision */
	char *output; /* a vote's output name */
	enum vote_kind vote;
	char *comment, *conditions; /* conditions: decisions only */
	bool public_comment;
	bool comment_withheld; /* private, and this is a package */
	char *time;	       /* or NULL */
};

struct audit_event {
	int64_t seq;
	char *event; /* vote, decision or release */
	char *actor;
	char *output; /* or NULL */
	char *summary;
	char *time; /* or NULL */
	char record_sha256[PT_SHA256_HEX];
};

struct author_file {
	char *name;
	struct sbuf text;
	struct sbuf notes;	  /* NAME.notes: the private comments */
	char last[PT_SHA256_HEX]; /* digest of its last record */
	int64_t n;
};

struct review_state {
	char *dir;
	bool package;
	struct report_facts facts;
	const struct key *custodian;
	char provenance_digest[PT_SHA256_HEX];
	struct review_record *records; /* in audit order */
	size_t nrecords;
	struct audit_event *events;
	size_t nevents;
	struct sbuf audit;
	char audit_head[PT_SHA256_HEX];
	char audit_prev_head[PT_SHA256_HEX]; /* before the last event */
	struct author_file *authors;
	size_t nauthors;
};

/*
 * Load and check the report folder `dir`: every file SHA256SUMS lists has
 * its digest (in a release `package` a listed file may be absent: the
 * release statement says why), provenance.dsse.json is signed by a key of
 * `ring` over exactly this report, and every record and audit line holds
 * together.  -1 with a message naming the first thing that fails
 * (EX_NOINPUT when there is no report, else EX_DATAERR).
 */
int review_load(const char *dir, const struct keyring *ring, bool package,
		struct review_state *st, struct pt_err *err);
void review_fini(struct review_state *st);

enum output_decision {
	OD_FREE,       /* passed the rules; no vote needed, none against */
	OD_INCOMPLETE, /* held, fewer approvals than needed */
	OD_APPROVED,
	OD_CHANGES,
	OD_REJECTED,
	OD_WITHHELD, /* failed a rule: never leaves */
};
const char *output_decision_name(enum output_decision d);

struct tally {
	int approvals, changes, rejects;
	enum output_decision decision;
};
void review_tally_output(const struct review_state *st,
			 const struct report_output *o, struct tally *t);
/* The overall decisions: OD_APPROVED when enough approvals and none
 * against, OD_REJECTED / OD_CHANGES when any says so. */
void review_tally_overall(const struct review_state *st, struct tally *t);

/* The records of `name`, or NULL: its vote on `output` and its overall
 * decision. */
const struct review_record *review_vote_of(const struct review_state *st,
					   const char *name,
					   const char *output);
const struct review_record *review_decision_of(const struct review_state *st,
					       const char *name);

/* Take the writer's lock on `dir`; the descriptor to pass to
 * review_unlock.  EX_TEMPFAIL when another writer holds it. */
int review_lock(const char *dir, struct pt_err *err);
void review_unlock(int fd);

/* What an advisor asks to record. */
struct review_request {
	const struct key *who; /* with its private half */
	bool is_vote;
	const char *output;
	enum vote_kind vote;
	const char *comment;
	const char *conditions;
	bool public_comment;
	const char *time; /* RFC 3339 UTC or NULL */
};

/*
 * Check that `req` may be recorded on `st` (the contact cannot review, a
 * reviewer decides each thing once, an overall decision comes after a vote
 * on every held output, comments where they are needed), sign it and
 * write it with its audit event.  The caller holds the lock and loaded
 * `st` under it.  EX_DATAERR/EX_USAGE for a refusal, EX_IOERR on write.
 */
int review_record_add(struct review_state *st, const struct review_request *r,
		      struct pt_err *err);

/* Append a release event for the envelope with digest `release_sha256`,
 * by `who`.  Returns the new audit log text in `audit_out`. */
int review_log_release(struct review_state *st, const struct key *who,
		       const char *release_sha256, const char *time,
		       struct sbuf *audit_out, struct pt_err *err);

/* The line of the audit log to be appended for an event (no newline). */
void audit_line(const struct review_state *st, const char *event,
		const struct key *actor, const char *output,
		const char *summary, const char *record_sha256,
		const char *time, struct sbuf *out);

/* True when `email` names the same mailbox as the report's contact. */
bool review_is_contact(const struct review_state *st, const char *email);

/* RFC 3339 UTC of `epoch` when `set`, else of the clock. */
char *review_event_time(long long epoch, bool set);

#endif
