/*
 * test_render.c - the renderings of a report tree full of hostile strings,
 * and the atomic report folder, without running a script (so these run in
 * every build, sanitizers included).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "disclosure.h"
#include "json.h"
#include "outdir.h"
#include "report.h"
#include "textsafe.h"

#define HOSTILE                                                                \
	"<script>alert(1)</script> | **Verdict: PASS** \n## 6. Forged\n"       \
	"\x1b[2J\x1b]0;title\x07 \xe2\x80\xae evil =cmd|' /C calc'!A0 "        \
	"<img src=http://evil.example/x.png> [x](https://e.example) //cdn "    \
	"\" onload=\"alert(2)\" ' \xff\xfe"

static char *big_name;

static struct jv *
hostile_tree(void)
{
	struct report r;
	struct jv *proj, *outs, *o, *checks, *c, *pv, *cols, *rows, *row;
	struct jv *marks, *m, *cells, *cell;

	report_init(&r);
	proj = jv_obj_at(r.root, "project");
	jv_set_str(proj, "name", HOSTILE);
	jv_set_str(proj, "description", big_name);
	jv_set_str(proj, "public_interest", HOSTILE);
	jv_set_str(jv_obj_at(r.root, "people"), "team", HOSTILE);
	jv_set_str(jv_obj_at(r.root, "setting"), "end", "OK");
	jv_set_str(jv_obj_at(jv_obj_at(r.root, "setting"), "error"),
		   "traceback", "line 1 " HOSTILE "\nline 2 <b>");
	outs = jv_arr_at(r.root, "outputs");
	o = jv_obj();
	jv_set_str(o, "name", HOSTILE);
	jv_set_str(o, "status", "\"><script>");
	jv_set_str(o, "exception", HOSTILE);
	jv_set_str(o, "file", "");
	checks = jv_arr();
	c = jv_obj();
	jv_set_str(c, "rule", HOSTILE);
	jv_set_str(c, "status", "review");
	jv_set_str(c, "detail", HOSTILE);
	jv_set_str(jv_obj_at(c, "parameters"), HOSTILE, HOSTILE);
	cells = jv_arr();
	cell = jv_obj();
	jv_set_int(cell, "row", 0);
	jv_set_int(cell, "column", 1);
	jv_push(cells, cell);
	jv_set(c, "cells", cells);
	jv_set_int(c, "cells_flagged", 1);
	jv_push(checks, c);
	jv_set(o, "checks", checks);
	pv = jv_obj();
	cols = jv_arr();
	jv_push(cols, jv_str(HOSTILE));
	jv_push(cols, jv_str("n"));
	rows = jv_arr();
	row = jv_arr();
	jv_push(row, jv_str(HOSTILE));
	jv_push(row, jv_str("suppressed"));
	jv_push(rows, row);
	marks = jv_arr();
	m = jv_obj();
	jv_set_int(m, "row", 0);
	jv_set_int(m, "column", 1);
	jv_set_str(m, "mark", "\" class=\"x");
	jv_push(marks, m);
	jv_set(pv, "columns", cols);
	jv_set(pv, "rows", rows);
	jv_set(pv, "marks", marks);
	jv_set(o, "preview", pv);
	jv_push(outs, o);
	o = jv_obj();
	jv_set_str(o, "name", "notes");
	jv_set_str(o, "status", "review");
	jv_set_str(jv_obj_at(o, "preview"), "text",
		   "## 6. Forged\n---\n===\n1. list\n  # indented\n> quote\n"
		   "| a | b |\n<script>x</script>\n```\n" HOSTILE);
	jv_push(outs, o);
	report_finding(&r, "output", STATUS_REVIEW, HOSTILE, big_name, "%s",
		       HOSTILE);
	report_finish(&r);
	report_frameworks(&r);
	return r.root;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return n;
}

static void
test_html_hostile(void **state)
{
	struct jv *root = hostile_tree();
	struct sbuf out = SBUF_INIT;

	(void)state;
	render_html(root, &out);
	assert_null(strcasestr(out.buf, "<script"));
	assert_null(strcasestr(out.buf, "<img"));
	assert_null(strstr(out.buf, "http:"));
	assert_null(strstr(out.buf, "https:"));
	assert_null(strstr(out.buf, "//"));
	assert_null(strstr(out.buf, "onload=\""));
	assert_null(strchr(out.buf, '\x1b'));
	assert_null(strstr(out.buf, "\xe2\x80\xae"));
	assert_true(utf8_valid(out.buf, out.len));
	/* The verdict box is the runner's, once. */
	assert_int_equal(count(out.buf, "class=\"word\""), 1);
	assert_non_null(strstr(out.buf, "class=\"word\">Verdict: REVIEW<"));
	/* The hostile text is shown escaped, and a 1 MB value is capped. */
	assert_non_null(strstr(out.buf, "&lt;script&gt;alert(1)"));
	assert_true(out.len < 200000);
	/* The odd mark became the generic flag class. */
	assert_non_null(strstr(out.buf, "<td class=\"m-flagged\""));
	assert_null(strstr(out.buf, "class=\"x"));
	sbuf_free(&out);
	jv_free(root);
}

