/* report.c - the report model; see report.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "report.h"
#include "textsafe.h"

const char *
status_name(enum status s)
{
	switch (s) {
	case STATUS_PASS:
		return "pass";
	case STATUS_REVIEW:
		return "review";
	case STATUS_FAIL:
		return "fail";
	}
	return "fail";
}

const char *
verdict_name(enum status s)
{
	switch (s) {
	case STATUS_PASS:
		return "PASS";
	case STATUS_REVIEW:
		return "REVIEW";
	case STATUS_FAIL:
		return "FAIL";
	}
	return "FAIL";
}

void
report_init(struct report *r)
{
	struct jv *tool, *versions;

	r->root = jv_obj();
	r->worst = STATUS_PASS;
	jv_set_str(r->root, "schema", REPORT_SCHEMA);
	tool = jv_obj_at(r->root, "tool");
	jv_set_str(tool, "name", "proeftuin");
	jv_set_str(tool, "version", PROEFTUIN_VERSION);
	versions = jv_obj_at(tool, "libraries");
	jv_set_str(versions, "lua", PROEFTUIN_LUA_VERSION);
	jv_set_str(versions, "libarchive", PROEFTUIN_ARCHIVE_VERSION);
	jv_set_str(versions, "libseccomp", PROEFTUIN_SECCOMP_VERSION);
	jv_set_str(versions, "inih", PROEFTUIN_INIH_VERSION);
	jv_set_str(versions, "nettle", PROEFTUIN_NETTLE_VERSION);
	jv_arr_at(r->root, "findings");
	report_stage(r, "intake");
}

void
report_fini(struct report *r)
{
	jv_free(r->root);
	r->root = NULL;
}

void
report_stage(struct report *r, const char *stage)
{
	jv_set_str(r->root, "stage", stage);
}

void
report_status(struct report *r, enum status st)
{
	if (st > r->worst)
		r->worst = st;
}

void
report_finding(struct report *r, const char *stage, enum status st,
	       const char *code, const char *subject, const char *fmt, ...)
{
	struct jv *f = jv_obj();
	struct sbuf sb = SBUF_INIT;
	char *subj, *msg;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	/* Subjects and messages often quote bundle text: cleaned and capped
	 * here so no caller can forget it. */
	subj = text_clean_dup(subject, REPORT_MAX_SUBJECT, false);
	msg = text_clean_dup(sb.buf, REPORT_MAX_MESSAGE, false);
	jv_set_str(f, "stage", stage);
	jv_set_str(f, "status", status_name(st));
	jv_set_str(f, "code", code);
	jv_set_str(f, "subject", subj);
	jv_set_str(f, "message", msg);
	free(subj);
	free(msg);
	sbuf_free(&sb);
	jv_push(jv_arr_at(r->root, "findings"), f);
	report_status(r, st);
}

void
report_finish(struct report *r)
{
	jv_set_str(r->root, "verdict", verdict_name(r->worst));
}

void
render_json(const struct jv *root, struct sbuf *out)
{
	jv_write(root, out);
	sbuf_addc(out, '\n');
}

/* ---- frameworks --------------------------------------------------------- */

static size_t
count_findings(const struct jv *root, const char *status)
{
	const struct jv *fs = jv_get(root, "findings");
	size_t i, n = 0;

	for (i = 0; i < jv_len(fs); i++)
		if (strcmp(jv_get_str(jv_at(fs, i), "status"), status) == 0)
			n++;
	return n;
}

static void
add_item(struct jv *arr, const char *item, const char *requirement,
	 const char *state, const char *evidence, const char *advisor)
{
	struct jv *x = jv_obj();

	jv_set_str(x, "item", item);
	jv_set_str(x, "requirement", requirement);
	jv_set_str(x, "state", state);
	jv_set_str(x, "evidence", evidence);
	jv_set_str(x, "advisor", advisor);
	jv_push(arr, x);
}

