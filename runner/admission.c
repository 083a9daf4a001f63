/* admission.c - the admission check; see admission.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admission.h"
#include "suggest.h"
#include "inifile.h"
#include "json.h"

static void vnote(struct admission *a, const char *name, const char *subject,
		  bool passed, bool attention, const char *fmt, va_list ap)
    PT_PRINTF(6, 0);

void
admission_note(struct admission *a, const char *name, const char *subject,
	       bool passed, bool attention, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(a, name, subject, passed, attention, fmt, ap);
	va_end(ap);
}

static void PT_PRINTF(5, 6)
    add(struct admission *a, const char *name, const char *subject, bool passed,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(a, name, subject, passed, false, fmt, ap);
	va_end(ap);
}

static void
vnote(struct admission *a, const char *name, const char *subject, bool passed,
      bool attention, const char *fmt, va_list ap)
{
	struct admission_check *c;
	struct sbuf sb = SBUF_INIT;

	sbuf_vprintf(&sb, fmt, ap);
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	c = &a->v[a->n++];
	c->name = xstrdup(name);
	c->subject = xstrdup(subject);
	c->passed = passed;
	c->attention = attention;
	c->reason = sbuf_steal(&sb);
	if (!passed)
		a->passed = false;
}

/* The bytes of the header check, as datasets_open found them: the
 * custodian's file when the profile names one, else the bundle's sample;
 * -1 (and a failed check) when they cannot be had. */
static int
bytes_for_header(const struct manifest_dataset *md,
		 const struct profile_dataset *pd, const struct bundle *b,
		 const struct dataset_input *di, struct admission *a)
{
	const struct bundle_file *f;

	if (pd->path != NULL) {
		if (di == NULL || di->fd < 0) {
			add(a, "custodian_data_readable", md->name, false, "%s",
			    di != NULL && di->why != NULL ? di->why
							  : "not opened");
			return -1;
		}
		add(a, "custodian_data_readable", md->name, true,
		    "custodian data replaces the bundle's sample");
		return di->fd;
	}
	f = bundle_find(b, md->file);
	if (f == NULL || di == NULL || di->fd < 0) {
		add(a, "dataset_file_present", md->file, false,
		    "dataset file '%s' is not in the bundle", md->file);
		return -1;
	}
	add(a, "dataset_file_present", md->file, true, "%llu bytes",
	    (unsigned long long)f->size);
	return di->fd;
}

static void
check_dataset(const struct manifest_dataset *md, const struct profile *p,
	      const struct bundle *b, const struct dataset_inputs *in,
	      struct admission *a)
{
	const struct profile_dataset *pd = profile_dataset(p, md->name);
	const char *why = "", *what;
	char **header = NULL;
	int nheader = -1, fd;
	size_t i;

	if (pd == NULL || pd->access == ACCESS_NONE) {
		add(a, "dataset_granted", md->name, false,
		    MANIFEST_NAME ":%d: the profile grants no access to "
				  "dataset '%s'",
		    md->line, md->name);
		return;
	}
	add(a, "dataset_granted", md->name, true, "access %s",
	    access_name(pd->access));
	what = pd->path != NULL ? "custodian data" : "sample data";
	fd = bytes_for_header(md, pd, b, datasets_find(in, md->name), a);
	if (fd >= 0) {
		nheader = csv_read_header(fd, &header, &why);
		if (nheader < 0)
			add(a, "dataset_header", md->name, false,
			    "%s of '%s': %s", what, md->name, why);
	}
	for (i = 0; i < md->ncolumns; i++) {
		const char *col = md->columns[i];

		if (pt_list_has(pd->identifiers, pd->nidentifiers, col))
			add(a, "identifier_not_requested", col, false,
			    MANIFEST_NAME ":%d: column '%s' of '%s' is an "
					  "identifier and is never readable; "
					  "hint: remove it from columns in "
					  "[dataset.%s]",
			    md->columns_line, col, md->name, md->name);
		else if (!pt_list_has(pd->columns, pd->ncolumns, col)) {
			const char *near =
			    suggest_word(col, (const char *const *)pd->columns,
					 pd->ncolumns);
			char *list = quoted_list(pd->columns, pd->ncolumns);

			if (near != NULL)
				add(a, "column_granted", col, false,
				    MANIFEST_NAME ":%d: column '%s' of '%s' is "
						  "not granted by the profile; "
						  "did you mean '%s'?",
				    md->columns_line, col, md->name, near);
			else
				add(a, "column_granted", col, false,
				    MANIFEST_NAME ":%d: column '%s' of '%s' is "
						  "not granted by the profile, "
						  "which grants %s; hint: ask "
						  "the custodian for it, or "
						  "remove it from columns in "
						  "[dataset.%s]",
				    md->columns_line, col, md->name, list,
				    md->name);
			free(list);
		} else
			add(a, "column_granted", col, true, "granted");
		if (nheader < 0)
			continue;
		if (pt_list_has(header, (size_t)nheader, col))
			add(a, "column_in_header", col, true,
			    "in the header of the %s", what);
		else
			add(a, "column_in_header", col, false,
			    MANIFEST_NAME ":%d: column '%s' is not in the "
					  "header of the %s of '%s'",
			    md->columns_line, col, what, md->name);
	}
	if (nheader >= 0)
		ini_free_list(header, (size_t)nheader);
	/* AI Act art. 59(1)(b): personal data only where anonymised or
	 * synthetic data cannot do; the custodian must have said why. */
	if (pd->personal && p->necessity == NULL)
		add(a, "necessity_stated", md->name, false,
		    "'%s' holds personal data and the profile states no "
		    "necessity (AI Act art. 59(1)(b))",
		    md->name);
	else if (pd->personal)
		add(a, "necessity_stated", md->name, true,
		    "the profile states why personal data is needed");
}

