/* profile.c - profile parsing and validation; see profile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "inifile.h"
#include "json.h"
#include "manifest.h"
#include "profile.h"

/* An integer key: where it lives, its range and its default. */
struct int_key {
	const char *section;
	const char *key;
	size_t offset; /* into struct profile */
	int64_t min;
	int64_t max;
	int64_t def;
};

#define LIM(f) offsetof(struct profile, limits.f)
#define BUN(f) offsetof(struct profile, bundle.f)
#define DIS(f) offsetof(struct profile, disclosure.f)

static const struct int_key int_keys[] = {
	{ "limits", "wall_seconds", LIM(wall_seconds), 1, 86400, 60 },
	{ "limits", "cpu_seconds", LIM(cpu_seconds), 1, 86400, 30 },
	{ "limits", "memory_mb", LIM(memory_mb), 8, 65536, 256 },
	{ "limits", "instructions", LIM(instructions), 1000000,
	  1000000000000000LL, 2000000000 },
	{ "limits", "output_kb", LIM(output_kb), 1, 1048576, 1024 },
	{ "limits", "log_kb", LIM(log_kb), 1, 65536, 64 },
	{ "bundle", "max_bytes", BUN(max_bytes), 1024, 1LL << 40, 1LL << 30 },
	{ "bundle", "max_entries", BUN(max_entries), 1, 1000000, 10000 },
	{ "bundle", "max_file_bytes", BUN(max_file_bytes), 1, 1LL << 40,
	  512LL << 20 },
	{ "bundle", "max_ratio", BUN(max_ratio), 1, 100000, 200 },
	{ "bundle", "max_depth", BUN(max_depth), 1, 64, 16 },
	{ "bundle", "max_path", BUN(max_path), 16, 4096, 255 },
	{ "disclosure", "min_cell", DIS(min_cell), 1, 1000000, 10 },
	{ "disclosure", "round_to", DIS(round_to), 1, 1000000, 5 },
	{ "disclosure", "dominance_n", DIS(dominance_n), 1, 10, 2 },
	{ "disclosure", "dominance_k", DIS(dominance_k), 1, 100, 85 },
	{ "disclosure", "p_percent", DIS(p_percent), 0, 100, 10 },
	{ "disclosure", "max_rows", DIS(max_rows), 1, 10000000, 5000 },
};

struct action_key {
	const char *key;
	size_t offset;
	enum rule_action def;
};

static const struct action_key action_keys[] = {
	{ "zeros", DIS(zeros), ACTION_REVIEW },
	{ "negatives", DIS(negatives), ACTION_REVIEW },
	{ "missing", DIS(missing), ACTION_REVIEW },
};

const char *
access_name(enum access a)
{
	switch (a) {
	case ACCESS_NONE:
		return "none";
	case ACCESS_AGGREGATE:
		return "aggregate";
	case ACCESS_ROWS:
		return "rows";
	}
	return "none";
}

const char *
rule_action_name(enum rule_action a)
{
	switch (a) {
	case ACTION_PASS:
		return "pass";
	case ACTION_REVIEW:
		return "review";
	case ACTION_FAIL:
		return "fail";
	}
	return "fail";
}

static int
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

static int
set_int_key(struct profile *p, const struct ini_entry *e, const char *path,
	    bool *handled, struct pt_err *err)
{
	size_t i;
	int64_t v;

	*handled = false;
	for (i = 0; i < PT_ARRAY_LEN(int_keys); i++) {
		const struct int_key *k = &int_keys[i];

		if (strcmp(k->section, e->section) != 0 ||
		    strcmp(k->key, e->key) != 0)
			continue;
		*handled = true;
		if (parse_int(e->value, &v) < 0)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be an integer", path,
					  e->line, e->key);
		if (v < k->min || v > k->max)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be between %lld and "
					  "%lld",
					  path, e->line, e->key,
					  (long long)k->min, (long long)k->max);
		*(int64_t *)(void *)((char *)p + k->offset) = v;
		return 0;
	}
	return 0;
}

