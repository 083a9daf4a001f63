/*
 * supervise.c - the parent's side of sbx_run(): start the child in its
 * namespaces, check what it reports about its own setup against the policy
 * and /proc/<child>/status, then read its channel and log under byte caps,
 * enforce the wall-clock deadline, and classify how it ended.  Every byte
 * from the child is untrusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "jail.h"
#include "namespaces.h"
#include "rlimit.h"
#include "seccomp_filter.h"
#include "setting.h"
#include "tracer.h"

/* Cap on the one setup record the child sends on the control socket. */
#define SETUP_RECORD_CAP (16u * 1024)

/*
 * From this process's /proc/self/stat: the number of threads (field 20)
 * and the initial environment block [start, end) (fields 50 and 51), which
 * the child, a copy of our memory, zeroes.
 */
struct self_stat {
	long threads;
	uint64_t env_start, env_end;
};

/* Everything one sbx_run holds, so every exit path releases the same. */
struct run {
	const struct sbx_policy *p;
	struct sbx_result *res;
	int chan[2], logp[2], ctl[2];
	int pidfd;
	pid_t pid;
	/* /proc/<child>/status and schedstat, opened while the parent works
	 * anyway, read when the child reports its setup and at its exit */
	int status_fd, schedstat_fd;
	uint64_t start, deadline;
	struct sbx_policy view; /* the policy as the child sees it */
	struct sc_filter filter;
	struct tracer tracer;
	uint64_t nofile;
	struct self_stat self;
	cpu_set_t cpus; /* the child's CPUs, while it starts on others */
	bool apart;
	size_t chan_base; /* bytes of res->channel the parent wrote itself */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
close_pair(int fds[2])
{
	close_fd(&fds[0]);
	close_fd(&fds[1]);
}

/* Read what is available on `fd` into `sb` up to `cap` bytes in total
 * (sb->len <= cap).  Returns 1 while open, 0 at EOF, 2 when the cap was
 * exceeded.  Reads straight into the buffer: a 64 KiB bounce buffer on
 * the stack costs a page fault per page on every run. */
static int
drain(int fd, struct sbuf *sb, uint64_t cap)
{
	for (;;) {
		/* One byte past the cap tells an overflow from an exact fit. */
		uint64_t room = cap - sb->len + 1;
		size_t want = room < 65536 ? (size_t)room : 65536;
		ssize_t n;

		sbuf_reserve(sb, want);
		n = read(fd, sb->buf + sb->len, want);
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
			sb->len = (size_t)cap;
			sb->buf[sb->len] = '\0';
			return 2;
		}
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
	}
}

/* True when `ch` holds a well-formed record stream with a CHAN_DONE. */
static bool
channel_has_done(const struct sbuf *ch)
{
	size_t off = 0;
	const uint8_t *payload;
	uint32_t len;
	uint8_t type;
	int r;

	while ((r = chan_next_record(ch->buf, ch->len, &off, &type, &payload,
				     &len)) == 1)
		if (type == CHAN_DONE)
			return true;
	return false;
}

/* True when the payload itself wrote a CHAN_SETTING record (after the
 * `base` bytes the parent put first): it would try to fake the setting. */
static bool
forged_setting(const struct sbuf *ch, size_t base)
{
	size_t off = base;
	const uint8_t *payload;
	uint32_t len;
	uint8_t type;

	while (chan_next_record(ch->buf, ch->len, &off, &type, &payload,
				&len) == 1)
		if (type == CHAN_SETTING)
			return true;
	return false;
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

	/* SIGXCPU is normally caught (SBX_EXIT_CPU_LIMIT).  A SIGKILL we did
	 * not send (no deadline, no cap) after the soft limit's worth of CPU
	 * is the hard limit, one second later. */
	if (res->term_signal == SIGXCPU ||
	    (res->term_signal == SIGKILL &&
	     res->cpu_ns >= p->cpu_seconds * 1000000000u)) {
		res->end = SBX_CPU_LIMIT;
		return;
	}
	switch (res->exit_status) {
	case SBX_EXIT_OK:
		/* A clean exit without a CHAN_DONE record is not success. */
		res->end =
		    channel_has_done(&res->channel) ? SBX_OK : SBX_LUA_ERROR;
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
	case SBX_EXIT_CPU_LIMIT:
		res->end = SBX_CPU_LIMIT;
		break;
	default:
		res->end = SBX_LUA_ERROR;
		break;
	}
}

