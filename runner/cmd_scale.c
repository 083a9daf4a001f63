/*
 * cmd_scale.c - `proeftuin run-index` (one task of a Slurm job array or a
 * Kubernetes Indexed Job) and `proeftuin collect` (the array's summary).
 * The run itself is pipeline_run, as for `proeftuin run`; runindex.h has
 * the results root's layout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "json.h"
#include "outdir.h"
#include "pipeline.h"
#include "profile.h"
#include "runindex.h"

#define RUN_INDEX_USAGE "proeftuin run-index LIST [--index N] --results ROOT"
#define COLLECT_USAGE "proeftuin collect ROOT [--list LIST] [--json]"

static int
verdict_exit(enum status s)
{
	return s == STATUS_PASS	    ? EXIT_PASS
	       : s == STATUS_REVIEW ? EXIT_REVIEW
				    : EXIT_FAIL;
}

/* What one task is doing, for its record. */
struct task_state {
	const char *root;
	const char *list_path;
	const struct ri_list *list;
	const struct ri_task *task; /* NULL before the line is known */
	size_t index;
	const char *index_source;
	char bundle_digest[PT_SHA256_HEX];
	const char *profile_sha256;
	char *report; /* relative to root */
};

static struct jv *
record_base(const struct task_state *ts, const char *state)
{
	struct jv *r = jv_obj();

	jv_set_int(r, "index", (int64_t)ts->index);
	jv_set_str(r, "index_from", ts->index_source);
	jv_set_str(r, "list", ts->list_path);
	jv_set_str(r, "list_sha256", ts->list->sha256);
	jv_set_int(r, "tasks", (int64_t)ts->list->n);
	jv_set_int(r, "line", (int64_t)ts->task->line);
	jv_set_str(r, "bundle", ts->task->bundle);
	jv_set_str(r, "profile", ts->task->profile);
	jv_set_str(r, "state", state);
	if (ts->bundle_digest[0] != '\0' || ts->profile_sha256 != NULL) {
		jv_set_str(r, "bundle_digest", ts->bundle_digest);
		jv_set_str(r, "profile_sha256",
			   ts->profile_sha256 != NULL ? ts->profile_sha256
						      : "");
	}
	if (ts->report != NULL)
		jv_set_str(r, "report", ts->report);
	return r;
}

/* Record the task's failure (no report) and exit with its status. */
PT_NORETURN static void
task_fail(const struct task_state *ts, const struct pt_err *e)
{
	struct jv *r = record_base(ts, "error");
	struct pt_err werr = { 0, "" };
	int code = e->code != 0 ? e->code : EX_SOFTWARE;

	jv_set_int(r, "exit", code);
	jv_set_str(r, "error", e->msg);
	if (ri_record_write(ts->root, ts->index, r, true, &werr) < 0)
		warnx_("task %zu: %s", ts->index, werr.msg);
	jv_free(r);
	die(code, "task %zu (%s line %u): %s", ts->index, ts->list_path,
	    ts->task->line, e->msg);
}

static void
task_record(const struct task_state *ts, const char *state, enum status v,
	    bool reused)
{
	struct jv *r = record_base(ts, state);
	struct pt_err err = { 0, "" };

	if (strcmp(state, "done") == 0) {
		jv_set_str(r, "verdict", verdict_name(v));
		jv_set_int(r, "exit", verdict_exit(v));
		jv_set_bool(r, "reused", reused);
	}
	if (ri_record_write(ts->root, ts->index, r,
			    strcmp(state, "running") != 0, &err) < 0) {
		jv_free(r);
		die_err(&err);
	}
	jv_free(r);
}

static void
print_done(const struct task_state *ts, enum status v, bool reused)
{
	printf("task %zu: verdict: %s%s\nreport: %s/%s/report.md\n", ts->index,
	       verdict_name(v), reused ? " (finished earlier)" : "", ts->root,
	       ts->report);
}

