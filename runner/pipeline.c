/*
 * pipeline.c - one run of a bundle: the stages in their order (stages.h),
 * timed for run.log, then the report rendered.  The stages do the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pipeline.h"
#include "stages.h"

static void
section_tool_and_profile(struct run_ctx *c)
{
	jv_set(c->r->root, "profile", profile_to_json(c->o->profile));
	if (c->o->have_date) {
		time_t t = (time_t)c->o->source_date_epoch;
		struct tm tm;
		char buf[32];

		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		jv_set_str(c->r->root, "date", buf);
	}
}

static void
section_reproduce(struct run_ctx *c)
{
	struct jv *r = jv_obj_at(c->r->root, "reproduce");

	char *date = c->o->have_date ? xasprintf("SOURCE_DATE_EPOCH=%lld ",
						 c->o->source_date_epoch)
				     : xstrdup("");
	char *cmd;

	/* Paths differ from machine to machine, so the commands name the
	 * bundle and the profile by the digests recorded beside them. */
	jv_set_str(r, "bundle_digest", c->cand.bundle.digest);
	jv_set_str(r, "profile_sha256", c->o->profile->sha256);
	jv_set_str(r, "tool_version", "proeftuin " PROEFTUIN_VERSION);
	cmd = xasprintf("%sproeftuin run BUNDLE --profile PROFILE --out DIR",
			date);
	jv_set_str(r, "command", cmd);
	free(cmd);
	jv_set_str(r, "verify",
		   "proeftuin verify DIR --bundle BUNDLE "
		   "--profile PROFILE");
	jv_set_str(r, "note",
		   "BUNDLE and PROFILE are the bundle and profile "
		   "with the digests above; verify re-runs the "
		   "bundle and compares every file in "
		   "SHA256SUMS");
	free(date);
}

/* Monotonic time for run.log only; never in a report file. */
static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull +
	       (unsigned long long)ts.tv_nsec;
}

int
pipeline_run(const struct pipeline_opts *o, struct pipeline_product *out,
	     struct pt_err *err)
{
	struct run_ctx c;
	struct sbuf json = SBUF_INIT, md = SBUF_INIT, html = SBUF_INIT;
	unsigned long long t0, t1;
	struct rusage ru;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.out = out;
	c.r = &out->report;
	report_init(c.r);
	section_tool_and_profile(&c);

	t0 = now_ns();
	rc = stage_intake(&c, err);
	t1 = now_ns();
	sbuf_printf(&c.timing, "intake_ns: %llu\n", t1 - t0);
	if (rc == 0) {
		rc = stage_admission(&c, err);
		t0 = now_ns();
		sbuf_printf(&c.timing, "admission_ns: %llu\n", t0 - t1);
	}
	if (rc == 0) {
		t0 = now_ns();
		rc = stage_execute(&c, err);
		if (rc == 0)
			stage_outputs(c.r, c.cand.manifest, o->profile,
				      &c.ex.results, &out->files);
		sbuf_printf(&c.timing, "execute_and_check_ns: %llu\n",
			    now_ns() - t0);
	}
	if (rc < 0)
		goto fail;
	if (rc == 0)
		report_stage(c.r, "done");
	section_reproduce(&c);
	report_finish(c.r);
	report_frameworks(c.r);
	out->verdict = c.r->worst;

	t0 = now_ns();
	render_json(c.r->root, &json);
	render_markdown(c.r->root, &md);
	render_html(c.r->root, &html);
	sbuf_printf(&c.timing, "render_ns: %llu\n", now_ns() - t0);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		sbuf_printf(&c.timing, "runner_max_rss_kib: %ld\n",
			    ru.ru_maxrss);
	/* How long a run took and how much memory it needed depend on the
	 * data (and, after ds:rows, on the script's choices): on the
	 * custodian's data they are not written down. */
	if (c.custodian)
		sbuf_adds(&c.log, "times and sizes: not recorded for a run on "
				  "custodian data\n");
	else if (c.timing.len > 0)
		sbuf_add(&c.log, c.timing.buf, c.timing.len);
	sbuf_free(&c.timing);
	outset_add(&out->files, "report.json", json.buf, json.len, true);
	outset_add(&out->files, "report.md", md.buf, md.len, true);
	outset_add(&out->files, "report.html", html.buf, html.len, true);
	outset_add(&out->files, "run.log", c.log.buf != NULL ? c.log.buf : "",
		   c.log.len, false);
	sbuf_free(&json);
	sbuf_free(&md);
	sbuf_free(&html);
	sbuf_free(&c.log);
	candidate_fini(&c.cand);
	if (c.executed)
		exec_outcome_fini(&c.ex);
	return 0;
fail:
	sbuf_free(&c.log);
	sbuf_free(&c.timing);
	candidate_fini(&c.cand);
	if (c.executed)
		exec_outcome_fini(&c.ex);
	pipeline_product_fini(out);
	return -1;
}

void
pipeline_product_fini(struct pipeline_product *out)
{
	report_fini(&out->report);
	outset_fini(&out->files);
	free(out->console_note);
	out->console_note = NULL;
}