static int
set_action_key(struct profile *p, const struct ini_entry *e, const char *path,
	       bool *handled, struct pt_err *err)
{
	size_t i;

	*handled = false;
	if (strcmp(e->section, "disclosure") != 0)
		return 0;
	for (i = 0; i < PT_ARRAY_LEN(action_keys); i++) {
		enum rule_action *slot;

		if (strcmp(action_keys[i].key, e->key) != 0)
			continue;
		*handled = true;
		slot = (enum rule_action *)(void *)((char *)p +
						    action_keys[i].offset);
		if (strcmp(e->value, "pass") == 0)
			*slot = ACTION_PASS;
		else if (strcmp(e->value, "review") == 0)
			*slot = ACTION_REVIEW;
		else if (strcmp(e->value, "fail") == 0)
			*slot = ACTION_FAIL;
		else
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be pass, review or "
					  "fail",
					  path, e->line, e->key);
		return 0;
	}
	return 0;
}

static struct profile_dataset *
dataset_for(struct profile *p, const char *name, int line)
{
	size_t i;

	for (i = 0; i < p->ndatasets; i++)
		if (strcmp(p->datasets[i].name, name) == 0)
			return &p->datasets[i];
	p->datasets =
	    xreallocarray(p->datasets, p->ndatasets + 1, sizeof(*p->datasets));
	memset(&p->datasets[p->ndatasets], 0, sizeof(*p->datasets));
	p->datasets[p->ndatasets].name = xstrdup(name);
	p->datasets[p->ndatasets].line = line;
	p->datasets[p->ndatasets].access = ACCESS_NONE;
	return &p->datasets[p->ndatasets++];
}

static int
set_dataset_key(struct profile *p, const struct ini_entry *e, const char *path,
		struct pt_err *err)
{
	const char *name = e->section + 8;
	struct profile_dataset *d;
	const char *why;
	int n;

	if (!manifest_name_ok(name))
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: bad dataset name "
				  "'%s'",
				  path, e->line, name);
	d = dataset_for(p, name, e->line);
	if (strcmp(e->key, "access") == 0) {
		if (strcmp(e->value, "none") == 0)
			d->access = ACCESS_NONE;
		else if (strcmp(e->value, "aggregate") == 0)
			d->access = ACCESS_AGGREGATE;
		else if (strcmp(e->value, "rows") == 0)
			d->access = ACCESS_ROWS;
		else
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: access must be none, "
					  "aggregate or rows",
					  path, e->line);
	} else if (strcmp(e->key, "columns") == 0 ||
		   strcmp(e->key, "identifiers") == 0) {
		bool cols = e->key[0] == 'c';

		n = ini_split_list(e->value,
				   cols ? &d->columns : &d->identifiers, &why);
		if (n < 0)
			return pt_err_set(err, EX_CONFIG, "%s:%d: %s: %s", path,
					  e->line, e->key, why);
		if (cols)
			d->ncolumns = (size_t)n;
		else
			d->nidentifiers = (size_t)n;
	} else if (strcmp(e->key, "personal") == 0 ||
		   strcmp(e->key, "special_category") == 0) {
		bool *slot =
		    e->key[0] == 'p' ? &d->personal : &d->special_category;

		if (parse_bool(e->value, slot) < 0)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be yes or no", path,
					  e->line, e->key);
	} else if (strcmp(e->key, "path") == 0) {
		if (e->value[0] != '/')
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: path must be absolute", path,
					  e->line);
		d->path = xstrdup(e->value);
	} else {
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: unknown key '%s' in [%s]", path,
				  e->line, e->key, e->section);
	}
	return 0;
}

static int
set_profile_key(struct profile *p, const struct ini_entry *e, const char *path,
		struct pt_err *err)
{
	const char *why;
	int n;

