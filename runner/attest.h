/*
 * attest.h - the signed statements about a report: what it is (the facts
 * read from its SHA256SUMS and report.json) and the in-toto Statement v1
 * payloads built from them.  Pure: no files, no keys' private halves.
 *
 * Three statements exist:
 *   provenance  SLSA Provenance v1: who ran which bundle under which
 *               profile with which proeftuin, naming every report file;
 *               signed by the custodian (`run --sign`).
 *   vote        one advisor's vote on one output (urn:proeftuin:vote:v1);
 *   decision    one advisor's overall decision, as an SLSA Verification
 *               Summary (VSA) of the report against the profile;
 *   release     what left, bound to every file of the package
 *               (urn:proeftuin:release:v1); signed by the releaser.
 * Each is bound to the digest of the report's SHA256SUMS, so a changed
 * report has none of the earlier decisions.
 */
#ifndef PROEFTUIN_ATTEST_H
#define PROEFTUIN_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "sign.h"
#include "util.h"

#define STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PROVENANCE_TYPE "https://slsa.dev/provenance/v1"
#define VSA_TYPE "https://slsa.dev/verification_summary/v1"
#define VOTE_TYPE "urn:proeftuin:vote:v1"
#define RELEASE_TYPE "urn:proeftuin:release:v1"
#define PROVENANCE_FILE "provenance.dsse.json"
#define RELEASE_FILE "release.dsse.json"
#define DECISIONS_DIR "decisions"
#define AUDIT_FILE "decisions/audit.jsonl"

struct report_file {
	char *name; /* as SHA256SUMS lists it */
	char sha256[PT_SHA256_HEX];
};

/* One output as report.json lists it. */
struct report_output {
	char *name;
	char *file; /* outputs/NAME.csv, review/NAME.csv, or NULL (withheld) */
	char *status;		    /* pass, review or fail */
	bool held;		    /* in review/ */
	char sha256[PT_SHA256_HEX]; /* of `file`, from SHA256SUMS */
};

struct report_facts {
	char sums_digest[PT_SHA256_HEX]; /* SHA-256 of SHA256SUMS */
	struct report_file *files;
	size_t nfiles;
	struct report_output *outputs;
	size_t noutputs;
	char *verdict, *contact, *name, *bundle_digest, *profile_name,
	    *profile_sha256, *tool_version, *date; /* date may be NULL */
	int64_t reviewers; /* approvals a held output needs */
};

/*
 * Read the facts from a SHA256SUMS text and the report.json it lists.
 * The caller has checked that report.json is the file SHA256SUMS names.
 * -1 with EX_DATAERR when either is malformed or lacks a field.
 */
int report_facts_parse(const char *sums, size_t sums_len, const char *json,
		       size_t json_len, struct report_facts *out,
		       struct pt_err *err);
void report_facts_fini(struct report_facts *f);
const struct report_output *report_output_find(const struct report_facts *f,
					       const char *name_or_file);

/* The provenance statement of the report, signed by `custodian`. */
void attest_provenance(const struct report_facts *f,
		       const struct key *custodian, struct sbuf *out);

/* What every advisor record carries besides its decision. */
struct record_link {
	const struct key *author;
	int64_t seq;		/* 1, 2, ... within the author's file */
	const char *previous;	/* digest of the author's previous record,
				   or the SHA256SUMS digest for the first */
	const char *audit_head; /* digest of the last audit line before */
	const char *time;	/* RFC 3339 UTC, or NULL */
};

enum vote_kind { VOTE_APPROVE, VOTE_CHANGES, VOTE_REJECT };
const char *vote_name(enum vote_kind v);
int vote_parse(const char *s, enum vote_kind *out);

void attest_vote(const struct report_facts *f, const struct record_link *l,
		 const struct report_output *o, enum vote_kind vote,
		 const char *comment, bool public_comment, struct sbuf *out);
void attest_decision(const struct report_facts *f, const struct record_link *l,
		     const char *provenance_digest, enum vote_kind decision,
		     const char *comment, const char *conditions,
		     bool public_comment, struct sbuf *out);

/* A file of a release package with its digest. */
struct package_file {
	const char *name;
	const void *data;
	size_t len;
};

struct release_item {
	const char *name, *file; /* file NULL when withheld */
	const char *reason;	 /* why released or withheld */
};

void attest_release(const struct report_facts *f, const struct key *releaser,
		    const char *audit_head, const char *time,
		    const struct package_file *files, size_t nfiles,
		    const struct release_item *items, size_t nitems,
		    struct sbuf *out);

/* The in-toto statement in `payload`: parsed, with its _type and
 * predicateType checked.  NULL with `err` otherwise. */
struct jv *statement_parse(const struct sbuf *payload,
			   const char *predicate_type, struct pt_err *err);
/* The sha256 of the subject called `name`, or NULL. */
const char *statement_subject(const struct jv *st, const char *name);

#endif
