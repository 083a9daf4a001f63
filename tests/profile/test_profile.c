/*
 * test_profile.c - profile parsing: every key of the schema table with good
 * and bad values and the exact "file:line: message", required keys,
 * contradictions, the digest of the parsed bytes, the read-only freeze and
 * the JSON copy of every effective value.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "json.h"
#include "profile.h"

/* The base document: valid, every section present, line numbers known. */
static const char *const base_lines[] = {
	"[profile]",			   /* 1 */
	"name = t",			   /* 2 */
	"version = 1",			   /* 3 */
	"owner = o",			   /* 4 */
	"purposes = p",			   /* 5 */
	"legal_basis = b",		   /* 6 */
	"public_interest = public-safety", /* 7 */
	"necessity = n",		   /* 8 */
	"[limits]",			   /* 9 */
	"[bundle]",			   /* 10 */
	"[disclosure]",			   /* 11 */
	"[review]",			   /* 12 */
	"[dataset.d]",			   /* 13 */
	"access = aggregate",		   /* 14 */
	"columns = a, b",		   /* 15 */
	"personal = yes",		   /* 16 */
	"special_category = no",	   /* 17 */
};

/* Build the base with `key = value` set in `section` (replacing the base's
 * value, or added as the section's last line, or left out when value is
 * NULL); *line gets the line it is on. */
static char *
doc_with(const char *section, const char *key, const char *value, int *line)
{
	struct sbuf sb = SBUF_INIT;
	const char *cur = "";
	size_t i, n = PT_ARRAY_LEN(base_lines);
	int ln = 0;
	bool done = value == NULL;
	char hdr[128];

	if (strncmp(section, "dataset.", 8) == 0)
		section = "dataset.d";
	snprintf(hdr, sizeof(hdr), "[%s]", section);
	*line = 0;
	for (i = 0; i < n; i++) {
		const char *l = base_lines[i];
		size_t klen = strlen(key);

		if (l[0] == '[') {
			if (!done && strcmp(cur, hdr) == 0) {
				sbuf_printf(&sb, "%s = %s\n", key, value);
				*line = ++ln;
				done = true;
			}
			cur = l;
		} else if (strcmp(cur, hdr) == 0 &&
			   strncmp(l, key, klen) == 0 && l[klen] == ' ') {
			if (value != NULL) {
				sbuf_printf(&sb, "%s = %s\n", key, value);
				*line = ++ln;
			}
			done = true;
			continue;
		}
		sbuf_printf(&sb, "%s\n", l);
		ln++;
	}
	if (!done) {
		sbuf_printf(&sb, "%s = %s\n", key, value);
		*line = ++ln;
	}
	return sbuf_steal(&sb);
}

static int
parse(const char *text, struct profile **p, struct pt_err *err)
{
	return profile_parse(text, strlen(text), "t.ini", p, err);
}

static void
expect_ok(const char *section, const char *key, const char *value)
{
	struct pt_err err = { 0, "" };
	struct profile *p = NULL;
	int line;
	char *doc = doc_with(section, key, value, &line);

	if (parse(doc, &p, &err) != 0)
		fail_msg("[%s] %s = %s refused: %s", section, key, value,
			 err.msg);
	profile_free(p);
	free(doc);
}

static void PT_PRINTF(4, 5) expect_bad(const char *section, const char *key,
				       const char *value, const char *fmt, ...)
{
	struct pt_err err = { 0, "" };
	struct profile *p = NULL;
	struct sbuf want = SBUF_INIT;
	va_list ap;
	int line;
	char *doc = doc_with(section, key, value, &line);

	sbuf_printf(&want, "t.ini:%d: ", line);
	va_start(ap, fmt);
	sbuf_vprintf(&want, fmt, ap);
	va_end(ap);
	if (parse(doc, &p, &err) == 0)
		fail_msg("[%s] %s = %s accepted", section, key, value);
	assert_int_equal(err.code, EX_CONFIG);
	if (strcmp(err.msg, want.buf) != 0)
		fail_msg("[%s] %s = '%s':\n got: %s\nwant: %s", section, key,
			 value, err.msg, want.buf);
	sbuf_free(&want);
	free(doc);
}

