/*
 * test_admission.c - each admission rule passing and failing, on real
 * bundles taken in by intake from temporary folders; custodian mode
 * (datasets.c): the custodian file replaces the sample, is hashed as read,
 * sealed, and header-checked; the post-run exception check.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "admission.h"
#include "datasets.h"
#include "intake.h"

static char dir[64];

static void
put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	/* "+name" is a file beside the bundle folder (custodian data lives
	 * outside the bundle); anything else is inside it. */
	if (rel[0] == '+')
		snprintf(path, sizeof(path), "%s.%s", dir, rel + 1);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define CSV "sensor_id,zone,visitors,extra\nS1,A,3,x\nS2,B,4,y\n"

static const char good_manifest[] =
    "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
    "purpose = crowd-monitoring\nentry = analysis.lua\n"
    "[dataset.counts]\nfile = data/counts.csv\ncolumns = zone, visitors\n";

static const char good_profile[] =
    "[profile]\nname = p\nversion = 1\nowner = o\n"
    "purposes = crowd-monitoring\nlegal_basis = b\n"
    "public_interest = public-safety\n"
    "[dataset.counts]\naccess = aggregate\ncolumns = zone, visitors\n"
    "identifiers = sensor_id\npersonal = no\nspecial_category = no\n";

static int
setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pt-adm-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("data/counts.csv", CSV);
	put("analysis.lua", "print('x')\n");
	put("experiment.ini", good_manifest);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.real.csv'", dir, dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

struct world {
	struct profile *p;
	struct manifest *m;
	struct bundle b;
	struct dataset_inputs in;
	struct admission a;
};

/* Take in the folder, parse `manifest` and `profile`, run admission. */
static void
admit(struct world *w, const char *manifest, const char *profile)
{
	struct intake_problems problems = { NULL, 0 };
	struct pt_err err = { 0, "" };

	if (profile_parse(profile, strlen(profile), "p.ini", &w->p, &err) != 0)
		fail_msg("profile: %s", err.msg);
	if (manifest_parse(manifest, strlen(manifest), &w->m, &err) != 0)
		fail_msg("manifest: %s", err.msg);
	assert_int_equal(
	    intake_open(dir, &w->p->bundle, &w->b, &problems, &err), 0);
	intake_problems_fini(&problems);
	assert_int_equal(
	    datasets_open(w->m, w->p, &w->b, DATASETS_SEALED, &w->in, &err), 0);
	admission_run(w->m, w->p, &w->b, &w->in, &w->a);
}

static void
world_fini(struct world *w)
{
	admission_fini(&w->a);
	datasets_fini(&w->in);
	bundle_fini(&w->b);
	manifest_free(w->m);
	profile_free(w->p);
}

/* The check named `name` about `subject`: must exist with `passed`, and
 * its reason must contain `reason` when given. */
static void
expect(const struct admission *a, const char *name, const char *subject,
       bool passed, const char *reason)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].name, name) != 0 ||
		    strcmp(a->v[i].subject, subject) != 0)
			continue;
		if (a->v[i].passed != passed)
			fail_msg("%s %s: %s (%s)", name, subject,
				 a->v[i].passed ? "passed" : "failed",
				 a->v[i].reason);
		if (reason != NULL && strstr(a->v[i].reason, reason) == NULL)
			fail_msg("%s %s: reason '%s' lacks '%s'", name, subject,
				 a->v[i].reason, reason);
		return;
	}
	fail_msg("no check %s about '%s'", name, subject);
}

static void
test_all_pass(void **state)
{
	struct world w;
	size_t i;

	(void)state;
	admit(&w, good_manifest, good_profile);
	for (i = 0; i < w.a.n; i++)
		if (!w.a.v[i].passed)
			fail_msg("%s %s: %s", w.a.v[i].name, w.a.v[i].subject,
				 w.a.v[i].reason);
	assert_true(w.a.passed);
	expect(&w.a, "purpose_permitted", "crowd-monitoring", true, NULL);
	expect(&w.a, "entry_present", "analysis.lua", true, NULL);
	expect(&w.a, "dataset_granted", "counts", true, "aggregate");
	expect(&w.a, "dataset_file_present", "data/counts.csv", true, NULL);
	expect(&w.a, "column_granted", "zone", true, NULL);
	expect(&w.a, "column_in_header", "visitors", true, "sample data");
	world_fini(&w);
}

static char *
replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
}

static void
test_purpose(void **state)
{
	struct world w;
	char *m = replace(good_manifest, "crowd-monitoring", "marketing");

	(void)state;
	admit(&w, m, good_profile);
	assert_false(w.a.passed);
	expect(&w.a, "purpose_permitted", "marketing", false,
	       "purpose 'marketing' is not among the profile's purposes");
	world_fini(&w);
	free(m);
}

