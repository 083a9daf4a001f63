/*
 * harness.h - run a Lua script through luabox_main in a real sandboxed child
 * (sbx_run) and decode the result channel, for the Lua tests.
 */
#ifndef PROEFTUIN_TEST_LUA_HARNESS_H
#define PROEFTUIN_TEST_LUA_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "luabox.h"
#include "sandbox.h"
#include "util.h"

struct h_dataset {
	const char *name;
	const char *csv; /* file content */
	size_t csv_len;	 /* 0: strlen(csv) */
	enum luabox_access access;
	const char *columns; /* granted, comma separated */
};

struct h_opts {
	const struct h_dataset *datasets;
	size_t ndatasets;
	const struct luabox_script *extra; /* more scripts of the bundle */
	size_t nextra;
	uint64_t memory;       /* default 64 MiB */
	uint64_t instructions; /* default 1e9 */
	uint64_t output;       /* default 1 MiB */
	uint64_t seed;
	int64_t clock;
	uint64_t wall_ms; /* default 20000 */
	uint64_t cpu_s;	  /* default 10 */
	/* default: min_cell 1, no rounding, nothing withheld or flagged */
	const struct sdc_params *disclosure;
	const char *source; /* of every dataset; default "sample" */
};

struct h_table {
	char *name, *description, *statistic, *dataset, *value_column;
	int has_evidence;
	/* "col1,col2|cell,cell|..." with numbers as %.17g, missing as "-" */
	struct sbuf render;
	/* per row: the rows of a count; for a sum or mean
	 * "nonzero/negatives/missing/top1/top2/sum" (absolute tops) */
	struct sbuf evidence;
	unsigned nkeys;
	uint32_t query; /* ledger number, 0 for a custom table */
	int after_rows;
	/* the raw payload, for byte comparisons */
	struct sbuf raw;
};

struct h_run {
	enum sbx_end end;
	bool done;
	bool malformed;
	char *err_class, *err_msg, *err_tb;
	struct h_table tables[8];
	int ntables;
	char *text_name[8], *text[8], *text_desc[8];
	int text_after_rows[8];
	int ntexts;
	/* per query "id dataset stat valuecol by=... col=v/v released=N
	 * reason=N flag:reason=N [after_rows]" joined by '|' */
	struct sbuf ledger;
	/* per usage record "name:source:rows:col,col" joined by ';' */
	struct sbuf usage;
	struct sbuf log;
	uint64_t max_rss_kib;
};

void h_run(struct h_run *r, const char *script, const struct h_opts *o);
void h_free(struct h_run *r);

/* Convenience: one dataset, default options. */
void h_run1(struct h_run *r, const char *script, const struct h_dataset *ds);

#endif
