/*
 * test_disclosure.c - each rule of the runner's output check on hand-made
 * tables with known answers (the second line behind the sandbox's
 * protection: a released cell that breaks a rule fails the output), the
 * released CSV, and the safe-text helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "disclosure.h"
#include "json.h"
#include "textsafe.h"

/* ---- builders ----------------------------------------------------------- */

static char col_zone[] = "zone", col_window[] = "window_start",
	    col_visitors[] = "visitors", id_sensor[] = "sensor_id",
	    id_mac[] = "mac_hash", name_counts[] = "counts",
	    name_test[] = "test";
static char *counts_cols[] = { col_zone, col_window, col_visitors };
static char *counts_ids[] = { id_sensor, id_mac };

static struct profile_dataset test_ds = {
	.name = name_counts,
	.access = ACCESS_AGGREGATE,
	.columns = counts_cols,
	.ncolumns = 3,
	.identifiers = counts_ids,
	.nidentifiers = 2,
};

static struct profile
test_profile(void)
{
	struct profile p;

	memset(&p, 0, sizeof(p));
	p.name = name_test;
	p.disclosure.min_cell = 10;
	p.disclosure.round_to = 5;
	p.disclosure.dominance_n = 2;
	p.disclosure.dominance_k = 85;
	p.disclosure.p_percent = 10;
	p.disclosure.max_rows = 5000;
	p.disclosure.zeros = ACTION_REVIEW;
	p.disclosure.negatives = ACTION_REVIEW;
	p.disclosure.missing = ACTION_REVIEW;
	p.datasets = &test_ds;
	p.ndatasets = 1;
	return p;
}

/* A table with `nkeys` string keys and one numeric value column; "cols" is
 * a comma-separated header. */
static struct output
table(const char *name, const char *stat, const char *value_column,
      const char *cols, size_t nkeys)
{
	struct output o;
	char *copy = xstrdup(cols), *tok, *save = NULL;

	memset(&o, 0, sizeof(o));
	o.kind = OUTPUT_TABLE;
	o.name = xstrdup(name);
	o.description = xstrdup("");
	o.statistic = xstrdup(stat);
	o.dataset = xstrdup("counts");
	o.value_column = xstrdup(value_column);
	o.has_evidence = true;
	o.nkeys = nkeys;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		o.cols = xreallocarray(o.cols, o.ncols + 1, sizeof(char *));
		o.cols[o.ncols++] = xstrdup(tok);
	}
	free(copy);
	return o;
}

/* Append a row: keys as strings, then the published value and the
 * evidence of a sum or mean (absolute values for the tops). */
static void
row(struct output *o, const char *const *keys, double value, uint64_t nonzero,
    uint64_t negatives, uint64_t missing, double top1, double top2,
    double abs_sum)
{
	size_t r = o->nrows++, k;
	struct sdc_evidence *e;

	o->cells =
	    xreallocarray(o->cells, o->nrows * o->ncols, sizeof(*o->cells));
	o->evidence =
	    xreallocarray(o->evidence, o->nrows, sizeof(*o->evidence));
	for (k = 0; k < o->nkeys; k++) {
		o->cells[r * o->ncols + k].kind = CELL_STR;
		o->cells[r * o->ncols + k].str = xstrdup(keys[k]);
	}
	o->cells[r * o->ncols + o->nkeys].kind = CELL_NUM;
	o->cells[r * o->ncols + o->nkeys].num = value;
	o->cells[r * o->ncols + o->nkeys].str = NULL;
	e = &o->evidence[r];
	memset(e, 0, sizeof(*e));
	e->rows = nonzero + missing;
	e->values = nonzero;
	e->nonzero = nonzero;
	e->negatives = negatives;
	e->missing = missing;
	e->sum = value;
	e->abs_sum = abs_sum;
	e->top[0] = top1;
	e->top[1] = top2;
	e->ntop = nonzero >= 2 ? 2 : (uint32_t)nonzero;
}

