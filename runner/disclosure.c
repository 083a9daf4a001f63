/*
 * disclosure.c - output checking; see disclosure.h.
 *
 * What a script can publish from the data API was protected before it
 * saw it (sandbox/lua/protect.h): cells withheld, counts and sums rounded,
 * every answer audited against the others.  This file is the second line
 * and the rules on everything else, the same for every table:
 *   1. rules on the shape (name, rows read first, grants, identifiers,
 *      rows, free text, finite numbers);
 *   2. for tables of the runner, the primary rules again on every
 *      released cell with the same code (sandbox/lua/sdc.h): a cell that
 *      breaks one means the sandbox and this check disagree, and the
 *      output fails closed; rules whose action is review flag cells;
 *   3. custom tables (built by the script) have no evidence: a person
 *      checks every cell, and a row labelled as a total is flagged;
 *   4. the released file is rendered and its size checked.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "disclosure.h"
#include "json.h"
#include "textsafe.h"

/* Column names that are identifiers whatever the profile says (R13). */
static const char *const builtin_identifiers[] = {
	"bsn",	    "rinpersoon", "rinadres",	 "beid",      "patient_id",
	"kenteken", "mac",	  "mac_address", "device_id", "imei",
	"imsi",	    "ip_address", "email",	 "phone",
};

void
format_number(double v, char *buf, size_t len)
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, v < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (v == 0) {
		snprintf(buf, len, "0");
		return;
	}
	if (fabs(v) < 9007199254740992.0 && v == floor(v)) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void
csv_field(struct sbuf *out, const char *s)
{
	struct sbuf clean = SBUF_INIT;
	const char *p;
	bool formula, quote;

	text_clean(&clean, s, strlen(s), (size_t)-1, false);
	p = clean.buf != NULL ? clean.buf : "";
	/* Tab and CR are already gone (text_clean); = + - @ start formulas in
	 * every common spreadsheet. */
	formula = p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@';
	quote = formula || strpbrk(p, ",\"") != NULL;
	if (!quote) {
		sbuf_adds(out, p);
		sbuf_free(&clean);
		return;
	}
	sbuf_addc(out, '"');
	if (formula)
		sbuf_addc(out, '\'');
	for (; *p != '\0'; p++) {
		if (*p == '"')
			sbuf_addc(out, '"');
		sbuf_addc(out, *p);
	}
	sbuf_addc(out, '"');
	sbuf_free(&clean);
}

bool
disclosure_is_total_label(const char *s)
{
	static const char *const labels[] = { "total", "all", "totaal",
					      "overall", "grand total" };
	size_t i;

	for (i = 0; i < PT_ARRAY_LEN(labels); i++)
		if (strcasecmp(s, labels[i]) == 0)
			return true;
	return false;
}

static const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- checks ------------------------------------------------------------ */

/* One check being filled in: its JSON object and the cells it flagged. */
struct check {
	struct jv *obj;
	struct jv *cells;
	size_t nflagged;
};

static enum status
action_status(enum rule_action a)
{
	return a == ACTION_FAIL	    ? STATUS_FAIL
	       : a == ACTION_REVIEW ? STATUS_REVIEW
				    : STATUS_PASS;
}

static void
check_begin(struct check *k, const char *rule, const char *ref,
	    const char *title)
{
	k->obj = jv_obj();
	k->cells = jv_arr();
	k->nflagged = 0;
	jv_set_str(k->obj, "rule", rule);
	jv_set_str(k->obj, "ref", ref);
	jv_set_str(k->obj, "title", title);
	jv_set(k->obj, "parameters", jv_obj());
}

static void
check_param(struct check *k, const char *key, int64_t v)
{
	jv_set_int(jv_get(k->obj, "parameters"), key, v);
}

static void
check_param_str(struct check *k, const char *key, const char *v)
{
	jv_set_str(jv_get(k->obj, "parameters"), key, v);
}

static void
check_flag(struct check *k, size_t row, size_t col)
{
	if (k->nflagged < DISCLOSURE_MAX_LISTED_CELLS) {
		struct jv *c = jv_obj();

		jv_set_int(c, "row", (int64_t)row);
		jv_set_int(c, "column", (int64_t)col);
		jv_push(k->cells, c);
	}
	k->nflagged++;
}

