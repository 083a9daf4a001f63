/*
 * seccomp.c - the child's syscall allowlists; see seccomp_filter.h.
 *
 * Two allowlists.  SBX_ALLOW_LUA is what a Lua 5.4 state needs after setup
 * (found with real runs of the Lua box and the probe): memory management
 * without PROT_EXEC, reads on the kept descriptors and the control socket,
 * writes on stdout, stderr, the result channel and the control socket, the
 * clock, and exit.  SBX_ALLOW_INTAKE adds what an unpacker needs to create
 * directories and regular files below a directory descriptor it was given:
 * the *at() calls are allowed only with a non-negative dirfd (bit 31 clear),
 * so AT_FDCWD and absolute paths through it are refused, and Landlock
 * confines them to the write directory.  Nothing opens a socket, execs,
 * forks, ioctls, or changes its own filter, signals or namespaces.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "seccomp_filter.h"

/* Calls both allowlists permit without conditions. */
static const char *const common_calls[] = {
	"brk",	      "clock_getres", "clock_gettime", "close",
	"exit",	      "exit_group",   "fstat",	       "gettimeofday",
	"lseek",      "madvise",      "munmap",	       "mremap",
	"newfstatat", "pread64",      "rt_sigreturn",
};

/* Extra calls for the unpacker (writes are checked by Landlock, the
 * write directory and RLIMIT_FSIZE). */
static const char *const intake_calls[] = {
	"fchmod",  "fdatasync", "fsync",  "ftruncate", "getdents64",
	"getegid", "geteuid",	"getgid", "getuid",    "read",
	"umask",   "write",	"writev",
};

/* The *at() calls the unpacker may make relative to a descriptor. */
static const char *const intake_at_calls[] = {
	"fchmodat", "mkdirat", "openat", "unlinkat", "utimensat",
};

#ifdef __SANITIZE_ADDRESS__
/* The ASan runtime's own calls, only in sanitizer builds (CI); the release
 * filter never contains them. */
static const char *const sanitizer_calls[] = {
	"futex",	"getpid",	  "gettid",	 "prctl",
	"rt_sigaction", "rt_sigprocmask", "sched_yield", "sigaltstack",
	"readlink",	"write",	  "tgkill",
};
#endif

struct names {
	const char *v[96];
	size_t n;
};

static void
note(struct names *nm, const char *name)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->v[i], name) == 0)
			return;
	if (nm->n < PT_ARRAY_LEN(nm->v))
		nm->v[nm->n++] = name;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Add one rule; unknown names and libseccomp failures are fatal, so the
 * filter is never silently narrower or wider than its documentation. */
static int
allow(scmp_filter_ctx ctx, struct names *nm, const char *name, unsigned nargs,
      const struct scmp_arg_cmp *args, struct pt_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return pt_err_set(err, EX_SOFTWARE,
				  "seccomp: unknown syscall "
				  "%s",
				  name);
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, nargs, args);
	if (rc < 0)
		return pt_err_set(err, EX_SOFTWARE, "seccomp: rule for %s: %s",
				  name, strerror(-rc));
	note(nm, name);
	return 0;
}

static int
allow_list(scmp_filter_ctx ctx, struct names *nm, const char *const *v,
	   size_t n, struct pt_err *err)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (allow(ctx, nm, v[i], 0, NULL, err) < 0)
			return -1;
	return 0;
}

/* `name` only when its first argument (an fd) is exactly `fd`; the kernel
 * reads fds as int, so compare the low 32 bits only. */
static int
allow_on_fd(scmp_filter_ctx ctx, struct names *nm, const char *name, int fd,
	    struct pt_err *err)
{
	struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu,
					(scmp_datum_t)(unsigned)fd);

	return allow(ctx, nm, name, 1, &a, err);
}

/* W^X: mmap and mprotect only without PROT_EXEC. */
static int
allow_memory(scmp_filter_ctx ctx, struct names *nm, struct pt_err *err)
{
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);

	if (allow(ctx, nm, "mmap", 1, &noexec, err) < 0)
		return -1;
	return allow(ctx, nm, "mprotect", 1, &noexec, err);
}

static int
add_lua_rules(scmp_filter_ctx ctx, struct names *nm, const struct sbx_policy *p,
	      const struct sc_fds *fds, struct pt_err *err)
{
	const int writable[] = { STDOUT_FILENO, STDERR_FILENO, fds->chan,
				 fds->ctl };
	size_t i;
	int k;

	for (i = 0; i < PT_ARRAY_LEN(writable); i++)
		if (allow_on_fd(ctx, nm, "write", writable[i], err) < 0)
			return -1;
	if (allow_on_fd(ctx, nm, "read", fds->ctl, err) < 0)
		return -1;
	for (k = 0; k < p->nkeep_fds; k++)
		if (allow_on_fd(ctx, nm, "read", p->keep_fds[k], err) < 0)
			return -1;
	return 0;
}

static int
add_intake_rules(scmp_filter_ctx ctx, struct names *nm, struct pt_err *err)
{
	struct scmp_arg_cmp dirfd = SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000u, 0);
	struct scmp_arg_cmp fcntl_cmds[] = {
		SCMP_A1(SCMP_CMP_EQ, F_GETFD, 0),
		SCMP_A1(SCMP_CMP_EQ, F_SETFD, 0),
		SCMP_A1(SCMP_CMP_EQ, F_GETFL, 0),
	};
	size_t i;

	if (allow_list(ctx, nm, intake_calls, PT_ARRAY_LEN(intake_calls), err) <
	    0)
		return -1;
	for (i = 0; i < PT_ARRAY_LEN(intake_at_calls); i++)
		if (allow(ctx, nm, intake_at_calls[i], 1, &dirfd, err) < 0)
			return -1;
	for (i = 0; i < PT_ARRAY_LEN(fcntl_cmds); i++)
		if (allow(ctx, nm, "fcntl", 1, &fcntl_cmds[i], err) < 0)
			return -1;
	return 0;
}