/* Names of the datasets with `field` true, or "none". */
static char *
datasets_with(const struct jv *root, const char *field)
{
	const struct jv *ds = jv_get(jv_get(root, "data"), "datasets");
	struct sbuf sb = SBUF_INIT;
	size_t i;

	for (i = 0; i < jv_len(ds); i++) {
		const struct jv *v = jv_get(jv_at(ds, i), field);

		if (v != NULL && jv_str_value(v) != NULL &&
		    strcmp(jv_str_value(v), "yes") == 0)
			sbuf_printf(&sb, "%s%s", sb.len ? ", " : "",
				    jv_get_str(jv_at(ds, i), "name"));
	}
	return sb.len > 0 ? sbuf_steal(&sb) : xstrdup("none");
}

static void
ai_act_checklist(const struct jv *root, struct jv *arr)
{
	const struct jv *proj = jv_get(root, "project");
	const struct jv *setting = jv_get(root, "setting");
	const struct jv *outs = jv_get(root, "outputs");
	const char *pi = jv_get_str(proj, "public_interest");
	const char *end = jv_get_str(setting, "end");
	char *personal = datasets_with(root, "personal");
	char *special = datasets_with(root, "special_category");
	size_t i, released = 0, held = 0, withheld = 0, checks = 0;
	char *s, *desc;

	for (i = 0; i < jv_len(outs); i++) {
		const char *f = jv_get_str(jv_at(outs, i), "released");

		if (f != NULL && strcmp(f, "outputs") == 0)
			released++;
		else if (f != NULL && strcmp(f, "review") == 0)
			held++;
		else
			withheld++;
		checks += jv_len(jv_get(jv_at(outs, i), "checks"));
	}
	s = xasprintf("the profile names the public-interest area '%s' and "
		      "permits the purpose '%s'",
		      pi != NULL ? pi : "",
		      jv_get_str(proj, "purpose") != NULL
			  ? jv_get_str(proj, "purpose")
			  : "");
	add_item(arr, "a",
		 "substantial public interest in an area of art. "
		 "59(1)(a)",
		 pi != NULL && *pi != '\0' ? "partly evidenced"
					   : "advisor to confirm",
		 s,
		 "confirm the area is one of art. 59(1)(a) and the pilot "
		 "serves it");
	free(s);
	s = xasprintf("datasets marked personal by the profile: %s; special "
		      "category: %s",
		      personal, special);
	add_item(arr, "b",
		 "anonymised, synthetic or other non-personal data would not "
		 "suffice",
		 "advisor to confirm", s,
		 strcmp(personal, "none") == 0
		     ? "no dataset is marked personal: confirm that is true"
		     : "confirm why anonymised or synthetic data would not "
		       "suffice for the personal datasets");
	free(s);
	s = xasprintf("every output was checked automatically (%zu checks); "
		      "limits stop the script (it ended: %s); findings: %zu "
		      "fail, %zu review",
		      checks, end != NULL ? end : "not run",
		      count_findings(root, "fail"),
		      count_findings(root, "review"));
	add_item(arr, "c",
		 "monitoring to identify high risks (GDPR art. 35) and "
		 "response mechanisms to stop the processing",
		 "partly evidenced", s,
		 "confirm the DPIA's risks are covered by these checks and "
		 "who acts on a FAIL");
	free(s);
	s = xasprintf("%s",
		      end == NULL ? "no script was executed in this run"
		      : jv_len(jv_get(setting, "sandbox")) > 0
			  ? "the script ran in an isolated sandbox; what it "
			    "enforced was read back from inside (see Safe "
			    "settings)"
			  : "the script ran in the sandbox under the limits "
			    "of Safe settings; the sandbox reported no "
			    "further settings");
	add_item(arr, "d",
		 "a functionally separate, isolated and protected "
		 "environment, accessible to authorised persons only",
		 end != NULL ? "partly evidenced" : "advisor to confirm", s,
		 "confirm who can reach the machine and the real data");
	free(s);
	s = xasprintf("only the protected answers of the data API left the "
		      "sandbox, and of the outputs made from them %zu may "
		      "leave without a person (outputs/), %zu wait for the "
		      "advisors (review/), %zu are withheld",
		      released, held, withheld);
	add_item(arr, "e",
		 "no data created in the sandbox is shared outside it",
		 "partly evidenced", s,
		 "confirm where the released outputs will go");
	free(s);
	add_item(arr, "f",
		 "the processing does not lead to decisions affecting data "
		 "subjects",
		 "advisor to confirm",
		 "the run produces aggregate tables and text only; it takes no "
		 "decisions",
		 "confirm no decision about a person is based on these "
		 "outputs");
	add_item(arr, "g", "personal data deleted when participation ends",
		 "advisor to confirm",
		 "the runner reads data from sealed memory and writes nothing "
		 "but this report folder",
		 "confirm the retention and deletion date of the real data");
	add_item(arr, "h", "logs of the processing kept during participation",
		 "partly evidenced",
		 "this report, run.log and SHA256SUMS record the run",
		 "keep this folder for the duration of participation");
	add_item(arr, "i",
		 "a complete description of the process and its rationale "
		 "kept with the results",
		 "partly evidenced",
		 "digests of the bundle, every script and data file, the "
		 "profile and the tool are recorded; `proeftuin verify` "
		 "reproduces the report",
		 "confirm the rationale (purpose, design) is documented");
	desc = text_clean_dup(jv_get_str(proj, "description"), 400, false);
	s = xasprintf("the manifest's description: %s",
		      *desc != '\0' ? desc : "none");
	free(desc);
	add_item(arr, "j", "a short public summary of the project is published",
		 "advisor to confirm", s,
		 "confirm a summary is published on the authority's website");
	free(s);
	free(personal);
	free(special);
}

