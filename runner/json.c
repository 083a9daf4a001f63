/* json.c - JSON value tree and canonical writer; see json.h. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "textsafe.h"

struct member {
	char *key;
	struct jv *val;
};

struct jv {
	enum jv_kind kind;
	union {
		bool b;
		int64_t i;
		struct {
			char *p;
			size_t n;
		} s;
		struct {
			struct jv **v;
			size_t n, cap;
		} a;
		struct {
			struct member *m;
			size_t n, cap;
			bool sorted;
		} o;
	} u;
};

static struct jv *
jv_new(enum jv_kind kind)
{
	struct jv *v = xcalloc(1, sizeof(*v));

	v->kind = kind;
	return v;
}

struct jv *
jv_null(void)
{
	return jv_new(JV_NULL);
}

struct jv *
jv_bool(bool b)
{
	struct jv *v = jv_new(JV_BOOL);

	v->u.b = b;
	return v;
}

struct jv *
jv_int(int64_t i)
{
	struct jv *v = jv_new(JV_INT);

	v->u.i = i;
	return v;
}

/* Copy `s`, replacing each invalid byte with U+FFFD and NUL with U+FFFD. */
static char *
utf8_repair(const char *s, size_t n, size_t *outlen)
{
	struct sbuf sb = SBUF_INIT;

	if (utf8_valid(s, n) && memchr(s, '\0', n) == NULL) {
		*outlen = n;
		return xstrndup(s, n);
	}
	text_replace(&sb, s, n, SIZE_MAX, TEXT_FOR_JSON);
	*outlen = sb.len;
	return sbuf_steal(&sb);
}

struct jv *
jv_strn(const char *s, size_t n)
{
	struct jv *v = jv_new(JV_STR);

	v->u.s.p = utf8_repair(s, n, &v->u.s.n);
	return v;
}

struct jv *
jv_str(const char *s)
{
	return jv_strn(s, strlen(s));
}

struct jv *
jv_arr(void)
{
	return jv_new(JV_ARR);
}

struct jv *
jv_str_array(char *const *v, size_t n)
{
	struct jv *a = jv_arr();
	size_t i;

	for (i = 0; i < n; i++)
		jv_push(a, jv_str(v[i]));
	return a;
}

struct jv *
jv_obj(void)
{
	struct jv *v = jv_new(JV_OBJ);

	v->u.o.sorted = true;
	return v;
}

void
jv_free(struct jv *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->kind) {
	case JV_STR:
		free(v->u.s.p);
		break;
	case JV_ARR:
		for (i = 0; i < v->u.a.n; i++)
			jv_free(v->u.a.v[i]);
		free(v->u.a.v);
		break;
	case JV_OBJ:
		for (i = 0; i < v->u.o.n; i++) {
			free(v->u.o.m[i].key);
			jv_free(v->u.o.m[i].val);
		}
		free(v->u.o.m);
		break;
	case JV_NULL:
	case JV_BOOL:
	case JV_INT:
		break;
	}
	free(v);
}

void
jv_push(struct jv *arr, struct jv *val)
{
	if (arr->u.a.n == arr->u.a.cap) {
		arr->u.a.cap = arr->u.a.cap ? arr->u.a.cap * 2 : 8;
		arr->u.a.v = xreallocarray(arr->u.a.v, arr->u.a.cap,
					   sizeof(*arr->u.a.v));
	}
	arr->u.a.v[arr->u.a.n++] = val;
}

/* One character of a key (keys are repaired UTF-8; a NUL ends a sequence
 * early, so utf8_decode never reads past the end). */
static size_t
key_char(const char *s, uint32_t *cp)
{
	size_t len = utf8_decode(s, 4, cp);

	if (len == 0) {
		*cp = (unsigned char)s[0];
		len = 1;
	}
	return len;
}

/* The first UTF-16 code unit of a code point decides the order. */
static uint32_t
utf16_unit(uint32_t cp, int which)
{
	if (cp < 0x10000)
		return which == 0 ? cp : 0;
	cp -= 0x10000;
	return which == 0 ? 0xd800 + (cp >> 10) : 0xdc00 + (cp & 0x3ff);
}

int
jv_keycmp(const char *a, const char *b)
{
	const char *p = a, *q = b;

	while (*p != '\0' && *q != '\0') {
		uint32_t ca, cb;
		int k;

		p += key_char(p, &ca);
		q += key_char(q, &cb);
		if (ca == cb)
			continue;
		for (k = 0; k < 2; k++) {
			uint32_t ua = utf16_unit(ca, k), ub = utf16_unit(cb, k);

			if (ua != ub)
				return ua < ub ? -1 : 1;
		}
	}
	if (*p == *q)
		return 0;
	return *p == '\0' ? -1 : 1;
}

static int
member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;

	return jv_keycmp(a->key, b->key);
}

static void
obj_sort(const struct jv *obj)
{
	struct jv *o = (struct jv *)(uintptr_t)obj;

	if (!o->u.o.sorted) {
		qsort(o->u.o.m, o->u.o.n, sizeof(*o->u.o.m), member_cmp);
		o->u.o.sorted = true;
	}
}

static struct member *
obj_find(const struct jv *obj, const char *key)
{
	size_t i;

	for (i = 0; i < obj->u.o.n; i++)
		if (strcmp(obj->u.o.m[i].key, key) == 0)
			return &obj->u.o.m[i];
	return NULL;
}

