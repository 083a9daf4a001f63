/*
 * test_manifest.c - experiment.ini validation: a good manifest, and each
 * rule failing with its exact "experiment.ini:LINE: message".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "manifest.h"

#define EXP                                                                    \
	"[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"         \
	"purpose = p\nentry = a.lua\n"

static void
test_good(void **state)
{
	static const char doc[] =
	    EXP "description = d\nseed = 42\n"
		"[dataset.counts]\nfile = data/c.csv\ncolumns = a, b\n"
		"[exception.out_1]\nreason = public space\n";
	struct pt_err err = { 0, "" };
	struct manifest *m;

	(void)state;
	assert_int_equal(manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_string_equal(m->purpose, "p");
	assert_true(m->has_seed);
	assert_int_equal(m->seed, 42);
	assert_int_equal(m->ndatasets, 1);
	assert_string_equal(m->datasets[0].file, "data/c.csv");
	assert_int_equal(m->datasets[0].ncolumns, 2);
	assert_string_equal(m->datasets[0].columns[1], "b");
	assert_int_equal(m->nexceptions, 1);
	assert_string_equal(m->exceptions[0].output, "out_1");
	manifest_free(m);
}

struct bad {
	const char *text;
	const char *msg;
};

static const struct bad bad[] = {
	{ EXP "seed = -1\n",
	  "experiment.ini:8: seed must be a non-negative integer" },
	{ EXP "seed = 12x\n",
	  "experiment.ini:8: seed must be a non-negative integer" },
	{ EXP "colour = red\n",
	  "experiment.ini:8: unknown key 'colour' in [experiment]" },
	{ EXP "[extra]\nx = 1\n", "experiment.ini:9: unknown section [extra]" },
	{ EXP "name = again\n",
	  "experiment.ini:8: duplicate key 'name' in [experiment]" },
	{ "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
	  "entry = a.lua\n",
	  "experiment.ini: missing key 'purpose' in [experiment]" },
	{ "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
	  "purpose = p\nentry = a.py\n",
	  "experiment.ini:7: entry 'a.py' must be a relative path to a .lua "
	  "file" },
	{ "[experiment]\nname = n\nversion = 1\nteam = t\ncontact = c\n"
	  "purpose = p\nentry = ../a.lua\n",
	  "experiment.ini:7: entry '../a.lua' must be a relative path to a "
	  ".lua file" },
	{ EXP "[dataset.d]\nfile = /etc/passwd\ncolumns = a\n",
	  "experiment.ini:9: file '/etc/passwd' is not a safe relative path" },
	{ EXP "[dataset.d]\nfile = data/../../x.csv\ncolumns = a\n",
	  "experiment.ini:9: file 'data/../../x.csv' is not a safe relative "
	  "path" },
	{ EXP "[dataset.d]\nfile = data/x.csv\n",
	  "experiment.ini:9: [dataset.d] needs 'file' and 'columns'" },
	{ EXP "[dataset.d]\nfile = data/x.csv\ncolumns = a,,b\n",
	  "experiment.ini:10: columns: empty item in list" },
	{ EXP "[dataset.d]\nfile = data/x.csv\ncolumns = a, a\n",
	  "experiment.ini:10: columns: duplicate item in list" },
	{ EXP "[dataset.d]\nfile = data/x.csv\nrows = yes\n",
	  "experiment.ini:10: unknown key 'rows' in [dataset.d]" },
	{ EXP "[dataset.a b]\nfile = data/x.csv\n",
	  "experiment.ini:9: bad dataset name 'a b': use letters, digits, "
	  "'_', '-' and '.'" },
	{ EXP "[exception.x]\nreason =\n",
	  "experiment.ini:9: reason must be a non-empty line of text" },
	{ EXP "[exception.x]\nwhy = because\n",
	  "experiment.ini:9: unknown key 'why' in [exception.x]" },
	{ EXP "[exception.../x]\nreason = r\n",
	  "experiment.ini:9: bad output name '../x'" },
	{ "[experiment]\nname =\nversion = 1\n",
	  "experiment.ini:2: name is empty" },
};

static void
test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(bad); i++) {
		struct pt_err err = { 0, "" };
		struct manifest *m = NULL;

		if (manifest_parse(bad[i].text, strlen(bad[i].text), &m,
				   &err) == 0)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, EX_DATAERR);
		if (strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, err.msg,
				 bad[i].msg);
	}
}

static void
test_names_and_paths(void **state)
{
	(void)state;
	assert_true(manifest_name_ok("visitors_by-zone.v2"));
	assert_false(manifest_name_ok(""));
	assert_false(manifest_name_ok(".x"));
	assert_false(manifest_name_ok("a/b"));
	assert_true(manifest_path_ok("data/counts.csv"));
	assert_false(manifest_path_ok("data//counts.csv"));
	assert_false(manifest_path_ok("data/./counts.csv"));
	assert_false(manifest_path_ok("data\\counts.csv"));
	assert_false(manifest_path_ok("data/"));
	assert_false(manifest_path_ok("data/\x1b[2J.csv"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_names_and_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
