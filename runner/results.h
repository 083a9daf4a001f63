/*
 * results.h - what came back from the sandboxed run, parsed strictly from
 * the result channel (see sandbox/channel.h for the wire format).
 */
#ifndef PROEFTUIN_RESULTS_H
#define PROEFTUIN_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"
#include "sandbox.h"

struct out_cell {
	enum chan_cell kind;
	char *str;  /* CELL_STR */
	double num; /* CELL_NUM */
};

struct out_evidence {
	uint64_t contributors;
	uint64_t negatives;
	uint64_t missing;
	double top1;
	double top2;
	double total;
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
	struct out_evidence *evidence; /* nrows, when has_evidence */
	/* texts */
	char *text;
};

struct usage {
	char *dataset;
	char *source;
	uint64_t rows;
	char **cols;
	size_t ncols;
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