static void
test_entry_missing(void **state)
{
	struct world w;
	char *m = replace(good_manifest, "analysis.lua", "main.lua");

	(void)state;
	admit(&w, m, good_profile);
	expect(&w.a, "entry_present", "main.lua", false,
	       "entry script 'main.lua' is not in the bundle");
	world_fini(&w);
	free(m);
}

static void
test_dataset_not_granted(void **state)
{
	struct world w;
	char *p = replace(good_profile, "access = aggregate", "access = none");
	char *m = replace(good_manifest, "[dataset.counts]", "[dataset.other]");

	(void)state;
	admit(&w, good_manifest, p);
	expect(&w.a, "dataset_granted", "counts", false,
	       "the profile grants no access to dataset 'counts'");
	world_fini(&w);
	admit(&w, m, good_profile);
	expect(&w.a, "dataset_granted", "other", false,
	       "grants no access to dataset 'other'");
	assert_false(w.a.passed);
	world_fini(&w);
	free(p);
	free(m);
}

static void
test_columns(void **state)
{
	struct world w;
	char *m = replace(good_manifest, "columns = zone, visitors",
			  "columns = zone, sensor_id, extra, missing");
	char *p = replace(good_profile, "columns = zone, visitors",
			  "columns = zone, visitors, missing");

	(void)state;
	admit(&w, m, p);
	assert_false(w.a.passed);
	expect(&w.a, "column_granted", "zone", true, NULL);
	expect(&w.a, "identifier_not_requested", "sensor_id", false,
	       "column 'sensor_id' of 'counts' is an identifier and is never "
	       "readable");
	/* In the file, but not granted: the file may hold more columns. */
	expect(&w.a, "column_granted", "extra", false,
	       "column 'extra' of 'counts' is not granted by the profile");
	expect(&w.a, "column_in_header", "extra", true, NULL);
	/* Granted, but not in the file's header. */
	expect(&w.a, "column_granted", "missing", true, NULL);
	expect(&w.a, "column_in_header", "missing", false,
	       "column 'missing' is not in the header of the sample data of "
	       "'counts'");
	world_fini(&w);
	free(m);
	free(p);
}

static void
test_file_missing_and_bad_header(void **state)
{
	struct world w;
	char *m = replace(good_manifest, "data/counts.csv", "data/none.csv");

	(void)state;
	admit(&w, m, good_profile);
	expect(&w.a, "dataset_file_present", "data/none.csv", false,
	       "dataset file 'data/none.csv' is not in the bundle");
	world_fini(&w);
	free(m);
	put("data/counts.csv", "zone,\"visi\"tors\nA,1\n");
	admit(&w, good_manifest, good_profile);
	expect(&w.a, "dataset_header", "counts", false,
	       "malformed CSV in the header row");
	world_fini(&w);
	put("data/counts.csv", "");
	admit(&w, good_manifest, good_profile);
	expect(&w.a, "dataset_header", "counts", false, "no header row");
	world_fini(&w);
	/* A byte-order mark is not part of the first column's name. */
	put("data/counts.csv", "\xef\xbb\xbfzone,visitors\nA,1\n");
	admit(&w, good_manifest, good_profile);
	expect(&w.a, "column_in_header", "zone", true, NULL);
	world_fini(&w);
}

static void
test_necessity(void **state)
{
	struct world w;
	char *p = replace(good_profile, "personal = no", "personal = yes");
	char *q = replace(p, "[dataset.counts]",
			  "necessity = only real counts show crowding\n"
			  "[dataset.counts]");

	(void)state;
	admit(&w, good_manifest, p);
	expect(&w.a, "necessity_stated", "counts", false,
	       "'counts' holds personal data and the profile states no "
	       "necessity (AI Act art. 59(1)(b))");
	assert_false(w.a.passed);
	world_fini(&w);
	admit(&w, good_manifest, q);
	expect(&w.a, "necessity_stated", "counts", true, NULL);
	assert_true(w.a.passed);
	world_fini(&w);
	free(p);
	free(q);
}

