/*
 * profile.c - profile parsing and validation; see profile.h and
 * proeftuin-profile(5).
 *
 * The schema is one table (profile_keys) that drives parsing, defaults,
 * the JSON copy in the report and the documentation test.  Values are
 * first collected into ordinary heap memory, validated as a whole (the
 * cross-key contradictions), then copied into one mapping that is made
 * read-only: the "frozen" profile every later stage sees.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "inifile.h"
#include "json.h"
#include "manifest.h"
#include "profile.h"
#include "suggest.h"

#define MAX_TEXT 2000
#define MAX_COLUMN 255

#define P(f) offsetof(struct profile, f)
#define D(f) offsetof(struct profile_dataset, f)
#define LIM(f) offsetof(struct profile, limits.f)
#define BUN(f) offsetof(struct profile, bundle.f)
#define DIS(f) offsetof(struct profile, disclosure.f)
#define REV(f) offsetof(struct profile, review.f)
#define DS "dataset.NAME"

/* Defaults are the conservative choice for a pilot that has said nothing:
 * research/privacy.md section 3 (ACRO, CBS, OpenSAFELY). */
const struct profile_key profile_keys[] = {
	{ "profile", "name", PK_NAME, true, P(name), 0, 0, 0, 0 },
	{ "profile", "version", PK_INT, true, P(version), 0, 1, 2147483647, 0 },
	{ "profile", "owner", PK_TEXT, true, P(owner), 0, 0, 0, 0 },
	{ "profile", "description", PK_TEXT, false, P(description), 0, 0, 0,
	  0 },
	{ "profile", "purposes", PK_NAMES, true, P(purposes), P(npurposes), 0,
	  0, 0 },
	{ "profile", "legal_basis", PK_TEXT, true, P(legal_basis), 0, 0, 0, 0 },
	{ "profile", "public_interest", PK_INTEREST, true, P(public_interest),
	  0, 0, 0, 0 },
	{ "profile", "necessity", PK_TEXT, false, P(necessity), 0, 0, 0, 0 },

	{ "limits", "wall_seconds", PK_INT, false, LIM(wall_seconds), 0, 1,
	  86400, 60 },
	{ "limits", "cpu_seconds", PK_INT, false, LIM(cpu_seconds), 0, 1, 86400,
	  30 },
	{ "limits", "memory_mb", PK_INT, false, LIM(memory_mb), 0, 8, 65536,
	  256 },
	{ "limits", "instructions", PK_INT, false, LIM(instructions), 0,
	  1000000, 1000000000000000LL, 2000000000 },
	{ "limits", "output_kb", PK_INT, false, LIM(output_kb), 0, 1, 1048576,
	  1024 },
	{ "limits", "log_kb", PK_INT, false, LIM(log_kb), 0, 1, 65536, 64 },

	{ "bundle", "max_bytes", PK_INT, false, BUN(max_bytes), 0, 1024,
	  1LL << 40, 1LL << 30 },
	{ "bundle", "max_entries", PK_INT, false, BUN(max_entries), 0, 1,
	  1000000, 10000 },
	{ "bundle", "max_file_bytes", PK_INT, false, BUN(max_file_bytes), 0, 1,
	  1LL << 40, 512LL << 20 },
	{ "bundle", "max_ratio", PK_INT, false, BUN(max_ratio), 0, 1, 100000,
	  200 },
	{ "bundle", "max_depth", PK_INT, false, BUN(max_depth), 0, 1, 64, 16 },
	{ "bundle", "max_path", PK_INT, false, BUN(max_path), 0, 16, 4096,
	  255 },

	{ DS, "description", PK_TEXT, false, D(description), 0, 0, 0, 0 },
	{ DS, "access", PK_ACCESS, false, D(access), 0, 0, 0, ACCESS_NONE },
	{ DS, "columns", PK_COLUMNS, false, D(columns), D(ncolumns), 0, 0, 0 },
	{ DS, "identifiers", PK_COLUMNS, false, D(identifiers), D(nidentifiers),
	  0, 0, 0 },
	{ DS, "personal", PK_BOOL, false, D(personal), 0, 0, 0, 0 },
	{ DS, "special_category", PK_BOOL, false, D(special_category), 0, 0, 0,
	  0 },
	{ DS, "pseudonymised", PK_BOOL, false, D(pseudonymised), 0, 0, 0, 0 },
	{ DS, "special_category_rows_override", PK_BOOL, false,
	  D(special_category_rows_override), 0, 0, 0, 0 },
	{ DS, "path", PK_PATH, false, D(path), 0, 0, 0, 0 },

	{ "disclosure", "min_cell", PK_INT, false, DIS(min_cell), 0, 1, 1000000,
	  10 },
	{ "disclosure", "round_to", PK_INT, false, DIS(round_to), 0, 1, 1000000,
	  5 },
	{ "disclosure", "dominance_n", PK_INT, false, DIS(dominance_n), 0, 1,
	  10, 2 },
	{ "disclosure", "dominance_k", PK_INT, false, DIS(dominance_k), 0, 1,
	  100, 85 },
	{ "disclosure", "p_percent", PK_INT, false, DIS(p_percent), 0, 0, 100,
	  10 },
	{ "disclosure", "max_rows", PK_INT, false, DIS(max_rows), 0, 1,
	  10000000, 5000 },
	{ "disclosure", "zeros", PK_ACTION, false, DIS(zeros), 0, 0, 0,
	  ACTION_REVIEW },
	{ "disclosure", "negatives", PK_ACTION, false, DIS(negatives), 0, 0, 0,
	  ACTION_REVIEW },
	{ "disclosure", "missing", PK_ACTION, false, DIS(missing), 0, 0, 0,
	  ACTION_REVIEW },

	/* Two, as Airlock: one advisor's oversight is caught by the other. */
	{ "review", "reviewers", PK_INT, false, REV(reviewers), 0, 2, 9, 2 },
};
const size_t profile_nkeys = PT_ARRAY_LEN(profile_keys);

