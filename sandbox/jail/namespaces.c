/*
 * namespaces.c - the child's namespaces and its empty root; see
 * namespaces.h.
 *
 * A raw clone(2) makes the user, mount and PID namespaces, so the child
 * itself is PID 1 of the new PID namespace and no intermediate process is
 * needed.  The child then unshares the network, IPC, UTS and cgroup
 * namespaces: creating a network namespace is most of what namespaces
 * cost (loopback device, sysctl tables), and in the child it runs on
 * another CPU while the parent writes the maps and builds the filter.  The
 * child only runs our own code before its payload (no exec), so glibc's stale
 * TID cache after a raw clone is harmless: nothing in the child uses
 * pthread_self()->tid, and raise() and friends are denied by the seccomp filter
 * anyway.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "namespaces.h"

/* What clone(2) makes; the child unshares NS_CHILD_FLAGS itself. */
#define NS_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)
#define NS_CHILD_FLAGS (CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

long
ns_read_sysctl(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

const char *
ns_userns_hint(void)
{
	if (ns_read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return "user namespaces are disabled (user.max_user_namespaces"
		       "=0); hint: sysctl -w user.max_user_namespaces=15000, "
		       "or on Kubernetes set it on the node (EKS Bottlerocket "
		       "ships 0)";
	if (ns_read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return "unprivileged user namespaces are disabled (kernel."
		       "unprivileged_userns_clone=0); hint: sysctl -w "
		       "kernel.unprivileged_userns_clone=1";
	if (ns_read_sysctl("/proc/sys/kernel/"
			   "apparmor_restrict_unprivileged_userns") == 1)
		return "AppArmor restricts unprivileged user namespaces "
		       "(Ubuntu 23.10+); hint: install the proeftuin AppArmor "
		       "profile containing 'userns,'";
	return "the container runtime or a security module refuses new "
	       "namespaces; hint: in Docker/Kubernetes use a seccomp and "
	       "AppArmor profile that allows unshare/clone with CLONE_NEWUSER "
	       "and mount, or run on the host (Slurm, plain VM)";
}

/* EPERM and friends: the host (a container runtime, a sysctl, a security
 * module) refuses namespaces, which is exit 71 with `hint`. */
static int
refused(int e, const char *what, const char *hint, struct pt_err *err)
{
	if (e == EPERM || e == ENOSPC || e == EUSERS || e == EINVAL ||
	    e == EACCES)
		return pt_err_set(err, EX_OSERR, "cannot create %s: %s; %s",
				  what, strerror(e), hint);
	return pt_err_set(err, EX_OSERR, "%s: %s", what, strerror(e));
}

/* Why unshare(2) of the network, IPC and UTS namespaces failed.  The
 * child's own /proc/sys shows its new user namespace, whose limits are
 * unset, so name the limits rather than read them. */
static const char *
rest_hint(int e)
{
	if (e == ENOSPC)
		return "a limit on network, IPC or UTS namespaces is reached "
		       "or 0 here or in an outer user namespace "
		       "(user.max_net_namespaces, user.max_ipc_namespaces, "
		       "user.max_uts_namespaces); hint: sysctl -w "
		       "user.max_net_namespaces=15000";
	return "the container runtime or a security module refuses new "
	       "network namespaces; hint: in Docker/Kubernetes use a seccomp "
	       "and AppArmor profile that allows unshare with CLONE_NEWNET, "
	       "or run on the host (Slurm, plain VM)";
}

pid_t
ns_clone(int *pidfd, struct pt_err *err)
{
	/* No exit signal: the supervisor learns of the exit through the
	 * pidfd and its tracer, and a child it reaps only later (sbx_reap)
	 * must not send the caller a SIGCHLD then. */
	unsigned long flags = NS_CLONE_FLAGS | CLONE_PIDFD;
	long pid;

	*pidfd = -1;
	/* x86_64 and most others: clone(flags, stack, parent_tid, child_tid,
	 * tls); with CLONE_PIDFD the pidfd is stored at parent_tid. */
	pid = syscall(SYS_clone, flags, NULL, pidfd, NULL, NULL);
	if (pid < 0)
		return refused(errno, "namespaces", ns_userns_hint(), err);
	return (pid_t)pid;
}

int
ns_unshare_rest(struct pt_err *err)
{
	if (unshare(NS_CHILD_FLAGS | CLONE_NEWCGROUP) == 0)
		return 0;
	/* Kernels without cgroup namespaces: the rest still holds. */
	if (errno != EINVAL || unshare(NS_CHILD_FLAGS) < 0)
		return refused(errno, "network, IPC and UTS namespaces",
			       rest_hint(errno), err);
	return 0;
}

static int
write_file(const char *path, const char *text, struct pt_err *err)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(text);
	int e;

	if (fd < 0) {
		e = errno;
		pt_err_set(err, EX_OSERR, "open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	if (write(fd, text, n) != (ssize_t)n) {
		e = errno;
		close(fd);
		pt_err_set(err, EX_OSERR, "write %s: %s; %s", path, strerror(e),
			   ns_userns_hint());
		/* errno is the write's, for probe (probe.h). */
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

int
ns_write_maps(pid_t pid, struct pt_err *err)
{
	char path[64], map[64];

	/* setgroups must be denied before an unprivileged gid_map write. */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny", err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)geteuid(),
		 (unsigned)geteuid());
	if (write_file(path, map, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)getegid(),
		 (unsigned)getegid());
	return write_file(path, map, err);
}

static const char *const ns_names[NS_MAX] = { "user", "mnt", "pid",   "net",
					      "ipc",  "uts", "cgroup" };

int
ns_read_ids(struct ns_ids *ids, struct pt_err *err)
{
	int dir = open("/proc/self/ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	size_t i;
	int rc = 0;

	ids->n = 0;
	if (dir < 0)
		return pt_err_set(err, EX_OSERR, "open /proc/self/ns: %s",
				  strerror(errno));
	for (i = 0; i < NS_MAX && rc == 0; i++) {
		char link[64], want[16], *end;
		/* The link text ("net:[4026531840]") names the namespace's
		 * nsfs inode; reading it is cheaper than stat(2), which makes
		 * the kernel instantiate the nsfs dentry.  "pid" is the
		 * process's own namespace, not pid_for_children. */
		ssize_t n =
		    readlinkat(dir, ns_names[i], link, sizeof(link) - 1);

		if (n < 0 && errno == ENOENT && i == NS_MAX - 1)
			break; /* a kernel without cgroup namespaces */
		if (n < 0) {
			rc = pt_err_set(err, EX_OSERR,
					"cannot read the %s namespace: %s",
					ns_names[i], strerror(errno));
			break;
		}
		link[n] = '\0';
		snprintf(want, sizeof(want), "%s:[", ns_names[i]);
		errno = 0;
		ids->ino[i] = strncmp(link, want, strlen(want)) == 0
				  ? strtoull(link + strlen(want), &end, 10)
				  : 0;
		if (ids->ino[i] == 0 || errno != 0 || strcmp(end, "]") != 0)
			rc = pt_err_set(err, EX_OSERR,
					"unexpected %s namespace link %s",
					ns_names[i], link);
		else
			ids->n = i + 1;
	}
	close(dir);
	return rc;
}

int
ns_compare(const struct ns_ids *ours, const struct ns_ids *child, char *out,
	   size_t outlen, struct pt_err *err)
{
	size_t i, used = 0;

	out[0] = '\0';
	if (ours->n != child->n)
		return pt_err_set(err, EX_OSERR,
				  "the child reports %zu namespaces, "
				  "we have %zu",
				  child->n, ours->n);
	for (i = 0; i < child->n; i++) {
		if (ours->ino[i] == child->ino[i])
			return pt_err_set(err, EX_OSERR,
					  "the child shares "
					  "our %s namespace",
					  ns_names[i]);
		used += (size_t)snprintf(out + used, outlen - used, "%s%s",
					 i ? "," : "", ns_names[i]);
		if (used >= outlen)
			return pt_err_set(err, EX_SOFTWARE,
					  "namespace list "
					  "too long");
	}
	return 0;
}

/* The host directory we mount the new root on inside our own mount
 * namespace; nothing outside sees the mount. */
static const char *
root_base(void)
{
	static const char *const candidates[] = { "/tmp", "/mnt", "/dev" };
	size_t i;
	struct stat st;

	for (i = 0; i < PT_ARRAY_LEN(candidates); i++)
		if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
			return candidates[i];
	return NULL;
}

/* Fail the current step with the errno it left, saved before anything
 * else (the hint reads sysctls) can change it. */
static int
step_failed(struct ns_step *st, bool with_hint, struct pt_err *err)
{
	int e = errno;
	const char *hint = with_hint ? ns_userns_hint() : NULL;

	st->err_no = e;
	return pt_err_set(err, EX_OSERR, "%s: %s%s%s", st->name, strerror(e),
			  hint != NULL ? "; " : "", hint != NULL ? hint : "");
}

int
ns_enter_empty_root_steps(struct ns_step *st, struct pt_err *err)
{
	const unsigned long lock = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	const char *base = root_base();

	st->err_no = 0;
	st->name = "find a mount point";
	if (base == NULL) {
		st->err_no = ENOENT;
		return pt_err_set(err, EX_OSERR,
				  "no directory to mount the "
				  "sandbox root on");
	}
	/* Nothing we mount may propagate back to the host. */
	st->name = "make / private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return step_failed(st, true, err);
	st->name = "mount tmpfs root";
	if (mount("proeftuin", base, "tmpfs", lock,
		  "size=4k,nr_inodes=2,mode=0555") < 0)
		return step_failed(st, false, err);
	st->name = "chdir new root";
	if (chdir(base) < 0)
		return step_failed(st, false, err);
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it leaves only the empty tmpfs (bubblewrap, lxc). */
	st->name = "pivot_root";
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return step_failed(st, false, err);
	st->name = "detach old root";
	if (umount2(".", MNT_DETACH) < 0)
		return step_failed(st, false, err);
	st->name = "chdir /";
	if (chdir("/") < 0)
		return step_failed(st, false, err);
	st->name = "remount root read-only";
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | lock,
		  NULL) < 0)
		return step_failed(st, false, err);
	st->name = "sethostname";
	if (sethostname("proeftuin", 9) < 0)
		return step_failed(st, false, err);
	return 0;
}

int
ns_enter_empty_root(struct pt_err *err)
{
	struct ns_step st;

	return ns_enter_empty_root_steps(&st, err);
}
