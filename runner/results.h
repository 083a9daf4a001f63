/*
 * results.h - what came back from the sandboxed run, parsed strictly from
 * the result channel (see sandbox/common/channel.h for the wire format).
 */
#ifndef PROEFTUIN_RESULTS_H
#define PROEFTUIN_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "sandbox.h"
#include "sdc.h"

struct out_cell {
	enum chan_cell kind;
	char *str;  /* CELL_STR */
	double num; /* CELL_NUM */
};

enum output_kind {
	OUTPUT_TABLE,
	OUTPUT_TEXT,
};

struct output {
	enum output_kind kind;
	char *name;
	char *description;
	/* tables */
	char *statistic;
	char *dataset;
	char *value_column;
	bool has_evidence;
	size_t ncols;
	size_t nkeys;
	char **cols;
	size_t nrows;
	struct out_cell *cells;	       /* nrows x ncols, row-major */
	struct sdc_evidence *evidence; /* nrows, when has_evidence */
	uint32_t query;		       /* ledger number; 0: custom */
	/* texts */
	char *text;
	/* both: made after the script read rows, or after it was given an
	 * answer with withheld cells */
	bool after_rows;
	bool after_withheld;
};

struct usage {
	char *dataset;
	char *source;
	uint64_t rows;
	char **cols;
	size_t ncols;
	bool iterated; /* the script read rows (ds:rows) */
};

/* One line of the ledger: an aggregate query the script asked, what it
 * was told and what was withheld. */
struct ledger_count {
	char *reason;
	uint32_t cells;
};

struct ledger_filter {
	char *column;
	struct out_cell *vals; /* CELL_STR or CELL_NUM */
	size_t nvals;
};

struct ledger_entry {
	uint32_t id;
	char *dataset;
	char *statistic;
	char *value_column;
	char **by;
	size_t nby;
	struct ledger_filter *where;
	size_t nwhere;
	uint32_t released;
	struct ledger_count *withheld;
	size_t nwithheld;
	struct ledger_count *flagged;
	size_t nflagged;
	bool after_rows;
};

struct setting_kv {
	char *key;
	char *value;
};

struct run_results {
	struct setting_kv *setting;
	size_t nsetting;
	struct output *outputs;
	size_t noutputs;
	struct usage *usages;
	size_t nusages;
	struct ledger_entry *ledger;
	size_t nledger;
	bool done;
	char *error_class; /* NULL when the child sent no error */
	char *error_message;
	char *error_traceback;
	/* A record was malformed; everything after it is ignored. */
	bool malformed;
	char *malformed_reason;
};

/* Parse the channel bytes of a finished run.  Never fails: a malformed
 * stream sets `malformed` and keeps what was valid before it. */
void results_parse(const void *stream, size_t len, struct run_results *r);
void results_fini(struct run_results *r);

const struct output *results_output(const struct run_results *r,
				    const char *name);

#endif
