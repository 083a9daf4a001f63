/* outdir.c - atomic report folder; see outdir.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/fs.h>

#include "outdir.h"

/* Temporary folders are named PREFIX<pid>-XXXXXX next to the target. */
#define TEMP_PREFIX ".proeftuin-out-"

void
outset_add(struct outset *set, const char *name, const void *data, size_t len,
	   bool in_sums)
{
	struct outfile *f;

	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	f = &set->v[set->n++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	sbuf_add(&f->data, data, len);
	f->in_sums = in_sums;
}

void
outset_fini(struct outset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		free(set->v[i].name);
		sbuf_free(&set->v[i].data);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
}

static int
write_errcode(int e)
{
	return e == EACCES || e == EROFS || e == EPERM || e == EEXIST ||
		       e == ENOTDIR
		   ? EX_CANTCREAT
		   : EX_IOERR;
}

static char *
parent_of(const char *dir)
{
	char *copy = xstrdup(dir), *p = xstrdup(dirname(copy));

	free(copy);
	return p;
}

/* --force replaces an earlier report only: a folder without report.json
 * and SHA256SUMS as regular files is someone's work (a slip such as
 * --out ~ --force), and replacing it would delete that work. */
static int
refuse_non_report(const char *dir, struct pt_err *err)
{
	char *json = xasprintf("%s/report.json", dir);
	char *sums = xasprintf("%s/SHA256SUMS", dir);
	struct stat a, b;
	bool report = lstat(json, &a) == 0 && S_ISREG(a.st_mode) &&
		      lstat(sums, &b) == 0 && S_ISREG(b.st_mode);

	char *dec = xasprintf("%s/decisions", dir);
	bool decided = lstat(dec, &a) == 0;

	free(json);
	free(sums);
	free(dec);
	/* The advisors' records and the audit log are nobody's to delete. */
	if (report && decided)
		return pt_err_set(err, EX_CANTCREAT,
				  "%s holds advisors' decisions, which --force "
				  "would delete; hint: choose another --out",
				  dir);
	if (report)
		return 0;
	return pt_err_set(err, EX_CANTCREAT,
			  "%s: folder is not empty and holds no earlier "
			  "report (report.json, SHA256SUMS), so --force "
			  "does not replace it; hint: choose another --out",
			  dir);
}

/* 1 if `dir` is absent, 0 if it is an empty directory, 2 if non-empty. */
static int
dir_state(const char *dir, struct pt_err *err)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int state = 0;

	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		return pt_err_set(err, EX_CANTCREAT, "%s: %s", dir,
				  strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return pt_err_set(err, EX_CANTCREAT,
				  "%s: exists and is not a "
				  "folder",
				  dir);
	d = opendir(dir);
	if (d == NULL)
		return pt_err_set(err, EX_CANTCREAT, "%s: %s", dir,
				  strerror(errno));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			state = 2;
	closedir(d);
	return state;
}

/* Create the missing folders of `path` (like mkdir -p), 0755 each.  Only
 * ever creates; an existing component must be a folder. */
static int
make_folders(const char *path, struct pt_err *err)
{
	char *copy = xstrdup(path), *p;
	struct stat st;
	int rc = 0;

	for (p = copy + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST) {
			rc = pt_err_set(err, EX_CANTCREAT,
					"cannot create %s: %s", copy,
					strerror(errno));
			break;
		}
		if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode)) {
			rc = pt_err_set(err, EX_CANTCREAT, "%s is not a folder",
					copy);
			break;
		}
		*p = c;
		if (c == '\0')
			break;
	}
	free(copy);
	return rc;
}

/* True when `dir` exists and is the current folder or one of its
 * ancestors: the atomic swap would pull the ground from under the caller. */
static bool
contains_cwd(const char *dir)
{
	char *d = realpath(dir, NULL), *cwd = realpath(".", NULL);
	bool r = false;

	if (d != NULL && cwd != NULL) {
		size_t n = strlen(d);

		r = strncmp(cwd, d, n) == 0 &&
		    (cwd[n] == '\0' || cwd[n] == '/' || n == 1);
	}
	free(d);
	free(cwd);
	return r;
}