/* Run the task's bundle and commit its report to ROOT/KEY/report. */
static enum status
run_task(struct task_state *ts, const struct profile *profile, bool as_file,
	 bool *reused)
{
	struct pipeline_opts po;
	struct pipeline_product prod;
	struct pt_err err = { 0, "" };
	char *dir = xasprintf("%s/%s", ts->root, ts->report);
	const char *got;
	enum status v;

	memset(&po, 0, sizeof(po));
	po.bundle_path = ts->task->bundle_path;
	po.profile = profile;
	po.source_date_epoch = cli_source_date_epoch(&po.have_date);
	if (pipeline_run(&po, &prod, &err) < 0)
		task_fail(ts, &err);
	/* Intake ran twice (once for the key): a bundle changed in between
	 * must not file its report under the other content's key. */
	got =
	    jv_get_str(jv_get(prod.report.root, "reproduce"), "bundle_digest");
	if (got == NULL || strcmp(got, as_file ? "" : ts->bundle_digest) != 0) {
		pt_err_set(&err, EX_DATAERR,
			   "%s: the bundle changed while the task ran; "
			   "nothing was written; hint: re-run the task",
			   ts->task->bundle);
		task_fail(ts, &err);
	}
	v = prod.verdict;
	if (outdir_commit(dir, false, &prod.files, &err) < 0) {
		struct pt_err rerr = { 0, "" };

		/* Lost a race without locks: the winner's report counts. */
		if (ri_result_read(dir, as_file ? "" : ts->bundle_digest,
				   ts->profile_sha256, &v, &rerr) != 1)
			task_fail(ts, &err);
		*reused = true;
	}
	pipeline_product_fini(&prod);
	free(dir);
	return v;
}

