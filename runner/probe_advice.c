/* probe_advice.c - what a probe result means; see probe_advice.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe_advice.h"

/* The messages of research/scaleout.md §5, word for word. */
#define MSG_USERNS_CLONE                                                       \
	"This Debian/Ubuntu kernel disallows unprivileged user namespaces."
#define FIX_USERNS_CLONE                                                       \
	"`sudo sysctl -w kernel.unprivileged_userns_clone=1` and persist it "  \
	"in /etc/sysctl.d/."
#define MSG_MAX_USERNS                                                         \
	"User namespaces are limited to 0 (RHEL 7, Bottlerocket, hardening "   \
	"baseline)."
#define FIX_MAX_USERNS                                                         \
	"`user.max_user_namespaces=15000`; on Kubernetes the node must be "    \
	"prepared."
#define MSG_APPARMOR                                                           \
	"Ubuntu 23.10+ restricts user namespaces for unconfined programs."
#define FIX_APPARMOR                                                           \
	"`sudo apparmor_parser -r /etc/apparmor.d/usr.bin.proeftuin` "         \
	"(shipped by the package). Don't disable the restriction "             \
	"system-wide."

#define FIX_SECCOMP                                                            \
	"use the shipped Localhost seccomp profile "                           \
	"(scripts/kubernetes/proeftuin-seccomp.json: the runtime default "     \
	"plus unshare, clone with namespace flags, mount, umount2, "           \
	"pivot_root, sethostname); Kubernetes: securityContext."               \
	"seccompProfile {type: Localhost}; Docker: --security-opt "            \
	"seccomp=proeftuin-seccomp.json. Never privileged: true"

static const char *
errno_name(int e)
{
	const char *n = e != 0 ? strerrorname_np(e) : NULL;

	return n != NULL ? n : "";
}

static bool
has_label(const char *label, const char *what)
{
	return label != NULL && strstr(label, what) != NULL;
}

static void
set(struct probe_advice *a, const char *layer, const char *cause,
    const char *fix, const char *e1, const char *e2)
{
	a->layer = layer;
	a->cause = cause;
	a->fix = fix;
	a->elsewhere[0] = e1;
	a->elsewhere[1] = e1 != NULL ? e2 : NULL;
	a->elsewhere[2] = NULL;
}

static void
advise_userns(const struct sbx_probe_host *h, int e, struct probe_advice *a)
{
	if (h->max_user_namespaces == 0)
		set(a, "sysctl user.max_user_namespaces", MSG_MAX_USERNS,
		    FIX_MAX_USERNS,
		    "failed to start noop process for unshare: fork/exec "
		    "/proc/self/exe: no space left on device",
		    NULL);
	else if (h->unprivileged_userns_clone == 0)
		set(a, "sysctl kernel.unprivileged_userns_clone",
		    MSG_USERNS_CLONE, FIX_USERNS_CLONE,
		    "bwrap: No permissions to create new namespace, likely "
		    "because the kernel does not allow non-privileged user "
		    "namespaces. On e.g. debian this can be enabled with "
		    "'sysctl kernel.unprivileged_userns_clone=1'.",
		    NULL);
	else if (e == EPERM && h->seccomp_mode == 2)
		set(a, "container runtime seccomp",
		    "An outer seccomp filter refuses unshare(CLONE_NEWUSER): "
		    "the RuntimeDefault profiles of containerd and Docker "
		    "allow it only with CAP_SYS_ADMIN.",
		    FIX_SECCOMP,
		    "bwrap: Creating new namespace failed: Operation not "
		    "permitted",
		    "Error during unshare(CLONE_NEWUSER): Operation not "
		    "permitted");
	else if (e == EACCES && h->apparmor_restrict == 1)
		set(a, "AppArmor unprivileged_userns restriction", MSG_APPARMOR,
		    FIX_APPARMOR,
		    "bwrap: Creating new namespace failed: Permission denied",
		    "ERROR  : Failed to create user namespace: Permission "
		    "denied");
	else if (e == EACCES)
		set(a, "security module (AppArmor or SELinux)",
		    "A security module denies creating user namespaces: an "
		    "AppArmor profile without 'userns,' (AppArmor 4) or an "
		    "SELinux policy.",
		    "confine proeftuin with a profile that has 'userns,' "
		    "(scripts/apparmor/usr.bin.proeftuin), or allow it in the "
		    "SELinux policy",
		    "apparmor=\"DENIED\" operation=\"userns_create\" "
		    "class=\"namespace\"",
		    NULL);
	else if (e == ENOSPC || e == EUSERS)
		set(a, "sysctl user.max_user_namespaces (limit reached)",
		    "The user namespace limit is reached here or in an outer "
		    "user namespace (user.max_user_namespaces), or 32 levels "
		    "of nesting.",
		    FIX_MAX_USERNS,
		    "failed to start noop process for unshare: fork/exec "
		    "/proc/self/exe: no space left on device",
		    NULL);
	else if (e == EINVAL)
		set(a, "kernel without user namespaces",
		    "This kernel was built without CONFIG_USER_NS.",
		    "use a kernel with user namespaces (every Debian, Ubuntu "
		    "and RHEL 8+ kernel has them)",
		    NULL, NULL);
	else
		set(a, "chroot, sysctl or seccomp",
		    "unshare(CLONE_NEWUSER) is refused: inside a chroot, by a "
		    "sysctl, or by a seccomp filter that is not visible "
		    "here.",
		    "run proeftuin outside the chroot, or check the sysctls "
		    "and the container's seccomp profile",
		    "bwrap: Creating new namespace failed: Operation not "
		    "permitted",
		    NULL);
}

