/*
 * data.c - the data API inside the sandbox: datasets, grants, streaming
 * aggregates with evidence, and row iteration where the profile allows it.
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
 * Every pass streams the file from offset 0 through csvscan and keeps only
 * the needed fields of the current row, plus one accumulator per group:
 * memory is O(groups).  All buffers come from the Lua allocator, so the
 * memory limit covers them.
 *
 * Grants: naming a column that the profile does not grant, anywhere, ends
 * the run with the finding COLUMN_NOT_GRANTED (whether or not the file has
 * that column, so the answer leaks nothing); ds:rows without access=rows
 * ends it with ROWS_NOT_GRANTED.  Columns used by any pass are recorded and
 * sent as CHAN_USAGE with the number of data rows of the file.
 *
 * Bad input: a row with the wrong number of fields, invalid UTF-8 or broken
 * quoting, or a value of a sum/mean column that is not a decimal number, is
 * a Lua error naming the dataset, line and column.  An empty cell is a
 * missing value: counted in the evidence, never a number.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "channel.h"
#include "csvscan.h"
#include "luabox_priv.h"
#include "sandbox.h"

#define DATASET_MT "proeftuin.dataset"
#define AGG_MT "proeftuin.aggregate"
#define SCAN_MT "proeftuin.scan"
#define GROUPS_MT "proeftuin.groups"

#define MAX_BY 16
#define MAX_WHERE 16
#define MAX_ROW_COLS 250 /* a C closure has at most 255 upvalues */

enum stat { STAT_COUNT, STAT_SUM, STAT_MEAN };
static const char *const stat_name[] = { "count", "sum", "mean" };

struct dataset {
	const struct luabox_dataset *cfg;
	bool opened;
	size_t ncols;
	char **cols;   /* the header */
	bool *granted; /* per header column */
	bool *read;    /* per header column: used by some pass */
	uint64_t rows; /* data rows, once a pass has seen them all */
	bool rows_known;
};

static const struct luabox_config *data_cfg;
static struct dataset *datasets;

/* ---- memory through the Lua allocator ---- */

static void *
dmem(lua_State *L, void *p, size_t osize, size_t nsize)
{
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);
	void *np = f(ud, p, p != NULL ? osize : 0, nsize);

	if (np == NULL && nsize > 0)
		luaL_error(L, "not enough memory");
	return np;
}

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

/* ---- queries ---- */

struct fval {
	const char *s;
	size_t len;
	bool isnum;
	double num;
};

struct filter {
	size_t col;
	struct fval *vals;
	size_t nvals;
};

struct query {
	size_t by[MAX_BY];
	size_t nby;
	struct filter where[MAX_WHERE];
	size_t nwhere;
	bool has_value;
	size_t value_col;
};

/* Strict decimal number: [+-]digits[.digits][(e|E)[+-]digits], or
 * [+-].digits...; no spaces, no hex, no inf/nan. */
static bool
parse_number(const char *p, size_t n, double *out)
{
	size_t i = 0, digits = 0;
	uint64_t v = 0;
	bool neg = false;
	char tmp[128];

	if (n == 0)
		return false;
	if (p[0] == '-' || p[0] == '+') {
		neg = p[0] == '-';
		i++;
	}
	while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 18) {
		v = v * 10 + (uint64_t)(p[i] - '0');
		i++;
		digits++;
	}
	if (i == n && digits > 0) {
		*out = neg ? -(double)v : (double)v;
		return true;
	}
	/* Full syntax check, then strtod (the C locale: '.' is the point). */
	i = (p[0] == '-' || p[0] == '+') ? 1 : 0;
	digits = 0;
	while (i < n && p[i] >= '0' && p[i] <= '9') {
		i++;
		digits++;
	}
	if (i < n && p[i] == '.') {
		i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			digits++;
		}
	}
	if (digits == 0)
		return false;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			i++;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			i++;
			ed++;
		}
		if (ed == 0)
			return false;
	}
	if (i != n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*out = strtod(tmp, NULL);
	return isfinite(*out);
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
	const char *names[MAX_WHERE];
	size_t n = 0, i;

	luaL_checktype(L, idx, LUA_TTABLE);
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "where: keys must be column names");
		if (n == MAX_WHERE)
			luaL_error(L, "where: at most %d columns", MAX_WHERE);
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
	if (n > MAX_BY)
		luaL_error(L, "by: at most %d columns", MAX_BY);
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
filter_pass(const struct filter *f, const char *s, size_t len)
{
	size_t i;
	double v;
	bool parsed = false, isnum = false;

	for (i = 0; i < f->nvals; i++) {
		const struct fval *fv = &f->vals[i];

		if (!fv->isnum) {
			if (fv->len == len && memcmp(fv->s, s, len) == 0)
				return true;
			continue;
		}
		if (!parsed) {
			isnum = parse_number(s, len, &v);
			parsed = true;
		}
		if (isnum && v == fv->num)
			return true;
	}
	return false;
}

