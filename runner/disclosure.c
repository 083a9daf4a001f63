/*
 * disclosure.c - output checking; see disclosure.h.
 *
 * The order matters and is the same for every table:
 *   1. rules on the shape (name, grants, identifiers, rows);
 *   2. primary rules per cell from the evidence (min_cell, negatives,
 *      missing, zeros, dominance, p%), suppressing unsafe cells;
 *   3. across outputs: a cell of one table that totals cells of another
 *      table (same dataset, statistic and value column, fewer keys) is
 *      suppressed when any cell it covers is suppressed, repeated until
 *      nothing changes, so no difference of two outputs reveals a cell;
 *   4. margin rows the script published ("Total", "All") are recomputed
 *      from the released cells only, so a total never undoes a suppression;
 *   5. counts are rounded to the profile's base, totals included;
 *   6. the released file is rendered and its size checked.
 * This is the "keep v1 simple" secondary suppression of privacy.md §5:
 * recompute margins, over-suppress linked tables, and say so; optimal
 * secondary suppression is left to tau-ARGUS.
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
cell_suppressed(const struct checked_output *co, size_t i)
{
	return (co->marks[i] & (MARK_SUPPRESSED | MARK_SECONDARY)) != 0;
}

static bool
row_suppressed(const struct output *o, const struct checked_output *co,
	       size_t r)
{
	size_t c;

	for (c = o->nkeys; c < o->ncols; c++)
		if (cell_suppressed(co, r * o->ncols + c))
			return true;
	return false;
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

/* Suppress every value cell of row r with `mark`; returns cells newly
 * suppressed. */
static size_t
suppress_row(const struct output *o, struct checked_output *co, size_t r,
	     enum cell_mark mark, struct check *k)
{
	size_t c, n = 0;

	for (c = o->nkeys; c < o->ncols; c++) {
		size_t i = r * o->ncols + c;

		if (k != NULL)
			check_flag(k, r, c);
		if (cell_suppressed(co, i))
			continue;
		co->marks[i] |= (uint8_t)mark;
		n++;
	}
	return n;
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

/* R1: too few contributors; the cell is suppressed (review). */
static void
rule_min_cell(const struct output *o, const struct profile *p,
	      struct checked_output *co)
{
	struct check k;
	size_t r, rows = 0;

	check_begin(&k, "min_cell", "R1", "minimum contributors per cell");
	check_param(&k, "min_cell", p->disclosure.min_cell);
	for (r = 0; r < o->nrows; r++) {
		if (co->total_row[r] || (int64_t)o->evidence[r].contributors >=
					    p->disclosure.min_cell)
			continue;
		co->nsuppressed += suppress_row(o, co, r, MARK_SUPPRESSED, &k);
		rows++;
	}
	if (rows > 0)
		check_end(co, &k, STATUS_REVIEW, "suppressed",
			  "%zu %s fewer than %lld contributors and %s "
			  "suppressed",
			  rows, plural(rows, "row had", "rows had"),
			  (long long)p->disclosure.min_cell,
			  plural(rows, "its value was", "their values were"));
	else
		check_end(co, &k, STATUS_PASS, "none",
			  "every cell has at least %lld contributors",
			  (long long)p->disclosure.min_cell);
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
	for (r = 0; r < o->nrows; r++) {
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
	check_end(co, &k, st, st == STATUS_FAIL ? "withheld" : "flagged",
		  negatives ? "%zu %s negative contributions; the dominance "
			      "and p%% rules are undefined there"
			    : "%zu %s missing values that were left out of the "
			      "statistic",
		  rows, plural(rows, "row includes", "rows include"));
}

/* R7: a published zero can disclose that nobody in a group has a
 * property.  Cells already suppressed are protected and not counted. */
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
			bool zero = o->evidence[r].contributors == 0 ||
				    (o->cells[i].kind == CELL_NUM &&
				     o->cells[i].num == 0);