static void
advise_maps(const struct sbx_probe_host *h, int e, struct probe_advice *a)
{
	bool restricted =
	    has_label(h->label_in_userns, "unprivileged_userns") ||
	    h->apparmor_restrict == 1;

	if ((e == EPERM || e == EACCES) && restricted)
		set(a, "AppArmor unprivileged_userns restriction", MSG_APPARMOR,
		    FIX_APPARMOR,
		    "bwrap: setting up uid map: Permission denied",
		    "unshare: write failed /proc/self/uid_map: Operation not "
		    "permitted");
	else if (e == EPERM && h->euid == 0 && (h->cap_eff & (1ull << 31)) == 0)
		set(a, "container capabilities (uid 0 without CAP_SETFCAP)",
		    "A uid-0 process without CAP_SETFCAP may not map uid 0 "
		    "(Linux 5.12 and later).",
		    "run as non-root (runAsUser: 1000) or add SETFCAP",
		    "bwrap: setting up uid map: Operation not permitted", NULL);
	else if (e == ENOENT)
		set(a, "masked or missing /proc",
		    "/proc/PID/uid_map cannot be opened: /proc is not mounted "
		    "or is masked.",
		    "mount procfs at /proc (proeftuin itself mounts none in "
		    "its jail)",
		    NULL, NULL);
	else if (e == EPERM && h->no_new_privs == 1)
		set(a, "no_new_privs from outside with a setuid helper",
		    "The map write is refused; with no_new_privs set from "
		    "outside, setuid helpers cannot help either.",
		    "proeftuin maps only its own uid and needs no helper: run "
		    "it as a plain non-root user",
		    "newgidmap: write to gid_map failed: Operation not "
		    "permitted",
		    NULL);
	else
		set(a, "security module or container runtime",
		    "The uid/gid map of the new user namespace cannot be "
		    "written.",
		    "check the AppArmor/SELinux audit log (dmesg) for a denial",
		    "unshare: write failed /proc/self/uid_map: Operation not "
		    "permitted",
		    NULL);
}

static void
advise_ns(const struct sbx_probe_host *h, int e, struct probe_advice *a)
{
	if (e == ENOSPC)
		set(a, "sysctl user.max_*_namespaces",
		    "A limit on network, IPC, UTS or mount namespaces is "
		    "reached or 0 here or in an outer user namespace.",
		    "sysctl -w user.max_net_namespaces=15000 (and ipc, uts, "
		    "mnt alike)",
		    NULL, NULL);
	else if (h->apparmor_restrict == 1 ||
		 has_label(h->label_in_userns, "unprivileged_userns"))
		set(a, "AppArmor unprivileged_userns restriction", MSG_APPARMOR,
		    FIX_APPARMOR,
		    "bwrap: loopback: Failed RTM_NEWADDR: Operation not "
		    "permitted",
		    NULL);
	else if (h->seccomp_mode == 2)
		set(a, "container runtime seccomp",
		    "An outer seccomp filter refuses unshare with namespace "
		    "flags.",
		    FIX_SECCOMP,
		    "Error during unshare(...): Operation not permitted", NULL);
	else
		set(a, "capabilities in the new user namespace",
		    "The new user namespace has no capabilities (an LSM "
		    "transition or a seccomp filter not visible here).",
		    "check dmesg for an AppArmor or SELinux denial",
		    "clone(flags=CLONE_NEWNS|...) failed. You probably need "
		    "root privileges if your system doesn't support "
		    "CLONE_NEWUSER",
		    NULL);
}

