/* cmd_run.c - `proeftuin run` and `proeftuin check`. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "admission.h"
#include "attest.h"
#include "cli.h"
#include "execute.h"
#include "commands.h"
#include "intake.h"
#include "json.h"
#include "manifest.h"
#include "outdir.h"
#include "pipeline.h"
#include "profile.h"
#include "sign.h"
#include "stages.h"

#define RUN_USAGE                                                              \
	"proeftuin run BUNDLE --profile PROFILE [--out DIR] [--force] "        \
	"[--sign NAME [--keyring DIR]] [--quiet]"
#define CHECK_USAGE "proeftuin check BUNDLE --profile PROFILE [--json]"

/* The absolute form of `path`, or of its nearest existing ancestor with
 * the missing components appended, so a folder that does not exist yet
 * can be compared too.  NULL when nothing of it resolves. */
static char *
resolve_maybe_missing(const char *path)
{
	char *copy = xstrdup(path), *tail = xstrdup(""), *real = NULL;

	for (;;) {
		char *slash;

		real = realpath(copy, NULL);
		if (real != NULL || errno != ENOENT)
			break;
		slash = strrchr(copy, '/');
		if (slash == NULL) {
			char *t =
			    xasprintf("%s%s%s", copy, *tail ? "/" : "", tail);

			free(tail);
			tail = t;
			strcpy(copy, ".");
			continue;
		} else {
			char *t = xasprintf("%s%s%s", slash + 1,
					    *tail ? "/" : "", tail);

			free(tail);
			tail = t;
			*slash = '\0';
			if (*copy == '\0')
				strcpy(copy, "/");
		}
	}
	if (real != NULL && *tail != '\0') {
		char *full = xasprintf("%s/%s", real, tail);

		free(real);
		real = full;
	}
	free(copy);
	free(tail);
	return real;
}

/* Nothing in a bundle is ever changed: refuse an output folder that is the
 * bundle folder, lies inside it, or contains it (--force would replace). */
static void
refuse_out_near_bundle(const char *bundle, const char *out_dir)
{
	char *b = realpath(bundle, NULL), *o = resolve_maybe_missing(out_dir);
	size_t nb, no;

	if (b != NULL && o != NULL) {
		nb = strlen(b);
		no = strlen(o);
		if ((no >= nb && strncmp(o, b, nb) == 0 &&
		     (o[nb] == '/' || o[nb] == '\0')) ||
		    (nb > no && strncmp(b, o, no) == 0 &&
		     (b[no] == '/' || no == 1)))
			die(EX_USAGE,
			    "%s: the report folder would be in or around the "
			    "bundle %s, which proeftuin never changes; hint: "
			    "choose an --out outside the bundle",
			    out_dir, bundle);
	}
	free(b);
	free(o);
}

/* The custodian's signed provenance of the report in `files`, added to
 * them (outside SHA256SUMS, which it names). */
static void
sign_report(struct outset *files, const struct key *k)
{
	struct sbuf sums = SBUF_INIT, stm = SBUF_INIT, env = SBUF_INIT;
	struct report_facts facts;
	struct pt_err err = { 0, "" };
	const struct outfile *json = NULL;
	size_t i;

	for (i = 0; i < files->n; i++)
		if (strcmp(files->v[i].name, "report.json") == 0)
			json = &files->v[i];
	if (json == NULL)
		die(EX_SOFTWARE, "internal error: no report.json to sign");
	outdir_sums(files, &sums);
	if (report_facts_parse(sums.buf, sums.len, json->data.buf,
			       json->data.len, &facts, &err) < 0)
		die(EX_SOFTWARE, "internal error: %s", err.msg);
	attest_provenance(&facts, k, &stm);
	dsse_sign(k, INTOTO_PAYLOAD_TYPE, stm.buf, stm.len, &env);
	outset_add(files, PROVENANCE_FILE, env.buf, env.len, false);
	report_facts_fini(&facts);
	sbuf_free(&sums);
	sbuf_free(&stm);
	sbuf_free(&env);
}

/*
 * Every refusal of the run on stderr, so a team need not open the report
 * to learn why: "proeftuin: BUNDLE/experiment.ini:LINE: message" for the
 * manifest and admission, "proeftuin: BUNDLE: message" for the rest.  The
 * script's own ending is the console note, printed separately.
 */
static void
print_refusals(const struct report *r, const char *bundle)
{
	const struct jv *findings = jv_get(r->root, "findings");
	size_t i;

	for (i = 0; i < jv_len(findings); i++) {
		const struct jv *f = jv_at(findings, i);
		const char *status = jv_get_str(f, "status");
		const char *stage = jv_get_str(f, "stage");
		const char *msg = jv_get_str(f, "message");
		const char *code = jv_get_str(f, "code");
		/* Slips of the team's own, which a verdict of REVIEW alone
		 * would hide among the advisor's items. */
		bool slip =
		    code != NULL && (strcmp(code, "EXCEPTION_UNUSED") == 0 ||
				     strcmp(code, "NO_OUTPUTS") == 0);
		bool manifest;

		if (status == NULL || stage == NULL || msg == NULL ||
		    (strcmp(status, "fail") != 0 && !slip) ||
		    strcmp(stage, "execution") == 0)
			continue;
		manifest = strncmp(msg, MANIFEST_NAME ":", 14) == 0;
		if (manifest)
			warnx_("%s/%s", bundle, msg);
		else if (strcmp(stage, "admission") == 0)
			warnx_("%s/" MANIFEST_NAME ": %s", bundle, msg);
		else
			warnx_("%s: %s", bundle, msg);
	}
}

