/*
 * intake.c - bundle intake: a folder or an archive becomes a struct bundle
 * whose files are sealed memfds holding exactly the bytes that were hashed.
 *
 * Folders are walked with openat(O_NOFOLLOW) one component at a time below
 * a directory descriptor (each open names a single component, so no symlink
 * can be followed and nothing resolves outside the folder, the guarantee
 * openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS gives), and never modified.
 *
 * Archives are parsed only in a sandboxed child (unpack.c) that streams the
 * entries over a pipe; the parent checks them (receive.c).  Nothing is ever
 * extracted to disk: there is no extraction folder to race, to clean up or
 * to escape from.  Both paths apply the same name rules (pathcheck.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "archive_lib.h"
#include "intake.h"
#include "pathcheck.h"
#include "receive.h"
#include "sandbox.h"
#include "unpack.h"

#if defined(__SANITIZE_ADDRESS__)
#define INTAKE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define INTAKE_ASAN 1
#endif
#endif

struct walk {
	const struct profile_bundle *lim;
	struct bundle *b;
	struct intake_problems *problems;
	struct pathset *seen;
	uint64_t total;
	uint64_t entries;
};

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
problem(struct walk *w, const char *rel, const char *why)
{
	char *shown = receive_display_name(rel, strlen(rel));

	intake_problem_add(w->problems, shown, "%s", why);
	free(shown);
}

/* Copy `fd` into a sealed memfd, hashing on the way.  1 when a limit was
 * passed (a problem was recorded). */
static int
copy_sealed(int fd, const char *rel, struct bundle_file *f, struct walk *w,
	    struct pt_err *err)
{
	struct bundle_sink s;
	char buf[1 << 16];
	char why[128];

	if (bundle_sink_open(&s, err) < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			bundle_sink_abort(&s);
			return pt_err_set(err, EX_IOERR, "%s: %s", rel,
					  strerror(errno));
		}
		if (n == 0)
			break;
		if (s.size + (uint64_t)n > (uint64_t)w->lim->max_file_bytes ||
		    w->total + s.size + (uint64_t)n >
			(uint64_t)w->lim->max_bytes) {
			bool file = s.size + (uint64_t)n >
				    (uint64_t)w->lim->max_file_bytes;

			snprintf(why, sizeof(why), "%s larger than %lld bytes",
				 file ? "file" : "bundle",
				 (long long)(file ? w->lim->max_file_bytes
						  : w->lim->max_bytes));
			problem(w, rel, why);
			bundle_sink_abort(&s);
			return 1;
		}
		if (bundle_sink_write(&s, buf, (size_t)n, err) < 0) {
			bundle_sink_abort(&s);
			return -1;
		}
	}
	if (bundle_sink_close(&s, f, err) < 0)
		return -1;
	w->total += f->size;
	return 0;
}

static int walk_dir(int dirfd, const char *prefix, struct walk *w,
		    struct pt_err *err);

/* Check one folder entry by name and type, then take it in (files) or
 * walk it (folders).  Problems are recorded; -1 only for system errors. */
static int
take_entry(int dirfd, const char *name, const char *rel, struct walk *w,
	   struct pt_err *err)
{
	struct bundle_file f;
	struct stat st;
	const char *why;
	char buf[256];
	int fd, rc;