static void
advise_root(const struct sbx_probe_host *h, const char *sub, int e,
	    struct probe_advice *a)
{
	if (e == EACCES)
		set(a, "AppArmor 'deny mount' or SELinux",
		    "A security module denies mounts: the container "
		    "runtime's default AppArmor profile has 'deny mount,', "
		    "or SELinux container_t denies tmpfs.",
		    "load the proeftuin-outer AppArmor profile "
		    "(scripts/kubernetes/proeftuin-outer.apparmor) and set "
		    "appArmorProfile {type: Localhost, localhostProfile: "
		    "proeftuin-outer}; on SELinux nodes a small policy module",
		    "Failed to make / slave: Permission denied",
		    "bwrap: Failed to mount tmpfs: Permission denied");
	else if (e == EPERM && h->seccomp_mode == 2)
		set(a, "container runtime seccomp",
		    "An outer seccomp filter refuses mount or pivot_root.",
		    FIX_SECCOMP, "pivot_root: Operation not permitted", NULL);
	else if (e == EPERM)
		set(a, "outer Landlock domain",
		    "Mounts are refused after the user namespace was made: an "
		    "outer Landlock domain (Nomad exec2, agent sandboxes) "
		    "forbids changing the filesystem topology.",
		    "run proeftuin outside that sandbox (Nomad: raw_exec, "
		    "not exec2)",
		    "pivot_root: Operation not permitted", NULL);
	else if (e == EINVAL && sub != NULL && strcmp(sub, "pivot_root") == 0)
		set(a, "root is not a mount point (chroot)",
		    "pivot_root needs the root to be a mount point; a chroot "
		    "is not.",
		    "run proeftuin outside the chroot, or make its root a "
		    "mount point",
		    NULL, NULL);
	else
		set(a, "mounts in the new mount namespace",
		    "The empty root cannot be built.",
		    "check dmesg for a denial; /tmp (or /mnt) must be a folder",
		    NULL, NULL);
}

void
probe_advise(const struct sbx_probe *pr, struct probe_advice *a)
{
	const struct sbx_probe_host *h = &pr->host;
	const struct sbx_probe_step *s;

	memset(a, 0, sizeof(*a));
	if (pr->failed < 0)
		return;
	s = &pr->steps[pr->failed];
	switch ((enum sbx_probe_id)pr->failed) {
	case PROBE_USERNS:
		advise_userns(h, s->err_no, a);
		break;
	case PROBE_MAPS:
		advise_maps(h, s->err_no, a);
		break;
	case PROBE_MOUNTNS:
	case PROBE_PIDNS:
	case PROBE_OTHERNS:
		advise_ns(h, s->err_no, a);
		break;
	case PROBE_ROOT:
		advise_root(h, s->detail, s->err_no, a);
		break;
	case PROBE_NNP:
		set(a, "kernel", "prctl(PR_SET_NO_NEW_PRIVS) failed.",
		    "use Linux 3.5 or later", NULL, NULL);
		break;
	case PROBE_LANDLOCK:
		set(a,
		    h->seccomp_mode == 2 ? "container runtime seccomp"
					 : "Landlock",
		    "Landlock exists but cannot be applied (an outer seccomp "
		    "filter refusing landlock_* calls, or an outer domain).",
		    "allow landlock_create_ruleset, landlock_add_rule and "
		    "landlock_restrict_self in the outer seccomp profile "
		    "(the shipped one does)",
		    NULL, NULL);
		break;
	case PROBE_SECCOMP:
		set(a,
		    h->seccomp_mode == 2 ? "container runtime seccomp"
					 : "kernel",
		    "proeftuin's own seccomp filter cannot be loaded (an outer "
		    "filter refusing seccomp(2), or a kernel without "
		    "SECCOMP_FILTER_FLAG_TSYNC).",
		    "allow seccomp(2) in the outer profile (RuntimeDefault "
		    "does); use Linux 4.14 or later",
		    NULL, NULL);
		break;
	case PROBE_RUN:
	case PROBE_NSTEPS:
		set(a, "the sandbox as a whole",
		    "Every step works alone, but a whole sandboxed run does "
		    "not (its message is in the step's detail).",
		    "report this with the output of proeftuin probe --json",
		    NULL, NULL);
		break;
	}
}

