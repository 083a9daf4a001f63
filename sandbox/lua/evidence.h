/*
 * evidence.h - the wire encoding of an aggregate cell's evidence (rows,
 * values, contributors, the largest absolute values; see sdc.h) inside a
 * result-channel record: the data API writes it, the runner reads it.  The
 * channel (channel.h) frames records and knows nothing of what they mean.
 */
#ifndef PROEFTUIN_EVIDENCE_H
#define PROEFTUIN_EVIDENCE_H

#include "channel.h"
#include "sdc.h"

void evidence_put(struct sbuf *sb, const struct sdc_evidence *e);
/* ntop is capped at SDC_MAX_TOP (more sets the cursor's `bad`). */
void evidence_get(struct chan_cursor *c, struct sdc_evidence *e);

#endif