int
outdir_precheck(const char *dir, bool force, struct pt_err *err)
{
	char *parent = parent_of(dir);
	struct stat st;
	int state;

	/* A missing parent is created when the report is written; whatever
	 * part of it exists must be a folder. */
	while (stat(parent, &st) < 0 && errno == ENOENT &&
	       strcmp(parent, ".") != 0 && strcmp(parent, "/") != 0) {
		char *up = parent_of(parent);

		free(parent);
		parent = up;
	}
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pt_err_set(err, EX_CANTCREAT, "%s: %s is not a folder", dir,
			   parent);
		free(parent);
		return -1;
	}
	free(parent);
	if (contains_cwd(dir))
		return pt_err_set(
		    err, EX_CANTCREAT,
		    "%s: the report folder cannot be the current "
		    "folder or one around it (it is replaced as a "
		    "whole); hint: choose a subfolder for --out",
		    dir);
	state = dir_state(dir, err);
	if (state < 0)
		return -1;
	if (state == 2 && !force)
		return pt_err_set(err, EX_CANTCREAT,
				  "%s: folder exists and is not empty; hint: "
				  "choose another --out or add --force",
				  dir);
	if (state == 2)
		return refuse_non_report(dir, err);
	return 0;
}

static int
write_file(int dirfd, const char *name, const struct sbuf *data,
	   struct pt_err *err)
{
	int fd =
	    openat(dirfd, name,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd < 0)
		return pt_err_set(err, write_errcode(errno), "%s: %s", name,
				  strerror(errno));
	/* The mode is ours, whatever the umask. */
	if (fchmod(fd, 0644) < 0 ||
	    pt_write_all(fd, data->buf != NULL ? data->buf : "", data->len) <
		0 ||
	    fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return pt_err_set(err, EX_IOERR, "writing %s: %s", name,
				  strerror(e));
	}
	if (close(fd) < 0)
		return pt_err_set(err, EX_IOERR, "writing %s: %s", name,
				  strerror(errno));
	return 0;
}

