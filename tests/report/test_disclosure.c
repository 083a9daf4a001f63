/*
 * test_disclosure.c - each disclosure rule on hand-made tables with known
 * answers, the released CSV after mitigation, and the safe-text helpers.
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

/* Append a row: keys as strings, then the value and its evidence. */
static void
row(struct output *o, const char *const *keys, double value,
    uint64_t contributors, uint64_t negatives, uint64_t missing, double top1,
    double top2, double total)
{
	size_t r = o->nrows++, k;
	struct out_evidence *e;

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
	e->contributors = contributors;
	e->negatives = negatives;
	e->missing = missing;
	e->top1 = top1;
	e->top2 = top2;
	e->total = total;
}

/* A count row: every contributor adds one. */
static void
count_row(struct output *o, const char *const *keys, uint64_t n)
{
	row(o, keys, (double)n, n, 0, 0, n ? 1 : 0, n > 1 ? 1 : 0, (double)n);
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

/* R1 + R2: a cell below the minimum is suppressed, the rest rounded. */
static void
test_min_cell_and_rounding(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 23);
	count_row(&o, K1("B"), 4);
	count_row(&o, K1("C"), 12);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,n\nA,25\nB,suppressed\nC,10\n");
	assert_check(&co, "min_cell", "review", 1);
	assert_check(&co, "rounding", "pass", 2);
	assert_int_equal(co.status, STATUS_REVIEW);
	assert_false(co.withheld);
	assert_string_equal(co.mitigation, "1 cell suppressed, 2 counts "
					   "rounded to base 5");
	checked_output_fini(&co);
	output_free(&o);
}

/* R3: a published total would reveal B (39 - 23 - 12 = 4); it is
 * recomputed from the released cells (35). */
static void
test_margin_row_recomputed(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 23);
	count_row(&o, K1("B"), 4);
	count_row(&o, K1("C"), 12);
	count_row(&o, K1("Total"), 39);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co),
			    "zone,n\nA,25\nB,suppressed\nC,10\nTotal,35\n");
	assert_check(&co, "margins", "review", 1);
	/* The total row itself is not a "cell below the minimum". */
	assert_check(&co, "min_cell", "review", 1);
	checked_output_fini(&co);
	output_free(&o);

	/* Two keys: per-zone totals and a grand total. */
	o = table("t2", "count", "", "zone,window_start,n", 2);
	count_row(&o, K2("A", "19:00"), 20);
	count_row(&o, K2("A", "19:15"), 3);
	count_row(&o, K2("A", "Total"), 23);
	count_row(&o, K2("B", "19:00"), 15);
	count_row(&o, K2("B", "19:15"), 30);
	count_row(&o, K2("B", "Total"), 45);
	count_row(&o, K2("Total", "Total"), 68);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,window_start,n\n"
				      "A,19:00,20\n"
				      "A,19:15,suppressed\n"
				      "A,Total,20\n"
				      "B,19:00,15\n"
				      "B,19:15,30\n"
				      "B,Total,45\n"
				      "Total,Total,65\n");
	assert_check(&co, "margins", "review", 2);
	checked_output_fini(&co);
	output_free(&o);
}

/* A total over too few released cells is suppressed itself. */
static void
test_margin_too_small(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 3);
	count_row(&o, K1("B"), 4);
	count_row(&o, K1("All"), 7);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,n\nA,suppressed\nB,suppressed\n"
				      "All,suppressed\n");
	checked_output_fini(&co);
	output_free(&o);
}

/* R3 across outputs: a per-zone table and a grand total would reveal the
 * suppressed cell of the zone x window table. */
