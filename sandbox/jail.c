/*
 * jail.c - the child's setup, in a fixed order; see jail.h.
 *
 * Order matters: descriptors first (so nothing of the parent's leaks into
 * later steps), then the session and death signal, then limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "jail.h"

static bool
is_kept(const struct sbx_policy *p, int fd, int chan_fd)
{
	int i;

	if (fd == chan_fd)
		return true;
	for (i = 0; i < p->nkeep_fds; i++)
		if (p->keep_fds[i] == fd)
			return true;
	return false;
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

/* Close every descriptor above stderr except the ones the policy keeps. */
static int
close_other_fds(const struct sbx_policy *p, int chan_fd, struct pt_err *err)
{
	int fd, lo = 3;

	for (fd = 3; fd <= 1024 * 64; fd++) {
		if (!is_kept(p, fd, chan_fd))
			continue;
		if (fd > lo && syscall(SYS_close_range, (unsigned)lo,
				       (unsigned)fd - 1, 0u) < 0)
			return pt_err_set(err, EX_OSERR, "close_range: %s",
					  strerror(errno));
		lo = fd + 1;
	}
	if (syscall(SYS_close_range, (unsigned)lo, ~0u, 0u) < 0)
		return pt_err_set(err, EX_OSERR, "close_range: %s",
				  strerror(errno));
	return 0;
}

static int
set_limit(int resource, const char *name, rlim_t value, struct pt_err *err)
{
	struct rlimit rl = { value, value };
	struct rlimit back;

	if (setrlimit(resource, &rl) < 0)
		return pt_err_set(err, EX_OSERR, "setrlimit %s: %s", name,
				  strerror(errno));
	if (getrlimit(resource, &back) < 0 || back.rlim_cur != value ||
	    back.rlim_max != value)
		return pt_err_set(err, EX_OSERR, "rlimit %s did not stick",
				  name);
	return 0;
}

int
jail_enter(const struct sbx_policy *p, int chan_fd, int log_fd,
	   struct pt_err *err)
{
	pid_t parent = getppid();
	struct rlimit cpu;

	if (setup_stdio(log_fd, err) < 0)
		return -1;
	if (close_other_fds(p, chan_fd, err) < 0)
		return -1;
	if (setsid() < 0)
		return pt_err_set(err, EX_OSERR, "setsid: %s", strerror(errno));
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_PDEATHSIG: %s",
				  strerror(errno));
	/* The parent may have died before prctl took effect. */
	if (getppid() != parent)
		return pt_err_set(err, EX_OSERR, "parent exited during setup");
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_DUMPABLE: %s",
				  strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pt_err_set(err, EX_OSERR, "PR_SET_NO_NEW_PRIVS: %s",
				  strerror(errno));

	/* The soft CPU limit sends SIGXCPU, the hard one SIGKILL a second
	 * later, so a script that catches nothing still ends. */
	cpu.rlim_cur = p->cpu_seconds;
	cpu.rlim_max = p->cpu_seconds + 1;
	if (setrlimit(RLIMIT_CPU, &cpu) < 0)
		return pt_err_set(err, EX_OSERR, "setrlimit CPU: %s",
				  strerror(errno));
#if defined(__SANITIZE_ADDRESS__)
	/* ASan reserves terabytes of shadow address space: an AS limit would
	 * kill every sanitizer build.  The Lua allocator still caps memory. */
	if (set_limit(RLIMIT_CORE, "CORE", 0, err) < 0 ||
	    set_limit(RLIMIT_FSIZE, "FSIZE", 0, err) < 0)
		return -1;
#else
	if (set_limit(RLIMIT_AS, "AS", p->address_space, err) < 0 ||
	    set_limit(RLIMIT_CORE, "CORE", 0, err) < 0 ||
	    set_limit(RLIMIT_FSIZE, "FSIZE", 0, err) < 0)
		return -1;
#endif
	return 0;
}
