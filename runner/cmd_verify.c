/*
 * cmd_verify.c - `proeftuin verify DIR --bundle B --profile P`: re-run the
 * bundle in memory and prove the recorded report is byte-identical, or name
 * the first file (and, in report.json, the first JSON path) that differs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "attest.h"
#include "cli.h"
#include "commands.h"
#include "json_parse.h"
#include "manifest.h"
#include "outdir.h"
#include "pipeline.h"
#include "profile.h"
#include "release.h"
#include "report.h"
#include "review.h"

#define VERIFY_USAGE                                                           \
	"proeftuin verify DIR [--bundle BUNDLE --profile PROFILE] "            \
	"[--keyring DIR]"
#define MAX_REPORT_FILE (256u * 1024 * 1024)

/* Read DIR/NAME without following symlinks.  0, or -1 when absent or not a
 * regular file (errno tells); a file over the cap is kept cut, so it
 * differs. */
static int
read_recorded(const char *dir, const char *name, struct sbuf *out)
{
	char *path = xasprintf("%s/%s", dir, name);
	int r = outdir_read(AT_FDCWD, path, MAX_REPORT_FILE, out);

	free(path);
	return r == 0 || (r < 0 && errno == EFBIG) ? 0 : -1;
}

/* Names listed in a SHA256SUMS text, in order; unsafe names are refused. */
static int
sums_names(const struct sbuf *sums, char ***names, size_t *n)
{
	const char *p = sums->buf != NULL ? sums->buf : "";
	const char *end = p + sums->len;

	*names = NULL;
	*n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *name;

		if (nl == NULL || nl - p < 67 || p[64] != ' ' || p[65] != ' ')
			return -1;
		name = xstrndup(p + 66, (size_t)(nl - p - 66));
		if (!manifest_path_ok(name)) {
			free(name);
			return -1;
		}
		*names = xreallocarray(*names, *n + 1, sizeof(**names));
		(*names)[(*n)++] = name;
		p = nl + 1;
	}
	return 0;
}

static const struct outfile *
find_file(const struct outset *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (set->v[i].in_sums && strcmp(set->v[i].name, name) == 0)
			return &set->v[i];
	return NULL;
}

