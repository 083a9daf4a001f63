/*
 * pipeline.h - one run of a bundle, stage by stage: intake, admission,
 * sandboxed execution, output checks, report.  The result is held in memory
 * (the report files and run.log) so that `run` writes it and `verify` can
 * compare it.
 */
#ifndef PROEFTUIN_PIPELINE_H
#define PROEFTUIN_PIPELINE_H

#include <stdbool.h>

#include "outdir.h"
#include "profile.h"
#include "report.h"

struct pipeline_opts {
	const char *bundle_path;
	const struct profile *profile;
	bool have_date;
	long long source_date_epoch;
	/* Progress for a terminal (execute.h); NULL for none. */
	void (*progress)(void *arg, const char *dataset, uint64_t pos,
			 uint64_t size);
	void *progress_arg;
};

struct pipeline_product {
	struct report report;
	/* report.json, report.md, report.html, outputs/ (released),
	 * review/ (held for the advisor), SHA256SUMS, run.log */
	struct outset files;
	enum status verdict;
	/* A message for the console about how the script ended, or NULL. */
	char *console_note;
};

/*
 * Run the bundle.  Returns 0 when a report was produced (whatever its
 * verdict), -1 with `err` when no report can be produced (bundle missing:
 * 66; isolation unavailable: 71; internal error: 70).
 */
int pipeline_run(const struct pipeline_opts *o, struct pipeline_product *out,
		 struct pt_err *err);
void pipeline_product_fini(struct pipeline_product *out);

#endif