static void
test_linked_tables(void **state)
{
	struct profile p = test_profile();
	struct output o[3];
	struct checked_output co[3];

	(void)state;
	o[0] = table("by_zone_window", "count", "", "zone,window_start,n", 2);
	count_row(&o[0], K2("A", "19:00"), 20);
	count_row(&o[0], K2("A", "19:15"), 3);
	count_row(&o[0], K2("B", "19:00"), 15);
	count_row(&o[0], K2("B", "19:15"), 30);
	o[1] = table("by_zone", "count", "", "zone,n", 1);
	count_row(&o[1], K1("A"), 23);
	count_row(&o[1], K1("B"), 45);
	o[2] = table("total", "count", "", "n", 0);
	count_row(&o[2], NULL, 68);
	disclosure_check_all(o, 3, &p, co);
	assert_string_equal(csv(&co[0]), "zone,window_start,n\nA,19:00,20\n"
					 "A,19:15,suppressed\nB,19:00,15\n"
					 "B,19:15,30\n");
	assert_string_equal(csv(&co[1]), "zone,n\nA,suppressed\nB,45\n");
	assert_check(&co[1], "linked_tables", "review", 1);
	assert_string_equal(csv(&co[2]), "n\nsuppressed\n");
	assert_check(&co[2], "linked_tables", "review", 1);
	assert_check(&co[0], "linked_tables", "pass", 0);
	for (int i = 0; i < 3; i++) {
		checked_output_fini(&co[i]);
		output_free(&o[i]);
	}

	/* The same breakdown twice (say with and without a filter): the
	 * difference of the two would reveal the small group, so it is
	 * suppressed in both.  A sum of the same column is not linked. */
	o[0] = table("all_day", "count", "", "zone,n", 1);
	count_row(&o[0], K1("A"), 12);
	count_row(&o[0], K1("B"), 40);
	o[1] = table("evening", "count", "", "zone,n", 1);
	count_row(&o[1], K1("A"), 4);
	count_row(&o[1], K1("B"), 30);
	o[2] = table("sums", "sum", "visitors", "zone,visitors", 1);
	row(&o[2], K1("A"), 100, 12, 0, 0, 10, 10, 100);
	row(&o[2], K1("B"), 100, 40, 0, 0, 10, 10, 100);
	disclosure_check_all(o, 3, &p, co);
	assert_string_equal(csv(&co[0]), "zone,n\nA,suppressed\nB,40\n");
	assert_string_equal(csv(&co[1]), "zone,n\nA,suppressed\nB,30\n");
	assert_string_equal(csv(&co[2]), "zone,visitors\nA,100\nB,100\n");
	assert_check(&co[0], "linked_tables", "review", 1);
	assert_check(&co[2], "linked_tables", "pass", 0);
	for (int i = 0; i < 3; i++) {
		checked_output_fini(&co[i]);
		output_free(&o[i]);
	}
}

/* R4: one contributor holds 95% of the sum. */
static void
test_dominance(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 1000, 20, 0, 0, 950, 10, 1000);
	row(&o, K1("B"), 1000, 20, 0, 0, 100, 90, 1000);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,visitors\nA,suppressed\nB,1000\n");
	assert_check(&co, "dominance", "review", 1);
	assert_check(&co, "p_percent", "pass", 0);
	/* Sums are not rounded. */
	assert_check(&co, "rounding", "pass", 0);
	assert_int_equal(co.status, STATUS_REVIEW);
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
	row(&o, K1("B"), 1000, 20, 0, 0, 800, 50, 1000);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,visitors\nA,suppressed\nB,1000\n");
	assert_check(&co, "dominance", "pass", 0);
	assert_check(&co, "p_percent", "review", 1);
	checked_output_fini(&co);
	output_free(&o);
}

/* R6: negative contributions go to the profile's action and dominance is
 * not evaluated for that row. */
static void
test_negatives(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 500, 20, 2, 0, 990, 10, 500);
	row(&o, K1("B"), 1000, 20, 0, 0, 100, 90, 1000);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "negatives", "review", 1);
	assert_check(&co, "dominance", "pass", 0);
	assert_string_equal(csv(&co), "zone,visitors\nA,500\nB,1000\n");
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.negatives = ACTION_FAIL;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 500, 20, 2, 0, 990, 10, 500);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "negatives", "fail", 1);
	assert_true(co.withheld);
	assert_int_equal(co.released.len, 0);
	checked_output_fini(&co);
	output_free(&o);
}