/* Close the check with its status, plain-words detail and action taken,
 * and fold it into the output. */
static void check_end(struct checked_output *co, struct check *k,
		      enum status st, const char *action, const char *fmt, ...)
    PT_PRINTF(5, 6);

static void
check_end(struct checked_output *co, struct check *k, enum status st,
	  const char *action, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	jv_set_str(k->obj, "status", status_name(st));
	jv_set_str(k->obj, "detail", sb.buf != NULL ? sb.buf : "");
	jv_set_str(k->obj, "action", action);
	jv_set_int(k->obj, "cells_flagged", (int64_t)k->nflagged);
	jv_set(k->obj, "cells", k->cells);
	jv_push(co->checks, k->obj);
	if (st > co->status)
		co->status = st;
	k->obj = NULL;
	k->cells = NULL;
	sbuf_free(&sb);
}

/* ---- tables ------------------------------------------------------------ */

static bool
is_magnitude(const struct output *o)
{
	return strcmp(o->statistic, "sum") == 0 ||
	       strcmp(o->statistic, "mean") == 0;
}

static bool
is_count(const struct output *o)
{
	return strcmp(o->statistic, "count") == 0;
}

static bool
in_list_ci(char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

static bool
is_identifier(const struct profile *p, const char *col)
{
	size_t i;

	for (i = 0; i < p->ndatasets; i++)
		if (in_list_ci(p->datasets[i].identifiers,
			       p->datasets[i].nidentifiers, col))
			return true;
	for (i = 0; i < PT_ARRAY_LEN(builtin_identifiers); i++)
		if (strcasecmp(builtin_identifiers[i], col) == 0)
			return true;
	return false;
}

/* R20: a table computed by the runner names its dataset and columns; each
 * must be granted.  The data API already stops a run that reads a column
 * that is not granted; this is the second line. */
static void
rule_column_grants(const struct output *o, const struct profile *p,
		   struct checked_output *co)
{
	const struct profile_dataset *pd =
	    o->dataset[0] != '\0' ? profile_dataset(p, o->dataset) : NULL;
	struct check k;
	struct sbuf bad = SBUF_INIT;
	size_t c;

	check_begin(&k, "column_grants", "R20",
		    "built only from granted datasets and columns");
	check_param_str(&k, "dataset", o->dataset);
	if (o->dataset[0] == '\0') {
		check_end(co, &k, o->has_evidence ? STATUS_REVIEW : STATUS_PASS,
			  "none",
			  o->has_evidence
			      ? "the table does not say which dataset it "
				"came from; a person must check it"
			      : "custom table: not traceable to a dataset "
				"(see the evidence rule)");
		return;
	}
	if (pd == NULL || pd->access == ACCESS_NONE) {
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "the dataset is not granted by the profile");
		return;
	}
	for (c = 0; c < o->ncols; c++) {
		bool key = c < o->nkeys;

		if (!key || !o->has_evidence)
			continue;
		if (in_list_ci(pd->columns, pd->ncolumns, o->cols[c]))
			continue;
		check_flag(&k, 0, c);
		sbuf_printf(&bad, "%s%s", bad.len ? ", " : "", o->cols[c]);
	}
	if (o->value_column[0] != '\0' &&
	    !in_list_ci(pd->columns, pd->ncolumns, o->value_column))
		sbuf_printf(&bad, "%s%s", bad.len ? ", " : "", o->value_column);
	if (bad.len > 0)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "built from columns the profile does not grant: %s",
			  bad.buf);
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "every grouping and value column is granted");
	sbuf_free(&bad);
}

/* R13: identifier columns never leave, whatever produced them. */
static void
rule_identifiers(const struct output *o, const struct profile *p,
		 struct checked_output *co)
{
	struct check k;
	struct sbuf names = SBUF_INIT;
	size_t c;

	check_begin(&k, "identifiers", "R13", "no identifier columns");
	for (c = 0; c < o->ncols; c++) {
		if (!is_identifier(p, o->cols[c]) &&
		    !(o->value_column[0] != '\0' && c == o->nkeys &&
		      is_identifier(p, o->value_column)))
			continue;
		check_flag(&k, 0, c);
		sbuf_printf(&names, "%s%s", names.len ? ", " : "", o->cols[c]);
	}
	if (names.len > 0)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "identifier columns in the output: %s", names.buf);
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "no column is an identifier of the profile or a "
			  "well-known identifier");
	sbuf_free(&names);
}

