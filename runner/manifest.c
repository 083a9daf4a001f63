/* manifest.c - experiment.ini parsing and validation; see manifest.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "inifile.h"
#include "manifest.h"
#include "suggest.h"
#include "textsafe.h"

#define MAX_TEXT 2000

bool
manifest_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 64 && name[0] != '.' && pt_word_chars(name);
}

bool
manifest_path_ok(const char *path)
{
	const char *p = path;
	size_t n = strlen(path);

	if (n == 0 || n > 255 || path[0] == '/' || !utf8_valid(path, n))
		return false;
	for (p = path; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return false;
	p = path;
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (e == NULL)
			break;
		p = e + 1;
		if (*p == '\0')
			return false;
	}
	return true;
}

static bool
text_ok(const char *s)
{
	const unsigned char *p;

	if (strlen(s) > MAX_TEXT)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

struct field {
	const char *key;
	bool required;
	char **slot;
};

static struct manifest_dataset *
dataset_for(struct manifest *m, const char *name, int line)
{
	size_t i;

	for (i = 0; i < m->ndatasets; i++)
		if (strcmp(m->datasets[i].name, name) == 0)
			return &m->datasets[i];
	m->datasets =
	    xreallocarray(m->datasets, m->ndatasets + 1, sizeof(*m->datasets));
	memset(&m->datasets[m->ndatasets], 0, sizeof(*m->datasets));
	m->datasets[m->ndatasets].name = xstrdup(name);
	m->datasets[m->ndatasets].line = line;
	return &m->datasets[m->ndatasets++];
}

static int
parse_experiment_key(struct manifest *m, const struct ini_entry *e,
		     struct field *fields, size_t nfields, struct pt_err *err)
{
	size_t i;

	if (strcmp(e->key, "seed") == 0) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(e->value, &end, 10);
		if (errno != 0 || end == e->value || *end != '\0' ||
		    e->value[0] == '-')
			return pt_err_set(err, EX_DATAERR,
					  MANIFEST_NAME ":%d: seed must be a "
							"non-negative integer",
					  e->line);
		m->has_seed = true;
		m->seed = v;
		return 0;
	}
	for (i = 0; i < nfields; i++) {
		if (strcmp(e->key, fields[i].key) != 0)
			continue;
		if (!text_ok(e->value))
			return pt_err_set(
			    err, EX_DATAERR,
			    MANIFEST_NAME
			    ":%d: %s holds control "
			    "characters or is longer than %d bytes",
			    e->line, e->key, MAX_TEXT);
		if (e->value[0] == '\0' && fields[i].required)
			return pt_err_set(err, EX_DATAERR,
					  MANIFEST_NAME ":%d: %s is empty",
					  e->line, e->key);
		*fields[i].slot = xstrdup(e->value);
		if (strcmp(e->key, "purpose") == 0)
			m->purpose_line = e->line;
		else if (strcmp(e->key, "entry") == 0)
			m->entry_line = e->line;
		return 0;
	}
	/* check_known_key has refused anything else. */
	return pt_err_set(err, EX_SOFTWARE, "internal error: key '%s'", e->key);
}

static int
parse_dataset_key(struct manifest *m, const struct ini_entry *e,
		  const char *name, struct pt_err *err)
{
	struct manifest_dataset *d;
	const char *why;
	int n;

	if (!manifest_name_ok(name))
		return pt_err_set(err, EX_DATAERR,
				  MANIFEST_NAME
				  ":%d: bad dataset name '%s': "
				  "use letters, digits, '_', '-' and '.'",
				  e->line, name);
	d = dataset_for(m, name, e->line);
	if (strcmp(e->key, "file") == 0) {
		if (!manifest_path_ok(e->value))
			return pt_err_set(err, EX_DATAERR,
					  MANIFEST_NAME ":%d: file '%s' is not "
							"a safe relative path",
					  e->line, e->value);
		d->file = xstrdup(e->value);
		return 0;
	}
	if (strcmp(e->key, "columns") == 0) {
		n = ini_split_list(e->value, &d->columns, &why);
		if (n < 0)
			return pt_err_set(err, EX_DATAERR,
					  MANIFEST_NAME ":%d: columns: %s",
					  e->line, why);
		d->ncolumns = (size_t)n;
		d->columns_line = e->line;
		return 0;
	}
	return pt_err_set(err, EX_SOFTWARE, "internal error: key '%s'", e->key);
}

static int
parse_exception_key(struct manifest *m, const struct ini_entry *e,
		    const char *output, struct pt_err *err)
{
	struct manifest_exception *x;

	if (!manifest_name_ok(output))
		return pt_err_set(err, EX_DATAERR,
				  MANIFEST_NAME ":%d: bad output name '%s'",
				  e->line, output);
	if (strcmp(e->key, "reason") != 0)
		return pt_err_set(err, EX_SOFTWARE, "internal error: key '%s'",
				  e->key);
	if (!text_ok(e->value) || e->value[0] == '\0')
		return pt_err_set(err, EX_DATAERR,
				  MANIFEST_NAME ":%d: reason must be a "
						"non-empty line of text",
				  e->line);
	m->exceptions = xreallocarray(m->exceptions, m->nexceptions + 1,
				      sizeof(*m->exceptions));
	x = &m->exceptions[m->nexceptions++];
	x->output = xstrdup(output);
	x->reason = xstrdup(e->value);
	x->line = e->line;
	return 0;
}

