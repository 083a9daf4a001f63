/*
 * data_query.c - the script's query tables turned into a struct query
 * (query.h): the `by` and `where` tables and the options table of ds:count,
 * ds:sum and ds:mean; which rows pass the filters; which columns a query
 * reads.
 *
 * Contract: every column name goes through dataset_resolve, so an ungranted
 * name stops the run here, before anything is answered.  A parsed query
 * points into Lua strings and GC blobs that the caller keeps alive (the
 * `keep` table).  Errors in the tables are Lua errors.
 */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "data_priv.h"
#include "luabox_priv.h"

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
void
data_parse_where(lua_State *L, struct dataset *d, int idx, int keep,
		 struct query *q)
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

		f->col = dataset_resolve(L, d, names[i]);
		lua_getfield(L, idx, names[i]);
		/* Anchor the value: `where` may be a weak table, and the
		 * filter points into the strings of a value list. */
		lua_pushvalue(L, -1);
		lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
		if (lua_type(L, -1) == LUA_TTABLE) {
			f->nvals = lua_rawlen(L, -1);
			f->vals = data_blob(L, f->nvals * sizeof(*f->vals));
			lua_rawseti(L, keep,
				    (lua_Integer)lua_rawlen(L, keep) + 1);
			for (j = 0; j < f->nvals; j++) {
				lua_rawgeti(L, -1, (lua_Integer)j + 1);
				read_fval(L, -1, &f->vals[j], names[i]);
				lua_pop(L, 1);
			}
		} else {
			f->nvals = 1;
			f->vals = data_blob(L, sizeof(*f->vals));
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
		q->by[q->nby++] = dataset_resolve(L, d, lua_tostring(L, idx));
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
		q->by[q->nby] = dataset_resolve(L, d, lua_tostring(L, -1));
		for (j = 0; j < q->nby; j++)
			if (q->by[j] == q->by[q->nby])
				luaL_error(L, "by: column '%s' given twice",
					   lua_tostring(L, -1));
		q->nby++;
		lua_pop(L, 1);
	}
}

/* Parse an options table {by=, where=} at `idx` (may be none/nil). */
void
data_parse_options(lua_State *L, struct dataset *d, int idx, int keep,
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
		data_parse_where(L, d, lua_gettop(L), keep, q);
	lua_pop(L, 1);
}

bool
data_row_passes(const struct query *q, const struct csvscan *s)
{
	size_t i;

	for (i = 0; i < q->nwhere; i++) {
		const struct filter *f = &q->where[i];

		if (!query_filter_pass(f, s->fptr[f->col], s->flen[f->col]))
			return false;
	}
	return true;
}

void
data_mark_read(struct dataset *d, const struct query *q)
{
	size_t i;

	for (i = 0; i < q->nby; i++)
		d->read[q->by[i]] = true;
	for (i = 0; i < q->nwhere; i++)
		d->read[q->where[i].col] = true;
	if (q->has_value)
		d->read[q->value_col] = true;
}
