/*
 * test_stages.c - the runner's own lines behind the sandbox's, which no
 * bundle can reach through a real run because the child holds the first
 * line: the output stage's check that two outputs do not share a name
 * (the Lua API refuses that already) and run.log's second escaping (the
 * child escapes print already).  Both are fed what a broken or subverted
 * child could send.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "stages.h"

static const char manifest_text[] =
    "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
    "purpose = crowd-monitoring\nentry = analysis.lua\n"
    "[dataset.counts]\nfile = data/counts.csv\ncolumns = zone\n";

static const char profile_text[] =
    "[profile]\nname = p\nversion = 1\nowner = o\n"
    "purposes = crowd-monitoring\nlegal_basis = b\n"
    "public_interest = public-safety\n"
    "[dataset.counts]\naccess = aggregate\ncolumns = zone\n"
    "identifiers = sensor_id\npersonal = no\nspecial_category = no\n";

static struct output
text_output(const char *name, const char *text)
{
	struct output o;

	memset(&o, 0, sizeof(o));
	o.kind = OUTPUT_TEXT;
	o.name = xstrdup(name);
	o.description = xstrdup("");
	o.text = xstrdup(text);
	return o;
}

static void
output_free(struct output *o)
{
	free(o->name);
	free(o->description);
	free(o->text);
}

static size_t
count_findings(const struct report *r, const char *code)
{
	const struct jv *f = jv_get(r->root, "findings");
	size_t i, n = 0;

	for (i = 0; f != NULL && i < jv_len(f); i++)
		n += strcmp(jv_get_str(jv_at(f, i), "code"), code) == 0;
	return n;
}

static bool
has_file(const struct outset *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->v[i].name, name) == 0)
			return true;
	return false;
}

/* Two outputs whose names differ only in case: one file on macOS or
 * Windows.  The first is placed, the second withheld, and the run fails. */
static void
duplicate_output_is_withheld(void **state)
{
	struct output outs[2];
	struct run_results res;
	struct manifest *m = NULL;
	struct profile *p = NULL;
	struct pt_err err = { 0, "" };
	struct outset files = { NULL, 0 };
	struct report r;
	const struct jv *arr;

	(void)state;
	assert_int_equal(
	    manifest_parse(manifest_text, strlen(manifest_text), &m, &err), 0);
	assert_int_equal(profile_parse(profile_text, strlen(profile_text),
				       "p.ini", &p, &err),
			 0);
	outs[0] = text_output("notes", "first text\n");
	outs[1] = text_output("NOTES", "second text\n");
	memset(&res, 0, sizeof(res));
	res.outputs = outs;
	res.noutputs = 2;
	res.done = true;
	report_init(&r);
	stage_outputs(&r, m, p, &res, &files);

	assert_int_equal(count_findings(&r, "DUPLICATE_OUTPUT"), 1);
	assert_int_equal(r.worst, STATUS_FAIL);
	arr = jv_get(r.root, "outputs");
	assert_int_equal(jv_len(arr), 2);
	assert_string_equal(jv_get_str(jv_at(arr, 1), "released"), "withheld");
	assert_string_equal(jv_get_str(jv_at(arr, 1), "file"), "");
	assert_false(has_file(&files, "outputs/NOTES.txt"));
	assert_false(has_file(&files, "review/NOTES.txt"));
	/* A failed run releases nothing at all. */
	assert_false(has_file(&files, "outputs/notes.txt"));
	assert_int_equal(count_findings(&r, "RUN_FAILED"), 1);

	/* Distinct names: both are placed. */
	report_fini(&r);
	outset_fini(&files);
	output_free(&outs[1]);
	outs[1] = text_output("summary", "second text\n");
	report_init(&r);
	stage_outputs(&r, m, p, &res, &files);
	assert_int_equal(count_findings(&r, "DUPLICATE_OUTPUT"), 0);
	assert_int_equal(files.n, 2);

	report_fini(&r);
	outset_fini(&files);
	output_free(&outs[0]);
	output_free(&outs[1]);
	manifest_free(m);
	profile_free(p);
}

/* run.log gets what reached the log pipe escaped again: a terminal
 * escape, a C1 control, a bidi override and an invalid byte become \xNN,
 * line feeds and tabs stay, and a cut log says so. */
static void
runlog_escapes_again(void **state)
{
	static const char raw[] = "ok\tline\n\x1b[2J\xc2\x9b"
				  "\xe2\x80\xae"
				  "evil\xff\n";
	struct sbuf log = SBUF_INIT;

	(void)state;
	runlog_add_script_log(&log, raw, sizeof(raw) - 1, false);
	assert_string_equal(log.buf,
			    "--- script log (print) ---\n"
			    "ok\tline\n\\x1b[2J\\xc2\\x9b\\xe2\\x80\\xaeevil"
			    "\\xff\n");
	sbuf_reset(&log);
	runlog_add_script_log(&log, "x", 1, true);
	assert_string_equal(log.buf, "--- script log (print) ---\nx\n"
				     "--- truncated at the log cap ---\n");
	sbuf_reset(&log);
	runlog_add_script_log(&log, "", 0, false);
	assert_int_equal(log.len, 0);
	sbuf_free(&log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duplicate_output_is_withheld),
		cmocka_unit_test(runlog_escapes_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