/* AI Act art. 59(1)(a)(i)-(v), one identifier per named area. */
const struct profile_interest profile_interests[] = {
	{ "public-safety", "AI Act art. 59(1)(a)(i)", "public safety" },
	{ "public-health", "AI Act art. 59(1)(a)(i)",
	  "public health, including the prevention of illness and the "
	  "quality of care" },
	{ "environment", "AI Act art. 59(1)(a)(ii)",
	  "protecting and improving the quality of the environment and "
	  "biodiversity, and protection against pollution" },
	{ "climate", "AI Act art. 59(1)(a)(ii)",
	  "the green transition and climate-change mitigation and "
	  "adaptation" },
	{ "energy-sustainability", "AI Act art. 59(1)(a)(iii)",
	  "energy sustainability" },
	{ "transport-safety", "AI Act art. 59(1)(a)(iv)",
	  "the safety and resilience of transport systems and mobility" },
	{ "critical-infrastructure", "AI Act art. 59(1)(a)(iv)",
	  "the safety and resilience of critical infrastructure and "
	  "networks" },
	{ "public-services", "AI Act art. 59(1)(a)(v)",
	  "the efficiency and quality of public administration and public "
	  "services" },
};
const size_t profile_ninterests = PT_ARRAY_LEN(profile_interests);

const struct profile_interest *
profile_interest(const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < profile_ninterests; i++)
		if (strcmp(profile_interests[i].id, id) == 0)
			return &profile_interests[i];
	return NULL;
}

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

/* The loader's working state: the profile under construction (ordinary heap
 * memory) and the line each key was given on, for messages about
 * contradictions between keys. */
struct loader {
	const char *path;
	struct profile *p;
	int key_line[PT_ARRAY_LEN(profile_keys)];
	int (*ds_line)[PT_ARRAY_LEN(profile_keys)]; /* per dataset */
	int section_line;			    /* of [profile] */
};

static bool
text_ok(const char *s)
{
	const unsigned char *c;

	if (*s == '\0' || strlen(s) > MAX_TEXT)
		return false;
	for (c = (const unsigned char *)s; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static int
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == ' ' ||
	    s[0] == '+')
		return -1;
	*out = v;
	return 0;
}