void
admission_init(struct admission *a)
{
	memset(a, 0, sizeof(*a));
	a->passed = true;
}

size_t
admission_check_exceptions(const struct manifest *m, const char *const *outputs,
			   size_t noutputs, struct admission *a)
{
	size_t i, j, missing = 0;

	for (i = 0; i < m->nexceptions; i++) {
		const char *name = m->exceptions[i].output;

		for (j = 0; j < noutputs; j++)
			if (strcmp(outputs[j], name) == 0)
				break;
		if (j < noutputs) {
			add(a, "exception_refers_to_output", name, true,
			    "the script produced output '%s'", name);
		} else {
			add(a, "exception_refers_to_output", name, false,
			    "[exception.%s] names no output of this run", name);
			missing++;
		}
	}
	return missing;
}

void
admission_run(const struct manifest *m, const struct profile *p,
	      const struct bundle *b, const struct dataset_inputs *in,
	      struct admission *out)
{
	size_t i;

	admission_init(out);
	if (pt_list_has(p->purposes, p->npurposes, m->purpose))
		add(out, "purpose_permitted", m->purpose, true,
		    "purpose is permitted by profile '%s'", p->name);
	else {
		const char *near = suggest_word(
		    m->purpose, (const char *const *)p->purposes, p->npurposes);
		char *list = quoted_list(p->purposes, p->npurposes);

		add(out, "purpose_permitted", m->purpose, false,
		    MANIFEST_NAME ":%d: purpose '%s' is not among the "
				  "profile's purposes; %s%s%sprofile '%s' "
				  "permits %s",
		    m->purpose_line, m->purpose,
		    near != NULL ? "did you mean '" : "",
		    near != NULL ? near : "", near != NULL ? "'? " : "",
		    p->name, list);
		free(list);
	}
	if (bundle_find(b, m->entry) != NULL)
		add(out, "entry_present", m->entry, true, "entry script found");
	else
		add(out, "entry_present", m->entry, false,
		    MANIFEST_NAME ":%d: entry script '%s' is not in the bundle",
		    m->entry_line, m->entry);
	for (i = 0; i < m->ndatasets; i++)
		check_dataset(&m->datasets[i], p, b, in, out);
}

void
admission_fini(struct admission *a)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		free(a->v[i].name);
		free(a->v[i].subject);
		free(a->v[i].reason);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

struct jv *
admission_to_json(const struct admission *a)
{
	struct jv *arr = jv_arr();
	size_t i;

	for (i = 0; i < a->n; i++) {
		struct jv *c = jv_obj();

		jv_set_str(c, "check", a->v[i].name);
		jv_set_str(c, "subject", a->v[i].subject);
		jv_set_str(c, "status",
			   !a->v[i].passed     ? "fail"
			   : a->v[i].attention ? "attention"
					       : "pass");
		jv_set_str(c, "reason", a->v[i].reason);
		jv_push(arr, c);
	}
	return arr;
}

/* Every string literal of `text` ("..." or '...', escapes skipped, long
 * brackets not: output names are short quoted strings). */
static void
string_literals(const char *text, size_t len, char ***out, size_t *n)
{
	size_t i = 0;

	while (i < len) {
		char q = text[i];
		size_t start;

		if (q == '-' && i + 1 < len && text[i + 1] == '-') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (q != '"' && q != '\'') {
			i++;
			continue;
		}
		start = ++i;
		while (i < len && text[i] != q && text[i] != '\n') {
			if (text[i] == '\\')
				i++;
			i++;
		}
		if (i < len && text[i] == q && i - start <= 100 && i > start) {
			*out = xreallocarray(*out, *n + 1, sizeof(**out));
			(*out)[(*n)++] = xstrndup(text + start, i - start);
		}
		i++;
	}
}

void
admission_check_sources(const struct manifest *m, const struct bundle *b,
			struct admission *a)
{
	char **lits = NULL;
	size_t nlits = 0, i, j;

	for (i = 0; i < b->nfiles; i++) {
		const struct bundle_file *f = &b->files[i];
		size_t n = strlen(f->path);
		struct sbuf text = SBUF_INIT;

		if (n < 5 || strcmp(f->path + n - 4, ".lua") != 0 ||
		    bundle_read(f, &text, NULL) < 0) {
			sbuf_free(&text);
			continue;
		}
		string_literals(text.buf != NULL ? text.buf : "", text.len,
				&lits, &nlits);
		sbuf_free(&text);
	}
	for (i = 0; i < m->nexceptions; i++) {
		const char *name = m->exceptions[i].output;
		bool found = false;
		const char *near;

		for (j = 0; j < nlits && !found; j++)
			found = strcmp(lits[j], name) == 0;
		if (found) {
			add(a, "exception_names_output", name, true,
			    "a script names output '%s'", name);
			continue;
		}
		near = suggest_word(name, (const char *const *)lits, nlits);
		admission_note(a, "exception_names_output", name, true, true,
			       MANIFEST_NAME ":%d: [exception.%s] names no "
					     "output any script writes%s%s%s",
			       m->exceptions[i].line, name,
			       near != NULL ? "; did you mean '" : "",
			       near != NULL ? near : "",
			       near != NULL ? "'?" : "");
	}
	for (j = 0; j < nlits; j++)
		free(lits[j]);
	free(lits);
}
