/* runindex.c - array tasks, result keys, task records, summary; see
 * runindex.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "bundle.h"
#include "intake.h"
#include "json_parse.h"
#include "outdir.h"
#include "runindex.h"

#define RI_MAX_RECORD (1u << 20)
#define RI_MAX_REPORT (256u << 20)

static char *
dir_of(const char *path)
{
	char *copy = xstrdup(path), *d = xstrdup(dirname(copy));

	free(copy);
	return d;
}

static char *
resolve(const char *base, const char *p)
{
	if (p[0] == '/' || strcmp(base, ".") == 0)
		return xstrdup(p);
	return xasprintf("%s/%s", base, p);
}

static void
add_task(struct ri_list *l, const char *base, unsigned line, char **f,
	 size_t nf)
{
	struct ri_task *t;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	t = &l->v[l->n];
	memset(t, 0, sizeof(*t));
	t->index = l->n++;
	t->line = line;
	t->bundle = xstrdup(nf > 0 ? f[0] : "");
	t->profile = xstrdup(nf > 1 ? f[1] : "");
	if (nf != 2) {
		t->problem = xasprintf("expected BUNDLE PROFILE, found %zu "
				       "field%s",
				       nf, nf == 1 ? "" : "s");
		return;
	}
	t->bundle_path = resolve(base, f[0]);
	t->profile_path = resolve(base, f[1]);
}

int
ri_list_load(const char *path, struct ri_list *l, struct pt_err *err)
{
	struct sbuf text = SBUF_INIT;
	char *base, *p, *end;
	unsigned line = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = outdir_read(AT_FDCWD, path, RI_MAX_LIST, &text);
	if (rc == 1)
		return pt_err_set(err, EX_NOINPUT, "%s: no such task list",
				  path);
	if (rc < 0) {
		int e = errno;

		sbuf_free(&text);
		return pt_err_set(
		    err, e == EINVAL || e == EFBIG ? EX_DATAERR : EX_IOERR,
		    "%s: %s", path,
		    e == EINVAL	 ? "not a regular file"
		    : e == EFBIG ? "task list larger than 16 MiB"
				 : strerror(e));
	}
	if (text.len > 0 && memchr(text.buf, '\0', text.len) != NULL) {
		sbuf_free(&text);
		return pt_err_set(err, EX_DATAERR,
				  "%s: not a text file (NUL byte)", path);
	}
	pt_sha256_hex(text.buf != NULL ? text.buf : "", text.len, l->sha256);
	sbuf_addc(&text, '\0');
	base = dir_of(path);
	for (p = text.buf; p < text.buf + text.len - 1; p = end + 1) {
		char *f[3];
		size_t nf = 0;
		char *q;

		line++;
		end = strchr(p, '\n');
		if (end == NULL)
			end = text.buf + text.len - 1;
		*end = '\0';
		if (end > p && end[-1] == '\r')
			end[-1] = '\0';
		q = p + strspn(p, " \t");
		if (*q == '\0' || *q == '#')
			continue;
		while (*q != '\0') {
			char *w = q;

			q += strcspn(q, " \t");
			if (*q != '\0')
				*q++ = '\0';
			if (nf < 3)
				f[nf] = w;
			nf++;
			q += strspn(q, " \t");
		}
		add_task(l, base, line, f, nf);
	}
	free(base);
	sbuf_free(&text);
	return 0;
}

void
ri_list_fini(struct ri_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].bundle);
		free(l->v[i].profile);
		free(l->v[i].bundle_path);
		free(l->v[i].profile_path);
		free(l->v[i].problem);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
parse_index(const char *s, size_t *out)
{
	size_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 9 ||
	    strspn(s, "0123456789") != strlen(s))
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (size_t)(*s - '0');
	*out = v;
	return 0;
}

int
ri_index(const char *opt, size_t *index, const char **source,
	 struct pt_err *err)
{
	static const char *const env[] = { "JOB_COMPLETION_INDEX",
					   "SLURM_ARRAY_TASK_ID" };
	const char *v = opt;
	size_t i;

	*source = "--index";
	for (i = 0; v == NULL && i < PT_ARRAY_LEN(env); i++) {
		v = getenv(env[i]);
		if (v != NULL && *v == '\0')
			v = NULL;
		*source = env[i];
	}
	if (v == NULL)
		return pt_err_set(err, EX_USAGE,
				  "no task index: give --index N, or run as "
				  "a Kubernetes Indexed Job "
				  "(JOB_COMPLETION_INDEX) or a Slurm array "
				  "task (SLURM_ARRAY_TASK_ID)");
	if (parse_index(v, index) < 0)
		return pt_err_set(err, EX_USAGE,
				  "%s='%s' is not a task index (0-based, "
				  "decimal digits only)",
				  *source, v);
	return 0;
}

static int
hash_chunk(void *arg, const void *p, size_t n, struct pt_err *err)
{
	(void)err;
	sha256_update(arg, n, p);
	return 0;
}

/* SHA-256 of a regular file's bytes, streaming. */
static int
file_digest(const char *path, char out[PT_SHA256_HEX], struct pt_err *err)
{
	struct sha256_ctx ctx;
	uint8_t md[SHA256_DIGEST_SIZE];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
				  "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pt_err_set(err, EX_DATAERR,
				  "%s: not a regular file or a folder", path);
	}
	sha256_init(&ctx);
	if (pt_pread_all(fd, path, hash_chunk, &ctx, NULL, err) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	sha256_digest(&ctx, sizeof(md), md);
	pt_hex(md, sizeof(md), out);
	return 0;
}