/* Export the compiled program into memory through a memfd (libseccomp
 * 2.5 has no export-to-buffer). */
static int
export_bpf(scmp_filter_ctx ctx, struct sc_filter *out, struct pt_err *err)
{
	int fd = memfd_create("proeftuin-bpf", MFD_CLOEXEC);
	off_t size;
	int rc;

	if (fd < 0)
		return pt_err_set(err, EX_OSERR, "memfd_create: %s",
				  strerror(errno));
	rc = seccomp_export_bpf(ctx, fd);
	size = lseek(fd, 0, SEEK_END);
	if (rc < 0 || size <= 0 ||
	    (size_t)size % sizeof(struct sock_filter) != 0) {
		close(fd);
		return pt_err_set(err, EX_SOFTWARE,
				  "seccomp: cannot export "
				  "the filter");
	}
	out->prog = xmalloc((size_t)size);
	if (pread(fd, out->prog, (size_t)size, 0) != size) {
		close(fd);
		return pt_err_set(err, EX_OSERR, "seccomp: read back filter");
	}
	close(fd);
	out->len = (size_t)size / sizeof(struct sock_filter);
	pt_sha256_hex(out->prog, (size_t)size, out->sha256);
	return 0;
}

static void
join_names(struct names *nm, struct sc_filter *out)
{
	size_t i, used = 0;

	qsort(nm->v, nm->n, sizeof(nm->v[0]), cmp_names);
	out->names[0] = '\0';
	for (i = 0; i < nm->n && used < sizeof(out->names); i++)
		used += (size_t)snprintf(out->names + used,
					 sizeof(out->names) - used, "%s%s",
					 i ? "," : "", nm->v[i]);
}

int
sc_build(const struct sbx_policy *p, const struct sc_fds *fds,
	 struct sc_filter *out, struct pt_err *err)
{
	struct names nm = { { NULL }, 0 };
	scmp_filter_ctx ctx;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		/* libseccomp asks the kernel first: an outer filter that
		 * refuses seccomp(2) leaves no way to build ours. */
		return pt_err_set(err, EX_OSERR,
				  "seccomp_init failed: the kernel or an outer "
				  "seccomp filter refuses seccomp(2)");
	/* The default for a foreign architecture would be KILL (thread). */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS) < 0) {
		pt_err_set(err, EX_SOFTWARE, "seccomp: bad-arch action");
		goto out;
	}
	/* A binary tree over the syscall numbers rather than a chain: the
	 * kernel runs the filter for every number when it loads it (to
	 * cache the always-allowed ones), so the chain's length is paid
	 * hundreds of times per run, and again on every call.  Only speed
	 * depends on it, so an older libseccomp without it is fine. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (allow_list(ctx, &nm, common_calls, PT_ARRAY_LEN(common_calls),
		       err) < 0 ||
	    allow_memory(ctx, &nm, err) < 0)
		goto out;
	if (p->allowlist == SBX_ALLOW_INTAKE) {
		if (add_intake_rules(ctx, &nm, err) < 0)
			goto out;
	} else if (add_lua_rules(ctx, &nm, p, fds, err) < 0) {
		goto out;
	}
#ifdef __SANITIZE_ADDRESS__
	if (allow_list(ctx, &nm, sanitizer_calls, PT_ARRAY_LEN(sanitizer_calls),
		       err) < 0)
		goto out;
#endif
	if (export_bpf(ctx, out, err) < 0)
		goto out;
	join_names(&nm, out);
	rc = 0;
out:
	seccomp_release(ctx);
	if (rc < 0)
		sc_free(out);
	return rc;
}

void
sc_free(struct sc_filter *f)
{
	free(f->prog);
	f->prog = NULL;
	f->len = 0;
}

int
sc_load(const struct sc_filter *f, struct pt_err *err)
{
	struct sock_fprog prog = { (unsigned short)f->len, f->prog };

	if (f->len == 0 || f->len > BPF_MAXINSNS)
		return pt_err_set(err, EX_SOFTWARE, "seccomp: bad program");
	/* TSYNC: were there ever another thread, it gets the filter too or
	 * the call fails. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
		return pt_err_set(err, EX_OSERR, "seccomp load: %s",
				  strerror(errno));
	return 0;
}

void
sc_syscall_name(long nr, char *out, size_t outlen)
{
	char *name = NULL;

	if (nr >= 0 && nr <= 0xffff)
		name =
		    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
#if defined(__x86_64__)
	if (name == NULL && nr >= 0x40000000 && nr <= 0x4000ffff) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X32, (int)nr);
		if (name != NULL) {
			snprintf(out, outlen, "x32:%s", name);
			free(name);
			return;
		}
	}
#endif
	if (name == NULL) {
		snprintf(out, outlen, "syscall_%ld", nr);
		return;
	}
	snprintf(out, outlen, "%s", name);
	free(name);
}

int
sc_host_check(struct pt_err *err)
{
	unsigned action = SECCOMP_RET_KILL_PROCESS;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return pt_err_set(err, EX_OSERR,
				  "this kernel has no seccomp "
				  "support (%s); hint: proeftuin needs "
				  "CONFIG_SECCOMP_FILTER",
				  strerror(errno));
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0)
		return pt_err_set(err, EX_OSERR,
				  "seccomp cannot kill a "
				  "process (SECCOMP_RET_KILL_PROCESS: %s); "
				  "hint: proeftuin needs Linux 4.14 or later",
				  strerror(errno));
	return 0;
}