/* A count row: the published count and its rows. */
static void
count_row(struct output *o, const char *const *keys, uint64_t n)
{
	size_t r;

	row(o, keys, (double)n, 0, 0, 0, 0, 0, 0);
	r = o->nrows - 1;
	memset(&o->evidence[r], 0, sizeof(o->evidence[r]));
	o->evidence[r].rows = n;
}

static void
output_free(struct output *o)
{
	size_t i;

	for (i = 0; i < o->nrows * o->ncols; i++)
		free(o->cells[i].str);
	for (i = 0; i < o->ncols; i++)
		free(o->cols[i]);
	free(o->cells);
	free(o->cols);
	free(o->evidence);
	free(o->name);
	free(o->description);
	free(o->statistic);
	free(o->dataset);
	free(o->value_column);
	free(o->text);
}

static const struct jv *
find_check(const struct checked_output *co, const char *rule)
{
	size_t i;

	for (i = 0; i < jv_len(co->checks); i++)
		if (strcmp(jv_get_str(jv_at(co->checks, i), "rule"), rule) == 0)
			return jv_at(co->checks, i);
	fail_msg("no check %s", rule);
	return NULL;
}

static void
assert_check(const struct checked_output *co, const char *rule,
	     const char *status, int64_t flagged)
{
	const struct jv *c = find_check(co, rule);
	int64_t n = -1;

	assert_string_equal(jv_get_str(c, "status"), status);
	assert_true(jv_get_int(c, "cells_flagged", &n));
	assert_int_equal(n, flagged);
}

static const char *
csv(const struct checked_output *co)
{
	return co->released.buf != NULL ? co->released.buf : "";
}

#define K1(a) ((const char *const[]){ a })
#define K2(a, b) ((const char *const[]){ a, b })

/* ---- rules -------------------------------------------------------------- */

/* A clean table of the runner passes; its counts are multiples of the
 * base and the check says so without naming cells. */
static void
test_clean_count(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 25);
	count_row(&o, K1("B"), 10);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,n\nA,25\nB,10\n");
	assert_check(&co, "min_cell", "pass", 0);
	assert_check(&co, "rounding", "pass", 0);
	assert_check(&co, "row_access", "pass", 0);
	assert_int_equal(co.status, STATUS_PASS);
	assert_string_equal(co.mitigation, "rounded to base 5");
	checked_output_fini(&co);
	output_free(&o);
}

/* The sandbox withholds small cells before the script sees them; one
 * that reaches the runner means the two disagree: fail closed. */
static void
test_min_cell_disagreement(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 25);
	count_row(&o, K1("B"), 5);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "min_cell", "fail", 1);
	assert_true(co.withheld);
	assert_int_equal(co.released.len, 0);
	checked_output_fini(&co);
	output_free(&o);

	/* A sum counts its non-zero values: 40 rows, 3 ones. */
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 3, 3, 0, 0, 1, 1, 3);
	o.evidence[0].rows = 40;
	o.evidence[0].values = 40;
	disclosure_check(&o, &p, &co);
	assert_check(&co, "min_cell", "fail", 1);
	checked_output_fini(&co);
	output_free(&o);

	/* A sum of only zeros over enough rows is the zeros rule's. */
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 0, 0, 0, 0, 0, 0, 0);
	o.evidence[0].rows = 20;
	o.evidence[0].values = 20;
	disclosure_check(&o, &p, &co);
	assert_check(&co, "min_cell", "pass", 0);
	assert_check(&co, "zeros", "review", 1);
	checked_output_fini(&co);
	output_free(&o);
}

/* A count that is not a multiple of the base was not protected. */
static void
test_not_rounded(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 23);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "rounding", "fail", 1);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	/* Without rounding in the profile any count is fine. */
	p.disclosure.round_to = 1;
	o = table("t", "count", "", "zone,n", 1);
	count_row(&o, K1("A"), 23);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "rounding", "pass", 0);
	assert_int_equal(co.status, STATUS_PASS);
	checked_output_fini(&co);
	output_free(&o);
}