int
ri_bundle_key(const char *path, const struct profile *p,
	      char digest[PT_SHA256_HEX], bool *as_file, struct pt_err *err)
{
	struct intake_problems problems = { NULL, 0 };
	struct bundle b;
	int rc;

	*as_file = false;
	rc = intake_open(path, &p->bundle, &b, &problems, err);
	intake_problems_fini(&problems);
	if (rc >= 0) {
		memcpy(digest, b.digest, PT_SHA256_HEX);
		bundle_fini(&b);
		return 0;
	}
	if (err->code != EX_DATAERR)
		return -1;
	/* Refused before any entry was read: the run's report says why
	 * and names no bundle digest, so the file's bytes are the key. */
	*as_file = true;
	return file_digest(path, digest, err);
}

static int
make_dir(const char *path, struct pt_err *err)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return pt_err_set(err, EX_CANTCREAT, "cannot create %s: %s", path,
			  errno == EEXIST ? "exists and is not a folder"
					  : strerror(errno));
}

int
ri_root_prepare(const char *root, struct pt_err *err)
{
	char *tasks = xasprintf("%s/tasks", root);
	int rc = make_dir(root, err);

	if (rc == 0)
		rc = make_dir(tasks, err);
	free(tasks);
	return rc;
}

int
ri_lock_key(const char *keydir, int *fd, struct pt_err *err)
{
	char *lock = xasprintf("%s/lock", keydir);
	int rc = 0;

	*fd = -1;
	if (make_dir(keydir, err) < 0) {
		free(lock);
		return -1;
	}
	*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (*fd < 0) {
		rc = pt_err_set(err, EX_CANTCREAT, "cannot create %s: %s", lock,
				strerror(errno));
	} else {
		while ((rc = flock(*fd, LOCK_EX)) < 0 && errno == EINTR)
			;
		if (rc < 0 && (errno == ENOLCK || errno == EOPNOTSUPP ||
			       errno == ENOSYS)) {
			close(*fd);
			*fd = -1;
			rc = 0;
		} else if (rc < 0) {
			rc = pt_err_set(err, EX_IOERR, "lock %s: %s", lock,
					strerror(errno));
			close(*fd);
			*fd = -1;
		}
	}
	free(lock);
	return rc;
}

int
ri_verdict_parse(const char *s, enum status *out)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "PASS") == 0)
		*out = STATUS_PASS;
	else if (strcmp(s, "REVIEW") == 0)
		*out = STATUS_REVIEW;
	else if (strcmp(s, "FAIL") == 0)
		*out = STATUS_FAIL;
	else
		return -1;
	return 0;
}

/* Is "HEX  report.json" a line of `sums`? */
static bool
sums_lists(const struct sbuf *sums, const char *hex, const char *name)
{
	char *want = xasprintf("%s  %s\n", hex, name);
	size_t n = strlen(want), i;
	bool found = false;

	for (i = 0; i + n <= sums->len && !found; i++)
		if ((i == 0 || sums->buf[i - 1] == '\n') &&
		    memcmp(sums->buf + i, want, n) == 0)
			found = true;
	free(want);
	return found;
}

int
ri_result_read(const char *dir, const char *bundle_digest,
	       const char *profile_sha256, enum status *verdict,
	       struct pt_err *err)
{
	struct sbuf json = SBUF_INIT, sums = SBUF_INIT;
	struct jv *root = NULL;
	const struct jv *rep;
	const char *why = "", *bd, *ps;
	char hex[PT_SHA256_HEX];
	struct stat st;
	size_t at = 0;
	int dfd, rc = -1;

