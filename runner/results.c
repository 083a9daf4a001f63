/* results.c - strict parsing of result records; see results.h. */
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "results.h"

/* Refuse absurd shapes before allocating for them. */
#define MAX_COLS 1024
#define MAX_OUTPUTS 1000
/* As sandbox/lua/data.c MAX_QUERIES. */
#define MAX_QUERIES 4096
#define MAX_WHERE 16
#define MAX_VALUES 100000

static void
set_flags(struct output *o, uint8_t f)
{
	o->after_rows = (f & CHAN_FLAG_AFTER_ROWS) != 0;
	o->after_withheld = (f & CHAN_FLAG_AFTER_WITHHELD) != 0;
}

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
		/* An evidence field takes at least 60 bytes. */
		if (c->bad || o->nrows > (c->len - c->off) / 60)
			return false;
		o->evidence =
		    xcalloc(o->nrows ? o->nrows : 1, sizeof(*o->evidence));
		for (i = 0; i < o->nrows; i++)
			evidence_get(c, &o->evidence[i]);
	}
	o->query = chan_get_u32(c);
	set_flags(o, chan_get_u8(c));
	return chan_cursor_done(c);
}

static bool
parse_text(struct chan_cursor *c, struct output *o)
{
	o->kind = OUTPUT_TEXT;
	o->name = chan_get_strdup(c);
	o->description = chan_get_strdup(c);
	o->text = chan_get_strdup(c);
	set_flags(o, chan_get_u8(c));
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
	u->iterated = chan_get_u8(c) != 0;
	return chan_cursor_done(c);
}

static bool
parse_counts(struct chan_cursor *c, struct ledger_count **v, size_t *n)
{
	size_t i;

	*n = chan_get_u32(c);
	if (c->bad || *n > 64)
		return false;
	*v = xcalloc(*n + 1, sizeof(**v));
	for (i = 0; i < *n; i++) {
		(*v)[i].reason = chan_get_strdup(c);
		(*v)[i].cells = chan_get_u32(c);
	}
	return !c->bad;
}

static bool
parse_query(struct chan_cursor *c, struct ledger_entry *q)
{
	size_t i, j;

	q->id = chan_get_u32(c);
	q->dataset = chan_get_strdup(c);
	q->statistic = chan_get_strdup(c);
	q->value_column = chan_get_strdup(c);
	q->nby = chan_get_u32(c);
	if (c->bad || q->nby > MAX_COLS)
		return false;
	q->by = xcalloc(q->nby + 1, sizeof(*q->by));
	for (i = 0; i < q->nby; i++)
		q->by[i] = chan_get_strdup(c);
	q->nwhere = chan_get_u32(c);
	if (c->bad || q->nwhere > MAX_WHERE)
		return false;
	q->where = xcalloc(q->nwhere + 1, sizeof(*q->where));
	for (i = 0; i < q->nwhere; i++) {
		struct ledger_filter *f = &q->where[i];

		f->column = chan_get_strdup(c);
		f->nvals = chan_get_u32(c);
		if (c->bad || f->nvals > MAX_VALUES ||
		    f->nvals > c->len - c->off)
			return false;
		f->vals = xcalloc(f->nvals + 1, sizeof(*f->vals));
		for (j = 0; j < f->nvals; j++) {
			f->vals[j].kind = chan_get_u8(c);
			if (f->vals[j].kind == CELL_STR)
				f->vals[j].str = chan_get_strdup(c);
			else if (f->vals[j].kind == CELL_NUM)
				f->vals[j].num = chan_get_f64(c);
			else
				return false;
		}
	}
	q->released = chan_get_u32(c);
	if (!parse_counts(c, &q->withheld, &q->nwithheld) ||
	    !parse_counts(c, &q->flagged, &q->nflagged))
		return false;
	q->after_rows = chan_get_u8(c) != 0;
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
		case CHAN_QUERY:
			if (r->nledger == MAX_QUERIES)
				break;
			r->ledger = xreallocarray(r->ledger, r->nledger + 1,
						  sizeof(*r->ledger));
			memset(&r->ledger[r->nledger], 0, sizeof(*r->ledger));
			ok = parse_query(&c, &r->ledger[r->nledger++]);
			/* numbered 1, 2, ... in order */
			ok = ok && r->ledger[r->nledger - 1].id == r->nledger;
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

static void
counts_fini(struct ledger_count *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		free(v[i].reason);
	free(v);
}

static void
ledger_entry_fini(struct ledger_entry *q)
{
	size_t i, j;

	free(q->dataset);
	free(q->statistic);
	free(q->value_column);
	for (i = 0; q->by != NULL && i < q->nby; i++)
		free(q->by[i]);
	free(q->by);
	for (i = 0; q->where != NULL && i < q->nwhere; i++) {
		free(q->where[i].column);
		for (j = 0; q->where[i].vals != NULL && j < q->where[i].nvals;
		     j++)
			free(q->where[i].vals[j].str);
		free(q->where[i].vals);
	}
	free(q->where);
	counts_fini(q->withheld, q->nwithheld);
	counts_fini(q->flagged, q->nflagged);
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
	for (i = 0; i < r->nledger; i++)
		ledger_entry_fini(&r->ledger[i]);
	free(r->ledger);
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
