/*
 * disclosure.h - output checking: the disclosure rules applied to every
 * output, the mitigations (suppression) applied to what is released, and
 * the released CSV itself.
 */
#ifndef PROEFTUIN_DISCLOSURE_H
#define PROEFTUIN_DISCLOSURE_H

#include <stdbool.h>

#include "manifest.h"
#include "profile.h"
#include "report.h"
#include "results.h"

struct checked_output {
	enum status status;
	struct jv *checks; /* array of {rule, parameters, status, cells_flagged,
			      cells, detail} */
	struct sbuf released;  /* the file's bytes, after mitigation */
	const char *extension; /* "csv" or "txt" */
	bool withheld;	       /* status fail: nothing is released */
	char *mitigation;      /* "none", "suppressed", ... */
};

/* Apply every rule of the profile to `o`. */
void disclosure_check(const struct output *o, const struct profile *p,
		      struct checked_output *co);
void checked_output_fini(struct checked_output *co);

/* Deterministic number text: integers without a fraction, other values in
 * the shortest form that reads back to the same double. */
void format_number(double v, char *buf, size_t len);
/* Append one CSV field, quoted when needed, and neutralise spreadsheet
 * formulas (a leading = + - @ tab or CR gets a leading apostrophe). */
void csv_field(struct sbuf *out, const char *s);

#endif
