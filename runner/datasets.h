/*
 * datasets.h - which bytes each manifest dataset reads: the bundle's sample,
 * or, in custodian mode (the profile gives the dataset a `path`), the real
 * data at that path, copied into a sealed memfd while it is hashed so the
 * digest in the report is of exactly what the sandbox reads.  Each is
 * opened once, before admission, which reads its header from these bytes.
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
	const char *source; /* "sample", "custodian", or "none" (no grant) */
	int fd;		    /* read-only bytes, or -1; see `owned` */
	bool owned;	    /* fd is ours to close (custodian data) */
	char *why;	    /* when fd is -1 for a granted dataset: why */
	char sha256[PT_SHA256_HEX]; /* when copied, or a bundle file */
	uint64_t bytes;
};

struct dataset_inputs {
	struct dataset_input *v; /* in manifest order */
	size_t n;
};

enum datasets_mode {
	DATASETS_SEALED, /* run: custodian data copied into a sealed memfd */
	DATASETS_HEADER_ONLY, /* check: custodian data opened, nothing copied */
};

/*
 * Open every manifest dataset once: the bundle's sample, or the
 * custodian's file (not following a symlink, only a regular file).  With
 * DATASETS_SEALED custodian data is copied into a sealed memfd while it is
 * hashed, so admission reads the header of, and the sandbox reads, exactly
 * the hashed bytes.  A dataset that cannot be had gets fd -1 and a reason
 * (admission reports it); a dataset the profile does not grant is not
 * opened.  Returns 0, or -1 with `err` only when no memfd can be made
 * (EX_OSERR).  Either way `out` goes to datasets_fini.
 */
int datasets_open(const struct manifest *m, const struct profile *p,
		  const struct bundle *b, enum datasets_mode mode,
		  struct dataset_inputs *out, struct pt_err *err);
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
