/*
 * sandbox.h - run a function in an isolated child and supervise it.
 *
 * One policy object with setters (minijail style), filled by runner/ from the
 * profile, and one entry point, sbx_run(), which forks the child, sets it up
 * in a fixed order, calls the payload function inside the jail, and in the
 * parent enforces the wall-clock deadline and byte caps and classifies how
 * the child ended.  Nothing here prints or exits the calling process.
 */
#ifndef PROEFTUIN_SANDBOX_H
#define PROEFTUIN_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* How the child ended.  The names are part of the report contract. */
enum sbx_end {
	SBX_OK = 0,
	SBX_LUA_ERROR,
	SBX_INSTRUCTION_LIMIT,
	SBX_MEMORY_LIMIT,
	SBX_OUTPUT_LIMIT,
	SBX_CPU_LIMIT,
	SBX_TIMEOUT,
	SBX_SECCOMP_VIOLATION,
	SBX_SETUP_FAILED,
};

const char *sbx_end_name(enum sbx_end end);

/* Exit statuses a payload uses to tell the supervisor why it stopped.
 * Any other status, or a status without a CHAN_DONE record, is LUA_ERROR. */
#define SBX_EXIT_OK 0
#define SBX_EXIT_LUA_ERROR 101
#define SBX_EXIT_INSTRUCTION_LIMIT 102
#define SBX_EXIT_MEMORY_LIMIT 103
#define SBX_EXIT_OUTPUT_LIMIT 104
#define SBX_EXIT_SETUP_FAILED 105

/* Which syscall allowlist the child gets as its last setup step. */
enum sbx_allowlist {
	SBX_ALLOW_LUA,	  /* the analysis child: no open, no exec, no fork */
	SBX_ALLOW_INTAKE, /* the unpacker: may also create files below a dir */
};

struct sbx_policy;

/* Create a policy with conservative defaults; free with sbx_policy_free. */
struct sbx_policy *sbx_policy_new(void);
void sbx_policy_free(struct sbx_policy *p);

void sbx_policy_set_wall_ms(struct sbx_policy *p, uint64_t ms);
void sbx_policy_set_cpu_seconds(struct sbx_policy *p, uint64_t s);
/* Address-space backstop; the precise memory limit is the Lua allocator. */
void sbx_policy_set_address_space(struct sbx_policy *p, uint64_t bytes);
/* Cap on bytes the parent accepts on the result channel. */
void sbx_policy_set_channel_cap(struct sbx_policy *p, uint64_t bytes);
/* Cap on bytes the parent keeps from stdout and stderr (the run log). */
void sbx_policy_set_log_cap(struct sbx_policy *p, uint64_t bytes);
void sbx_policy_set_allowlist(struct sbx_policy *p, enum sbx_allowlist a);
/* Hand an already-open descriptor to the child (e.g. a hashed input). The
 * child sees it under the same number; everything else is closed. */
int sbx_policy_keep_fd(struct sbx_policy *p, int fd, struct pt_err *err);

/* Service a parent-side descriptor while the child runs (e.g. the intake's
 * file channel, whose other end the child keeps).  `fn` is called whenever
 * `fd` is readable or hung up; it returns 0 to go on, 1 when it is done with
 * the descriptor, or -1 to stop the child (end class OUTPUT_LIMIT). */
typedef int (*sbx_watch_fn)(void *arg, int fd);
void sbx_policy_set_watch(struct sbx_policy *p, int fd, sbx_watch_fn fn,
			  void *arg);

/* The payload, called in the child after every setup step succeeded.
 * `chan_fd` is the result channel.  The return value is the exit status. */
typedef int (*sbx_payload_fn)(void *arg, int chan_fd);

struct sbx_result {
	enum sbx_end end;
	int exit_status;     /* when the child exited, else -1 */
	int term_signal;     /* when the child was killed, else 0 */
	char syscall[32];    /* SECCOMP_VIOLATION: the denied call's name */
	struct sbuf channel; /* raw result records, at most channel_cap */
	struct sbuf log;     /* stdout and stderr, at most log_cap */
	bool channel_overflow;
	bool log_truncated;
	/* Facts that differ per run; they go to run.log only. */
	uint64_t wall_ns;
	uint64_t cpu_ns;
	uint64_t max_rss_kib;
};

void sbx_result_fini(struct sbx_result *r);

/*
 * Run `fn(arg, chan_fd)` in a sandboxed child under policy `p` and wait for
 * it.  Returns 0 when the child was started and its end classified in `res`
 * (whatever that end was), or -1 with `err` set when the sandbox could not be
 * set up at all (err->code 71 when the host lacks namespaces or seccomp).
 */
int sbx_run(const struct sbx_policy *p, sbx_payload_fn fn, void *arg,
	    struct sbx_result *res, struct pt_err *err);

#endif
