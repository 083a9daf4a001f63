/* tracer.c - find the syscall behind a seccomp kill; see tracer.h. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tracer.h"

/* The syscall number at the exit stop, from the tracee's registers. */
static bool
read_syscall_nr(pid_t pid, long *nr)
{
#if defined(__x86_64__)
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
		return false;
	*nr = (long)regs.orig_rax;
	return true;
#elif defined(__aarch64__)
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) < 0)
		return false;
	*nr = (long)regs.regs[8];
	return true;
#else
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*nr = strtol(buf, NULL, 10);
	return *nr >= 0;
#endif
}

int
tracer_open(struct tracer *t)
{
	sigset_t chld;

	memset(t, 0, sizeof(*t));
	t->sigfd = -1;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, &t->oldmask) < 0)
		return -1;
	t->sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (t->sigfd < 0) {
		int e = errno;

		(void)sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
		errno = e;
		return -1;
	}
	return 0;
}

void
tracer_seize(struct tracer *t, pid_t pid)
{
	t->pid = pid;
	t->seized =
	    ptrace(PTRACE_SEIZE, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) == 0;
}

int
tracer_fd(const struct tracer *t)
{
	return t->sigfd;
}

/* One stop (`status` as waitid's si_status: signal | event << 8): the exit
 * stop of a SIGSYS death records the call, that of a normal exit is held
 * when `hold` (tracer.h); a signal-delivery stop gets its signal back;
 * other event stops just go on. */
static void
handle_stop(struct tracer *t, int status, bool hold)
{
	int sig = status & 0xff;

	if (status == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
		unsigned long msg = 0;

		sig = 0;
		if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &msg) == 0) {
			int ws = (int)msg;

			if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGSYS)
				t->have_nr = read_syscall_nr(t->pid, &t->nr);
			if (hold && WIFEXITED(ws)) {
				t->held = true;
				t->exit_status = ws;
				return;
			}
		}
	} else if ((status >> 8) != 0) {
		sig = 0;
	}
	(void)ptrace(PTRACE_CONT, t->pid, NULL, (void *)(long)sig);
}

void
tracer_service(struct tracer *t)
{
	struct signalfd_siginfo ssi;

	if (t->sigfd < 0)
		return;
	while (read(t->sigfd, &ssi, sizeof(ssi)) == (ssize_t)sizeof(ssi))
		;
	if (!t->seized)
		return;
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		/* WSTOPPED without WEXITED: the exit itself is left for the
		 * supervisor's wait4. */
		if (waitid(P_PID, (id_t)t->pid, &si,
			   WSTOPPED | WNOHANG | __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (si.si_pid == 0 || si.si_code != CLD_TRAPPED)
			return;
		handle_stop(t, si.si_status, true);
	}
}

void
tracer_resume(struct tracer *t, int wstatus)
{
	handle_stop(t, (wstatus >> 8) & 0xffff, false);
}

void
tracer_release(struct tracer *t)
{
	if (t->held)
		(void)ptrace(PTRACE_DETACH, t->pid, NULL, NULL);
	t->held = false;
}

void
tracer_close(struct tracer *t)
{
	if (t->sigfd < 0)
		return;
	/* The SIGCHLDs of our own child must not reach the caller's handler
	 * once the mask is restored. */
	tracer_service(t);
	close(t->sigfd);
	t->sigfd = -1;
	(void)sigprocmask(SIG_SETMASK, &t->oldmask, NULL);
}
