/*
 * luabox.h - the Lua 5.4 state that runs a bundle's scripts inside the jail.
 *
 * luabox_payload() is the sbx_run payload: its prepare half builds a state
 * with a capped allocator, a global instruction budget and a curated
 * environment while the supervisor checks the jail; its run half runs the
 * entry script and reports outputs and errors as channel records.  It never
 * returns to code that could run Lua again and never calls lua_close.
 *
 * What a script sees and how it ends (details in luaenv.c, data.c,
 * luaout.c; record layouts in channel.h):
 *  - the environment is an allowlist (luaenv.c); library tables are
 *    plain tables, data and output read-only proxies; `load` is text-only,
 *    in the sandbox environment unless given an env as in Lua; `require` gives
 * the sandbox's libraries and loads scripts of the bundle; os.time/os.date use
 * cfg->clock and UTC only; os.clock is virtual time (instructions used / 1e8),
 * so it is deterministic; math.random is seeded from cfg->seed, and so is
 * math.randomseed() without arguments;
 *  - limits end the child at once, uncatchable: MEMORY_LIMIT when the
 *    allocator would pass cfg->memory_bytes, INSTRUCTION_LIMIT when the
 *    global budget is spent (coroutines included), OUTPUT_LIMIT when
 *    outputs + print + warn pass cfg->output_bytes;
 *  - an error the script raises ends the run as LUA_ERROR, its message
 *    cut at LUABOX_MAX_ERROR_MESSAGE bytes (and marked so), with a hint
 *    where it names a standard function the sandbox leaves out;
 *  - findings end the run as LUA_ERROR with their own class in CHAN_ERROR:
 *    COLUMN_NOT_GRANTED, ROWS_NOT_GRANTED, DATA_ERROR;
 *  - every answer an aggregate gives is a release (protect.h): only cells
 *    that passed the disclosure rules (cfg->disclosure) and the auditor,
 *    at their published values; every query goes out as CHAN_QUERY;
 *  - malformed data in an aggregate pass (wrong field count, bad quoting,
 *    invalid UTF-8, NUL, a non-number in a sum/mean column) is the finding
 *    DATA_ERROR, decided over the whole column whatever the query filters;
 *    on custodian data it names the dataset and column only, on sample
 *    data also the line.  In ds:rows it is a Lua error naming the line.
 *    An empty cell is missing;
 *  - aggregates are computed lazily, one pass per batch of queued
 *    aggregates of a dataset; whatever is still queued when the script
 *    returns is computed then, so bad data is always reported;
 *  - a table or text made after the script read rows, or after an answer
 *    had cells withheld, carries a flag saying so (channel.h);
 *  - every run that gets as far as running Lua sends one CHAN_USAGE per
 *    dataset, then CHAN_DONE or CHAN_ERROR (message and traceback apart,
 *    escaped: no control bytes except line feeds, valid UTF-8).
 */
#ifndef PROEFTUIN_LUABOX_H
#define PROEFTUIN_LUABOX_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"
#include "sdc.h"

/* Bytes of a script's error message that reach the report. */
#define LUABOX_MAX_ERROR_MESSAGE 4096

/* A script of the bundle, already read (and hashed) by the runner. */
struct luabox_script {
	const char *path; /* relative to the bundle root, e.g. "analysis.lua" */
	const char *text;
	size_t len;
};

enum luabox_access {
	LUABOX_ACCESS_AGGREGATE = 1,
	LUABOX_ACCESS_ROWS = 2,
};

/* A dataset the profile grants, as a descriptor of the hashed bytes. */
struct luabox_dataset {
	const char *name;
	const char *source; /* "sample" or "custodian" */
	int fd;		    /* read-only, positioned at 0, kept by the policy */
	enum luabox_access access;
	const char *const *columns; /* granted and requested columns */
	size_t ncolumns;
};

struct luabox_config {
	const struct luabox_script *scripts;
	size_t nscripts;
	const char *entry; /* path of the entry script among `scripts` */
	const struct luabox_dataset *datasets;
	size_t ndatasets;
	uint64_t memory_bytes; /* lua_Alloc cap */
	uint64_t instructions; /* global budget across all coroutines */
	uint64_t output_bytes; /* cap on the bytes of all outputs together */
	uint64_t seed;	       /* math.random seed (bundle digest + manifest) */
	int64_t clock;	       /* os.time() value: SOURCE_DATE_EPOCH or 0 */
	struct sdc_params disclosure; /* what an answer must satisfy */
	uint64_t audit_seed;	      /* picks the auditor's prime */
	/* Compile every script and run none (`check`): a syntax error ends
	 * the child with SYNTAX_ERROR and every file's first error, as
	 * "path:line: message" lines. */
	bool compile_only;
};

/* Build the state, its libraries and the curated environment; no script
 * is loaded and no dataset read.  Returns SBX_EXIT_OK (limits end the
 * process). */
int luabox_prepare(const struct luabox_config *cfg, int chan_fd);

/* Run the entry script (after luabox_prepare, or doing it first); exits the
 * process with an SBX_EXIT_* status for the supervisor. */
int luabox_main(const struct luabox_config *cfg, int chan_fd);

/* luabox_prepare and luabox_main on `cfg` as an sbx_run payload. */
struct sbx_payload luabox_payload(const struct luabox_config *cfg);

#endif
