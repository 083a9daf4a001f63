/*
 * jail.c - the child's setup, in a fixed order; see jail.h.
 *
 * Order matters: descriptors first (so nothing of the parent's leaks into
 * later steps), then session and death signal, then the filesystem (which
 * needs capabilities), then the parent's setup record (maps written, tracer
 * attached, the compiled filter), the environment, privileges, limits,
 * Landlock, and the seccomp filter last, because after it almost nothing is
 * possible any more.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "jail.h"
#include "landlock.h"
#include "namespaces.h"
#include "rlimit.h"

extern char **environ;

/* Read exactly `n` bytes from the control socket; EOF or an error means the
 * parent is gone. */
static int
read_exact(int fd, void *buf, size_t n)
{
	char *p = buf;

	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Block until the parent's setup record arrives on the control socket (see
 * jail.h), and decode it.  The parent sends it only after writing our
 * uid/gid maps and attaching its tracer, so its arrival is also the
 * go-ahead for the steps that need both.
 */
static int
receive_setup(int ctl_fd, struct jail_setup *su, struct pt_err *err)
{
	uint8_t hdr[CHAN_HEADER_SIZE];
	struct chan_cursor c;
	const char *prog;
	uint32_t len;
	size_t plen;

	if (read_exact(ctl_fd, hdr, sizeof(hdr)) < 0)
		return pt_err_set(err, EX_OSERR,
				  "parent went away before "
				  "the namespaces were set up");
	len = (uint32_t)hdr[1] | (uint32_t)hdr[2] << 8 |
	      (uint32_t)hdr[3] << 16 | (uint32_t)hdr[4] << 24;
	if (hdr[0] != JAIL_SETUP_RECORD || len > JAIL_SETUP_MAX)
		return pt_err_set(err, EX_SOFTWARE, "bad setup record");
	su->raw = xmalloc(len ? len : 1);
	if (read_exact(ctl_fd, su->raw, len) < 0)
		return pt_err_set(err, EX_OSERR,
				  "parent went away during "
				  "setup");
	chan_cursor_init(&c, su->raw, len);
	su->env_start = chan_get_u64(&c);
	su->env_end = chan_get_u64(&c);
	plen = chan_get_str(&c, &prog);
	if (c.bad || !chan_cursor_done(&c))
		return pt_err_set(err, EX_SOFTWARE, "bad setup record");
	su->filter.prog = (void *)(uintptr_t)prog;
	su->filter.len = plen / sizeof(struct sock_filter);
	if (plen % sizeof(struct sock_filter) != 0)
		return pt_err_set(err, EX_SOFTWARE, "bad filter in setup");
	return 0;
}

static int
setup_stdio(int log_fd, struct pt_err *err)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0)
		return pt_err_set(err, EX_OSERR, "open /dev/null: %s",
				  strerror(errno));
	if (dup2(null, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
	    dup2(log_fd, STDERR_FILENO) < 0)
		return pt_err_set(err, EX_OSERR, "dup2: %s", strerror(errno));
	if (null > STDERR_FILENO)
		close(null);
	return 0;
}

/* Close every descriptor above stderr except the ones we keep; close_range
 * over the gaps, so this is cheap whatever RLIMIT_NOFILE the runner had. */
static int
close_other_fds(const struct sbx_policy *p, const struct jail_ctx *j,
		struct pt_err *err)
{
	int keep[SBX_MAX_KEEP_FDS + 2], n = 0, i, k, lo = 3;

	keep[n++] = j->chan_fd;
	keep[n++] = j->ctl_fd;
	for (i = 0; i < p->nkeep_fds; i++)
		keep[n++] = p->keep_fds[i];
	/* Ascending order so the gaps are easy; n is at most 66. */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && keep[k - 1] > keep[k]; k--) {
			int t = keep[k];

			keep[k] = keep[k - 1];
			keep[k - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo && syscall(SYS_close_range, (unsigned)lo,
					    (unsigned)keep[i] - 1, 0u) < 0)
			return pt_err_set(err, EX_OSERR, "close_range: %s",
					  strerror(errno));
		lo = keep[i] + 1;
	}
	if (syscall(SYS_close_range, (unsigned)lo, ~0u, 0u) < 0)
		return pt_err_set(err, EX_OSERR, "close_range: %s",
				  strerror(errno));
	/* Kept descriptors must not leak into anything the child could
	 * start (it cannot exec, but be tidy); also catches a bad number. */
	for (i = 0; i < n; i++)
		if (fcntl(keep[i], F_SETFD, FD_CLOEXEC) < 0)
			return pt_err_set(err, EX_OSERR,
					  "kept descriptor %d: "
					  "%s",
					  keep[i], strerror(errno));
	return 0;
}

/* In a new PID namespace getppid() is 0, so re-check the parent through
 * the control socket: if the parent died before PR_SET_PDEATHSIG took
 * effect, its end is closed and the socket shows a hang-up. */
