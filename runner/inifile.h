/*
 * inifile.h - read an INI document with inih into a flat list of entries
 * that remember their line numbers, so that validation (manifest.c,
 * profile.c) can point at file:line long after parsing.
 */
#ifndef PROEFTUIN_INIFILE_H
#define PROEFTUIN_INIFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ini_entry {
	char *section;
	char *key;
	char *value;
	int line;
};

struct ini_section {
	char *name;
	int line; /* of its first key */
};

struct ini_doc {
	char *name; /* file name used in messages */
	struct ini_entry *entries;
	size_t nentries;
	struct ini_section *sections; /* in order of first appearance */
	size_t nsections;
};

#define INI_MAX_BYTES (1024 * 1024)

/*
 * Parse `len` bytes of `buf` (not NUL-terminated) named `name`.  Refuses
 * documents that are too large, contain NUL bytes or invalid UTF-8, have a
 * syntax error, or repeat a key within a section; the message in `err`
 * starts with "name:line: ".  `code` is the status such errors carry (65 for
 * a bundle's manifest, 78 for a profile).  The caller frees `doc` with
 * ini_doc_fini.
 */
int ini_doc_parse(const char *buf, size_t len, const char *name, int code,
		  struct ini_doc *doc, struct pt_err *err);
/*
 * Read the regular file `path` (not following a final symlink) into `out`:
 * at most INI_MAX_BYTES + 1 bytes, so an over-large file is refused by the
 * parser rather than read whole.  Errors: EX_NOINPUT when missing, `code`
 * when not a regular file, EX_IOERR on a read error.  The caller can hash
 * `out` and parse the very same bytes.
 */
int ini_read_file(const char *path, int code, struct sbuf *out,
		  struct pt_err *err);
/* Read `path` with ini_read_file and parse it. */
int ini_doc_load(const char *path, int code, struct ini_doc *doc,
		 struct pt_err *err);
void ini_doc_fini(struct ini_doc *doc);

/* Split a comma-separated list; items are trimmed, empty items refused.
 * Returns the count, or -1 with a message ("empty item", "duplicate 'x'"). */
int ini_split_list(const char *value, char ***items, const char **why);
void ini_free_list(char **items, size_t n);

#endif
