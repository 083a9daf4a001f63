/*
 * cmd_probe.c - `proeftuin probe`: can this host give the sandbox, and if
 * not, which step fails, which outer layer most likely blocks it, and the
 * fix (probe_advice.h).  Exit 0 only when a whole sandboxed run works,
 * else 71; fit for a Kubernetes startup probe or a Slurm prolog.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "probe.h"
#include "probe_advice.h"

#define PROBE_USAGE "proeftuin probe [--json] [--explain TEXT]"

int
cmd_probe(int argc, char **argv)
{
	const char *explain = NULL;
	bool json = false, help = false;
	const struct cli_opt opts[] = {
		{ "json", 0, false, NULL, &json },
		{ "explain", 'e', true, &explain, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct sbuf out = SBUF_INIT;
	struct pt_err err = { 0, "" };
	struct sbx_probe pr;
	int n = cli_parse(argc, argv, opts, PROBE_USAGE);

	if (help) {
		cli_help(PROBE_USAGE,
			 "Try the sandbox's setup step by step, as a run does "
			 "it (user namespace, uid/gid\nmap, mount namespace, "
			 "PID, network, IPC and UTS namespaces, mounts and\n"
			 "pivot_root, no_new_privs, Landlock, seccomp), then a "
			 "whole sandboxed run.\nNames the first step that "
			 "fails, the outer layer that most likely blocks it\n"
			 "(sysctl, AppArmor, container seccomp, masked /proc, "
			 "...) and the fix.\n\noptions:\n"
			 "      --json          the result as canonical JSON\n"
			 "  -e, --explain TEXT  what a message pasted from "
			 "another tool (bwrap,\n"
			 "                      unshare, Apptainer, ...) means "
			 "here; runs no probe\n\n"
			 "exit status: 0 a real run works here, 71 isolation "
			 "unavailable;\nwith --explain: 0 a known message, 65 "
			 "none found\nexample:\n  proeftuin probe || exit 71  "
			 "# a Slurm prolog or a startup probe\n");
		return 0;
	}
	if (n != 0)
		die(EX_USAGE, "usage: %s", PROBE_USAGE);
	if (explain != NULL) {
		n = (int)probe_explain(explain, &out);
		if (n == 0)
			die(EX_DATAERR,
			    "no known message in that text; hint: run "
			    "proeftuin probe on the host that printed it");
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_free(&out);
		return 0;
	}
	if (sbx_probe_run(&pr, &err) < 0)
		die_err(&err);
	if (json) {
		struct jv *j = probe_to_json(&pr);

		jv_write(j, &out);
		sbuf_addc(&out, '\n');
		jv_free(j);
	} else {
		probe_render_text(&pr, &out);
	}
	fwrite(out.buf, 1, out.len, stdout);
	sbuf_free(&out);
	if (pr.failed >= 0) {
		const struct sbx_probe_step *s = &pr.steps[pr.failed];
		struct probe_advice a;

		probe_advise(&pr, &a);
		warnx_("isolation unavailable: %s: %s%s%s: %s", s->name,
		       s->err_no != 0 ? strerrorname_np(s->err_no) : "",
		       s->err_no != 0 ? ": " : "", a.layer,
		       s->detail[0] != '\0' ? s->detail : a.cause);
		return EX_OSERR;
	}
	return 0;
}
