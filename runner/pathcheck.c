/* pathcheck.c - entry name rules and the duplicate check; see pathcheck.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcheck.h"
#include "util.h"

/* Decode one code point of valid UTF-8 at `p`; returns its length. */
static size_t
utf8_next(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		*cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0) {
		*cp = ((uint32_t)(p[0] & 0x0f) << 12) |
		      ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return 3;
	}
	*cp = ((uint32_t)(p[0] & 0x07) << 18) |
	      ((uint32_t)(p[1] & 0x3f) << 12) | ((uint32_t)(p[2] & 0x3f) << 6) |
	      (p[3] & 0x3f);
	return 4;
}

static void
utf8_put(struct sbuf *sb, uint32_t cp)
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

/* C0, DEL, C1, line/paragraph separators and the bidirectional controls
 * (a name must read the way it sorts in the report). */
static bool
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 ||
	       cp == 0x2029 || (cp >= 0x200e && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static bool
is_combining(uint32_t cp)
{
	return (cp >= 0x0300 && cp <= 0x036f) ||
	       (cp >= 0x1ab0 && cp <= 0x1aff) ||
	       (cp >= 0x1dc0 && cp <= 0x1dff) ||
	       (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0xfe20 && cp <= 0xfe2f);
}

/* Default-ignorable code points (Unicode DerivedCoreProperties): they draw
 * nothing, so "analysis<U+200B>.lua" would read as analysis.lua in the
 * report while the runner executes another file. */
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

/* Simple case folding (Unicode CaseFolding.txt status C) for the scripts
 * Dutch and European teams use; anything else folds to itself.  Every
 * mapping keeps the UTF-8 length, so byte offsets in a folded name are
 * the offsets in the original (pathset_add relies on that). */
static uint32_t
fold_cp(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 32;
	if ((cp >= 0x100 && cp <= 0x12f) || (cp >= 0x132 && cp <= 0x137) ||
	    (cp >= 0x14a && cp <= 0x177))
		return cp | 1;
	if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e))
		return (cp & 1) ? cp + 1 : cp;
	if (cp == 0x178)
		return 0xff;
	if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2)
		return cp + 32;
	if (cp == 0x3c2)
		return 0x3c3;
	if (cp >= 0x410 && cp <= 0x42f)
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40f)
		return cp + 80;
	return cp;
}

char *
pathcheck_fold(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sbuf sb = SBUF_INIT;
	uint32_t cp;

	while (*p != '\0') {
		p += utf8_next(p, &cp);
		utf8_put(&sb, fold_cp(cp));
	}
	return sbuf_steal(&sb);
}

const char *
pathcheck_name(const char *path, size_t len, bool is_dir, int64_t max_path,
	       int64_t max_depth, char *buf, size_t bufsize)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t i, start, depth = 0;
	uint32_t cp;

	if (len == 0)
		return "empty name";
	if (memchr(path, '\0', len) != NULL)
		return "name contains a NUL byte";
	if (!pt_utf8_valid(path, len))
		return "name is not valid UTF-8";
	for (i = 0; i < len;) {
		i += utf8_next(p + i, &cp);
		if (is_control(cp))
			return "name contains control characters";
		if (is_combining(cp))
			return "name contains combining characters; "
			       "use precomposed (NFC) characters";
		if (is_invisible(cp))
			return "name contains invisible characters";
	}
	if (memchr(path, '\\', len) != NULL)
		return "name contains a backslash";
	if (len >= 2 && path[1] == ':' &&
	    ((path[0] >= 'A' && path[0] <= 'Z') ||
	     (path[0] >= 'a' && path[0] <= 'z')))
		return "name starts with a drive prefix";
	if (path[0] == '/')
		return "absolute path";
	if (is_dir && path[len - 1] == '/')
		len--;
	if ((int64_t)len > max_path) {
		snprintf(buf, bufsize, "path longer than %lld bytes",
			 (long long)max_path);
		return buf;
	}
	for (start = 0, i = 0; i <= len; i++) {
		size_t n;

		if (i < len && path[i] != '/')
			continue;
		n = i - start;
		if (n == 2 && path[start] == '.' && path[start + 1] == '.')
			return "path contains a '..' component";
		if (n == 0 || (n == 1 && path[start] == '.'))
			return "path contains an empty or '.' component";
		if (i < len)
			depth++;
		start = i + 1;
	}
	/* `depth` counts the folders above the entry; a folder entry is one
	 * level itself. */
	if (is_dir)
		depth++;
	if ((int64_t)depth > max_depth) {
		snprintf(buf, bufsize, "deeper than %lld levels",
			 (long long)max_depth);
		return buf;
	}
	return NULL;
}