	if (lstat(dir, &st) < 0 && errno == ENOENT)
		return 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return pt_err_set(err, EX_DATAERR,
				  "%s: not a report folder: %s", dir,
				  strerror(errno));
	if (outdir_read(dfd, "report.json", RI_MAX_REPORT, &json) != 0 ||
	    outdir_read(dfd, "SHA256SUMS", RI_MAX_RECORD, &sums) != 0) {
		pt_err_set(err, EX_DATAERR,
			   "%s: not a report folder (no report.json or "
			   "SHA256SUMS)",
			   dir);
		goto out;
	}
	pt_sha256_hex(json.buf != NULL ? json.buf : "", json.len, hex);
	if (!sums_lists(&sums, hex, "report.json")) {
		pt_err_set(err, EX_DATAERR,
			   "%s: report.json does not match SHA256SUMS", dir);
		goto out;
	}
	root =
	    json_parse(json.buf != NULL ? json.buf : "", json.len, &why, &at);
	rep = root != NULL ? jv_get(root, "reproduce") : NULL;
	bd = jv_get_str(rep, "bundle_digest");
	ps = jv_get_str(rep, "profile_sha256");
	if (root == NULL || bd == NULL || ps == NULL ||
	    ri_verdict_parse(jv_get_str(root, "verdict"), verdict) < 0) {
		pt_err_set(err, EX_DATAERR, "%s: report.json is not a report",
			   dir);
		goto out;
	}
	if ((bundle_digest != NULL && strcmp(bd, bundle_digest) != 0) ||
	    (profile_sha256 != NULL && strcmp(ps, profile_sha256) != 0)) {
		pt_err_set(err, EX_DATAERR,
			   "%s: the report is of another bundle or profile "
			   "(bundle %.12s, profile %.12s)",
			   dir, *bd ? bd : "-", ps);
		goto out;
	}
	rc = 1;
out:
	jv_free(root);
	sbuf_free(&json);
	sbuf_free(&sums);
	close(dfd);
	return rc;
}

int
ri_record_write(const char *root, size_t index, const struct jv *rec,
		bool durable, struct pt_err *err)
{
	char *final = xasprintf("%s/tasks/%zu.json", root, index);
	char *tmp = xasprintf("%s/tasks/.%zu.json.XXXXXX", root, index);
	char *tasks = xasprintf("%s/tasks", root);
	struct sbuf text = SBUF_INIT;
	int fd, rc = -1, e = 0;

	jv_write(rec, &text);
	sbuf_addc(&text, '\n');
	fd = mkstemp(tmp);
	if (fd < 0) {
		e = errno;
		pt_err_set(
		    err, e == ENOSPC || e == EIO ? EX_IOERR : EX_CANTCREAT,
		    "cannot write the task record %s: %s", final, strerror(e));
		goto out;
	}
	if (fchmod(fd, 0644) < 0 || pt_write_all(fd, text.buf, text.len) < 0 ||
	    (durable && fsync(fd) < 0))
		e = errno;
	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, final) < 0)
		e = errno;
	if (e != 0) {
		unlink(tmp);
		pt_err_set(err, EX_IOERR, "cannot write the task record %s: %s",
			   final, strerror(e));
		goto out;
	}
	fd = durable ? open(tasks, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	rc = 0;
out:
	sbuf_free(&text);
	free(final);
	free(tmp);
	free(tasks);
	return rc;
}

/* ------------------------------------------------------------------ */
/* collect */

struct record {
	struct jv *j; /* NULL: no record */
};

/* Read ROOT/tasks/N.json for every N there; `recs` grows to the highest
 * index seen. */
static int
read_records(const char *root, struct record **recs, size_t *nrecs,
	     struct pt_err *err)
{
	char *tasks = xasprintf("%s/tasks", root);
	DIR *d = opendir(tasks);
	struct dirent *de;
	int dfd;