	if (++w->entries > (uint64_t)w->lim->max_entries) {
		snprintf(buf, sizeof(buf), "more than %lld entries",
			 (long long)w->lim->max_entries);
		problem(w, rel, buf);
		return 1;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", rel,
				  strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		problem(w, rel, "symbolic links are not allowed");
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		problem(w, rel,
			S_ISFIFO(st.st_mode) ? "FIFOs are not allowed"
			: S_ISSOCK(st.st_mode)
			    ? "sockets are not allowed"
			    : "device nodes are not allowed");
		return 0;
	}
	why = pathcheck_name(rel, strlen(rel), S_ISDIR(st.st_mode),
			     w->lim->max_path, w->lim->max_depth, buf,
			     sizeof(buf));
	if (why == NULL)
		why = pathset_add(w->seen, rel, S_ISDIR(st.st_mode), buf,
				  sizeof(buf));
	if (why != NULL) {
		problem(w, rel, why);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		fd = openat(dirfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pt_err_set(err, EX_IOERR, "%s: %s", rel,
					  strerror(errno));
		rc = walk_dir(fd, rel, w, err);
		close(fd);
		return rc;
	}
	/* O_NONBLOCK: if the file was swapped for a FIFO after fstatat, the
	 * open must not hang; the fstat below then refuses it. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return pt_err_set(err, EX_IOERR, "%s: %s", rel,
				  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		problem(w, rel, "changed while reading");
		return 0;
	}
	memset(&f, 0, sizeof(f));
	f.fd = -1;
	rc = copy_sealed(fd, rel, &f, w, err);
	close(fd);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	bundle_add(w->b, xstrdup(rel), &f);
	return 0;
}

/* Walk a directory in sorted order, so problems are reported the same way
 * whatever order the file system returns entries in.  1 when a limit
 * stopped the walk. */
static int
walk_dir(int dirfd, const char *prefix, struct walk *w, struct pt_err *err)
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
		/* A folder bigger than the entry cap is refused without
		 * reading all of it. */
		if (n > (size_t)w->lim->max_entries)
			break;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dir);
	qsort(names, n, sizeof(*names), str_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		char *rel = *prefix ? xasprintf("%s/%s", prefix, names[i])
				    : xstrdup(names[i]);

		rc = take_entry(dirfd, names[i], rel, w, err);
		free(rel);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
intake_folder(const char *path, const struct profile_bundle *limits,
	      struct bundle *b, struct intake_problems *problems,
	      struct pt_err *err)
{
	struct walk w = { limits, b, problems, pathset_new(), 0, 0 };
	int fd, rc;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pathset_free(w.seen);
		return pt_err_set(err, EX_NOINPUT, "%s: %s", path,
				  strerror(errno));
	}
	b->format = xstrdup("folder");
	rc = walk_dir(fd, "", &w, err);
	close(fd);
	pathset_free(w.seen);
	return rc < 0 ? -1 : 0;
}

/* The kind of archive the name promises, or -1. */
static int
kind_by_name(const char *path)
{
	static const struct {
		const char *suffix;
		enum bundle_kind kind;
	} kinds[] = {
		{ ".tar.gz", BUNDLE_TAR_GZ },	{ ".tgz", BUNDLE_TAR_GZ },
		{ ".tar.zst", BUNDLE_TAR_ZST }, { ".tar", BUNDLE_TAR },
		{ ".zip", BUNDLE_ZIP },
	};
	size_t i, n = strlen(path);

	for (i = 0; i < PT_ARRAY_LEN(kinds); i++) {
		size_t k = strlen(kinds[i].suffix);

		if (n > k && strcmp(path + n - k, kinds[i].suffix) == 0)
			return (int)kinds[i].kind;
	}
	return -1;
}

/* What the first bytes say the file is, in words. */
static const char *
sniff(const unsigned char *h, size_t n, int *kind)
{
	*kind = -1;
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		*kind = BUNDLE_TAR_GZ;
		return "a gzip stream";
	}
	if (n >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0) {
		*kind = BUNDLE_TAR_ZST;
		return "a zstd stream";
	}
	if (n >= 4 &&
	    (memcmp(h, "PK\3\4", 4) == 0 || memcmp(h, "PK\5\6", 4) == 0)) {
		*kind = BUNDLE_ZIP;
		return "a zip archive";
	}
	if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0) {
		*kind = BUNDLE_TAR;
		return "a tar archive";
	}
	if (n >= 6 && memcmp(h,
			     "\xfd"
			     "7zXZ",
			     5) == 0)
		return "an xz stream";
	if (n >= 3 && memcmp(h, "BZh", 3) == 0)
		return "a bzip2 stream";
	if (n >= 6 && memcmp(h, "7z\xbc\xaf\x27\x1c", 6) == 0)
		return "a 7z archive";
	if (n >= 4 && memcmp(h, "Rar!", 4) == 0)
		return "a RAR archive";
	return "not a supported archive";
}