void
jv_set(struct jv *obj, const char *key, struct jv *val)
{
	struct member *m = obj_find(obj, key);
	size_t n;

	if (m != NULL) {
		jv_free(m->val);
		m->val = val;
		return;
	}
	if (obj->u.o.n == obj->u.o.cap) {
		obj->u.o.cap = obj->u.o.cap ? obj->u.o.cap * 2 : 8;
		obj->u.o.m = xreallocarray(obj->u.o.m, obj->u.o.cap,
					   sizeof(*obj->u.o.m));
	}
	m = &obj->u.o.m[obj->u.o.n++];
	m->key = utf8_repair(key, strlen(key), &n);
	m->val = val;
	obj->u.o.sorted = false;
}

void
jv_set_str(struct jv *obj, const char *key, const char *s)
{
	jv_set(obj, key, jv_str(s));
}

void
jv_set_int(struct jv *obj, const char *key, int64_t i)
{
	jv_set(obj, key, jv_int(i));
}

void
jv_set_bool(struct jv *obj, const char *key, bool b)
{
	/* The report holds integers and strings only (PRODUCT.md): a flag
	 * is written the way profiles spell it. */
	jv_set(obj, key, jv_str(b ? "yes" : "no"));
}

struct jv *
jv_obj_at(struct jv *obj, const char *key)
{
	struct jv *v = jv_get(obj, key);

	if (v == NULL || v->kind != JV_OBJ) {
		v = jv_obj();
		jv_set(obj, key, v);
	}
	return v;
}

struct jv *
jv_arr_at(struct jv *obj, const char *key)
{
	struct jv *v = jv_get(obj, key);

	if (v == NULL || v->kind != JV_ARR) {
		v = jv_arr();
		jv_set(obj, key, v);
	}
	return v;
}

enum jv_kind
jv_kind(const struct jv *v)
{
	return v->kind;
}

struct jv *
jv_get(const struct jv *obj, const char *key)
{
	struct member *m;

	if (obj == NULL || obj->kind != JV_OBJ)
		return NULL;
	m = obj_find(obj, key);
	return m != NULL ? m->val : NULL;
}

const char *
jv_get_str(const struct jv *obj, const char *key)
{
	struct jv *v = jv_get(obj, key);

	return v != NULL && v->kind == JV_STR ? v->u.s.p : NULL;
}

bool
jv_get_int(const struct jv *obj, const char *key, int64_t *out)
{
	struct jv *v = jv_get(obj, key);

	if (v == NULL || v->kind != JV_INT)
		return false;
	*out = v->u.i;
	return true;
}

size_t
jv_len(const struct jv *v)
{
	if (v == NULL)
		return 0;
	if (v->kind == JV_ARR)
		return v->u.a.n;
	if (v->kind == JV_OBJ)
		return v->u.o.n;
	return 0;
}

struct jv *
jv_at(const struct jv *arr, size_t i)
{
	if (arr == NULL || arr->kind != JV_ARR || i >= arr->u.a.n)
		return NULL;
	return arr->u.a.v[i];
}

const char *
jv_key_at(const struct jv *obj, size_t i)
{
	if (obj == NULL || obj->kind != JV_OBJ || i >= obj->u.o.n)
		return NULL;
	obj_sort(obj);
	return obj->u.o.m[i].key;
}

struct jv *
jv_val_at(const struct jv *obj, size_t i)
{
	if (obj == NULL || obj->kind != JV_OBJ || i >= obj->u.o.n)
		return NULL;
	obj_sort(obj);
	return obj->u.o.m[i].val;
}

const char *
jv_str_value(const struct jv *v)
{
	return v != NULL && v->kind == JV_STR ? v->u.s.p : NULL;
}

int64_t
jv_int_value(const struct jv *v)
{
	return v != NULL && v->kind == JV_INT ? v->u.i : 0;
}

bool
jv_bool_value(const struct jv *v)
{
	return v != NULL && v->kind == JV_BOOL && v->u.b;
}

static void
write_string(const char *s, size_t n, struct sbuf *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	sbuf_addc(out, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[7];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sbuf_add(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\r':
			esc = "\\r";
			break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			u[6] = '\0';
			esc = u;
			break;
		}
		sbuf_adds(out, esc);
	}
	sbuf_add(out, s + run, n - run);
	sbuf_addc(out, '"');
}

void
jv_write(const struct jv *v, struct sbuf *out)
{
	size_t i;

	switch (v->kind) {
	case JV_NULL:
		sbuf_adds(out, "null");
		break;
	case JV_BOOL:
		sbuf_adds(out, v->u.b ? "true" : "false");
		break;
	case JV_INT:
		sbuf_printf(out, "%lld", (long long)v->u.i);
		break;
	case JV_STR:
		write_string(v->u.s.p, v->u.s.n, out);
		break;
	case JV_ARR:
		sbuf_addc(out, '[');
		for (i = 0; i < v->u.a.n; i++) {
			if (i > 0)
				sbuf_addc(out, ',');
			jv_write(v->u.a.v[i], out);
		}
		sbuf_addc(out, ']');
		break;
	case JV_OBJ:
		obj_sort(v);
		sbuf_addc(out, '{');
		for (i = 0; i < v->u.o.n; i++) {
			if (i > 0)
				sbuf_addc(out, ',');
			write_string(v->u.o.m[i].key, strlen(v->u.o.m[i].key),
				     out);
			sbuf_addc(out, ':');
			jv_write(v->u.o.m[i].val, out);
		}
		sbuf_addc(out, '}');
		break;
	}
}