/* R4 on absolute values: one contributor holds 95% of the sum. */
static void
test_dominance(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 1000, 20, 0, 0, 100, 90, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "dominance", "pass", 0);
	assert_check(&co, "p_percent", "pass", 0);
	assert_int_equal(co.status, STATUS_PASS);
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 1000, 20, 0, 0, 950, 10, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "dominance", "fail", 1);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	/* A negative value cannot hide a dominant one: 950 of |values| 1050
	 * even though the sum is 850. */
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 850, 20, 1, 0, 950, 50, 1050);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "dominance", "fail", 1);
	checked_output_fini(&co);
	output_free(&o);
}

/* R5: not dominated at k = 95, but the second largest contributor could
 * estimate the largest to within 10%: 1000 - 880 - 50 = 70 < 88. */
static void
test_p_percent(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	p.disclosure.dominance_k = 95;
	row(&o, K1("A"), 1000, 20, 0, 0, 880, 50, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "dominance", "pass", 0);
	assert_check(&co, "p_percent", "fail", 1);
	checked_output_fini(&co);
	output_free(&o);
}

/* R6: negative contributions per the profile: review flags, fail means
 * the sandbox should have withheld the cell. */
static void
test_negatives(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 500, 20, 2, 0, 90, 80, 700);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "negatives", "review", 1);
	assert_string_equal(csv(&co), "zone,visitors\nA,500\n");
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.negatives = ACTION_FAIL;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 500, 20, 2, 0, 90, 80, 700);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "negatives", "fail", 1);
	assert_true(co.withheld);
	assert_int_equal(co.released.len, 0);
	checked_output_fini(&co);
	output_free(&o);
}

/* R7: a published zero follows the profile. */
static void
test_zeros(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 0, 0, 0, 0, 0, 0, 0);
	o.evidence[0].rows = o.evidence[0].values = 20;
	row(&o, K1("B"), 1000, 20, 0, 0, 100, 90, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "zeros", "review", 1);
	assert_string_equal(csv(&co), "zone,visitors\nA,0\nB,1000\n");
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.zeros = ACTION_FAIL;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 0, 0, 0, 0, 0, 0, 0);
	o.evidence[0].rows = o.evidence[0].values = 20;
	disclosure_check(&o, &p, &co);
	assert_check(&co, "zeros", "fail", 1);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.zeros = ACTION_PASS;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 0, 0, 0, 0, 0, 0, 0);
	o.evidence[0].rows = o.evidence[0].values = 20;
	disclosure_check(&o, &p, &co);
	assert_check(&co, "zeros", "pass", 1);
	assert_int_equal(co.status, STATUS_PASS);
	checked_output_fini(&co);
	output_free(&o);
}

/* R8: missing values. */
static void
test_missing(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "mean", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 50, 20, 0, 3, 60, 59, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "missing", "review", 1);
	/* A mean is published from the rounded sum and count. */
	assert_check(&co, "rounding", "pass", 0);
	assert_string_equal(csv(&co), "zone,visitors\nA,50\n");
	checked_output_fini(&co);
	output_free(&o);
}

/* R3: a total row of the script's custom table cannot be checked; in a
 * table of the runner a key "Total" is a value of the data. */
static void
test_margins(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "custom", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	o.has_evidence = false;
	free(o.dataset);
	o.dataset = xstrdup("");
	count_row(&o, K1("A"), 20);
	count_row(&o, K1("Total"), 35);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "margins", "review", 1);
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "count", "", "zone,n", 1);
	count_row(&o, K1("A"), 20);
	count_row(&o, K1("Total"), 35);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "margins", "pass", 0);
	assert_string_equal(csv(&co), "zone,n\nA,20\nTotal,35\n");
	checked_output_fini(&co);
	output_free(&o);
}