static bool
path_ok(const char *s)
{
	const char *p;

	if (s[0] != '/' || !text_ok(s))
		return false;
	/* A custodian path is trusted, but ".." would make the path in the
	 * profile say something other than what is read. */
	for (p = s; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return false;
	return true;
}

/* Parse a list; `names` demands name syntax for every item. */
static int
set_list(const struct ini_entry *e, bool names, char ***items, size_t *n,
	 const char *path, struct pt_err *err)
{
	const char *why;
	int k = ini_split_list(e->value, items, &why);
	int i;

	if (k < 0)
		return pt_err_set(err, EX_CONFIG, "%s:%d: %s: %s", path,
				  e->line, e->key, why);
	*n = (size_t)k;
	for (i = 0; i < k; i++) {
		const char *it = (*items)[i];
		bool ok = names ? manifest_name_ok(it)
				: text_ok(it) && strlen(it) <= MAX_COLUMN;

		if (!ok)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s: '%s' is not a valid %s",
					  path, e->line, e->key, it,
					  names ? "name" : "column name");
	}
	return 0;
}

/* Store one validated value at `base` + k->offset. */
static int
set_value(const struct profile_key *k, char *base, const struct ini_entry *e,
	  const char *path, struct pt_err *err)
{
	void *slot = base + k->offset;
	const char *v = e->value;
	int64_t i;

	switch (k->kind) {
	case PK_TEXT:
		if (!text_ok(v))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be non-empty text "
					  "without control characters, at most "
					  "%d bytes",
					  path, e->line, e->key, MAX_TEXT);
		*(char **)slot = xstrdup(v);
		return 0;
	case PK_NAME:
		if (!manifest_name_ok(v))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must use letters, digits, "
					  "'_', '-' and '.'",
					  path, e->line, e->key);
		*(char **)slot = xstrdup(v);
		return 0;
	case PK_NAMES:
	case PK_COLUMNS:
		return set_list(e, k->kind == PK_NAMES, (char ***)slot,
				(size_t *)(void *)(base + k->count_offset),
				path, err);
	case PK_INT:
		if (parse_int(v, &i) < 0)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be an integer", path,
					  e->line, e->key);
		if (i < k->min || i > k->max)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be between %lld and "
					  "%lld",
					  path, e->line, e->key,
					  (long long)k->min, (long long)k->max);
		*(int64_t *)slot = i;
		return 0;
	case PK_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
			*(bool *)slot = v[0] == 'y';
			return 0;
		}
		return pt_err_set(err, EX_CONFIG, "%s:%d: %s must be yes or no",
				  path, e->line, e->key);
	case PK_ACTION:
		if (strcmp(v, "pass") == 0)
			*(enum rule_action *)slot = ACTION_PASS;
		else if (strcmp(v, "review") == 0)
			*(enum rule_action *)slot = ACTION_REVIEW;
		else if (strcmp(v, "fail") == 0)
			*(enum rule_action *)slot = ACTION_FAIL;
		else
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be pass, review or "
					  "fail",
					  path, e->line, e->key);
		return 0;
	case PK_ACCESS:
		if (strcmp(v, "none") == 0)
			*(enum access *)slot = ACCESS_NONE;
		else if (strcmp(v, "aggregate") == 0)
			*(enum access *)slot = ACCESS_AGGREGATE;
		else if (strcmp(v, "rows") == 0)
			*(enum access *)slot = ACCESS_ROWS;
		else
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: access must be none, "
					  "aggregate or rows",
					  path, e->line);
		return 0;
	case PK_INTEREST:
		if (profile_interest(v) == NULL) {
			struct sbuf sb = SBUF_INIT;
			size_t j;

			for (j = 0; j < profile_ninterests; j++)
				sbuf_printf(&sb, "%s%s", j ? ", " : "",
					    profile_interests[j].id);
			pt_err_set(err, EX_CONFIG,
				   "%s:%d: %s must be one of: %s", path,
				   e->line, e->key, sb.buf);
			sbuf_free(&sb);
			return -1;
		}
		*(char **)slot = xstrdup(v);
		return 0;
	case PK_PATH:
		if (!path_ok(v))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: %s must be an absolute path "
					  "without '..'",
					  path, e->line, e->key);
		*(char **)slot = xstrdup(v);
		return 0;
	}
	return pt_err_set(err, EX_SOFTWARE, "unknown key kind");
}