	*recs = NULL;
	*nrecs = 0;
	if (d == NULL) {
		int e = errno;

		free(tasks);
		return pt_err_set(
		    err, e == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "%s: %s; hint: is this a --results folder "
		    "of run-index?",
		    root, e == ENOENT ? "no tasks folder" : strerror(e));
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		struct sbuf text = SBUF_INIT;
		const char *why;
		size_t idx, at, n = strlen(de->d_name);
		char num[16];
		struct jv *j;
		int64_t ji;

		if (n < 6 || n - 5 >= sizeof(num) ||
		    strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		memcpy(num, de->d_name, n - 5);
		num[n - 5] = '\0';
		if (parse_index(num, &idx) < 0 || (num[0] == '0' && num[1]))
			continue;
		if (outdir_read(dfd, de->d_name, RI_MAX_RECORD, &text) != 0) {
			sbuf_free(&text);
			continue;
		}
		j = json_parse(text.buf != NULL ? text.buf : "", text.len, &why,
			       &at);
		sbuf_free(&text);
		if (j == NULL)
			continue;
		if (!jv_get_int(j, "index", &ji) || ji < 0 ||
		    (size_t)ji != idx) {
			jv_free(j);
			continue;
		}
		if (idx >= *nrecs) {
			*recs = xreallocarray(*recs, idx + 1, sizeof(**recs));
			memset(*recs + *nrecs, 0,
			       (idx + 1 - *nrecs) * sizeof(**recs));
			*nrecs = idx + 1;
		}
		(*recs)[idx].j = j;
	}
	closedir(d);
	free(tasks);
	return 0;
}

static void
row_error(struct jv *row, const char *state, int code, const char *msg)
{
	jv_set_str(row, "state", state);
	if (code >= 0)
		jv_set_int(row, "exit", code);
	if (msg != NULL)
		jv_set_str(row, "error", msg);
}

/* Fill `row` for task `idx` from its record `rec` (NULL: none). */
static void
collect_row(const char *root, const struct jv *rec, const char *list_sha,
	    const struct ri_task *t, struct jv *row, enum status *worst,
	    bool *incomplete)
{
	const char *state = jv_get_str(rec, "state");
	const char *bd = jv_get_str(rec, "bundle_digest");
	const char *ps = jv_get_str(rec, "profile_sha256");
	const char *report = jv_get_str(rec, "report");
	int64_t code = -1;
	struct pt_err err = { 0, "" };
	enum status v;

	const char *b = t != NULL ? t->bundle : jv_get_str(rec, "bundle");
	const char *p = t != NULL ? t->profile : jv_get_str(rec, "profile");

	jv_set_str(row, "bundle", b != NULL ? b : "");
	jv_set_str(row, "profile", p != NULL ? p : "");
	*incomplete = true;
	if (rec == NULL) {
		row_error(row, "missing", -1, "no task record: never ran");
		return;
	}
	if (list_sha != NULL && strcmp(jv_get_str(rec, "list_sha256") != NULL
					   ? jv_get_str(rec, "list_sha256")
					   : "",
				       list_sha) != 0) {
		row_error(row, "foreign", -1,
			  "the record is of another task list");
		return;
	}
	if (t != NULL &&
	    (jv_get_str(rec, "bundle") == NULL ||
	     jv_get_str(rec, "profile") == NULL ||
	     strcmp(jv_get_str(rec, "bundle"), t->bundle) != 0 ||
	     strcmp(jv_get_str(rec, "profile"), t->profile) != 0)) {
		row_error(row, "foreign", -1,
			  "the record names another bundle or profile");
		return;
	}
	(void)jv_get_int(rec, "exit", &code);
	if (state == NULL || strcmp(state, "running") == 0) {
		row_error(row, "running", -1,
			  "started but not finished: still running, or "
			  "killed");
		return;
	}
	if (strcmp(state, "done") != 0) {
		row_error(row, "error", (int)code, jv_get_str(rec, "error"));
		return;
	}
	if (report == NULL || bd == NULL || ps == NULL ||
	    strstr(report, "..") != NULL || report[0] == '/') {
		row_error(row, "broken", -1, "the record names no report");
		return;
	}
	{
		char *dir = xasprintf("%s/%s", root, report);
		int rc = ri_result_read(dir, bd, ps, &v, &err);

		free(dir);
		if (rc <= 0) {
			row_error(row, "broken", -1,
				  rc == 0 ? "the report folder is gone"
					  : err.msg);
			return;
		}
	}
	jv_set_str(row, "state", "done");
	jv_set_str(row, "verdict", verdict_name(v));
	jv_set_str(row, "report", report);
	jv_set_int(row, "exit",
		   v == STATUS_PASS	? 0
		   : v == STATUS_REVIEW ? 1
					: 2);
	if (v > *worst)
		*worst = v;
	*incomplete = false;
}

int
ri_collect(const char *root, const struct ri_list *list, struct jv **summary,
	   int *status, struct pt_err *err)
{
	struct record *recs;
	size_t nrecs, ntasks = 0, i, ndone = 0;
	const char *list_sha = list != NULL ? list->sha256 : NULL;
	enum status worst = STATUS_PASS;
	struct jv *rows, *counts;

	if (read_records(root, &recs, &nrecs, err) < 0)
		return -1;
	if (list != NULL) {
		ntasks = list->n;
	} else {
		/* The lowest record names the list; the others must agree. */
		for (i = 0; i < nrecs; i++) {
			int64_t n;

			if (recs[i].j == NULL)
				continue;
			if (list_sha == NULL)
				list_sha = jv_get_str(recs[i].j, "list_sha256");
			if (jv_get_int(recs[i].j, "tasks", &n) && n > 0 &&
			    (size_t)n > ntasks && n <= RI_MAX_INDEX)
				ntasks = (size_t)n;
		}
	}
	if (nrecs > ntasks && list == NULL)
		ntasks = nrecs;
	*summary = jv_obj();
	rows = jv_arr_at(*summary, "tasks");
	counts = jv_obj_at(*summary, "counts");
	for (i = 0; i < ntasks; i++) {
		struct jv *row = jv_obj();
		const struct jv *rec = i < nrecs ? recs[i].j : NULL;
		bool incomplete;

		jv_set_int(row, "index", (int64_t)i);
		collect_row(root, rec, list_sha,
			    list != NULL ? &list->v[i] : NULL, row, &worst,
			    &incomplete);
		ndone += !incomplete;
		{
			const char *st = jv_get_str(row, "state");
			int64_t c = 0;

			(void)jv_get_int(counts, st, &c);
			jv_set_int(counts, st, c + 1);
		}
		jv_push(rows, row);
	}
	/* Records beyond the list: a task of another, longer list. */
	for (i = ntasks; i < nrecs; i++)
		if (recs[i].j != NULL) {
			int64_t c = 0;

			(void)jv_get_int(counts, "foreign", &c);
			jv_set_int(counts, "foreign", c + 1);
		}
	jv_set_int(*summary, "total", (int64_t)ntasks);
	jv_set_str(*summary, "list_sha256", list_sha != NULL ? list_sha : "");
	jv_set_str(*summary, "schema", "proeftuin-collect/1");
	if (ntasks > 0 && ndone == ntasks)
		jv_set_str(*summary, "worst_verdict", verdict_name(worst));
	*status = ntasks == 0 || ndone < ntasks ? EX_NOINPUT
		  : worst == STATUS_PASS	? 0
		  : worst == STATUS_REVIEW	? 1
						: 2;
	jv_set_str(*summary, "result",
		   ntasks == 0	    ? "no tasks"
		   : ndone < ntasks ? "incomplete"
				    : "complete");
	for (i = 0; i < nrecs; i++)
		jv_free(recs[i].j);
	free(recs);
	return 0;
}

void
ri_summary_markdown(const struct jv *summary, struct sbuf *out)
{
	const struct jv *rows = jv_get(summary, "tasks");
	const struct jv *counts = jv_get(summary, "counts");
	size_t i;

	sbuf_adds(out, "# proeftuin array results\n\n");
	sbuf_printf(out, "Result: **%s**", jv_get_str(summary, "result"));
	if (jv_get_str(summary, "worst_verdict") != NULL)
		sbuf_printf(out, ", worst verdict **%s**",
			    jv_get_str(summary, "worst_verdict"));
	for (i = 0; i < jv_len(counts); i++)
		sbuf_printf(out, "%s%s: %lld", i == 0 ? " (" : ", ",
			    jv_key_at(counts, i),
			    (long long)jv_int_value(jv_val_at(counts, i)));
	sbuf_adds(out, i > 0 ? ")." : ".");
	sbuf_adds(out, "\n\n| index | bundle | profile | state | verdict | "
		       "report | exit | error |\n"
		       "|---:|---|---|---|---|---|---:|---|\n");
	for (i = 0; i < jv_len(rows); i++) {
		const struct jv *r = jv_at(rows, i);
		int64_t v;

		(void)jv_get_int(r, "index", &v);
		sbuf_printf(out, "| %lld | ", (long long)v);
		md_inline(out, jv_get_str(r, "bundle"));
		sbuf_adds(out, " | ");
		md_inline(out, jv_get_str(r, "profile"));
		sbuf_adds(out, " | ");
		md_inline(out, jv_get_str(r, "state"));
		sbuf_adds(out, " | ");
		md_inline(out, jv_get_str(r, "verdict"));
		sbuf_adds(out, " | ");
		md_inline(out, jv_get_str(r, "report"));
		sbuf_adds(out, " | ");
		if (jv_get_int(r, "exit", &v))
			sbuf_printf(out, "%lld", (long long)v);
		else
			sbuf_adds(out, "—");
		sbuf_adds(out, " | ");
		md_inline(out, jv_get_str(r, "error"));
		sbuf_adds(out, " |\n");
	}
}