static bool
row_passes(const struct query *q, const struct csvscan *s)
{
	size_t i;

	for (i = 0; i < q->nwhere; i++) {
		const struct filter *f = &q->where[i];

		if (!filter_pass(f, s->fptr[f->col], s->flen[f->col]))
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

/* ---- groups: a hash table of accumulators, O(groups) memory ---- */

struct gacc {
	uint64_t hash;
	size_t koff;
	uint32_t klen;
	uint64_t rows; /* rows in the group */
	uint64_t n;    /* non-missing values */
	uint64_t negatives;
	uint64_t missing;
	double sum;
	double top1, top2; /* two largest values (valid when n >= 1, 2) */
};

struct groups {
	struct gacc *acc;
	size_t nacc, cacc;
	uint32_t *slot; /* index + 1; 0 = empty */
	size_t nslot;
	char *keys;
	size_t klen, kcap;
	char *scratch;
	size_t scap;
	lua_State *L;
};

static int
groups_gc(lua_State *L)
{
	struct groups *g = lua_touserdata(L, 1);

	if (g->acc != NULL)
		dmem(L, g->acc, g->cacc * sizeof(*g->acc), 0);
	if (g->slot != NULL)
		dmem(L, g->slot, g->nslot * sizeof(*g->slot), 0);
	if (g->keys != NULL)
		dmem(L, g->keys, g->kcap, 0);
	if (g->scratch != NULL)
		dmem(L, g->scratch, g->scap, 0);
	memset(g, 0, sizeof(*g));
	return 0;
}

static struct groups *
groups_new(lua_State *L)
{
	struct groups *g = lua_newuserdatauv(L, sizeof(*g), 0);

	memset(g, 0, sizeof(*g));
	set_locked_metatable(L, GROUPS_MT, groups_gc);
	g->L = L;
	g->nslot = 256;
	g->slot = dmem(L, NULL, 0, g->nslot * sizeof(*g->slot));
	memset(g->slot, 0, g->nslot * sizeof(*g->slot));
	return g;
}

/* A fast 64-bit hash of a group key, eight bytes per step (the keys are
 * short; the multipliers are splitmix64's).  Not keyed: the worst case of a
 * crafted file is slow probing, which the CPU limit bounds. */
static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	w = 0;
	while (n > 0)
		w = (w << 8) | (uint8_t)p[--n];
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static void
groups_rehash(struct groups *g)
{
	size_t n = g->nslot * 2, i;
	uint32_t *slot = dmem(g->L, NULL, 0, n * sizeof(*slot));

	memset(slot, 0, n * sizeof(*slot));
	for (i = 0; i < g->nacc; i++) {
		size_t j = g->acc[i].hash & (n - 1);

		while (slot[j] != 0)
			j = (j + 1) & (n - 1);
		slot[j] = (uint32_t)i + 1;
	}
	dmem(g->L, g->slot, g->nslot * sizeof(*g->slot), 0);
	g->slot = slot;
	g->nslot = n;
}

/* Keys are short: compare eight bytes at a time, without a call. */
static inline bool
key_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return false;
	}
	while (n-- > 0)
		if (*a++ != *b++)
			return false;
	return true;
}

