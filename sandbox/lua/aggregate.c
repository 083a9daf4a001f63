/*
 * aggregate.c - the aggregate userdata of the data API: queued when the
 * script asks, answered in batches through the disclosure boundary
 * (protect.h), and read by the script through read-only views (#, rows,
 * columns, tostring).
 *
 * Contract: the first use of any queued aggregate answers every aggregate
 * queued on its dataset, with at most one pass over the file
 * (aggregate_ready); data_flush answers whatever is still queued when the
 * script returns.  Each answer sends its ledger record (CHAN_QUERY) as soon
 * as it is answered.  An aggregate holds only the released cells.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "channel.h"
#include "data_priv.h"
#include "luabox_priv.h"
#include "protect.h"
#include "sandbox.h"

#define AGG_MT "proeftuin.aggregate"
/* Aggregate queries per run: each is a line of the report's ledger. */
#define MAX_QUERIES 4096
#define PENDING_KEY "proeftuin.pending"

const char *const data_stat_name[] = { "count", "sum", "mean" };

static uint32_t nqueries;  /* ledger numbers handed out */
static bool engine_busy;   /* a batch is being answered */
static bool withheld_seen; /* some answer had cells withheld */

bool
data_withheld_seen(void)
{
	return withheld_seen;
}

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

	sbuf_adds(&sb, data_stat_name[st]);
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
	if (lua_rawgeti(L, -1, d - data_datasets + 1) != LUA_TTABLE) {
		lua_pop(L, 1);
		lua_newtable(L);
		lua_pushvalue(L, -1);
		lua_rawseti(L, -3, d - data_datasets + 1);
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
	kc = data_blob(L, ans->ncells * ag->nkeys * sizeof(*kc));
	kb = data_blob(L, klen);
	vals = data_blob(L, ans->ncells * sizeof(*vals));
	ev = data_blob(L, ans->ncells * sizeof(*ev));
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
	lua_rawseti(L, -2, d - data_datasets + 1);
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
			push_pending(L, &data_datasets[i]);
			if (lua_rawlen(L, -1) > 0) {
				run_batch(L, &data_datasets[i]);
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
struct agg *
aggregate_ready(lua_State *L, int idx)
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
int
aggregate_new(lua_State *L, enum sdc_stat st)
{
	struct dataset *d = dataset_check(L, 1);
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
	ag->after_rows = data_rows_read();
	data_set_locked_metatable(L, AGG_MT, NULL);
	lua_newtable(L);
	keep = lua_gettop(L);
	if (st != SDC_COUNT) {
		ag->q.value_col = dataset_resolve(L, d, luaL_checkstring(L, 2));
		ag->q.has_value = true;
	}
	data_parse_options(L, d, optidx, keep, &ag->q);
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
	data_mark_read(d, &ag->q);
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
	const struct agg *ag = aggregate_ready(L, lua_upvalueindex(1));
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
	aggregate_ready(L, 1);
	lua_settop(L, 1);
	lua_pushinteger(L, 0);
	lua_pushcclosure(L, agg_row_next, 2);
	return 1;
}

static int
agg_columns(lua_State *L)
{
	const struct agg *ag = aggregate_ready(L, 1);
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
	lua_pushinteger(L, (lua_Integer)aggregate_ready(L, 1)->nrows);
	return 1;
}

static int
agg_tostring(lua_State *L)
{
	const struct agg *ag = aggregate_ready(L, 1);

	lua_getiuservalue(L, 1, 1);
	lua_getfield(L, -1, "dataset");
	lua_pushfstring(L, "aggregate: %s of %s, %d rows",
			data_stat_name[ag->stat], lua_tostring(L, -1),
			(int)ag->nrows);
	return 1;
}

static const luaL_Reg agg_methods[] = {
	{ "rows", agg_rows },
	{ "columns", agg_columns },
	{ NULL, NULL },
};

/* Create the aggregate metatable (once per state). */
void
aggregate_register(lua_State *L)
{
	luaL_newmetatable(L, AGG_MT);
	luaL_newlib(L, agg_methods);
	luaenv_readonly(L, -1, "aggregate methods");
	lua_setfield(L, -3, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, data_readonly_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, agg_len);
	lua_setfield(L, -2, "__len");
	lua_pushcfunction(L, agg_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, LUABOX_LOCKED);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}
