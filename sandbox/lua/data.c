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
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "atoms.h"
#include "channel.h"
#include "data_priv.h"
#include "luabox_priv.h"
#include "sandbox.h"

#define MAX_ROW_COLS 250 /* a C closure has at most 255 upvalues */

const struct luabox_config *data_cfg;
struct dataset *data_datasets;
static bool rows_read; /* some ds:rows was called */

bool
data_rows_read(void)
{
	return rows_read;
}

uint8_t
data_output_flags(void)
{
	return (uint8_t)((rows_read ? CHAN_FLAG_AFTER_ROWS : 0) |
			 (data_withheld_seen() ? CHAN_FLAG_AFTER_WITHHELD : 0));
}

/* ---- helpers the data API's files share ---- */

/* A block owned by the GC; pushes it on the stack. */
void *
data_blob(lua_State *L, size_t n)
{
	return lua_newuserdatauv(L, n > 0 ? n : 1, 0);
}

void
data_set_locked_metatable(lua_State *L, const char *name, lua_CFunction gc)
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

int
data_readonly_newindex(lua_State *L)
{
	return luaL_error(L, "attempt to modify a read-only object");
}

/* ---- the dataset methods ---- */

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
	if (!data_datasets[i].opened)
		dataset_read_header(L, &data_datasets[i]);
	*(struct dataset **)lua_newuserdatauv(L, sizeof(struct dataset *), 0) =
	    &data_datasets[i];
	luaL_setmetatable(L, DATASET_MT);
	return 1;
}

static int
ds_columns(lua_State *L)
{
	struct dataset *d = dataset_check(L, 1);
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
	struct dataset *d = dataset_check(L, 1);

	lua_pushfstring(L, "dataset: %s", d->cfg->name);
	return 1;
}

static int
ds_count(lua_State *L)
{
	return aggregate_new(L, SDC_COUNT);
}

static int
ds_sum(lua_State *L)
{
	return aggregate_new(L, SDC_SUM);
}

static int
ds_mean(lua_State *L)
{
	return aggregate_new(L, SDC_MEAN);
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
		more = dataset_scan_row(L, it->sb);
		it->done = !more;
		if (!more) {
			it->d->rows = it->rows;
			it->d->rows_known = true;
			break;
		}
		it->rows++;
		if (it->q.nwhere > 0 && !data_row_passes(&it->q, &it->sb->s))
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
	struct dataset *d = dataset_check(L, 1);
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
		it->col[i] = dataset_resolve(L, d, lua_tostring(L, -1));
		for (j = 0; j < i; j++)
			if (it->col[j] == it->col[i])
				luaL_error(L, "rows: column '%s' given twice",
					   lua_tostring(L, -1));
		d->read[it->col[i]] = true;
		lua_pop(L, 1);
	}
	it->ncols = n;
	if (lua_getfield(L, 2, "where") != LUA_TNIL)
		data_parse_where(L, d, lua_gettop(L), keep, &it->q);
	lua_pop(L, 1);
	data_mark_read(d, &it->q);
	lua_pushvalue(L, 2);
	lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
	lua_setiuservalue(L, iti, 1);
	it->sb = dataset_scan_new(L, d);
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

/* ---- usage and setup ---- */

void
data_send_usage(int chan_fd)
{
	size_t i, j;

	if (data_cfg == NULL || data_datasets == NULL)
		return;
	for (i = 0; i < data_cfg->ndatasets; i++) {
		const struct dataset *d = &data_datasets[i];
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

void
data_push_lib(lua_State *L, const struct luabox_config *cfg)
{
	size_t i;

	data_cfg = cfg;
	/* A stop sends the usage records first, whatever stopped the run. */
	luabox_on_stop(data_send_usage);
	data_datasets = xcalloc(cfg->ndatasets > 0 ? cfg->ndatasets : 1,
				sizeof(*data_datasets));
	for (i = 0; i < cfg->ndatasets; i++)
		data_datasets[i].cfg = &cfg->datasets[i];
	/* The engine's own memory, apart from the script's (atoms.h). */
	atoms_set_cap(cfg->memory_bytes);

	luaL_newmetatable(L, DATASET_MT);
	luaL_newlib(L, dataset_methods);
	luaenv_readonly(L, -1, "dataset methods");
	lua_setfield(L, -3, "__index");
	lua_pop(L, 1);
	lua_pushcfunction(L, data_readonly_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_pushcfunction(L, ds_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, LUABOX_LOCKED);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	aggregate_register(L);

	lua_newtable(L);
	lua_pushcfunction(L, data_open);
	lua_setfield(L, -2, "open");
}