			if (!zero || cell_suppressed(co, i))
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
	check_end(co, &k, st, st == STATUS_FAIL ? "withheld" : "flagged",
		  "%zu published %s zero; a zero can show that nobody in a "
		  "group has a property",
		  k.nflagged, plural(k.nflagged, "cell is", "cells are"));
}

/* R4 and R5 on one row; true when the row is dominated. */
static bool
dominated(const struct out_evidence *e, int64_t n, int64_t k_pct,
	  bool *undecided)
{
	double top = n >= 2 ? e->top1 + e->top2 : e->top1;

	*undecided = false;
	if (top * 100.0 > (double)k_pct * e->total)
		return true;
	/* Evidence keeps the two largest contributions; for n > 2 the share
	 * of the n largest cannot be bounded from below. */
	*undecided = n > 2;
	return false;
}

static void
rule_dominance(const struct output *o, const struct profile *p,
	       struct checked_output *co)
{
	const struct profile_disclosure *d = &p->disclosure;
	struct check nk, pp;
	size_t r, nk_rows = 0, undecided_rows = 0, pp_rows = 0, skipped = 0;

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
		const struct out_evidence *e = &o->evidence[r];
		bool undecided;

		if (co->total_row[r] || row_suppressed(o, co, r))
			continue;
		if (e->negatives > 0 || !(e->total > 0)) {
			skipped++;
			continue;
		}
		if (dominated(e, d->dominance_n, d->dominance_k, &undecided)) {
			co->nsuppressed +=
			    suppress_row(o, co, r, MARK_SUPPRESSED, &nk);
			nk_rows++;
			continue;
		}
		if (undecided) {
			flag_row(o, co, r, &nk, true);
			undecided_rows++;
		}
		/* p%: the rest must hide the largest contribution to within
		 * p percent: (T - x1 - x2) >= p/100 * x1. */
		if ((e->total - e->top1 - e->top2) * 100.0 <
		    (double)d->p_percent * e->top1) {
			co->nsuppressed +=
			    suppress_row(o, co, r, MARK_SUPPRESSED, &pp);
			pp_rows++;
		}
	}
	if (nk_rows > 0 || undecided_rows > 0)
		check_end(co, &nk, STATUS_REVIEW,
			  nk_rows > 0 ? "suppressed" : "flagged",
			  "%zu %s dominated by the %lld largest "
			  "contributions (more than %lld%% of the total) and "
			  "suppressed; %zu %s not be decided from the two "
			  "largest contributions",
			  nk_rows, plural(nk_rows, "row was", "rows were"),
			  (long long)d->dominance_n, (long long)d->dominance_k,
			  undecided_rows,
			  plural(undecided_rows, "row could", "rows could"));
	else
		check_end(co, &nk, STATUS_PASS, "none",
			  "no cell is dominated by its %lld largest "
			  "contributions%s",
			  (long long)d->dominance_n,
			  skipped > 0 ? " (cells with negative or no "
					"contributions not evaluated)"
				      : "");
	if (pp_rows > 0)
		check_end(co, &pp, STATUS_REVIEW, "suppressed",
			  "%zu %s the second largest contributor estimate "
			  "the largest to within %lld%%; suppressed",
			  pp_rows,
			  plural(pp_rows, "row would let", "rows would let"),
			  (long long)d->p_percent);
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
		const struct out_evidence *e =
		    o->has_evidence ? &o->evidence[r] : NULL;
		bool bad_row =
		    e != NULL && (!isfinite(e->top1) || !isfinite(e->top2) ||
				  !isfinite(e->total));

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
	struct check k;

