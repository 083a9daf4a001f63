/*
 * dataset.c - a dataset of the data API as the file and the profile see it:
 * its header (read once, at data.open), the grants per column, resolving a
 * column name for a query, and CSV scans of the file.
 *
 * Contract: a dataset is opened only through dataset_read_header, which
 * checks the header against the grants and creates the dataset's engine.
 * dataset_resolve is the one place a column name becomes a column number,
 * so it is where an ungranted name ends the run (COLUMN_NOT_GRANTED),
 * whether or not the file has that column.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "audit.h"
#include "data_priv.h"
#include "luabox_priv.h"
#include "protect.h"
#include "sandbox.h"

#define SCAN_MT "proeftuin.scan"

/* ---- scans ---- */

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
struct scanbox *
dataset_scan_new(lua_State *L, struct dataset *d)
{
	struct scanbox *sb = lua_newuserdatauv(L, sizeof(*sb), 1);
	void *ud;
	lua_Alloc f = lua_getallocf(L, &ud);

	memset(sb, 0, sizeof(*sb));
	sb->d = d;
	data_set_locked_metatable(L, SCAN_MT, scan_gc);
	if (csvscan_init(&sb->s, d->cfg->fd, f, ud) < 0)
		scan_error(L, sb);
	return sb;
}

/* Next data row; checks the field count.  Returns false at the end. */
bool
dataset_scan_row(lua_State *L, struct scanbox *sb)
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

void
dataset_read_header(lua_State *L, struct dataset *d)
{
	struct scanbox *sb = dataset_scan_new(L, d);
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
	    audit_prime(data_cfg->audit_seed + (uint64_t)(d - data_datasets)),
	    d->cfg->source != NULL && strcmp(d->cfg->source, "custodian") == 0);
	lua_pop(L, 1);
}

/* Column `name` of `d` for reading.  Not granted: the run stops. */
size_t
dataset_resolve(lua_State *L, struct dataset *d, const char *name)
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

struct dataset *
dataset_check(lua_State *L, int idx)
{
	struct dataset **dp = luaL_checkudata(L, idx, DATASET_MT);

	return *dp;
}
