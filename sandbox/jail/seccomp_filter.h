/* seccomp_filter.h - the child's syscall allowlists, built with libseccomp. */
#ifndef PROEFTUIN_SECCOMP_FILTER_H
#define PROEFTUIN_SECCOMP_FILTER_H

#include <stddef.h>

#include "policy_priv.h"

/* A compiled filter: the exact BPF program the child loads. */
struct sc_filter {
	void *prog; /* struct sock_filter[len] */
	size_t len;
	char sha256[PT_SHA256_HEX];
	char names[1536]; /* allowed syscalls, sorted, comma-separated */
};

/* Descriptor numbers the Lua allowlist pins read/write to. */
struct sc_fds {
	int chan;
	int ctl;
};

/*
 * Parent, before the child exists: build the allowlist `p` asks for
 * (default KILL_PROCESS, bad architecture KILL_PROCESS), export it as BPF
 * and hash it.  The program stays in parent memory (firejail#2718).
 */
int sc_build(const struct sbx_policy *p, const struct sc_fds *fds,
	     struct sc_filter *out, struct pt_err *err);
void sc_free(struct sc_filter *f);

/* Child, as the very last setup step: load `f` with TSYNC. */
int sc_load(const struct sc_filter *f, struct pt_err *err);

/* Name of syscall `nr` as the child's architecture numbers it; x32 calls
 * get an "x32:" prefix, unknown numbers "syscall_<nr>". */
void sc_syscall_name(long nr, char *out, size_t outlen);

/* Does the kernel support seccomp filters with KILL_PROCESS?  71 + hint. */
int sc_host_check(struct pt_err *err);

#endif