	co->extension = "csv";
	co->values = xcalloc(ncells ? ncells : 1, sizeof(*co->values));
	co->marks = xcalloc(ncells ? ncells : 1, sizeof(*co->marks));
	co->total_row = xcalloc(o->nrows ? o->nrows : 1, sizeof(bool));
	for (r = 0; r < o->nrows; r++)
		for (c = 0; c < o->ncols; c++) {
			const struct out_cell *cell =
			    &o->cells[r * o->ncols + c];

			co->values[r * o->ncols + c] = cell->num;
			if (c < o->nkeys && cell->kind == CELL_STR &&
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
	rule_min_cell(o, p, co);
	rule_evidence_count(o, co, "negatives", "R6", "negative contributions",
			    p->disclosure.negatives, true);
	rule_evidence_count(o, co, "missing", "R8", "missing values",
			    p->disclosure.missing, false);
	rule_dominance(o, p, co);
	rule_zeros(o, p, co);
}

static bool
cells_equal(const struct out_cell *a, const struct out_cell *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == CELL_STR)
		return strcmp(a->str, b->str) == 0;
	if (a->kind == CELL_NUM)
		return a->num == b->num;
	return true;
}

/*
 * When table `b` is `a` summed over some of a's keys (same dataset,
 * statistic and value column; b's keys a subset of a's), fill map[k] with
 * the column of a for b's key k and return true.
 */
static bool
linked(const struct output *a, const struct output *b, size_t *map)
{
	size_t k, j;

	if (a == b || !a->has_evidence || !b->has_evidence ||
	    a->dataset[0] == '\0' || strcmp(a->dataset, b->dataset) != 0 ||
	    strcmp(a->statistic, b->statistic) != 0 ||
	    strcmp(a->value_column, b->value_column) != 0 ||
	    b->nkeys > a->nkeys)
		return false;
	for (k = 0; k < b->nkeys; k++) {
		for (j = 0; j < a->nkeys; j++)
			if (strcmp(a->cols[j], b->cols[k]) == 0)
				break;
		if (j == a->nkeys)
			return false;
		map[k] = j;
	}
	return true;
}

/* Does row rb of b cover one of a's suppressed rows `sup[0..nsup)`? */
static bool
covers_suppressed(const struct output *a, const size_t *sup, size_t nsup,
		  const struct output *b, size_t rb, const size_t *map)
{
	size_t i, k;

	for (i = 0; i < nsup; i++) {
		for (k = 0; k < b->nkeys; k++)
			if (!cells_equal(&b->cells[rb * b->ncols + k],
					 &a->cells[sup[i] * a->ncols + map[k]]))
				break;
		if (k == b->nkeys)
			return true;
	}
	return false;
}

/* The suppressed rows of `a` (margin rows excluded) into `sup`. */
static size_t
suppressed_rows(const struct output *a, const struct checked_output *ca,
		size_t *sup)
{
	size_t r, n = 0;

	for (r = 0; r < a->nrows; r++)
		if (!ca->total_row[r] && row_suppressed(a, ca, r))
			sup[n++] = r;
	return n;
}

/* Step 3 of the file comment, to a fixed point: suppression only grows,
 * so this ends after at most one pass per suppressed cell.  Each pass
 * costs rows(b) x suppressed rows(a) per linked pair. */
static void
link_outputs(const struct output *outs, size_t n, struct checked_output *cos,
	     struct check *checks, char **linked_to)
{
	size_t *map = xcalloc(1024 + 1, sizeof(*map));
	bool changed = true;
	size_t a, b, rb;

	while (changed) {
		changed = false;
		for (a = 0; a < n; a++) {
			size_t *sup, nsup;

			if (cos[a].marks == NULL)
				continue;
			sup = xcalloc(outs[a].nrows + 1, sizeof(*sup));
			nsup = suppressed_rows(&outs[a], &cos[a], sup);
			for (b = 0; b < n && nsup > 0; b++) {
				if (cos[b].marks == NULL ||
				    outs[b].nkeys > 1024 ||
				    !linked(&outs[a], &outs[b], map))
					continue;
				for (rb = 0; rb < outs[b].nrows; rb++) {
					size_t got;

					if (cos[b].total_row[rb] ||
					    row_suppressed(&outs[b], &cos[b],
							   rb) ||
					    !covers_suppressed(&outs[a], sup,
							       nsup, &outs[b],
							       rb, map))
						continue;
					got = suppress_row(&outs[b], &cos[b],
							   rb, MARK_SECONDARY,
							   &checks[b]);
					cos[b].nsecondary += got;
					changed = changed || got > 0;
					if (linked_to[b] == NULL)
						linked_to[b] =
						    xstrdup(outs[a].name);
				}
			}
			free(sup);
		}
	}
	free(map);
}

/* Step 4: recompute margin rows from released cells only. */
static void
recompute_margins(const struct output *o, const struct profile *p,
		  struct checked_output *co)
{
	struct check k;
	size_t t, b, c, key, ntotal = 0, nchanged = 0;

