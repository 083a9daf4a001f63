/*
 * admission.h - manifest x profile x bundle: may this experiment run?
 * The answer is a list of named checks, each pass or fail with a reason.
 */
#ifndef PROEFTUIN_ADMISSION_H
#define PROEFTUIN_ADMISSION_H

#include <stdbool.h>

#include "bundle.h"
#include "manifest.h"
#include "profile.h"

struct jv;

struct admission_check {
	char *name;    /* e.g. "purpose_permitted" */
	char *subject; /* dataset, column or file it is about, or "" */
	bool passed;
	char *reason;
};

struct admission {
	struct admission_check *v;
	size_t n;
	bool passed; /* every check passed */
};

/* Run every check (none stops early, so the team sees all problems). */
void admission_run(const struct manifest *m, const struct profile *p,
		   const struct bundle *b, struct admission *out);
void admission_fini(struct admission *a);
/* The checks as a JSON array, in the order they ran. */
struct jv *admission_to_json(const struct admission *a);

/* Read the header row of a CSV held in `f` (libcsv rules).  Returns the
 * number of columns, or -1 with a reason. */
int csv_read_header(int fd, char ***cols, const char **why);

#endif