static struct profile_dataset *
dataset_for(struct loader *L, const char *name, int line)
{
	struct profile *p = L->p;
	struct profile_dataset *d;
	size_t i, k;

	for (i = 0; i < p->ndatasets; i++)
		if (strcmp(p->datasets[i].name, name) == 0)
			return &p->datasets[i];
	p->datasets =
	    xreallocarray(p->datasets, p->ndatasets + 1, sizeof(*p->datasets));
	L->ds_line =
	    xreallocarray(L->ds_line, p->ndatasets + 1, sizeof(*L->ds_line));
	memset(L->ds_line[p->ndatasets], 0, sizeof(*L->ds_line));
	d = &p->datasets[p->ndatasets];
	memset(d, 0, sizeof(*d));
	d->name = xstrdup(name);
	d->line = line;
	for (k = 0; k < profile_nkeys; k++)
		if (strcmp(profile_keys[k].section, DS) == 0 &&
		    profile_keys[k].kind == PK_ACCESS)
			*(enum access *)(void *)((char *)d +
						 profile_keys[k].offset) =
			    (enum access)profile_keys[k].def;
	p->ndatasets++;
	return d;
}

static bool
known_section(const char *s)
{
	size_t k;

	for (k = 0; k < profile_nkeys; k++)
		if (strcmp(profile_keys[k].section, s) == 0)
			return true;
	return false;
}

/* Apply one entry of the document. */
static int
apply_entry(struct loader *L, const struct ini_entry *e, struct pt_err *err)
{
	const char *section = e->section, *path = L->path;
	char *base = (char *)L->p;
	int *lines = L->key_line;
	size_t k;

	if (strncmp(section, "dataset.", 8) == 0) {
		struct profile_dataset *d;

		if (!manifest_name_ok(section + 8))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: bad dataset name '%s': use "
					  "letters, digits, '_', '-' and '.'",
					  path, e->line, section + 8);
		d = dataset_for(L, section + 8, e->line);
		base = (char *)d;
		lines = L->ds_line[d - L->p->datasets];
		section = DS;
	} else if (!known_section(section)) {
		return pt_err_set(err, EX_CONFIG, "%s:%d: unknown section [%s]",
				  path, e->line, e->section);
	}
	if (strcmp(section, "profile") == 0 && L->section_line == 0)
		L->section_line = e->line;
	for (k = 0; k < profile_nkeys; k++) {
		if (strcmp(profile_keys[k].section, section) != 0 ||
		    strcmp(profile_keys[k].key, e->key) != 0)
			continue;
		lines[k] = e->line;
		return set_value(&profile_keys[k], base, e, path, err);
	}
	{
		const char *keys[64];
		const char *near;
		size_t nk = 0;

		for (k = 0; k < profile_nkeys && nk < PT_ARRAY_LEN(keys); k++)
			if (strcmp(profile_keys[k].section, section) == 0)
				keys[nk++] = profile_keys[k].key;
		near = suggest_word(e->key, keys, nk);
		return pt_err_set(
		    err, EX_CONFIG, "%s:%d: unknown key '%s' in [%s]%s%s%s",
		    path, e->line, e->key, e->section,
		    near != NULL ? "; did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'?" : "");
	}
}

static size_t
key_index(const char *section, const char *key)
{
	size_t k;

	for (k = 0; k < profile_nkeys; k++)
		if (strcmp(profile_keys[k].section, section) == 0 &&
		    strcmp(profile_keys[k].key, key) == 0)
			return k;
	abort(); /* a programming error: the table lacks the key */
}

static int
later(int a, int b)
{
	return a > b ? a : b;
}