	for (t = 0; t < o->nrows; t++)
		ntotal += co->total_row[t];
	check_begin(&k, "margins", "R3", "totals from published cells only");
	if (ntotal == 0) {
		check_end(co, &k, STATUS_PASS, "none",
			  "the table has no total rows");
		return;
	}
	if (!o->has_evidence) {
		for (t = 0; t < o->nrows; t++)
			if (co->total_row[t])
				flag_row(o, co, t, &k, true);
		check_end(co, &k, STATUS_REVIEW, "flagged",
			  "%zu total %s in a custom table cannot be checked "
			  "against its cells",
			  ntotal, plural(ntotal, "row", "rows"));
		return;
	}
	for (t = 0; t < o->nrows; t++) {
		uint64_t contributors = 0;

		if (!co->total_row[t])
			continue;
		for (c = o->nkeys; c < o->ncols; c++) {
			size_t i = t * o->ncols + c;
			double sum = 0, ev_total = 0, old = co->values[i];
			uint64_t ev_n = 0;

			contributors = 0;
			for (b = 0; b < o->nrows; b++) {
				size_t j = b * o->ncols + c;

				if (co->total_row[b] || cell_suppressed(co, j))
					continue;
				for (key = 0; key < o->nkeys; key++) {
					const struct out_cell *tk =
					    &o->cells[t * o->ncols + key];

					if (tk->kind == CELL_STR &&
					    disclosure_is_total_label(tk->str))
						continue;
					if (!cells_equal(
						tk,
						&o->cells[b * o->ncols + key]))
						break;
				}
				if (key < o->nkeys)
					continue;
				sum += co->values[j];
				ev_total += o->evidence[b].total;
				ev_n += o->evidence[b].contributors;
				contributors += o->evidence[b].contributors;
			}
			if (strcmp(o->statistic, "mean") == 0)
				co->values[i] =
				    ev_n > 0 ? ev_total / (double)ev_n : 0;
			else
				co->values[i] = sum;
			if (o->cells[i].kind != CELL_NUM ||
			    co->values[i] != old) {
				co->marks[i] |= MARK_RECOMPUTED;
				check_flag(&k, t, c);
				nchanged++;
				co->nrecomputed++;
			}
		}
		if ((int64_t)contributors < p->disclosure.min_cell)
			co->nsuppressed +=
			    suppress_row(o, co, t, MARK_SUPPRESSED, NULL);
	}
	if (nchanged > 0)
		check_end(co, &k, STATUS_REVIEW, "recomputed",
			  "%zu total %s recomputed from the published cells "
			  "only, so no total can reveal a suppressed cell",
			  nchanged, plural(nchanged, "cell was", "cells were"));
	else
		check_end(co, &k, STATUS_PASS, "recomputed",
			  "%zu total %s the sum of the published cells", ntotal,
			  plural(ntotal, "row matches", "rows match"));
}

/* Step 5: round counts to the profile's base, half away from zero. */
static void
round_counts(const struct output *o, const struct profile *p,
	     struct checked_output *co)
{
	int64_t base = p->disclosure.round_to;
	struct check k;
	size_t i;

