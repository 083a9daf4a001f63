/*
 * luaout.c - the `output` library: what leaves the sandbox, as channel
 * records (see channel.h).
 *
 *   output.table(name, value [, {description=, columns=, keys=}])
 *   output.text(name, text [, {description=}])
 *
 * `value` is an aggregate (its released cells, sent with their evidence
 * and the ledger number of the query, has_evidence = 1) or a plain Lua
 * table (statistic "custom", no evidence, so a person reviews it).  Every
 * output says whether it was made after the script read rows (ds:rows):
 * its name, description and cells may then carry row values.  A plain table is
 * an array of row tables mapping column names to a string, a number or nil
 * (missing).  Columns are `columns` (a list of names) or else every key found
 * in the rows, sorted bytewise; a row key outside `columns` is an error. `keys`
 * (default 0) says how many leading columns are keys.  Rows are sent sorted by
 * all columns (missing < number < string; numbers numerically, strings
 * bytewise), so the bytes never depend on the order in which the script built
 * them.
 *
 * Names: letters, digits, '_', '-' and '.', no leading dot, at most 100
 * bytes, each used once across tables and texts, also ignoring case.  All bytes
 * sent are charged to the output budget.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "channel.h"
#include "luabox_priv.h"
#include "sandbox.h"

#define MAX_NAME 100
#define MAX_COLS 1024
/* The runner (runner/results.c MAX_OUTPUTS) takes at most this many
 * outputs and treats more as malformed results; refuse the next one here,
 * as a Lua error the team can read. */
#define MAX_OUTPUTS 1000

static unsigned outputs_claimed;

/* Send a record of which `charged` bytes were charged already. */
static void
send_record(enum chan_type type, struct sbuf *sb, size_t charged)
{
	if (sb->len > charged)
		luabox_charge_output(sb->len - charged);
	if (chan_send(luabox_chan_fd(), type, sb) < 0)
		luabox_stop("OUTPUT_LIMIT", "result channel refused the output",
			    NULL, SBX_EXIT_OUTPUT_LIMIT);
	sbuf_free(sb);
}

/* Check the name at stack index 1 and reserve it (upvalue 1 is the set of
 * names used). */
static const char *
claim_name(lua_State *L, size_t *len)
{
	const char *name = luaL_checklstring(L, 1, len);
	char fold[MAX_NAME];
	size_t i;

	if (*len == 0 || *len > MAX_NAME || name[0] == '.')
		luaL_error(L,
			   "output name '%s' is not allowed (1 to %d "
			   "letters, digits, _ - . and no leading dot)",
			   name, MAX_NAME);
	for (i = 0; i < *len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			luaL_error(L,
				   "output name '%s' is not allowed (1 to %d "
				   "letters, digits, _ - . and no leading "
				   "dot)",
				   name, MAX_NAME);
	}
	/* The set is keyed by the name in lower case: outputs/Visits.csv
	 * and outputs/visits.csv would be one file once the report folder is
	 * copied to a case-insensitive file system (macOS, Windows), so
	 * SHA256SUMS could no longer be verified there. */
	for (i = 0; i < *len; i++)
		fold[i] = (name[i] >= 'A' && name[i] <= 'Z')
			      ? (char)(name[i] - 'A' + 'a')
			      : name[i];
	lua_pushlstring(L, fold, *len);
	lua_pushvalue(L, -1);
	if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TSTRING) {
		if (strcmp(lua_tostring(L, -1), name) == 0)
			luaL_error(L, "output '%s' was already written", name);
		luaL_error(L,
			   "output '%s' differs from '%s' only in case "
			   "(file names must differ on every file system)",
			   name, lua_tostring(L, -1));
	}
	lua_pop(L, 1);
	if (outputs_claimed == MAX_OUTPUTS)
		luaL_error(L, "output '%s': at most %d outputs per run", name,
			   MAX_OUTPUTS);
	outputs_claimed++;
	lua_pushvalue(L, 1);
	lua_rawset(L, lua_upvalueindex(1));
	return name;
}