static void
rule_max_rows(const struct output *o, const struct profile *p,
	      struct checked_output *co)
{
	struct check k;

	check_begin(&k, "max_rows", "R15", "row cap");
	check_param(&k, "max_rows", p->disclosure.max_rows);
	check_param(&k, "rows", (int64_t)o->nrows);
	if ((int64_t)o->nrows > p->disclosure.max_rows)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "%zu %s, more than the profile allows", o->nrows,
			  plural(o->nrows, "row", "rows"));
	else
		check_end(co, &k, STATUS_PASS, "none", "%zu %s, within the cap",
			  o->nrows, plural(o->nrows, "row", "rows"));
}

/* R16: long strings in a table are free text, which a person reads. */
static void
rule_cell_text(const struct output *o, struct checked_output *co)
{
	struct check k;
	size_t r, c;

	check_begin(&k, "free_text", "R16", "no free text in cells");
	check_param(&k, "max_cell_text", DISCLOSURE_MAX_CELL_TEXT);
	for (r = 0; r < o->nrows; r++)
		for (c = 0; c < o->ncols; c++) {
			const struct out_cell *cell =
			    &o->cells[r * o->ncols + c];

			if (cell->kind == CELL_STR &&
			    strlen(cell->str) > DISCLOSURE_MAX_CELL_TEXT) {
				check_flag(&k, r, c);
				co->marks[r * o->ncols + c] |= MARK_FLAGGED;
			}
		}
	if (k.nflagged > 0)
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "%zu %s text longer than %d characters; a person "
			  "must read it",
			  k.nflagged,
			  plural(k.nflagged, "cell holds", "cells hold"),
			  DISCLOSURE_MAX_CELL_TEXT);
	else
		check_end(co, &k, STATUS_PASS, "none", "no long text in cells");
}

static void
flag_row(const struct output *o, struct checked_output *co, size_t r,
	 struct check *k, bool mark)
{
	size_t c;

	for (c = o->nkeys; c < o->ncols; c++) {
		check_flag(k, r, c);
		if (mark)
			co->marks[r * o->ncols + c] |= MARK_FLAGGED;
	}
}

static enum sdc_stat
stat_of(const struct output *o)
{
	return is_count(o)			  ? SDC_COUNT
	       : strcmp(o->statistic, "sum") == 0 ? SDC_SUM
						  : SDC_MEAN;
}

/*
 * The engine in the sandbox already applied the primary rules before the
 * script saw an answer (sandbox/lua/protect.h), with the same code (sdc.h):
 * a released cell that breaks one here means the two disagree, and the
 * output fails closed.
 */
static void
disagree(struct checked_output *co, struct check *k, size_t n, const char *what)
{
	check_end(co, k, STATUS_FAIL, "withheld",
		  "%zu released %s %s; the sandbox should have withheld %s, "
		  "so the output is withheld",
		  n, plural(n, "cell", "cells"), what, plural(n, "it", "them"));
}

/* R1: contributors per cell (non-zero values for sums and means). */
static void
rule_min_cell(const struct output *o, const struct profile *p,
	      const struct sdc_params *sp, struct checked_output *co)
{
	struct check k;
	size_t r;

	check_begin(&k, "min_cell", "R1", "minimum contributors per cell");
	check_param(&k, "min_cell", p->disclosure.min_cell);
	for (r = 0; r < o->nrows; r++)
		if (!co->total_row[r] &&
		    sdc_below_threshold(sp, stat_of(o), &o->evidence[r]))
			flag_row(o, co, r, &k, true);
	if (k.nflagged > 0)
		disagree(co, &k, k.nflagged, "below the threshold");
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "every published cell has at least %lld "
			  "contributors%s",
			  (long long)p->disclosure.min_cell,
			  is_count(o) ? "" : " (non-zero values)");
}

/* R6, R8: negative contributions and missing values, per the profile. */
static void
rule_evidence_count(const struct output *o, struct checked_output *co,
		    const char *rule, const char *ref, const char *title,
		    enum rule_action action, bool negatives)
{
	struct check k;
	size_t r, rows = 0;
	enum status st = action_status(action);

