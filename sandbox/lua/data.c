/*
 * data.c - the data API inside the sandbox: datasets, grants, protected
 * aggregates, and row iteration where the profile allows it.
 *
 *   data.open(name)                       a dataset of the configuration
 *   ds:columns()                          granted columns, in file order
 *   ds:count{by=, where=}                 aggregate
 *   ds:sum(col, {by=, where=})            aggregate
 *   ds:mean(col, {by=, where=})           aggregate
 *   ds:rows{col, ..., where=}             iterator of row tables (access=rows)
 *
 * `by` is a column name or a list of names.  `where` maps a column to a
 * value or a list of values; a row passes when every listed column equals
 * one of its values (a string compares bytewise with the cell, a number
 * numerically with a cell that parses as a number).
 *
 * Every answer a script can read is a release (protect.h): an aggregate
 * holds only the cells that passed the primary rules and the auditor, with
 * their published values, in key order.  A cell that was withheld is not
 * there; every query goes to the report's ledger (CHAN_QUERY) as soon as
 * it is answered.  Aggregates are answered lazily and in batches: the
 * first use of any queued aggregate (output.table, #, rows, columns,
 * tostring) answers every aggregate queued on its dataset, with at most
 * one pass over the file.  Whatever is still queued when the script
 * returns is answered then, so bad data is always reported.
 *
 * Grants: naming a column that the profile does not grant, anywhere, ends
 * the run with the finding COLUMN_NOT_GRANTED (whether or not the file has
 * that column, so the answer leaks nothing); ds:rows without access=rows
 * ends it with ROWS_NOT_GRANTED.  Columns used by any query are recorded
 * and sent as CHAN_USAGE with the number of data rows of the file.
 *
 * Bad input in an aggregate pass (a row with the wrong number of fields,
 * invalid UTF-8, broken quoting, a value of a sum or mean column that is
 * not a decimal number) ends the run with the finding DATA_ERROR.  It is
 * decided over the whole file and column, whatever `where` and `by` say,
 * and on custodian data names neither the line nor the value, so it
 * cannot be used to find rows.  In ds:rows, where the script reads the
 * rows anyway, it is a Lua error naming the line.  An empty cell is a
 * missing value: counted in the evidence, never a number.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "atoms.h"
#include "audit.h"
#include "channel.h"
#include "evidence.h"
#include "csvscan.h"
#include "luabox_priv.h"
#include "protect.h"
#include "query.h"
#include "sandbox.h"

#define DATASET_MT "proeftuin.dataset"
#define AGG_MT "proeftuin.aggregate"
#define SCAN_MT "proeftuin.scan"

#define MAX_ROW_COLS 250 /* a C closure has at most 255 upvalues */
/* Aggregate queries per run: each is a line of the report's ledger. */
#define MAX_QUERIES 4096

static const char *const stat_name[] = { "count", "sum", "mean" };

struct dataset {
	const struct luabox_dataset *cfg;
	bool opened;
	size_t ncols;
	char **cols;   /* the header */
	bool *granted; /* per header column */
	bool *read;    /* per header column: used by some query */
	bool iterated; /* ds:rows was called */
	uint64_t rows; /* data rows, once a pass has seen them all */
	bool rows_known;
	struct engine *eng;
};

static const struct luabox_config *data_cfg;
static struct dataset *datasets;
static bool rows_read;	   /* some ds:rows was called */
static uint32_t nqueries;  /* ledger numbers handed out */
static bool engine_busy;   /* a batch is being answered */
static bool withheld_seen; /* some answer had cells withheld */

bool
data_rows_read(void)
{
	return rows_read;
}

bool
data_withheld_seen(void)
{
	return withheld_seen;
}

uint8_t
data_output_flags(void)
{
	return (uint8_t)((rows_read ? CHAN_FLAG_AFTER_ROWS : 0) |
			 (withheld_seen ? CHAN_FLAG_AFTER_WITHHELD : 0));
}

/* ---- memory ---- */

/* A block owned by the GC; pushes it on the stack. */
static void *
blob(lua_State *L, size_t n)
{
	return lua_newuserdatauv(L, n > 0 ? n : 1, 0);
}

static void
set_locked_metatable(lua_State *L, const char *name, lua_CFunction gc)
{
	if (luaL_newmetatable(L, name)) {
		lua_pushliteral(L, LUABOX_LOCKED);
		lua_setfield(L, -2, "__metatable");
		if (gc != NULL) {
			lua_pushcfunction(L, gc);
			lua_setfield(L, -2, "__gc");
		}
	}
	lua_setmetatable(L, -2);
}

/* ---- scans ---- */

struct scanbox {
	struct csvscan s;
	struct dataset *d;
	bool header_done;
};

static int
scan_gc(lua_State *L)
{
	struct scanbox *sb = lua_touserdata(L, 1);

	csvscan_fini(&sb->s);
	return 0;
}