static void
test_base_is_valid(void **state)
{
	struct pt_err err = { 0, "" };
	struct profile *p;
	struct sbuf sb = SBUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(base_lines); i++)
		sbuf_printf(&sb, "%s\n", base_lines[i]);
	assert_int_equal(parse(sb.buf, &p, &err), 0);
	assert_string_equal(p->name, "t");
	/* Defaults: conservative values from research/privacy.md. */
	assert_int_equal(p->disclosure.min_cell, 10);
	assert_int_equal(p->disclosure.round_to, 5);
	assert_int_equal(p->limits.wall_seconds, 60);
	assert_int_equal(p->disclosure.zeros, ACTION_REVIEW);
	assert_string_equal(p->description, "");
	assert_string_equal(p->datasets[0].description, "");
	profile_free(p);
	sbuf_free(&sb);
}

static char *
fmt_ll(long long v)
{
	return xasprintf("%lld", v);
}

/* Every key in the table: its good values parse, its bad values give the
 * exact message with the line of the key. */
static void
test_every_key(void **state)
{
	size_t k, j;

	(void)state;
	for (k = 0; k < profile_nkeys; k++) {
		const struct profile_key *pk = &profile_keys[k];
		const char *s = pk->section, *key = pk->key;
		char *v;

		switch (pk->kind) {
		case PK_TEXT:
			expect_ok(s, key, "Plain words, with (punctuation).");
			expect_bad(s, key, "",
				   "%s must be non-empty text without control "
				   "characters, at most 2000 bytes",
				   key);
			/* Longer than 2000 bytes once its continuation
			 * lines are joined (one line is capped by inih). */
			v = xmalloc(26 * 82);
			v[0] = '\0';
			for (j = 0; j < 26; j++)
				strcat(
				    strcat(v, j ? "\n\t" : ""),
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
				    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			expect_bad(s, key, v,
				   "%s must be non-empty text without control "
				   "characters, at most 2000 bytes",
				   key);
			free(v);
			break;
		case PK_NAME:
			expect_ok(s, key, "a-Z_0.9");
			expect_bad(s, key, "two words",
				   "%s must use letters, digits, '_', '-' and "
				   "'.'",
				   key);
			expect_bad(s, key, ".hidden",
				   "%s must use letters, digits, '_', '-' and "
				   "'.'",
				   key);
			break;
		case PK_NAMES:
			expect_ok(s, key, "one, two-2, three_3");
			expect_bad(s, key, "a,,b", "%s: empty item in list",
				   key);
			expect_bad(s, key, "a, a", "%s: duplicate item in list",
				   key);
			expect_bad(s, key, "a, b c",
				   "%s: 'b c' is not a valid name", key);
			break;
		case PK_COLUMNS:
			expect_ok(s, key, "x, y z, w");
			expect_bad(s, key, "x,", "%s: empty item in list", key);
			expect_bad(s, key, "x, x", "%s: duplicate item in list",
				   key);
			break;
		case PK_INT: {
			char *lo = fmt_ll(pk->min), *hi = fmt_ll(pk->max);
			char *below = fmt_ll(pk->min - 1);
			char *above = fmt_ll(pk->max + 1);

			expect_ok(s, key, lo);
			/* cpu_seconds and max_file_bytes are bounded by
			 * their partners; see test_contradictions. */
			if (strcmp(key, "cpu_seconds") != 0 &&
			    strcmp(key, "max_file_bytes") != 0)
				expect_ok(s, key, hi);
			expect_bad(s, key, below,
				   "%s must be between %s and %s", key, lo, hi);
			expect_bad(s, key, above,
				   "%s must be between %s and %s", key, lo, hi);
			expect_bad(s, key, "ten", "%s must be an integer", key);
			expect_bad(s, key, "1.5", "%s must be an integer", key);
			expect_bad(s, key, "+5", "%s must be an integer", key);
			expect_bad(s, key, "99999999999999999999",
				   "%s must be an integer", key);
			free(lo);
			free(hi);
			free(below);
			free(above);
			break;
		}
		case PK_BOOL:
			expect_ok(s, key, "no");
			if (strcmp(key, "special_category_rows_override") != 0)
				expect_ok(s, key, "yes");
			expect_bad(s, key, "true", "%s must be yes or no", key);
			expect_bad(s, key, "Yes", "%s must be yes or no", key);
			break;
		case PK_ACTION:
			expect_ok(s, key, "pass");
			expect_ok(s, key, "review");
			expect_ok(s, key, "fail");
			expect_bad(s, key, "warn",
				   "%s must be pass, review or fail", key);
			break;
		case PK_ACCESS:
			expect_ok(s, key, "none");
			expect_ok(s, key, "aggregate");
			expect_ok(s, key, "rows");
			expect_bad(s, key, "read",
				   "access must be none, aggregate or rows");
			break;
		case PK_INTEREST: {
			struct sbuf all = SBUF_INIT;

			for (j = 0; j < profile_ninterests; j++) {
				expect_ok(s, key, profile_interests[j].id);
				sbuf_printf(&all, "%s%s", j ? ", " : "",
					    profile_interests[j].id);
			}
			expect_bad(s, key, "safety", "%s must be one of: %s",
				   key, all.buf);
			sbuf_free(&all);
			break;
		}
		case PK_PATH:
			expect_ok(s, key, "/srv/pilot/data.csv");
			expect_bad(s, key, "data.csv",
				   "%s must be an absolute path without '..'",
				   key);
			expect_bad(s, key, "/srv/../etc/passwd",
				   "%s must be an absolute path without '..'",
				   key);
			break;
		}
		/* Every section refuses a misspelt key. */
		expect_bad(s, "bogus_key", "1",
			   "unknown key 'bogus_key' in [%s]",
			   strcmp(s, "dataset.NAME") == 0 ? "dataset.d" : s);
	}
}

static void
test_required_keys(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < profile_nkeys; k++) {
		struct pt_err err = { 0, "" };
		struct profile *p = NULL;
		char want[256];
		int line;
		char *doc;

		if (!profile_keys[k].required)
			continue;
		doc = doc_with(profile_keys[k].section, profile_keys[k].key,
			       NULL, &line);
		assert_int_equal(parse(doc, &p, &err), -1);
		/* The line of [profile]'s first key. */
		snprintf(want, sizeof(want),
			 "t.ini:2: missing key '%s' in [profile]",
			 profile_keys[k].key);
		assert_string_equal(err.msg, want);
		free(doc);
	}
}

