/*
 * datasets.h - which bytes each manifest dataset reads: the bundle's sample,
 * or, in custodian mode (the profile gives the dataset a `path`), the real
 * data at that path, copied into a sealed memfd while it is hashed so the
 * digest in the report is of exactly what the sandbox reads.
 */
#ifndef PROEFTUIN_DATASETS_H
#define PROEFTUIN_DATASETS_H

#include <stdbool.h>
#include <stdint.h>

#include "bundle.h"
#include "manifest.h"
#include "profile.h"

struct dataset_input {
	const char *name;   /* the manifest's dataset name (borrowed) */
	const char *source; /* "sample" or "custodian" */
	int fd;		    /* read-only bytes; see `owned` */
	bool owned;	    /* fd is ours to close (custodian memfd) */
	char sha256[PT_SHA256_HEX];
	uint64_t bytes;
};

struct dataset_inputs {
	struct dataset_input *v; /* in manifest order */
	size_t n;
};

/*
 * Resolve every manifest dataset to its bytes, and check that each column
 * the manifest requests is in that file's header row (the file may hold
 * more columns).  Returns 0, or -1 with `err` (EX_DATAERR for a dataset
 * that is missing, unreadable or lacks a requested column; EX_OSERR when a
 * memfd cannot be made).  Either way `out` may be passed to datasets_fini.
 */
int datasets_resolve(const struct manifest *m, const struct profile *p,
		     const struct bundle *b, struct dataset_inputs *out,
		     struct pt_err *err);
void datasets_fini(struct dataset_inputs *in);
const struct dataset_input *datasets_find(const struct dataset_inputs *in,
					  const char *name);

/* Open custodian data: not following a final symlink, not blocking on a
 * FIFO, and only a regular file.  Returns the descriptor or -1 with err. */
int datasets_open_custodian(const char *path, struct pt_err *err);

/* Read the header row of the CSV in `fd` (libcsv rules, from offset 0 with
 * pread, at most 1 MiB).  Returns the number of columns, or -1 with a
 * reason. */
int csv_read_header(int fd, char ***cols, const char **why);

#endif