static PT_NORETURN void
scan_error(lua_State *L, struct scanbox *sb)
{
	luaL_error(L, "dataset '%s': %s", sb->d->cfg->name, sb->s.err);
	abort(); /* not reached */
}

/* Push a new scan of `d` positioned before the header. */
static struct scanbox *
scan_new(lua_State *L, struct dataset *d)
{
	struct scanbox *sb = lua_newuserdatauv(L, sizeof(*sb), 1);
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);

	memset(sb, 0, sizeof(*sb));
	sb->d = d;
	set_locked_metatable(L, SCAN_MT, scan_gc);
	if (csvscan_init(&sb->s, d->cfg->fd, f, ud) < 0)
		scan_error(L, sb);
	return sb;
}

/* Next data row; checks the field count.  Returns false at the end. */
static bool
scan_row(lua_State *L, struct scanbox *sb)
{
	int r;

	if (!sb->header_done) {
		r = csvscan_next(&sb->s);
		if (r < 0)
			scan_error(L, sb);
		if (r == 0)
			luaL_error(L, "dataset '%s': empty file",
				   sb->d->cfg->name);
		sb->header_done = true;
	}
	r = csvscan_next(&sb->s);
	if (r < 0)
		scan_error(L, sb);
	if (r == 0)
		return false;
	if (sb->s.nfields != sb->d->ncols)
		luaL_error(
		    L, "dataset '%s': line %d: expected %d fields, found %d",
		    sb->d->cfg->name, (int)sb->s.rec_line, (int)sb->d->ncols,
		    (int)sb->s.nfields);
	return true;
}

/* ---- datasets ---- */

static bool
is_granted_name(const struct luabox_dataset *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ncolumns; i++)
		if (strcmp(c->columns[i], name) == 0)
			return true;
	return false;
}

static void
read_header(lua_State *L, struct dataset *d)
{
	struct scanbox *sb = scan_new(L, d);
	size_t i, j;
	int r = csvscan_next(&sb->s);

	if (r < 0)
		scan_error(L, sb);
	if (r == 0)
		luaL_error(L, "dataset '%s': empty file, no header",
			   d->cfg->name);
	d->ncols = sb->s.nfields;
	d->cols = xcalloc(d->ncols, sizeof(*d->cols));
	d->granted = xcalloc(d->ncols, sizeof(*d->granted));
	d->read = xcalloc(d->ncols, sizeof(*d->read));
	for (i = 0; i < d->ncols; i++) {
		if (sb->s.flen[i] == 0 ||
		    memchr(sb->s.fptr[i], '\0', sb->s.flen[i]) != NULL)
			luaL_error(L,
				   "dataset '%s': header column %d has no name",
				   d->cfg->name, (int)i + 1);
		d->cols[i] = xstrndup(sb->s.fptr[i], sb->s.flen[i]);
		for (j = 0; j < i; j++)
			if (strcmp(d->cols[i], d->cols[j]) == 0)
				luaL_error(L,
					   "dataset '%s': column '%s' appears "
					   "twice in the header",
					   d->cfg->name, d->cols[i]);
		d->granted[i] = is_granted_name(d->cfg, d->cols[i]);
	}
	for (i = 0; i < d->cfg->ncolumns; i++) {
		for (j = 0; j < d->ncols; j++)
			if (strcmp(d->cfg->columns[i], d->cols[j]) == 0)
				break;
		if (j == d->ncols)
			luaL_error(L,
				   "dataset '%s': granted column '%s' is not "
				   "in the file's header",
				   d->cfg->name, d->cfg->columns[i]);
	}
	d->opened = true;
	d->eng = engine_new(
	    d->cfg->fd, d->cfg->name, d->ncols, d->cols, &data_cfg->disclosure,
	    audit_prime(data_cfg->audit_seed + (uint64_t)(d - datasets)),
	    d->cfg->source != NULL && strcmp(d->cfg->source, "custodian") == 0);
	lua_pop(L, 1);
}

/* Column `name` of `d` for reading.  Not granted: the run stops. */
static size_t
resolve(lua_State *L, struct dataset *d, const char *name)
{
	size_t i;

	if (!is_granted_name(d->cfg, name)) {
		char *msg =
		    xasprintf("dataset '%s': column '%s' is not granted "
			      "by the profile",
			      d->cfg->name, name);
		char *tb = luabox_traceback(L);

		luabox_stop("COLUMN_NOT_GRANTED", msg, tb, SBX_EXIT_LUA_ERROR);
	}
	for (i = 0; i < d->ncols; i++)
		if (strcmp(d->cols[i], name) == 0)
			return i;
	luaL_error(L, "dataset '%s': no column '%s'", d->cfg->name, name);
	return 0;
}