	check_begin(&k, "rounding", "R2", "counts rounded");
	check_param(&k, "round_to", base);
	if (!o->has_evidence || !is_count(o) || base <= 1) {
		check_end(co, &k, STATUS_PASS, "none",
			  base <= 1
			      ? "the profile asks for no rounding"
			      : "applies to counts computed by the runner");
		return;
	}
	for (i = 0; i < o->nrows * o->ncols; i++) {
		double v = co->values[i], rv;

		if (i % o->ncols < o->nkeys || cell_suppressed(co, i) ||
		    (o->cells[i].kind != CELL_NUM &&
		     !(co->marks[i] & MARK_RECOMPUTED)) ||
		    !isfinite(v))
			continue;
		rv = round(v / (double)base) * (double)base;
		if (rv == v)
			continue;
		co->values[i] = rv;
		co->marks[i] |= MARK_ROUNDED;
		co->nrounded++;
		check_flag(&k, i / o->ncols, i % o->ncols);
	}
	check_end(co, &k, STATUS_PASS, k.nflagged > 0 ? "rounded" : "none",
		  "%zu %s rounded to the nearest multiple of %lld", k.nflagged,
		  plural(k.nflagged, "count", "counts"), (long long)base);
}

/* The text of a released cell (CSV and preview share it). */
static void
cell_text(const struct output *o, const struct checked_output *co, size_t r,
	  size_t c, struct sbuf *out, bool csv)
{
	size_t i = r * o->ncols + c;
	const struct out_cell *cell = &o->cells[i];
	char num[64];

	if (c >= o->nkeys && cell_suppressed(co, i)) {
		sbuf_adds(out, "suppressed");
	} else if (cell->kind == CELL_STR) {
		if (csv)
			csv_field(out, cell->str);
		else
			text_clean(out, cell->str, strlen(cell->str),
				   DISCLOSURE_MAX_NAME, false);
	} else if (cell->kind == CELL_NUM || (co->marks[i] & MARK_RECOMPUTED)) {
		format_number(co->values[i], num, sizeof(num));
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
	if (m & MARK_SUPPRESSED)
		return "suppressed";
	if (m & MARK_SECONDARY)
		return "secondary";
	if (m & MARK_RECOMPUTED)
		return "recomputed";
	if (m & MARK_FLAGGED)
		return "flagged";
	if (m & MARK_ROUNDED)
		return "rounded";
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
	size_t shown = o->nrows < DISCLOSURE_PREVIEW_ROWS
			   ? o->nrows
			   : DISCLOSURE_PREVIEW_ROWS;
	size_t cols_shown = o->ncols < DISCLOSURE_PREVIEW_COLS
				? o->ncols
				: DISCLOSURE_PREVIEW_COLS;

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

	if (co->nsuppressed > 0)
		sbuf_printf(&sb, "%zu %s suppressed", co->nsuppressed,
			    plural(co->nsuppressed, "cell", "cells"));
	if (co->nsecondary > 0)
		sbuf_printf(&sb, "%s%zu %s suppressed to protect linked tables",
			    sb.len ? ", " : "", co->nsecondary,
			    plural(co->nsecondary, "cell", "cells"));
	if (co->nrecomputed > 0)
		sbuf_printf(&sb, "%s%zu %s recomputed", sb.len ? ", " : "",
			    co->nrecomputed,
			    plural(co->nrecomputed, "total", "totals"));
	if (co->nrounded > 0)
		sbuf_printf(&sb, "%s%zu %s rounded to base %lld",
			    sb.len ? ", " : "", co->nrounded,
			    plural(co->nrounded, "count", "counts"),
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
		    text_clean_dup(o->text, DISCLOSURE_PREVIEW_TEXT, true);

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

void
disclosure_check_all(const struct output *outs, size_t n,
		     const struct profile *p, struct checked_output *cos)
{
	struct check *linkchk = xcalloc(n + 1, sizeof(*linkchk));
	char **linked_to = xcalloc(n + 1, sizeof(*linked_to));
	size_t i;

	for (i = 0; i < n; i++) {
		struct checked_output *co = &cos[i];

		memset(co, 0, sizeof(*co));
		co->checks = jv_arr();
		co->mitigation = xstrdup("none");
		check_name(&outs[i], co);
		if (outs[i].kind == OUTPUT_TEXT)
			check_text(&outs[i], co);
		else
			check_table_primary(&outs[i], p, co);
		check_begin(&linkchk[i], "linked_tables", "R3",
			    "no total in another output reveals a cell");
	}
	link_outputs(outs, n, cos, linkchk, linked_to);
	for (i = 0; i < n; i++) {
		const struct output *o = &outs[i];
		struct checked_output *co = &cos[i];

		if (o->kind == OUTPUT_TEXT) {
			jv_free(linkchk[i].obj);
			jv_free(linkchk[i].cells);
		} else {
			if (linkchk[i].nflagged > 0) {
				char *other = text_clean_dup(
				    linked_to[i], DISCLOSURE_MAX_NAME, false);

				check_param_str(&linkchk[i], "linked_output",
						other);
				check_end(
				    co, &linkchk[i], STATUS_REVIEW,
				    "suppressed",
				    "%zu %s suppressed cells of output "
				    "%s and %s suppressed too, so the "
				    "difference of the two outputs "
				    "reveals nothing",
				    co->nsecondary,
				    plural(co->nsecondary, "cell totals",
					   "cells total"),
				    other,
				    plural(co->nsecondary, "was", "were"));
				free(other);
			} else {
				check_end(co, &linkchk[i], STATUS_PASS, "none",
					  "no other output of this run is "
					  "a breakdown of this one with "
					  "suppressed cells");
			}
			recompute_margins(o, p, co);
			round_counts(o, p, co);
			render_table(o, co);
			rule_size(co);
			build_preview(o, co);
			set_mitigation(co, p->disclosure.round_to);
		}
		free(linked_to[i]);
		co->withheld = co->status == STATUS_FAIL;
		if (co->withheld)
			sbuf_free(&co->released);
	}
	free(linkchk);
	free(linked_to);
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
	free(co->values);
	free(co->marks);
	free(co->total_row);
	memset(co, 0, sizeof(*co));
}
