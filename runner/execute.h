/*
 * execute.h - the execution stage: turn manifest, profile and bundle into a
 * sandbox policy and a Lua box configuration, run the entry script, and
 * collect what came back.
 */
#ifndef PROEFTUIN_EXECUTE_H
#define PROEFTUIN_EXECUTE_H

#include <stdint.h>

#include "bundle.h"
#include "manifest.h"
#include "profile.h"
#include "results.h"
#include "sandbox.h"

struct exec_input {
	const struct manifest *manifest;
	const struct profile *profile;
	const struct bundle *bundle;
	/* One descriptor per manifest dataset, in manifest order: the hashed
	 * bytes (sample or custodian) the script may read. */
	const int *dataset_fds;
	const char *const *dataset_sources;
	const char *const *dataset_sha256; /* of those bytes, hex */
	int64_t clock;			   /* SOURCE_DATE_EPOCH, or 0 */
	bool compile_only; /* compile every script, run none, read no data */
	/* Called about four times a second while the script runs, with how
	 * far the child has read into a dataset (its file offset, which the
	 * parent shares); for a terminal only, never for a report. */
	void (*progress)(void *arg, const char *dataset, uint64_t pos,
			 uint64_t size);
	void *progress_arg;
};

struct exec_outcome {
	struct sbx_result sbx;
	struct run_results results;
	uint64_t seed; /* what math.random was seeded with */
};

/* Run the entry script.  Returns 0 when the child ran (whatever its end
 * class), -1 with `err` when the sandbox could not be set up. */
int execute_run(const struct exec_input *in, struct exec_outcome *out,
		struct pt_err *err);
void exec_outcome_fini(struct exec_outcome *out);

#endif