static struct dataset *
check_dataset(lua_State *L, int idx)
{
	struct dataset **dp = luaL_checkudata(L, idx, DATASET_MT);

	return *dp;
}

static int
data_open(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	size_t i;

	for (i = 0; i < data_cfg->ndatasets; i++)
		if (strcmp(data_cfg->datasets[i].name, name) == 0)
			break;
	if (i == data_cfg->ndatasets)
		return luaL_error(L,
				  "data.open: no dataset '%s' is declared "
				  "and granted",
				  name);
	if (data_cfg->datasets[i].access != LUABOX_ACCESS_AGGREGATE &&
	    data_cfg->datasets[i].access != LUABOX_ACCESS_ROWS)
		return luaL_error(L, "data.open: dataset '%s' is not granted",
				  name);
	if (!datasets[i].opened)
		read_header(L, &datasets[i]);
	*(struct dataset **)lua_newuserdatauv(L, sizeof(struct dataset *), 0) =
	    &datasets[i];
	luaL_setmetatable(L, DATASET_MT);
	return 1;
}

static int
ds_columns(lua_State *L)
{
	struct dataset *d = check_dataset(L, 1);
	size_t i;
	lua_Integer n = 0;

	lua_newtable(L);
	for (i = 0; i < d->ncols; i++) {
		if (!d->granted[i])
			continue;
		lua_pushstring(L, d->cols[i]);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

static int
ds_tostring(lua_State *L)
{
	struct dataset *d = check_dataset(L, 1);

	lua_pushfstring(L, "dataset: %s", d->cfg->name);
	return 1;
}

static int
cmp_cstr(const void *a, const void *b, void *arg)
{
	(void)arg;
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
read_fval(lua_State *L, int idx, struct fval *f, const char *col)
{
	if (lua_type(L, idx) == LUA_TSTRING) {
		f->s = lua_tolstring(L, idx, &f->len);
		f->isnum = false;
	} else if (lua_type(L, idx) == LUA_TNUMBER) {
		f->num = (double)lua_tonumber(L, idx);
		f->isnum = true;
	} else {
		luaL_error(L,
			   "where: values for '%s' must be strings or "
			   "numbers",
			   col);
	}
}

/* Parse the `where` table at `idx` into q.  Values point into Lua strings
 * owned by that table, which the caller keeps alive; the value arrays are
 * GC blobs kept in the table at `keep`. */
static void
parse_where(lua_State *L, struct dataset *d, int idx, int keep, struct query *q)
{
	const char *names[QUERY_MAX_WHERE];
	size_t n = 0, i;

	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "where: keys must be column names");
		if (n == QUERY_MAX_WHERE)
			luaL_error(L, "where: at most %d columns",
				   QUERY_MAX_WHERE);
		names[n++] = lua_tostring(L, -2);
		lua_pop(L, 1);
	}
	/* Sorted, so which ungranted column is reported does not depend on
	 * hash order. */
	luabox_sort(names, n, sizeof(names[0]), cmp_cstr, NULL);
	for (i = 0; i < n; i++) {
		struct filter *f = &q->where[q->nwhere++];
		size_t j;

		f->col = resolve(L, d, names[i]);
		lua_getfield(L, idx, names[i]);
		/* Anchor the value: `where` may be a weak table, and the
		 * filter points into the strings of a value list. */
		lua_pushvalue(L, -1);
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
		if (lua_type(L, -1) == LUA_TTABLE) {
			f->nvals = lua_rawlen(L, -1);
			f->vals = blob(L, f->nvals * sizeof(*f->vals));
			lua_rawseti(L, keep,
				    (lua_Integer)lua_rawlen(L, keep) + 1);
			for (j = 0; j < f->nvals; j++) {
				lua_rawgeti(L, -1, (lua_Integer)j + 1);
				read_fval(L, -1, &f->vals[j], names[i]);
				lua_pop(L, 1);
			}
		} else {
			f->nvals = 1;
			f->vals = blob(L, sizeof(*f->vals));
			lua_rawseti(L, keep,
				    (lua_Integer)lua_rawlen(L, keep) + 1);
			read_fval(L, -1, &f->vals[0], names[i]);
		}
		lua_pop(L, 1);
	}
}

static void
parse_by(lua_State *L, struct dataset *d, int idx, struct query *q)
{
	size_t i, j, n;

	if (lua_type(L, idx) == LUA_TSTRING) {
		q->by[q->nby++] = resolve(L, d, lua_tostring(L, idx));
		return;
	}
	luaL_checktype(L, idx, LUA_TTABLE);
	n = lua_rawlen(L, idx);
	if (n > QUERY_MAX_BY)
		luaL_error(L, "by: at most %d columns", QUERY_MAX_BY);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, idx, (lua_Integer)i + 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "by: column names must be strings");
		q->by[q->nby] = resolve(L, d, lua_tostring(L, -1));
		for (j = 0; j < q->nby; j++)
			if (q->by[j] == q->by[q->nby])
				luaL_error(L, "by: column '%s' given twice",
					   lua_tostring(L, -1));
		q->nby++;
		lua_pop(L, 1);
	}
}