static void
gdpr_pointers(struct jv *arr)
{
	add_item(arr, "a",
		 "systematic description of the processing and its "
		 "purposes",
		 "partly evidenced",
		 "Safe projects (purpose, legal basis) and Safe data "
		 "(datasets, columns, digests)",
		 "copy into the DPIA");
	add_item(arr, "b", "necessity and proportionality", "partly evidenced",
		 "Safe data: columns granted, read, and granted but unused "
		 "(data minimisation); the purpose check in Admission",
		 "judge whether the granted columns are needed");
	add_item(arr, "c", "risks to the rights and freedoms of data subjects",
		 "partly evidenced",
		 "Safe outputs: every disclosure rule per output; Findings",
		 "judge the residual risk of each released output");
	add_item(arr, "d", "measures, safeguards and security",
		 "partly evidenced",
		 "Safe settings: the sandbox and its limits; Safe data: the "
		 "ledger of every answer the script was given, each "
		 "protected (cells withheld, rounding, the auditor) before "
		 "the script saw it; Safe outputs: the rules per output",
		 "add the organisational measures");
}

void
report_frameworks(struct report *r)
{
	struct jv *fw = jv_obj_at(r->root, "frameworks");
	struct jv *ai = jv_arr(), *gd = jv_arr();

	ai_act_checklist(r->root, ai);
	gdpr_pointers(gd);
	jv_set(fw, "ai_act_59_1", ai);
	jv_set(fw, "gdpr_35_7", gd);
}

void
report_set_text(struct jv *obj, const char *key, const char *s, size_t cap)
{
	jv_set(obj, key, report_text(s, cap));
}

void
report_set_lines(struct jv *obj, const char *key, const char *s, size_t cap)
{
	char *clean = text_clean_dup(s, cap, true);

	jv_set_str(obj, key, clean);
	free(clean);
}

struct jv *
report_text(const char *s, size_t cap)
{
	char *clean = text_clean_dup(s, cap, false);
	struct jv *v = jv_str(clean);

	free(clean);
	return v;
}
