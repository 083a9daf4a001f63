/* tracer.c - find the syscall behind a seccomp kill; see tracer.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <elf.h>

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

static void *
tracer_main(void *arg)
{
	struct tracer *t = arg;

	t->seized =
	    ptrace(PTRACE_SEIZE, t->pid, NULL,
		   (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)) == 0;
	/* MSG_NOSIGNAL: a child that already died must not SIGPIPE us. */
	(void)send(t->ctl_fd, "t", 1, MSG_NOSIGNAL);
	while (t->seized) {
		siginfo_t si;
		int status, sig;

		memset(&si, 0, sizeof(si));
		/* WNOWAIT: leave the exit itself for the parent's wait4. */
		if (waitid(P_PID, (id_t)t->pid, &si,
			   WEXITED | WSTOPPED | WNOWAIT | __WALL) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.si_code != CLD_TRAPPED)
			break;
		status = si.si_status;
		sig = status & 0xff;
		if (status == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			unsigned long msg = 0;

			if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &msg) ==
				0 &&
			    WIFSIGNALED((int)msg) &&
			    WTERMSIG((int)msg) == SIGSYS)
				t->have_nr = read_syscall_nr(t->pid, &t->nr);
			sig = 0;
		} else if ((status >> 8) != 0) {
			sig = 0; /* some other event stop: just go on */
		}
		/* Signal-delivery stops get their signal back. */
		if (ptrace(PTRACE_CONT, t->pid, NULL, (void *)(long)sig) < 0 &&
		    errno != ESRCH)
			break;
	}
	return NULL;
}

void
tracer_start(struct tracer *t, pid_t pid, int ctl_fd)
{
	pthread_attr_t attr;
	int rc;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->ctl_fd = ctl_fd;
	/* The thread needs little stack; a small one is cheaper to map. */
	if (pthread_attr_init(&attr) != 0) {
		(void)send(ctl_fd, "t", 1, MSG_NOSIGNAL);
		return;
	}
	(void)pthread_attr_setstacksize(&attr, 256 * 1024);
	rc = pthread_create(&t->thread, &attr, tracer_main, t);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		(void)send(ctl_fd, "t", 1, MSG_NOSIGNAL);
		return;
	}
	t->started = true;
}

void
tracer_join(struct tracer *t)
{
	if (!t->started)
		return;
	pthread_join(t->thread, NULL);
	t->started = false;
}