/* Parse an options table {by=, where=} at `idx` (may be none/nil). */
static void
parse_options(lua_State *L, struct dataset *d, int idx, int keep,
	      struct query *q)
{
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		const char *k =
		    lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";

		if (strcmp(k, "by") != 0 && strcmp(k, "where") != 0)
			luaL_error(L,
				   "unknown option '%s' (expected by, where)",
				   lua_type(L, -2) == LUA_TSTRING ? k : "?");
		lua_pop(L, 1);
	}
	if (lua_getfield(L, idx, "by") != LUA_TNIL)
		parse_by(L, d, lua_gettop(L), q);
	lua_pop(L, 1);
	if (lua_getfield(L, idx, "where") != LUA_TNIL)
		parse_where(L, d, lua_gettop(L), keep, q);
	lua_pop(L, 1);
}

static bool
row_passes(const struct query *q, const struct csvscan *s)
{
	size_t i;

	for (i = 0; i < q->nwhere; i++) {
		const struct filter *f = &q->where[i];

		if (!query_filter_pass(f, s->fptr[f->col], s->flen[f->col]))
			return false;
	}
	return true;
}

static void
mark_read(struct dataset *d, const struct query *q)
{
	size_t i;

	for (i = 0; i < q->nby; i++)
		d->read[q->by[i]] = true;
	for (i = 0; i < q->nwhere; i++)
		d->read[q->where[i].col] = true;
	if (q->has_value)
		d->read[q->value_col] = true;
}

/* ---- aggregates ---- */

struct kcell {
	size_t off;
	uint32_t len;
	bool missing;
};

/*
 * An aggregate is queued when asked and answered in a batch (run_batch).
 * User values: 1 = info table {cols..., dataset=, value_column=},
 * 2 = key cells, 3 = key bytes, 4 = values, 5 = evidence, 6 = what keeps
 * the query's filter values alive until it is registered.
 */
struct agg {
	enum sdc_stat stat;
	bool ready;
	bool after_rows; /* asked after the script read rows */
	struct dataset *d;
	struct query q;
	uint32_t id; /* ledger number */
	size_t nkeys;
	size_t nrows; /* released cells */
	const struct kcell *keys;
	const char *keybytes;
	const double *values;
	const struct sdc_evidence *ev;
};

#define PENDING_KEY "proeftuin.pending"

bool
data_is_aggregate(lua_State *L, int idx)
{
	return luaL_testudata(L, idx, AGG_MT) != NULL;
}

/* Name of the value column: the statistic, prefixed with '_' while it
 * collides with a key column. */
static void
push_value_name(lua_State *L, struct dataset *d, const struct query *q,
		enum sdc_stat st)
{
	struct sbuf sb = SBUF_INIT;
	bool clash;
	size_t i;

	sbuf_adds(&sb, stat_name[st]);
	do {
		clash = false;
		for (i = 0; i < q->nby; i++)
			if (strcmp(d->cols[q->by[i]], sb.buf) == 0)
				clash = true;
		if (clash) {
			char *old = sbuf_steal(&sb);

			sbuf_printf(&sb, "_%s", old);
			free(old);
		}
	} while (clash);
	lua_pushstring(L, sb.buf);
	sbuf_free(&sb);
}

/* Push the pending list of dataset `d` (created on first use). */
static void
push_pending(lua_State *L, const struct dataset *d)
{
	if (lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_setfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
	}
	if (lua_rawgeti(L, -1, d - datasets + 1) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, d - datasets + 1);
	}
	lua_remove(L, -2);
}

/* A stop for what the engine refused: bad data or its memory cap. */
static PT_NORETURN void
engine_stop(lua_State *L, struct sbuf *msg, bool memory)
{
	char *tb = luabox_traceback(L);

	if (memory)
		luabox_stop("MEMORY_LIMIT", msg->buf, tb,
			    SBX_EXIT_MEMORY_LIMIT);
	luabox_stop("DATA_ERROR", msg->buf, tb, SBX_EXIT_LUA_ERROR);
}

/* Copy the released part of `ans` into GC blobs of the aggregate at
 * `agi`, and send its ledger record. */
