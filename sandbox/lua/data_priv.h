/*
 * data_priv.h - what the files of the data API share (luabox_priv.h has its
 * interface to the rest of the Lua child): the dataset and aggregate
 * structures and the functions that cross file boundaries.
 *
 *   data.c              the binding: data.open, the dataset methods, row
 *                       iteration, the usage record, data_push_lib
 *   dataset.c           header, grants, column resolution, CSV scans
 *   data_query.c        the script's by/where/options tables -> struct query
 *   aggregate.c         the aggregate userdata: queue, batch answering
 *                       through protect.h, read-only views
 *   aggregate_encode.c  an aggregate as CHAN_TABLE fields
 *
 * Everything here runs in the jailed child only.
 */
#ifndef PROEFTUIN_DATA_PRIV_H
#define PROEFTUIN_DATA_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "csvscan.h"
#include "luabox.h"
#include "query.h"
#include "sdc.h"
#include "util.h"

#define DATASET_MT "proeftuin.dataset"

/* A dataset of the configuration: set up by data_push_lib, opened (header
 * read, engine created) at its first data.open. */
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

/* A scan of a dataset's file; a GC-owned userdata (dataset.c). */
struct scanbox {
	struct csvscan s;
	struct dataset *d;
	bool header_done;
};

/* One group key of an aggregate's released cell: where its bytes are in
 * the aggregate's key bytes, or missing (an empty cell). */
struct kcell {
	size_t off;
	uint32_t len;
	bool missing;
};

/*
 * An aggregate is queued when asked and answered in a batch (aggregate.c).
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

/* data.c: the configuration and its datasets, in configuration order. */
extern const struct luabox_config *data_cfg;
extern struct dataset *data_datasets;
/* "count", "sum", "mean", indexed by enum sdc_stat (aggregate.c). */
extern const char *const data_stat_name[];

/* data.c: helpers for the userdata of the data API. */
/* A block of `n` bytes owned by the GC; pushes it on the stack. */
void *data_blob(lua_State *L, size_t n);
/* Give the value on the stack top the metatable `name` (created on first
 * use, locked, with `gc` as __gc when not NULL). */
void data_set_locked_metatable(lua_State *L, const char *name,
			       lua_CFunction gc);
/* __newindex of the read-only objects: always a Lua error. */
int data_readonly_newindex(lua_State *L);

/* dataset.c */
/* Read the header of `d`, check it against the grants, and create its
 * engine; Lua errors for a missing, empty or duplicate column name. */
void dataset_read_header(lua_State *L, struct dataset *d);
/* Column number of `name` in `d` for reading.  Not granted: the run stops
 * (COLUMN_NOT_GRANTED); granted but not in the file: a Lua error. */
size_t dataset_resolve(lua_State *L, struct dataset *d, const char *name);
/* The dataset userdata at `idx` (a Lua error if it is not one). */
struct dataset *dataset_check(lua_State *L, int idx);
/* Push a new scan of `d` positioned before the header. */
struct scanbox *dataset_scan_new(lua_State *L, struct dataset *d);
/* Next data row; checks the field count (a Lua error naming the line).
 * Returns false at the end. */
bool dataset_scan_row(lua_State *L, struct scanbox *sb);

/* data_query.c */
/* Parse the `where` table at `idx` into q.  Values point into Lua strings
 * owned by that table, which the caller keeps alive; the value arrays are
 * GC blobs kept in the table at `keep`. */
void data_parse_where(lua_State *L, struct dataset *d, int idx, int keep,
		      struct query *q);
/* Parse an options table {by=, where=} at `idx` (may be none/nil). */
void data_parse_options(lua_State *L, struct dataset *d, int idx, int keep,
			struct query *q);
/* True when the scanned row passes every `where` filter of q. */
bool data_row_passes(const struct query *q, const struct csvscan *s);
/* Record the columns q uses in the usage record of `d`. */
void data_mark_read(struct dataset *d, const struct query *q);

/* aggregate.c */
/* count/sum/mean: (self, [col,] opts) -> a queued aggregate. */
int aggregate_new(lua_State *L, enum sdc_stat st);
/* The aggregate at `idx`, answered (its whole batch) if still queued. */
struct agg *aggregate_ready(lua_State *L, int idx);
/* Create the aggregate metatable and its methods. */
void aggregate_register(lua_State *L);

#endif
