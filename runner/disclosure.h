/*
 * disclosure.h - output checking: the disclosure rules applied to every
 * output, the mitigations (suppression, rounding, recomputed totals) applied
 * to what is released, and the released file itself.
 *
 * Rules (IDs of research/privacy.md §3.2 in brackets): output_name [R14],
 * row_access [R21], column_grants [R20], identifiers [R13], max_rows and
 * size [R15], free_text [R16], finite and evidence [R19], min_cell [R1],
 * negatives [R6], missing [R8], dominance [R4], p_percent [R5], zeros [R7],
 * margins [R3], rounding [R2]; and answer, what the sandbox withheld from
 * the answer behind a table (disclosure_note_answer).  Every check records its
 * rule, parameters, the cells it flagged (row and column, 0-based, header
 * excluded), a status and what was done about it.  Statuses follow ACRO: fail
 * is a violation without mitigation, review is a mitigation applied or a
 * judgement needed, pass otherwise; an output's status is the worst of its
 * checks and a failed output is withheld.
 */
#ifndef PROEFTUIN_DISCLOSURE_H
#define PROEFTUIN_DISCLOSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"
#include "sdc.h"
#include "profile.h"
#include "report.h"
#include "results.h"

/*
 * Parameters the profile has no key for yet; named here so the profile can
 * take them over.
 */
/* Largest released file (OpenSAFELY LEVEL4_MAX_FILESIZE). */
#define DISCLOSURE_MAX_OUTPUT_BYTES (16u * 1024 * 1024)
/* Longest text in a table cell before it counts as free text (R16). */
#define DISCLOSURE_MAX_CELL_TEXT 80
/* Cells listed per check in the report; the count is always complete. */
#define DISCLOSURE_MAX_LISTED_CELLS 200
/* Longest output name or column name kept in the report. */
#define DISCLOSURE_MAX_NAME 200

/* Per-cell marks of a table, as released. */
enum cell_mark {
	MARK_FLAGGED = 1 << 0, /* released, but a person must look */
};

struct checked_output {
	enum status status;
	struct jv *checks;    /* array of {rule, ref, title, parameters, status,
				 cells_flagged, cells, detail, action} */
	struct jv *preview;   /* table preview for the report, or NULL */
	struct sbuf released; /* the file's bytes, after mitigation */
	const char *extension; /* "csv" or "txt" */
	bool withheld;	       /* status fail: nothing is released */
	char *mitigation;      /* "none", "suppressed, rounded to base 5" */
	/* Tables: marks, nrows x ncols. */
	uint8_t *marks;
	bool *total_row; /* nrows: a total row of a custom table */
	bool rounded;	 /* counts or sums published rounded */
};

/*
 * Check every output of one run against the profile and render the files
 * to release.  Across outputs there is nothing left to do here: the
 * sandbox audited every answer against every other before the script saw
 * it.  `cos` has room for `n` results.
 */
void disclosure_check_all(const struct output *outs, size_t n,
			  const struct profile *p, struct checked_output *cos);
/* The same for a single output. */
void disclosure_check(const struct output *o, const struct profile *p,
		      struct checked_output *co);
void checked_output_fini(struct checked_output *co);

/* Add what the sandbox withheld from the answer behind a runner table
 * (its ledger entry `q`, or NULL when none matches) as a check. */
void disclosure_note_answer(struct checked_output *co, const struct output *o,
			    const struct ledger_entry *q);

/* The profile's disclosure section as the rules of sdc.h take it. */
void disclosure_params(const struct profile *p, struct sdc_params *out);

/* True when a key cell names a margin: Total, All, Totaal (any case). */
bool disclosure_is_total_label(const char *s);

/* Deterministic number text: integers without a fraction, other values in
 * the shortest form that reads back to the same double. */
void format_number(double v, char *buf, size_t len);
/* Append one CSV field, quoted when needed, and neutralise spreadsheet
 * formulas (a leading = + - @ tab or CR gets a leading apostrophe).
 * The text is cleaned first (textsafe.h). */
void csv_field(struct sbuf *out, const char *s);
#endif