struct bad_doc {
	const char *text;
	const char *msg;
};

#define HEAD                                                                   \
	"[profile]\nname = t\nversion = 1\nowner = o\npurposes = p\n"          \
	"legal_basis = b\npublic_interest = public-safety\n"

static const struct bad_doc bad_docs[] = {
	{ HEAD "[limits]\nwall_seconds = 10\ncpu_seconds = 20\n",
	  "t.ini:10: cpu_seconds (20) exceeds wall_seconds (10)" },
	{ HEAD "[limits]\nwall_seconds = 20\ncpu_seconds = 21\n",
	  "t.ini:10: cpu_seconds (21) exceeds wall_seconds (20)" },
	{ HEAD "[limits]\ncpu_seconds = 61\n",
	  "t.ini:9: cpu_seconds (61) exceeds wall_seconds (60)" },
	{ HEAD "[bundle]\nmax_bytes = 4096\nmax_file_bytes = 8192\n",
	  "t.ini:10: max_file_bytes (8192) exceeds max_bytes (4096)" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a, b\n"
	       "identifiers = b\npersonal = no\nspecial_category = no\n",
	  "t.ini:11: column 'b' of [dataset.d] is both granted and an "
	  "identifier" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "personal = no\nspecial_category = yes\nnecessity = x\n",
	  "t.ini:13: unknown key 'necessity' in [dataset.d]" },
	{ HEAD "necessity = n\n[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "personal = no\nspecial_category = yes\n",
	  "t.ini:13: [dataset.d] is special-category data, which is personal "
	  "data: set personal = yes" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "pseudonymised = yes\npersonal = no\nspecial_category = no\n",
	  "t.ini:12: [dataset.d] is pseudonymised, which is still personal "
	  "data (GDPR recital 26): set personal = yes" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "personal = yes\nspecial_category = no\n"
	       "special_category_rows_override = yes\n",
	  "t.ini:13: [dataset.d] special_category_rows_override only applies "
	  "to special-category data with access = rows" },
	{ HEAD "[dataset.d]\naccess = rows\n"
	       "personal = no\nspecial_category = no\n",
	  "t.ini:9: [dataset.d] grants access but no columns" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "special_category = no\n",
	  "t.ini:9: [dataset.d] grants access but does not say personal = yes "
	  "or no" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "personal = no\n",
	  "t.ini:9: [dataset.d] grants access but does not say "
	  "special_category = yes or no" },
	{ HEAD "necessity = n\n[dataset.d]\naccess = rows\ncolumns = a\n"
	       "personal = yes\nspecial_category = yes\n",
	  "t.ini:13: [dataset.d] holds special-category data and must be "
	  "aggregate-only; hint: special_category_rows_override = yes allows "
	  "rows" },
	{ HEAD "[dataset.d]\naccess = aggregate\ncolumns = a\n"
	       "personal = yes\nspecial_category = yes\n",
	  "t.ini:12: [dataset.d] holds special-category data, so [profile] "
	  "needs a necessity statement (AI Act art. 59(1)(b))" },
	{ HEAD "[dataset.bad name]\naccess = none\n",
	  "t.ini:9: bad dataset name 'bad name': use letters, digits, '_', '-' "
	  "and '.'" },
	{ HEAD "[limts]\nwall_seconds = 5\n",
	  "t.ini:9: unknown section [limts]" },
	{ HEAD "[dataset]\naccess = none\n",
	  "t.ini:9: unknown section [dataset]" },
	{ HEAD "name = u\n", "t.ini:8: duplicate key 'name' in [profile]" },
	{ "[limits]\nwall_seconds = 5\ncpu_seconds = 5\n",
	  "t.ini: missing section [profile]; hint: proeftuin-profile(5) lists "
	  "its keys" },
	{ "top = 1\n" HEAD, "t.ini:1: key 'top' outside any section" },
	{ HEAD "[limits\n", "t.ini:8: syntax error" },
	/* inih's line buffer: a longer line must not be split into two
	 * lines, which could smuggle in a key. */
	{ HEAD
	  "owner2 = "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "name = evil\n",
	  "t.ini:8: line longer than 198 bytes; hint: continue a long value "
	  "on the next line, indented" },
};

