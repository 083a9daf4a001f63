/* tracer.h - learn which syscall a seccomp kill was for. */
#ifndef PROEFTUIN_TRACER_H
#define PROEFTUIN_TRACER_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * The filter's default action is SECCOMP_RET_KILL_PROCESS, which leaves no
 * trace of the syscall in the exit status, and /proc/<pid>/syscall of the
 * zombie reads -1.  So a helper thread PTRACE_SEIZEs the child with only
 * PTRACE_O_TRACEEXIT (plus EXITKILL): at the exit stop the registers still
 * hold the denied call (the kernel rolls them back for the core dump), and
 * the thread reads them when the exit was a SIGSYS death.  It never stops
 * the child otherwise, passes every signal through, and is best effort: if
 * the host forbids ptrace the name is "unknown" and nothing else changes.
 */
struct tracer {
	pthread_t thread;
	pid_t pid;
	int ctl_fd; /* the parent's end of the control socket */
	bool started;
	bool seized;
	bool have_nr;
	long nr;
};

/*
 * Start tracing `pid` without waiting: the thread seizes the child and then
 * sends the one byte ("t") on `ctl_fd` that the child waits for before it
 * makes itself non-dumpable (after which a non-root parent could no longer
 * attach).  So the thread's start-up overlaps the child's own setup.  If the
 * thread cannot be started, the byte is sent from here.
 */
void tracer_start(struct tracer *t, pid_t pid, int ctl_fd);

/* After the child is dead (not reaped): wait for the thread.  Must come
 * before the parent reaps, because the parent's wait would otherwise also
 * see (and swallow) the tracer's stops. */
void tracer_join(struct tracer *t);

#endif