	check_begin(&k, rule, ref, title);
	check_param_str(&k, "action", rule_action_name(action));
	for (r = 0; r < o->nrows && !is_count(o); r++) {
		uint64_t n = negatives ? o->evidence[r].negatives
				       : o->evidence[r].missing;

		if (co->total_row[r] || n == 0)
			continue;
		flag_row(o, co, r, &k, st != STATUS_PASS);
		rows++;
	}
	if (rows == 0) {
		check_end(co, &k, STATUS_PASS, "none", "none found");
		return;
	}
	if (st == STATUS_FAIL) {
		disagree(co, &k, rows,
			 negatives ? "with negative contributions"
				   : "with missing values");
		return;
	}
	check_end(co, &k, st, st == STATUS_REVIEW ? "flagged" : "none",
		  negatives ? "%zu %s negative contributions"
			    : "%zu %s missing values that were left out of the "
			      "statistic",
		  rows, plural(rows, "row includes", "rows include"));
}

/* R7: a published zero can disclose that nobody in a group has a
 * property. */
static void
rule_zeros(const struct output *o, const struct profile *p,
	   struct checked_output *co)
{
	struct check k;
	enum status st = action_status(p->disclosure.zeros);
	size_t r, c;

	check_begin(&k, "zeros", "R7", "zero cells");
	check_param_str(&k, "action", rule_action_name(p->disclosure.zeros));
	for (r = 0; r < o->nrows; r++) {
		if (co->total_row[r])
			continue;
		for (c = o->nkeys; c < o->ncols; c++) {
			size_t i = r * o->ncols + c;

			if (o->cells[i].kind != CELL_NUM ||
			    o->cells[i].num != 0)
				continue;
			check_flag(&k, r, c);
			if (st != STATUS_PASS)
				co->marks[i] |= MARK_FLAGGED;
		}
	}
	if (k.nflagged == 0) {
		check_end(co, &k, STATUS_PASS, "none",
			  "no published cell is zero");
		return;
	}
	if (st == STATUS_FAIL) {
		disagree(co, &k, k.nflagged, "of zero");
		return;
	}
	check_end(co, &k, st, st == STATUS_REVIEW ? "flagged" : "none",
		  "%zu published %s zero; a zero can show that nobody in a "
		  "group has a property",
		  k.nflagged, plural(k.nflagged, "cell is", "cells are"));
}

/* R4 and R5, on absolute values. */
static void
rule_dominance(const struct output *o, const struct profile *p,
	       struct checked_output *co)
{
	const struct profile_disclosure *d = &p->disclosure;
	struct check nk, pp;
	size_t r;

	check_begin(&nk, "dominance", "R4", "dominance (n, k)");
	check_param(&nk, "n", d->dominance_n);
	check_param(&nk, "k_percent", d->dominance_k);
	check_begin(&pp, "p_percent", "R5", "p% rule");
	check_param(&pp, "p_percent", d->p_percent);
	if (!is_magnitude(o)) {
		check_end(co, &nk, STATUS_PASS, "none",
			  "applies to sums and means; this table is a %s",
			  o->statistic);
		check_end(co, &pp, STATUS_PASS, "none",
			  "applies to sums and means; this table is a %s",
			  o->statistic);
		return;
	}
	for (r = 0; r < o->nrows; r++) {
		const struct sdc_evidence *e = &o->evidence[r];

		if (co->total_row[r] || !(e->abs_sum > 0))
			continue;
		if (sdc_dominated(d->dominance_n, d->dominance_k,
				  sdc_top_sum(e, d->dominance_n), e->abs_sum))
			flag_row(o, co, r, &nk, true);
		else if (sdc_p_violated(
			     d->p_percent, e->ntop > 0 ? e->top[0] : 0,
			     e->ntop > 1 ? e->top[1] : 0, e->abs_sum))
			flag_row(o, co, r, &pp, true);
	}
	if (nk.nflagged > 0)
		disagree(co, &nk, nk.nflagged, "dominated by a few values");
	else
		check_end(co, &nk, STATUS_PASS, "none",
			  "no cell is dominated by its %lld largest "
			  "contributions (absolute values)",
			  (long long)d->dominance_n);
	if (pp.nflagged > 0)
		disagree(co, &pp, pp.nflagged,
			 "letting one contributor estimate another");
	else
		check_end(co, &pp, STATUS_PASS, "none",
			  "no cell lets a contributor estimate another to "
			  "within %lld%%",
			  (long long)d->p_percent);
}