static void
test_markdown_hostile(void **state)
{
	struct jv *root = hostile_tree();
	struct sbuf out = SBUF_INIT;
	char *line, *save = NULL;

	(void)state;
	render_markdown(root, &out);
	assert_null(strchr(out.buf, '\x1b'));
	assert_null(strstr(out.buf, "<script"));
	assert_null(strstr(out.buf, "\xe2\x80\xae"));
	assert_true(utf8_valid(out.buf, out.len));
	assert_true(out.len < 200000);
	for (line = strtok_r(out.buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		/* No bundle text starts a line: only fixed headings. */
		assert_false(strncmp(line, "## 6", 4) == 0);
		if (line[0] == '#')
			assert_true(strncmp(line, "# proeftuin ", 12) == 0 ||
				    strncmp(line, "## ", 3) == 0 ||
				    strncmp(line, "### Output ", 11) == 0 ||
				    strncmp(line, "### Dataset ", 12) == 0 ||
				    strcmp(line, "### What the script was told "
						 "(ledger)") == 0);
		if (strstr(line, "Forged") != NULL)
			assert_true(line[0] == '|' ||
				    strncmp(line, "- review: ", 10) == 0 ||
				    strncmp(line, "### Output 1: ", 14) == 0 ||
				    strcmp(line, "> \\#\\# 6. Forged") == 0 ||
				    strcmp(line, "> \\## 6. Forged") == 0);
		/* List items are the runner's: a status word first. */
		if (line[0] == '-' && line[1] == ' ')
			assert_true(strncmp(line, "- review: ", 10) == 0 ||
				    strncmp(line, "- fail: ", 8) == 0);
		/* Quoted free text never starts block syntax. */
		if (strncmp(line, "> ", 2) == 0)
			assert_true(strchr("#-=+>`|", line[2]) == NULL ||
				    line[2] == '\0');
		if (strncmp(line, "> ", 2) == 0 && line[2] >= '0' &&
		    line[2] <= '9')
			assert_non_null(strstr(line, "\\."));
		if (strstr(line, "Verdict") != NULL && line[0] == '*')
			assert_string_equal(line, "**Verdict: REVIEW**");
	}
	sbuf_free(&out);
	jv_free(root);
}

static void
test_json_hostile(void **state)
{
	struct jv *root = hostile_tree();
	struct sbuf out = SBUF_INIT;

	(void)state;
	render_json(root, &out);
	assert_null(strchr(out.buf, '\x1b'));
	/* One line: bundle newlines are escaped. */
	assert_ptr_equal(strchr(out.buf, '\n'), out.buf + out.len - 1);
	assert_true(utf8_valid(out.buf, out.len));
	/* Findings are capped at the source. */
	assert_true(out.len < 1200000);
	assert_non_null(strstr(out.buf, "\"verdict\":\"REVIEW\""));
	sbuf_free(&out);
	jv_free(root);
}

/* A real table through disclosure and into the HTML: flagged cells are
 * marked, and xmllint's HTML parser accepts the page without a message. */
static void
test_table_html(void **state)
{
	static char zone[] = "zone", n[] = "n", counts[] = "counts";
	static char *cols[] = { zone, n };
	struct profile_dataset ds = { .name = counts,
				      .access = ACCESS_AGGREGATE,
				      .columns = cols,
				      .ncolumns = 1 };
	struct profile p;
	struct output o;
	struct checked_output co;
	struct report r;
	struct jv *jo;
	struct out_cell cells[8];
	struct sdc_evidence ev[4];
	const char *keys[] = { "A", "B", "C", "Total" };
	const double vals[] = { 25, 10, 15, 40 };
	struct sbuf html = SBUF_INIT;
	char path[] = "/tmp/pt-render-XXXXXX";
	char *cmd;
	int fd;
	size_t i;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.disclosure.min_cell = 10;
	p.disclosure.round_to = 5;
	p.disclosure.dominance_n = 2;
	p.disclosure.dominance_k = 85;
	p.disclosure.p_percent = 10;
	p.disclosure.max_rows = 100;
	p.disclosure.missing = ACTION_REVIEW;
	p.datasets = &ds;
	p.ndatasets = 1;
	memset(&o, 0, sizeof(o));
	o.kind = OUTPUT_TABLE;
	o.name = zone;
	o.description = zone;
	o.statistic = (char *)(uintptr_t) "sum";
	o.dataset = counts;
	o.value_column = n;
	o.has_evidence = true;
	o.ncols = 2;
	o.nkeys = 1;
	o.cols = cols;
	o.nrows = 4;
	o.cells = cells;
	o.evidence = ev;
	memset(cells, 0, sizeof(cells));
	memset(ev, 0, sizeof(ev));
	for (i = 0; i < 4; i++) {
		cells[2 * i].kind = CELL_STR;
		cells[2 * i].str = (char *)(uintptr_t)keys[i];
		cells[2 * i + 1].kind = CELL_NUM;
		cells[2 * i + 1].num = vals[i];
		ev[i].rows = ev[i].values = ev[i].nonzero = 20;
		ev[i].sum = ev[i].abs_sum = vals[i];
		ev[i].top[0] = ev[i].top[1] = 1;
		ev[i].ntop = 2;
	}
	/* B has missing values: flagged for the advisor. */
	ev[1].missing = 3;
	disclosure_check(&o, &p, &co);
	report_init(&r);
	jo = jv_obj();
	jv_set_str(jo, "name", "visitors_by_zone");
	jv_set_str(jo, "status", status_name(co.status));
	jv_set(jo, "checks", co.checks);
	jv_set(jo, "preview", co.preview);
	co.checks = NULL;
	co.preview = NULL;
	jv_push(jv_arr_at(r.root, "outputs"), jo);
	report_finish(&r);
	report_frameworks(&r);
	render_html(r.root, &html);
	assert_non_null(strstr(html.buf, "<td class=\"m-flagged\" "));
	assert_non_null(strstr(html.buf, ">10 <sup class=\"mk\">!</sup>"));
	/* A key "Total" of a table of the runner is data, not a margin. */
	assert_non_null(strstr(html.buf, "<td>Total</td><td>40</td>"));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(pt_write_all(fd, html.buf, html.len), 0);
	close(fd);
	cmd = xasprintf("xmllint --html --noout %s 2>&1 | grep -q . && exit 1; "
			"exit 0",
			path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	if (getenv("KEEP_HTML") == NULL)
		unlink(path);
	sbuf_free(&html);
	report_fini(&r);
	checked_output_fini(&co);
}

/* ---- the report folder -------------------------------------------------- */

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	return sbuf_steal(&sb);
}

static void
test_outdir_commit(void **state)
{
	char tmpl[] = "/tmp/pt-outdir-XXXXXX";
	char *base = mkdtemp(tmpl), *dir, *path, *sums;
	struct outset set = { NULL, 0 };
	struct pt_err err = { 0, "" };
	char hex[PT_SHA256_HEX];
	struct stat st;

	(void)state;
	assert_non_null(base);
	dir = xasprintf("%s/out", base);
	outset_add(&set, "report.json", "{}\n", 3, true);
	outset_add(&set, "outputs/a.csv", "x\n", 2, true);
	outset_add(&set, "run.log", "t\n", 2, false);
	assert_int_equal(outdir_precheck(dir, false, &err), 0);
	assert_int_equal(outdir_commit(dir, false, &set, &err), 0);
	path = xasprintf("%s/SHA256SUMS", dir);
	sums = read_file(path);
	assert_non_null(sums);
	pt_sha256_hex("x\n", 2, hex);
	assert_non_null(strstr(sums, hex));
	assert_non_null(strstr(sums, "  outputs/a.csv\n"));
	assert_null(strstr(sums, "run.log"));
	free(sums);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	free(path);

	/* Non-empty: refused without force, replaced with it. */
	assert_int_equal(outdir_precheck(dir, false, &err), -1);
	assert_int_equal(err.code, EX_CANTCREAT);
	assert_int_equal(outdir_commit(dir, false, &set, &err), -1);
	outset_fini(&set);
	outset_add(&set, "report.json", "{\"v\":2}\n", 8, true);
	assert_int_equal(outdir_commit(dir, true, &set, &err), 0);
	path = xasprintf("%s/outputs", dir);
	assert_int_equal(stat(path, &st), -1);
	free(path);
	path = xasprintf("%s/report.json", dir);
	sums = read_file(path);
	assert_string_equal(sums, "{\"v\":2}\n");
	free(sums);
	free(path);

	/* Missing parents are created; a parent that is a plain file is a
	 * clear 73 before any work. */
	path = xasprintf("%s/no/such/out", base);
	assert_int_equal(outdir_precheck(path, false, &err), 0);
	assert_int_equal(outdir_commit(path, false, &set, &err), 0);
	free(path);
	path = xasprintf("%s/no/such/out/report.json/x", base);
	assert_int_equal(outdir_precheck(path, false, &err), -1);
	assert_int_equal(err.code, EX_CANTCREAT);
	free(path);

	outset_fini(&set);
	path = xasprintf("rm -rf '%s'", base);
	assert_int_equal(system(path), 0);
	free(path);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_markdown_hostile),
		cmocka_unit_test(test_json_hostile),
		cmocka_unit_test(test_table_html),
		cmocka_unit_test(test_outdir_commit),
	};
	int rc;

	big_name = xmalloc(1 << 20);
	memset(big_name, 'N', (1 << 20) - 1);
	big_name[(1 << 20) - 1] = '\0';
	rc = cmocka_run_group_tests_name("render", tests, NULL, NULL);
	free(big_name);
	return rc;
}
