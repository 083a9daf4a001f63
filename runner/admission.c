/* admission.c - the admission check; see admission.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "admission.h"
#include "inifile.h"
#include "json.h"

static void PT_PRINTF(5, 6)
    add(struct admission *a, const char *name, const char *subject, bool passed,
	const char *fmt, ...)
{
	struct admission_check *c;
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	a->v = xreallocarray(a->v, a->n + 1, sizeof(*a->v));
	c = &a->v[a->n++];
	c->name = xstrdup(name);
	c->subject = xstrdup(subject);
	c->passed = passed;
	c->reason = sbuf_steal(&sb);
	if (!passed)
		a->passed = false;
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

struct header {
	char **cols;
	size_t n;
	bool done;
};

static void
on_field(void *s, size_t len, void *user)
{
	struct header *h = user;

	if (h->done)
		return;
	h->cols = xreallocarray(h->cols, h->n + 1, sizeof(*h->cols));
	h->cols[h->n++] = xstrndup(s, len);
}

static void
on_record(int c, void *user)
{
	(void)c;
	((struct header *)user)->done = true;
}

int
csv_read_header(int fd, char ***cols, const char **why)
{
	struct header h = { NULL, 0, false };
	struct csv_parser p;
	char buf[4096];
	off_t off = 0;
	size_t i;

	*cols = NULL;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0) {
		*why = "cannot initialise the CSV parser";
		return -1;
	}
	while (!h.done && off < 1024 * 1024) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
		if (csv_parse(&p, buf, (size_t)n, on_field, on_record, &h) !=
		    (size_t)n) {
			*why = "malformed CSV in the header row";
			goto bad;
		}
	}
	if (!h.done)
		csv_fini(&p, on_field, on_record, &h);
	csv_free(&p);
	if (h.n == 0) {
		*why = "no header row";
		return -1;
	}
	for (i = 0; i < h.n; i++) {
		/* A UTF-8 byte-order mark is not part of the first name. */
		if (i == 0 && strncmp(h.cols[0], "\xef\xbb\xbf", 3) == 0)
			memmove(h.cols[0], h.cols[0] + 3,
				strlen(h.cols[0]) - 2);
	}
	*cols = h.cols;
	return (int)h.n;
bad:
	csv_free(&p);
	ini_free_list(h.cols, h.n);
	return -1;
}

static void
check_dataset(const struct manifest_dataset *md, const struct profile *p,
	      const struct bundle *b, struct admission *a)
{
	const struct profile_dataset *pd = profile_dataset(p, md->name);
	const struct bundle_file *f = bundle_find(b, md->file);
	char **header = NULL;
	const char *why = "";
	int nheader = -1;
	size_t i;

	if (pd == NULL || pd->access == ACCESS_NONE) {
		add(a, "dataset_granted", md->name, false,
		    "the profile grants no access to dataset '%s'", md->name);
		return;
	}
	add(a, "dataset_granted", md->name, true, "access %s",
	    access_name(pd->access));
	if (f == NULL) {
		add(a, "dataset_file_present", md->file, false,
		    "dataset file '%s' is not in the bundle", md->file);
	} else {
		add(a, "dataset_file_present", md->file, true, "%llu bytes",
		    (unsigned long long)f->size);
		nheader = csv_read_header(f->fd, &header, &why);
		if (nheader < 0)
			add(a, "dataset_header", md->file, false, "%s", why);
	}
	for (i = 0; i < md->ncolumns; i++) {
		const char *col = md->columns[i];

		if (in_list(pd->identifiers, pd->nidentifiers, col))
			add(a, "identifier_not_requested", col, false,
			    "column '%s' of '%s' is an identifier and is never "
			    "readable",
			    col, md->name);
		else if (!in_list(pd->columns, pd->ncolumns, col))
			add(a, "column_granted", col, false,
			    "column '%s' of '%s' is not granted by the profile",
			    col, md->name);
		else
			add(a, "column_granted", col, true, "granted");
		if (nheader >= 0 && !in_list(header, (size_t)nheader, col))
			add(a, "column_in_header", col, false,
			    "column '%s' is not in the header of '%s'", col,
			    md->file);
	}
	if (nheader >= 0)
		ini_free_list(header, (size_t)nheader);
}

void
admission_run(const struct manifest *m, const struct profile *p,
	      const struct bundle *b, struct admission *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->passed = true;
	if (in_list(p->purposes, p->npurposes, m->purpose))
		add(out, "purpose_permitted", m->purpose, true,
		    "purpose is permitted by profile '%s'", p->name);
	else
		add(out, "purpose_permitted", m->purpose, false,
		    "purpose '%s' is not among the profile's purposes",
		    m->purpose);
	if (bundle_find(b, m->entry) != NULL)
		add(out, "entry_present", m->entry, true, "entry script found");
	else
		add(out, "entry_present", m->entry, false,
		    "entry script '%s' is not in the bundle", m->entry);
	for (i = 0; i < m->ndatasets; i++)
		check_dataset(&m->datasets[i], p, b, out);
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
		jv_set_str(c, "status", a->v[i].passed ? "pass" : "fail");
		jv_set_str(c, "reason", a->v[i].reason);
		jv_push(arr, c);
	}
	return arr;
}