/* The progress line on a terminal: one line, rewritten with a carriage
 * return (no colours or other escapes, so NO_COLOR holds), cleared before
 * anything else is printed.  Never in a report. */
static size_t progress_width;

static void
progress_line(void *arg, const char *dataset, uint64_t pos, uint64_t size)
{
	char *name = console_safe(dataset), line[160];
	int n;

	(void)arg;
	n = snprintf(line, sizeof(line),
		     "proeftuin: running: reading %s, %llu%% of %llu MiB", name,
		     (unsigned long long)(size > 0 ? pos * 100 / size : 100),
		     (unsigned long long)((size + (1u << 19)) >> 20));
	free(name);
	if (n < 0)
		return;
	fprintf(
	    stderr, "\r%s%*s", line,
	    (int)(progress_width > (size_t)n ? progress_width - (size_t)n : 0),
	    "");
	fflush(stderr);
	if ((size_t)n > progress_width)
		progress_width = (size_t)n;
}

static void
progress_clear(void)
{
	if (progress_width > 0)
		fprintf(stderr, "\r%*s\r", (int)progress_width, "");
	progress_width = 0;
}

static int
verdict_exit(enum status s)
{
	return s == STATUS_PASS	    ? EXIT_PASS
	       : s == STATUS_REVIEW ? EXIT_REVIEW
				    : EXIT_FAIL;
}

