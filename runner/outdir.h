/*
 * outdir.h - write the report folder atomically.
 *
 * All files are written into a fresh temporary folder next to the target,
 * fsynced, and then moved into place with one rename (or an atomic exchange
 * when the target exists), so a killed run leaves either the old state or
 * the complete new report, never half of one.
 */
#ifndef PROEFTUIN_OUTDIR_H
#define PROEFTUIN_OUTDIR_H

#include <stdbool.h>

#include "util.h"

struct outfile {
	char *name; /* relative, may contain one '/' level (outputs/x.csv) */
	struct sbuf data;
	bool in_sums; /* listed in SHA256SUMS */
};

struct outset {
	struct outfile *v;
	size_t n;
};

/* Add a file; `data` is copied. */
void outset_add(struct outset *set, const char *name, const void *data,
		size_t len, bool in_sums);
void outset_fini(struct outset *set);

/* The SHA256SUMS text for the files of `set` marked in_sums: one
 * "HEX  NAME" line each, sorted by name. */
void outdir_sums(const struct outset *set, struct sbuf *sums);

/*
 * Read the regular file `name` under `dfd` (AT_FDCWD for a path) without
 * following a symlink or blocking on a FIFO, into `out`.  0; 1 when it does
 * not exist; -1 with errno otherwise (EINVAL: not a regular file; EFBIG:
 * larger than `max`, with the first bytes past `max` in `out`).  Report
 * folders and release packages are read with it: hostile files, too.
 */
int outdir_read(int dfd, const char *name, size_t max, struct sbuf *out);

/* Refuse early (before any work) when `dir` exists and is non-empty and
 * `force` is not set, or when its parent does not exist.  EX_CANTCREAT. */
int outdir_precheck(const char *dir, bool force, struct pt_err *err);

/*
 * Write `set` plus a SHA256SUMS over the files marked in_sums, and move the
 * result to `dir`.  On failure nothing at `dir` has changed and the
 * temporary folder is gone; err->code is EX_CANTCREAT (73) when the folder
 * cannot be created and EX_IOERR (74) when writing failed (e.g. ENOSPC).
 */
int outdir_commit(const char *dir, bool force, const struct outset *set,
		  struct pt_err *err);

/* The same for a folder that is not a report (a release package): the
 * files of `set` only, no SHA256SUMS written; refused when `dir` exists
 * and is not empty. */
int outdir_commit_files(const char *dir, const struct outset *set,
			struct pt_err *err);

#endif