/* Remove a report folder we created (two levels at most). */
static void
remove_tree(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			char *sub;
			struct stat st;

			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sub = xasprintf("%s/%s", path, de->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				remove_tree(sub);
			else
				unlink(sub);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/*
 * A run killed before its rename leaves its temporary folder behind (the
 * report folder itself is untouched).  Remove such leftovers: folders with
 * our prefix whose creating process no longer exists.  A folder of a live
 * run (or of a reused pid) is left alone.
 */
static void
remove_stale_temps(const char *parent)
{
	struct dirent *de;
	DIR *d = opendir(parent);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *p = de->d_name;
		char *end = NULL, *path;
		struct stat st;
		long pid;

		if (strncmp(p, TEMP_PREFIX, strlen(TEMP_PREFIX)) != 0)
			continue;
		pid = strtol(p + strlen(TEMP_PREFIX), &end, 10);
		if (end == NULL || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", parent, p);
		/* Never follow a symlink out of the parent. */
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		free(path);
	}
	closedir(d);
}

static int
fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int
name_cmp(const void *x, const void *y)
{
	const struct outfile *const *a = x, *const *b = y;

	return strcmp((*a)->name, (*b)->name);
}

void
outdir_sums(const struct outset *set, struct sbuf *sums)
{
	const struct outfile **sorted = xcalloc(set->n + 1, sizeof(*sorted));
	size_t i, n = 0;

	for (i = 0; i < set->n; i++)
		if (set->v[i].in_sums)
			sorted[n++] = &set->v[i];
	qsort(sorted, n, sizeof(*sorted), name_cmp);
	for (i = 0; i < n; i++) {
		char hex[PT_SHA256_HEX];

		pt_sha256_hex(sorted[i]->data.buf != NULL ? sorted[i]->data.buf
							  : "",
			      sorted[i]->data.len, hex);
		sbuf_printf(sums, "%s  %s\n", hex, sorted[i]->name);
	}
	free(sorted);
}

static int
commit_set(const char *dir, bool force, const struct outset *set,
	   bool write_sums, struct pt_err *err)
{
	char *parent = parent_of(dir), *tmp = NULL;
	struct sbuf sums = SBUF_INIT;
	int tfd = -1, state, rc = -1;
	bool tmp_attempted = false;
	size_t i;

	if (make_folders(parent, err) < 0)
		goto out;
	state = dir_state(dir, err);
	if (state < 0)
		goto out;
	if (state == 2 && !force) {
		pt_err_set(err, EX_CANTCREAT,
			   "%s: folder exists and is not "
			   "empty; hint: add --force",
			   dir);
		goto out;
	}
	if (state == 2 && refuse_non_report(dir, err) < 0)
		goto out;
	remove_stale_temps(parent);
	tmp_attempted = true;
	tmp = xasprintf("%s/" TEMP_PREFIX "%ld-XXXXXX", parent, (long)getpid());
	if (mkdtemp(tmp) == NULL) {
		pt_err_set(err, write_errcode(errno),
			   "cannot create a folder "
			   "in %s: %s",
			   parent, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	if (chmod(tmp, 0755) < 0 ||
	    (tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		pt_err_set(err, EX_CANTCREAT, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	for (i = 0; i < set->n; i++) {
		const char *slash = strchr(set->v[i].name, '/');

		if (slash != NULL) {
			char *sub = xstrndup(set->v[i].name,
					     (size_t)(slash - set->v[i].name));

			if (mkdirat(tfd, sub, 0755) < 0 && errno != EEXIST) {
				pt_err_set(err, write_errcode(errno), "%s: %s",
					   sub, strerror(errno));
				free(sub);
				goto fail;
			}
			if (fchmodat(tfd, sub, 0755, 0) < 0) {
				pt_err_set(err, EX_IOERR, "%s: %s", sub,
					   strerror(errno));
				free(sub);
				goto fail;
			}
			free(sub);
		}
		if (write_file(tfd, set->v[i].name, &set->v[i].data, err) < 0)
			goto fail;
	}
	if (write_sums) {
		outdir_sums(set, &sums);
		if (write_file(tfd, "SHA256SUMS", &sums, err) < 0)
			goto fail;
	}
	if (fsync_path(tmp) < 0 && errno != EINVAL) {
		pt_err_set(err, EX_IOERR, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (state == 1) {
		if (rename(tmp, dir) < 0) {
			pt_err_set(err, write_errcode(errno), "%s: %s", dir,
				   strerror(errno));
			goto fail;
		}
	} else {
		/* Swap atomically, then remove the old contents. */
		if (syscall(SYS_renameat2, AT_FDCWD, tmp, AT_FDCWD, dir,
			    RENAME_EXCHANGE) < 0) {
			pt_err_set(err, write_errcode(errno), "%s: %s", dir,
				   strerror(errno));
			goto fail;
		}
		remove_tree(tmp);
	}
	(void)fsync_path(parent);
	rc = 0;
	goto out;
fail:
	remove_tree(tmp);
out:
	if (rc < 0 && tmp_attempted) {
		char cause[sizeof(err->msg)];

		snprintf(cause, sizeof(cause), "%s", err->msg);
		pt_err_set(err, err->code,
			   "%s%s was not written (%s); nothing there was "
			   "changed",
			   write_sums ? "the report at " : "", dir, cause);
	}
	if (tfd >= 0)
		close(tfd);
	free(tmp);
	free(parent);
	sbuf_free(&sums);
	return rc;
}

int
outdir_commit(const char *dir, bool force, const struct outset *set,
	      struct pt_err *err)
{
	return commit_set(dir, force, set, true, err);
}

int
outdir_commit_files(const char *dir, const struct outset *set,
		    struct pt_err *err)
{
	return commit_set(dir, false, set, false, err);
}

int
outdir_read(int dfd, const char *name, size_t max, struct sbuf *out)
{
	char buf[65536];
	struct stat st;
	int fd =
	    openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		sbuf_add(out, buf, (size_t)n);
		if (out->len > max) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	return 0;
}