/* Read one control byte; -1 on EOF or error. */
static int
read_byte(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -1;
}

static PT_NORETURN void
child_main(const struct sbx_policy *p, const struct jail_ctx *j,
	   const struct sbx_payload *pl)
{
	struct pt_err err = { 0, "" };
	struct sbx_setting s;
	struct ns_ids ns;
	struct sbuf sb = SBUF_INIT, out = SBUF_INIT;
	bool host_refused = false;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	if (jail_enter(p, j, &s, &ns, &host_refused, &err) < 0) {
		chan_put_cstr(&sb, host_refused ? "HOST_UNSUPPORTED"
						: "SETUP_FAILED");
		chan_put_cstr(&sb, err.msg);
		chan_put_cstr(&sb, "");
		(void)chan_send(j->ctl_fd, CHAN_ERROR, &sb);
		_exit(SBX_EXIT_SETUP_FAILED);
	}
	/* From here on only the allowlist's calls are possible.  Both
	 * records in one write, so the parent wakes once. */
	chan_put_u8(&sb, (uint8_t)ns.n);
	for (i = 0; i < ns.n; i++)
		chan_put_u64(&sb, ns.ino[i]);
	chan_frame(&out, JAIL_NS_RECORD, &sb);
	sbuf_reset(&sb);
	sbx_setting_encode(&s, &sb);
	chan_frame(&out, CHAN_SETTING, &sb);
	if (pt_write_all(j->ctl_fd, out.buf, out.len) < 0)
		_exit(SBX_EXIT_SETUP_FAILED);
	sbuf_free(&sb);
	sbuf_free(&out);
	if (pl->prepare != NULL && (rc = pl->prepare(pl->arg, j->chan_fd)) != 0)
		_exit(rc);
	/* Nothing of the bundle runs before the parent's go-ahead. */
	if (read_byte(j->ctl_fd) < 0)
		_exit(SBX_EXIT_SETUP_FAILED);
	close(j->ctl_fd);
	_exit(pl->run(pl->arg, j->chan_fd));
}