static void
test_contradictions(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(bad_docs); i++) {
		struct pt_err err = { 0, "" };
		struct profile *p = NULL;

		if (parse(bad_docs[i].text, &p, &err) == 0)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, EX_CONFIG);
		if (strcmp(err.msg, bad_docs[i].msg) != 0)
			fail_msg("case %zu:\n got: %s\nwant: %s", i, err.msg,
				 bad_docs[i].msg);
	}
}

static void
test_override_allows_rows(void **state)
{
	static const char doc[] =
	    HEAD "necessity = n\n[dataset.d]\naccess = rows\ncolumns = a\n"
		 "personal = yes\nspecial_category = yes\n"
		 "special_category_rows_override = yes\n";
	struct pt_err err = { 0, "" };
	struct profile *p;

	(void)state;
	assert_int_equal(parse(doc, &p, &err), 0);
	assert_true(p->datasets[0].special_category_rows_override);
	assert_int_equal(p->datasets[0].access, ACCESS_ROWS);
	profile_free(p);
}

static void
test_binary_input(void **state)
{
	static const char nul[] = "[profile]\nname = t\0x\n";
	struct pt_err err = { 0, "" };
	struct profile *p;

	(void)state;
	assert_int_equal(profile_parse(nul, sizeof(nul) - 1, "t.ini", &p, &err),
			 -1);
	assert_string_equal(err.msg, "t.ini: contains a NUL byte");
	assert_int_equal(
	    profile_parse("[profile]\nname = \xff\n", 18, "t.ini", &p, &err),
	    -1);
	assert_string_equal(err.msg, "t.ini: not valid UTF-8");
}

