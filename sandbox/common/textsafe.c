/* textsafe.c - the UTF-8 codec and safe display text; see textsafe.h. */
#include <string.h>

#include "textsafe.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i;
	uint32_t v, min;

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

void
utf8_encode(struct sbuf *sb, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		sbuf_addc(sb, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		sbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		sbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		sbuf_add(sb, b, 4);
	}
}

bool
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	/* CSV records pass through here: ASCII runs stay a tight loop. */
	while (i < n) {
		uint32_t cp;
		size_t len;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		len = utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

static bool
is_bidi(uint32_t cp)
{
	return cp == 0x61c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Default-ignorable code points (Unicode DerivedCoreProperties): they draw
 * nothing, so "analysis<U+200B>.lua" would read as analysis.lua while the
 * runner executes another file. */
static bool
is_invisible(uint32_t cp)
{
	return cp == 0xad || cp == 0x34f || cp == 0x61c || cp == 0x115f ||
	       cp == 0x1160 || cp == 0x17b4 || cp == 0x17b5 ||
	       (cp >= 0x180b && cp <= 0x180f) ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3164 ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 ||
	       (cp >= 0xfff0 && cp <= 0xfff8) ||
	       (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	       (cp >= 0x1d173 && cp <= 0x1d17a) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

static bool
is_combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
}

unsigned
text_classes(uint32_t cp)
{
	unsigned c = 0;

	if (cp >= 0x20 && cp < 0x7f)
		return 0;
	if (cp == 0)
		return TEXT_NUL;
	if (cp == '\t')
		return TEXT_TAB;
	if (cp == '\n')
		return TEXT_LF;
	if (cp < 0x20)
		return TEXT_C0;
	if (cp <= 0x9f)
		return TEXT_C1;
	if (is_bidi(cp))
		c |= TEXT_BIDI;
	if (cp == 0x2028 || cp == 0x2029)
		c |= TEXT_LINESEP;
	if (is_invisible(cp))
		c |= TEXT_INVISIBLE;
	if (is_combining(cp))
		c |= TEXT_COMBINING;
	return c;
}

size_t
text_replace(struct sbuf *out, const char *s, size_t n, size_t cap,
	     unsigned remove)
{
	size_t i = 0, replaced = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_decode(s + i, n - i, &cp);
		unsigned cls = len == 0 ? TEXT_INVALID : text_classes(cp);

		if (i + (len ? len : 1) > cap)
			break;
		if ((cls & remove) != 0) {
			sbuf_adds(out, REPLACEMENT);
			replaced++;
		} else if (len == 0) {
			sbuf_addc(out, s[i]); /* only when invalid is kept */
		} else {
			sbuf_add(out, s + i, len);
		}
		i += len ? len : 1;
	}
	if (i < n)
		sbuf_printf(out, " … [%zu bytes cut]", n - i);
	return replaced;
}

void
text_escape(struct sbuf *out, const char *s, size_t n, unsigned remove)
{
	size_t i = 0, k;

	remove |= TEXT_INVALID;
	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_decode(s + i, n - i, &cp);
		unsigned cls = len == 0 ? TEXT_INVALID : text_classes(cp);

		if (len == 0)
			len = 1;
		if ((cls & remove) != 0) {
			for (k = 0; k < len; k++)
				sbuf_printf(out, "\\x%02x",
					    (unsigned char)s[i + k]);
		} else {
			sbuf_add(out, s + i, len);
		}
		i += len;
	}
}

size_t
text_clean(struct sbuf *out, const char *s, size_t n, size_t cap,
	   bool keep_lines)
{
	return text_replace(out, s, n, cap,
			    keep_lines ? TEXT_FOR_REPORT_LINES
				       : TEXT_FOR_REPORT);
}

char *
text_clean_dup(const char *s, size_t cap, bool keep_lines)
{
	struct sbuf sb = SBUF_INIT;

	if (s != NULL)
		text_clean(&sb, s, strlen(s), cap, keep_lines);
	return sbuf_steal(&sb);
}
