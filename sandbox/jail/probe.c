/*
 * probe.c - the sandbox's setup one step at a time; see probe.h.
 *
 * The parent forks a child, which makes the user namespace and reports;
 * the parent writes its maps (ns_write_maps, as sbx_run does) and lets it
 * go on; the child makes the mount and PID namespaces and forks the PID
 * namespace's first process, which makes the rest (ns_unshare_rest), the
 * empty root (ns_enter_empty_root_steps), sets no_new_privs, applies
 * Landlock (ll_restrict) and loads the real Lua allowlist (sc_build in the
 * parent, sc_load in the child).  Each step's outcome is one fixed-size
 * record on a pipe, written with one write(2) (atomic below PIPE_BUF); the
 * filter allows writes on that pipe, so the last record is sent from
 * under it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "landlock.h"
#include "namespaces.h"
#include "policy_priv.h"
#include "probe.h"
#include "seccomp_filter.h"

#define PROBE_TIMEOUT_MS 20000

static const struct {
	const char *name, *call;
} step_info[PROBE_NSTEPS] = {
	{ "user namespace", "unshare(CLONE_NEWUSER)" },
	{ "uid/gid map", "write /proc/PID/{setgroups,uid_map,gid_map}" },
	{ "mount namespace", "unshare(CLONE_NEWNS)" },
	{ "PID namespace", "unshare(CLONE_NEWPID), fork" },
	{ "network, IPC, UTS and cgroup namespaces",
	  "unshare(CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWUTS|CLONE_NEWCGROUP)" },
	{ "mounts and pivot_root",
	  "mount(MS_PRIVATE), mount(tmpfs), pivot_root, umount2" },
	{ "no_new_privs", "prctl(PR_SET_NO_NEW_PRIVS)" },
	{ "Landlock", "landlock_create_ruleset, landlock_restrict_self" },
	{ "seccomp filter", "seccomp(SECCOMP_SET_MODE_FILTER)" },
	{ "sandbox run", "a whole sandboxed run that does nothing" },
};

/* One step's outcome on the pipe. */
struct wire {
	uint8_t step;
	uint8_t state;
	int32_t err_no;
	char detail[200];
};

/* The first line of a small file, without its newline; "" when none. */
static void
read_line(const char *path, char *out, size_t outlen)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, out, outlen - 1);
	close(fd);
	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

/* The AppArmor label of this process ("unconfined", "name (enforce)"). */
static void
read_label(char *out, size_t outlen)
{
	read_line("/proc/self/attr/apparmor/current", out, outlen);
	if (out[0] == '\0')
		read_line("/proc/self/attr/current", out, outlen);
}

static void
read_status(struct sbx_probe_host *h)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	h->seccomp_mode = h->seccomp_filters = h->no_new_privs = -1;
	if (f == NULL)
		return;
	h->proc_present = true;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long v;

		if (sscanf(line, "Seccomp: %llu", &v) == 1)
			h->seccomp_mode = (int)v;
		else if (sscanf(line, "Seccomp_filters: %llu", &v) == 1)
			h->seccomp_filters = (int)v;
		else if (sscanf(line, "NoNewPrivs: %llu", &v) == 1)
			h->no_new_privs = (int)v;
		else if (sscanf(line, "CapEff: %llx", &v) == 1)
			h->cap_eff = v;
		else if (sscanf(line, "CapBnd: %llx", &v) == 1)
			h->cap_bnd = v;
	}
	fclose(f);
}

/* Container runtimes mask parts of /proc by mounting over them
 * (/proc/kcore, /proc/sys read-only, ...). */
static bool
proc_masked(void)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool masked = false;

	if (f == NULL)
		return false;
	while (!masked && fgets(line, sizeof(line), f) != NULL) {
		char mp[512];

		if (sscanf(line, "%*s %*s %*s %*s %511s", mp) == 1 &&
		    strncmp(mp, "/proc/", 6) == 0 &&
		    strcmp(mp, "/proc/sys/fs/binfmt_misc") != 0)
			masked = true;
	}
	fclose(f);
	return masked;
}

static const char *
engine(void)
{
	struct stat st;

	if (getenv("KUBERNETES_SERVICE_HOST") != NULL)
		return "kubernetes";
	if (getenv("SLURM_JOB_ID") != NULL)
		return "slurm";
	if (stat("/.dockerenv", &st) == 0)
		return "docker";
	if (stat("/run/.containerenv", &st) == 0)
		return "podman";
	return "";
}

