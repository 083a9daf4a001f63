/* results.c - strict parsing of result records; see results.h. */
#include <stdlib.h>
#include <string.h>

#include "results.h"

/* Refuse absurd shapes before allocating for them. */
#define MAX_COLS 1024
#define MAX_OUTPUTS 1000

static bool
parse_table(struct chan_cursor *c, struct output *o)
{
	size_t i, ncells;

	o->kind = OUTPUT_TABLE;
	o->name = chan_get_strdup(c);
	o->description = chan_get_strdup(c);
	o->statistic = chan_get_strdup(c);
	o->dataset = chan_get_strdup(c);
	o->value_column = chan_get_strdup(c);
	o->has_evidence = chan_get_u8(c) != 0;
	o->ncols = chan_get_u32(c);
	o->nkeys = chan_get_u32(c);
	if (c->bad || o->ncols == 0 || o->ncols > MAX_COLS ||
	    o->nkeys > o->ncols)
		return false;
	o->cols = xcalloc(o->ncols, sizeof(*o->cols));
	for (i = 0; i < o->ncols; i++)
		o->cols[i] = chan_get_strdup(c);
	o->nrows = chan_get_u32(c);
	/* Each cell takes at least one byte on the wire. */
	if (c->bad || o->nrows > (c->len - c->off) / o->ncols + 1)
		return false;
	ncells = o->nrows * o->ncols;
	o->cells = xcalloc(ncells ? ncells : 1, sizeof(*o->cells));
	for (i = 0; i < ncells && !c->bad; i++) {
		struct out_cell *cell = &o->cells[i];

		cell->kind = chan_get_u8(c);
		if (cell->kind == CELL_STR)
			cell->str = chan_get_strdup(c);
		else if (cell->kind == CELL_NUM)
			cell->num = chan_get_f64(c);
		else if (cell->kind != CELL_MISSING)
			return false;
	}
	if (o->has_evidence) {
		if (c->bad || o->nrows > (c->len - c->off) / 48)
			return false;
		o->evidence =
		    xcalloc(o->nrows ? o->nrows : 1, sizeof(*o->evidence));
		for (i = 0; i < o->nrows; i++) {
			struct out_evidence *e = &o->evidence[i];

			e->contributors = chan_get_u64(c);
			e->negatives = chan_get_u64(c);
			e->missing = chan_get_u64(c);
			e->top1 = chan_get_f64(c);
			e->top2 = chan_get_f64(c);
			e->total = chan_get_f64(c);
		}
	}
	return chan_cursor_done(c);
}

static bool
parse_text(struct chan_cursor *c, struct output *o)
{
	o->kind = OUTPUT_TEXT;
	o->name = chan_get_strdup(c);
	o->description = chan_get_strdup(c);
	o->text = chan_get_strdup(c);
	return chan_cursor_done(c);
}

static bool
parse_usage(struct chan_cursor *c, struct usage *u)
{
	size_t i;

	u->dataset = chan_get_strdup(c);
	u->source = chan_get_strdup(c);
	u->rows = chan_get_u64(c);
	u->ncols = chan_get_u32(c);
	if (c->bad || u->ncols > MAX_COLS)
		return false;
	u->cols = xcalloc(u->ncols ? u->ncols : 1, sizeof(*u->cols));
	for (i = 0; i < u->ncols; i++)
		u->cols[i] = chan_get_strdup(c);
	return chan_cursor_done(c);
}

static bool
parse_setting(struct chan_cursor *c, struct run_results *r)
{
	while (!c->bad && c->off < c->len) {
		r->setting = xreallocarray(r->setting, r->nsetting + 1,
					   sizeof(*r->setting));
		r->setting[r->nsetting].key = chan_get_strdup(c);
		r->setting[r->nsetting].value = chan_get_strdup(c);
		r->nsetting++;
	}
	return chan_cursor_done(c);
}

static void
bad(struct run_results *r, const char *why)
{
	r->malformed = true;
	r->malformed_reason = xstrdup(why);
}

void
results_parse(const void *stream, size_t len, struct run_results *r)
{
	size_t off = 0;
	bool seen_setting = false;

	memset(r, 0, sizeof(*r));
	for (;;) {
		const uint8_t *payload;
		struct chan_cursor c;
		uint32_t plen;
		uint8_t type;
		int rc =
		    chan_next_record(stream, len, &off, &type, &payload, &plen);
		bool ok = false;

		if (rc == 0)
			return;
		if (rc < 0) {
			bad(r, "truncated or oversized record");
			return;
		}
		if (r->done || r->error_class != NULL) {
			bad(r, "record after the end of the run");
			return;
		}
		chan_cursor_init(&c, payload, plen);
		switch (type) {
		case CHAN_SETTING:
			/* Only the first one, written before any bundle code
			 * ran, is believed. */
			ok = !seen_setting && parse_setting(&c, r);
			seen_setting = true;
			break;
		case CHAN_TABLE:
		case CHAN_TEXT:
			if (r->noutputs == MAX_OUTPUTS)
				break;
			r->outputs = xreallocarray(r->outputs, r->noutputs + 1,
						   sizeof(*r->outputs));
			memset(&r->outputs[r->noutputs], 0,
			       sizeof(*r->outputs));
			r->noutputs++;
			ok = type == CHAN_TABLE
				 ? parse_table(&c, &r->outputs[r->noutputs - 1])
				 : parse_text(&c, &r->outputs[r->noutputs - 1]);
			break;
		case CHAN_USAGE:
			r->usages = xreallocarray(r->usages, r->nusages + 1,
						  sizeof(*r->usages));
			memset(&r->usages[r->nusages], 0, sizeof(*r->usages));
			ok = parse_usage(&c, &r->usages[r->nusages++]);
			break;
		case CHAN_ERROR:
			r->error_class = chan_get_strdup(&c);
			r->error_message = chan_get_strdup(&c);
			r->error_traceback = chan_get_strdup(&c);
			ok = chan_cursor_done(&c);
			break;
		case CHAN_DONE:
			r->done = true;
			ok = plen == 0;
			break;
		default:
			break;
		}
		if (!ok) {
			bad(r, "malformed record");
			return;
		}
	}
}

static void
output_fini(struct output *o)
{
	size_t i;

	free(o->name);
	free(o->description);
	free(o->statistic);
	free(o->dataset);
	free(o->value_column);
	for (i = 0; o->cols != NULL && i < o->ncols; i++)
		free(o->cols[i]);
	free(o->cols);
	for (i = 0; o->cells != NULL && i < o->nrows * o->ncols; i++)
		free(o->cells[i].str);
	free(o->cells);
	free(o->evidence);
	free(o->text);
}

void
results_fini(struct run_results *r)
{
	size_t i, j;

	for (i = 0; i < r->nsetting; i++) {
		free(r->setting[i].key);
		free(r->setting[i].value);
	}
	free(r->setting);
	for (i = 0; i < r->noutputs; i++)
		output_fini(&r->outputs[i]);
	free(r->outputs);
	for (i = 0; i < r->nusages; i++) {
		free(r->usages[i].dataset);
		free(r->usages[i].source);
		for (j = 0; j < r->usages[i].ncols; j++)
			free(r->usages[i].cols[j]);
		free(r->usages[i].cols);
	}
	free(r->usages);
	free(r->error_class);
	free(r->error_message);
	free(r->error_traceback);
	free(r->malformed_reason);
	memset(r, 0, sizeof(*r));
}

const struct output *
results_output(const struct run_results *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->noutputs; i++)
		if (strcmp(r->outputs[i].name, name) == 0)
			return &r->outputs[i];
	return NULL;
}