/* R21: after the script read rows its outputs are data. */
static void
test_row_access(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	o.after_rows = true;
	count_row(&o, K1("A"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "row_access", "review", 0);
	assert_int_equal(co.status, STATUS_REVIEW);
	assert_false(co.withheld);
	checked_output_fini(&co);
	output_free(&o);
}

/* What the sandbox withheld from the answer behind a table, from the
 * ledger, makes the table a matter for the advisor. */
static void
test_note_answer(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;
	char why[] = "min_cell";
	struct ledger_count wc = { why, 2 };
	struct ledger_entry q;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.id = 1;
	q.released = 1;
	q.withheld = &wc;
	q.nwithheld = 1;
	o.query = 1;
	count_row(&o, K1("A"), 20);
	disclosure_check(&o, &p, &co);
	disclosure_note_answer(&co, &o, &q);
	assert_check(&co, "answer", "review", 0);
	assert_int_equal(co.status, STATUS_REVIEW);
	checked_output_fini(&co);
	disclosure_check(&o, &p, &co);
	q.nwithheld = 0;
	disclosure_note_answer(&co, &o, &q);
	assert_check(&co, "answer", "pass", 0);
	assert_int_equal(co.status, STATUS_PASS);
	checked_output_fini(&co);
	disclosure_check(&o, &p, &co);
	disclosure_note_answer(&co, &o, NULL);
	assert_check(&co, "answer", "fail", 0);
	checked_output_fini(&co);
	output_free(&o);
}

/* R13: identifier columns, from the profile or well known, are refused. */
static void
test_identifiers(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "custom", "", "mac_hash,n", 1);
	struct checked_output co;

	(void)state;
	o.has_evidence = false;
	free(o.dataset);
	o.dataset = xstrdup("");
	count_row(&o, K1("65420a45"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "identifiers", "fail", 1);
	assert_true(co.withheld);
	assert_null(co.released.buf);
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "custom", "", "BSN,n", 1);
	o.has_evidence = false;
	count_row(&o, K1("123456782"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "identifiers", "fail", 1);
	checked_output_fini(&co);
	output_free(&o);
}

/* R15 rows and R19 no evidence. */
static void
test_rows_and_evidence(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	p.disclosure.max_rows = 2;
	count_row(&o, K1("A"), 20);
	count_row(&o, K1("B"), 20);
	count_row(&o, K1("C"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "max_rows", "fail", 0);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	p = test_profile();
	o = table("t", "custom", "", "zone,n", 1);
	o.has_evidence = false;
	count_row(&o, K1("A"), 3);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "evidence", "review", 0);
	/* Nothing to base a suppression on: released as is, for review. */
	assert_string_equal(csv(&co), "zone,n\nA,3\n");
	assert_int_equal(co.status, STATUS_REVIEW);
	checked_output_fini(&co);
	output_free(&o);
}

/* R20: a dataset or column the profile does not grant. */
static void
test_column_grants(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "income_decile,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("3"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "column_grants", "fail", 1);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "sum", "income", "zone,income", 1);
	row(&o, K1("A"), 100, 20, 0, 0, 10, 10, 100);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "column_grants", "fail", 0);
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "count", "", "zone,n", 1);
	free(o.dataset);
	o.dataset = xstrdup("households");
	count_row(&o, K1("A"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "column_grants", "fail", 0);
	checked_output_fini(&co);
	output_free(&o);
}

/* Output names become file names. */
static void
test_output_name(void **state)
{
	struct profile p = test_profile();
	struct output o = table("../etc/passwd", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 20);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "output_name", "fail", 0);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);
}

/* R16 and hostile text: free text is reviewed and cleaned; CSV cells are
 * neutralised against formulas and cannot break the row structure. */