static const char *
opt_string(lua_State *L, int opts, const char *key, size_t *len)
{
	const char *s = "";

	*len = 0;
	if (lua_isnoneornil(L, opts))
		return s;
	if (lua_getfield(L, opts, key) != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "option '%s' must be a string", key);
		s = lua_tolstring(L, -1, len);
	}
	lua_pop(L, 1); /* the string stays alive in the options table */
	if (!luabox_clean_text(s, *len))
		luaL_error(L, "option '%s' is not UTF-8 text", key);
	return s;
}

static void
check_options(lua_State *L, int opts, const char *const *allowed)
{
	if (lua_isnoneornil(L, opts))
		return;
	luaL_checktype(L, opts, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, opts) != 0) {
		const char *const *a;
		bool ok = false;

		if (lua_type(L, -2) == LUA_TSTRING)
			for (a = allowed; *a != NULL; a++)
				if (strcmp(*a, lua_tostring(L, -2)) == 0)
					ok = true;
		if (!ok)
			luaL_error(L, "unknown output option");
		lua_pop(L, 1);
	}
}

static int
out_text(lua_State *L)
{
	static const char *const allowed[] = { "description", NULL };
	size_t nlen, tlen, dlen;
	const char *name, *text, *desc;
	struct sbuf sb = SBUF_INIT;

	text = luaL_checklstring(L, 2, &tlen);
	if (!luabox_clean_text(text, tlen))
		return luaL_error(L, "output.text: the text is not UTF-8 "
				     "or contains NUL");
	check_options(L, 3, allowed);
	desc = opt_string(L, 3, "description", &dlen);
	name = claim_name(L, &nlen);
	/* Charge first: a huge text must not be copied before it is
	 * refused. */
	luabox_charge_output(tlen);
	chan_put_str(&sb, name, nlen);
	chan_put_str(&sb, desc, dlen);
	chan_put_str(&sb, text, tlen);
	chan_put_u8(&sb, data_output_flags());
	send_record(CHAN_TEXT, &sb, tlen);
	return 0;
}

/* ---- plain tables ---- */

struct pcell {
	int kind; /* CELL_* */
	double num;
	const char *s;
	size_t len;
};

struct psort {
	size_t ncols;
};

static int
cell_cmp(const struct pcell *a, const struct pcell *b)
{
	int c;

	if (a->kind != b->kind) {
		/* missing < number < string */
		static const int rank[] = {
			[CELL_MISSING] = 0, [CELL_NUM] = 1, [CELL_STR] = 2
		};

		return rank[a->kind] < rank[b->kind] ? -1 : 1;
	}
	if (a->kind == CELL_NUM)
		return a->num < b->num ? -1 : a->num > b->num ? 1 : 0;
	if (a->kind == CELL_STR) {
		c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
		if (c != 0)
			return c;
		return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
	}
	return 0;
}

static int
row_cmp(const void *x, const void *y, void *arg)
{
	const struct psort *ps = arg;
	const struct pcell *a = *(const struct pcell *const *)x;
	const struct pcell *b = *(const struct pcell *const *)y;
	size_t i;
	int c;

	for (i = 0; i < ps->ncols; i++)
		if ((c = cell_cmp(&a[i], &b[i])) != 0)
			return c;
	return 0;
}

