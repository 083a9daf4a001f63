/* pathcheck.c - entry name rules and the duplicate check; see pathcheck.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathcheck.h"
#include "textsafe.h"
#include "util.h"

/* What an entry name may not hold (textsafe.h's table): a name must read
 * the way it sorts in the report and name the file the runner runs. */
#define NAME_CONTROLS (TEXT_CONTROLS | TEXT_TAB | TEXT_LF | TEXT_LINESEP)

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
	struct sbuf sb = SBUF_INIT;
	size_t n = strlen(s), i = 0;
	uint32_t cp;

	while (i < n) {
		size_t len = utf8_decode(s + i, n - i, &cp);

		if (len == 0) { /* not from pathcheck_name: keep the byte */
			sbuf_addc(&sb, s[i++]);
			continue;
		}
		utf8_encode(&sb, fold_cp(cp));
		i += len;
	}
	return sbuf_steal(&sb);
}

const char *
pathcheck_name(const char *path, size_t len, bool is_dir, int64_t max_path,
	       int64_t max_depth, char *buf, size_t bufsize)
{
	size_t i, start, depth = 0;
	uint32_t cp;

	if (len == 0)
		return "empty name";
	if (memchr(path, '\0', len) != NULL)
		return "name contains a NUL byte";
	if (!utf8_valid(path, len))
		return "name is not valid UTF-8";
	for (i = 0; i < len;) {
		unsigned cls;

		i += utf8_decode(path + i, len - i, &cp);
		cls = text_classes(cp);
		if (cls & NAME_CONTROLS)
			return "name contains control characters";
		if (cls & TEXT_COMBINING)
			return "name contains combining characters; "
			       "use precomposed (NFC) characters";
		if (cls & TEXT_INVISIBLE)
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
