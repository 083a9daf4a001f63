/* pack.c - deterministic bundle archives; see pack.h. */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "archive_lib.h"
#include "intake.h"
#include "pack.h"

static const struct archive_lib *al;

const struct profile_bundle pack_default_limits = {
	.max_bytes = 1LL << 30,
	.max_entries = 10000,
	.max_file_bytes = 512LL << 20,
	.max_ratio = 200,
	.max_depth = 16,
	.max_path = 255,
};

static int
arc_err(struct archive *a, const char *what, struct pt_err *err)
{
	const char *msg = al->archive_error_string(a);

	return pt_err_set(err, EX_IOERR, "%s: %s", what,
			  msg != NULL ? msg : "libarchive failed");
}

static int
write_header(struct archive *a, const char *path, bool dir, uint64_t size,
	     long long mtime, struct pt_err *err)
{
	struct archive_entry *e = al->archive_entry_new();
	int r;

	if (e == NULL)
		pt_oom();
	al->archive_entry_set_pathname(e, path);
	al->archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
	al->archive_entry_set_perm(e, dir ? 0755 : 0644);
	al->archive_entry_set_size(e, dir ? 0 : (la_int64_t)size);
	al->archive_entry_set_mtime(e, (time_t)mtime, 0);
	al->archive_entry_set_uid(e, 0);
	al->archive_entry_set_gid(e, 0);
	r = al->archive_write_header(a, e);
	al->archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return arc_err(a, path, err);
	return 0;
}

/* Emit the folders above `path` that `done` (the previous file's path)
 * did not already have. */
