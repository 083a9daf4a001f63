/*
 * sandbox.h - run a function in an isolated child and supervise it.
 *
 * One policy object with setters (minijail style), filled by runner/ from the
 * profile, and one entry point, sbx_run(), which forks the child, sets it up
 * in a fixed order, calls the payload function inside the jail, and in the
 * parent enforces the wall-clock deadline and byte caps and classifies how
 * the child ended.  Nothing here prints or exits the calling process.
 *
 * The child (jail.c), in this order: one clone(2) into new user, mount and
 * PID namespaces (PID 1 of its own PID namespace; the parent maps only its
 * own uid and gid); stdin /dev/null, stdout and stderr the log pipe; every
 * other descriptor closed except the result channel, the control socket
 * and the policy's kept ones; setsid; PR_SET_PDEATHSIG(SIGKILL) and a
 * parent-alive re-check on the control socket (getppid() is 0 in a new PID
 * namespace); new network, IPC, UTS and cgroup namespaces (unshare(2): the
 * network namespace is most of the cost, and this way it is made while the
 * parent works), whose ids it reads while the host's /proc is still in
 * view; an empty read-only tmpfs as / (pivot_root, old root detached, no
 * /proc); then, once the parent's setup record has arrived (maps written,
 * tracer attached, the compiled filter), the environment scrubbed (environ
 * strings and the kernel's initial block zeroed, then clearenv); not
 * dumpable; no_new_privs; all capabilities dropped (bounding, ambient,
 * permitted, effective, inheritable); rlimits; Landlock (all filesystem
 * rights handled, none granted); glibc pre-warmed; the seccomp allowlist
 * last (default KILL_PROCESS, foreign architectures KILL_PROCESS, TSYNC).
 * Each step is read back; the parent checks the child's report against the
 * policy, its own namespaces and /proc/<child>/status before it lets the
 * payload's run start.  The parent does its share (maps, thread check,
 * filter) while the child sets up, on another CPU where there is one, and
 * the payload's prepare half runs while the parent checks, so neither
 * waits for the other more than it must.  The child never execs: the
 * payload runs in the forked copy of the runner's memory, so the runner
 * should not hold secrets in memory either.
 *
 * A seccomp kill's syscall is learned by the supervising thread itself,
 * which PTRACE_SEIZEs the child with only PTRACE_O_TRACEEXIT (tracer.h);
 * where ptrace is forbidden, res->syscall is "unknown" and everything else
 * holds.  SIGCHLD is blocked in the calling thread while sbx_run runs.  A
 * normal exit's result is taken at that exit stop, and the child reaped
 * later (sbx_reap below).
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
/* Used by the sandbox itself: RLIMIT_CPU soft limit (SIGXCPU) reached. */
#define SBX_EXIT_CPU_LIMIT 106

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
/*
 * Descriptors as the child sees them.  The child renumbers everything it
 * keeps to fixed slots, so the seccomp filter (whose rules name descriptor
 * numbers), its digest and RLIMIT_NOFILE do not depend on what else the
 * runner happened to have open: the same bundle gives the same report.
 */
#define SBX_CHILD_CHAN_FD 3
#define SBX_CHILD_CTL_FD 4
#define SBX_CHILD_LOG_FD 5
#define SBX_CHILD_KEEP_BASE 6

/* Hand an already-open descriptor to the child (e.g. a hashed input); every
 * other descriptor is closed there.  Returns the number the child sees it
 * under (SBX_CHILD_KEEP_BASE plus the order it was kept in), or -1. */
int sbx_policy_keep_fd(struct sbx_policy *p, int fd, struct pt_err *err);
/* RLIMIT_NOFILE for the child (raised to cover the highest kept fd). */
void sbx_policy_set_nofile(struct sbx_policy *p, uint64_t n);
/* RLIMIT_FSIZE for the child; 0 (the default) forbids growing any file. */
void sbx_policy_set_file_size(struct sbx_policy *p, uint64_t bytes);
/*
 * Intake only: a directory descriptor below which the child may create
 * directories and regular files (Landlock rule; the fd is also kept).  Only
 * allowed with SBX_ALLOW_INTAKE; sbx_run refuses it with SBX_ALLOW_LUA.
 * Returns the number the child sees the directory under, or -1.
 */
int sbx_policy_set_write_dir(struct sbx_policy *p, int dirfd,
			     struct pt_err *err);

/* Service a parent-side descriptor while the child runs (e.g. the intake's
 * file channel, whose other end the child keeps).  `fn` is called whenever
 * `fd` is readable or hung up; it returns 0 to go on, 1 when it is done with
 * the descriptor, or -1 to stop the child (end class OUTPUT_LIMIT). */
typedef int (*sbx_watch_fn)(void *arg, int fd);
void sbx_policy_set_watch(struct sbx_policy *p, int fd, sbx_watch_fn fn,
			  void *arg);

/* Called in the parent about every `interval_ms` while the payload runs
 * (progress on a terminal).  It must not touch the child; what it shows
 * never reaches a report. */