/* "         0          0 4294967295" as "0 0 4294967295". */
static void
squeeze_spaces(char *s)
{
	char *w = s;
	const char *r;

	for (r = s; *r != '\0'; r++)
		if (*r != ' ' || (w > s && w[-1] != ' '))
			*w++ = *r;
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

static void
read_host(struct sbx_probe_host *h)
{
	memset(h, 0, sizeof(*h));
	h->unprivileged_userns_clone =
	    ns_read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	h->max_user_namespaces =
	    ns_read_sysctl("/proc/sys/user/max_user_namespaces");
	h->apparmor_restrict = ns_read_sysctl(
	    "/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	read_label(h->apparmor_label, sizeof(h->apparmor_label));
	read_status(h);
	h->proc_masked = proc_masked();
	read_line("/proc/self/uid_map", h->uid_map, sizeof(h->uid_map));
	squeeze_spaces(h->uid_map);
	{
		unsigned long a, b, c;

		h->in_userns =
		    h->uid_map[0] != '\0' &&
		    !(sscanf(h->uid_map, "%lu %lu %lu", &a, &b, &c) == 3 &&
		      a == 0 && b == 0 && c == 4294967295ul);
	}
	h->euid = (unsigned)geteuid();
	h->landlock_abi = ll_abi();
	h->engine = engine();
}

static void
send_step(int fd, enum sbx_probe_id id, enum sbx_probe_state st, int e,
	  const char *detail)
{
	struct wire w;

	memset(&w, 0, sizeof(w));
	w.step = (uint8_t)id;
	w.state = (uint8_t)st;
	w.err_no = e;
	snprintf(w.detail, sizeof(w.detail), "%s",
		 detail != NULL ? detail : "");
	(void)!write(fd, &w, sizeof(w));
}

/* The PID namespace's first process: everything after the namespaces
 * that clone(2) makes in a real run, in jail_enter's order. */
PT_NORETURN static void
grandchild(int rep, const struct sc_filter *filter,
	   const struct sbx_policy *pol)
{
	struct pt_err err = { 0, "" };
	struct ns_step st;
	int abi = 0;

	send_step(rep, PROBE_PIDNS, PROBE_OK, 0, NULL);
	if (ns_unshare_rest(&err) < 0) {
		send_step(rep, PROBE_OTHERNS, PROBE_FAILED, errno, err.msg);
		_exit(1);
	}
	send_step(rep, PROBE_OTHERNS, PROBE_OK, 0, NULL);
	if (ns_enter_empty_root_steps(&st, &err) < 0) {
		char d[200];

		snprintf(d, sizeof(d), "%s", st.name);
		send_step(rep, PROBE_ROOT, PROBE_FAILED, st.err_no, d);
		_exit(1);
	}
	send_step(rep, PROBE_ROOT, PROBE_OK, 0, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		send_step(rep, PROBE_NNP, PROBE_FAILED, errno, NULL);
		_exit(1);
	}
	send_step(rep, PROBE_NNP, PROBE_OK, 0, NULL);
	if (ll_restrict(pol, &abi, &err) < 0) {
		send_step(rep, PROBE_LANDLOCK, PROBE_FAILED, errno, err.msg);
		_exit(1);
	}
	{
		char d[64];

		snprintf(d, sizeof(d), "ABI %d", abi);
		send_step(rep, PROBE_LANDLOCK, abi > 0 ? PROBE_OK : PROBE_WARN,
			  0, abi > 0 ? d : "this kernel has no Landlock");
	}
	if (filter->len == 0)
		_exit(1); /* sc_build failed; the parent has recorded it */
	if (sc_load(filter, &err) < 0) {
		send_step(rep, PROBE_SECCOMP, PROBE_FAILED, errno, err.msg);
		_exit(1);
	}
	/* Under the filter now: only the write to `rep` and exit. */
	send_step(rep, PROBE_SECCOMP, PROBE_OK, 0, NULL);
	_exit(0);
}

/* The forked child: user, then (after the parent wrote the maps) mount
 * and PID namespaces. */
PT_NORETURN static void
child(int rep, int go, const struct sc_filter *filter,
      const struct sbx_policy *pol)
{
	char label[128], ok = 0;
	pid_t pid;
	int status;

	if (unshare(CLONE_NEWUSER) < 0) {
		send_step(rep, PROBE_USERNS, PROBE_FAILED, errno, NULL);
		_exit(1);
	}
	read_label(label, sizeof(label));
	send_step(rep, PROBE_USERNS, PROBE_OK, 0, label);
	if (read(go, &ok, 1) != 1 || ok != 1)
		_exit(1);
	if (unshare(CLONE_NEWNS) < 0) {
		send_step(rep, PROBE_MOUNTNS, PROBE_FAILED, errno, NULL);
		_exit(1);
	}
	send_step(rep, PROBE_MOUNTNS, PROBE_OK, 0, NULL);
	if (unshare(CLONE_NEWPID) < 0) {
		send_step(rep, PROBE_PIDNS, PROBE_FAILED, errno, NULL);
		_exit(1);
	}
	pid = fork();
	if (pid < 0) {
		send_step(rep, PROBE_PIDNS, PROBE_FAILED, errno,
			  "fork into the PID namespace");
		_exit(1);
	}
	if (pid == 0)
		grandchild(rep, filter, pol);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void
set_step(struct sbx_probe *pr, enum sbx_probe_id id, enum sbx_probe_state st,
	 int e, const char *detail)
{
	struct sbx_probe_step *s = &pr->steps[id];

	s->state = st;
	s->err_no = e;
	snprintf(s->detail, sizeof(s->detail), "%s",
		 detail != NULL ? detail : "");
}

/* Read the child's records until it is done; write its maps when it
 * asks (after the user namespace step). */
static void
follow_child(struct sbx_probe *pr, pid_t pid, int rep, int go)
{
	struct pt_err err = { 0, "" };
	struct wire w;

	for (;;) {
		struct pollfd pfd = { rep, POLLIN, 0 };
		ssize_t n;
		int prc = poll(&pfd, 1, PROBE_TIMEOUT_MS);

		if (prc < 0 && errno == EINTR)
			continue;
		if (prc == 0) {
			kill(pid, SIGKILL);
			break;
		}
		n = read(rep, &w, sizeof(w));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(w) || w.step >= PROBE_NSTEPS)
			break;
		w.detail[sizeof(w.detail) - 1] = '\0';
		if (w.step == PROBE_USERNS && w.state == PROBE_OK) {
			char ok = 1;

			set_step(pr, PROBE_USERNS, PROBE_OK, 0, NULL);
			w.detail[sizeof(pr->host.label_in_userns) - 1] = '\0';
			memcpy(pr->host.label_in_userns, w.detail,
			       sizeof(pr->host.label_in_userns));
			if (ns_write_maps(pid, &err) < 0) {
				set_step(pr, PROBE_MAPS, PROBE_FAILED, errno,
					 err.msg);
				ok = 0;
			} else {
				set_step(pr, PROBE_MAPS, PROBE_OK, 0, NULL);
			}
			(void)!write(go, &ok, 1);
			continue;
		}
		set_step(pr, (enum sbx_probe_id)w.step,
			 (enum sbx_probe_state)w.state, w.err_no, w.detail);
	}
}

int
sbx_probe_run(struct sbx_probe *pr, struct pt_err *err)
{
	struct sbx_policy *pol;
	struct sc_filter filter;
	struct sc_fds fds;
	struct pt_err berr = { 0, "" };
	int rep[2], go[2], status;
	size_t i;
	pid_t pid;

	memset(pr, 0, sizeof(*pr));
	pr->failed = -1;
	for (i = 0; i < PROBE_NSTEPS; i++) {
		pr->steps[i].name = step_info[i].name;
		pr->steps[i].call = step_info[i].call;
	}
	read_host(&pr->host);
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return pt_err_set(err, EX_OSERR, "pipe: %s", strerror(errno));
	pol = sbx_policy_new();
	fds.chan = rep[1];
	fds.ctl = go[0];
	memset(&filter, 0, sizeof(filter));
	if (sc_build(pol, &fds, &filter, &berr) < 0)
		set_step(pr, PROBE_SECCOMP, PROBE_FAILED, errno, berr.msg);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sc_free(&filter);
		sbx_policy_free(pol);
		return pt_err_set(err, EX_OSERR, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		child(rep[1], go[0], &filter, pol);
	}
	close(rep[1]);
	close(go[0]);
	follow_child(pr, pid, rep[0], go[1]);
	close(rep[0]);
	close(go[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sc_free(&filter);
	sbx_policy_free(pol);
	/* The first failed step; one that neither passed nor failed before
	 * it is where the child died. */
	for (i = 0; i < PROBE_RUN && pr->failed < 0; i++) {
		if (pr->steps[i].state == PROBE_NOT_RUN)
			set_step(pr, (enum sbx_probe_id)i, PROBE_FAILED, 0,
				 "the probe's child ended before this step "
				 "reported");
		if (pr->steps[i].state == PROBE_FAILED)
			pr->failed = (int)i;
	}
	if (pr->failed < 0) {
		struct pt_err rerr = { 0, "" };

		if (sbx_host_check(&rerr) < 0) {
			set_step(pr, PROBE_RUN, PROBE_FAILED, 0, rerr.msg);
			pr->failed = PROBE_RUN;
		} else
			set_step(pr, PROBE_RUN, PROBE_OK, 0, NULL);
	}
	return 0;
}