enum kind {
	KIND_FILE = 1,
	KIND_DIR,     /* named by an entry */
	KIND_IMPLIED, /* only the parent of some entry */
};

struct slot {
	char *key;  /* folded name, NULL when empty */
	char *name; /* the first name that took this key */
	enum kind kind;
};

struct pathset {
	struct slot *v;
	size_t cap, n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct slot *
lookup(struct pathset *s, const char *key)
{
	size_t i = (size_t)hash_str(key) & (s->cap - 1);

	while (s->v[i].key != NULL && strcmp(s->v[i].key, key) != 0)
		i = (i + 1) & (s->cap - 1);
	return &s->v[i];
}

static void
grow(struct pathset *s)
{
	struct slot *old = s->v;
	size_t i, oldcap = s->cap;

	s->cap = oldcap != 0 ? oldcap * 2 : 64;
	s->v = xcalloc(s->cap, sizeof(*s->v));
	for (i = 0; i < oldcap; i++)
		if (old[i].key != NULL)
			*lookup(s, old[i].key) = old[i];
	free(old);
}

/* Find or make the slot for `key`; a new slot has kind 0. */
static struct slot *
slot_for(struct pathset *s, const char *key, const char *name)
{
	struct slot *sl;

	if ((s->n + 1) * 2 > s->cap)
		grow(s);
	sl = lookup(s, key);
	if (sl->key == NULL) {
		sl->key = xstrdup(key);
		sl->name = xstrdup(name);
		sl->kind = 0;
		s->n++;
	}
	return sl;
}

struct pathset *
pathset_new(void)
{
	struct pathset *s = xcalloc(1, sizeof(*s));

	grow(s);
	return s;
}

void
pathset_free(struct pathset *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->cap; i++) {
		free(s->v[i].key);
		free(s->v[i].name);
	}
	free(s->v);
	free(s);
}

const char *
pathset_add(struct pathset *s, const char *path, bool is_dir, char *buf,
	    size_t bufsize)
{
	char *key = pathcheck_fold(path), *slash;
	struct slot *sl;
	const char *why = NULL;

	/* Every folder above the entry must not be a file. */
	for (slash = strchr(key, '/'); slash != NULL && why == NULL;
	     slash = strchr(slash + 1, '/')) {
		char *name = xstrndup(path, (size_t)(slash - key));

		*slash = '\0';
		sl = slot_for(s, key, name);
		if (sl->kind == KIND_FILE) {
			snprintf(buf, bufsize,
				 "path is below '%s', which is a file",
				 sl->name);
			why = buf;
		} else if (sl->kind == 0) {
			sl->kind = KIND_IMPLIED;
		}
		*slash = '/';
		free(name);
	}
	if (why == NULL) {
		sl = slot_for(s, key, path);
		if (sl->kind == KIND_FILE || sl->kind == KIND_DIR) {
			if (strcmp(sl->name, path) == 0)
				snprintf(buf, bufsize, "duplicate path");
			else
				snprintf(buf, bufsize,
					 "duplicate path: same as '%s' "
					 "after case folding",
					 sl->name);
			why = buf;
		} else if (sl->kind == KIND_IMPLIED && !is_dir) {
			snprintf(buf, bufsize,
				 "path is both a file and a folder");
			why = buf;
		} else {
			sl->kind = is_dir ? KIND_DIR : KIND_FILE;
		}
	}
	free(key);
	return why;
}
