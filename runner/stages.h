/*
 * stages.h - the stages of one run, each in a file of its own, in the
 * order pipeline.c calls them:
 *
 *   stage_intake.c     the bundle unpacked (intake.c) and its manifest read
 *   stage_admission.c  manifest x profile x bundle: may it run?
 *   stage_execute.c    the script in the sandbox (execute.c) and what the
 *                      report says of it: setting, data, ledger, log, end
 *   stage_outputs.c    every output checked (disclosure.c) and placed in
 *                      outputs/ (released) or review/ (held), or withheld
 *
 * Data flows one way: each stage reads what the stages before it left in
 * the run and adds its part to the report.  `check` runs the first two on
 * a candidate of its own and prints what they found; `run` goes on.
 */
#ifndef PROEFTUIN_STAGES_H
#define PROEFTUIN_STAGES_H

#include <stdbool.h>

#include "admission.h"
#include "bundle.h"
#include "datasets.h"
#include "execute.h"
#include "manifest.h"
#include "outdir.h"
#include "pipeline.h"
#include "profile.h"
#include "report.h"

/* Why intake refused a bundle: code BUNDLE_REFUSED, ENTRY_REFUSED,
 * NO_MANIFEST or BAD_MANIFEST; the subject an entry name (display-safe,
 * receive.h) or "". */
struct refusal {
	const char *code;
	char *subject;
	char *message;
};

/* A bundle on its way in: what intake found. */
struct candidate {
	struct bundle bundle;
	bool opened;		      /* intake got as far as a bundle */
	struct manifest *manifest;    /* NULL unless it was read */
	struct dataset_inputs inputs; /* once admission opened them */
	struct refusal *refusals;
	size_t nrefusals;
};

/*
 * Take the bundle at `path` in under the profile's [bundle] rules and read
 * its manifest.  Returns 0 when the manifest was read, 1 when intake
 * refused the bundle (c->refusals say why; a refused entry does not stop
 * the others from being looked at), or -1 with `err` when nothing can be
 * said (bundle missing: 66; intake sandbox unavailable: 71).  Either way
 * `c` goes to candidate_fini.
 */
int candidate_take_in(struct candidate *c, const char *path,
		      const struct profile *p, struct pt_err *err);
void candidate_fini(struct candidate *c);

/* What admission checks besides the rules of admission.c. */
enum admission_extent {
	ADMIT_TO_RUN,	/* run: the rules, then execution decides the rest */
	ADMIT_TO_CHECK, /* check: also the scripts' sources, compiled jailed */
};

/*
 * The admission stage: every dataset opened once (datasets_open: sealed
 * copies of custodian data for a run, the files themselves for check),
 * the profile's rules on the candidate (read by candidate_take_in), and
 * for check what can be told of the scripts without running them.  Fills
 * `a` (free it with admission_fini) and returns 0, or -1 with `err` when
 * the datasets cannot be held (no memfd: 71 is not it, EX_OSERR).
 */
int candidate_admit(struct candidate *c, const struct profile *p,
		    enum admission_extent extent, struct admission *a,
		    struct pt_err *err);

/* One run in progress (pipeline.c owns it). */
struct run_ctx {
	const struct pipeline_opts *o;
	struct pipeline_product *out;
	struct report *r;
	struct sbuf log;    /* run.log: facts that differ per run */
	struct sbuf timing; /* times and sizes, for run.log when allowed */
	struct candidate cand;
	struct exec_outcome ex; /* once stage_execute ran the script */
	bool executed;
	bool custodian; /* some dataset is the custodian's real data */
};

/* The stages as the pipeline runs them.  Each returns 0 to go on, 1 when
 * the run stops with a report (a refusal), or -1 with `err` when no report
 * can be made. */
int stage_intake(struct run_ctx *c, struct pt_err *err);
int stage_admission(struct run_ctx *c, struct pt_err *err);
int stage_execute(struct run_ctx *c, struct pt_err *err);

/*
 * The output stage: check every output of `res` against the profile,
 * apply mitigations and add each released file to `files` (outputs/ when
 * it passed, review/ when a person must judge it); record each output,
 * its checks and the findings in `r`.  Nothing is released when the run
 * as a whole failed, and an output whose name another output already has
 * (case does not count) is withheld.
 */
void stage_outputs(struct report *r, const struct manifest *m,
		   const struct profile *p, const struct run_results *res,
		   struct outset *files);

/* run.log's part for what the script printed: `raw` as the sandbox kept
 * it, escaped again (textsafe.h), and a mark when the log cap cut it. */
void runlog_add_script_log(struct sbuf *log, const char *raw, size_t n,
			   bool truncated);

#endif
