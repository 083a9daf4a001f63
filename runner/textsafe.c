/* textsafe.c - safe display text; see textsafe.h. */
#include <string.h>

#include "textsafe.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Decode one UTF-8 character at p[0..n).  Returns its length and sets *cp,
 * or 0 for an invalid sequence (overlong, surrogate, beyond U+10FFFF,
 * truncated). */
static size_t
utf8_decode(const unsigned char *p, size_t n, unsigned long *cp)
{
	size_t len, i;
	unsigned long v, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		v = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		v = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		v = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Characters that must never reach a reader as themselves. */
static bool
unsafe_char(unsigned long cp, bool keep_lines)
{
	if (cp < 0x20)
		return !(keep_lines && (cp == '\n' || cp == '\t'));
	if (cp >= 0x7f && cp <= 0x9f)
		return true;
	/* Bidi embeddings, overrides and isolates ("Trojan Source"). */
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return true;
	return false;
}

size_t
text_clean(struct sbuf *out, const char *s, size_t n, size_t cap,
	   bool keep_lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, replaced = 0;

	while (i < n) {
		unsigned long cp = 0;
		size_t len = utf8_decode(p + i, n - i, &cp);

		if (i + (len ? len : 1) > cap)
			break;
		if (len == 0) {
			sbuf_adds(out, REPLACEMENT);
			replaced++;
			i++;
			continue;
		}
		if (unsafe_char(cp, keep_lines)) {
			sbuf_adds(out, REPLACEMENT);
			replaced++;
		} else {
			sbuf_add(out, p + i, len);
		}
		i += len;
	}
	if (i < n)
		sbuf_printf(out, " … [%zu bytes cut]", n - i);
	return replaced;
}

char *
text_clean_dup(const char *s, size_t cap, bool keep_lines)
{
	struct sbuf sb = SBUF_INIT;

	if (s != NULL)
		text_clean(&sb, s, strlen(s), cap, keep_lines);
	return sbuf_steal(&sb);
}