/* R7: a published zero follows the profile; zeros already suppressed by
 * the minimum do not count. */
static void
test_zeros(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "sum", "visitors", "zone,visitors", 1);
	struct checked_output co;

	(void)state;
	row(&o, K1("A"), 0, 20, 0, 0, 0, 0, 0);
	row(&o, K1("B"), 1000, 20, 0, 0, 100, 90, 1000);
	row(&o, K1("C"), 0, 0, 0, 0, 0, 0, 0);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "zeros", "review", 1);
	assert_check(&co, "min_cell", "review", 1);
	assert_string_equal(csv(&co),
			    "zone,visitors\nA,0\nB,1000\nC,suppressed\n");
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.zeros = ACTION_FAIL;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 0, 20, 0, 0, 0, 0, 0);
	disclosure_check(&o, &p, &co);
	assert_check(&co, "zeros", "fail", 1);
	assert_true(co.withheld);
	checked_output_fini(&co);
	output_free(&o);

	p.disclosure.zeros = ACTION_PASS;
	o = table("t", "sum", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 0, 20, 0, 0, 0, 0, 0);
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
	assert_string_equal(csv(&co), "zone,visitors\nA,50\n");
	checked_output_fini(&co);
	output_free(&o);
}

/* A clean count table passes; means of a margin come from the evidence. */
static void
test_clean_pass_and_mean_total(void **state)
{
	struct profile p = test_profile();
	struct output o = table("t", "count", "", "zone,n", 1);
	struct checked_output co;

	(void)state;
	count_row(&o, K1("A"), 20);
	count_row(&o, K1("B"), 35);
	disclosure_check(&o, &p, &co);
	assert_int_equal(co.status, STATUS_PASS);
	assert_string_equal(csv(&co), "zone,n\nA,20\nB,35\n");
	assert_string_equal(co.mitigation, "none");
	checked_output_fini(&co);
	output_free(&o);

	/* Means 10 (A, 20 readings) and 40 (C, 5 readings: suppressed) and
	 * 30 (B, 20 readings); the total is (200 + 600) / 40 = 20. */
	o = table("m", "mean", "visitors", "zone,visitors", 1);
	row(&o, K1("A"), 10, 20, 0, 0, 11, 11, 200);
	row(&o, K1("B"), 30, 20, 0, 0, 31, 31, 600);
	row(&o, K1("C"), 40, 5, 0, 0, 41, 41, 200);
	row(&o, K1("Total"), 1000.0 / 45, 45, 0, 0, 41, 41, 1000);
	disclosure_check(&o, &p, &co);
	assert_string_equal(csv(&co), "zone,visitors\nA,10\nB,30\n"
				      "C,suppressed\nTotal,20\n");
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
	assert_true(pt_utf8_valid(co.released.buf, co.released.len));
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
	assert_true(pt_utf8_valid(sb.buf, sb.len));
	sbuf_reset(&sb);
	/* A 1 MB name is cut at a character boundary with a note. */
	memset(big, 'n', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	text_clean(&sb, big, strlen(big), 200, false);
	assert_true(sb.len < 260);
	assert_non_null(strstr(sb.buf, "bytes cut]"));
	sbuf_reset(&sb);
	text_clean(&sb, "\xc3\xa9\xc3\xa9", 4, 3, false);
	assert_true(pt_utf8_valid(sb.buf, sb.len));
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
		cmocka_unit_test(test_min_cell_and_rounding),
		cmocka_unit_test(test_margin_row_recomputed),
		cmocka_unit_test(test_margin_too_small),
		cmocka_unit_test(test_linked_tables),
		cmocka_unit_test(test_dominance),
		cmocka_unit_test(test_p_percent),
		cmocka_unit_test(test_negatives),
		cmocka_unit_test(test_zeros),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_clean_pass_and_mean_total),
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