/* Primary rules on one table: everything that needs only the table. */
/* Every number must be finite: an overflowed sum (Infinity) or a NaN
 * makes the magnitude rules compare nothing, so such a table fails closed
 * rather than pass unchecked. */
static void
rule_finite(const struct output *o, struct checked_output *co)
{
	struct check k;
	size_t r, c;

	check_begin(&k, "finite", "R19", "every number is finite");
	for (r = 0; r < o->nrows; r++) {
		const struct sdc_evidence *e =
		    o->has_evidence ? &o->evidence[r] : NULL;
		bool bad_row =
		    e != NULL && (!isfinite(e->sum) || !isfinite(e->abs_sum));

		for (c = 0; c < o->ncols; c++) {
			const struct out_cell *cell =
			    &o->cells[r * o->ncols + c];

			if ((cell->kind == CELL_NUM && !isfinite(cell->num)) ||
			    (bad_row && c >= o->nkeys))
				check_flag(&k, r, c);
		}
	}
	if (k.nflagged > 0)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "%zu %s not a finite number (an overflow or NaN): "
			  "the disclosure rules cannot judge them",
			  k.nflagged,
			  plural(k.nflagged, "cell is", "cells are"));
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "every number is finite");
}

static void
check_table_primary(const struct output *o, const struct profile *p,
		    struct checked_output *co)
{
	size_t ncells = o->nrows * o->ncols, r, c;
	struct sdc_params sp;
	struct check k;

	co->extension = "csv";
	co->marks = xcalloc(ncells ? ncells : 1, sizeof(*co->marks));
	co->total_row = xcalloc(o->nrows ? o->nrows : 1, sizeof(bool));
	/* A key "Total" in a table of the runner is a value of the data. */
	for (r = 0; r < o->nrows && !o->has_evidence; r++)
		for (c = 0; c < o->nkeys; c++) {
			const struct out_cell *cell =
			    &o->cells[r * o->ncols + c];

			if (cell->kind == CELL_STR &&
			    disclosure_is_total_label(cell->str))
				co->total_row[r] = true;
		}
	rule_column_grants(o, p, co);
	rule_identifiers(o, p, co);
	rule_max_rows(o, p, co);
	rule_cell_text(o, co);
	rule_finite(o, co);
	check_begin(&k, "evidence", "R19", "evidence behind every cell");
	if (!o->has_evidence) {
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "custom table without evidence: the minimum, "
			  "dominance and p%% rules cannot be applied and a "
			  "person must check every cell");
		return;
	}
	check_end(co, &k, STATUS_PASS, "none",
		  "computed by the runner (%s) with evidence for every cell",
		  o->statistic);
	disclosure_params(p, &sp);
	rule_min_cell(o, p, &sp, co);
	rule_evidence_count(o, co, "negatives", "R6", "negative contributions",
			    p->disclosure.negatives, true);
	rule_evidence_count(o, co, "missing", "R8", "missing values",
			    p->disclosure.missing, false);
	rule_dominance(o, p, co);
	rule_zeros(o, p, co);
}

/* Step 3: a total row in a custom table cannot be checked against its
 * cells: a person looks at it. */
static void
rule_margins(const struct output *o, struct checked_output *co)
{
	struct check k;
	size_t t, ntotal = 0;

	for (t = 0; t < o->nrows; t++)
		ntotal += co->total_row[t];
	check_begin(&k, "margins", "R3", "totals in custom tables");
	if (ntotal == 0) {
		check_end(co, &k, STATUS_PASS, "none",
			  o->has_evidence ? "a table of the runner has no "
					    "total rows of the script's"
					  : "the table has no total rows");
		return;
	}
	for (t = 0; t < o->nrows; t++)
		if (co->total_row[t])
			flag_row(o, co, t, &k, true);
	check_end(co, &k, STATUS_REVIEW, "flagged",
		  "%zu total %s in a custom table cannot be checked against "
		  "its cells",
		  ntotal, plural(ntotal, "row", "rows"));
}