struct child_arg {
	int archive_fd;
	int pipe_fd;
	/* The same two descriptors as the jailed child numbers them. */
	int child_archive_fd;
	int child_pipe_fd;
	enum bundle_kind kind;
	locale_t utf8;
	const char *tz;
};

static int
emit_pipe(void *arg, const void *p, size_t n)
{
	return pt_write_all(*(int *)arg, p, n);
}

/* The sandboxed child: nothing but libarchive on the kept descriptors.
 * The UTF-8 locale was loaded by the parent (the child cannot open
 * files); libarchive needs it to hand over UTF-8 names of zip and pax
 * entries unchanged instead of converting them to ASCII. */
static int
unpack_child(void *arg, int chan_fd)
{
	struct child_arg *a = arg;

	(void)chan_fd;
	uselocale(a->utf8);
	/* glibc re-reads the zone file on every localtime() unless TZ is set
	 * to the value it last loaded (the parent's tzset()); setting it
	 * here keeps the zip reader's DOS-time conversion off the file
	 * system, which the jailed child does not have. */
	if (setenv("TZ", a->tz, 1) < 0)
		return 1;
	return unpack_stream(a->child_archive_fd, a->kind, emit_pipe,
			     &a->child_pipe_fd) < 0
		   ? 1
		   : 0;
}

struct watch_arg {
	struct receiver *r;
	int *child_end;
};

/* Service the pipe while the child runs.  Once the child has greeted us,
 * the parent's copy of the write end is closed so that the child's exit
 * shows up as end of file. */
static int
watch_pipe(void *arg, int fd)
{
	struct watch_arg *w = arg;
	int rc = receiver_read(w->r, fd);

	if (w->r->hello && *w->child_end >= 0) {
		close(*w->child_end);
		*w->child_end = -1;
	}
	return rc;
}

#define INTAKE_WALL_MS (120 * 1000)
#define INTAKE_CPU_SECONDS 60
#define INTAKE_ADDRESS_SPACE (768ull << 20)

static int
run_unpacker(struct child_arg *ca, struct receiver *r, struct pt_err *err)
{
	struct sbx_policy *pol;
	struct watch_arg wa = { r, &ca->pipe_fd };
	struct sbx_result res;
	int pipefd[2], rc;

	/* The child cannot open files: libarchive must be mapped first. */
	if (archive_lib_load(err) == NULL)
		return -1;
	pol = sbx_policy_new();
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		sbx_policy_free(pol);
		return pt_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	}
	/* Bigger pipe, fewer wake-ups; a failure only costs speed. */
	(void)fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	ca->pipe_fd = pipefd[1];
	sbx_policy_set_allowlist(pol, SBX_ALLOW_INTAKE);
	sbx_policy_set_wall_ms(pol, INTAKE_WALL_MS);
	sbx_policy_set_cpu_seconds(pol, INTAKE_CPU_SECONDS);
#ifdef INTAKE_ASAN
	/* ASan reserves terabytes of shadow memory before main(); any cap
	 * on the address space would fail every later mapping. */
	sbx_policy_set_address_space(pol, UINT64_MAX);
#else
	sbx_policy_set_address_space(pol, INTAKE_ADDRESS_SPACE);
