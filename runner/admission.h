/*
 * admission.h - manifest x profile x bundle: may this experiment run?
 * The answer is a list of named checks, each pass or fail with a reason.
 */
#ifndef PROEFTUIN_ADMISSION_H
#define PROEFTUIN_ADMISSION_H

#include <stdbool.h>

#include "bundle.h"
#include "datasets.h"
#include "manifest.h"
#include "profile.h"

struct jv;

struct admission_check {
	char *name;    /* e.g. "purpose_permitted" */
	char *subject; /* dataset, column or file it is about, or "" */
	bool passed;
	bool attention; /* passed, but the team should look (check only) */
	char *reason;
};

struct admission {
	struct admission_check *v;
	size_t n;
	bool passed; /* every check passed */
};

/*
 * Run every check before execution (none stops early, so the team sees all
 * problems): purpose_permitted, entry_present, and per dataset
 * dataset_granted, dataset_file_present (sample) or custodian_data_readable
 * (custodian mode), dataset_header, column_granted or
 * identifier_not_requested, column_in_header, necessity_stated.  Headers
 * are read from `in` (datasets_open), the bytes the sandbox will read.
 */
void admission_run(const struct manifest *m, const struct profile *p,
		   const struct bundle *b, const struct dataset_inputs *in,
		   struct admission *out);
void admission_fini(struct admission *a);
/* The checks as a JSON array, in the order they ran. */
struct jv *admission_to_json(const struct admission *a);

/* Append a check; a failed one clears a->passed.  `attention` marks a
 * passed check the team should still look at. */
void admission_note(struct admission *a, const char *name, const char *subject,
		    bool passed, bool attention, const char *fmt, ...)
    PT_PRINTF(6, 7);

/*
 * What `check` can tell of the scripts without running them: every
 * [exception.NAME] should name an output some script writes (its name as
 * a string literal in a .lua file); one that no script names is an
 * attention item, with the nearest name a script does use.
 */
void admission_check_sources(const struct manifest *m, const struct bundle *b,
			     struct admission *a);

/* An empty, passing list, for admission_check_exceptions after a run. */
void admission_init(struct admission *a);

/*
 * The post-run rule: every [exception.NAME] in the manifest must name an
 * output the script actually produced (outputs are only known after the
 * run).  Appends one "exception_refers_to_output" check per exception to
 * `a` (clearing a->passed on a miss) and returns how many exceptions name
 * no output.
 */
size_t admission_check_exceptions(const struct manifest *m,
				  const char *const *outputs, size_t noutputs,
				  struct admission *a);

#endif