/* Find or add the group with key [k, k+klen). */
static struct gacc *
groups_get(struct groups *g, const char *k, size_t klen)
{
	uint64_t h = hash_bytes(k, klen);
	size_t j = h & (g->nslot - 1);
	struct gacc *a;

	while (g->slot[j] != 0) {
		a = &g->acc[g->slot[j] - 1];
		if (a->hash == h && a->klen == klen &&
		    key_eq(g->keys + a->koff, k, klen))
			return a;
		j = (j + 1) & (g->nslot - 1);
	}
	if (g->nacc >= UINT32_MAX - 1)
		luaL_error(g->L, "too many groups");
	if (g->nacc == g->cacc) {
		size_t nc = g->cacc != 0 ? g->cacc * 2 : 64;

		g->acc = dmem(g->L, g->acc, g->cacc * sizeof(*g->acc),
			      nc * sizeof(*g->acc));
		g->cacc = nc;
	}
	if (g->klen + klen > g->kcap) {
		size_t nc = g->kcap != 0 ? g->kcap : 1024;

		while (nc < g->klen + klen)
			nc *= 2;
		g->keys = dmem(g->L, g->keys, g->kcap, nc);
		g->kcap = nc;
	}
	if (klen > 0)
		memcpy(g->keys + g->klen, k, klen);
	a = &g->acc[g->nacc];
	memset(a, 0, sizeof(*a));
	a->hash = h;
	a->koff = g->klen;
	a->klen = (uint32_t)klen;
	g->klen += klen;
	g->slot[j] = (uint32_t)++g->nacc;
	if (g->nacc * 2 > g->nslot) {
		groups_rehash(g);
		/* acc did not move; the slot table did */
	}
	return &g->acc[g->nacc - 1];
}

/* Encode the by-fields of the current row as a group key in g->scratch:
 * per column u8 present, u32 length, bytes. */
static size_t
build_key(struct groups *g, const struct query *q, const struct csvscan *s)
{
	size_t need = 0, i, off = 0;

	for (i = 0; i < q->nby; i++)
		need += 5 + s->flen[q->by[i]];
	if (need > g->scap) {
		size_t nc = g->scap != 0 ? g->scap : 256;

		while (nc < need)
			nc *= 2;
		g->scratch = dmem(g->L, g->scratch, g->scap, nc);
		g->scap = nc;
	}
	for (i = 0; i < q->nby; i++) {
		uint32_t len = (uint32_t)s->flen[q->by[i]];

		g->scratch[off] = len > 0;
		memcpy(g->scratch + off + 1, &len, 4);
		memcpy(g->scratch + off + 5, s->fptr[q->by[i]], len);
		off += 5 + len;
	}
	return off;
}

/* Compare two encoded keys column by column: missing first, then bytewise
 * (a proper prefix first). */
static int
key_cmp(const char *a, const char *b, size_t ncols)
{
	size_t i;

	for (i = 0; i < ncols; i++) {
		uint32_t la, lb;
		int c;

		if (a[0] != b[0])
			return a[0] < b[0] ? -1 : 1;
		memcpy(&la, a + 1, 4);
		memcpy(&lb, b + 1, 4);
		c = memcmp(a + 5, b + 5, la < lb ? la : lb);
		if (c != 0)
			return c;
		if (la != lb)
			return la < lb ? -1 : 1;
		a += 5 + la;
		b += 5 + lb;
	}
	return 0;
}

struct sort_ctx {
	const struct groups *g;
	size_t ncols;
};

static int
group_order(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *c = arg;
	const struct gacc *a = &c->g->acc[*(const uint32_t *)x];
	const struct gacc *b = &c->g->acc[*(const uint32_t *)y];

	return key_cmp(c->g->keys + a->koff, c->g->keys + b->koff, c->ncols);
}

/* ---- aggregates ---- */

struct kcell {
	size_t off;
	uint32_t len;
	bool missing;
};

struct aggrow {
	double value;
	bool missing;
	uint64_t contributors, negatives, nmissing;
	double top1, top2, total;
};

/*
 * Aggregates are evaluated lazily and in batches: ds:count/sum/mean check
 * the grants and parse the query at once, and queue the aggregate on its
 * dataset.  The first use of any queued aggregate (output.table, #, rows,
 * columns, tostring) runs ONE pass over the file for all aggregates queued
 * on that dataset, and queries with the same `by` and `where` share one
 * group table.  A script that asks for a count and a sum by the same keys
 * therefore reads the file once.  Errors in the data surface at that first
 * use.
 *
 * User values: 1 = info table {cols..., dataset=, value_column=},
 * 2 = key cells, 3 = key bytes, 4 = rows, 5 = what keeps the query's
 * filter values alive until the pass.
 */
