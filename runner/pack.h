/*
 * pack.h - a deterministic bundle archive from a folder: `proeftuin pack`.
 */
#ifndef PROEFTUIN_PACK_H
#define PROEFTUIN_PACK_H

#include <stdbool.h>

#include "bundle.h"
#include "profile.h"

/* The profile's [bundle] defaults, for commands that run without a
 * profile (pack); the same values as profile.c's defaults. */
extern const struct profile_bundle pack_default_limits;

/*
 * Take in the folder `dir` with the usual intake checks and write its files
 * as a .tar.gz to `out`: entries sorted by path (each folder just before
 * the first file in it), mtime `mtime`, uid/gid 0 without names, modes
 * 0644 (files) and 0755 (folders), pax format, gzip without a timestamp or
 * name.  The bytes written are the bytes intake hashed (the sealed
 * memfds), so what was checked is what is packed.  The same folder gives
 * the same bytes whatever the file times, owners, modes, umask or order.
 *
 * The archive is written to a temporary file next to `out` and moved into
 * place; an existing `out` is replaced only with `force`.  Returns 0 with
 * the bundle digest in `digest`, 1 when the folder was refused (reasons in
 * `problems`), -1 with `err` (EX_CANTCREAT when `out` exists).
 */
int pack_folder(const char *dir, const char *out, bool force, long long mtime,
		struct intake_problems *problems, char digest[PT_SHA256_HEX],
		struct pt_err *err);

/* One file of an archive: its bytes in memory (`data`) or, when `data` is
 * NULL, read from `fd` at offset 0. */
struct pack_entry {
	const char *path;
	const void *data;
	int fd;
	uint64_t size;
};

enum pack_filter { PACK_GZIP, PACK_ZSTD };

/*
 * Write the `n` entries (sorted by path, names UTF-8 and checked by the
 * caller) as a deterministic tar, compressed with `filter`, to `out`, with
 * the same rules and the same atomic replacement as pack_folder.
 */
int pack_entries(const struct pack_entry *v, size_t n, enum pack_filter filter,
		 const char *out, bool force, long long mtime,
		 struct pt_err *err);

#endif
