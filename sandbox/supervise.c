/*
 * supervise.c - the parent's side of sbx_run(): start the child, read its
 * channel and log under byte caps, enforce the wall-clock deadline, and
 * classify how it ended.  Every byte from the child is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "jail.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/* Read what is available on `fd` into `sb` up to `cap` bytes in total.
 * Returns 1 while open, 0 at EOF, 2 when the cap was exceeded. */
static int
drain(int fd, struct sbuf *sb, uint64_t cap)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 1;
			return 0;
		}
		if (n == 0)
			return 0;
		if (sb->len + (uint64_t)n > cap) {
			sbuf_add(sb, buf, (size_t)(cap - sb->len));
			return 2;
		}
		sbuf_add(sb, buf, (size_t)n);
	}
}

static void
classify(const struct sbx_policy *p, struct sbx_result *res, int status,
	 bool timed_out, bool output_over, const struct rusage *ru)
{
	res->cpu_ns =
	    ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) *
		1000000000u +
	    ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) *
		1000u;
	res->max_rss_kib = (uint64_t)ru->ru_maxrss;
	if (WIFEXITED(status)) {
		res->exit_status = WEXITSTATUS(status);
		res->term_signal = 0;
	} else {
		res->exit_status = -1;
		res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}

	if (output_over) {
		res->end = SBX_OUTPUT_LIMIT;
		return;
	}
	if (timed_out) {
		res->end = SBX_TIMEOUT;
		return;
	}
	if (res->term_signal == SIGSYS) {
		res->end = SBX_SECCOMP_VIOLATION;
		return;
	}
	if (res->term_signal == SIGXCPU ||
	    (res->term_signal == SIGKILL &&
	     res->cpu_ns / 1000000000u >= p->cpu_seconds)) {
		res->end = SBX_CPU_LIMIT;
		return;
	}
	switch (res->exit_status) {
	case SBX_EXIT_OK:
		res->end = SBX_OK;
		break;
	case SBX_EXIT_INSTRUCTION_LIMIT:
		res->end = SBX_INSTRUCTION_LIMIT;
		break;
	case SBX_EXIT_MEMORY_LIMIT:
		res->end = SBX_MEMORY_LIMIT;
		break;
	case SBX_EXIT_OUTPUT_LIMIT:
		res->end = SBX_OUTPUT_LIMIT;
		break;
	case SBX_EXIT_SETUP_FAILED:
		res->end = SBX_SETUP_FAILED;
		break;
	default:
		res->end = SBX_LUA_ERROR;
		break;
	}
}

static PT_NORETURN void
child_main(const struct sbx_policy *p, int chan_fd, int log_fd,
	   sbx_payload_fn fn, void *arg)
{
	struct pt_err err = { 0, "" };
	int status;

	if (jail_enter(p, chan_fd, log_fd, &err) < 0) {
		struct sbuf sb = SBUF_INIT;

		chan_put_cstr(&sb, "SETUP_FAILED");
		chan_put_cstr(&sb, err.msg);
		chan_put_cstr(&sb, "");
		(void)chan_send(chan_fd, CHAN_ERROR, &sb);
		_exit(SBX_EXIT_SETUP_FAILED);
	}
	status = fn(arg, chan_fd);
	_exit(status);
}

void
sbx_result_fini(struct sbx_result *r)
{
	sbuf_free(&r->channel);
	sbuf_free(&r->log);
}

int
sbx_run(const struct sbx_policy *p, sbx_payload_fn fn, void *arg,
	struct sbx_result *res, struct pt_err *err)
{
	int chan[2] = { -1, -1 }, logp[2] = { -1, -1 };
	int pidfd = -1, status = 0;
	bool timed_out = false, output_over = false;
	bool chan_open = true, log_open = true, exited = false;
	bool watch_open = p->watch_fd >= 0;
	uint64_t start, deadline;
	struct rusage ru;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	if (pipe2(chan, O_CLOEXEC) < 0 || pipe2(logp, O_CLOEXEC) < 0) {
		close_pair(chan);
		return pt_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	}

	start = now_ns();
	deadline = start + p->wall_ms * 1000000u;
	pid = fork();
	if (pid < 0) {
		close_pair(chan);
		close_pair(logp);
		return pt_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(chan[0]);
		close(logp[0]);
		child_main(p, chan[1], logp[1], fn, arg);
	}
	close(chan[1]);
	close(logp[1]);
	chan[1] = logp[1] = -1;
	fcntl(chan[0], F_SETFL, O_NONBLOCK);
	fcntl(logp[0], F_SETFL, O_NONBLOCK);

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close_pair(chan);
		close_pair(logp);
		return pt_err_set(err, EX_OSERR, "pidfd_open: %s",
				  strerror(errno));
	}

	while (!exited || chan_open || log_open || watch_open) {
		struct pollfd fds[4];
		uint64_t now = now_ns();
		int nfds = 0, timeout_ms, r;

		if (now >= deadline) {
			timed_out = !exited;
			break;
		}
		timeout_ms = (int)((deadline - now) / 1000000u) + 1;
		fds[nfds++] = (struct pollfd){ pidfd, exited ? 0 : POLLIN, 0 };
		fds[nfds++] =
		    (struct pollfd){ chan_open ? chan[0] : -1, POLLIN, 0 };
		fds[nfds++] =
		    (struct pollfd){ log_open ? logp[0] : -1, POLLIN, 0 };
		fds[nfds++] =
		    (struct pollfd){ watch_open ? p->watch_fd : -1, POLLIN, 0 };
		r = poll(fds, (nfds_t)nfds, timeout_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (chan_open &&
		    (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = drain(chan[0], &res->channel, p->channel_cap);
			if (r == 2) {
				res->channel_overflow = true;
				output_over = true;
				break;
			}
			chan_open = r == 1;
		}
		if (log_open &&
		    (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = drain(logp[0], &res->log, p->log_cap);
			if (r == 2) {
				res->log_truncated = true;
				output_over = true;
				break;
			}
			log_open = r == 1;
		}
		if (watch_open &&
		    (fds[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			r = p->watch_fn(p->watch_arg, p->watch_fd);
			if (r < 0) {
				output_over = true;
				break;
			}
			watch_open = r == 0;
		}
		if (!exited && (fds[0].revents & POLLIN))
			exited = true;
	}

	/* SIGKILL is harmless if the child already exited but was not reaped.
	 */
	kill(pid, SIGKILL);
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	res->wall_ns = now_ns() - start;
	classify(p, res, status, timed_out, output_over, &ru);
	close(pidfd);
	close_pair(chan);
	close_pair(logp);
	return 0;
}