	if (strcmp(e->key, "name") == 0) {
		if (!manifest_name_ok(e->value))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: name must use letters, "
					  "digits, '_', '-' and '.'",
					  path, e->line);
		p->name = xstrdup(e->value);
	} else if (strcmp(e->key, "version") == 0) {
		if (parse_int(e->value, &p->version) < 0 || p->version < 1)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: version must be a positive "
					  "integer",
					  path, e->line);
	} else if (strcmp(e->key, "owner") == 0) {
		p->owner = xstrdup(e->value);
	} else if (strcmp(e->key, "legal_basis") == 0) {
		p->legal_basis = xstrdup(e->value);
	} else if (strcmp(e->key, "public_interest") == 0) {
		p->public_interest = xstrdup(e->value);
	} else if (strcmp(e->key, "purposes") == 0) {
		n = ini_split_list(e->value, &p->purposes, &why);
		if (n < 0)
			return pt_err_set(err, EX_CONFIG, "%s:%d: purposes: %s",
					  path, e->line, why);
		p->npurposes = (size_t)n;
	} else {
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: unknown key '%s' in [profile]", path,
				  e->line, e->key);
	}
	return 0;
}

static void
set_defaults(struct profile *p)
{
	size_t i;

	for (i = 0; i < PT_ARRAY_LEN(int_keys); i++)
		*(int64_t *)(void *)((char *)p + int_keys[i].offset) =
		    int_keys[i].def;
	for (i = 0; i < PT_ARRAY_LEN(action_keys); i++)
		*(enum rule_action *)(void *)((char *)p +
					      action_keys[i].offset) =
		    action_keys[i].def;
}

static bool
in_list(char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* Cross-key rules that no single key can check. */
static int
check_contradictions(const struct profile *p, struct pt_err *err)
{
	static const char *const required[] = {
		"name",	    "version",	   "owner",
		"purposes", "legal_basis", "public_interest",
	};
	const void *slots[] = {
		p->name,	p->version > 0 ? p : NULL,
		p->owner,	p->purposes,
		p->legal_basis, p->public_interest,
	};
	size_t i, j;

	for (i = 0; i < PT_ARRAY_LEN(required); i++)
		if (slots[i] == NULL)
			return pt_err_set(err, EX_CONFIG,
					  "%s: missing key '%s' in [profile]",
					  p->path, required[i]);
	if (p->limits.cpu_seconds > p->limits.wall_seconds)
		return pt_err_set(err, EX_CONFIG,
				  "%s: cpu_seconds (%lld) exceeds wall_seconds "
				  "(%lld)",
				  p->path, (long long)p->limits.cpu_seconds,
				  (long long)p->limits.wall_seconds);
	for (i = 0; i < p->ndatasets; i++) {
		const struct profile_dataset *d = &p->datasets[i];

		if (d->access != ACCESS_NONE && d->ncolumns == 0)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: [dataset.%s] grants access "
					  "but no columns",
					  p->path, d->line, d->name);
		for (j = 0; j < d->nidentifiers; j++)
			if (in_list(d->columns, d->ncolumns, d->identifiers[j]))
				return pt_err_set(err, EX_CONFIG,
						  "%s:%d: column '%s' is both "
						  "granted and an identifier",
						  p->path, d->line,
						  d->identifiers[j]);
		if (d->special_category && d->access == ACCESS_ROWS)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: [dataset.%s] holds special-"
					  "category data and must be "
					  "aggregate-only",
					  p->path, d->line, d->name);
	}
	return 0;
}

static int
hash_file(const char *path, char out[PT_SHA256_HEX], struct pt_err *err)
{
	struct sbuf sb = SBUF_INIT;
	char buf[8192];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return pt_err_set(err, EX_CONFIG, "%s: %s", path,
				  strerror(errno));
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sbuf_add(&sb, buf, (size_t)n);
	}
	close(fd);
	pt_sha256_hex(sb.buf != NULL ? sb.buf : "", sb.len, out);
	sbuf_free(&sb);
	return 0;
}

