/* inifile.c - inih with line numbers; see inifile.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <ini.h>

#include "inifile.h"
#include "textsafe.h"

struct reader {
	const char *buf;
	size_t len;
	size_t off;
	int line;
	struct ini_doc *doc;
	struct pt_err *err;
	int code;
	bool failed;
	bool continuation; /* the current line starts with blanks */
};

/* An fgets(3) over memory that counts lines, so the handler knows where it
 * is even though Debian's inih passes no line number. */
static char *
read_line(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t n = 0;

	if (r->off >= r->len || num < 2)
		return NULL;
	while (r->off < r->len && n < (size_t)num - 1) {
		char c = r->buf[r->off++];

		str[n++] = c;
		if (c == '\n')
			break;
	}
	str[n] = '\0';
	r->line++;
	r->continuation = n > 0 && (str[0] == ' ' || str[0] == '\t');
	/* inih would parse the rest of an over-long line as a new line, which
	 * a hostile manifest could use to smuggle in a key: refuse it. */
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && r->off < r->len) {
		if (!r->failed) {
			pt_err_set(r->err, r->code,
				   "%s:%d: line longer than %d bytes; hint: "
				   "continue a long value on the next line, "
				   "indented",
				   r->doc->name, r->line, num - 2);
			r->failed = true;
		}
		r->off = r->len;
		return NULL;
	}
	return str;
}

static int PT_PRINTF(2, 3) fail(struct reader *r, const char *fmt, ...)
{
	if (!r->failed) {
		char msg[512];
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		pt_err_set(r->err, r->code, "%s:%d: %s", r->doc->name, r->line,
			   msg);
		r->failed = true;
	}
	return 0;
}

static int
on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct reader *r = user;
	struct ini_doc *d = r->doc;
	struct ini_entry *e;
	size_t i;

	if (r->failed)
		return 0;
	if (*section == '\0')
		return fail(r, "key '%s' outside any section", key);
	/* inih hands a continuation line to us as the same key again: join
	 * it to the value, so long texts can span lines. */
	if (r->continuation && d->nentries > 0 &&
	    strcmp(d->entries[d->nentries - 1].section, section) == 0 &&
	    strcmp(d->entries[d->nentries - 1].key, key) == 0) {
		char *joined;

		e = &d->entries[d->nentries - 1];
		joined = xasprintf("%s %s", e->value, value);
		free(e->value);
		e->value = joined;
		return 1;
	}
	for (i = 0; i < d->nentries; i++)
		if (strcmp(d->entries[i].section, section) == 0 &&
		    strcmp(d->entries[i].key, key) == 0)
			return fail(r, "duplicate key '%s' in [%s]", key,
				    section);
	for (i = 0; i < d->nsections; i++)
		if (strcmp(d->sections[i].name, section) == 0)
			break;
	if (i == d->nsections) {
		d->sections = xreallocarray(d->sections, d->nsections + 1,
					    sizeof(*d->sections));
		d->sections[i].name = xstrdup(section);
		d->sections[i].line = r->line;
		d->nsections++;
	}
	d->entries =
	    xreallocarray(d->entries, d->nentries + 1, sizeof(*d->entries));
	e = &d->entries[d->nentries++];
	e->section = xstrdup(section);
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = r->line;
	return 1;
}

int
ini_doc_parse(const char *buf, size_t len, const char *name, int code,
	      struct ini_doc *doc, struct pt_err *err)
{
	struct reader r = { buf, len, 0, 0, doc, err, code, false, false };
	int rc;

	memset(doc, 0, sizeof(*doc));
	doc->name = xstrdup(name);
	if (len > INI_MAX_BYTES)
		return pt_err_set(err, code, "%s: larger than %d bytes", name,
				  INI_MAX_BYTES);
	if (memchr(buf, '\0', len) != NULL)
		return pt_err_set(err, code, "%s: contains a NUL byte", name);
	if (!utf8_valid(buf, len))
		return pt_err_set(err, code, "%s: not valid UTF-8", name);
	rc = ini_parse_stream(read_line, &r, on_entry, &r);
	if (r.failed)
		return -1;
	if (rc != 0)
		return pt_err_set(err, code, "%s:%d: syntax error", name,
				  rc > 0 ? rc : r.line);
	return 0;
}

int
ini_read_file(const char *path, int code, struct sbuf *out, struct pt_err *err)
{
	struct stat st;
	char buf[8192];
	int fd, rc = 0;

	/* O_NONBLOCK: a FIFO put in place of the file must not hang us; the
	 * fstat below then refuses it. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		return pt_err_set(err, code,
				  "%s: is a symbolic link, which is not "
				  "followed; hint: pass the file it points to",
				  path);
	if (fd < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : code,
				  "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pt_err_set(err, code, "%s: not a regular file", path);
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = pt_err_set(err, EX_IOERR, "%s: %s", path,
					strerror(errno));
			break;
		}
		if (n == 0)
			break;
		sbuf_add(out, buf, (size_t)n);
		/* One byte over the cap is enough for the parser to refuse
		 * the document; reading the rest would only cost memory. */
		if (out->len > INI_MAX_BYTES)
			break;
	}
	close(fd);
	return rc;
}

int
ini_doc_load(const char *path, int code, struct ini_doc *doc,
	     struct pt_err *err)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	memset(doc, 0, sizeof(*doc));
	rc = ini_read_file(path, code, &sb, err);
	if (rc == 0)
		rc = ini_doc_parse(sb.buf != NULL ? sb.buf : "", sb.len, path,
				   code, doc, err);
	sbuf_free(&sb);
	return rc;
}

void
ini_doc_fini(struct ini_doc *doc)
{
	size_t i;

	for (i = 0; i < doc->nentries; i++) {
		free(doc->entries[i].section);
		free(doc->entries[i].key);
		free(doc->entries[i].value);
	}
	for (i = 0; i < doc->nsections; i++)
		free(doc->sections[i].name);
	free(doc->entries);
	free(doc->sections);
	free(doc->name);
	memset(doc, 0, sizeof(*doc));
}

int
ini_split_list(const char *value, char ***items, const char **why)
{
	char **v = NULL;
	size_t n = 0, i;
	const char *p = value;

	*items = NULL;
	for (;;) {
		const char *end = strchr(p, ',');
		const char *s = p, *e = end != NULL ? end : p + strlen(p);
		char *item;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e) {
			ini_free_list(v, n);
			*why = "empty item in list";
			return -1;
		}
		item = xstrndup(s, (size_t)(e - s));
		for (i = 0; i < n; i++) {
			if (strcmp(v[i], item) == 0) {
				free(item);
				ini_free_list(v, n);
				*why = "duplicate item in list";
				return -1;
			}
		}
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = item;
		if (end == NULL)
			break;
		p = end + 1;
	}
	*items = v;
	return (int)n;
}

void
ini_free_list(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}