struct agg {
	enum stat stat;
	bool ready;
	struct dataset *d;
	struct query q;
	size_t nkeys;
	size_t nrows;
	const struct kcell *keys;
	const char *keybytes;
	const struct aggrow *rows;
};

#define PENDING_KEY "proeftuin.pending"
/* Queued aggregates per dataset before a pass is forced. */
#define MAX_BATCH 32

bool
data_is_aggregate(lua_State *L, int idx)
{
	return luaL_testudata(L, idx, AGG_MT) != NULL;
}

/* Name of the value column: the statistic, prefixed with '_' while it
 * collides with a key column. */
static void
push_value_name(lua_State *L, struct dataset *d, const struct query *q,
		enum stat st)
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

static void
fill_row(struct aggrow *r, const struct gacc *a, enum stat st)
{
	memset(r, 0, sizeof(*r));
	if (st == STAT_COUNT) {
		r->value = (double)a->rows;
		r->contributors = a->rows;
		r->top1 = a->rows >= 1 ? 1 : 0;
		r->top2 = a->rows >= 2 ? 1 : 0;
		r->total = (double)a->rows;
		return;
	}
	r->contributors = a->n;
	r->negatives = a->negatives;
	r->nmissing = a->missing;
	r->top1 = a->n >= 1 ? a->top1 : 0;
	r->top2 = a->n >= 2 ? a->top2 : 0;
	r->total = a->sum;
	if (a->n == 0)
		r->missing = true;
	else
		r->value = st == STAT_SUM ? a->sum : a->sum / (double)a->n;
}

/* Fill the aggregate at `agi` from the groups of a finished pass. */
static void
finish_aggregate(lua_State *L, int agi, struct agg *ag, struct groups *g)
{
	const struct query *q = &ag->q;
	uint32_t *order;
	struct kcell *kc;
	struct aggrow *rows;
	char *kb;
	struct sort_ctx ctx = { g, q->nby };
	size_t i, j;

	order = blob(L, g->nacc * sizeof(*order));
	for (i = 0; i < g->nacc; i++)
		order[i] = (uint32_t)i;
	luabox_sort(order, g->nacc, sizeof(*order), group_order, &ctx);

	kc = blob(L, g->nacc * q->nby * sizeof(*kc));
	kb = blob(L, g->klen);
	rows = blob(L, g->nacc * sizeof(*rows));
	if (g->klen > 0)
		memcpy(kb, g->keys, g->klen);
	for (i = 0; i < g->nacc; i++) {
		const struct gacc *a = &g->acc[order[i]];
		size_t off = a->koff;

		for (j = 0; j < q->nby; j++) {
			struct kcell *c = &kc[i * q->nby + j];

			memcpy(&c->len, kb + off + 1, 4);
			c->missing = kb[off] == 0;
			c->off = off + 5;
			off += 5 + c->len;
		}
		fill_row(&rows[i], a, ag->stat);
	}
	ag->nrows = g->nacc;
	ag->keys = kc;
	ag->keybytes = kb;
	ag->rows = rows;
	lua_setiuservalue(L, agi, 4);
	lua_setiuservalue(L, agi, 3);
	lua_setiuservalue(L, agi, 2);
	lua_pop(L, 1); /* order */
	lua_pushnil(L);
	lua_setiuservalue(L, agi, 5);
	ag->ready = true;
}

static void
accumulate(lua_State *L, struct gacc *a, const struct query *q,
	   const struct scanbox *sb)
{
	const char *s;
	size_t len;
	double v;

	a->rows++;
	if (!q->has_value)
		return;
	s = sb->s.fptr[q->value_col];
	len = sb->s.flen[q->value_col];
	if (len == 0) {
		a->missing++;
		return;
	}
	if (!parse_number(s, len, &v))
		luaL_error(L,
			   "dataset '%s': line %d: column '%s': '%s' is not "
			   "a number",
			   sb->d->cfg->name, (int)sb->s.rec_line,
			   sb->d->cols[q->value_col],
			   lua_pushlstring(L, s, len < 40 ? len : 40));
	if (v < 0)
		a->negatives++;
	if (a->n == 0 || v > a->top1) {
		a->top2 = a->top1;
		a->top1 = v;
	} else if (a->n == 1 || v > a->top2) {
		a->top2 = v;
	}
	a->n++;
	a->sum += v;
}