static void
test_exceptions(void **state)
{
	static const char m_text[] =
	    "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
	    "purpose = p\nentry = a.lua\n"
	    "[exception.by_zone]\nreason = public space\n"
	    "[exception.typo]\nreason = r\n";
	const char *outputs[] = { "by_zone", "notes" };
	struct pt_err err = { 0, "" };
	struct manifest *m;
	struct admission a;

	(void)state;
	assert_int_equal(manifest_parse(m_text, strlen(m_text), &m, &err), 0);
	admission_init(&a);
	assert_int_equal(admission_check_exceptions(m, outputs, 2, &a), 1);
	assert_false(a.passed);
	expect(&a, "exception_refers_to_output", "by_zone", true, NULL);
	expect(&a, "exception_refers_to_output", "typo", false,
	       "[exception.typo] names no output of this run");
	admission_fini(&a);
	admission_init(&a);
	assert_int_equal(admission_check_exceptions(m, outputs, 0, &a), 2);
	admission_fini(&a);
	manifest_free(m);
}

/* Custodian mode: the profile's path replaces the sample. */
static void
test_custodian(void **state)
{
	static const char real[] = "visitors,zone,sensor_id,more\n9,Z,S9,q\n";
	char path[128], *p;
	char want[PT_SHA256_HEX];
	struct pt_err err = { 0, "" };
	struct dataset_inputs in = { NULL, 0 };
	const struct dataset_input *di;
	struct world w;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s.real.csv", dir);
	put("+real.csv", real);
	p = xasprintf("%spath = %s\n", good_profile, path);
	admit(&w, good_manifest, p);
	assert_true(w.a.passed);
	expect(&w.a, "custodian_data_readable", "counts", true, NULL);
	expect(&w.a, "column_in_header", "zone", true, "custodian data");
	di = datasets_find(&w.in, "counts");
	assert_non_null(di);
	assert_string_equal(di->source, "custodian");
	pt_sha256_hex(real, strlen(real), want);
	assert_string_equal(di->sha256, want);
	assert_int_equal(di->bytes, strlen(real));
	/* What the sandbox reads is sealed: it cannot change under us. */
	assert_int_equal(fcntl(di->fd, F_GET_SEALS) & F_SEAL_WRITE,
			 F_SEAL_WRITE);
	/* ... and stays what was hashed when the file changes later. */
	put("+real.csv", "zone,visitors\nchanged,1\n");
	{
		char buf[sizeof(real)];

		assert_int_equal(pread(di->fd, buf, sizeof(real) - 1, 0),
				 (ssize_t)sizeof(real) - 1);
		assert_memory_equal(buf, real, sizeof(real) - 1);
	}
	world_fini(&w);

	/* check opens the file itself and copies nothing. */
	put("+real.csv", real);
	admit(&w, good_manifest, p);
	assert_int_equal(
	    datasets_open(w.m, w.p, &w.b, DATASETS_HEADER_ONLY, &in, &err), 0);
	assert_true(in.v[0].owned);
	assert_int_equal(fstat(in.v[0].fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(fcntl(in.v[0].fd, F_GET_SEALS), -1);
	datasets_fini(&in);
	world_fini(&w);

	/* The custodian header lacks a requested column. */
	put("+real.csv", "zone,other\nA,1\n");
	admit(&w, good_manifest, p);
	expect(&w.a, "column_in_header", "visitors", false,
	       "column 'visitors' is not in the header of the custodian data "
	       "of 'counts'");
	assert_false(w.a.passed);
	world_fini(&w);

	/* Missing, a symlink, a FIFO: refused. */
	unlink(path);
	admit(&w, good_manifest, p);
	expect(&w.a, "custodian_data_readable", "counts", false,
	       "No such file or directory");
	world_fini(&w);
	{
		char target[128];

		snprintf(target, sizeof(target), "%s/data/counts.csv", dir);
		assert_int_equal(symlink(target, path), 0);
	}
	admit(&w, good_manifest, p);
	expect(&w.a, "custodian_data_readable", "counts", false, NULL);
	assert_int_equal(w.in.v[0].fd, -1);
	assert_non_null(w.in.v[0].why);
	world_fini(&w);
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	admit(&w, good_manifest, p);
	expect(&w.a, "custodian_data_readable", "counts", false,
	       "not a regular file");
	world_fini(&w);
	unlink(path);
	free(p);
}

static void
test_sample_resolution(void **state)
{
	struct world w;
	char want[PT_SHA256_HEX];

	(void)state;
	admit(&w, good_manifest, good_profile);
	assert_string_equal(w.in.v[0].source, "sample");
	pt_sha256_hex(CSV, strlen(CSV), want);
	assert_string_equal(w.in.v[0].sha256, want);
	assert_false(w.in.v[0].owned);
	world_fini(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_all_pass, setup, teardown),
		cmocka_unit_test_setup_teardown(test_purpose, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_missing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dataset_not_granted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_file_missing_and_bad_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_necessity, setup,
						teardown),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test_setup_teardown(test_custodian, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sample_resolution, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
