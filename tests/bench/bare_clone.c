/*
 * bare_clone.c - the isolation benchmark's reference point: one clone(2)
 * into the same new user, mount, PID, network, IPC, UTS and cgroup
 * namespaces the sandbox uses, a child that exits at once, and a wait.
 * Nothing else: no maps, no root, no limits, no filter, no Lua.  What the
 * kernel charges for the namespaces alone, plus starting a process.
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(void)
{
	long pid =
	    syscall(SYS_clone,
		    CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
			CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD,
		    NULL, NULL, NULL, NULL);
	int status;

	if (pid < 0) {
		perror("bare_clone: clone");
		return 71;
	}
	if (pid == 0)
		_exit(0);
	if (waitpid((pid_t)pid, &status, 0) < 0)
		return 71;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 71;
}