const char *const manifest_keys[] = {
	"experiment.name",    "experiment.version", "experiment.team",
	"experiment.contact", "experiment.purpose", "experiment.description",
	"experiment.entry",   "experiment.seed",    "dataset.file",
	"dataset.columns",    "exception.reason",
};
const size_t manifest_nkeys = PT_ARRAY_LEN(manifest_keys);

/* Refuse a key the list does not hold, with the nearest listed one. */
static int
check_known_key(const struct ini_entry *e, const char *kind, struct pt_err *err)
{
	const char *keys[PT_ARRAY_LEN(manifest_keys)];
	const char *near;
	size_t i, n = 0, klen = strlen(kind);

	for (i = 0; i < manifest_nkeys; i++)
		if (strncmp(manifest_keys[i], kind, klen) == 0 &&
		    manifest_keys[i][klen] == '.') {
			if (strcmp(manifest_keys[i] + klen + 1, e->key) == 0)
				return 0;
			keys[n++] = manifest_keys[i] + klen + 1;
		}
	near = suggest_word(e->key, keys, n);
	return pt_err_set(err, EX_DATAERR,
			  MANIFEST_NAME ":%d: unknown key '%s' in [%s]%s%s%s",
			  e->line, e->key, e->section,
			  near != NULL ? "; did you mean '" : "",
			  near != NULL ? near : "", near != NULL ? "'?" : "");
}

int
manifest_parse(const char *buf, size_t len, struct manifest **out,
	       struct pt_err *err)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	struct field fields[] = {
		{ "name", true, &m->name },
		{ "version", true, &m->version },
		{ "team", true, &m->team },
		{ "contact", true, &m->contact },
		{ "purpose", true, &m->purpose },
		{ "description", false, &m->description },
		{ "entry", true, &m->entry },
	};
	struct ini_doc doc;
	size_t i;
	int rc = -1;

	*out = NULL;
	if (ini_doc_parse(buf, len, MANIFEST_NAME, EX_DATAERR, &doc, err) < 0)
		goto out;
	for (i = 0; i < doc.nentries; i++) {
		const struct ini_entry *e = &doc.entries[i];

		if (strcmp(e->section, "experiment") == 0)
			rc = check_known_key(e, "experiment", err) < 0
				 ? -1
				 : parse_experiment_key(
				       m, e, fields, PT_ARRAY_LEN(fields), err);
		else if (strncmp(e->section, "dataset.", 8) == 0)
			rc = check_known_key(e, "dataset", err) < 0
				 ? -1
				 : parse_dataset_key(m, e, e->section + 8, err);
		else if (strncmp(e->section, "exception.", 10) == 0)
			rc = check_known_key(e, "exception", err) < 0
				 ? -1
				 : parse_exception_key(m, e, e->section + 10,
						       err);
		else
			rc = pt_err_set(err, EX_DATAERR,
					MANIFEST_NAME ":%d: unknown section "
						      "[%s]",
					e->line, e->section);
		if (rc < 0)
			goto out;
	}
	rc = -1;
	for (i = 0; i < PT_ARRAY_LEN(fields); i++) {
		if (fields[i].required && *fields[i].slot == NULL) {
			pt_err_set(err, EX_DATAERR,
				   MANIFEST_NAME ": missing key '%s' in "
						 "[experiment]",
				   fields[i].key);
			goto out;
		}
	}
	if (m->description == NULL)
		m->description = xstrdup("");
	if (!manifest_path_ok(m->entry) || strlen(m->entry) < 5 ||
	    strcmp(m->entry + strlen(m->entry) - 4, ".lua") != 0) {
		int line = 0;

		/* Errors name FILE:LINE (PRODUCT.md): find the entry key. */
		for (i = 0; i < doc.nentries; i++)
			if (strcmp(doc.entries[i].section, "experiment") == 0 &&
			    strcmp(doc.entries[i].key, "entry") == 0)
				line = doc.entries[i].line;
		pt_err_set(err, EX_DATAERR,
			   MANIFEST_NAME ":%d: entry '%s' must be a relative "
					 "path to a .lua file",
			   line, m->entry);
		goto out;
	}
	for (i = 0; i < m->ndatasets; i++) {
		struct manifest_dataset *d = &m->datasets[i];

		if (d->file == NULL || d->ncolumns == 0) {
			pt_err_set(err, EX_DATAERR,
				   MANIFEST_NAME ":%d: [dataset.%s] needs "
						 "'file' and 'columns'",
				   d->line, d->name);
			goto out;
		}
	}
	rc = 0;
out:
	ini_doc_fini(&doc);
	if (rc == 0)
		*out = m;
	else
		manifest_free(m);
	return rc;
}

void
manifest_free(struct manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->name);
	free(m->version);
	free(m->team);
	free(m->contact);
	free(m->purpose);
	free(m->description);
	free(m->entry);
	for (i = 0; i < m->ndatasets; i++) {
		free(m->datasets[i].name);
		free(m->datasets[i].file);
		ini_free_list(m->datasets[i].columns, m->datasets[i].ncolumns);
	}
	free(m->datasets);
	for (i = 0; i < m->nexceptions; i++) {
		free(m->exceptions[i].output);
		free(m->exceptions[i].reason);
	}
	free(m->exceptions);
	free(m);
}
