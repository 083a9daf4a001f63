/* namespaces.h - create the child's namespaces and its empty root. */
#ifndef PROEFTUIN_NAMESPACES_H
#define PROEFTUIN_NAMESPACES_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/*
 * fork(2) into new user, mount, PID, network, IPC and UTS namespaces (and a
 * cgroup namespace where the kernel has one) with one clone(2), so the child
 * is PID 1 of its namespace.  Parent: returns the child's pid and a pidfd in
 * *pidfd.  Child: returns 0.  -1 with err->code 71 and a hint when the host
 * refuses namespaces.  *cgroup tells whether the cgroup namespace was made.
 */
pid_t ns_clone(int *pidfd, int *cgroup, struct pt_err *err);

/* Parent: map only our own uid and gid into the child's user namespace. */
int ns_write_maps(pid_t pid, struct pt_err *err);

/* Parent: check that the child's namespaces differ from ours, and list them
 * ("user,mnt,pid,net,ipc,uts[,cgroup]") in `out`. */
int ns_verify(pid_t pid, int cgroup, char *out, size_t outlen,
	      struct pt_err *err);

/* Child: make every mount private, replace / with an empty read-only tmpfs
 * (pivot_root, old root detached) and set a fixed hostname. */
int ns_enter_empty_root(struct pt_err *err);

/* A hint for why the host refused user namespaces, for the exit-71 text. */
const char *ns_userns_hint(void);

#endif
