/* policy.c - the sandbox policy object and its setters; see sandbox.h. */
#include <stdlib.h>
#include <sysexits.h>

#include "policy_priv.h"

struct sbx_policy *
sbx_policy_new(void)
{
	struct sbx_policy *p = xcalloc(1, sizeof(*p));

	/* Conservative defaults; the profile normally overrides them. */
	p->wall_ms = 60 * 1000;
	p->cpu_seconds = 30;
	p->address_space = 1024ull * 1024 * 1024;
	p->channel_cap = 1024 * 1024;
	p->log_cap = 64 * 1024;
	p->nofile = 16;
	p->file_size = 0;
	p->allowlist = SBX_ALLOW_LUA;
	p->write_dir_fd = -1;
	p->watch_fd = -1;
	return p;
}

void
sbx_policy_free(struct sbx_policy *p)
{
	free(p);
}

void
sbx_policy_set_wall_ms(struct sbx_policy *p, uint64_t ms)
{
	p->wall_ms = ms;
}

void
sbx_policy_set_cpu_seconds(struct sbx_policy *p, uint64_t s)
{
	p->cpu_seconds = s;
}

void
sbx_policy_set_address_space(struct sbx_policy *p, uint64_t bytes)
{
	p->address_space = bytes;
}

void
sbx_policy_set_channel_cap(struct sbx_policy *p, uint64_t bytes)
{
	p->channel_cap = bytes;
}

void
sbx_policy_set_log_cap(struct sbx_policy *p, uint64_t bytes)
{
	p->log_cap = bytes;
}

void
sbx_policy_set_allowlist(struct sbx_policy *p, enum sbx_allowlist a)
{
	p->allowlist = a;
}

void
sbx_policy_set_tick(struct sbx_policy *p, unsigned interval_ms, sbx_tick_fn fn,
		    void *arg)
{
	p->tick_ms = interval_ms > 0 ? interval_ms : 1;
	p->tick_fn = fn;
	p->tick_arg = arg;
}

void
sbx_policy_set_watch(struct sbx_policy *p, int fd, sbx_watch_fn fn, void *arg)
{
	p->watch_fd = fd;
	p->watch_fn = fn;
	p->watch_arg = arg;
}

int
sbx_policy_keep_fd(struct sbx_policy *p, int fd, struct pt_err *err)
{
	if (fd < 3)
		return pt_err_set(err, EX_SOFTWARE,
				  "cannot hand descriptor %d "
				  "to the sandbox",
				  fd);
	if (p->nkeep_fds == SBX_MAX_KEEP_FDS)
		return pt_err_set(err, EX_SOFTWARE,
				  "too many descriptors for "
				  "the sandbox (at most %d)",
				  SBX_MAX_KEEP_FDS);
	p->keep_fds[p->nkeep_fds++] = fd;
	return SBX_CHILD_KEEP_BASE + p->nkeep_fds - 1;
}

void
sbx_policy_set_nofile(struct sbx_policy *p, uint64_t n)
{
	p->nofile = n;
}

void
sbx_policy_set_file_size(struct sbx_policy *p, uint64_t bytes)
{
	p->file_size = bytes;
}

int
sbx_policy_set_write_dir(struct sbx_policy *p, int dirfd, struct pt_err *err)
{
	if (p->write_dir_fd >= 0)
		return pt_err_set(err, EX_SOFTWARE,
				  "the sandbox already has "
				  "a write directory");
	int child_fd = sbx_policy_keep_fd(p, dirfd, err);

	if (child_fd < 0)
		return -1;
	p->write_dir_fd = dirfd;
	return child_fd;
}

const char *
sbx_end_name(enum sbx_end end)
{
	switch (end) {
	case SBX_OK:
		return "OK";
	case SBX_LUA_ERROR:
		return "LUA_ERROR";
	case SBX_INSTRUCTION_LIMIT:
		return "INSTRUCTION_LIMIT";
	case SBX_MEMORY_LIMIT:
		return "MEMORY_LIMIT";
	case SBX_OUTPUT_LIMIT:
		return "OUTPUT_LIMIT";
	case SBX_CPU_LIMIT:
		return "CPU_LIMIT";
	case SBX_TIMEOUT:
		return "TIMEOUT";
	case SBX_SECCOMP_VIOLATION:
		return "SECCOMP_VIOLATION";
	case SBX_SETUP_FAILED:
		return "SETUP_FAILED";
	}
	return "SETUP_FAILED";
}
