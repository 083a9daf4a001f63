/*
 * deny.c - test helper: install a seccomp filter that refuses one part of
 * what the sandbox needs, the way a container runtime's profile does, then
 * exec a command (proeftuin probe).  Everything else is allowed.
 *
 *	deny userns|netns|mount|mount-eacces|pivot_root|seccomp CMD [ARG...]
 *
 * userns: unshare and clone with CLONE_NEWUSER fail with EPERM, clone3
 * with ENOSYS (so glibc falls back to clone), as in Docker's default
 * profile without CAP_SYS_ADMIN.  netns: unshare with CLONE_NEWNET, EPERM.
 * mount: mount(2) EPERM.  mount-eacces: mount(2) EACCES, the errno an LSM
 * (AppArmor 'deny mount,') gives.  pivot_root: pivot_root(2) EPERM.
 * seccomp: seccomp(2) EPERM (prctl(PR_SET_SECCOMP) too).
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int
rule(scmp_filter_ctx ctx, int err, const char *name, unsigned n,
     const struct scmp_arg_cmp *arg)
{
	int nr = seccomp_syscall_resolve_name(name);

	return seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(err), nr, n, arg);
}

int
main(int argc, char **argv)
{
	struct scmp_arg_cmp user =
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
	struct scmp_arg_cmp net =
	    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWNET, CLONE_NEWNET);
	scmp_filter_ctx ctx;
	const char *mode;
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: deny MODE CMD [ARG...]\n");
		return 64;
	}
	mode = argv[1];
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return 70;
	if (strcmp(mode, "userns") == 0) {
		rc |= rule(ctx, EPERM, "unshare", 1, &user);
		rc |= rule(ctx, EPERM, "clone", 1, &user);
		rc |= rule(ctx, ENOSYS, "clone3", 0, NULL);
	} else if (strcmp(mode, "netns") == 0) {
		rc |= rule(ctx, EPERM, "unshare", 1, &net);
		rc |= rule(ctx, ENOSYS, "clone3", 0, NULL);
	} else if (strcmp(mode, "mount") == 0) {
		rc |= rule(ctx, EPERM, "mount", 0, NULL);
	} else if (strcmp(mode, "mount-eacces") == 0) {
		rc |= rule(ctx, EACCES, "mount", 0, NULL);
	} else if (strcmp(mode, "pivot_root") == 0) {
		rc |= rule(ctx, EPERM, "pivot_root", 0, NULL);
	} else if (strcmp(mode, "seccomp") == 0) {
		rc |= rule(ctx, EPERM, "seccomp", 0, NULL);
	} else {
		fprintf(stderr, "deny: unknown mode %s\n", mode);
		return 64;
	}
	if (rc != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    seccomp_load(ctx) != 0) {
		fprintf(stderr, "deny: cannot install the filter\n");
		return 70;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "deny: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
