/* namespaces.h - create the child's namespaces and its empty root. */
#ifndef PROEFTUIN_NAMESPACES_H
#define PROEFTUIN_NAMESPACES_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/*
 * fork(2) into new user, mount and PID namespaces with one clone(2), so the
 * child is PID 1 of its namespace.  Parent: returns the child's pid and a
 * pidfd in *pidfd.  Child: returns 0.  -1 with err->code 71 and a hint when
 * the host refuses namespaces.
 */
pid_t ns_clone(int *pidfd, struct pt_err *err);

/* Child, first thing: unshare new network, IPC and UTS namespaces, and a
 * cgroup namespace where the kernel has one.  -1 with err->code 71 and a
 * hint when the host refuses them. */
int ns_unshare_rest(struct pt_err *err);

/* Parent: map only our own uid and gid into the child's user namespace.
 * On failure errno is that of the failing open or write. */
int ns_write_maps(pid_t pid, struct pt_err *err);

/* The identities (nsfs inode numbers, from the /proc/self/ns/NAME links) of
 * the user, mnt, pid, net, ipc, uts and, where the kernel has it, cgroup
 * namespaces of this process; `n` is 7, or 6 without cgroup namespaces.
 * All namespaces live on the one nsfs, so the inode number alone
 * identifies one. */
#define NS_MAX 7
struct ns_ids {
	size_t n;
	unsigned long long ino[NS_MAX];
};

/* Read this process's namespace ids (parent and child alike: the child
 * before it leaves the host's /proc behind). */
int ns_read_ids(struct ns_ids *ids, struct pt_err *err);

/* Parent: check that every namespace of the child differs from ours, and
 * list them ("user,mnt,pid,net,ipc,uts[,cgroup]") in `out`. */
int ns_compare(const struct ns_ids *ours, const struct ns_ids *child, char *out,
	       size_t outlen, struct pt_err *err);

/* Child: make every mount private, replace / with an empty read-only tmpfs
 * (pivot_root, old root detached) and set a fixed hostname. */
int ns_enter_empty_root(struct pt_err *err);

/* The same, naming the step it is at in st->name ("make / private",
 * "mount tmpfs root", "pivot_root", "detach old root", "remount root
 * read-only", "sethostname", ...) and, on failure, its errno in
 * st->err_no; for `proeftuin probe`. */
struct ns_step {
	const char *name;
	int err_no;
};
int ns_enter_empty_root_steps(struct ns_step *st, struct pt_err *err);

/* A hint for why the host refused user namespaces, for the exit-71 text. */
const char *ns_userns_hint(void);

/* Read a small integer sysctl under /proc/sys; -1 when it is absent or
 * unreadable. */
long ns_read_sysctl(const char *path);

#endif
