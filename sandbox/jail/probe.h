/*
 * probe.h - can this host give the sandbox?  The setup of sbx_run, one
 * step at a time, with the errno of the first step that fails and the
 * facts of the host that tell which outer layer refused it.
 *
 * The steps are those of a real run and call the same functions
 * (namespaces.c, landlock.c, seccomp.c), in the same order; only the
 * namespaces are made one by one (a run makes user, mount and PID
 * namespaces with one clone(2)) so that the failing one can be named.
 * The last step is a whole sbx_run with a payload that does nothing
 * (sbx_host_check), so "every step passed" means a real run works.
 * Nothing here prints; runner/probe.c turns the result into advice.
 */
#ifndef PROEFTUIN_PROBE_H
#define PROEFTUIN_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum sbx_probe_id {
	PROBE_USERNS,
	PROBE_MAPS,
	PROBE_MOUNTNS,
	PROBE_PIDNS,
	PROBE_OTHERNS,
	PROBE_ROOT,
	PROBE_NNP,
	PROBE_LANDLOCK,
	PROBE_SECCOMP,
	PROBE_RUN,
	PROBE_NSTEPS
};

enum sbx_probe_state {
	PROBE_NOT_RUN,
	PROBE_OK,
	PROBE_FAILED,
	PROBE_WARN, /* works, but weaker than it could be (no Landlock) */
};

struct sbx_probe_step {
	const char *name; /* "user namespace", ... */
	const char *call; /* what was called: "unshare(CLONE_NEWUSER)" */
	enum sbx_probe_state state;
	int err_no;	  /* of the failing call, 0 otherwise */
	char detail[256]; /* the sub-step or the message of the failure */
};

/* Facts read before the steps (read-only; -1: absent or unreadable). */
struct sbx_probe_host {
	long unprivileged_userns_clone; /* kernel.unprivileged_userns_clone */
	long max_user_namespaces;	/* user.max_user_namespaces */
	long apparmor_restrict; /* kernel.apparmor_restrict_unprivileged_userns
				 */
	char apparmor_label[128];  /* "unconfined", a profile, or "" */
	char label_in_userns[128]; /* the label right after unshare */
	int seccomp_mode;	   /* /proc/self/status Seccomp */
	int seccomp_filters;	   /* Seccomp_filters */
	int no_new_privs;	   /* NoNewPrivs */
	uint64_t cap_eff, cap_bnd;
	bool proc_present; /* /proc/self/status could be read */
	bool proc_masked;  /* something is mounted over a part of /proc */
	bool in_userns;	   /* uid_map is not the initial "0 0 4294967295" */
	char uid_map[96];  /* its first line */
	unsigned euid;
	int landlock_abi;
	const char *engine; /* "kubernetes", "slurm", "docker", "podman", "" */
};

struct sbx_probe {
	struct sbx_probe_host host;
	struct sbx_probe_step steps[PROBE_NSTEPS];
	int failed; /* the first failed step, -1 when none */
};

/*
 * Read the host facts, then try every step in a child (the steps change
 * the process that makes them), then a whole sandboxed run.  Returns 0
 * with `out` filled (whatever failed is in out->failed), or -1 with `err`
 * when the probe itself could not be done (no fork, no pipe).  Call it
 * single-threaded, like sbx_run.
 */
int sbx_probe_run(struct sbx_probe *out, struct pt_err *err);

#endif
