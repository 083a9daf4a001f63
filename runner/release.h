/*
 * release.h - the only way out: a signed package of the approved outputs,
 * and the check of such a package.
 *
 * A package is a folder (and the same files as a deterministic .tar.zst
 * beside it) laid out as the report folder it came from: report.json,
 * report.md, report.html, SHA256SUMS and provenance.dsse.json unchanged;
 * only the released files of outputs/ and review/; decisions/ with the
 * release event appended to its audit log; keys/NAME.pub of every signer
 * (public halves only); and release.dsse.json, the releaser's signed
 * statement naming every other file with its digest (the audit log
 * excepted, which the statement covers through its head) and, for each
 * output, whether it left and why.
 */
#ifndef PROEFTUIN_RELEASE_H
#define PROEFTUIN_RELEASE_H

#include <stdbool.h>

#include "sign.h"
#include "util.h"

struct release_opts {
	const char *dir; /* the report folder */
	const char *to;	 /* the package folder; the archive is TO.tar.zst */
	const struct keyring *ring;
	const struct key *who;	/* the releaser, with the private half */
	char *const *leave_out; /* outputs left out on purpose */
	size_t nleave_out;
	const char *time; /* RFC 3339 UTC, or NULL */
	long long mtime;  /* archive member times */
};

struct release_summary {
	size_t released, withheld;
	char archive[4096];
};

/*
 * Refuse unless the report verifies and every output that would leave has
 * the decisions it needs; then write the package and log the release.
 * Nothing is written when refused.  -1 with `err`: EX_DATAERR for a
 * refusal (the message says what is missing and how to get it),
 * EX_CANTCREAT when TO exists, EX_TEMPFAIL when a reviewer is writing.
 */
int release_make(const struct release_opts *o, struct release_summary *sum,
		 struct pt_err *err);

/*
 * Check the package (or a report folder with a release) at `dir`: the
 * release statement's signature and every digest, the report, its
 * provenance and decisions, and that each released held output had its
 * approvals.  0, or -1 with a message that names the first failure.
 */
int release_verify(const char *dir, const struct keyring *ring,
		   struct pt_err *err);

#endif
