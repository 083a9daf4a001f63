/*
 * textsafe.h - bundle text made safe to show: valid UTF-8, no control
 * characters, no bidirectional overrides, bounded length.  Every renderer
 * (CSV, Markdown, HTML, console) passes bundle strings through here before
 * applying its own escaping.
 */
#ifndef PROEFTUIN_TEXTSAFE_H
#define PROEFTUIN_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * Append at most `cap` bytes of `s` (length `n`) to `out` as display text:
 * invalid UTF-8, C0 controls (except newline and tab when `keep_lines`),
 * DEL, C1 controls and the bidi embedding/override/isolate characters each
 * become U+FFFD, so no byte can drive a terminal or reorder what a reader
 * sees.  When `s` is longer than `cap` it is cut at a character boundary
 * and " … [N bytes cut]" is appended.  Returns the number of characters
 * replaced.
 */
size_t text_clean(struct sbuf *out, const char *s, size_t n, size_t cap,
		  bool keep_lines);

/* text_clean of a NUL-terminated string (NULL counts as empty), returned
 * as a new allocation. */
char *text_clean_dup(const char *s, size_t cap, bool keep_lines);

#endif
