/* policy_priv.h - the policy object's fields, shared by the sandbox files. */
#ifndef PROEFTUIN_POLICY_PRIV_H
#define PROEFTUIN_POLICY_PRIV_H

#include "sandbox.h"

#define SBX_MAX_KEEP_FDS 64

struct sbx_policy {
	uint64_t wall_ms;
	uint64_t cpu_seconds;
	uint64_t address_space;
	uint64_t channel_cap;
	uint64_t log_cap;
	uint64_t nofile;
	uint64_t file_size;
	enum sbx_allowlist allowlist;
	int keep_fds[SBX_MAX_KEEP_FDS];
	int nkeep_fds;
	int watch_fd; /* parent side, -1 for none */
	sbx_watch_fn watch_fn;
	void *watch_arg;
	sbx_tick_fn tick_fn; /* NULL for none */
	void *tick_arg;
	unsigned tick_ms;
	int write_dir_fd; /* -1 unless the intake set one */
};

#endif
