/*
 * test_unpack_seccomp.c - the archive reader needs no open(): run
 * unpack_stream() in a forked child under a seccomp allowlist without any
 * call that names a path (the intake allowlist minus file creation; the
 * default action kills the process), exactly as the intake child sets it
 * up (UTF-8 locale loaded by the parent, TZ pinned), for tar, tar.gz,
 * tar.zst and zip archives made here with libarchive's writer.  The parent
 * checks the records with the real receiver.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <seccomp.h>

#include "archive_lib.h"
#include "bundle.h"
#include "receive.h"
#include "unpack.h"

static const char *const allowed[] = {
	"brk",
	"clock_gettime",
	"close",
	"exit",
	"exit_group",
	"fstat",
	"lseek",
	"madvise",
	"mmap",
	"mprotect",
	"mremap",
	"munmap",
	"newfstatat",
	"pread64",
	"read",
	"rt_sigreturn",
	"write",
	"writev",
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* The sanitizer runtimes' own calls, in sanitizer builds only. */
	"futex",
	"getpid",
	"gettid",
	"prctl",
	"rt_sigaction",
	"rt_sigprocmask",
	"sched_yield",
	"sigaltstack",
	"readlink",
	"tgkill",
#endif
};

static const struct profile_bundle lim = {
	.max_bytes = 64 << 20,
	.max_entries = 100,
	.max_file_bytes = 32 << 20,
	.max_ratio = 200,
	.max_depth = 16,
	.max_path = 255,
};

#define BIG_SIZE (300 * 1024)

/* An archive of kind `k` in a memfd: experiment.ini, a UTF-8 name in a
 * folder, and 300 KiB of not very compressible bytes. */
static int
make_archive(enum bundle_kind k)
{
	static const char *const names[] = { "experiment.ini",
					     "data/\xc3\xa9\xc3\xa9n.csv",
					     "data/big.bin" };
	struct archive *a = archive_write_new();
	char *big = malloc(BIG_SIZE);
	uint32_t x = 1;
	size_t i;
	int fd = memfd_create("arc", MFD_CLOEXEC);

	assert_non_null(big);
	for (i = 0; i < BIG_SIZE; i++) {
		x = x * 1103515245u + 12345u;
		big[i] = (char)('a' + (x >> 16) % 16);
	}
	assert_true(fd >= 0);
	if (k == BUNDLE_ZIP) {
		assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	} else {
		assert_int_equal(archive_write_set_format_pax_restricted(a),
				 ARCHIVE_OK);
		if (k == BUNDLE_TAR_GZ)
			assert_int_equal(archive_write_add_filter_gzip(a),
					 ARCHIVE_OK);
		if (k == BUNDLE_TAR_ZST)
			assert_int_equal(archive_write_add_filter_zstd(a),
					 ARCHIVE_OK);
	}
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (i = 0; i < PT_ARRAY_LEN(names); i++) {
		struct archive_entry *e = archive_entry_new();
		const char *data = i == 2 ? big : "[experiment]\n";
		size_t n = i == 2 ? BIG_SIZE : strlen(data);

		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)n);
		archive_entry_set_mtime(e, 1700000000, 0);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data, n), (ssize_t)n);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(big);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static int
emit_fd(void *arg, const void *p, size_t n)
{
	return pt_write_all(*(int *)arg, p, n);
}

static void
child(int arc, int out, enum bundle_kind k, locale_t utf8, const char *tz)
{
	scmp_filter_ctx ctx;
	size_t i;

	uselocale(utf8);
	if (setenv("TZ", tz, 1) < 0)
		_exit(3);
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		_exit(4);
	for (i = 0; i < PT_ARRAY_LEN(allowed); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				     seccomp_syscall_resolve_name(allowed[i]),
				     0) < 0)
			_exit(5);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
		_exit(6);
	_exit(unpack_stream(arc, k, emit_fd, &out) < 0 ? 1 : 0);
}

static void
run_kind(enum bundle_kind k)
{
	struct intake_problems ps = { NULL, 0 };
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	struct receiver r;
	struct bundle b;
	int arc, p[2], status, rc = 0;
	char buf[65536];
	locale_t old;
	pid_t pid;

	assert_true(utf8 != (locale_t)0);
	old = uselocale(utf8);
	arc = make_archive(k);
	uselocale(old);
	tzset();
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child(arc, p[1], k, utf8,
		      getenv("TZ") != NULL ? getenv("TZ") : "/etc/localtime");
	}
	close(p[1]);
	memset(&b, 0, sizeof(b));
	receiver_init(&r, k, &lim, 1 << 20, &b, &ps);
	for (;;) {
		ssize_t n = read(p[0], buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (rc == 0)
			rc = receiver_feed(&r, buf, (size_t)n);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("%s: the reader was killed by signal %d (a call "
			 "outside the allowlist)",
			 bundle_kind_name(k), WTERMSIG(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(rc, 1);
	assert_true(r.done);
	if (ps.n > 0)
		fail_msg("%s: %s: %s", bundle_kind_name(k), ps.v[0].entry,
			 ps.v[0].reason);
	bundle_finish(&b);
	assert_int_equal(b.nfiles, 3);
	assert_string_equal(b.files[0].path, "data/big.bin");
	assert_int_equal(b.files[0].size, BIG_SIZE);
	assert_string_equal(b.files[1].path, "data/\xc3\xa9\xc3\xa9n.csv");
	receiver_fini(&r);
	bundle_fini(&b);
	intake_problems_fini(&ps);
	close(p[0]);
	close(arc);
	freelocale(utf8);
}

static void
test_tar(void **state)
{
	(void)state;
	run_kind(BUNDLE_TAR);
}

static void
test_tar_gz(void **state)
{
	(void)state;
	run_kind(BUNDLE_TAR_GZ);
}

static void
test_tar_zst(void **state)
{
	(void)state;
	run_kind(BUNDLE_TAR_ZST);
}

static void
test_zip(void **state)
{
	(void)state;
	run_kind(BUNDLE_ZIP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_tar_gz),
		cmocka_unit_test(test_tar_zst),
		cmocka_unit_test(test_zip),
	};

	/* As the runner does: libarchive mapped before the filter. */
	if (archive_lib_load(NULL) == NULL)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
