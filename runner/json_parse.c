/* json_parse.c - strict JSON reader and tree comparison; see json_parse.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_parse.h"
#include "textsafe.h"

struct parser {
	const char *p;
	size_t len;
	size_t off;
	const char *why;
};

static struct jv *parse_value(struct parser *ps, int depth);

static void
skip_ws(struct parser *ps)
{
	while (ps->off < ps->len &&
	       (ps->p[ps->off] == ' ' || ps->p[ps->off] == '\t' ||
		ps->p[ps->off] == '\n' || ps->p[ps->off] == '\r'))
		ps->off++;
}

static struct jv *
fail(struct parser *ps, const char *why)
{
	if (ps->why == NULL)
		ps->why = why;
	return NULL;
}

static int
hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	if (ps->len - ps->off < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = ps->p[ps->off++];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* A string token into `sb` (raw UTF-8, NUL refused). 0 or -1. */
static int
parse_string(struct parser *ps, struct sbuf *sb)
{
	size_t start;

	if (ps->off >= ps->len || ps->p[ps->off] != '"')
		return -1;
	ps->off++;
	start = ps->off;
	while (ps->off < ps->len) {
		unsigned char c = (unsigned char)ps->p[ps->off];
		uint32_t cp, lo;

		if (c == '"') {
			ps->off++;
			return utf8_valid(sb->buf != NULL ? sb->buf : "",
					  sb->len)
				   ? 0
				   : -1;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\') {
			sbuf_addc(sb, (char)c);
			ps->off++;
			continue;
		}
		if (++ps->off >= ps->len)
			return -1;
		switch (ps->p[ps->off++]) {
		case '"':
			sbuf_addc(sb, '"');
			break;
		case '\\':
			sbuf_addc(sb, '\\');
			break;
		case '/':
			sbuf_addc(sb, '/');
			break;
		case 'b':
			sbuf_addc(sb, '\b');
			break;
		case 'f':
			sbuf_addc(sb, '\f');
			break;
		case 'n':
			sbuf_addc(sb, '\n');
			break;
		case 'r':
			sbuf_addc(sb, '\r');
			break;
		case 't':
			sbuf_addc(sb, '\t');
			break;
		case 'u':
			if (hex4(ps, &cp) < 0 || cp == 0)
				return -1;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (ps->len - ps->off < 6 ||
				    ps->p[ps->off] != '\\' ||
				    ps->p[ps->off + 1] != 'u')
					return -1;
				ps->off += 2;
				if (hex4(ps, &lo) < 0 || lo < 0xdc00 ||
				    lo > 0xdfff)
					return -1;
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return -1;
			}
			utf8_encode(sb, cp);
			break;
		default:
			return -1;
		}
	}
	(void)start;
	return -1;
}

static struct jv *
parse_number(struct parser *ps)
{
	size_t start = ps->off;
	char buf[32];
	char *end;
	long long v;

	if (ps->off < ps->len && ps->p[ps->off] == '-')
		ps->off++;
	if (ps->off >= ps->len || ps->p[ps->off] < '0' || ps->p[ps->off] > '9')
		return fail(ps, "bad number");
	if (ps->p[ps->off] == '0' && ps->off + 1 < ps->len &&
	    ps->p[ps->off + 1] >= '0' && ps->p[ps->off + 1] <= '9')
		return fail(ps, "leading zero");
	while (ps->off < ps->len && ps->p[ps->off] >= '0' &&
	       ps->p[ps->off] <= '9')
		ps->off++;
	if (ps->off < ps->len &&
	    (ps->p[ps->off] == '.' || ps->p[ps->off] == 'e' ||
	     ps->p[ps->off] == 'E'))
		return fail(ps, "only integers are allowed");
	if (ps->off - start >= sizeof(buf))
		return fail(ps, "number too long");
	memcpy(buf, ps->p + start, ps->off - start);
	buf[ps->off - start] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return fail(ps, "number out of range");
	return jv_int(v);
}

static bool
literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->off < n || memcmp(ps->p + ps->off, word, n) != 0)
		return false;
	ps->off += n;
	return true;
}

static struct jv *
parse_object(struct parser *ps, int depth)
{
	struct jv *obj = jv_obj();

	ps->off++;
	skip_ws(ps);
	if (ps->off < ps->len && ps->p[ps->off] == '}') {
		ps->off++;
		return obj;
	}
	for (;;) {
		struct sbuf key = SBUF_INIT;
		struct jv *val;

		skip_ws(ps);
		if (parse_string(ps, &key) < 0) {
			sbuf_free(&key);
			jv_free(obj);
			return fail(ps, "bad object key");
		}
		if (jv_get(obj, key.buf != NULL ? key.buf : "") != NULL) {
			sbuf_free(&key);
			jv_free(obj);
			return fail(ps, "duplicate key");
		}
		skip_ws(ps);
		if (ps->off >= ps->len || ps->p[ps->off] != ':') {
			sbuf_free(&key);
			jv_free(obj);
			return fail(ps, "expected ':'");
		}
		ps->off++;
		val = parse_value(ps, depth + 1);
		if (val == NULL) {
			sbuf_free(&key);
			jv_free(obj);
			return NULL;
		}
		jv_set(obj, key.buf != NULL ? key.buf : "", val);
		sbuf_free(&key);
		skip_ws(ps);
		if (ps->off < ps->len && ps->p[ps->off] == ',') {
			ps->off++;
			continue;
		}
		if (ps->off < ps->len && ps->p[ps->off] == '}') {
			ps->off++;
			return obj;
		}
		jv_free(obj);
		return fail(ps, "expected ',' or '}'");
	}
}

