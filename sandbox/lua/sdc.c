/* sdc.c - primary disclosure rules on one cell; see sdc.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdc.h"

const char *
sdc_reason_name(enum sdc_reason r)
{
	static const char *const names[SDC_NREASONS] = {
		[SDC_OK] = "ok",
		[SDC_MIN_CELL] = "min_cell",
		[SDC_NOT_FINITE] = "not_finite",
		[SDC_DOMINANCE] = "dominance",
		[SDC_P_PERCENT] = "p_percent",
		[SDC_NEGATIVES] = "negatives",
		[SDC_MISSING] = "missing",
		[SDC_ZEROS] = "zeros",
		[SDC_AUDIT] = "differencing",
		[SDC_AUDIT_BUDGET] = "audit_budget",
	};

	return (unsigned)r < SDC_NREASONS ? names[r] : "unknown";
}

uint64_t
sdc_contributors(enum sdc_stat st, const struct sdc_evidence *e)
{
	return st == SDC_COUNT ? e->rows : e->nonzero;
}

/* A sum or mean of only zeros reveals no one's value, only that the whole
 * group has none: the zeros rule decides, provided the group itself is
 * large enough. */
bool
sdc_below_threshold(const struct sdc_params *p, enum sdc_stat st,
		    const struct sdc_evidence *e)
{
	if (st != SDC_COUNT && e->nonzero == 0)
		return (int64_t)e->values < p->min_cell || e->values == 0;
	return (int64_t)sdc_contributors(st, e) < p->min_cell ||
	       sdc_contributors(st, e) == 0;
}

void
sdc_top_add(struct sdc_evidence *e, double absval, uint32_t k)
{
	uint32_t i;

	if (k > SDC_MAX_TOP)
		k = SDC_MAX_TOP;
	if (e->ntop == k && (k == 0 || absval <= e->top[k - 1]))
		return;
	i = e->ntop < k ? e->ntop++ : k - 1;
	while (i > 0 && e->top[i - 1] < absval) {
		e->top[i] = e->top[i - 1];
		i--;
	}
	e->top[i] = absval;
}

void
sdc_merge(struct sdc_evidence *dst, const struct sdc_evidence *src, uint32_t k)
{
	uint32_t i;

	dst->rows += src->rows;
	dst->values += src->values;
	dst->nonzero += src->nonzero;
	dst->negatives += src->negatives;
	dst->missing += src->missing;
	dst->sum += src->sum;
	dst->abs_sum += src->abs_sum;
	for (i = 0; i < src->ntop; i++)
		sdc_top_add(dst, src->top[i], k);
}

double
sdc_round(double v, int64_t base)
{
	double r;

	if (base <= 1 || !isfinite(v))
		return v;
	r = round(v / (double)base) * (double)base;
	return r == 0 ? 0 : r; /* no -0 */
}

/* v to `digits` significant digits. */
static double
sig_digits(double v, int digits)
{
	char buf[64];

	if (v == 0 || !isfinite(v))
		return v == 0 ? 0 : v;
	snprintf(buf, sizeof(buf), "%.*g", digits, v);
	return strtod(buf, NULL);
}

double
sdc_publish(const struct sdc_params *p, enum sdc_stat st,
	    const struct sdc_evidence *e)
{
	double n, s;

	switch (st) {
	case SDC_COUNT:
		return sdc_round((double)e->rows, p->round_to);
	case SDC_SUM:
		/* Unrounded, 15 digits: the exact sum of decimal values
		 * without the noise of binary addition. */
		return p->round_to <= 1 ? sig_digits(e->sum, 15)
					: sdc_round(e->sum, p->round_to);
	case SDC_MEAN:
		if (e->values == 0)
			return 0;
		if (p->round_to <= 1)
			return sig_digits(e->sum / (double)e->values, 15);
		s = sdc_round(e->sum, p->round_to);
		n = sdc_round((double)e->values, p->round_to);
		if (n == 0)
			n = (double)p->round_to;
		/* 4 digits: enough to read, too few to undo rounding. */
		return sig_digits(s / n, 4);
	}
	return 0;
}

double
sdc_top_sum(const struct sdc_evidence *e, int64_t n)
{
	double t = 0;
	uint32_t i;

	for (i = 0; i < e->ntop && (int64_t)i < n; i++)
		t += e->top[i];
	return t;
}

bool
sdc_dominated(int64_t n, int64_t k_percent, double top_n, double abs_sum)
{
	(void)n;
	return top_n * 100.0 > (double)k_percent * abs_sum;
}

bool
sdc_p_violated(int64_t p_percent, double top1, double top2, double abs_sum)
{
	return (abs_sum - top1 - top2) * 100.0 < (double)p_percent * top1;
}

static enum sdc_reason
by_action(enum sdc_action a, enum sdc_reason r, unsigned *flags)
{
	if (a == SDC_ACT_FAIL)
		return r;
	if (a == SDC_ACT_REVIEW)
		*flags |= 1u << r;
	return SDC_OK;
}

enum sdc_reason
sdc_primary(const struct sdc_params *p, enum sdc_stat st,
	    const struct sdc_evidence *e, double published, unsigned *flags)
{
	enum sdc_reason r;

	if (sdc_below_threshold(p, st, e))
		return SDC_MIN_CELL;
	if (!isfinite(published) || !isfinite(e->sum) || !isfinite(e->abs_sum))
		return SDC_NOT_FINITE;
	if (st != SDC_COUNT && e->abs_sum > 0) {
		if (sdc_dominated(p->dominance_n, p->dominance_k,
				  sdc_top_sum(e, p->dominance_n), e->abs_sum))
			return SDC_DOMINANCE;
		if (sdc_p_violated(p->p_percent, e->ntop > 0 ? e->top[0] : 0,
				   e->ntop > 1 ? e->top[1] : 0, e->abs_sum))
			return SDC_P_PERCENT;
	}
	if (st != SDC_COUNT && e->negatives > 0 &&
	    (r = by_action(p->negatives, SDC_NEGATIVES, flags)) != SDC_OK)
		return r;
	if (st != SDC_COUNT && e->missing > 0 &&
	    (r = by_action(p->missing, SDC_MISSING, flags)) != SDC_OK)
		return r;
	if (published == 0 &&
	    (r = by_action(p->zeros, SDC_ZEROS, flags)) != SDC_OK)
		return r;
	return SDC_OK;
}