/* One "Key:\tvalue" line of /proc/<pid>/status as a number. */
static int
status_field(const char *status, const char *key, int base, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *line = status;

	while (line != NULL && *line != '\0') {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			char *end;

			errno = 0;
			*out = strtoull(line + klen + 1, &end, base);
			return errno != 0 || end == line + klen + 1 ? -1 : 0;
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return -1;
}

/* Open /proc/<pid>/<name> for reading; -1 on failure. */
static int
open_proc(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* The whole of a /proc file opened with open_proc, as it is now (each
 * read from offset 0 makes the kernel write it anew); -1 on failure. */
static int
proc_read(int fd, char *buf, size_t size)
{
	ssize_t n = fd >= 0 ? pread(fd, buf, size - 1, 0) : -1;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The parent's own read-back from /proc/<child>/status (`fd`): it does
 * not depend on anything the child says. */
static int
check_proc_status(int fd, struct sbx_setting *s, struct pt_err *err)
{
	char buf[8192];
	uint64_t nnp, mode, filters, eff, prm, bnd, amb, inh;

	if (proc_read(fd, buf, sizeof(buf)) < 0)
		return pt_err_set(err, EX_OSERR,
				  "cannot read the child's /proc status");
	if (status_field(buf, "NoNewPrivs", 10, &nnp) < 0 ||
	    status_field(buf, "Seccomp", 10, &mode) < 0 ||
	    status_field(buf, "Seccomp_filters", 10, &filters) < 0 ||
	    status_field(buf, "CapInh", 16, &inh) < 0 ||
	    status_field(buf, "CapPrm", 16, &prm) < 0 ||
	    status_field(buf, "CapEff", 16, &eff) < 0 ||
	    status_field(buf, "CapBnd", 16, &bnd) < 0 ||
	    status_field(buf, "CapAmb", 16, &amb) < 0)
		return pt_err_set(err, EX_OSERR,
				  "cannot parse the child's /proc status");
	/* 3 (SECCOMP_MODE_DEAD) is filter mode after the filter killed the
	 * process, which may already have happened by now (in a prepare). */
	if (mode == 3)
		mode = 2;
	s->no_new_privs = nnp == 1;
	s->seccomp_mode = (int)mode;
	/* What the report says is what the kernel shows, not the child. */
	s->cap_eff = eff;
	s->cap_prm = prm;
	s->cap_bnd = bnd;
	s->cap_amb = amb;
	if (nnp != 1 || mode != 2 || filters < 1)
		return pt_err_set(err, EX_OSERR,
				  "child status: NoNewPrivs "
				  "%llu, Seccomp %llu, %llu filters",
				  (unsigned long long)nnp,
				  (unsigned long long)mode,
				  (unsigned long long)filters);
	if (eff || prm || bnd || amb || inh)
		return pt_err_set(err, EX_OSERR,
				  "child still has "
				  "capabilities (CapEff %llx, CapBnd %llx)",
				  (unsigned long long)eff,
				  (unsigned long long)bnd);
	return 0;
}

/*
 * Wait (until the deadline) for the child's next setup record on the
 * control socket, gathered in `sb`, where *off is where it starts.  Returns
 * 1 with the record (type in *type) and *off past it, 0 when the child died
 * or timed out first, -1 on a malformed record.
 */
static int
read_setup_record(struct run *r, struct sbuf *sb, size_t *off, uint8_t *type,
		  const uint8_t **payload, uint32_t *len)
{
	for (;;) {
		struct pollfd pfd[2] = { { r->ctl[0], POLLIN, 0 },
					 { tracer_fd(&r->tracer), POLLIN, 0 } };
		uint64_t now = now_ns();
		size_t next = *off;
		char buf[4096];
		ssize_t n;
		int rc;

		rc = chan_next_record(sb->buf, sb->len, &next, type, payload,
				      len);
		if (rc == 1) {
			*off = next;
			return 1;
		}
		if (now >= r->deadline)
			return 0;
		rc = poll(pfd, 2, (int)((r->deadline - now) / 1000000u) + 1);
		if (rc < 0 && errno != EINTR)
			return 0;
		if (rc <= 0)
			continue;
		/* A child dying during setup stops at its exit first. */
		if (pfd[1].revents & POLLIN)
			tracer_service(&r->tracer);
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(r->ctl[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		if (sb->len + (size_t)n > SETUP_RECORD_CAP)
			return -1;
		sbuf_add(sb, buf, (size_t)n);
	}
}

/* From this process's /proc/self/stat; see struct self_stat. */
static int
read_self_stat(struct self_stat *st, struct pt_err *err)
{
	char buf[4096], *p;
	unsigned long long a = 0, b = 0;
	ssize_t n;
	int fd, field;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pt_err_set(err, EX_OSERR, "open /proc/self/stat: %s",
				  strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return pt_err_set(err, EX_OSERR, "read /proc/self/stat");
	buf[n] = '\0';
	/* Fields after the command name, which may contain ')' itself. */
	p = strrchr(buf, ')');
	for (field = 2; p != NULL && field < 20; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%ld", &st->threads) != 1)
		return pt_err_set(err, EX_OSERR,
				  "cannot parse /proc/self/stat");
	for (; p != NULL && field < 50; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu %llu", &a, &b) != 2)
		return pt_err_set(err, EX_OSERR,
				  "cannot find the initial "
				  "environment block");
	st->env_start = a;
	st->env_end = b;
	return 0;
}

/*
 * The child's next setup record, which must be of type `want`.  Returns 1
 * with its payload, 0 when setup failed (`why` says how), -1 with `err`
 * when the child reports that the host refused a kernel feature (code 71).
 */
static int
expect_record(struct run *r, struct sbuf *sb, size_t *off, uint8_t want,
	      const uint8_t **payload, uint32_t *len, struct pt_err *why,
	      struct pt_err *err)
{
	struct chan_cursor c;
	char *cls, *msg;
	uint8_t type = 0;
	int rc;

	rc = read_setup_record(r, sb, off, &type, payload, len);
	if (rc <= 0) {
		pt_err_set(why, EX_OSERR,
			   rc == 0 ? "child ended or timed out during setup"
				   : "malformed setup record");
		return 0;
	}
	if (type == want)
		return 1;
	if (type != CHAN_ERROR) {
		pt_err_set(why, EX_OSERR, "unexpected setup record");
		return 0;
	}
	chan_cursor_init(&c, *payload, *len);
	cls = chan_get_strdup(&c);
	msg = chan_get_strdup(&c);
	rc = strcmp(cls, "HOST_UNSUPPORTED") == 0 && !c.bad ? -1 : 0;
	pt_err_set(rc < 0 ? err : why, EX_OSERR, "sandbox setup: %s",
		   c.bad ? "malformed error record" : msg);
	free(cls);
	free(msg);
	return rc;
}

/* Send the setup record (jail.h): the environment block's bounds and the
 * filter.  0, or 1 with `why`. */
static int
send_setup(struct run *r, struct pt_err *why)
{
	struct sbuf sb = SBUF_INIT;
	int rc = 0;

	chan_put_u64(&sb, r->self.env_start);
	chan_put_u64(&sb, r->self.env_end);
	chan_put_str(&sb, r->filter.prog,
		     r->filter.len * sizeof(struct sock_filter));
	if (sb.len > JAIL_SETUP_MAX) {
		pt_err_set(why, EX_SOFTWARE, "seccomp filter too large");
		rc = 1;
	} else if (chan_send(r->ctl[0], JAIL_SETUP_RECORD, &sb) < 0) {
		pt_err_set(why, EX_OSERR, "child gone before setup");
		rc = 1;
	}
	sbuf_free(&sb);
	return rc;
}

/*
 * A new task is queued on its parent's CPU, where it waits until the parent
 * blocks; but right after clone both have work to do (the child its
 * namespaces and root, the parent the maps and the filter).  So start the
 * child on another CPU where there is one, and give it all of its CPUs
 * back with the go-ahead.  Best effort: nothing else depends on it.
 */
static void
start_apart(struct run *r)
{
	cpu_set_t others;
	int cpu = sched_getcpu();

	r->apart = false;
	if (cpu < 0 || cpu >= CPU_SETSIZE ||
	    sched_getaffinity(0, sizeof(r->cpus), &r->cpus) < 0)
		return;
	others = r->cpus;
	CPU_CLR(cpu, &others);
	if (CPU_COUNT(&others) > 0)
		r->apart =
		    sched_setaffinity(r->pid, sizeof(others), &others) == 0;
}

static void
end_apart(struct run *r)
{
	if (r->apart)
		(void)sched_setaffinity(r->pid, sizeof(r->cpus), &r->cpus);
	r->apart = false;
}

/* The child's JAIL_NS_RECORD (jail.h) into `ids`; -1 when malformed. */
static int
decode_ns_ids(const uint8_t *payload, uint32_t len, struct ns_ids *ids)
{
	struct chan_cursor c;
	size_t i;

	chan_cursor_init(&c, payload, len);
	ids->n = chan_get_u8(&c);
	if (ids->n > NS_MAX)
		return -1;
	for (i = 0; i < ids->n; i++)
		ids->ino[i] = chan_get_u64(&c);
	return c.bad || !chan_cursor_done(&c) ? -1 : 0;
}

/*
 * The setup phase.  While the child makes its remaining namespaces and its
 * root: attach the tracer, write the uid/gid maps, check that we are one
 * thread, build the filter, read our own namespace ids, send the setup
 * record.  Then check what the child reports once its filter is loaded
 * against the policy, our namespaces and /proc/<child>/status.  Returns 1
 * when the payload may start, 0 when setup failed (res->end is
 * SETUP_FAILED, detail says why), -1 with `err` when the host refused a
 * kernel feature or we were started from a threaded process.
 */
static int
supervise_setup(struct run *r, struct pt_err *err)
{
	struct sc_fds scfds = { SBX_CHILD_CHAN_FD, SBX_CHILD_CTL_FD };
	struct sbx_setting *s = &r->res->setting;
	struct sbuf sb = SBUF_INIT, rec = SBUF_INIT;
	const uint8_t *payload = NULL;
	struct pt_err why = { 0, "" };
	struct ns_ids ours, theirs;
	char nslist[sizeof(s->namespaces)];
	uint32_t len = 0;
	size_t off = 0;
	int rc;

	start_apart(r);
	/* Before the child can make itself non-dumpable: it waits for the
	 * setup record, which is sent only after this. */
	tracer_seize(&r->tracer, r->pid);
	if (ns_write_maps(r->pid, err) < 0 || read_self_stat(&r->self, err) < 0)
		return -1;
	r->status_fd = open_proc(r->pid, "status");
	r->schedstat_fd = open_proc(r->pid, "schedstat"); /* optional */
	/* A raw clone copies only the calling thread; see sandbox.h.  The
	 * copy is killed before it runs anything but our setup. */
	if (r->self.threads != 1)
		return pt_err_set(err, EX_SOFTWARE,
				  "the sandbox must be started from a "
				  "single-threaded process (found %ld "
				  "threads)",
				  r->self.threads);
	if (sc_build(&r->view, &scfds, &r->filter, &why) < 0 ||
	    ns_read_ids(&ours, &why) < 0 || send_setup(r, &why) != 0)
		goto failed;
	rc = expect_record(r, &sb, &off, JAIL_NS_RECORD, &payload, &len, &why,
			   err);
	if (rc == 1 && decode_ns_ids(payload, len, &theirs) < 0) {
		pt_err_set(&why, EX_OSERR, "malformed namespace record");
		rc = 0;
	} else if (rc == 1 && ns_compare(&ours, &theirs, nslist, sizeof(nslist),
					 &why) < 0) {
		rc = 0;
	}
	if (rc == 1)
		rc = expect_record(r, &sb, &off, CHAN_SETTING, &payload, &len,
				   &why, err);
	if (rc < 0) {
		sbuf_free(&sb);
		return -1;
	}
	if (rc == 0)
		goto failed;
	if (setting_decode(payload, len, s) < 0) {
		pt_err_set(&why, EX_OSERR, "malformed setting record");
		goto failed;
	}
	if (s->dumpable || check_proc_status(r->status_fd, s, &why) < 0 ||
	    rl_check(r->p, r->nofile, s, &why) < 0)
		goto failed;
	/* Verified: the go-ahead first, the bookkeeping while the payload
	 * starts.  A child that already ended (in its payload's prepare)
	 * cannot take the byte; its end is classified like any other
	 * payload's. */
	(void)send(r->ctl[0], "g", 1, MSG_NOSIGNAL);
	end_apart(r);
	/* The parent's facts override whatever the child claimed. */
	snprintf(s->namespaces, sizeof(s->namespaces), "%s", nslist);
	snprintf(s->allowlist_name, sizeof(s->allowlist_name), "%s",
		 r->p->allowlist == SBX_ALLOW_INTAKE ? "intake" : "lua");
	snprintf(s->allowlist, sizeof(s->allowlist), "%s", r->filter.names);
	snprintf(s->filter_sha256, sizeof(s->filter_sha256), "%s",
		 r->filter.sha256);
	s->valid = true;
	sbx_setting_encode(s, &rec);
	chan_frame(&r->res->channel, CHAN_SETTING, &rec);
	sbuf_free(&rec);
	sbuf_free(&sb);
	r->chan_base = r->res->channel.len;
	return 1;
failed:
	sbuf_free(&sb);
	r->res->end = SBX_SETUP_FAILED;
	snprintf(r->res->detail, sizeof(r->res->detail), "%s", why.msg);
	return 0;
}

/* The main phase: channel, log, exit and deadline.  Returns with the child
 * still unreaped; sets *timed_out / *output_over. */
static void
supervise_payload(struct run *r, bool *timed_out, bool *output_over)
{
	bool chan_open = true, log_open = true, exited = false;
	const struct sbx_policy *p = r->p;
	bool watch_open = p->watch_fd >= 0;
	uint64_t next_tick = now_ns() + (uint64_t)p->tick_ms * 1000000u;

	fcntl(r->chan[0], F_SETFL, O_NONBLOCK);
	fcntl(r->logp[0], F_SETFL, O_NONBLOCK);
	while (!exited || chan_open || log_open || watch_open) {
		struct pollfd fds[5];
		uint64_t now = now_ns();
		int timeout_ms, rc;

		if (now >= r->deadline) {
			*timed_out = !exited;
			break;
		}
		timeout_ms = (int)((r->deadline - now) / 1000000u) + 1;
		if (p->tick_fn != NULL) {
			if (now >= next_tick) {
				p->tick_fn(p->tick_arg);
				next_tick =
				    now + (uint64_t)p->tick_ms * 1000000u;
			}
			if (timeout_ms > (int)p->tick_ms)
				timeout_ms = (int)p->tick_ms;
		}
		fds[0] = (struct pollfd){ r->pidfd, exited ? 0 : POLLIN, 0 };
		fds[1] =
		    (struct pollfd){ chan_open ? r->chan[0] : -1, POLLIN, 0 };
		fds[2] =
		    (struct pollfd){ log_open ? r->logp[0] : -1, POLLIN, 0 };
		fds[3] =
		    (struct pollfd){ watch_open ? p->watch_fd : -1, POLLIN, 0 };
		fds[4] = (struct pollfd){ tracer_fd(&r->tracer), POLLIN, 0 };
		rc = poll(fds, 5, timeout_ms);
		if (rc < 0 && errno != EINTR)
			break;
		/* The exit stop comes before the descriptors close. */
		if (fds[4].revents & POLLIN)
			tracer_service(&r->tracer);
		if (r->tracer.held) {
			/* It exited: everything it wrote is in the pipes. */
			if (chan_open &&
			    drain(r->chan[0], &r->res->channel,
				  r->chan_base + p->channel_cap) == 2) {
				r->res->channel_overflow = true;
				*output_over = true;
			}
			if (log_open &&
			    drain(r->logp[0], &r->res->log, p->log_cap) == 2) {
				r->res->log_truncated = true;
				*output_over = true;
			}
			if (watch_open &&
			    p->watch_fn(p->watch_arg, p->watch_fd) < 0)
				*output_over = true;
			break;
		}
		if (chan_open &&
		    (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			rc = drain(r->chan[0], &r->res->channel,
				   r->chan_base + p->channel_cap);
			if (rc == 2) {
				r->res->channel_overflow = true;
				*output_over = true;
				break;
			}
			chan_open = rc == 1;
		}
		if (log_open &&
		    (fds[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			rc = drain(r->logp[0], &r->res->log, p->log_cap);
			if (rc == 2) {
				r->res->log_truncated = true;
				*output_over = true;
				break;
			}
			log_open = rc == 1;
		}
		if (watch_open &&
		    (fds[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			rc = p->watch_fn(p->watch_arg, p->watch_fd);
			if (rc < 0) {
				*output_over = true;
				break;
			}
			watch_open = rc == 0;
		}
		if (!exited && (fds[0].revents & POLLIN))
			exited = true;
		/* The parent may hold its own copy of the watched pipe, so it
		 * never reaches end of file by itself: once the child is gone
		 * and its pipes are drained, give the watcher a last call. */
		if (exited && !chan_open && !log_open && watch_open) {
			if (p->watch_fn(p->watch_arg, p->watch_fd) < 0)
				*output_over = true;
			watch_open = false;
		}
	}
}

/*
 * Children that ended with a normal exit are held at their exit stop
 * (tracer.h), where their result is complete; they are then let go and
 * reaped later, so sbx_run need not wait while the kernel tears down their
 * namespaces.  They are reaped by the next sbx_run or by sbx_reap(); a
 * process that exits first leaves them to its reaper, like any orphan.
 * They were made without an exit signal, so nobody gets a SIGCHLD.
 */
#define MAX_EXITING 8
static int exiting[MAX_EXITING]; /* their pidfds */
static size_t nexiting;

void
sbx_reap(void)
{
	while (nexiting > 0) {
		int fd = exiting[--nexiting];
		siginfo_t si;

		while (waitid(P_PIDFD, (id_t)fd, &si, WEXITED | __WALL) < 0 &&
		       errno == EINTR)
			;
		close(fd);
	}
}

/* What wait4 would report of a child held at its exit stop: its CPU time
 * (the scheduler's, in ns: schedstat's first field) and peak RSS (VmHWM).
 * -1 when /proc does not say. */
static int
usage_at_exit(const struct run *r, struct rusage *ru)
{
	char buf[8192];
	uint64_t ns, hwm;

	if (proc_read(r->schedstat_fd, buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%" SCNu64, &ns) != 1 || ns == 0 ||
	    proc_read(r->status_fd, buf, sizeof(buf)) < 0 ||
	    status_field(buf, "VmHWM", 10, &hwm) < 0)
		return -1;
	memset(ru, 0, sizeof(*ru));
	ru->ru_utime.tv_sec = (time_t)(ns / 1000000000u);
	ru->ru_utime.tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
	ru->ru_maxrss = (long)hwm;
	return 0;
}

/* Learn how the child ended.  A child held at its exit stop has told us
 * already: let it go and reap it later.  Otherwise kill it (harmless if
 * already dead) and reap it; a killed tracee may still pass its exit stop,
 * which wait4 reports first: resume it and go on. */
static void
finish_child(struct run *r, int *status, struct rusage *ru)
{
	if (r->tracer.held && usage_at_exit(r, ru) == 0) {
		*status = r->tracer.exit_status;
		tracer_release(&r->tracer);
		/* Should the detach have failed, this ends the stop (a no-op
		 * for a task already exiting), so sbx_reap cannot hang. */
		syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
		if (nexiting == MAX_EXITING)
			sbx_reap();
		exiting[nexiting++] = r->pidfd;
		r->pidfd = -1;
		return;
	}
	tracer_release(&r->tracer);
	syscall(SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
	for (;;) {
		memset(ru, 0, sizeof(*ru));
		*status = 0;
		if (wait4(r->pid, status, __WALL, ru) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (!WIFSTOPPED(*status))
			return;
		tracer_resume(&r->tracer, *status);
	}
}

static void
run_release(struct run *r)
{
	close_pair(r->chan);
	close_pair(r->logp);
	close_pair(r->ctl);
	close_fd(&r->pidfd);
	close_fd(&r->status_fd);
	close_fd(&r->schedstat_fd);
	tracer_close(&r->tracer);
	sc_free(&r->filter);
}

void
sbx_result_fini(struct sbx_result *r)
{
	sbuf_free(&r->channel);
	sbuf_free(&r->log);
}

int
sbx_refuse_setuid(struct pt_err *err)
{
	if (getuid() != geteuid() || getgid() != getegid())
		return pt_err_set(err, EX_NOPERM,
				  "proeftuin must not run "
				  "set-user-ID or set-group-ID; it needs no "
				  "privileges (it uses user namespaces)");
	return 0;
}

static int
noop_payload(void *arg, int chan_fd)
{
	struct sbuf sb = SBUF_INIT;

	(void)arg;
	return chan_send(chan_fd, CHAN_DONE, &sb) < 0 ? 1 : 0;
}

int
sbx_host_check(struct pt_err *err)
{
	struct sbx_policy *p = sbx_policy_new();
	struct sbx_result res;
	int rc;

	sbx_policy_set_wall_ms(p, 10000);
	rc = sbx_run(p, &(struct sbx_payload){ NULL, noop_payload, NULL }, &res,
		     err);
	if (rc == 0 && res.end != SBX_OK)
		rc = pt_err_set(err, EX_OSERR,
				"the sandbox does not work on "
				"this host: %s%s%s",
				sbx_end_name(res.end),
				res.detail[0] ? ": " : "", res.detail);
	if (rc == 0 || res.end != SBX_OK)
		sbx_result_fini(&res);
	sbx_policy_free(p);
	return rc;
}

/* The policy as the child sees it: kept descriptors in their fixed slots
 * (see SBX_CHILD_KEEP_BASE).  The filter and the limits are computed from
 * this view, so they are the same whatever numbers the runner had. */
static void
child_view(const struct sbx_policy *p, struct sbx_policy *v)
{
	int i;

	*v = *p;
	for (i = 0; i < p->nkeep_fds; i++) {
		v->keep_fds[i] = SBX_CHILD_KEEP_BASE + i;
		if (p->write_dir_fd == p->keep_fds[i])
			v->write_dir_fd = SBX_CHILD_KEEP_BASE + i;
	}
}

/*
 * In the child, first thing: move the channel, control socket, log pipe and
 * kept descriptors to their fixed slots.  Every source is first duplicated
 * above all of them and all targets, so no move can clobber another source.
 */
static int
renumber_fds(const struct sbx_policy *p, int chan, int ctl, int log)
{
	int src[3 + SBX_MAX_KEEP_FDS], tmp[3 + SBX_MAX_KEEP_FDS];
	int i, n = 0, top = SBX_CHILD_KEEP_BASE + p->nkeep_fds;

	src[n++] = chan;
	src[n++] = ctl;
	src[n++] = log;
	for (i = 0; i < p->nkeep_fds; i++)
		src[n++] = p->keep_fds[i];
	for (i = 0; i < n; i++)
		if (src[i] >= top)
			top = src[i] + 1;
	for (i = 0; i < n; i++) {
		tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, top);
		if (tmp[i] < 0)
			return -1;
	}
	for (i = 0; i < n; i++)
		if (dup3(tmp[i], SBX_CHILD_CHAN_FD + i, O_CLOEXEC) < 0)
			return -1;
	return (int)syscall(SYS_close_range, (unsigned)top, ~0u, 0u);
}

int
sbx_run(const struct sbx_policy *p, const struct sbx_payload *pl,
	struct sbx_result *res, struct pt_err *err)
{
	struct run r = { .p = p,
			 .res = res,
			 .chan = { -1, -1 },
			 .logp = { -1, -1 },
			 .ctl = { -1, -1 },
			 .pidfd = -1,
			 .status_fd = -1,
			 .schedstat_fd = -1,
			 .tracer = { .sigfd = -1 } };
	struct jail_ctx j;
	bool timed_out = false, output_over = false;
	struct rusage ru;
	int status = 0, rc;

	sbx_reap();
	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	if (p->write_dir_fd >= 0 && p->allowlist != SBX_ALLOW_INTAKE)
		return pt_err_set(err, EX_SOFTWARE,
				  "a write directory needs "
				  "the intake allowlist");
	if (sc_host_check(err) < 0)
		return -1;
	if (pipe2(r.chan, O_CLOEXEC) < 0 || pipe2(r.logp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r.ctl) < 0) {
		rc = pt_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
		goto out;
	}
	if (tracer_open(&r.tracer) < 0) {
		rc = pt_err_set(err, EX_OSERR, "signalfd: %s", strerror(errno));
		goto out;
	}
	child_view(p, &r.view);
	r.nofile = rl_nofile(&r.view, SBX_CHILD_CHAN_FD, SBX_CHILD_CTL_FD);
	j = (struct jail_ctx){ SBX_CHILD_CHAN_FD, SBX_CHILD_LOG_FD,
			       SBX_CHILD_CTL_FD, r.nofile };

	r.start = now_ns();
	r.deadline = r.start + p->wall_ms * 1000000u;
	r.pid = ns_clone(&r.pidfd, err);
	if (r.pid < 0) {
		rc = -1;
		goto out;
	}
	if (r.pid == 0) {
		close(r.chan[0]);
		close(r.logp[0]);
		close(r.ctl[0]);
		if (renumber_fds(p, r.chan[1], r.ctl[1], r.logp[1]) < 0)
			_exit(SBX_EXIT_SETUP_FAILED);
		child_main(&r.view, &j, pl);
	}
	close_fd(&r.chan[1]);
	close_fd(&r.logp[1]);
	close_fd(&r.ctl[1]);

	rc = supervise_setup(&r, err);
	if (rc == 1)
		supervise_payload(&r, &timed_out, &output_over);
	finish_child(&r, &status, &ru);
	res->wall_ns = now_ns() - r.start;
	if (rc < 0)
		goto out;
	if (rc == 1) {
		classify(p, res, status, timed_out, output_over, &ru);
		if (forged_setting(&res->channel, r.chan_base)) {
			/* Only the parent writes the setting record. */
			res->end = SBX_LUA_ERROR;
			snprintf(res->detail, sizeof(res->detail),
				 "the payload sent a setting record");
		}
		if (res->end == SBX_SECCOMP_VIOLATION)
			snprintf(res->syscall, sizeof(res->syscall), "unknown");
		if (res->end == SBX_SECCOMP_VIOLATION && r.tracer.have_nr)
			sc_syscall_name(r.tracer.nr, res->syscall,
					sizeof(res->syscall));
	}
	rc = 0;
out:
	run_release(&r);
	if (rc < 0)
		sbx_result_fini(res);
	return rc;
}
