/* jail.h - the child's side of sbx_run(): set up isolation in a fixed order. */
#ifndef PROEFTUIN_JAIL_H
#define PROEFTUIN_JAIL_H

#include "policy_priv.h"

/*
 * Called in the freshly forked child.  Makes `log_fd` its stdout and stderr
 * and /dev/null its stdin, closes every descriptor but the result channel
 * and the policy's kept descriptors, and applies the limits.  Returns 0 when
 * everything the policy asks for is in force, or -1 with a message in `err`
 * (the caller then exits with SBX_EXIT_SETUP_FAILED).
 */
int jail_enter(const struct sbx_policy *p, int chan_fd, int log_fd,
	       struct pt_err *err);

#endif