static bool
same_filters(const struct filter *a, const struct filter *b)
{
	size_t i;

	if (a->col != b->col || a->nvals != b->nvals)
		return false;
	for (i = 0; i < a->nvals; i++) {
		const struct fval *x = &a->vals[i], *y = &b->vals[i];

		if (x->isnum != y->isnum)
			return false;
		if (x->isnum
			? x->num != y->num
			: (x->len != y->len || memcmp(x->s, y->s, x->len) != 0))
			return false;
	}
	return true;
}

/* Can `b` use the groups of `a`?  Same keys, same filters, and at most one
 * value column between them. */
static bool
same_groups(const struct query *a, const struct query *b)
{
	size_t i;

	if (a->nby != b->nby || a->nwhere != b->nwhere)
		return false;
	if (a->has_value && b->has_value && a->value_col != b->value_col)
		return false;
	for (i = 0; i < a->nby; i++)
		if (a->by[i] != b->by[i])
			return false;
	for (i = 0; i < a->nwhere; i++)
		if (!same_filters(&a->where[i], &b->where[i]))
			return false;
	return true;
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

/* One pass over dataset `d` for the `n` (1 to MAX_BATCH) aggregates at
 * positions first .. first + n - 1 of the list at `list`. */
static void
run_pass(lua_State *L, struct dataset *d, int list, size_t first, size_t n)
{
	struct agg *ag[MAX_BATCH];
	struct groups *g[MAX_BATCH];
	size_t leader[MAX_BATCH], i, j;
	struct query *lq[MAX_BATCH];
	struct scanbox *sb;
	uint64_t rows = 0;
	int base = lua_gettop(L);

	/* Per aggregate its own slot plus a query and a groups userdata,
	 * the scan and finish_aggregate's four blobs.  A C function is only
	 * promised LUA_MINSTACK (20) slots: pushing more without asking
	 * wrote past the Lua stack (a finalizer runs on a short one). */
	luaL_checkstack(L, 3 * (int)n + 8, "data: batch of aggregates");
	for (i = 0; i < n; i++) {
		/* base + 1 + i */
		lua_rawgeti(L, list, (lua_Integer)(first + i) + 1);
		ag[i] = lua_touserdata(L, -1);
	}
	/* Group queries that can share a table; the leader's query gets
	 * the value column of any member. */
	for (i = 0; i < n; i++) {
		leader[i] = i;
		for (j = 0; j < i; j++)
			if (leader[j] == j && same_groups(lq[j], &ag[i]->q)) {
				leader[i] = j;
				if (ag[i]->q.has_value) {
					lq[j]->has_value = true;
					lq[j]->value_col = ag[i]->q.value_col;
				}
				break;
			}
		if (leader[i] == i) {
			lq[i] = lua_newuserdatauv(L, sizeof(struct query), 0);
			*lq[i] = ag[i]->q;
			g[i] = groups_new(L);
			if (lq[i]->nby == 0)
				(void)groups_get(g[i], "", 0);
		}
	}
	sb = scan_new(L, d);
	while (scan_row(L, sb)) {
		rows++;
		for (i = 0; i < n; i++) {
			size_t klen;

			if (leader[i] != i)
				continue;
			if (lq[i]->nwhere > 0 && !row_passes(lq[i], &sb->s))
				continue;
			klen = build_key(g[i], lq[i], &sb->s);
			accumulate(L, groups_get(g[i], g[i]->scratch, klen),
				   lq[i], sb);
		}
	}
	d->rows = rows;
	d->rows_known = true;
	for (i = 0; i < n; i++)
		finish_aggregate(L, base + 1 + (int)i, ag[i], g[leader[i]]);
	lua_settop(L, base);
}

/* Compute every aggregate queued on dataset `d`, MAX_BATCH per pass.
 *
 * Finalizers (__gc) are script code and run whenever the GC steps, which
 * includes the allocations of a pass: one can queue aggregates, or force
 * one and so start a nested batch, while this one runs.  So the list is
 * taken out of the registry first and a fresh one put in its place: what a
 * finalizer queues goes to the fresh list, a nested batch never sees ours,
 * and no queued aggregate is dropped.  The list is processed in chunks,
 * so its length never bounds the arrays of a pass. */
static void
run_batch(lua_State *L, struct dataset *d)
{
	size_t n, first;
	int list;

	push_pending(L, d);
	list = lua_gettop(L);
	lua_getfield(L, LUA_REGISTRYINDEX, PENDING_KEY);
	lua_newtable(L);
	lua_rawseti(L, -2, d - datasets + 1);
	lua_pop(L, 1);
	n = lua_rawlen(L, list);
	for (first = 0; first < n; first += MAX_BATCH)
		run_pass(L, d, list, first,
			 n - first < MAX_BATCH ? n - first : MAX_BATCH);
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
 * a batch only when a finalizer forces it while the batch computing it
 * is still running: an error, never a silently empty aggregate. */
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
aggregate(lua_State *L, enum stat st)
{
	struct dataset *d = check_dataset(L, 1);
	int optidx = st == STAT_COUNT ? 2 : 3, agi, keep;
	struct agg *ag;
	size_t i;

	lua_settop(L, optidx); /* missing options become nil */
	ag = lua_newuserdatauv(L, sizeof(*ag), 5);
	agi = lua_gettop(L);
	memset(ag, 0, sizeof(*ag));
	ag->stat = st;
	ag->d = d;
	set_locked_metatable(L, AGG_MT, NULL);
	lua_newtable(L);
	keep = lua_gettop(L);
	if (st != STAT_COUNT) {
		ag->q.value_col = resolve(L, d, luaL_checkstring(L, 2));
		ag->q.has_value = true;
	}
	parse_options(L, d, optidx, keep, &ag->q);
	/* the options table holds the strings the filters point into */
	lua_pushvalue(L, optidx);
	lua_rawseti(L, keep, (lua_Integer)lua_rawlen(L, keep) + 1);
	lua_setiuservalue(L, agi, 5);
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
	if (lua_rawlen(L, -1) >= MAX_BATCH) {
		lua_pop(L, 1);
		run_batch(L, d);
		push_pending(L, d);
	}
	lua_pushvalue(L, agi);
	lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
	lua_settop(L, agi);
	return 1;
}

static int
ds_count(lua_State *L)
{
	return aggregate(L, STAT_COUNT);
}

static int
ds_sum(lua_State *L)
{
	return aggregate(L, STAT_SUM);
}

static int
ds_mean(lua_State *L)
{
	return aggregate(L, STAT_MEAN);
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
push_value(lua_State *L, enum stat st, double v)
{
	if (st != STAT_MEAN && v == floor(v) && fabs(v) < 9007199254740992.0)
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
		else if (ag->rows[i].missing)
			lua_pushnil(L);
		else
			push_value(L, ag->stat, ag->rows[i].value);
		lua_rawset(L, -3);
	}
	return 1;
}

/* agg:rows(): row tables {key columns..., value column = number}, in the
 * canonical order. */
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
		if (ag->rows[r].missing) {
			chan_put_u8(sb, CELL_MISSING);
		} else {
			chan_put_u8(sb, CELL_NUM);
			chan_put_f64(sb, ag->rows[r].value);
		}
	}
	for (r = 0; r < ag->nrows; r++) {
		const struct aggrow *w = &ag->rows[r];

		chan_put_u64(sb, w->contributors);
		chan_put_u64(sb, w->negatives);
		chan_put_u64(sb, w->nmissing);
		chan_put_f64(sb, w->top1);
		chan_put_f64(sb, w->top2);
		chan_put_f64(sb, w->total);
	}
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
	datasets =
	    xcalloc(cfg->ndatasets > 0 ? cfg->ndatasets : 1, sizeof(*datasets));
	for (i = 0; i < cfg->ndatasets; i++)
		datasets[i].cfg = &cfg->datasets[i];

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