size_t
probe_notes(const struct sbx_probe *pr, const char **notes, size_t max)
{
	const struct sbx_probe_host *h = &pr->host;
	size_t n = 0;

	if (n < max && h->no_new_privs == 1)
		notes[n++] = "no_new_privs is set from outside "
			     "(allowPrivilegeEscalation: false, systemd "
			     "NoNewPrivileges): harmless, proeftuin sets it "
			     "itself; it only breaks setuid helpers such as "
			     "newuidmap, which proeftuin does not use";
	if (n < max && h->seccomp_mode == 2)
		notes[n++] = "an outer seccomp filter is in force (Seccomp: "
			     "2): proeftuin's filter stacks on it and can "
			     "only narrow it";
	if (n < max && h->proc_masked)
		notes[n++] = "parts of /proc are masked (container runtime): "
			     "harmless, proeftuin mounts no procfs in its "
			     "jail (tools that do fail with \"bwrap: Can't "
			     "mount proc on /newroot/proc: Operation not "
			     "permitted\" and dmesg \"VFS: Mount too "
			     "revealing\")";
	if (n < max && h->in_userns)
		notes[n++] = "already inside a user namespace (Kubernetes "
			     "hostUsers: false, rootless Podman, bwrap): "
			     "proeftuin nests its own";
	if (n < max && h->landlock_abi == 0)
		notes[n++] = "this kernel has no Landlock: runs work, without "
			     "the Landlock layer (the report says ABI 0)";
	if (n < max && h->euid == 0)
		notes[n++] = "running as root: in a container without "
			     "CAP_SETFCAP the uid map fails; run as a "
			     "non-root user (runAsUser: 1000)";
	return n;
}

static const char *
state_name(enum sbx_probe_state s)
{
	return s == PROBE_OK	   ? "ok"
	       : s == PROBE_FAILED ? "failed"
	       : s == PROBE_WARN   ? "warn"
				   : "not run";
}

struct jv *
probe_to_json(const struct sbx_probe *pr)
{
	const struct sbx_probe_host *h = &pr->host;
	struct jv *root = jv_obj(), *host = jv_obj_at(root, "host");
	struct jv *steps = jv_arr_at(root, "steps");
	const char *notes[8];
	size_t i, nn = probe_notes(pr, notes, PT_ARRAY_LEN(notes));

	jv_set_int(host, "kernel.unprivileged_userns_clone",
		   h->unprivileged_userns_clone);
	jv_set_int(host, "user.max_user_namespaces", h->max_user_namespaces);
	jv_set_int(host, "kernel.apparmor_restrict_unprivileged_userns",
		   h->apparmor_restrict);
	jv_set_str(host, "apparmor_label", h->apparmor_label);
	jv_set_str(host, "apparmor_label_in_userns", h->label_in_userns);
	jv_set_int(host, "seccomp", h->seccomp_mode);
	jv_set_int(host, "seccomp_filters", h->seccomp_filters);
	jv_set_int(host, "no_new_privs", h->no_new_privs);
	{
		char hex[32];

		snprintf(hex, sizeof(hex), "%016llx",
			 (unsigned long long)h->cap_eff);
		jv_set_str(host, "cap_eff", hex);
		snprintf(hex, sizeof(hex), "%016llx",
			 (unsigned long long)h->cap_bnd);
		jv_set_str(host, "cap_bnd", hex);
	}
	jv_set_bool(host, "proc_masked", h->proc_masked);
	jv_set_bool(host, "in_user_namespace", h->in_userns);
	jv_set_str(host, "uid_map", h->uid_map);
	jv_set_int(host, "euid", h->euid);
	jv_set_int(host, "landlock_abi", h->landlock_abi);
	jv_set_str(host, "engine", h->engine);
	for (i = 0; i < PROBE_NSTEPS; i++) {
		const struct sbx_probe_step *s = &pr->steps[i];
		struct jv *o = jv_obj();

		jv_set_str(o, "step", s->name);
		jv_set_str(o, "call", s->call);
		jv_set_str(o, "state", state_name(s->state));
		if (s->err_no != 0) {
			jv_set_str(o, "errno", errno_name(s->err_no));
			jv_set_str(o, "error", strerror(s->err_no));
		}
		if (s->detail[0] != '\0')
			jv_set_str(o, "detail", s->detail);
		jv_push(steps, o);
	}
	{
		struct jv *na = jv_arr_at(root, "notes");

		for (i = 0; i < nn; i++)
			jv_push(na, jv_str(notes[i]));
	}
	if (pr->failed >= 0) {
		struct probe_advice a;
		struct jv *el = jv_arr_at(root, "seen_elsewhere");

		probe_advise(pr, &a);
		jv_set_str(root, "failed_step", pr->steps[pr->failed].name);
		jv_set_str(root, "layer", a.layer);
		jv_set_str(root, "cause", a.cause);
		jv_set_str(root, "fix", a.fix);
		for (i = 0; a.elsewhere[i] != NULL; i++)
			jv_push(el, jv_str(a.elsewhere[i]));
	}
	jv_set_str(root, "result",
		   pr->failed < 0 ? "available" : "isolation unavailable");
	jv_set_int(root, "exit", pr->failed < 0 ? 0 : 71);
	jv_set_str(root, "schema", "proeftuin-probe/1");
	return root;
}

