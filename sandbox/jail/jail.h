/* jail.h - the child's side of sbx_run(): set up isolation in a fixed order. */
#ifndef PROEFTUIN_JAIL_H
#define PROEFTUIN_JAIL_H

#include "namespaces.h"
#include "policy_priv.h"
#include "seccomp_filter.h"

/* What the parent hands the child across clone(2). */
struct jail_ctx {
	int chan_fd; /* result channel (write end) */
	int log_fd;  /* becomes stdout and stderr */
	int ctl_fd;  /* control socket to the parent, closed before payload */
	uint64_t nofile;
};

/*
 * The one record the parent sends the child on the control socket, in the
 * channel's framing (channel.h), after it has written the child's uid/gid
 * maps and attached its tracer:
 *
 *	u64 env_start, u64 env_end   the initial environment block to zero
 *	str filter                   the BPF program to load, as built
 *
 * The parent builds the filter while the child makes its namespaces and its
 * root, so neither waits for the other.
 */
#define JAIL_SETUP_RECORD 0x53
#define JAIL_SETUP_MAX (64u * 1024)

/*
 * The child's first record to the parent, sent with its setting record
 * once its filter is loaded: the namespace ids it read of itself before
 * it left the host's /proc (namespaces.h), as u8 n, then n u64.  Its own
 * code still runs then, as for every other read-back it reports; the
 * parent checks them against its own.
 */
#define JAIL_NS_RECORD 0x4e

/* The decoded record; `filter.prog` points into `raw`. */
struct jail_setup {
	uint8_t *raw;
	uint64_t env_start, env_end;
	struct sc_filter filter;
};

/*
 * Called in the freshly cloned child (already inside its new user, mount
 * and PID namespaces).  Steps, in this order: stdin /dev/null,
 * stdout/stderr the log pipe; close every other descriptor but the
 * channel, the control socket and the kept ones; setsid; PDEATHSIG and a
 * parent-alive re-check; new network, IPC, UTS and cgroup namespaces, whose
 * ids go to *ns; empty read-only tmpfs root (pivot_root, no /proc); wait
 * for the setup record (maps written, tracer attached); scrub the
 * environment; not dumpable; no_new_privs; drop every capability; rlimits;
 * Landlock; pre-warm glibc; the seccomp allowlist.
 * Every step is read back into `s`.  Returns 0, or -1 with `err` set and
 * *host_refused true when the host (not us) refused a kernel feature.
 */
int jail_enter(const struct sbx_policy *p, const struct jail_ctx *j,
	       struct sbx_setting *s, struct ns_ids *ns, bool *host_refused,
	       struct pt_err *err);

#endif