int
cmd_run(int argc, char **argv)
{
	const char *profile_path = NULL, *out_dir = "proeftuin-report",
		   *sign = NULL, *keyring = NULL;
	bool force = false, help = false, quiet = false;
	const struct cli_opt opts[] = {
		{ "profile", 'p', true, &profile_path, NULL },
		{ "out", 'o', true, &out_dir, NULL },
		{ "force", 'f', false, NULL, &force },
		{ "sign", 's', true, &sign, NULL },
		{ "keyring", 'k', true, &keyring, NULL },
		{ "quiet", 'q', false, NULL, &quiet },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct pipeline_opts po;
	struct pipeline_product prod;
	struct profile *profile;
	struct pt_err err = { 0, "" };
	struct key key;
	int n = cli_parse(argc, argv, opts, RUN_USAGE);

	if (help) {
		cli_help(RUN_USAGE,
			 "Run the bundle (a folder, .tar, .tar.gz, .tar.zst or "
			 ".zip) in the sandbox\nunder PROFILE and write the "
			 "report folder.\n\noptions:\n"
			 "  -p, --profile PROFILE  the custodian's profile "
			 "(required)\n"
			 "  -o, --out DIR          the report folder (default "
			 "proeftuin-report)\n"
			 "  -f, --force            replace an earlier report "
			 "folder in DIR\n"
			 "  -s, --sign NAME        sign the report with the "
			 "custodian's key NAME\n"
			 "  -k, --keyring DIR      where the keys are (default "
			 "~/.config/proeftuin/keys)\n"
			 "  -q, --quiet            no progress line on a "
			 "terminal\n\n"
			 "exit status: 0 PASS, 1 REVIEW, 2 FAIL; see "
			 "proeftuin(1)\nexample:\n  proeftuin run "
			 "scripts/examples/crowd-safety --profile "
			 "profiles/crowd-safety.ini --out report\n");
		return 0;
	}
	if (n != 1 || profile_path == NULL)
		die(EX_USAGE, "usage: %s", RUN_USAGE);
	/* The key first: a custodian's typo must not cost a whole run. */
	if (sign != NULL) {
		char *dir = cli_keyring_dir(keyring);

		if (key_load_private(dir, sign, &key, &err) < 0)
			die_err(&err);
		free(dir);
	}
	memset(&po, 0, sizeof(po));
	po.bundle_path = argv[1];
	po.source_date_epoch = cli_source_date_epoch(&po.have_date);
	if (profile_load(profile_path, &profile, &err) < 0)
		die_err(&err);
	po.profile = profile;
	refuse_out_near_bundle(argv[1], out_dir);
	if (outdir_precheck(out_dir, force, &err) < 0)
		die_err(&err);
	if (!quiet && isatty(STDERR_FILENO))
		po.progress = progress_line;
	n = pipeline_run(&po, &prod, &err);
	progress_clear();
	if (n < 0)
		die_err(&err);
	if (prod.console_note != NULL) {
		/* The note carries the script's own error text: indent its
		 * later lines so none can pass for the runner's own
		 * "verdict: PASS" line. */
		struct sbuf note = SBUF_INIT;
		const char *p;

		for (p = prod.console_note; *p != '\0'; p++) {
			sbuf_add(&note, p, 1);
			if (*p == '\n')
				sbuf_adds(&note, "\t");
		}
		warnx_("%s", note.buf != NULL ? note.buf : "");
		sbuf_free(&note);
	}
	print_refusals(&prod.report, argv[1]);
	if (sign != NULL) {
		sign_report(&prod.files, &key);
		key_fini(&key);
	}
	if (outdir_commit(out_dir, force, &prod.files, &err) < 0)
		die_err(&err);
	printf("verdict: %s\nreport: %s/report.md\n",
	       verdict_name(prod.verdict), out_dir);
	n = verdict_exit(prod.verdict);
	pipeline_product_fini(&prod);
	profile_free(profile);
	return n;
}

/* What intake found, where errors go; when it refused the bundle, check
 * ends here (65 when it is no bundle at all, else 2). */
static void
report_intake(const struct candidate *c, const char *bundle, bool refused)
{
	const struct refusal *last = NULL;
	size_t i;

	for (i = 0; i < c->nrefusals; i++) {
		const struct refusal *r = &c->refusals[i];

		if (strcmp(r->code, "ENTRY_REFUSED") == 0)
			warnx_("%s/%s: %s", bundle, r->subject, r->message);
		else
			last = r;
	}
	if (!refused)
		return;
	if (last == NULL)
		die(EXIT_FAIL, "bundle refused at intake");
	if (strcmp(last->code, "BUNDLE_REFUSED") == 0)
		die(EX_DATAERR, "%s", last->message);
	if (strcmp(last->code, "BAD_MANIFEST") == 0)
		die(EXIT_FAIL, "%s/%s", bundle, last->message);
	die(EXIT_FAIL, "%s", last->message);
}

int
cmd_check(int argc, char **argv)
{
	const char *profile_path = NULL;
	bool json = false, help = false;
	const struct cli_opt opts[] = {
		{ "profile", 'p', true, &profile_path, NULL },
		{ "json", 0, false, NULL, &json },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct candidate cand;
	struct profile *profile;
	struct pt_err err = { 0, "" };
	struct admission a;
	int n = cli_parse(argc, argv, opts, CHECK_USAGE), rc;
	size_t i;

	if (help) {
		cli_help(CHECK_USAGE,
			 "Admission only: intake, manifest and the profile's "
			 "checks; nothing is run.\n\noptions:\n"
			 "  -p, --profile PROFILE  the custodian's profile "
			 "(required)\n"
			 "      --json             the checks as canonical "
			 "JSON\n\n"
			 "exit status: 0 admitted, 2 refused\nexample:\n  "
			 "proeftuin check mybundle --profile "
			 "profiles/default.ini\n");
		return 0;
	}
	if (n != 1 || profile_path == NULL)
		die(EX_USAGE, "usage: %s", CHECK_USAGE);
	if (profile_load(profile_path, &profile, &err) < 0)
		die_err(&err);
	memset(&cand, 0, sizeof(cand));
	rc = candidate_take_in(&cand, argv[1], profile, &err);
	if (rc < 0)
		die_err(&err);
	report_intake(&cand, argv[1], rc == 1);
	if (candidate_admit(&cand, profile, ADMIT_TO_CHECK, &a, &err) < 0)
		die_err(&err);
	if (json) {
		struct jv *root = jv_obj();
		struct sbuf out = SBUF_INIT;

		jv_set(root, "checks", admission_to_json(&a));
		jv_set_str(root, "result", a.passed ? "admitted" : "refused");
		jv_write(root, &out);
		printf("%s\n", out.buf);
		sbuf_free(&out);
		jv_free(root);
	} else {
		for (i = 0; i < a.n; i++) {
			char *subject = console_safe(a.v[i].subject);
			char *reason = console_safe(a.v[i].reason);

			printf("%s  %-26s %s%s%s\n",
			       !a.v[i].passed	  ? "FAIL"
			       : a.v[i].attention ? "attn"
						  : "pass",
			       a.v[i].name, subject, *subject ? ": " : "",
			       reason);
			free(subject);
			free(reason);
		}
		printf("%s\n", a.passed ? "admitted" : "refused");
	}
	/* The refusals also where errors go, in the usual form. */
	for (i = 0; i < a.n; i++)
		if (!a.v[i].passed) {
			/* "experiment.ini:9: ..." and "helpers.lua:2: ..."
			 * name a file of the bundle. */
			if (strncmp(a.v[i].reason, MANIFEST_NAME ":", 14) ==
				0 ||
			    strcmp(a.v[i].name, "scripts_compile") == 0)
				warnx_("%s/%s", argv[1], a.v[i].reason);
			else
				warnx_("%s: %s", argv[1], a.v[i].reason);
		}
	rc = a.passed ? 0 : EXIT_FAIL;
	admission_fini(&a);
	candidate_fini(&cand);
	profile_free(profile);
	return rc;
}