void
probe_render_text(const struct sbx_probe *pr, struct sbuf *out)
{
	const struct sbx_probe_host *h = &pr->host;
	const char *notes[8];
	size_t i, nn = probe_notes(pr, notes, PT_ARRAY_LEN(notes));

	sbuf_printf(
	    out,
	    "host: user.max_user_namespaces=%ld "
	    "kernel.unprivileged_userns_clone=%s "
	    "apparmor_restrict_unprivileged_userns=%s\n"
	    "      seccomp %d (%d filters), no_new_privs %d, euid %u, "
	    "uid_map \"%s\", landlock ABI %d%s%s\n"
	    "      apparmor \"%s\"%s%s%s\n\n",
	    h->max_user_namespaces,
	    h->unprivileged_userns_clone < 0
		? "absent"
		: (h->unprivileged_userns_clone ? "1" : "0"),
	    h->apparmor_restrict < 0 ? "absent"
				     : (h->apparmor_restrict ? "1" : "0"),
	    h->seccomp_mode, h->seccomp_filters, h->no_new_privs, h->euid,
	    h->uid_map, h->landlock_abi, h->engine[0] ? ", engine " : "",
	    h->engine, h->apparmor_label[0] ? h->apparmor_label : "none",
	    h->label_in_userns[0] ? ", in a new user namespace \"" : "",
	    h->label_in_userns, h->label_in_userns[0] ? "\"" : "");
	for (i = 0; i < PROBE_NSTEPS; i++) {
		const struct sbx_probe_step *s = &pr->steps[i];

		sbuf_printf(out, "%-7s %-40s %s", state_name(s->state), s->name,
			    s->call);
		if (s->err_no != 0)
			sbuf_printf(out, ": %s (%s)", errno_name(s->err_no),
				    strerror(s->err_no));
		if (s->detail[0] != '\0')
			sbuf_printf(out, "\n        %s", s->detail);
		sbuf_addc(out, '\n');
	}
	for (i = 0; i < nn; i++)
		sbuf_printf(out, "\nnote: %s", notes[i]);
	if (nn > 0)
		sbuf_addc(out, '\n');
	if (pr->failed < 0) {
		sbuf_adds(out, "\nresult: the sandbox is available; a real run "
			       "works here\n");
		return;
	}
	{
		struct probe_advice a;

		probe_advise(pr, &a);
		sbuf_printf(out,
			    "\nresult: isolation unavailable\n"
			    "step:   %s\nlayer:  %s\ncause:  %s\nfix:    %s\n",
			    pr->steps[pr->failed].name, a.layer, a.cause,
			    a.fix);
		for (i = 0; a.elsewhere[i] != NULL; i++)
			sbuf_printf(out, "other tools say: %s\n",
				    a.elsewhere[i]);
	}
}

