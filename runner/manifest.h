/*
 * manifest.h - the bundle's experiment.ini, checked against the schema of
 * PRODUCT.md.  The manifest comes from the bundle, so every value is hostile
 * until validated here.
 */
#ifndef PROEFTUIN_MANIFEST_H
#define PROEFTUIN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define MANIFEST_NAME "experiment.ini"

struct manifest_dataset {
	char *name;
	char *file; /* path inside the bundle */
	char **columns;
	size_t ncolumns;
	int line;	  /* of the [dataset.NAME] header */
	int columns_line; /* of its columns key, or 0 */
};

struct manifest_exception {
	char *output;
	char *reason;
	int line;
};

struct manifest {
	char *name;
	char *version;
	char *team;
	char *contact;
	char *purpose;
	char *description;
	char *entry;
	int purpose_line, entry_line; /* 0 when absent */
	bool has_seed;
	uint64_t seed;
	struct manifest_dataset *datasets;
	size_t ndatasets;
	struct manifest_exception *exceptions;
	size_t nexceptions;
};

/*
 * Parse and validate the manifest text.  On failure returns -1 with
 * err->code EX_DATAERR and a message "experiment.ini:LINE: ..." (or without
 * a line for a missing key).  Whether the named files exist is checked by
 * the caller against the bundle (manifest_check_files).
 */
int manifest_parse(const char *buf, size_t len, struct manifest **out,
		   struct pt_err *err);
void manifest_free(struct manifest *m);

/* Every key the parser accepts, as "SECTION.KEY" with SECTION one of
 * experiment, dataset or exception (for [dataset.NAME] and
 * [exception.OUTPUT]); a key outside this list is refused, so the list is
 * what proeftuin-bundle(5) must document. */
extern const char *const manifest_keys[];
extern const size_t manifest_nkeys;

/* True for a safe relative bundle path: no empty, "." or ".." components,
 * no leading '/', no backslash, no control characters, valid UTF-8. */
bool manifest_path_ok(const char *path);
/* True for a dataset or output name: [A-Za-z0-9_.-], no leading dot,
 * 1..64 bytes. */
bool manifest_name_ok(const char *name);

#endif