static int
die_with_parent(int ctl_fd, struct pt_err *err)
{
	/* POLLRDHUP, not POLLIN: the setup record may already be queued. */
	struct pollfd pfd = { ctl_fd, POLLRDHUP, 0 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_PDEATHSIG: %s",
				  strerror(errno));
	if (poll(&pfd, 1, 0) != 0 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
		return pt_err_set(err, EX_OSERR, "parent exited during setup");
	return 0;
}

/*
 * Remove the runner's environment from this process.  clearenv() only
 * drops the `environ` array; the strings stay in memory, and the initial
 * block (what /proc/self/environ shows) is untouched.  So zero every string
 * environ points to (some may be on the heap after setenv), then the
 * kernel's initial block [start, end), which the parent read from its own
 * /proc/self/stat (we are a copy of its memory), then clear the array.
 * Beyond this, the child has no /proc and is alone in its PID namespace,
 * so no other copy is readable from inside.
 */
static int
scrub_environment(uint64_t start, uint64_t end, struct pt_err *err)
{
	char **e;

	if (start == 0 || end < start || end - start > 16u * 1024 * 1024)
		return pt_err_set(err, EX_OSERR,
				  "cannot find the initial "
				  "environment block");
	for (e = environ; e != NULL && *e != NULL; e++)
		memset(*e, 0, strlen(*e));
	if (clearenv() != 0)
		return pt_err_set(err, EX_OSERR, "clearenv failed");
	memset((void *)(uintptr_t)start, 0, (size_t)(end - start));
	return 0;
}

/*
 * Drop every capability: bounding set, ambient, then permitted, effective
 * and inheritable; read the last three back with capget.  The bounding and
 * ambient sets are read back by the parent from /proc/<child>/status,
 * which it trusts more than anything the child says (supervise.c).
 */
static int
drop_capabilities(struct sbx_setting *s, struct pt_err *err)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct data[2];
	int cap;

	/* Up to the first number the kernel does not know (EINVAL); the
	 * parent checks CapBnd, so a cap left behind cannot go unnoticed. */
	for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
		;
	if (errno != EINVAL)
		return pt_err_set(err, EX_OSERR,
				  "drop capability %d from the bounding "
				  "set: %s",
				  cap, strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return pt_err_set(err, EX_OSERR, "clear ambient caps: %s",
				  strerror(errno));
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return pt_err_set(err, EX_OSERR, "capset: %s", strerror(errno));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return pt_err_set(err, EX_OSERR, "capget: %s", strerror(errno));
	s->cap_eff = data[0].effective | (uint64_t)data[1].effective << 32;
	s->cap_prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	if (s->cap_eff || s->cap_prm || data[0].inheritable ||
	    data[1].inheritable)
		return pt_err_set(err, EX_OSERR,
				  "capabilities remain after "
				  "dropping them");
	return 0;
}

static int
set_privileges(struct sbx_setting *s, struct pt_err *err)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_DUMPABLE: %s",
				  strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_NO_NEW_PRIVS: %s",
				  strerror(errno));
	s->dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0;
	s->no_new_privs = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1;
	if (s->dumpable || !s->no_new_privs)
		return pt_err_set(err, EX_OSERR,
				  "dumpable/no_new_privs did "
				  "not stick");
	return 0;
}

static void
on_sigxcpu(int sig)
{
	(void)sig;
	_exit(SBX_EXIT_CPU_LIMIT);
}

/*
 * The child is PID 1 of its PID namespace, and the kernel drops signals to a
 * namespace init that has no handler for them, so SIGXCPU from the soft
 * RLIMIT_CPU needs a handler to have any effect.  It exits at once with a
 * status the parent maps to CPU_LIMIT; the hard limit's SIGKILL one second
 * later remains the backstop.
 */
static int
catch_cpu_limit(struct pt_err *err)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigxcpu;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&set);
	sigaddset(&set, SIGXCPU);
	if (sigaction(SIGXCPU, &sa, NULL) < 0 ||
	    sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return pt_err_set(err, EX_OSERR, "SIGXCPU handler: %s",
				  strerror(errno));
	return 0;
}

/* Make glibc do now what it would otherwise do behind our back under the
 * filter: load the time zone (os.date would open /etc/localtime) and give
 * stdio its buffers (no fstat/ioctl(TCGETS) on first output). */
static void
prewarm_libc(void)
{
	static char outbuf[4096];

	/* Whatever the runner had buffered but not flushed is its output,
	 * not the child's: drop it rather than let setvbuf flush it into
	 * the child's log. */
	__fpurge(stdout);
	__fpurge(stderr);
	tzset();
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	setvbuf(stderr, NULL, _IONBF, 0);
}

int
jail_enter(const struct sbx_policy *p, const struct jail_ctx *j,
	   struct sbx_setting *s, struct ns_ids *ns, bool *host_refused,
	   struct pt_err *err)
{
	struct jail_setup su = { 0 };
	int rc = -1;

	*host_refused = false;
	if (setup_stdio(j->log_fd, err) < 0 || close_other_fds(p, j, err) < 0)
		return -1;
	if (setsid() < 0)
		return pt_err_set(err, EX_OSERR, "setsid: %s", strerror(errno));
	if (die_with_parent(j->ctl_fd, err) < 0)
		return -1;
	/* The namespaces and the root need only our capabilities in the new
	 * user namespace, not the maps, so they overlap with the parent's
	 * work.  Our namespace ids are read while the host's /proc is still
	 * in view. */
	if (ns_unshare_rest(err) < 0) {
		*host_refused = true;
		return -1;
	}
	if (ns_read_ids(ns, err) < 0)
		return -1;
	if (ns_enter_empty_root(err) < 0) {
		*host_refused = true;
		return -1;
	}
	if (receive_setup(j->ctl_fd, &su, err) < 0 ||
	    scrub_environment(su.env_start, su.env_end, err) < 0)
		goto out;
	/* The parent's tracer is attached now (the record says so), so we
	 * may stop being dumpable (see tracer.h). */
	if (set_privileges(s, err) < 0 || drop_capabilities(s, err) < 0 ||
	    rl_apply(p, j->nofile, s, err) < 0 ||
	    ll_restrict(p, &s->landlock_abi, err) < 0 ||
	    catch_cpu_limit(err) < 0)
		goto out;
	prewarm_libc();
	if (sc_load(&su.filter, err) < 0) {
		*host_refused = true;
		goto out;
	}
	rc = 0;
out:
	free(su.raw);
	return rc;
}