static void
fill_aggregate(lua_State *L, int agi, struct agg *ag, const struct answer *ans)
{
	struct kcell *kc;
	char *kb;
	double *vals;
	struct sdc_evidence *ev;
	size_t i, j, klen = 0;

	for (i = 0; i < ans->ncells; i++)
		klen += ans->klen[i];
	kc = blob(L, ans->ncells * ag->nkeys * sizeof(*kc));
	kb = blob(L, klen);
	vals = blob(L, ans->ncells * sizeof(*vals));
	ev = blob(L, ans->ncells * sizeof(*ev));
	if (klen > 0)
		memcpy(kb, ans->keys, klen);
	for (i = 0; i < ans->ncells; i++) {
		size_t off = ans->koff[i];

		for (j = 0; j < ag->nkeys; j++) {
			struct kcell *c = &kc[i * ag->nkeys + j];

			memcpy(&c->len, kb + off + 1, 4);
			c->missing = kb[off] == 0;
			c->off = off + 5;
			off += 5 + c->len;
		}
		vals[i] = ans->value[i];
		ev[i] = ans->ev[i];
	}
	ag->nrows = ans->ncells;
	ag->keys = kc;
	ag->keybytes = kb;
	ag->values = vals;
	ag->ev = ev;
	lua_setiuservalue(L, agi, 5);
	lua_setiuservalue(L, agi, 4);
	lua_setiuservalue(L, agi, 3);
	lua_setiuservalue(L, agi, 2);
	lua_pushnil(L);
	lua_setiuservalue(L, agi, 6);
	ag->ready = true;
}

/*
 * Answer every aggregate queued on dataset `d`.
 *
 * Finalizers (__gc) are script code and run whenever the GC steps, which
 * includes the allocations below: one can queue aggregates, or force one,
 * while this batch runs.  So the list is taken out of the registry first
 * and a fresh one put in its place: what a finalizer queues goes to the
 * fresh list and is answered later, and one that forces an aggregate
 * during a batch gets an error instead of reentering the engine.
 */
static void
run_batch(lua_State *L, struct dataset *d)
{
	size_t n, i, *qi;
	struct sbuf msg = SBUF_INIT;
	bool memory;
	int list;

	if (engine_busy)
		return;
	push_pending(L, d);
	list = lua_gettop(L);
	lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
	lua_newtable(L);
	lua_rawseti(L, -2, d - datasets + 1);
	lua_pop(L, 1);
	n = lua_rawlen(L, list);
	if (n == 0) {
		lua_settop(L, list - 1);
		return;
	}
	luaL_checkstack(L, 8, "data: batch of aggregates");
	engine_busy = true;
	qi = xcalloc(n + 1, sizeof(*qi));
	for (i = 0; i < n; i++) {
		struct agg *ag;

		lua_rawgeti(L, list, (lua_Integer)i + 1);
		ag = lua_touserdata(L, -1);
		qi[i] = engine_register(d->eng, &ag->q);
		lua_pop(L, 1);
	}
	if (engine_refresh(d->eng, &msg, &memory) < 0) {
		free(qi);
		engine_stop(L, &msg, memory);
	}
	engine_rows(d->eng, &d->rows);
	d->rows_known = true;
	for (i = 0; i < n; i++) {
		struct answer ans;
		struct sbuf rec = SBUF_INIT;
		struct agg *ag;
		int agi;

		lua_rawgeti(L, list, (lua_Integer)i + 1);
		agi = lua_gettop(L);
		ag = lua_touserdata(L, agi);
		engine_answer(d->eng, qi[i], &ans);
		{
			size_t k;

			for (k = 0; k < SDC_NREASONS; k++)
				withheld_seen =
				    withheld_seen || ans.withheld[k] > 0;
		}
		fill_aggregate(L, agi, ag, &ans);
		engine_encode_query(d->eng, qi[i], ag->id, &ans, ag->after_rows,
				    &rec);
		if (chan_send(luabox_chan_fd(), CHAN_QUERY, &rec) < 0) {
			sbuf_free(&rec);
			answer_fini(&ans);
			free(qi);
			luabox_stop("OUTPUT_LIMIT",
				    "result channel refused the ledger", NULL,
				    SBX_EXIT_OUTPUT_LIMIT);
		}
		sbuf_free(&rec);
		answer_fini(&ans);
		lua_settop(L, agi - 1);
	}
	free(qi);
	engine_busy = false;
	lua_settop(L, list - 1);
}

int
data_flush(lua_State *L)
{
	size_t i;
	bool again = true;

	/* Until no list has work: a finalizer may queue more meanwhile. */
	while (again) {
		again = false;
		for (i = 0; i < data_cfg->ndatasets; i++) {
			push_pending(L, &datasets[i]);
			if (lua_rawlen(L, -1) > 0) {
				run_batch(L, &datasets[i]);
				again = true;
			}
			lua_pop(L, 1);
		}
	}
	return 0;
}

/* Make sure the aggregate at `idx` has its values.  It is not ready after
 * a batch only when a finalizer forces it while a batch is running: an
 * error, never a silently empty aggregate. */
static struct agg *
ready_agg(lua_State *L, int idx)
{
	struct agg *ag = luaL_checkudata(L, idx, AGG_MT);

	if (!ag->ready)
		run_batch(L, ag->d);
	if (!ag->ready)
		luaL_error(L, "aggregate used while it is being computed "
			      "(from a finalizer)");
	return ag;
}