/* The rules for one dataset that no single key can check. */
static int
check_dataset(const struct loader *L, size_t i, struct pt_err *err)
{
	const struct profile_dataset *d = &L->p->datasets[i];
	const int *ln = L->ds_line[i];
	const char *path = L->path;
	int access = ln[key_index(DS, "access")];
	int cols = ln[key_index(DS, "columns")];
	int ids = ln[key_index(DS, "identifiers")];
	int pers = ln[key_index(DS, "personal")];
	int spec = ln[key_index(DS, "special_category")];
	int pseu = ln[key_index(DS, "pseudonymised")];
	int over = ln[key_index(DS, "special_category_rows_override")];
	size_t j;

	for (j = 0; j < d->nidentifiers; j++)
		if (pt_list_has(d->columns, d->ncolumns, d->identifiers[j]))
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: column '%s' of [dataset.%s] "
					  "is both granted and an identifier",
					  path, later(cols, ids),
					  d->identifiers[j], d->name);
	if (d->special_category && !d->personal && pers != 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] is special-category "
				  "data, which is personal data: set personal "
				  "= yes",
				  path, later(pers, spec), d->name);
	if (d->pseudonymised && !d->personal && pers != 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] is pseudonymised, which "
				  "is still personal data (GDPR recital 26): "
				  "set personal = yes",
				  path, later(pers, pseu), d->name);
	if (d->special_category_rows_override &&
	    (!d->special_category || d->access != ACCESS_ROWS))
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] "
				  "special_category_rows_override only "
				  "applies to special-category data with "
				  "access = rows",
				  path, over, d->name);
	if (d->access == ACCESS_NONE)
		return 0;
	if (d->ncolumns == 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] grants access but no "
				  "columns",
				  path, access, d->name);
	if (pers == 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] grants access but does "
				  "not say personal = yes or no",
				  path, access, d->name);
	if (spec == 0)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] grants access but does "
				  "not say special_category = yes or no",
				  path, access, d->name);
	if (d->special_category && d->access == ACCESS_ROWS &&
	    !d->special_category_rows_override)
		return pt_err_set(err, EX_CONFIG,
				  "%s:%d: [dataset.%s] holds special-category "
				  "data and must be aggregate-only; hint: "
				  "special_category_rows_override = yes "
				  "allows rows",
				  path, later(access, spec), d->name);
	return 0;
}

/* Cross-key rules: required keys and contradictions. */
static int
check_profile(const struct loader *L, struct pt_err *err)
{
	struct profile *p = L->p;
	const char *path = L->path;
	const int *ln = L->key_line;
	size_t k, i;

	for (k = 0; k < profile_nkeys; k++) {
		if (!profile_keys[k].required || ln[k] != 0)
			continue;
		if (L->section_line != 0)
			return pt_err_set(err, EX_CONFIG,
					  "%s:%d: missing key '%s' in "
					  "[profile]",
					  path, L->section_line,
					  profile_keys[k].key);
		return pt_err_set(err, EX_CONFIG,
				  "%s: missing section [profile]; hint: "
				  "proeftuin-profile(5) lists its keys",
				  path);
	}
	/* A default must not contradict a value the custodian chose: a
	 * shorter wall clock lowers the default CPU limit with it, a smaller
	 * bundle the default file limit. */
	if (ln[key_index("limits", "cpu_seconds")] == 0 &&
	    p->limits.cpu_seconds > p->limits.wall_seconds)
		p->limits.cpu_seconds = p->limits.wall_seconds;
	if (ln[key_index("bundle", "max_file_bytes")] == 0 &&
	    p->bundle.max_file_bytes > p->bundle.max_bytes)
		p->bundle.max_file_bytes = p->bundle.max_bytes;
	if (p->limits.cpu_seconds > p->limits.wall_seconds)
		return pt_err_set(
		    err, EX_CONFIG,
		    "%s:%d: cpu_seconds (%lld) exceeds wall_seconds (%lld)",
		    path,
		    later(ln[key_index("limits", "cpu_seconds")],
			  ln[key_index("limits", "wall_seconds")]),
		    (long long)p->limits.cpu_seconds,
		    (long long)p->limits.wall_seconds);
	if (p->bundle.max_file_bytes > p->bundle.max_bytes)
		return pt_err_set(
		    err, EX_CONFIG,
		    "%s:%d: max_file_bytes (%lld) exceeds max_bytes (%lld)",
		    path,
		    later(ln[key_index("bundle", "max_file_bytes")],
			  ln[key_index("bundle", "max_bytes")]),
		    (long long)p->bundle.max_file_bytes,
		    (long long)p->bundle.max_bytes);
	for (i = 0; i < p->ndatasets; i++)
		if (check_dataset(L, i, err) < 0)
			return -1;
	for (i = 0; i < p->ndatasets; i++) {
		const struct profile_dataset *d = &p->datasets[i];

		if (d->special_category && p->necessity == NULL)
			return pt_err_set(
			    err, EX_CONFIG,
			    "%s:%d: [dataset.%s] holds special-"
			    "category data, so [profile] needs a "
			    "necessity statement (AI Act art. "
			    "59(1)(b))",
			    path,
			    L->ds_line[i][key_index(DS, "special_category")],
			    d->name);
	}
	return 0;
}

