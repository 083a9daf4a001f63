/* rlimit.h - the child's resource limits, applied and read back. */
#ifndef PROEFTUIN_RLIMIT_H
#define PROEFTUIN_RLIMIT_H

#include "policy_priv.h"

/* The RLIMIT_NOFILE the child gets: the policy's value, raised so every
 * descriptor it keeps stays below it. */
uint64_t rl_nofile(const struct sbx_policy *p, int chan_fd, int ctl_fd);

/*
 * Child: set CPU (soft = profile: SIGXCPU, which jail.c catches to exit
 * with SBX_EXIT_CPU_LIMIT; hard = soft + 1: SIGKILL should the handler be
 * gone), AS (a backstop;
 * unlimited in ASan builds, whose shadow memory needs terabytes of address
 * space), NOFILE, NPROC 1, FSIZE and CORE 0, then read every one back into `s`.
 * -1 when a value did not stick.
 */
int rl_apply(const struct sbx_policy *p, uint64_t nofile, struct sbx_setting *s,
	     struct pt_err *err);

/* Parent: -1 when the child's read-back limits in `s` differ from what
 * `p` asked for. */
int rl_check(const struct sbx_policy *p, uint64_t nofile,
	     const struct sbx_setting *s, struct pt_err *err);

#endif