/* count/sum/mean: (self, [col,] opts) -> a queued aggregate */
static int
aggregate(lua_State *L, enum sdc_stat st)
{
	struct dataset *d = check_dataset(L, 1);
	int optidx = st == SDC_COUNT ? 2 : 3, agi, keep;
	struct agg *ag;
	size_t i;

	lua_settop(L, optidx); /* missing options become nil */
	ag = lua_newuserdatauv(L, sizeof(*ag), 6);
	agi = lua_gettop(L);
	memset(ag, 0, sizeof(*ag));
	ag->stat = st;
	ag->q.stat = st;
	ag->d = d;
	ag->after_rows = rows_read;
	set_locked_metatable(L, AGG_MT, NULL);
	lua_newtable(L);
	keep = lua_gettop(L);
	if (st != SDC_COUNT) {
		ag->q.value_col = resolve(L, d, luaL_checkstring(L, 2));
		ag->q.has_value = true;
	}
	parse_options(L, d, optidx, keep, &ag->q);
	if (nqueries >= MAX_QUERIES)
		return luaL_error(L,
				  "data: at most %d aggregate queries per "
				  "run",
				  MAX_QUERIES);
	ag->id = ++nqueries;
	/* the options table holds the strings the filters point into */
	lua_pushvalue(L, optidx);
	lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
	lua_setiuservalue(L, agi, 6);
	mark_read(d, &ag->q);
	ag->nkeys = ag->q.nby;

	lua_createtable(L, (int)ag->q.nby + 1, 2);
	for (i = 0; i < ag->q.nby; i++) {
		lua_pushstring(L, d->cols[ag->q.by[i]]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	push_value_name(L, d, &ag->q, st);
	lua_rawseti(L, -2, (lua_Integer)ag->q.nby + 1);
	lua_pushstring(L, d->cfg->name);
	lua_setfield(L, -2, "dataset");
	lua_pushstring(L, ag->q.has_value ? d->cols[ag->q.value_col] : "");
	lua_setfield(L, -2, "value_column");
	lua_setiuservalue(L, agi, 1);

	push_pending(L, d);
	lua_pushvalue(L, agi);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_settop(L, agi);
	return 1;
}

static int
ds_count(lua_State *L)
{
	return aggregate(L, SDC_COUNT);
}

static int
ds_sum(lua_State *L)
{
	return aggregate(L, SDC_SUM);
}

static int
ds_mean(lua_State *L)
{
	return aggregate(L, SDC_MEAN);
}

/* ---- rows ---- */

struct rowsit {
	struct scanbox *sb;
	struct dataset *d;
	struct query q; /* where filters only */
	size_t ncols;
	size_t col[MAX_ROW_COLS];
	bool done;
	uint64_t rows;
};

/* Iterator: upvalue 1 is the rowsit userdata (user values keep the scan,
 * the column names and the filter values alive). */
static int
rows_next(lua_State *L)
{
	struct rowsit *it = lua_touserdata(L, lua_upvalueindex(1));
	size_t i;

	while (!it->done) {
		bool more;

		/* A data error raises out of scan_row: the iterator then
		 * stays finished instead of resuming a broken parse. */
		it->done = true;
		more = scan_row(L, it->sb);
		it->done = !more;
		if (!more) {
			it->d->rows = it->rows;
			it->d->rows_known = true;
			break;
		}
		it->rows++;
		if (it->q.nwhere > 0 && !row_passes(&it->q, &it->sb->s))
			continue;
		lua_createtable(L, 0, (int)it->ncols);
		for (i = 0; i < it->ncols; i++) {
			size_t c = it->col[i];

			if (it->sb->s.flen[c] == 0)
				continue;
			/* the key strings are upvalues 2.. (no lookups) */
			lua_pushvalue(L, lua_upvalueindex(2 + (int)i));
			lua_pushlstring(L, it->sb->s.fptr[c],
					it->sb->s.flen[c]);
			lua_rawset(L, -3);
		}
		return 1;
	}
	lua_pushnil(L);
	return 1;
}

static int
ds_rows(lua_State *L)
{
	struct dataset *d = check_dataset(L, 1);
	struct rowsit *it;
	size_t i, j, n;
	int iti, keep;

	luaL_checktype(L, 2, LUA_TTABLE);
	if (d->cfg->access != LUABOX_ACCESS_ROWS) {
		char *msg = xasprintf("dataset '%s': the profile grants "
				      "aggregates only, not rows",
				      d->cfg->name);

		luabox_stop("ROWS_NOT_GRANTED", msg, luabox_traceback(L),
			    SBX_EXIT_LUA_ERROR);
	}
	it = lua_newuserdatauv(L, sizeof(*it), 3);
	iti = lua_gettop(L);
	memset(it, 0, sizeof(*it));
	it->d = d;
	lua_newtable(L);
	keep = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, 2) != 0) {
		if (lua_type(L, -2) != LUA_TNUMBER &&
		    !(lua_type(L, -2) == LUA_TSTRING &&
		      strcmp(lua_tostring(L, -2), "where") == 0))
			luaL_error(L, "rows: expected a list of columns and "
				      "an optional where");
		lua_pop(L, 1);
	}
	n = lua_rawlen(L, 2);
	if (n == 0 || n > MAX_ROW_COLS)
		luaL_error(L, "rows: name between 1 and %d columns",
			   MAX_ROW_COLS);
	for (i = 0; i < n; i++) {
		lua_rawgeti(L, 2, (lua_Integer)i + 1);
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "rows: column names must be strings");
		it->col[i] = resolve(L, d, lua_tostring(L, -1));
		for (j = 0; j < i; j++)
			if (it->col[j] == it->col[i])
				luaL_error(L, "rows: column '%s' given twice",
					   lua_tostring(L, -1));
		d->read[it->col[i]] = true;
		lua_pop(L, 1);
	}
	it->ncols = n;
	if (lua_getfield(L, 2, "where") != LUA_TNIL)
		parse_where(L, d, lua_gettop(L), keep, &it->q);
	lua_pop(L, 1);
	mark_read(d, &it->q);
	lua_pushvalue(L, 2);
	lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
	lua_setiuservalue(L, iti, 1);
	it->sb = scan_new(L, d);
	d->iterated = true;
	rows_read = true;
	lua_setiuservalue(L, iti, 2);
	/* up to MAX_ROW_COLS upvalues: more than the LUA_MINSTACK slots a
	 * C function may use without asking */
	luaL_checkstack(L, (int)n + 2, "rows: columns");
	for (i = 0; i < n; i++)
		lua_pushstring(L, d->cols[it->col[i]]);
	lua_pushcclosure(L, rows_next, 1 + (int)n);
	return 1;
}

