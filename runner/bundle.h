/*
 * bundle.h - a bundle after intake: every file with its digest, held as a
 * sealed, read-only descriptor of exactly the bytes that were hashed, so
 * what the sandbox reads is what the report names (no check/use gap).
 */
#ifndef PROEFTUIN_BUNDLE_H
#define PROEFTUIN_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "util.h"

struct bundle_file {
	char *path; /* relative, '/'-separated, validated */
	char sha256[PT_SHA256_HEX];
	uint64_t size;
	int fd; /* sealed memfd or read-only file; positioned anywhere */
};

struct bundle {
	char *format; /* "folder", "tar", "tar.gz", "tar.zst", "zip" */
	struct bundle_file *files; /* sorted by path (bytewise) */
	size_t nfiles;
	char digest[PT_SHA256_HEX];
};

/* One reason an intake refused a bundle entry. */
struct intake_problem {
	char *entry;
	char *reason;
};

struct intake_problems {
	struct intake_problem *v;
	size_t n;
};

const struct bundle_file *bundle_find(const struct bundle *b, const char *path);
/* Read a whole bundle file (with pread, from offset 0). */
int bundle_read(const struct bundle_file *f, struct sbuf *out,
		struct pt_err *err);
/* The bundle digest: SHA-256 over "SHA256  PATH\n" lines sorted by path. */
void bundle_compute_digest(struct bundle *b);
void bundle_fini(struct bundle *b);
/* Sort the files by path and compute the bundle digest. */
void bundle_finish(struct bundle *b);
/* Append a file; `b` takes `path` (malloc'd) and f->fd. */
void bundle_add(struct bundle *b, char *path, const struct bundle_file *f);

/*
 * A file being taken in: bytes go into a new memfd while they are hashed;
 * closing seals the memfd (no write, grow, shrink or further seals), so
 * what the sandbox later reads is exactly what was hashed.
 */
struct bundle_sink {
	int fd;
	uint64_t size;
	struct sha256_ctx ctx;
};

int bundle_sink_open(struct bundle_sink *s, struct pt_err *err);
int bundle_sink_write(struct bundle_sink *s, const void *p, size_t n,
		      struct pt_err *err);
/* Seal and fill f->sha256, f->size and f->fd (f->path is left alone). */
int bundle_sink_close(struct bundle_sink *s, struct bundle_file *f,
		      struct pt_err *err);
/* Drop a sink that will not become a file. */
void bundle_sink_abort(struct bundle_sink *s);

void intake_problem_add(struct intake_problems *ps, const char *entry,
			const char *fmt, ...) PT_PRINTF(3, 4);
void intake_problems_fini(struct intake_problems *ps);

#endif