/*
 * Step 5: counts and sums are published rounded to the profile's base.
 * The sandbox already rounded what the script read; this rounds recomputed
 * totals and is a second line for the rest.  Which cells changed is not
 * reported: a cell marked unchanged would be known exactly.
 */
static void
round_values(const struct output *o, const struct profile *p,
	     struct checked_output *co)
{
	int64_t base = p->disclosure.round_to;
	struct check k;
	size_t i;

	check_begin(&k, "rounding", "R2", "counts and sums rounded");
	check_param(&k, "round_to", base);
	if (!o->has_evidence || base <= 1 ||
	    strcmp(o->statistic, "mean") == 0) {
		check_end(co, &k, STATUS_PASS, "none",
			  base <= 1 ? "the profile asks for no rounding"
			  : o->has_evidence
			      ? "a mean is published from the rounded sum and "
				"count, so it cannot undo their rounding"
			      : "applies to counts and sums computed by the "
				"runner");
		return;
	}
	for (i = 0; i < o->nrows * o->ncols; i++) {
		const struct out_cell *c = &o->cells[i];

		if (i % o->ncols >= o->nkeys && c->kind == CELL_NUM &&
		    sdc_round(c->num, base) != c->num)
			check_flag(&k, i / o->ncols, i % o->ncols);
	}
	if (k.nflagged > 0) {
		disagree(co, &k, k.nflagged, "not rounded to the base");
		return;
	}
	co->rounded = true;
	check_end(co, &k, STATUS_PASS, "rounded",
		  "every %s is published as a multiple of %lld",
		  is_count(o) ? "count" : "sum", (long long)base);
}

/* The text of a released cell (CSV and preview share it). */
static void
cell_text(const struct output *o, const struct checked_output *co, size_t r,
	  size_t c, struct sbuf *out, bool csv)
{
	size_t i = r * o->ncols + c;
	const struct out_cell *cell = &o->cells[i];
	char num[64];

	(void)co;
	if (cell->kind == CELL_STR) {
		if (csv)
			csv_field(out, cell->str);
		else
			text_clean(out, cell->str, strlen(cell->str),
				   DISCLOSURE_MAX_NAME, false);
	} else if (cell->kind == CELL_NUM) {
		format_number(cell->num, num, sizeof(num));
		sbuf_adds(out, num);
	}
}

static void
render_table(const struct output *o, struct checked_output *co)
{
	size_t r, c;

	for (c = 0; c < o->ncols; c++) {
		if (c > 0)
			sbuf_addc(&co->released, ',');
		csv_field(&co->released, o->cols[c]);
	}
	sbuf_addc(&co->released, '\n');
	for (r = 0; r < o->nrows; r++) {
		for (c = 0; c < o->ncols; c++) {
			if (c > 0)
				sbuf_addc(&co->released, ',');
			cell_text(o, co, r, c, &co->released, true);
		}
		sbuf_addc(&co->released, '\n');
	}
}

static const char *
mark_name(uint8_t m)
{
	if (m & MARK_FLAGGED)
		return "flagged";
	return NULL;
}

/* A bounded view of the released table, with each cell's mark, for the
 * report's per-output table. */
static void
build_preview(const struct output *o, struct checked_output *co)
{
	struct jv *pv = jv_obj(), *cols = jv_arr(), *rows = jv_arr();
	struct jv *marks = jv_arr();
	size_t r, c;
	size_t shown =
	    o->nrows < REPORT_PREVIEW_ROWS ? o->nrows : REPORT_PREVIEW_ROWS;
	size_t cols_shown =
	    o->ncols < REPORT_PREVIEW_COLS ? o->ncols : REPORT_PREVIEW_COLS;

	for (c = 0; c < cols_shown; c++) {
		char *name =
		    text_clean_dup(o->cols[c], DISCLOSURE_MAX_NAME, false);

		jv_push(cols, jv_str(name));
		free(name);
	}
	for (r = 0; r < shown; r++) {
		struct jv *row = jv_arr();

		for (c = 0; c < cols_shown; c++) {
			struct sbuf sb = SBUF_INIT;
			const char *m = mark_name(co->marks[r * o->ncols + c]);

			cell_text(o, co, r, c, &sb, false);
			jv_push(row, jv_str(sb.buf != NULL ? sb.buf : ""));
			sbuf_free(&sb);
			if (m != NULL) {
				struct jv *mk = jv_obj();

				jv_set_int(mk, "row", (int64_t)r);
				jv_set_int(mk, "column", (int64_t)c);
				jv_set_str(mk, "mark", m);
				jv_push(marks, mk);
			}
		}
		jv_push(rows, row);
	}
	jv_set(pv, "columns", cols);
	jv_set_int(pv, "keys", (int64_t)o->nkeys);
	jv_set(pv, "rows", rows);
	jv_set(pv, "marks", marks);
	jv_set_int(pv, "rows_shown", (int64_t)shown);
	jv_set_int(pv, "rows_total", (int64_t)o->nrows);
	jv_set_int(pv, "columns_shown", (int64_t)cols_shown);
	jv_set_int(pv, "columns_total", (int64_t)o->ncols);
	co->preview = pv;
}