static void
free_heap_profile(struct profile *p)
{
	size_t i;

	if (p == NULL)
		return;
	free(p->path);
	free(p->name);
	free(p->owner);
	free(p->description);
	free(p->legal_basis);
	free(p->public_interest);
	free(p->necessity);
	ini_free_list(p->purposes, p->npurposes);
	for (i = 0; i < p->ndatasets; i++) {
		struct profile_dataset *d = &p->datasets[i];

		free(d->name);
		free(d->description);
		ini_free_list(d->columns, d->ncolumns);
		ini_free_list(d->identifiers, d->nidentifiers);
		free(d->path);
	}
	free(p->datasets);
	free(p);
}

/*
 * Freezing: copy the heap profile into one mapping, then make it read-only.
 * copy_profile runs twice over the same arena logic: once with no memory to
 * measure, once to copy, so the sizes cannot disagree.
 */
struct arena {
	char *base; /* NULL while measuring */
	size_t used;
};

static void *
arena_take(struct arena *a, size_t n)
{
	size_t off = (a->used + 15) & ~(size_t)15;

	a->used = off + n;
	return a->base != NULL ? a->base + off : NULL;
}

static char *
arena_str(struct arena *a, const char *s)
{
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	d = arena_take(a, n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static char **
arena_list(struct arena *a, char *const *v, size_t n)
{
	char **d;
	size_t i;

	if (v == NULL)
		return NULL;
	d = arena_take(a, n * sizeof(*d));
	for (i = 0; i < n; i++) {
		char *s = arena_str(a, v[i]);

		if (d != NULL)
			d[i] = s;
	}
	return d;
}

static struct profile *
copy_profile(struct arena *a, const struct profile *h)
{
	struct profile *p = arena_take(a, sizeof(*p)), t = *h;
	size_t i;

	t.path = arena_str(a, h->path);
	t.name = arena_str(a, h->name);
	t.owner = arena_str(a, h->owner);
	t.description = arena_str(a, h->description);
	t.legal_basis = arena_str(a, h->legal_basis);
	t.public_interest = arena_str(a, h->public_interest);
	t.necessity = arena_str(a, h->necessity);
	t.purposes = arena_list(a, h->purposes, h->npurposes);
	t.datasets = arena_take(a, h->ndatasets * sizeof(*t.datasets));
	for (i = 0; i < h->ndatasets; i++) {
		struct profile_dataset d = h->datasets[i];

		d.name = arena_str(a, d.name);
		d.description = arena_str(a, d.description);
		d.columns = arena_list(a, d.columns, d.ncolumns);
		d.identifiers = arena_list(a, d.identifiers, d.nidentifiers);
		d.path = arena_str(a, d.path);
		if (t.datasets != NULL)
			t.datasets[i] = d;
	}
	if (p != NULL)
		*p = t;
	return p;
}

static struct profile *
freeze(struct profile *h, struct pt_err *err)
{
	struct arena a = { NULL, 0 };
	struct profile *p;
	void *m;

	/* Optional texts read as "" so no reader needs a NULL check; the
	 * necessity statement stays NULL when absent, as its absence
	 * matters. */
	if (h->description == NULL)
		h->description = xstrdup("");
	for (size_t i = 0; i < h->ndatasets; i++)
		if (h->datasets[i].description == NULL)
			h->datasets[i].description = xstrdup("");
	copy_profile(&a, h);
	h->frozen_bytes = a.used;
	m = mmap(NULL, a.used, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		pt_err_set(err, EX_OSERR, "mmap: %s", strerror(errno));
		return NULL;
	}
	a.base = m;
	a.used = 0;
	p = copy_profile(&a, h);
	if (mprotect(m, h->frozen_bytes, PROT_READ) < 0) {
		pt_err_set(err, EX_OSERR, "mprotect: %s", strerror(errno));
		munmap(m, h->frozen_bytes);
		return NULL;
	}
	return p;
}

int
profile_parse(const char *buf, size_t len, const char *name,
	      struct profile **out, struct pt_err *err)
{
	struct loader L;
	struct ini_doc doc;
	size_t i, k;
	int rc = -1;

	*out = NULL;
	memset(&L, 0, sizeof(L));
	L.path = name;
	L.p = xcalloc(1, sizeof(*L.p));
	L.p->path = xstrdup(name);
	/* The digest is of exactly the bytes parsed below. */
	pt_sha256_hex(buf, len, L.p->sha256);
	for (k = 0; k < profile_nkeys; k++) {
		const struct profile_key *pk = &profile_keys[k];
		void *slot = (char *)L.p + pk->offset;

		if (strcmp(pk->section, DS) == 0)
			continue;
		if (pk->kind == PK_INT)
			*(int64_t *)slot = pk->def;
		else if (pk->kind == PK_ACTION)
			*(enum rule_action *)slot = (enum rule_action)pk->def;
	}
	if (ini_doc_parse(buf, len, name, EX_CONFIG, &doc, err) < 0)
		goto out;
	for (i = 0; i < doc.nentries; i++)
		if (apply_entry(&L, &doc.entries[i], err) < 0)
			goto out;
	if (check_profile(&L, err) < 0)
		goto out;
	*out = freeze(L.p, err);
	rc = *out != NULL ? 0 : -1;
out:
	ini_doc_fini(&doc);
	free_heap_profile(L.p);
	free(L.ds_line);
	return rc;
}

int
profile_load(const char *path, struct profile **out, struct pt_err *err)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	*out = NULL;
	rc = ini_read_file(path, EX_CONFIG, &sb, err);
	if (rc < 0 && err != NULL && err->code == EX_NOINPUT) {
		char *ini = xasprintf("%s.ini", path);
		char *m = access(ini, R_OK) == 0
			      ? xasprintf("%s; did you mean %s?", err->msg, ini)
			      : xasprintf("%s; hint: --profile takes the path "
					  "of the custodian's profile file "
					  "(the shipped ones are in "
					  "profiles/)",
					  err->msg);

		pt_err_set(err, EX_NOINPUT, "%s", m);
		free(m);
		free(ini);
	}
	if (rc == 0)
		rc = profile_parse(sb.buf != NULL ? sb.buf : "", sb.len, path,
				   out, err);
	sbuf_free(&sb);
	return rc;
}

void
profile_free(const struct profile *p)
{
	if (p != NULL)
		munmap((void *)(uintptr_t)p, p->frozen_bytes);
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

struct jv *
profile_to_json(const struct profile *p)
{
	const struct profile_interest *pi =
	    profile_interest(p->public_interest);
	struct jv *o = jv_obj(), *ds;
	size_t i, k;

	jv_set_str(o, "name", p->name);
	jv_set_int(o, "version", p->version);
	jv_set_str(o, "sha256", p->sha256);
	jv_set_str(o, "owner", p->owner);
	jv_set_str(o, "description", p->description);
	jv_set(o, "purposes", jv_str_array(p->purposes, p->npurposes));
	jv_set_str(o, "legal_basis", p->legal_basis);
	jv_set_str(o, "public_interest", p->public_interest);
	jv_set_str(o, "public_interest_article", pi != NULL ? pi->article : "");
	jv_set_str(o, "necessity", p->necessity != NULL ? p->necessity : "");
	for (k = 0; k < profile_nkeys; k++) {
		const struct profile_key *pk = &profile_keys[k];
		const void *slot = (const char *)p + pk->offset;

		if (strcmp(pk->section, "profile") == 0 ||
		    strcmp(pk->section, DS) == 0)
			continue;
		if (pk->kind == PK_INT)
			jv_set_int(jv_obj_at(o, pk->section), pk->key,
				   *(const int64_t *)slot);
		else if (pk->kind == PK_ACTION)
			jv_set_str(
			    jv_obj_at(o, pk->section), pk->key,
			    rule_action_name(*(const enum rule_action *)slot));
	}
	ds = jv_obj_at(o, "datasets");
	for (i = 0; i < p->ndatasets; i++) {
		const struct profile_dataset *d = &p->datasets[i];
		struct jv *x = jv_obj();

		jv_set_str(x, "description", d->description);
		jv_set_str(x, "access", access_name(d->access));
		jv_set(x, "columns", jv_str_array(d->columns, d->ncolumns));
		jv_set(x, "identifiers",
		       jv_str_array(d->identifiers, d->nidentifiers));
		jv_set_bool(x, "personal", d->personal);
		jv_set_bool(x, "special_category", d->special_category);
		jv_set_bool(x, "pseudonymised", d->pseudonymised);
		jv_set_bool(x, "special_category_rows_override",
			    d->special_category_rows_override);
		/* Whether, not where: host paths stay out of reports. */
		jv_set_bool(x, "custodian_path", d->path != NULL);
		jv_set(ds, d->name, x);
	}
	return o;
}