/* ---- aggregate methods (read-only views for the script) ---- */

static void
push_cell_key(lua_State *L, const struct agg *ag, size_t r, size_t k)
{
	const struct kcell *c = &ag->keys[r * ag->nkeys + k];

	if (c->missing)
		lua_pushnil(L);
	else
		lua_pushlstring(L, ag->keybytes + c->off, c->len);
}

/* Counts, and sums that are whole numbers, as Lua integers; means and
 * other sums as floats. */
static void
push_value(lua_State *L, enum sdc_stat st, double v)
{
	if (st != SDC_MEAN && v == floor(v) && fabs(v) < 9007199254740992.0)
		lua_pushinteger(L, (lua_Integer)v);
	else
		lua_pushnumber(L, v);
}

static int
agg_row_next(lua_State *L)
{
	const struct agg *ag = ready_agg(L, lua_upvalueindex(1));
	lua_Integer i = lua_tointeger(L, lua_upvalueindex(2));
	size_t k;

	if (i < 0 || (size_t)i >= ag->nrows) {
		lua_pushnil(L);
		return 1;
	}
	lua_pushinteger(L, i + 1);
	lua_replace(L, lua_upvalueindex(2));
	lua_getiuservalue(L, lua_upvalueindex(1), 1);
	lua_createtable(L, 0, (int)ag->nkeys + 1);
	for (k = 0; k <= ag->nkeys; k++) {
		lua_rawgeti(L, -2, (lua_Integer)k + 1);
		if (k < ag->nkeys)
			push_cell_key(L, ag, (size_t)i, k);
		else
			push_value(L, ag->stat, ag->values[i]);
		lua_rawset(L, -3);
	}
	return 1;
}

/* agg:rows(): row tables {key columns..., value column = number} of the
 * released cells, in the canonical order. */
static int
agg_rows(lua_State *L)
{
	ready_agg(L, 1);
	lua_settop(L, 1);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, agg_row_next, 2);
	return 1;
}

static int
agg_columns(lua_State *L)
{
	const struct agg *ag = ready_agg(L, 1);
	size_t k;

	lua_getiuservalue(L, 1, 1);
	lua_createtable(L, (int)ag->nkeys + 1, 0);
	for (k = 0; k <= ag->nkeys; k++) {
		lua_rawgeti(L, -2, (lua_Integer)k + 1);
		lua_rawseti(L, -2, (lua_Integer)k + 1);
	}
	return 1;
}

static int
agg_len(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)ready_agg(L, 1)->nrows);
	return 1;
}

static int
agg_tostring(lua_State *L)
{
	const struct agg *ag = ready_agg(L, 1);

	lua_getiuservalue(L, 1, 1);
	lua_getfield(L, -1, "dataset");
	lua_pushfstring(L, "aggregate: %s of %s, %d rows", stat_name[ag->stat],
			lua_tostring(L, -1), (int)ag->nrows);
	return 1;
}

