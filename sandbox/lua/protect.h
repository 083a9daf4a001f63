/*
 * protect.h - answers a script may see: every aggregate query of a
 * dataset is computed from the atoms (atoms.h), each cell judged by the
 * primary rules (sdc.h), and the cells that pass are audited against
 * every earlier answer of the run (audit.h) before any is released.
 *
 * What a script reads of an answer is exactly what would be published:
 * released cells with their published values (rounded counts and sums,
 * protected means).  A withheld cell is not in the answer at all, so a
 * group that is too small and a group nobody is in look the same.
 * Every query is recorded for the report's ledger with what was withheld
 * and why.  Secondary suppression comes from the order of release: the
 * cells of a query are offered to the auditor largest first, and a cell
 * that would let a small group be derived is withheld.
 */
#ifndef PROEFTUIN_PROTECT_H
#define PROEFTUIN_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "sdc.h"
#include "util.h"

struct engine;

/* The released part of one answer; owned by the caller after
 * engine_answer, freed with answer_fini. */
struct answer {
	size_t ncells;
	char *keys; /* per cell: per by column u8 present, u32 len, bytes */
	size_t *koff;
	uint32_t *klen;
	double *value; /* published */
	struct sdc_evidence *ev;
	uint32_t withheld[SDC_NREASONS];
	uint32_t flagged[SDC_NREASONS];
};

/* `names`: the header (ncols names), borrowed for the engine's life. */
struct engine *engine_new(int fd, const char *dataset, size_t ncols,
			  char *const *names, const struct sdc_params *p,
			  uint64_t prime, bool custodian);

/* Register a query (copies what it needs); returns its number in this
 * engine, from 0. */
size_t engine_register(struct engine *e, const struct query *q);

/* Make the atoms cover every registered query (one pass over the file
 * when they do not).  Returns 0, or -1 with a message: a data error
 * (`*memory` false) or the engine's memory cap (`*memory` true).  On
 * custodian data a data error names no line and no value. */
int engine_refresh(struct engine *e, struct sbuf *msg, bool *memory);

/* Answer registered query `q` (after engine_refresh). */
void engine_answer(struct engine *e, size_t q, struct answer *out);
void answer_fini(struct answer *a);

/* Data rows of the file, once a pass has read it. */
bool engine_rows(const struct engine *e, uint64_t *rows);

/* The CHAN_QUERY record of query `q` (see channel.h). */
void engine_encode_query(const struct engine *e, size_t q, uint32_t id,
			 const struct answer *a, bool after_rows,
			 struct sbuf *sb);

#endif
