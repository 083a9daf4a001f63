/*
 * pathcheck.h - the rules every bundle entry name must pass, the same for
 * folders and archives, and the duplicate check.
 *
 * A name is a relative, '/'-separated UTF-8 path.  Refused: empty names,
 * invalid UTF-8, control characters (C0, DEL, C1, and the bidirectional
 * overrides that make a name read differently than it sorts), backslashes,
 * drive prefixes ("C:"), absolute paths, "..", "." or empty components,
 * combining characters (U+0300-U+036F and the other combining-mark blocks),
 * names longer than max_path bytes and paths deeper than max_depth folders.
 *
 * Why refuse combining characters instead of normalising: without ICU we
 * cannot normalise all of Unicode to NFC, and a partial normaliser would let
 * two names that look the same slip through as different files.  Refusing
 * them makes every accepted name its own NFC form for the marks people use
 * (precomposed letters such as U+00E9 are fine), so the duplicate check only
 * has to fold case.  Note that libarchive already composes UTF-8 names of
 * pax and zip entries to NFC before we see them.
 *
 * Duplicates are compared after simple case folding (ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic; other scripts compare as they are),
 * so `Data.csv` and `data.csv` cannot both exist, and a name cannot be both
 * a file and a folder.
 */
#ifndef PROEFTUIN_PATHCHECK_H
#define PROEFTUIN_PATHCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Check `path` (NUL-terminated, `len` bytes before the NUL; a NUL inside
 * the name is refused).  `is_dir`: the entry is a folder (a single trailing
 * '/' is then allowed).  Returns NULL when the name is fine, else a reason
 * (a static string, or one written into `buf`).
 */
const char *pathcheck_name(const char *path, size_t len, bool is_dir,
			   int64_t max_path, int64_t max_depth, char *buf,
			   size_t bufsize);

/* Simple case folding of a valid UTF-8 string; the result is malloc'd. */
char *pathcheck_fold(const char *s);

/* The set of names seen so far, folded. */
struct pathset;

struct pathset *pathset_new(void);
void pathset_free(struct pathset *s);

/*
 * Record an accepted name (without trailing '/').  Returns NULL when it
 * does not clash with what was seen, else a reason written into `buf`.
 */
const char *pathset_add(struct pathset *s, const char *path, bool is_dir,
			char *buf, size_t bufsize);

#endif
