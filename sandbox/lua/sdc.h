/*
 * sdc.h - the primary disclosure rules on one cell of an aggregate, and
 * the value that is published for it.  Pure functions: the data engine in
 * the sandbox applies them before the script sees an answer, and the
 * runner applies the same ones again to every released table as a second
 * line (runner/disclosure.c), so the two can never disagree.
 *
 * A cell's contributors are its rows for a count and its non-zero values
 * for a sum or a mean: a sum of a 0/1 column over 40 rows with 3 ones is a
 * statistic about 3 people.  Dominance and the p% rule work on absolute
 * values, so a negative contribution cannot hide a dominant one.
 */
#ifndef PROEFTUIN_SDC_H
#define PROEFTUIN_SDC_H

#include <stdbool.h>
#include <stdint.h>

enum sdc_stat {
	SDC_COUNT,
	SDC_SUM,
	SDC_MEAN,
};

/* What a profile says about zeros, negatives and missing values. */
enum sdc_action {
	SDC_ACT_PASS,
	SDC_ACT_REVIEW,
	SDC_ACT_FAIL,
};

struct sdc_params {
	int64_t min_cell;    /* contributors a cell needs (R1) */
	int64_t round_to;    /* base for counts and sums; <= 1: none (R2) */
	int64_t dominance_n; /* (n, k) dominance (R4) */
	int64_t dominance_k;
	int64_t p_percent; /* p% rule (R5) */
	enum sdc_action zeros, negatives, missing;
};

/* Largest absolute values kept per cell: the profile allows n <= 10. */
#define SDC_MAX_TOP 10

/* What the engine knows about one cell. */
struct sdc_evidence {
	uint64_t rows;		 /* rows in the cell */
	uint64_t values;	 /* non-missing values of the value column */
	uint64_t nonzero;	 /* non-zero values */
	uint64_t negatives;	 /* negative values */
	uint64_t missing;	 /* empty cells of the value column */
	double sum;		 /* of the values */
	double abs_sum;		 /* of their absolute values */
	double top[SDC_MAX_TOP]; /* largest absolute values, descending */
	uint32_t ntop;
};

/* Why a cell is withheld or flagged; stable names in sdc_reason_name. */
enum sdc_reason {
	SDC_OK = 0,
	SDC_MIN_CELL,
	SDC_NOT_FINITE,
	SDC_DOMINANCE,
	SDC_P_PERCENT,
	SDC_NEGATIVES,
	SDC_MISSING,
	SDC_ZEROS,
	SDC_AUDIT, /* would let earlier answers determine a small group */
	SDC_AUDIT_BUDGET, /* the auditor could not decide in its budget */
	SDC_NREASONS,
};

const char *sdc_reason_name(enum sdc_reason r);

/* Contributors as the threshold counts them (see the file comment). */
uint64_t sdc_contributors(enum sdc_stat st, const struct sdc_evidence *e);
/* The threshold rule alone (R1), as sdc_primary applies it. */
bool sdc_below_threshold(const struct sdc_params *p, enum sdc_stat st,
			 const struct sdc_evidence *e);

/* Record one absolute value among the largest `k` (<= SDC_MAX_TOP). */
void sdc_top_add(struct sdc_evidence *e, double absval, uint32_t k);
/* Fold `src` into `dst` (counts, sums and the largest values). */
void sdc_merge(struct sdc_evidence *dst, const struct sdc_evidence *src,
	       uint32_t k);

/* Round half away from zero to a multiple of `base` (base <= 1: as is). */
double sdc_round(double v, int64_t base);

/*
 * The value published for the cell (what the script reads and the file
 * holds): counts and sums rounded to the base; a mean is the rounded sum
 * over the rounded number of values, to 4 significant digits, so that
 * sum / mean gives back only the rounded count.  Without rounding a mean
 * is exact.
 */
double sdc_publish(const struct sdc_params *p, enum sdc_stat st,
		   const struct sdc_evidence *e);

/* (n, k) dominance on the sum of the n largest absolute values. */
bool sdc_dominated(int64_t n, int64_t k_percent, double top_n, double abs_sum);
/* p%: the rest must hide the largest value to within p percent of it,
 * even to the second largest contributor. */
bool sdc_p_violated(int64_t p_percent, double top1, double top2,
		    double abs_sum);
/* Sum of the n largest absolute values the evidence holds. */
double sdc_top_sum(const struct sdc_evidence *e, int64_t n);

/*
 * The primary decision for one cell whose published value is `published`:
 * SDC_OK to release, or the first rule that withholds it.  Rules whose
 * action is review do not withhold: they set bit (1 << reason) in *flags.
 * Order: min_cell, not_finite, dominance, p_percent, negatives, missing,
 * zeros.  A sum or mean of only zeros needs min_cell values instead of
 * contributors; whether its zero is published is the zeros rule's call.
 */
enum sdc_reason sdc_primary(const struct sdc_params *p, enum sdc_stat st,
			    const struct sdc_evidence *e, double published,
			    unsigned *flags);

#endif