static int
cmp_names(const void *a, const void *b, void *arg)
{
	(void)arg;
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Collect the sorted union of row keys into a new list table. */
static void
push_row_keys(lua_State *L, int t, size_t nrows)
{
	size_t i, n = 0, j;

	lua_newtable(L); /* set: name -> true */
	for (i = 1; i <= nrows; i++) {
		if (lua_rawgeti(L, t, (lua_Integer)i) != LUA_TTABLE)
			luaL_error(L, "output.table: row %d is not a table",
				   (int)i);
		lua_pushnil(L);
		while (lua_next(L, -2) != 0) {
			lua_pop(L, 1);
			if (lua_type(L, -1) != LUA_TSTRING)
				luaL_error(L,
					   "output.table: row %d has a "
					   "non-string key",
					   (int)i);
			lua_pushvalue(L, -1);
			if (lua_rawget(L, -4) == LUA_TNIL) {
				if (++n > MAX_COLS)
					luaL_error(L,
						   "output.table: more than "
						   "%d columns",
						   MAX_COLS);
				lua_pushvalue(L, -2);
				lua_pushboolean(L, 1);
				lua_rawset(L, -6);
			}
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	{
		const char **names =
		    lua_newuserdatauv(L, (n + 1) * sizeof(*names), 0);

		j = 0;
		lua_pushnil(L);
		while (lua_next(L, -3) != 0) {
			lua_pop(L, 1);
			names[j++] = lua_tostring(L, -1);
		}
		luabox_sort(names, j, sizeof(*names), cmp_names, NULL);
		lua_createtable(L, (int)j, 0);
		for (i = 0; i < j; i++) {
			lua_pushstring(L, names[i]);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		lua_replace(L, -3); /* list replaces the set */
		lua_pop(L, 1);
	}
}

/* Encode the plain table at `t`; returns the bytes charged so far. */
static size_t
encode_plain(lua_State *L, int t, int opts, struct sbuf *sb)
{
	size_t charged = 0;
	size_t nrows = lua_rawlen(L, t), ncols, nkeys = 0, i, j;
	struct pcell *cells, **order;
	struct psort ps;
	int cols, anchor;

	if (!lua_isnoneornil(L, opts) &&
	    lua_getfield(L, opts, "columns") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TTABLE)
			luaL_error(L,
				   "option 'columns' must be a list of names");
	} else {
		if (!lua_isnoneornil(L, opts))
			lua_pop(L, 1);
		push_row_keys(L, t, nrows);
	}
	cols = lua_gettop(L);
	ncols = lua_rawlen(L, cols);
	if (ncols == 0 || ncols > MAX_COLS)
		luaL_error(L, "output.table: between 1 and %d columns",
			   MAX_COLS);
	for (i = 1; i <= ncols; i++) {
		if (lua_rawgeti(L, cols, (lua_Integer)i) != LUA_TSTRING)
			luaL_error(L, "output.table: column names must be "
				      "strings");
		if (!luabox_clean_text(lua_tostring(L, -1), lua_rawlen(L, -1)))
			luaL_error(L, "output.table: column name is not UTF-8 "
				      "text");
		for (j = 1; j < i; j++) {
			lua_rawgeti(L, cols, (lua_Integer)j);
			if (lua_rawequal(L, -1, -2))
				luaL_error(L,
					   "output.table: column '%s' given "
					   "twice",
					   lua_tostring(L, -2));
			lua_pop(L, 1);
		}
		lua_pop(L, 1);
	}
	if (!lua_isnoneornil(L, opts)) {
		if (lua_getfield(L, opts, "keys") != LUA_TNIL) {
			lua_Integer k;
			int isint;

			k = lua_tointegerx(L, -1, &isint);
			if (!isint || k < 0 || (size_t)k > ncols)
				luaL_error(L,
					   "option 'keys' must be an integer "
					   "from 0 to the number of columns");
			nkeys = (size_t)k;
		}
		lua_pop(L, 1);
	}
	if (nrows > (SIZE_MAX / sizeof(*cells)) / ncols)
		luaL_error(L, "output.table: too many rows");
	cells = lua_newuserdatauv(L, nrows * ncols * sizeof(*cells) + 1, 0);
	order = lua_newuserdatauv(L, nrows * sizeof(*order) + 1, 0);
	/* Anchor every row: `t` may be a weak table, and the cells point
	 * into the rows' strings while we allocate. */
	lua_createtable(L, (int)nrows, 0);
	anchor = lua_gettop(L);
	for (i = 0; i < nrows; i++) {
		size_t seen = 0, nkeys_row = 0;

		if (lua_rawgeti(L, t, (lua_Integer)i + 1) != LUA_TTABLE)
			luaL_error(L, "output.table: row %d is not a table",
				   (int)i + 1);
		lua_pushvalue(L, -1);
		lua_rawseti(L, anchor, (lua_Integer)i + 1);
		for (j = 0; j < ncols; j++) {
			struct pcell *c = &cells[i * ncols + j];

			lua_rawgeti(L, cols, (lua_Integer)j + 1);
			switch (lua_rawget(L, -2)) {
			case LUA_TNIL:
				c->kind = CELL_MISSING;
				break;
			case LUA_TNUMBER:
				c->kind = CELL_NUM;
				c->num = (double)lua_tonumber(L, -1);
				if (!isfinite(c->num))
					luaL_error(L,
						   "output.table: row %d: "
						   "number is not finite",
						   (int)i + 1);
				if (c->num == 0)
					c->num = 0; /* no -0 */
				seen++;
				break;
			case LUA_TSTRING:
				c->kind = CELL_STR;
				c->s = lua_tolstring(L, -1, &c->len);
				if (!luabox_clean_text(c->s, c->len))
					luaL_error(L,
						   "output.table: row %d: "
						   "string is not UTF-8",
						   (int)i + 1);
				seen++;
				break;
			default:
				luaL_error(L,
					   "output.table: row %d: cells must "
					   "be strings, numbers or nil",
					   (int)i + 1);
			}
			lua_pop(L, 1); /* strings stay alive in the row */
		}
		lua_pushnil(L);
		while (lua_next(L, -2) != 0) {
			nkeys_row++;
			lua_pop(L, 1);
		}
		if (nkeys_row != seen)
			luaL_error(L,
				   "output.table: row %d has a field that "
				   "is not one of the columns",
				   (int)i + 1);
		lua_pop(L, 1);
		order[i] = &cells[i * ncols];
	}
	ps.ncols = ncols;
	luabox_sort(order, nrows, sizeof(*order), row_cmp, &ps);

	chan_put_cstr(sb, "custom");
	chan_put_cstr(sb, "");
	chan_put_cstr(sb, "");
	chan_put_u8(sb, 0);
	chan_put_u32(sb, (uint32_t)ncols);
	chan_put_u32(sb, (uint32_t)nkeys);
	for (j = 1; j <= ncols; j++) {
		size_t len;
		const char *s;

		lua_rawgeti(L, cols, (lua_Integer)j);
		s = lua_tolstring(L, -1, &len);
		chan_put_str(sb, s, len);
		lua_pop(L, 1);
	}
	chan_put_u32(sb, (uint32_t)nrows);
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < ncols; j++) {
			const struct pcell *c = &order[i][j];

			chan_put_u8(sb, (uint8_t)c->kind);
			if (c->kind == CELL_STR)
				chan_put_str(sb, c->s, c->len);
			else if (c->kind == CELL_NUM)
				chan_put_f64(sb, c->num);
		}
		/* Charge as we go so a huge table stops early. */
		if (sb->len - charged > 1024 * 1024) {
			luabox_charge_output(sb->len - charged);
			charged = sb->len;
		}
	}
	return charged;
}

static int
out_table(lua_State *L)
{
	static const char *const allowed[] = { "description", "columns", "keys",
					       NULL };
	size_t nlen, dlen;
	const char *name, *desc;
	struct sbuf sb = SBUF_INIT;

	check_options(L, 3, allowed);
	desc = opt_string(L, 3, "description", &dlen);
	if (!data_is_aggregate(L, 2) && lua_type(L, 2) != LUA_TTABLE)
		return luaL_error(L, "output.table: expected an aggregate or a "
				     "table of rows");
	name = claim_name(L, &nlen);
	chan_put_str(&sb, name, nlen);
	chan_put_str(&sb, desc, dlen);
	if (data_is_aggregate(L, 2)) {
		if (!lua_isnoneornil(L, 3) &&
		    (lua_getfield(L, 3, "columns") != LUA_TNIL ||
		     lua_getfield(L, 3, "keys") != LUA_TNIL))
			return luaL_error(L, "output.table: columns and keys "
					     "apply to plain tables only");
		size_t charged = data_encode_aggregate(L, 2, &sb);

		chan_put_u8(&sb, data_output_flags());
		send_record(CHAN_TABLE, &sb, charged);
	} else {
		size_t charged = encode_plain(L, 2, 3, &sb);

		chan_put_u32(&sb, 0); /* no query: a custom table */
		chan_put_u8(&sb, data_output_flags());
		send_record(CHAN_TABLE, &sb, charged);
	}
	return 0;
}

static const luaL_Reg output_funcs[] = {
	{ "table", out_table },
	{ "text", out_text },
	{ NULL, NULL },
};

void
luaout_push_lib(lua_State *L)
{
	lua_createtable(L, 0, 2);
	lua_newtable(L); /* names used */
	luaL_setfuncs(L, output_funcs, 1);
}
