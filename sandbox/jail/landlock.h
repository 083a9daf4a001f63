/* landlock.h - deny the child all filesystem access (Landlock). */
#ifndef PROEFTUIN_LANDLOCK_H
#define PROEFTUIN_LANDLOCK_H

#include "policy_priv.h"

/*
 * Child, after no_new_privs: restrict this process with a ruleset that
 * handles every filesystem right the kernel's Landlock ABI knows (and TCP
 * bind/connect from ABI 4, abstract-socket and signal scoping from ABI 6)
 * and grants none, except below the policy's write directory (intake).
 * *abi is the ABI used; 0 when the kernel has no Landlock, which is not an
 * error (the issue asks for Landlock "where the kernel has it").  Fails when
 * Landlock exists but cannot be applied, or when a write directory needs it
 * and it is missing.
 */
int ll_restrict(const struct sbx_policy *p, int *abi, struct pt_err *err);

/* The kernel's Landlock ABI version, 0 when absent or disabled. */
int ll_abi(void);

#endif