int
cmd_run_index(int argc, char **argv)
{
	const char *index_opt = NULL, *root = NULL;
	bool help = false, as_file = false, reused = false;
	const struct cli_opt opts[] = {
		{ "index", 'i', true, &index_opt, NULL },
		{ "results", 'r', true, &root, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct task_state ts;
	struct ri_list list;
	struct profile *profile = NULL;
	struct pt_err err = { 0, "" };
	enum status v;
	char *keydir, *reportdir;
	int n = cli_parse(argc, argv, opts, RUN_INDEX_USAGE), lock, rc;

	if (help) {
		cli_help(RUN_INDEX_USAGE,
			 "Run task N of LIST (one Slurm array task or "
			 "Kubernetes Indexed Job pod) and\nfile its report "
			 "under ROOT, keyed by bundle digest and profile "
			 "digest.\nA task whose report is already there does "
			 "nothing and exits with its verdict.\n\n"
			 "LIST: one task per line, BUNDLE PROFILE separated "
			 "by spaces or tabs;\nblank lines and lines starting "
			 "with # are no task; relative paths are\nrelative to "
			 "LIST's folder.  Tasks are numbered from 0 in "
			 "order.\n\noptions:\n"
			 "  -i, --index N      the task (default "
			 "$JOB_COMPLETION_INDEX, then\n"
			 "                     $SLURM_ARRAY_TASK_ID; 0-based)\n"
			 "  -r, --results ROOT the results root (created if "
			 "its parent exists)\n\n"
			 "exit status: 0 PASS, 1 REVIEW, 2 FAIL (report "
			 "filed); 64 no such task;\n65, 66, 70, 71, 73, 74, "
			 "78 as for run (no report; the task record says\n"
			 "why); see proeftuin(1) for what an engine should "
			 "retry\nexample:\n  sbatch --array=0-9 "
			 "scripts/slurm/proeftuin-array.sbatch tasks.txt "
			 "results\n  proeftuin run-index tasks.txt --index 3 "
			 "--results results\n");
		return 0;
	}
	if (n != 1 || root == NULL)
		die(EX_USAGE, "usage: %s", RUN_INDEX_USAGE);
	memset(&ts, 0, sizeof(ts));
	ts.root = root;
	ts.list_path = argv[1];
	ts.list = &list;
	if (ri_index(index_opt, &ts.index, &ts.index_source, &err) < 0)
		die_err(&err);
	if (ri_list_load(argv[1], &list, &err) < 0)
		die_err(&err);
	if (ts.index >= list.n)
		die(EX_USAGE,
		    "%s has %zu task%s (indexes 0 to %zu); there is no task "
		    "%zu (from %s); hint: tasks are numbered from 0, so use "
		    "--array=0-%zu",
		    argv[1], list.n, list.n == 1 ? "" : "s",
		    list.n > 0 ? list.n - 1 : 0, ts.index, ts.index_source,
		    list.n > 0 ? list.n - 1 : 0);
	ts.task = &list.v[ts.index];
	if (ri_root_prepare(root, &err) < 0)
		die(err.code, "task %zu: %s", ts.index, err.msg);
	if (ts.task->problem != NULL) {
		pt_err_set(&err, EX_DATAERR, "%s", ts.task->problem);
		task_fail(&ts, &err);
	}
	if (profile_load(ts.task->profile_path, &profile, &err) < 0)
		task_fail(&ts, &err);
	ts.profile_sha256 = profile->sha256;
	if (ri_bundle_key(ts.task->bundle_path, profile, ts.bundle_digest,
			  &as_file, &err) < 0)
		task_fail(&ts, &err);
	keydir = xasprintf("%s/%s%s-%s", root, as_file ? "file-" : "",
			   ts.bundle_digest, profile->sha256);
	ts.report = xasprintf("%s/report", strrchr(keydir, '/') + 1);
	if (ri_lock_key(keydir, &lock, &err) < 0)
		task_fail(&ts, &err);
	reportdir = xasprintf("%s/report", keydir);
	rc = ri_result_read(reportdir, as_file ? "" : ts.bundle_digest,
			    profile->sha256, &v, &err);
	free(reportdir);
	if (rc < 0)
		task_fail(&ts, &err);
	if (rc == 1) {
		reused = true;
	} else {
		task_record(&ts, "running", STATUS_PASS, false);
		v = run_task(&ts, profile, as_file, &reused);
	}
	task_record(&ts, "done", v, reused);
	if (lock >= 0)
		close(lock);
	print_done(&ts, v, reused);
	free(keydir);
	free(ts.report);
	profile_free(profile);
	ri_list_fini(&list);
	return verdict_exit(v);
}

int
cmd_collect(int argc, char **argv)
{
	const char *list_path = NULL;
	bool json = false, help = false;
	const struct cli_opt opts[] = {
		{ "list", 'l', true, &list_path, NULL },
		{ "json", 0, false, NULL, &json },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct ri_list list;
	struct pt_err err = { 0, "" };
	struct sbuf out = SBUF_INIT;
	struct jv *summary;
	int n = cli_parse(argc, argv, opts, COLLECT_USAGE), status;

	if (help) {
		cli_help(COLLECT_USAGE,
			 "Summarise the results root of a run-index array: "
			 "per task its index,\nbundle, profile, state, "
			 "verdict and report folder, in index order.\n\n"
			 "options:\n"
			 "  -l, --list LIST  the task list: its tasks are the "
			 "rows, and records of\n"
			 "                   another list count as foreign\n"
			 "      --json       canonical JSON instead of a "
			 "Markdown table\n\n"
			 "exit status: 0, 1, 2 every task has a report (the "
			 "worst verdict);\n66 a task is missing, still "
			 "running, was killed or failed\nexample:\n  "
			 "proeftuin collect results --list tasks.txt\n");
		return 0;
	}
	if (n != 1)
		die(EX_USAGE, "usage: %s", COLLECT_USAGE);
	if (list_path != NULL && ri_list_load(list_path, &list, &err) < 0)
		die_err(&err);
	if (ri_collect(argv[1], list_path != NULL ? &list : NULL, &summary,
		       &status, &err) < 0)
		die_err(&err);
	if (json) {
		jv_write(summary, &out);
		sbuf_addc(&out, '\n');
	} else {
		ri_summary_markdown(summary, &out);
	}
	fwrite(out.buf, 1, out.len, stdout);
	if (status == EX_NOINPUT)
		warnx_("%s: not every task has a report; see the table",
		       argv[1]);
	sbuf_free(&out);
	jv_free(summary);
	if (list_path != NULL)
		ri_list_fini(&list);
	return status;
}
