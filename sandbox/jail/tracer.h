/* tracer.h - learn which syscall a seccomp kill was for. */
#ifndef PROEFTUIN_TRACER_H
#define PROEFTUIN_TRACER_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/*
 * The filter's default action is SECCOMP_RET_KILL_PROCESS, which leaves no
 * trace of the syscall in the exit status, and /proc/<pid>/syscall of the
 * zombie reads -1.  So the supervising thread itself PTRACE_SEIZEs the child
 * with only PTRACE_O_TRACEEXIT (plus EXITKILL): at the exit stop the
 * registers still hold the denied call (the kernel rolls them back for the
 * core dump), and they are read when the exit is a SIGSYS death.  The child
 * is never stopped otherwise and gets every signal passed through.  Best
 * effort: if the host forbids ptrace the name is "unknown" and nothing else
 * changes.
 *
 * The exit stop also tells how the child exited (PTRACE_GETEVENTMSG) while
 * everything it wrote is still in its pipes: for a normal exit the tracer
 * holds the child there, and the supervisor has its result without
 * waiting for the kernel to tear down its namespaces (supervise.c).
 *
 * No helper thread: ptrace stops are learned from SIGCHLD through a
 * signalfd that the supervisor polls beside its other descriptors.  So
 * SIGCHLD is blocked in the calling thread from tracer_open to
 * tracer_close, and the SIGCHLDs our child caused are consumed.
 */
struct tracer {
	int sigfd; /* signalfd for SIGCHLD; -1 when not open */
	sigset_t oldmask;
	pid_t pid;
	bool seized;
	bool have_nr;
	long nr;
	bool held;	 /* stopped at the exit stop after a normal exit */
	int exit_status; /* then: the exit status, as wait(2) gives it */
};

/* Before the child exists: block SIGCHLD and open the signalfd.  -1 with
 * errno set when that fails (the run cannot be supervised then). */
int tracer_open(struct tracer *t);

/* Right after clone: seize `pid`.  Must happen before the child makes
 * itself non-dumpable; a failure only means the syscall stays unknown. */
void tracer_seize(struct tracer *t, pid_t pid);

/* The descriptor to poll for POLLIN: readable when the child stopped (or
 * changed state otherwise). */
int tracer_fd(const struct tracer *t);

/* Handle every pending stop of the child without blocking: note the
 * syscall of a SIGSYS exit, pass signals on, resume; but hold the exit stop
 * of a normal exit (t->held). */
void tracer_service(struct tracer *t);

/* A stop that wait4 reported (status as wait4 gives it): handle it as
 * tracer_service would, but always resume the child. */
void tracer_resume(struct tracer *t, int wstatus);

/* Let a held child go on exiting, no longer traced. */
void tracer_release(struct tracer *t);

/* After the child is reaped: close the signalfd and restore the mask. */
void tracer_close(struct tracer *t);

#endif
