/*
 * intake.c - bundle intake.  Folder bundles are walked with openat and
 * O_NOFOLLOW, never modified; each regular file is copied into a sealed
 * memfd while it is hashed, so later readers see exactly the hashed bytes.
 * Archive formats come with the intake issue; until then they are refused
 * by name.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "intake.h"

struct walk {
	const struct profile_bundle *lim;
	struct bundle *b;
	struct intake_problems *problems;
	uint64_t total;
	size_t entries;
};

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int
file_cmp(const void *x, const void *y)
{
	const struct bundle_file *a = x, *b = y;

	return strcmp(a->path, b->path);
}

static bool
name_ok(const char *name, const char **why)
{
	const unsigned char *p;
	size_t n = strlen(name);

	if (!pt_utf8_valid(name, n)) {
		*why = "name is not valid UTF-8";
		return false;
	}
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			*why = "name contains control characters";
			return false;
		}
		if (*p == '\\') {
			*why = "name contains a backslash";
			return false;
		}
	}
	return true;
}

/* Copy `fd` into a new sealed memfd, hashing on the way. */
static int
copy_sealed(int fd, const char *path, uint64_t max, struct bundle_file *f,
	    struct walk *w, struct pt_err *err)
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char buf[1 << 16];
	uint64_t size = 0;
	int mfd;

	mfd = memfd_create("proeftuin-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pt_err_set(err, EX_OSERR, "memfd_create: %s",
				  strerror(errno));
	sha256_init(&ctx);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(mfd);
			return pt_err_set(err, EX_IOERR, "%s: %s", path,
					  strerror(errno));
		}
		if (n == 0)
			break;
		size += (uint64_t)n;
		if (size > max ||
		    w->total + size > (uint64_t)w->lim->max_bytes) {
			close(mfd);
			intake_problem_add(
			    w->problems, path,
			    size > max ? "file larger than %lld bytes"
				       : "bundle larger than %lld bytes",
			    (long long)(size > max ? (int64_t)max
						   : w->lim->max_bytes));
			return 1;
		}
		sha256_update(&ctx, (size_t)n, (const uint8_t *)buf);
		if (pt_write_all(mfd, buf, (size_t)n) < 0) {
			close(mfd);
			return pt_err_set(err, EX_OSERR, "memfd write: %s",
					  strerror(errno));
		}
	}
	if (fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) <
	    0) {
		close(mfd);
		return pt_err_set(err, EX_OSERR, "sealing memfd: %s",
				  strerror(errno));
	}
	sha256_digest(&ctx, sizeof(d), d);
	pt_hex(d, sizeof(d), f->sha256);
	f->size = size;
	f->fd = mfd;
	w->total += size;
	return 0;
}

static int walk_dir(int dirfd, const char *prefix, int depth, struct walk *w,
		    struct pt_err *err);

static int
take_entry(int dirfd, const char *name, const char *rel, int depth,
	   struct walk *w, struct pt_err *err)
{
	struct bundle_file f;
	struct stat st;
	const char *why;
	int fd, rc;

	if (!name_ok(name, &why)) {
		intake_problem_add(w->problems, rel, "%s", why);
		return 0;
	}
	if (strlen(rel) > (size_t)w->lim->max_path) {
		intake_problem_add(w->problems, rel,
				   "path longer than %lld bytes",
				   (long long)w->lim->max_path);
		return 0;
	}
	if (++w->entries > (size_t)w->lim->max_entries) {
		intake_problem_add(w->problems, rel, "more than %lld entries",
				   (long long)w->lim->max_entries);
		return 1;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", rel,
				  strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		intake_problem_add(w->problems, rel,
				   "symbolic links are not "
				   "allowed");
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (depth + 1 > w->lim->max_depth) {
			intake_problem_add(w->problems, rel,
					   "deeper than %lld levels",
					   (long long)w->lim->max_depth);
			return 0;
		}
		fd = openat(dirfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pt_err_set(err, EX_IOERR, "%s: %s", rel,
					  strerror(errno));
		rc = walk_dir(fd, rel, depth + 1, w, err);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		intake_problem_add(w->problems, rel, "%s are not allowed",
				   S_ISFIFO(st.st_mode)	  ? "FIFOs"
				   : S_ISSOCK(st.st_mode) ? "sockets"
							  : "device nodes");
		return 0;
	}
	/* O_NONBLOCK: if the file was swapped for a FIFO after fstatat, the
	 * open must not hang; the fstat below then refuses it. */
	fd =
	    openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", rel,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		intake_problem_add(w->problems, rel, "changed while reading");
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.fd = -1;
	rc = copy_sealed(fd, rel, (uint64_t)w->lim->max_file_bytes, &f, w, err);
	close(fd);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	f.path = xstrdup(rel);
	w->b->files =
	    xreallocarray(w->b->files, w->b->nfiles + 1, sizeof(*w->b->files));
	w->b->files[w->b->nfiles++] = f;
	return 0;
}

/* Walk a directory in sorted order, so problems are reported the same way
 * whatever order the file system returns entries in. */
static int
walk_dir(int dirfd, const char *prefix, int depth, struct walk *w,
	 struct pt_err *err)
{
	int dfd = dup(dirfd);
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	DIR *dir;
	int rc = 0;

	if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		return pt_err_set(err, EX_IOERR, "%s: %s",
				  *prefix ? prefix : ".", strerror(errno));
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), str_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		char *rel = *prefix ? xasprintf("%s/%s", prefix, names[i])
				    : xstrdup(names[i]);

		rc = take_entry(dirfd, names[i], rel, depth, w, err);
		free(rel);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static const char *
archive_kind(const char *path)
{
	static const char *const kinds[] = { ".tar.gz", ".tgz", ".tar.zst",
					     ".tar", ".zip" };
	size_t i, n = strlen(path);

	for (i = 0; i < PT_ARRAY_LEN(kinds); i++) {
		size_t k = strlen(kinds[i]);

		if (n > k && strcmp(path + n - k, kinds[i]) == 0)
			return kinds[i] + 1;
	}
	return NULL;
}

int
intake_open(const char *path, const struct profile_bundle *limits,
	    struct bundle *b, struct intake_problems *problems,
	    struct pt_err *err)
{
	struct walk w = { limits, b, problems, 0, 0 };
	struct stat st;
	int fd, rc;

	memset(b, 0, sizeof(*b));
	if (lstat(path, &st) < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
				  "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		const char *kind = archive_kind(path);

		if (kind != NULL)
			return pt_err_set(
			    err, EX_DATAERR,
			    "%s: %s bundles are not supported yet; "
			    "hint: unpack it and pass the folder",
			    path, kind);
		return pt_err_set(err, EX_DATAERR,
				  "%s: not a folder or a .tar, .tar.gz, .tgz, "
				  ".tar.zst or .zip bundle",
				  path);
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pt_err_set(err, EX_NOINPUT, "%s: %s", path,
				  strerror(errno));
	b->format = xstrdup("folder");
	rc = walk_dir(fd, "", 0, &w, err);
	close(fd);
	if (rc < 0) {
		bundle_fini(b);
		return -1;
	}
	qsort(b->files, b->nfiles, sizeof(*b->files), file_cmp);
	bundle_compute_digest(b);
	return problems->n > 0 ? 1 : 0;
}