/* profile_load: the digest is of the bytes parsed; missing files are 66;
 * symlinks and FIFOs are refused. */
static void
test_load_file(void **state)
{
	char dir[] = "/tmp/pt-profile-XXXXXX", path[128], link[128], fifo[128];
	char want[PT_SHA256_HEX];
	struct pt_err err = { 0, "" };
	struct profile *p;
	const char *text = HEAD;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p.ini", dir);
	snprintf(link, sizeof(link), "%s/link.ini", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(profile_load(path, &p, &err), 0);
	pt_sha256_hex(text, strlen(text), want);
	assert_string_equal(p->sha256, want);
	assert_string_equal(p->path, path);
	profile_free(p);

	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(profile_load(link, &p, &err), -1);
	assert_int_equal(err.code, EX_CONFIG);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(profile_load(fifo, &p, &err), -1);
	assert_int_equal(err.code, EX_CONFIG);
	assert_non_null(strstr(err.msg, "not a regular file"));
	unlink(path);
	assert_int_equal(profile_load(path, &p, &err), -1);
	assert_int_equal(err.code, EX_NOINPUT);
	unlink(link);
	unlink(fifo);
	rmdir(dir);
}

/* After load the profile is read-only memory: a write faults. */
static void
test_frozen(void **state)
{
	struct pt_err err = { 0, "" };
	struct profile *p;
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(parse(HEAD, &p, &err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka catches SIGSEGV; the child must die of it. */
		signal(SIGSEGV, SIG_DFL);
		p->disclosure.min_cell = 1;
		p->name[0] = 'x';
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV);
	assert_int_equal(p->disclosure.min_cell, 10);
	profile_free(p);
}

/* The report's copy lists every effective value, defaults included. */
static void
test_json_lists_every_key(void **state)
{
	static const char doc[] = HEAD
	    "necessity = why\n[dataset.d]\naccess = aggregate\ncolumns = a\n"
	    "personal = yes\nspecial_category = no\npath = /srv/d.csv\n";
	struct pt_err err = { 0, "" };
	struct profile *p;
	struct jv *j, *d;
	size_t k;

	(void)state;
	assert_int_equal(parse(doc, &p, &err), 0);
	j = profile_to_json(p);
	d = jv_get(jv_get(j, "datasets"), "d");
	assert_non_null(d);
	for (k = 0; k < profile_nkeys; k++) {
		const struct profile_key *pk = &profile_keys[k];
		const struct jv *sec =
		    strcmp(pk->section, "profile") == 0 ? j
		    : strcmp(pk->section, "dataset.NAME") == 0
			? d
			: jv_get(j, pk->section);
		const char *name =
		    strcmp(pk->key, "path") == 0 ? "custodian_path" : pk->key;

		if (sec == NULL || jv_get(sec, name) == NULL)
			fail_msg("profile_to_json lacks [%s] %s", pk->section,
				 pk->key);
	}
	assert_string_equal(jv_get_str(j, "necessity"), "why");
	assert_string_equal(jv_get_str(j, "public_interest_article"),
			    "AI Act art. 59(1)(a)(i)");
	assert_string_equal(jv_get_str(j, "sha256"), p->sha256);
	assert_string_equal(jv_get_str(jv_get(j, "disclosure"), "zeros"),
			    "review");
	jv_free(j);
	profile_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_is_valid),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_required_keys),
		cmocka_unit_test(test_contradictions),
		cmocka_unit_test(test_override_allows_rows),
		cmocka_unit_test(test_binary_input),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_frozen),
		cmocka_unit_test(test_json_lists_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