static bool
is_listed(char **names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* The first entry (in name order) of `dir`/`sub` that the re-run did not
 * make, as a new string relative to `dir`, or NULL. */
static char *
first_stray_in(const char *dir, const char *sub, char **made, size_t nmade)
{
	struct dirent **ents = NULL;
	char *path = xasprintf("%s/%s", dir, sub), *stray = NULL;
	int i, n = scandir(path, &ents, NULL, alphasort);

	for (i = 0; i < n; i++) {
		char *rel = xasprintf("%s/%s", sub, ents[i]->d_name);

		if (stray == NULL && strcmp(ents[i]->d_name, ".") != 0 &&
		    strcmp(ents[i]->d_name, "..") != 0 &&
		    !is_listed(made, nmade, rel))
			stray = rel;
		else
			free(rel);
		free(ents[i]);
	}
	free(ents);
	free(path);
	return stray;
}

/* The first entry (in name order) of DIR, DIR/outputs or DIR/review that
 * the re-run did not make, as a new string, or NULL.  A file slipped into
 * the folder (outputs/leak.csv) would look released to a reader while
 * SHA256SUMS does not name it.  run.log is not covered by design. */
static char *
first_stray(const char *dir, char **made, size_t nmade)
{
	struct dirent **ents = NULL;
	char *stray = NULL;
	int i, n = scandir(dir, &ents, NULL, alphasort);

	for (i = 0; i < n; i++) {
		const char *e = ents[i]->d_name;

		if (stray == NULL && strcmp(e, ".") != 0 &&
		    strcmp(e, "..") != 0 && strcmp(e, "outputs") != 0 &&
		    strcmp(e, "review") != 0 && strcmp(e, "run.log") != 0 &&
		    strcmp(e, "SHA256SUMS") != 0 &&
		    strcmp(e, PROVENANCE_FILE) != 0 &&
		    strcmp(e, DECISIONS_DIR) != 0 && !is_listed(made, nmade, e))
			stray = xstrdup(e);
		free(ents[i]);
	}
	free(ents);
	if (stray == NULL)
		stray = first_stray_in(dir, "outputs", made, nmade);
	if (stray == NULL)
		stray = first_stray_in(dir, "review", made, nmade);
	return stray;
}

/* Refuse when the recorded report was made by other versions. */
static void
check_versions(const struct jv *recorded)
{
	struct report mine;
	const struct jv *a, *b;
	struct sbuf path = SBUF_INIT;

	report_init(&mine);
	a = jv_get(recorded, "tool");
	b = jv_get(mine.root, "tool");
	if (a == NULL)
		die(EX_DATAERR, "report.json records no tool versions");
	if (json_first_difference(a, b, &path)) {
		const struct jv *ra = a, *rb = b;
		const char *p = path.buf != NULL ? path.buf : "";

		if (strncmp(p, "libraries.", 10) == 0) {
			ra = jv_get(a, "libraries");
			rb = jv_get(b, "libraries");
			p += 10;
		}
		die(EX_DATAERR,
		    "the report was made with %s %s, this proeftuin has %s; "
		    "hint: verify with the proeftuin version the report names",
		    p, jv_get_str(ra, p) ? jv_get_str(ra, p) : "(absent)",
		    jv_get_str(rb, p) ? jv_get_str(rb, p) : "(absent)");
	}
	sbuf_free(&path);
	report_fini(&mine);
}

/* The recorded date becomes the re-run's SOURCE_DATE_EPOCH. */
static bool
recorded_date(const struct jv *recorded, long long *epoch)
{
	const char *d = jv_get_str(recorded, "date");
	struct tm tm;
	char *end;

	if (d == NULL)
		return false;
	memset(&tm, 0, sizeof(tm));
	end = strptime(d, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		die(EX_DATAERR, "report.json has a malformed date '%s'", d);
	*epoch = (long long)timegm(&tm);
	return true;
}

static void
explain_json(const struct sbuf *recorded, const struct sbuf *fresh)
{
	const char *why;
	size_t at;
	struct jv *a = json_parse(recorded->buf, recorded->len, &why, &at);
	struct jv *b = json_parse(fresh->buf, fresh->len, &why, &at);
	struct sbuf path = SBUF_INIT;

	if (a == NULL)
		printf("report.json is not valid JSON (byte %zu)\n", at);
	else if (b != NULL && json_first_difference(a, b, &path))
		printf("first difference at JSON path: %s\n",
		       path.len > 0 ? path.buf : "(root)");
	sbuf_free(&path);
	jv_free(a);
	jv_free(b);
}

/*
 * The signatures of a report folder or a release package: 0 when every
 * one holds (a summary on stdout), else EXIT_FAIL with the first failure
 * named.  A folder without any signature is 66 when `required`, else 0.
 */
static int
verify_signatures(const char *dir, const char *keyring, bool required)
{
	char *ring_dir = cli_keyring_dir(keyring), *rel, *prov, *who;
	struct pt_err err = { 0, "" };
	struct review_state st;
	struct keyring ring;
	struct stat sb;
	bool package;
	int status = 0;
	size_t i;

	rel = xasprintf("%s/" RELEASE_FILE, dir);
	prov = xasprintf("%s/" PROVENANCE_FILE, dir);
	package = lstat(rel, &sb) == 0;
	if (!package && lstat(prov, &sb) < 0) {
		free(rel);
		free(prov);
		free(ring_dir);
		if (required)
			die(EX_NOINPUT,
			    "%s holds no signature (" PROVENANCE_FILE
			    " or " RELEASE_FILE
			    "); hint: to re-run the report add "
			    "--bundle and --profile",
			    dir);
		return 0;
	}
	if (keyring_load(ring_dir, &ring, &err) < 0)
		die_err(&err);
	if (package ? release_verify(dir, &ring, &err) < 0
		    : review_load(dir, &ring, false, &st, &err) < 0) {
		printf("invalid: %s\n", err.msg);
		status = EXIT_FAIL;
	} else if (!package) {
		struct sbuf names = SBUF_INIT;

		for (i = 0; i < st.nauthors; i++)
			sbuf_printf(&names, "%s%s", i > 0 ? ", " : "",
				    st.authors[i].name);
		who = console_safe(names.buf != NULL ? names.buf : "none");
		printf("signatures: valid (run by %s; %zu decision record%s "
		       "by %s; %zu audit event%s)\n",
		       st.custodian->name, st.nrecords,
		       st.nrecords == 1 ? "" : "s", who, st.nevents,
		       st.nevents == 1 ? "" : "s");
		free(who);
		sbuf_free(&names);
		review_fini(&st);
	} else {
		printf("release: valid (signed statement, every file's "
		       "digest, the report's provenance and every decision)\n");
	}
	keyring_fini(&ring);
	free(rel);
	free(prov);
	free(ring_dir);
	return status;
}

int
cmd_verify(int argc, char **argv)
{
	const char *bundle = NULL, *profile_path = NULL, *keyring = NULL;
	bool help = false;
	const struct cli_opt opts[] = {
		{ "bundle", 'b', true, &bundle, NULL },
		{ "profile", 'p', true, &profile_path, NULL },
		{ "keyring", 'k', true, &keyring, NULL },
		{ "help", 'h', false, NULL, &help },
		{ NULL, 0, false, NULL, NULL },
	};
	struct sbuf rec_json = SBUF_INIT, rec_sums = SBUF_INIT,
		    sums = SBUF_INIT;
	struct pipeline_opts po;
	struct pipeline_product prod;
	struct profile *profile;
	struct pt_err err = { 0, "" };
	struct jv *recorded;
	char **names = NULL, **fresh_names = NULL;
	size_t nnames = 0, nfresh = 0, i, j;
	const char *why, *dir;
	size_t at;
	int n = cli_parse(argc, argv, opts, VERIFY_USAGE), status = 0;

	if (help) {
		cli_help(VERIFY_USAGE,
			 "Without --bundle and --profile: check the signatures "
			 "of a report folder or\nrelease package.  With them: "
			 "re-run the bundle and prove every file in\n"
			 "SHA256SUMS is byte-identical, then check the "
			 "signatures.\n\noptions:\n"
			 "  -b, --bundle BUNDLE    the bundle to re-run\n"
			 "  -p, --profile PROFILE  the profile it ran under\n"
			 "  -k, --keyring DIR      trusted public keys "
			 "(default ~/.config/proeftuin/keys)\n\n"
			 "exit status: 0 identical/valid, 2 differs/invalid\n"
			 "examples:\n  proeftuin verify report --bundle "
			 "mybundle --profile profiles/default.ini\n  "
			 "proeftuin verify release-1\n");
		return 0;
	}
	if (n != 1 || (bundle == NULL) != (profile_path == NULL))
		die(EX_USAGE, "usage: %s", VERIFY_USAGE);
	dir = argv[1];
	if (bundle == NULL)
		return verify_signatures(dir, keyring, true);
	if (read_recorded(dir, "report.json", &rec_json) < 0 ||
	    read_recorded(dir, "SHA256SUMS", &rec_sums) < 0)
		die(EX_NOINPUT, "%s: no report.json and SHA256SUMS to verify",
		    dir);
	recorded = json_parse(rec_json.buf, rec_json.len, &why, &at);
	if (recorded == NULL)
		die(EX_DATAERR, "%s/report.json: %s at byte %zu", dir, why, at);
	if (sums_names(&rec_sums, &names, &nnames) < 0)
		die(EX_DATAERR, "%s/SHA256SUMS is malformed", dir);
	check_versions(recorded);

	memset(&po, 0, sizeof(po));
	po.bundle_path = bundle;
	po.have_date = recorded_date(recorded, &po.source_date_epoch);
	jv_free(recorded);
	if (profile_load(profile_path, &profile, &err) < 0)
		die_err(&err);
	po.profile = profile;
	if (pipeline_run(&po, &prod, &err) < 0)
		die_err(&err);
	outdir_sums(&prod.files, &sums);
	if (sums_names(&sums, &fresh_names, &nfresh) < 0)
		die(EX_SOFTWARE, "internal error: bad SHA256SUMS");

	/* Compare file by file, in name order: every recorded file, then any
	 * file only the re-run produced, then SHA256SUMS itself. */
	for (i = 0; i < nnames && status == 0; i++) {
		const struct outfile *f = find_file(&prod.files, names[i]);
		struct sbuf rec = SBUF_INIT;

		if (f == NULL || read_recorded(dir, names[i], &rec) < 0 ||
		    rec.len != f->data.len ||
		    memcmp(rec.buf != NULL ? rec.buf : "", f->data.buf,
			   rec.len) != 0) {
			printf("differs: %s\n", names[i]);
			if (f != NULL && strcmp(names[i], "report.json") == 0)
				explain_json(&rec, &f->data);
			status = EXIT_FAIL;
		}
		sbuf_free(&rec);
	}
	for (i = 0; i < nfresh && status == 0; i++) {
		bool listed = false;

		for (j = 0; j < nnames; j++)
			listed =
			    listed || strcmp(names[j], fresh_names[i]) == 0;
		if (!listed) {
			printf("differs: %s (missing from %s)\n",
			       fresh_names[i], dir);
			status = EXIT_FAIL;
		}
	}
	if (status == 0 && (rec_sums.len != sums.len ||
			    memcmp(rec_sums.buf, sums.buf, sums.len) != 0)) {
		printf("differs: SHA256SUMS\n");
		status = EXIT_FAIL;
	}
	if (status == 0) {
		char *stray = first_stray(dir, fresh_names, nfresh);

		if (stray != NULL) {
			char *shown = console_safe(stray);

			printf("differs: %s (not made by this run)\n", shown);
			status = EXIT_FAIL;
			free(shown);
			free(stray);
		}
	}
	if (status == 0)
		printf("identical\n");
	if (status == 0)
		status = verify_signatures(dir, keyring, false);

	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	for (i = 0; i < nfresh; i++)
		free(fresh_names[i]);
	free(fresh_names);
	sbuf_free(&rec_json);
	sbuf_free(&rec_sums);
	sbuf_free(&sums);
	pipeline_product_fini(&prod);
	profile_free(profile);
	return status;
}