/* research/scaleout.md §9: what other tools print, and what it means. */
static const struct {
	const char *needle, *meaning, *fix;
} known[] = {
	{ "No permissions to creat",
	  "EPERM on clone(NEWUSER): the sysctl kernel.unprivileged_userns_"
	  "clone or a container seccomp profile",
	  "proeftuin probe names which; " FIX_USERNS_CLONE },
	{ "Creating new namespace failed: Operation not permitted",
	  "EPERM on clone(NEWUSER), as seen in Docker/Kubernetes",
	  FIX_SECCOMP },
	{ "Creating new namespace failed: Permission denied",
	  "EACCES: a security module (Ubuntu 24.04 AppArmor)", FIX_APPARMOR },
	{ "setting up uid map: Permission denied",
	  "Ubuntu's unprivileged_userns AppArmor transition", FIX_APPARMOR },
	{ "write failed /proc/self/uid_map: Operation not permitted",
	  "Ubuntu's unprivileged_userns AppArmor transition (util-linux "
	  "unshare)",
	  FIX_APPARMOR },
	{ "setting up uid map: Operation not permitted",
	  "root in the pod without CAP_SETFCAP",
	  "run as non-root (runAsUser: 1000) or add SETFCAP" },
	{ "Failed RTM_NEWADDR: Operation not permitted",
	  "Ubuntu's userns restriction, seen at network namespace setup "
	  "(proeftuin configures no loopback)",
	  FIX_APPARMOR },
	{ "Mount too revealing",
	  "a masked /proc in the container stops a new procfs",
	  "proeftuin mounts no procfs; for other tools: procMount: Unmasked "
	  "with hostUsers: false" },
	{ "Can't mount proc on /newroot/proc: Operation not permitted",
	  "a masked /proc in the container",
	  "proeftuin mounts no procfs; for other tools: procMount: Unmasked "
	  "with hostUsers: false" },
	{ "Can't mount proc on /newroot/proc: Permission denied",
	  "SELinux container_t", "an SELinux policy module for the pod" },
	{ "Failed to mount tmpfs: Permission denied", "SELinux container_t",
	  "an SELinux policy module for the pod" },
	{ "Failed to make / slave: Permission denied",
	  "AppArmor 'deny mount' (docker-default)",
	  "the proeftuin-outer AppArmor profile "
	  "(scripts/kubernetes/proeftuin-outer.apparmor)" },
	{ "pivot_root: Operation not permitted",
	  "Docker with capabilities but the default seccomp/AppArmor "
	  "profiles",
	  FIX_SECCOMP },
	{ "Error during unshare(",
	  "buildah/skopeo: seccomp in Docker, or an Ubuntu 24.04 runner",
	  "proeftuin probe names which" },
	{ "write to gid_map failed: Operation not permitted",
	  "a setuid helper in a container (no_new_privs, capabilities)",
	  "proeftuin needs no helper: it maps only its own uid" },
	{ "You probably need root privileges if your system doesn't support "
	  "CLONE_NEWUSER",
	  "nsjail: EPERM on clone(NEWUSER), the same causes as bwrap's",
	  FIX_USERNS_CLONE },
	{ "Failed to create user namespace: Permission denied",
	  "Apptainer on Ubuntu 24.04 (AppArmor)", FIX_APPARMOR },
	{ "fork/exec /proc/self/exe: no space left on device",
	  "the node has user.max_user_namespaces=0 (the pod never starts)",
	  FIX_MAX_USERNS },
	{ "nested userns is capability-restricted",
	  "a user namespace nested inside a bwrap sandbox",
	  "run proeftuin outside the other sandbox" },
	{ "cannot open /proc/sys/user/max_user_namespaces: Permission denied",
	  "bwrap --disable-userns (AlmaLinux 9; cause unclear)",
	  "run proeftuin probe for the real cause" },
	{ "operation=\"userns_create\"",
	  "a confined AppArmor profile without 'userns,' (AppArmor 4)",
	  "add 'userns,' to the profile (scripts/apparmor/usr.bin.proeftuin)" },
};

size_t
probe_explain(const char *text, struct sbuf *out)
{
	size_t i, n = 0;

	for (i = 0; i < PT_ARRAY_LEN(known); i++)
		if (strstr(text, known[i].needle) != NULL) {
			sbuf_printf(
			    out, "matches: %s\nmeaning: %s\nfix:     %s\n\n",
			    known[i].needle, known[i].meaning, known[i].fix);
			n++;
		}
	return n;
}