static void
set_mitigation(struct checked_output *co, int64_t base)
{
	struct sbuf sb = SBUF_INIT;

	if (co->rounded)
		sbuf_printf(&sb, "%srounded to base %lld", sb.len ? ", " : "",
			    (long long)base);
	free(co->mitigation);
	co->mitigation = sb.len > 0 ? sbuf_steal(&sb) : xstrdup("none");
	sbuf_free(&sb);
}

static void
rule_size(struct checked_output *co)
{
	struct check k;

	check_begin(&k, "size", "R15", "file size cap");
	check_param(&k, "max_bytes", DISCLOSURE_MAX_OUTPUT_BYTES);
	check_param(&k, "bytes", (int64_t)co->released.len);
	if (co->released.len > DISCLOSURE_MAX_OUTPUT_BYTES)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "the file is larger than %u bytes",
			  DISCLOSURE_MAX_OUTPUT_BYTES);
	else
		check_end(co, &k, STATUS_PASS, "none", "within the size cap");
}

static void
check_text(const struct output *o, struct checked_output *co)
{
	struct check k;
	size_t replaced;

	co->extension = "txt";
	check_begin(&k, "free_text", "R16", "free text");
	replaced = text_clean(&co->released, o->text, strlen(o->text),
			      (size_t)-1, true);
	check_param(&k, "characters_replaced", (int64_t)replaced);
	if (replaced > 0)
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "free text is always read by a person; %zu control "
			  "characters were replaced",
			  replaced);
	else
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "free text is always read by a person");
	rule_size(co);
	/* The advisor reads free text in the report itself. */
	co->preview = jv_obj();
	{
		char *shown =
		    text_clean_dup(o->text, REPORT_PREVIEW_TEXT, true);

		jv_set_str(co->preview, "text", shown);
		free(shown);
	}
	jv_set_int(co->preview, "bytes", (int64_t)strlen(o->text));
}

/* CON, PRN, AUX, NUL, COM1-9 and LPT1-9 (any case, with or without an
 * extension) cannot be files on Windows: a report folder copied there
 * would lose the output. */
static bool
reserved_on_windows(const char *name)
{
	static const char *const bare[] = { "con", "prn", "aux", "nul" };
	size_t n = strcspn(name, "."), i;

	for (i = 0; i < PT_ARRAY_LEN(bare); i++)
		if (n == 3 && strncasecmp(name, bare[i], 3) == 0)
			return true;
	return n == 4 &&
	       (strncasecmp(name, "com", 3) == 0 ||
		strncasecmp(name, "lpt", 3) == 0) &&
	       name[3] >= '1' && name[3] <= '9';
}

static void
check_name(const struct output *o, struct checked_output *co)
{
	struct check k;

	check_begin(&k, "output_name", "R14", "safe output name");
	if (!manifest_name_ok(o->name))
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "output names may use letters, digits, '_', '-' and "
			  "'.' only, 1 to 64 characters, without a leading "
			  "dot");
	else if (reserved_on_windows(o->name))
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "'%s' is a reserved device name on Windows, where "
			  "advisors often open report folders; choose another "
			  "name",
			  o->name);
	else
		check_end(co, &k, STATUS_PASS, "none", "usable as a file name");
}

/* R21: once a script has read rows (ds:rows), what it makes may carry
 * them, in the name and description as much as in the cells. */