#endif
	sbx_policy_set_channel_cap(pol, 64 * 1024);
	sbx_policy_set_log_cap(pol, 64 * 1024);
	sbx_policy_set_watch(pol, pipefd[0], watch_pipe, &wa);
	ca->child_archive_fd = sbx_policy_keep_fd(pol, ca->archive_fd, err);
	ca->child_pipe_fd = sbx_policy_keep_fd(pol, pipefd[1], err);
	if (ca->child_archive_fd < 0 || ca->child_pipe_fd < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		sbx_policy_free(pol);
		return -1;
	}
	rc = sbx_run(pol, &(struct sbx_payload){ NULL, unpack_child, ca }, &res,
		     err);
	if (ca->pipe_fd >= 0)
		close(ca->pipe_fd);
	ca->pipe_fd = -1;
	/* Whatever is still in the pipe. */
	if (rc == 0 && !r->done && !r->stopped && !r->failed)
		(void)receiver_read(r, pipefd[0]);
	close(pipefd[0]);
	sbx_policy_free(pol);
	if (rc < 0)
		return -1;
	if (r->failed) {
		*err = r->err;
		sbx_result_fini(&res);
		return -1;
	}
	if (!r->done && !r->stopped) {
		if (res.end == SBX_SETUP_FAILED)
			rc = pt_err_set(err, EX_OSERR,
					"cannot set up the unpacker sandbox");
		else
			intake_problem_add(
			    r->problems, r->in_entry ? r->name : "",
			    "the unpacker stopped before the end of the "
			    "archive (%s)",
			    res.end == SBX_TIMEOUT     ? "took too long"
			    : res.end == SBX_CPU_LIMIT ? "CPU limit"
			    : res.term_signal != 0     ? "killed by a signal"
						       : "no end record");
	}
	sbx_result_fini(&res);
	return rc;
}

static int
intake_archive(const char *path, enum bundle_kind kind,
	       const struct profile_bundle *limits, struct bundle *b,
	       struct intake_problems *problems, struct pt_err *err)
{
	struct child_arg ca = { -1, -1, -1, -1, kind, (locale_t)0, NULL };
	unsigned char head[512];
	struct receiver r;
	const char *what;
	struct stat st;
	ssize_t n;
	int found, rc;

	ca.archive_fd =
	    open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (ca.archive_fd < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
				  "%s: %s", path, strerror(errno));
	if (fstat(ca.archive_fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(ca.archive_fd);
		return pt_err_set(err, EX_DATAERR,
				  "%s: not a regular file or a folder", path);
	}
	n = pread(ca.archive_fd, head, sizeof(head), 0);
	what = sniff(head, n > 0 ? (size_t)n : 0, &found);
	if (found != (int)kind) {
		close(ca.archive_fd);
		return pt_err_set(err, EX_DATAERR,
				  "%s: the name says %s but the content is %s; "
				  "hint: name the file after its content",
				  path, bundle_kind_name(kind), what);
	}
	/* What the child cannot do once it is jailed: load the UTF-8 locale
	 * and the time zone (the zip reader converts DOS times). */
	ca.utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (ca.utf8 == (locale_t)0) {
		close(ca.archive_fd);
		return pt_err_set(err, EX_OSERR,
				  "cannot load the C.UTF-8 locale the unpacker "
				  "needs");
	}
	tzset();
	ca.tz = getenv("TZ") != NULL ? getenv("TZ") : "/etc/localtime";
	b->format = xstrdup(bundle_kind_name(kind));
	receiver_init(&r, kind, limits, (uint64_t)st.st_size, b, problems);
	rc = run_unpacker(&ca, &r, err);
	receiver_fini(&r);
	freelocale(ca.utf8);
	close(ca.archive_fd);
	return rc;
}

/* Every accepted file is held as an open memfd until the run ends, so a
 * bundle of up to max_entries files needs that many descriptors; lift the
 * soft limit to the hard one (desktops default to a soft 1024).  If even
 * the hard limit is too low, memfd_create fails and says so. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
intake_open(const char *path, const struct profile_bundle *limits,
	    struct bundle *b, struct intake_problems *problems,
	    struct pt_err *err)
{
	struct stat st;
	int kind, rc;

	memset(b, 0, sizeof(*b));
	raise_nofile();
	if (stat(path, &st) < 0)
		return pt_err_set(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
				  "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		rc = intake_folder(path, limits, b, problems, err);
	} else {
		kind = kind_by_name(path);
		if (kind < 0)
			return pt_err_set(
			    err, EX_DATAERR,
			    "%s: not a folder or a .tar, .tar.gz, .tgz, "
			    ".tar.zst or .zip bundle",
			    path);
		rc = intake_archive(path, (enum bundle_kind)kind, limits, b,
				    problems, err);
	}
	if (rc < 0) {
		bundle_fini(b);
		return -1;
	}
	bundle_finish(b);
	return problems->n > 0 ? 1 : 0;
}