int
profile_load(const char *path, struct profile **out, struct pt_err *err)
{
	struct profile *p = xcalloc(1, sizeof(*p));
	struct ini_doc doc;
	size_t i;
	int rc = -1;

	*out = NULL;
	p->path = xstrdup(path);
	set_defaults(p);
	if (ini_doc_load(path, EX_CONFIG, &doc, err) < 0)
		goto out;
	for (i = 0; i < doc.nentries; i++) {
		const struct ini_entry *e = &doc.entries[i];
		bool handled;

		if (strcmp(e->section, "profile") == 0) {
			rc = set_profile_key(p, e, path, err);
		} else if (strncmp(e->section, "dataset.", 8) == 0) {
			rc = set_dataset_key(p, e, path, err);
		} else if (strcmp(e->section, "limits") == 0 ||
			   strcmp(e->section, "bundle") == 0 ||
			   strcmp(e->section, "disclosure") == 0) {
			rc = set_int_key(p, e, path, &handled, err);
			if (rc == 0 && !handled)
				rc = set_action_key(p, e, path, &handled, err);
			if (rc == 0 && !handled)
				rc = pt_err_set(
				    err, EX_CONFIG,
				    "%s:%d: unknown key '%s' in [%s]", path,
				    e->line, e->key, e->section);
		} else {
			rc = pt_err_set(err, EX_CONFIG,
					"%s:%d: unknown section [%s]", path,
					e->line, e->section);
		}
		if (rc < 0)
			goto out;
	}
	rc = check_contradictions(p, err);
	if (rc == 0)
		rc = hash_file(path, p->sha256, err);
out:
	ini_doc_fini(&doc);
	if (rc == 0)
		*out = p;
	else
		profile_free(p);
	return rc;
}

void
profile_free(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->path);
	free(p->name);
	free(p->owner);
	free(p->legal_basis);
	free(p->public_interest);
	ini_free_list(p->purposes, p->npurposes);
	for (i = 0; i < p->ndatasets; i++) {
		struct profile_dataset *d = &p->datasets[i];

		free(d->name);
		ini_free_list(d->columns, d->ncolumns);
		ini_free_list(d->identifiers, d->nidentifiers);
		free(d->path);
	}
	free(p->datasets);
	free(p);
}

const struct profile_dataset *
profile_dataset(const struct profile *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ndatasets; i++)
		if (strcmp(p->datasets[i].name, name) == 0)
			return &p->datasets[i];
	return NULL;
}

static struct jv *
list_json(char *const *items, size_t n)
{
	struct jv *a = jv_arr();
	size_t i;

	for (i = 0; i < n; i++)
		jv_push(a, jv_str(items[i]));
	return a;
}

struct jv *
profile_to_json(const struct profile *p)
{
	struct jv *o = jv_obj(), *ds;
	size_t i;

	jv_set_str(o, "name", p->name);
	jv_set_int(o, "version", p->version);
	jv_set_str(o, "sha256", p->sha256);
	jv_set_str(o, "owner", p->owner);
	jv_set(o, "purposes", list_json(p->purposes, p->npurposes));
	jv_set_str(o, "legal_basis", p->legal_basis);
	jv_set_str(o, "public_interest", p->public_interest);
	for (i = 0; i < PT_ARRAY_LEN(int_keys); i++)
		jv_set_int(
		    jv_obj_at(o, int_keys[i].section), int_keys[i].key,
		    *(const int64_t *)(const void *)((const char *)p +
						     int_keys[i].offset));
	for (i = 0; i < PT_ARRAY_LEN(action_keys); i++)
		jv_set_str(jv_obj_at(o, "disclosure"), action_keys[i].key,
			   rule_action_name(
			       *(const enum rule_action
				     *)(const void *)((const char *)p +
						      action_keys[i].offset)));
	ds = jv_obj_at(o, "datasets");
	for (i = 0; i < p->ndatasets; i++) {
		const struct profile_dataset *d = &p->datasets[i];
		struct jv *x = jv_obj();

		jv_set_str(x, "access", access_name(d->access));
		jv_set(x, "columns", list_json(d->columns, d->ncolumns));
		jv_set(x, "identifiers",
		       list_json(d->identifiers, d->nidentifiers));
		jv_set_bool(x, "personal", d->personal);
		jv_set_bool(x, "special_category", d->special_category);
		jv_set_bool(x, "custodian_path", d->path != NULL);
		jv_set(ds, d->name, x);
	}
	return o;
}