static void
check_row_access(const struct output *o, struct checked_output *co)
{
	struct check k;

	check_begin(&k, "row_access", "R21", "made without reading rows");
	if (o->after_rows)
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "made after the script read rows: its name, "
			  "description and cells may carry values of rows, "
			  "so a person must read it");
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "made before the script read any rows");
	/* Which cells are withheld depends on the data (a group of 3 is
	 * withheld, an empty one is not there at all): a script that has
	 * seen a withheld answer can carry that into what it makes next. */
	check_begin(&k, "after_withheld", "R22",
		    "made before any answer was withheld");
	if (o->after_withheld)
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "made after the script was given an answer with "
			  "withheld cells: its existence, name and content "
			  "may depend on which cells were withheld, so a "
			  "person must judge it");
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "made before the script saw any withheld cell");
}

void
disclosure_note_answer(struct checked_output *co, const struct output *o,
		       const struct ledger_entry *q)
{
	struct check k;
	struct sbuf why = SBUF_INIT;
	uint32_t withheld = 0, flagged = 0;
	size_t i;

	if (o->kind != OUTPUT_TABLE || !o->has_evidence)
		return;
	check_begin(&k, "answer", "R1-R8", "the answer the script was given");
	check_param(&k, "query", o->query);
	for (i = 0; q != NULL && i < q->nwithheld; i++) {
		withheld += q->withheld[i].cells;
		sbuf_printf(&why, "%s%s %u", why.len ? ", " : "",
			    q->withheld[i].reason, q->withheld[i].cells);
	}
	for (i = 0; q != NULL && i < q->nflagged; i++)
		flagged += q->flagged[i].cells;
	if (q == NULL)
		check_end(co, &k, STATUS_FAIL, "withheld",
			  "the table names no query of the ledger");
	else if (withheld > 0)
		check_end(co, &k, STATUS_REVIEW, "suppressed",
			  "%u %s of the answer %s withheld before the script "
			  "saw it (%s); a person judges what is left",
			  withheld, plural(withheld, "cell", "cells"),
			  plural(withheld, "was", "were"), why.buf);
	else if (flagged > 0)
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "%u %s of the answer %s flagged for a person (see "
			  "the rules below)",
			  flagged, plural(flagged, "cell", "cells"),
			  plural(flagged, "is", "are"));
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "every cell of the answer passed the rules and the "
			  "auditor");
	sbuf_free(&why);
}

void
disclosure_params(const struct profile *p, struct sdc_params *out)
{
	static const enum sdc_action act[] = { [ACTION_PASS] = SDC_ACT_PASS,
					       [ACTION_REVIEW] = SDC_ACT_REVIEW,
					       [ACTION_FAIL] = SDC_ACT_FAIL };
	const struct profile_disclosure *d = &p->disclosure;

	out->min_cell = d->min_cell;
	out->round_to = d->round_to;
	out->dominance_n = d->dominance_n;
	out->dominance_k = d->dominance_k;
	out->p_percent = d->p_percent;
	out->zeros = act[d->zeros];
	out->negatives = act[d->negatives];
	out->missing = act[d->missing];
}

void
disclosure_check_all(const struct output *outs, size_t n,
		     const struct profile *p, struct checked_output *cos)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct output *o = &outs[i];
		struct checked_output *co = &cos[i];

		memset(co, 0, sizeof(*co));
		co->checks = jv_arr();
		co->mitigation = xstrdup("none");
		check_name(o, co);
		check_row_access(o, co);
		if (o->kind == OUTPUT_TEXT) {
			check_text(o, co);
		} else {
			check_table_primary(o, p, co);
			rule_margins(o, co);
			round_values(o, p, co);
			render_table(o, co);
			rule_size(co);
			build_preview(o, co);
			set_mitigation(co, p->disclosure.round_to);
		}
		co->withheld = co->status == STATUS_FAIL;
		if (co->withheld)
			sbuf_free(&co->released);
	}
}

void
disclosure_check(const struct output *o, const struct profile *p,
		 struct checked_output *co)
{
	disclosure_check_all(o, 1, p, co);
}

void
checked_output_fini(struct checked_output *co)
{
	jv_free(co->checks);
	jv_free(co->preview);
	sbuf_free(&co->released);
	free(co->mitigation);
	free(co->marks);
	free(co->total_row);
	memset(co, 0, sizeof(*co));
}