typedef void (*sbx_tick_fn)(void *arg);
void sbx_policy_set_tick(struct sbx_policy *p, unsigned interval_ms,
			 sbx_tick_fn fn, void *arg);

/* A payload function, called in the child with `chan_fd`, the result
 * channel.  A non-zero return value ends the child with that exit status. */
typedef int (*sbx_payload_fn)(void *arg, int chan_fd);

/*
 * What the child runs once every setup step succeeded.  `run` is called
 * after the parent has checked the setting and said go; its return value is
 * the exit status.  `prepare`, when not NULL, is called before that, right
 * after the seccomp filter is loaded, while the parent is still checking:
 * it may build state (a Lua state and its libraries) but must not read
 * bundle input or run bundle code, which only `run` may do, once the
 * setting is known good.  So the child's preparation overlaps the parent's
 * checks instead of waiting for them.
 */
struct sbx_payload {
	sbx_payload_fn prepare;
	sbx_payload_fn run;
	void *arg;
};

/*
 * What the child actually had in force when its payload started, read back
 * after each step was applied (the child reports, the parent checks against
 * the policy and against /proc/<child>/status).  This is the report's
 * "setting" section; sbx_run also puts it as the first record (CHAN_SETTING)
 * of res->channel.  `valid` is false when setup never completed.
 */
struct sbx_setting {
	bool valid;
	char namespaces[64];	 /* "user,mnt,pid,net,ipc,uts,cgroup" */
	char allowlist_name[16]; /* "lua" or "intake" */
	char allowlist[1536];	 /* syscall names, sorted, comma-separated */
	char filter_sha256[PT_SHA256_HEX]; /* of the loaded BPF program */
	int landlock_abi; /* 0 when the kernel has no Landlock */
	uint64_t rlimit_cpu_soft, rlimit_cpu_hard;
	uint64_t rlimit_as; /* UINT64_MAX: unlimited (sanitizer builds) */
	uint64_t rlimit_nofile, rlimit_nproc, rlimit_fsize, rlimit_core;
	bool no_new_privs; /* /proc/<child>/status NoNewPrivs */
	int seccomp_mode;  /* /proc/<child>/status Seccomp (2 = filter) */
	uint64_t cap_eff, cap_prm, cap_bnd, cap_amb; /* all must be 0 */
	bool dumpable; /* PR_GET_DUMPABLE in the child (must be 0) */
};

struct sbx_result {
	enum sbx_end end;
	int exit_status;  /* when the child exited, else -1 */
	int term_signal;  /* when the child was killed, else 0 */
	char syscall[32]; /* SECCOMP_VIOLATION: the denied call's name */
	char detail[256]; /* SETUP_FAILED: why; empty otherwise */
	struct sbx_setting setting;
	struct sbuf channel; /* raw result records, at most channel_cap */
	struct sbuf log;     /* stdout and stderr, at most log_cap */
	bool channel_overflow;
	bool log_truncated;
	/* Facts that differ per run; they go to run.log only, and not at
	 * all for a run on custodian data (they depend on the data). */
	uint64_t wall_ns;
	uint64_t cpu_ns;
	uint64_t max_rss_kib;
};

void sbx_result_fini(struct sbx_result *r);

/* Append `s` as (key, value) string pairs: a CHAN_SETTING payload. */
void sbx_setting_encode(const struct sbx_setting *s, struct sbuf *payload);

/* Refuse to run set-user-ID or set-group-ID: -1 with err->code 77 when
 * real and effective ids differ (the CLI calls this first). */
int sbx_refuse_setuid(struct pt_err *err);

/*
 * Check that this host can give us everything sbx_run needs (user, mount,
 * PID, network, IPC and UTS namespaces, seccomp filters with KILL_PROCESS)
 * without running a payload.  -1 with err->code 71 and a hint otherwise.
 */
int sbx_host_check(struct pt_err *err);

/*
 * Run payload `pl` in a sandboxed child under policy `p` and wait for
 * it.  The payload must send CHAN_DONE before a clean exit, or the end is
 * LUA_ERROR; it must not send CHAN_SETTING (the parent puts the verified
 * setting first in res->channel; a second one ends the run as LUA_ERROR).
 * res->channel holds at most the setting record plus channel_cap bytes.
 * Call it while the process is single-threaded: the child is made with a
 * raw clone(2) (no atfork handlers), so a lock another thread held at that
 * moment (malloc, stdio) would stay locked in the child.  Returns 0 when the
 * child was started and its end classified in `res` (whatever that end was), or
 * -1 with `err` set when the sandbox could not be set up at all (err->code 71
 * when the host lacks namespaces or seccomp).
 */
int sbx_run(const struct sbx_policy *p, const struct sbx_payload *pl,
	    struct sbx_result *res, struct pt_err *err);

/*
 * A child that exited normally is only reaped later: sbx_run returns once
 * its result is complete, while the kernel still tears down its namespaces.
 * sbx_reap() waits for every such child; the next sbx_run does it first
 * thing.  A process that exits without it leaves them to its reaper (init),
 * like any orphan; nothing of theirs runs any more.
 */
void sbx_reap(void);

#endif