static int
write_parents(struct archive *a, const char *path, const char *done,
	      long long mtime, struct pt_err *err)
{
	const char *slash;

	for (slash = strchr(path, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - path) + 1;
		char *dir;
		int rc;

		if (done != NULL && strncmp(done, path, n) == 0)
			continue;
		dir = xstrndup(path, n);
		rc = write_header(a, dir, true, 0, mtime, err);
		free(dir);
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct archive_chunk {
	struct archive *a;
	const char *path;
};

static int
write_chunk(void *arg, const void *p, size_t n, struct pt_err *err)
{
	struct archive_chunk *c = arg;

	if (al->archive_write_data(c->a, p, n) != (la_ssize_t)n)
		return arc_err(c->a, c->path, err);
	return 0;
}

static int
write_data(struct archive *a, const struct pack_entry *f, struct pt_err *err)
{
	struct archive_chunk c = { a, f->path };
	uint64_t got = 0;

	if (f->data != NULL) {
		if (f->size > 0 &&
		    al->archive_write_data(a, f->data, (size_t)f->size) !=
			(la_ssize_t)f->size)
			return arc_err(a, f->path, err);
		return 0;
	}
	if (pt_pread_all(f->fd, f->path, write_chunk, &c, &got, err) < 0)
		return -1;
	if (got != f->size)
		return pt_err_set(err, EX_SOFTWARE, "%s: size changed",
				  f->path);
	return 0;
}

static int
set_filter(struct archive *a, enum pack_filter filter)
{
	/* Compression levels fixed, gzip without its timestamp and name,
	 * zstd without a checksum flag that could differ by version. */
	if (filter == PACK_ZSTD)
		return al->archive_write_add_filter_zstd(a) == ARCHIVE_OK &&
			       al->archive_write_set_options(
				   a, "zstd:compression-level=19") == ARCHIVE_OK
			   ? 0
			   : -1;
	return al->archive_write_add_filter_gzip(a) == ARCHIVE_OK &&
		       al->archive_write_set_options(
			   a, "gzip:!timestamp,"
			      "gzip:compression-level=9") == ARCHIVE_OK
		   ? 0
		   : -1;
}

static int
write_archive(const struct pack_entry *v, size_t n, enum pack_filter filter,
	      int fd, long long mtime, struct pt_err *err)
{
	struct archive *a = al->archive_write_new();
	const char *prev = NULL;
	size_t i;
	int rc = -1;

	if (a == NULL)
		pt_oom();
	/* pax restricted: plain ustar headers unless a name needs more. */
	if (al->archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    set_filter(a, filter) < 0 ||
	    al->archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    al->archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		arc_err(a, "cannot set up the archive writer", err);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (write_parents(a, v[i].path, prev, mtime, err) < 0 ||
		    write_header(a, v[i].path, false, v[i].size, mtime, err) <
			0 ||
		    write_data(a, &v[i], err) < 0)
			goto out;
		prev = v[i].path;
	}
	if (al->archive_write_close(a) != ARCHIVE_OK) {
		arc_err(a, "finishing the archive", err);
		goto out;
	}
	rc = 0;
out:
	al->archive_write_free(a);
	return rc;
}

/* Write through a temporary file next to `out`, then move it in place;
 * without `force`, link() refuses to replace a file that appeared in the
 * meantime. */
static int
write_out(const struct pack_entry *v, size_t n, enum pack_filter filter,
	  const char *out, bool force, long long mtime, struct pt_err *err)
{
	char *tmp = xasprintf("%s.XXXXXX", out);
	mode_t mask;
	int fd, rc;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = pt_err_set(err, EX_CANTCREAT, "%s: %s", out,
				strerror(errno));
		free(tmp);
		return rc;
	}
	mask = umask(0);
	umask(mask);
	rc = write_archive(v, n, filter, fd, mtime, err);
	if (rc == 0 && (fchmod(fd, 0644 & ~mask) < 0 || fsync(fd) < 0))
		rc = pt_err_set(err, EX_IOERR, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = pt_err_set(err, EX_IOERR, "%s: %s", tmp, strerror(errno));
	if (rc == 0) {
		if (force) {
			if (rename(tmp, out) < 0)
				rc = pt_err_set(err, EX_CANTCREAT, "%s: %s",
						out, strerror(errno));
		} else if (link(tmp, out) < 0) {
			rc = pt_err_set(err, EX_CANTCREAT,
					errno == EEXIST
					    ? "%s: %s; hint: use --force to "
					      "replace it"
					    : "%s: %s",
					out, strerror(errno));
		}
	}
	unlink(tmp);
	free(tmp);
	return rc;
}

/* Names are UTF-8 (checked by the caller); let libarchive treat them so
 * when it writes pax path records. */
static int
write_utf8(const struct pack_entry *v, size_t n, enum pack_filter filter,
	   const char *out, bool force, long long mtime, struct pt_err *err)
{
	locale_t utf8, old;
	int rc;

	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8 == (locale_t)0)
		return pt_err_set(err, EX_OSERR,
				  "cannot load the C.UTF-8 locale");
	old = uselocale(utf8);
	rc = write_out(v, n, filter, out, force, mtime, err);
	uselocale(old);
	freelocale(utf8);
	return rc;
}

int
pack_entries(const struct pack_entry *v, size_t n, enum pack_filter filter,
	     const char *out, bool force, long long mtime, struct pt_err *err)
{
	struct stat st;

	al = archive_lib_load(err);
	if (al == NULL)
		return -1;
	if (!force && lstat(out, &st) == 0)
		return pt_err_set(err, EX_CANTCREAT,
				  "%s exists; hint: use --force to replace it",
				  out);
	return write_utf8(v, n, filter, out, force, mtime, err);
}

int
pack_folder(const char *dir, const char *out, bool force, long long mtime,
	    struct intake_problems *problems, char digest[PT_SHA256_HEX],
	    struct pt_err *err)
{
	struct pack_entry *entries;
	struct bundle b;
	struct stat st;
	size_t i;
	int rc;

	if (stat(dir, &st) < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
				  "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return pt_err_set(err, EX_USAGE, "%s: not a folder", dir);
	al = archive_lib_load(err);
	if (al == NULL)
		return -1;
	if (!force && lstat(out, &st) == 0)
		return pt_err_set(err, EX_CANTCREAT,
				  "%s exists; hint: use --force to replace it",
				  out);
	rc = intake_open(dir, &pack_default_limits, &b, problems, err);
	if (rc != 0) {
		if (rc > 0)
			bundle_fini(&b);
		return rc;
	}
	entries = xcalloc(b.nfiles + 1, sizeof(*entries));
	for (i = 0; i < b.nfiles; i++) {
		entries[i].path = b.files[i].path;
		entries[i].fd = b.files[i].fd;
		entries[i].size = b.files[i].size;
	}
	rc = write_utf8(entries, b.nfiles, PACK_GZIP, out, force, mtime, err);
	free(entries);
	memcpy(digest, b.digest, PT_SHA256_HEX);
	bundle_fini(&b);
	return rc;
}