static void
test_text_and_csv_hostile(void **state)
{
	struct profile p = test_profile();
	struct output o;
	struct checked_output co;
	char longtext[200];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.kind = OUTPUT_TEXT;
	o.name = xstrdup("notes");
	o.description = xstrdup("");
	o.text = xstrdup("line 1\n\x1b[31mred\x1b]0;title\x07 \xe2\x80\xae"
			 "cba\xff");
	disclosure_check(&o, &p, &co);
	assert_check(&co, "free_text", "review", 0);
	assert_null(strchr(csv(&co), '\x1b'));
	assert_null(strchr(csv(&co), '\x07'));
	assert_null(strstr(csv(&co), "\xe2\x80\xae"));
	assert_non_null(strstr(csv(&co), "line 1\n"));
	assert_true(utf8_valid(co.released.buf, co.released.len));
	checked_output_fini(&co);
	output_free(&o);

	o = table("t", "count", "", "=cmd|' /C calc'!A0,n", 1);
	/* Not from a dataset, so the odd key name is not a grant failure. */
	free(o.dataset);
	o.dataset = xstrdup("");
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	count_row(&o, K1("@SUM(1+1)"), 20);
	count_row(&o, K1("-2+3"), 20);
	count_row(&o, K1("a,\"b\"\nc"), 20);
	count_row(&o, K1(longtext), 20);
	disclosure_check(&o, &p, &co);
	assert_non_null(strstr(csv(&co), "\"'=cmd|' /C calc'!A0\",n\n"));
	assert_non_null(strstr(csv(&co), "\n\"'@SUM(1+1)\",20\n"));
	assert_non_null(strstr(csv(&co), "\n\"'-2+3\",20\n"));
	/* The newline inside the key became U+FFFD: still one line per row. */
	assert_non_null(strstr(csv(&co), "\n\"a,\"\"b\"\"\xef\xbf\xbd"
					 "c\",20\n"));
	assert_check(&co, "free_text", "review", 1);
	checked_output_fini(&co);
	output_free(&o);
}

static void
test_text_clean(void **state)
{
	struct sbuf sb = SBUF_INIT;
	char *big = xmalloc(1 << 20);
	size_t n;

	(void)state;
	n = text_clean(&sb, "a\tb\nc\x1b\x7f\xc2\x9b\xe2\x81\xa6", 12, 100,
		       true);
	assert_int_equal(n, 4);
	assert_string_equal(sb.buf, "a\tb\nc\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
				    "\xbd\xef\xbf\xbd");
	sbuf_reset(&sb);
	n = text_clean(&sb, "a\tb", 3, 100, false);
	assert_int_equal(n, 1);
	sbuf_reset(&sb);
	/* Overlong '/', surrogate, truncated sequence. */
	n = text_clean(&sb, "\xc0\xaf\xed\xa0\x80\xe2\x82", 7, 100, false);
	assert_true(utf8_valid(sb.buf, sb.len));
	sbuf_reset(&sb);
	/* A 1 MB name is cut at a character boundary with a note. */
	memset(big, 'n', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	text_clean(&sb, big, strlen(big), 200, false);
	assert_true(sb.len < 260);
	assert_non_null(strstr(sb.buf, "bytes cut]"));
	sbuf_reset(&sb);
	text_clean(&sb, "\xc3\xa9\xc3\xa9", 4, 3, false);
	assert_true(utf8_valid(sb.buf, sb.len));
	assert_int_equal(strncmp(sb.buf, "\xc3\xa9 ", 3), 0);
	sbuf_free(&sb);
	free(big);
}

static void
test_total_labels(void **state)
{
	(void)state;
	assert_true(disclosure_is_total_label("Total"));
	assert_true(disclosure_is_total_label("TOTAAL"));
	assert_true(disclosure_is_total_label("all"));
	assert_false(disclosure_is_total_label("A"));
	assert_false(disclosure_is_total_label("totals"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_count),
		cmocka_unit_test(test_min_cell_disagreement),
		cmocka_unit_test(test_not_rounded),
		cmocka_unit_test(test_dominance),
		cmocka_unit_test(test_p_percent),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_margins),
		cmocka_unit_test(test_row_access),
		cmocka_unit_test(test_note_answer),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_rows_and_evidence),
		cmocka_unit_test(test_column_grants),
		cmocka_unit_test(test_output_name),
		cmocka_unit_test(test_text_and_csv_hostile),
		cmocka_unit_test(test_text_clean),
		cmocka_unit_test(test_total_labels),
	};

	return cmocka_run_group_tests_name("disclosure", tests, NULL, NULL);
}