static struct jv *
parse_array(struct parser *ps, int depth)
{
	struct jv *arr = jv_arr();

	ps->off++;
	skip_ws(ps);
	if (ps->off < ps->len && ps->p[ps->off] == ']') {
		ps->off++;
		return arr;
	}
	for (;;) {
		struct jv *val = parse_value(ps, depth + 1);

		if (val == NULL) {
			jv_free(arr);
			return NULL;
		}
		jv_push(arr, val);
		skip_ws(ps);
		if (ps->off < ps->len && ps->p[ps->off] == ',') {
			ps->off++;
			continue;
		}
		if (ps->off < ps->len && ps->p[ps->off] == ']') {
			ps->off++;
			return arr;
		}
		jv_free(arr);
		return fail(ps, "expected ',' or ']'");
	}
}

static struct jv *
parse_value(struct parser *ps, int depth)
{
	struct sbuf s = SBUF_INIT;
	struct jv *v;
	char c;

	if (depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	skip_ws(ps);
	if (ps->off >= ps->len)
		return fail(ps, "unexpected end");
	c = ps->p[ps->off];
	if (c == '{')
		return parse_object(ps, depth);
	if (c == '[')
		return parse_array(ps, depth);
	if (c == '"') {
		if (parse_string(ps, &s) < 0) {
			sbuf_free(&s);
			return fail(ps, "bad string");
		}
		v = jv_strn(s.buf != NULL ? s.buf : "", s.len);
		sbuf_free(&s);
		return v;
	}
	if (literal(ps, "true"))
		return jv_bool(true);
	if (literal(ps, "false"))
		return jv_bool(false);
	if (literal(ps, "null"))
		return jv_null();
	return parse_number(ps);
}

struct jv *
json_parse(const char *p, size_t len, const char **why, size_t *at)
{
	struct parser ps = { p, len, 0, NULL };
	struct jv *v = parse_value(&ps, 0);

	if (v != NULL) {
		skip_ws(&ps);
		if (ps.off != ps.len) {
			jv_free(v);
			v = fail(&ps, "trailing bytes");
		}
	}
	*why = ps.why;
	*at = ps.off;
	return v;
}

/* Append ".key" (or "key" at the root). */
static void
path_key(struct sbuf *path, size_t mark, const char *key)
{
	path->len = mark;
	if (path->buf != NULL)
		path->buf[mark] = '\0';
	if (mark > 0)
		sbuf_addc(path, '.');
	sbuf_adds(path, key);
}

int
json_first_difference(const struct jv *a, const struct jv *b, struct sbuf *path)
{
	size_t mark = path->len, i, na, nb;

	if (jv_kind(a) != jv_kind(b))
		return 1;
	switch (jv_kind(a)) {
	case JV_NULL:
		return 0;
	case JV_BOOL:
		return jv_bool_value(a) != jv_bool_value(b);
	case JV_INT:
		return jv_int_value(a) != jv_int_value(b);
	case JV_STR:
		return strcmp(jv_str_value(a), jv_str_value(b)) != 0;
	case JV_ARR:
		na = jv_len(a);
		nb = jv_len(b);
		for (i = 0; i < na && i < nb; i++) {
			path->len = mark;
			if (path->buf != NULL)
				path->buf[mark] = '\0';
			sbuf_printf(path, "[%zu]", i);
			if (json_first_difference(jv_at(a, i), jv_at(b, i),
						  path))
				return 1;
		}
		path->len = mark;
		if (path->buf != NULL)
			path->buf[mark] = '\0';
		if (na != nb) {
			sbuf_printf(path, "[%zu]", na < nb ? na : nb);
			return 1;
		}
		return 0;
	case JV_OBJ:
		na = jv_len(a);
		nb = jv_len(b);
		for (i = 0; i < na || i < nb; i++) {
			const char *ka = i < na ? jv_key_at(a, i) : NULL;
			const char *kb = i < nb ? jv_key_at(b, i) : NULL;

			if (ka == NULL || kb == NULL || strcmp(ka, kb) != 0) {
				/* The key that sorts first is the one only
				 * one side has. */
				const char *k = ka == NULL		? kb
						: kb == NULL		? ka
						: jv_keycmp(ka, kb) < 0 ? ka
									: kb;

				path_key(path, mark, k);
				return 1;
			}
			path_key(path, mark, ka);
			if (json_first_difference(jv_val_at(a, i),
						  jv_val_at(b, i), path))
				return 1;
		}
		path->len = mark;
		if (path->buf != NULL)
			path->buf[mark] = '\0';
		return 0;
	}
	return 1;
}
