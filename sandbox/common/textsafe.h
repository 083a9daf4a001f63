/*
 * textsafe.h - the one UTF-8 codec of the project and the one place that
 * decides which characters of hostile text may reach a reader as
 * themselves.  The sandboxed child and the runner both use it.
 *
 * Text from a bundle (names, script messages, table cells) is shown in
 * reports, in run.log and on a terminal.  A character class is taken out
 * where it could drive a terminal, reorder what a reader sees, or hide
 * what a name really is.  What is taken out where, and how:
 *
 *                      invalid C0   tab  LF   DEL  bidi line  invi- combi-
 *                      UTF-8  NUL            C1        sep   sible ning
 *   report text          R     R     R    R    R    R    .     .     .
 *   report text, lines   R     R     .    .    R    R    .     .     .
 *   run.log, errors      E     E     .    E    E    E    .     .     .
 *   run.log, lines       E     E     .    .    E    E    .     .     .
 *   names on a terminal  E     E     E    E    E    E    .     .     .
 *   archive entry names  F     F     F    F    F    F    F     F     F
 *   JSON strings         R    NUL    .    .    .    .    .     .     .
 *
 *   R  replaced by U+FFFD (text_clean)      E  \xNN per byte (text_escape)
 *   F  the entry is refused (pathcheck.c)   .  kept (JSON escapes C0 itself)
 *
 * "bidi" is every bidirectional formatting character: the marks U+200E,
 * U+200F and U+061C, the embeddings and overrides U+202A..U+202E and the
 * isolates U+2066..U+2069 ("Trojan Source").  A mark cannot reorder text
 * on its own, but it changes how neighbouring neutral characters (digits,
 * punctuation) are laid out, so a reader might not see the bytes that are
 * there; every context takes them all out.
 */
#ifndef PROEFTUIN_TEXTSAFE_H
#define PROEFTUIN_TEXTSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Character classes; a code point may be in more than one (U+200B is
 * invisible only, U+200E both bidi and invisible). */
enum text_class {
	TEXT_INVALID = 1u << 0,	  /* a byte that is not part of valid UTF-8 */
	TEXT_NUL = 1u << 1,	  /* U+0000 */
	TEXT_C0 = 1u << 2,	  /* U+0001..U+001F but tab and line feed */
	TEXT_TAB = 1u << 3,	  /* U+0009 */
	TEXT_LF = 1u << 4,	  /* U+000A */
	TEXT_C1 = 1u << 5,	  /* U+007F and U+0080..U+009F */
	TEXT_BIDI = 1u << 6,	  /* see above */
	TEXT_LINESEP = 1u << 7,	  /* U+2028, U+2029 */
	TEXT_INVISIBLE = 1u << 8, /* default-ignorable: draws nothing */
	TEXT_COMBINING = 1u << 9, /* combining marks (a name must be NFC) */
};

/* The rows of the table above, as sets of classes. */
#define TEXT_CONTROLS (TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_C1 | TEXT_BIDI)
#define TEXT_FOR_REPORT (TEXT_CONTROLS | TEXT_TAB | TEXT_LF)
#define TEXT_FOR_REPORT_LINES TEXT_CONTROLS
#define TEXT_FOR_LOG (TEXT_CONTROLS | TEXT_LF)
#define TEXT_FOR_LOG_LINES TEXT_CONTROLS
#define TEXT_FOR_TERMINAL (TEXT_CONTROLS | TEXT_TAB | TEXT_LF)
#define TEXT_FOR_JSON (TEXT_INVALID | TEXT_NUL)

/* Decode one UTF-8 character at s[0..n), n > 0.  Returns its length (1-4)
 * and sets *cp, or returns 0 for an invalid sequence: a stray continuation
 * byte, a truncated or overlong sequence, a surrogate, beyond U+10FFFF. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Append the UTF-8 encoding of `cp` (at most U+10FFFF, no surrogate). */
void utf8_encode(struct sbuf *sb, uint32_t cp);

/* Whether s[0..n) is entirely valid UTF-8 (NUL bytes are valid). */
bool utf8_valid(const char *s, size_t n);

/* The classes of one code point (0 for an ordinary character). */
unsigned text_classes(uint32_t cp);

/*
 * Append at most `cap` bytes of `s` (length `n`) to `out`, each character
 * whose classes meet `remove` (and each invalid byte when `remove` has
 * TEXT_INVALID) replaced by U+FFFD.  When `s` is longer than `cap` it is
 * cut at a character boundary and " … [N bytes cut]" is appended.  Returns
 * the number of characters replaced.
 */
size_t text_replace(struct sbuf *out, const char *s, size_t n, size_t cap,
		    unsigned remove);

/* Append `s` (length `n`) to `out` with each byte of every character whose
 * classes meet `remove`, and each invalid byte, written as \xNN. */
void text_escape(struct sbuf *out, const char *s, size_t n, unsigned remove);

/* Report text: text_replace with TEXT_FOR_REPORT, or TEXT_FOR_REPORT_LINES
 * when `keep_lines`. */
size_t text_clean(struct sbuf *out, const char *s, size_t n, size_t cap,
		  bool keep_lines);

/* text_clean of a NUL-terminated string (NULL counts as empty), returned
 * as a new allocation. */
char *text_clean_dup(const char *s, size_t cap, bool keep_lines);

#endif