static int
agg_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify a read-only object");
}

size_t
data_encode_aggregate(lua_State *L, int idx, struct sbuf *sb)
{
	const struct agg *ag;
	size_t r, k, ncols, charged = 0;

	idx = lua_absindex(L, idx);
	ag = ready_agg(L, idx);
	ncols = ag->nkeys + 1;
	lua_getiuservalue(L, idx, 1);
	chan_put_cstr(sb, stat_name[ag->stat]);
	lua_getfield(L, -1, "dataset");
	chan_put_cstr(sb, lua_tostring(L, -1));
	lua_getfield(L, -2, "value_column");
	chan_put_cstr(sb, lua_tostring(L, -1));
	lua_pop(L, 2);
	chan_put_u8(sb, 1);
	chan_put_u32(sb, (uint32_t)ncols);
	chan_put_u32(sb, (uint32_t)ag->nkeys);
	for (k = 0; k < ncols; k++) {
		size_t len;
		const char *s;

		lua_rawgeti(L, -1, (lua_Integer)k + 1);
		s = lua_tolstring(L, -1, &len);
		chan_put_str(sb, s, len);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	chan_put_u32(sb, (uint32_t)ag->nrows);
	for (r = 0; r < ag->nrows; r++) {
		for (k = 0; k < ag->nkeys; k++) {
			const struct kcell *c = &ag->keys[r * ag->nkeys + k];

			if (c->missing) {
				chan_put_u8(sb, CELL_MISSING);
			} else {
				chan_put_u8(sb, CELL_STR);
				chan_put_str(sb, ag->keybytes + c->off, c->len);
			}
		}
		/* Charge as we go: a huge aggregate stops early. */
		if (sb->len - charged > 1024 * 1024) {
			luabox_charge_output(sb->len - charged);
			charged = sb->len;
		}
		chan_put_u8(sb, CELL_NUM);
		chan_put_f64(sb, ag->values[r]);
	}
	for (r = 0; r < ag->nrows; r++)
		evidence_put(sb, &ag->ev[r]);
	chan_put_u32(sb, ag->id);
	return charged;
}

/* ---- usage and setup ---- */

void
data_send_usage(int chan_fd)
{
	size_t i, j;

	if (data_cfg == NULL || datasets == NULL)
		return;
	for (i = 0; i < data_cfg->ndatasets; i++) {
		const struct dataset *d = &datasets[i];
		struct sbuf sb = SBUF_INIT;
		uint32_t n = 0;

		chan_put_cstr(&sb, d->cfg->name);
		chan_put_cstr(&sb,
			      d->cfg->source != NULL ? d->cfg->source : "");
		chan_put_u64(&sb, d->rows_known ? d->rows : 0);
		for (j = 0; j < d->ncols; j++)
			n += d->read[j];
		chan_put_u32(&sb, n);
		for (j = 0; j < d->ncols; j++)
			if (d->read[j])
				chan_put_cstr(&sb, d->cols[j]);
		chan_put_u8(&sb, d->iterated ? 1 : 0);
		(void)chan_send(chan_fd, CHAN_USAGE, &sb);
		sbuf_free(&sb);
	}
}

static const luaL_Reg dataset_methods[] = {
	{ "columns", ds_columns }, { "count", ds_count }, { "sum", ds_sum },
	{ "mean", ds_mean },	   { "rows", ds_rows },	  { NULL, NULL },
};

static const luaL_Reg agg_methods[] = {
	{ "rows", agg_rows },
	{ "columns", agg_columns },
	{ NULL, NULL },
};

void
data_push_lib(lua_State *L, const struct luabox_config *cfg)
{
	size_t i;

	data_cfg = cfg;
	/* A stop sends the usage records first, whatever stopped the run. */
	luabox_on_stop(data_send_usage);
	datasets =
	    xcalloc(cfg->ndatasets > 0 ? cfg->ndatasets : 1, sizeof(*datasets));
	for (i = 0; i < cfg->ndatasets; i++)
		datasets[i].cfg = &cfg->datasets[i];
	/* The engine's own memory, apart from the script's (atoms.h). */
	atoms_set_cap(cfg->memory_bytes);

	luaL_newmetatable(L, DATASET_MT);
	luaL_newlib(L, dataset_methods);
	luaenv_readonly(L, -1, "dataset methods");
	lua_setfield(L, -3, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, agg_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ds_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, LUABOX_LOCKED);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	luaL_newmetatable(L, AGG_MT);
	luaL_newlib(L, agg_methods);
	luaenv_readonly(L, -1, "aggregate methods");
	lua_setfield(L, -3, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, agg_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, agg_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, agg_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, LUABOX_LOCKED);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	lua_newtable(L);
	lua_pushcfunction(L, data_open);
	lua_setfield(L, -2, "open");
}
