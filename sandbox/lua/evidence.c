/* evidence.c - an aggregate's evidence on the result channel; see
 * evidence.h. */
#include <string.h>

#include "evidence.h"

void
evidence_put(struct sbuf *sb, const struct sdc_evidence *e)
{
	uint32_t i, n = e->ntop < SDC_MAX_TOP ? e->ntop : SDC_MAX_TOP;

	chan_put_u64(sb, e->rows);
	chan_put_u64(sb, e->values);
	chan_put_u64(sb, e->nonzero);
	chan_put_u64(sb, e->negatives);
	chan_put_u64(sb, e->missing);
	chan_put_f64(sb, e->sum);
	chan_put_f64(sb, e->abs_sum);
	chan_put_u32(sb, n);
	for (i = 0; i < n; i++)
		chan_put_f64(sb, e->top[i]);
}

void
evidence_get(struct chan_cursor *c, struct sdc_evidence *e)
{
	uint32_t i;

	memset(e, 0, sizeof(*e));
	e->rows = chan_get_u64(c);
	e->values = chan_get_u64(c);
	e->nonzero = chan_get_u64(c);
	e->negatives = chan_get_u64(c);
	e->missing = chan_get_u64(c);
	e->sum = chan_get_f64(c);
	e->abs_sum = chan_get_f64(c);
	e->ntop = chan_get_u32(c);
	if (e->ntop > SDC_MAX_TOP) {
		c->bad = true;
		e->ntop = 0;
		return;
	}
	for (i = 0; i < e->ntop; i++)
		e->top[i] = chan_get_f64(c);
}
