/*
 * test_data.c - the data API (data.open, columns, count, sum, mean, rows,
 * where, grants, evidence, usage) and output.table/output.text on small
 * CSV files written by the test, run in a real sandboxed child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

/* Quoted fields (comma, doubled quote, line break), empty cells, CRLF line
 * ends, UTF-8, a blank line, a column that is not granted (bsn). */
static const char people_csv[] = "bsn,zone,name,visitors,age\r\n"
				 "111,A,\"Jansen, P.\",10,30\r\n"
				 "222,B,\"de \"\"Vries\"\"\",5,41\r\n"
				 "333,A,Ömer,,25\r\n"
				 "\r\n"
				 "444,\"Zuid\nOost\",Zoë,-3,52\r\n"
				 "555,A,plain,7,30\r\n"
				 "666,,anon,2,61\r\n";

static const struct h_dataset people = {
	"people",
	people_csv,
	0,
	LUABOX_ACCESS_AGGREGATE,
	"zone,name,visitors,age",
};

static const struct h_dataset people_rows = {
	"people", people_csv, 0, LUABOX_ACCESS_ROWS, "zone,name,visitors,age",
};

static void
expect_ok(const struct h_run *r)
{
	if (r->end != SBX_OK)
		print_message("end %s: %s: %s\n%s\nlog: %.3000s\n",
			      sbx_end_name(r->end), r->err_class, r->err_msg,
			      r->err_tb, r->log.buf);
	assert_int_equal(r->end, SBX_OK);
	assert_true(r->done);
	assert_false(r->malformed);
}

static void
expect_error(const struct h_run *r, enum sbx_end end, const char *class,
	     const char *msg)
{
	if (r->end != end || strcmp(r->err_class, class) != 0 ||
	    strcmp(r->err_msg, msg) != 0)
		print_message("end %s: %s: %s\n", sbx_end_name(r->end),
			      r->err_class, r->err_msg);
	assert_int_equal(r->end, end);
	assert_string_equal(r->err_class, class);
	assert_string_equal(r->err_msg, msg);
	assert_false(r->done);
}

static void
test_columns(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.text('c', table.concat(ds:columns(), ','))",
	       &people);
	expect_ok(&r);
	assert_string_equal(r.text[0], "zone,name,visitors,age");
	/* Opening reads no column. */
	assert_string_equal(r.usage.buf, "people:sample:0:");
	h_free(&r);
}

static void
test_count_by(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.table('by_zone', ds:count{by = 'zone'}, "
	       "{description = 'people per zone'})",
	       &people);
	expect_ok(&r);
	assert_int_equal(r.ntables, 1);
	assert_string_equal(r.tables[0].name, "by_zone");
	assert_string_equal(r.tables[0].description, "people per zone");
	assert_string_equal(r.tables[0].statistic, "count");
	assert_string_equal(r.tables[0].dataset, "people");
	assert_string_equal(r.tables[0].value_column, "");
	assert_int_equal(r.tables[0].has_evidence, 1);
	assert_int_equal(r.tables[0].nkeys, 1);
	/* missing key first, then bytewise; the quoted line break kept */
	assert_string_equal(r.tables[0].render.buf,
			    "zone,count|-,1|A,3|B,1|Zuid\nOost,1");
	/* a count's evidence is its rows */
	assert_string_equal(r.tables[0].evidence.buf, "1|3|1|1");
	assert_int_equal(r.tables[0].query, 1);
	assert_int_equal(r.tables[0].after_rows, 0);
	assert_string_equal(r.usage.buf, "people:sample:6:zone");
	assert_string_equal(r.ledger.buf, "1 people count  by=zone released=4");
	h_free(&r);
}

static void
test_count_total_and_two_keys(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.table('all', ds:count()) "
	       "output.table('two', ds:count{by = {'zone', 'age'}})",
	       &people);
	expect_ok(&r);
	assert_string_equal(r.tables[0].render.buf, "count|6");
	assert_string_equal(r.tables[1].render.buf,
			    "zone,age,count|-,61,1|A,25,1|A,30,2|B,41,1|"
			    "Zuid\nOost,52,1");
	assert_int_equal(r.tables[1].nkeys, 2);
	assert_string_equal(r.usage.buf, "people:sample:6:zone,age");
	h_free(&r);
}

static void
test_sum_evidence(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.table('s', ds:sum('visitors', {by = {'zone'}}))",
	       &people);
	expect_ok(&r);
	assert_string_equal(r.tables[0].statistic, "sum");
	assert_string_equal(r.tables[0].value_column, "visitors");
	assert_string_equal(r.tables[0].render.buf,
			    "zone,sum|-,2|A,17|B,5|Zuid\nOost,-3");
	/* nonzero/negatives/missing/top1/top2/sum, tops absolute */
	assert_string_equal(r.tables[0].evidence.buf,
			    "1/0/0/2/0/2|2/0/1/10/7/17|1/0/0/5/0/5|"
			    "1/1/0/3/0/-3");
	assert_string_equal(r.usage.buf, "people:sample:6:zone,visitors");
	h_free(&r);
}

static void
test_mean(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.table('m', ds:mean('age', {by = 'zone'})) "
	       "output.table('e', ds:mean('visitors', {where = {name = "
	       "'Ömer'}}))",
	       &people);
	expect_ok(&r);
	assert_string_equal(r.tables[0].statistic, "mean");
	assert_string_equal(r.tables[0].render.buf,
			    "zone,mean|-,61|A,28.3333333333333|B,41|"
			    "Zuid\nOost,52");
	assert_string_equal(r.tables[0].evidence.buf,
			    "1/0/0/61/0/61|3/0/0/30/30/85|1/0/0/41/0/41|"
			    "1/0/0/52/0/52");
	/* only a missing value: no mean, so the cell is not released */
	assert_string_equal(r.tables[1].render.buf, "mean");
	assert_string_equal(r.tables[1].evidence.buf, "");
	assert_string_equal(r.ledger.buf,
			    "1 people mean age by=zone released=4|"
			    "2 people mean visitors name=Ömer released=0 "
			    "min_cell=1");
	h_free(&r);
}

static void
test_where(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local ds = data.open('people') "
	       "output.table('a', ds:count{where = {zone = 'A'}}) "
	       "output.table('ab', ds:count{by = 'zone', where = {zone = "
	       "{'A', 'B'}}}) "
	       "output.table('n', ds:sum('visitors', {where = {age = 30}})) "
	       "output.table('n2', ds:count{where = {age = {30, 41}, zone = "
	       "'A'}}) "
	       "output.table('none', ds:count{by = 'zone', where = {zone = "
	       "{}}})",
	       &people);
	expect_ok(&r);
	assert_string_equal(r.tables[0].render.buf, "count|3");
	assert_string_equal(r.tables[1].render.buf, "zone,count|A,3|B,1");
	assert_string_equal(r.tables[2].render.buf, "sum|17");
	assert_string_equal(r.tables[3].render.buf, "count|2");
	assert_string_equal(r.tables[4].render.buf, "zone,count");
	assert_string_equal(r.usage.buf, "people:sample:6:zone,visitors,age");
	h_free(&r);
}

/* Aggregates queued together are computed in one pass, sharing groups
 * where by, where and the value column allow; each result is still its
 * own. */
static void
test_batch(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(
	    &r,
	    "local ds = data.open('people') "
	    "local a = ds:count{by = 'zone'} "
	    "local b = ds:sum('visitors', {by = 'zone'}) "
	    "local c = ds:mean('age', {by = 'zone'}) "
	    "local d = ds:sum('visitors', {by = 'zone', where = {age = 30}}) "
	    "local e = ds:count{by = 'zone'} "
	    "output.table('e', e) output.table('d', d) "
	    "output.table('c', c) output.table('b', b) "
	    "output.table('a', a)",
	    &people);
	expect_ok(&r);
	assert_int_equal(r.ntables, 5);
	assert_string_equal(r.tables[0].render.buf,
			    "zone,count|-,1|A,3|B,1|Zuid\nOost,1");
	assert_string_equal(r.tables[1].render.buf, "zone,sum|A,17");
	assert_string_equal(r.tables[1].evidence.buf, "2/0/0/10/7/17");
	assert_string_equal(r.tables[2].render.buf,
			    "zone,mean|-,61|A,28.3333333333333|B,41|"
			    "Zuid\nOost,52");
	assert_string_equal(r.tables[3].render.buf,
			    "zone,sum|-,2|A,17|B,5|Zuid\nOost,-3");
	assert_string_equal(r.tables[3].evidence.buf,
			    "1/0/0/2/0/2|2/0/1/10/7/17|1/0/0/5/0/5|"
			    "1/1/0/3/0/-3");
	assert_string_equal(r.tables[4].render.buf, r.tables[0].render.buf);
	assert_string_equal(r.tables[4].evidence.buf, "1|3|1|1");
	h_free(&r);
}

static void
test_value_name_clash(void **state)
{
	static const struct h_dataset d = { "d", "count,x\na,1\nb,2\na,3\n", 0,
					    LUABOX_ACCESS_AGGREGATE,
					    "count,x" };
	struct h_run r;

	(void)state;
	h_run1(&r, "output.table('t', data.open('d'):count{by = 'count'})", &d);
	expect_ok(&r);
	assert_string_equal(r.tables[0].render.buf, "count,_count|a,2|b,1");
	h_free(&r);
}

static void
test_not_granted(void **state)
{
	static const char *const scripts[] = {
		"data.open('people'):count{by = 'bsn'}",
		"data.open('people'):sum('bsn')",
		"data.open('people'):count{where = {bsn = '111'}}",
		"data.open('people'):count{by = 'no_such_column'}",
		("pcall(data.open('people').count, data.open('people'), "
		 "{by = 'bsn'}) output.text('x', 'escaped')"),
	};
	static const char *const msgs[] = {
		"dataset 'people': column 'bsn' is not granted by the profile",
		"dataset 'people': column 'bsn' is not granted by the profile",
		"dataset 'people': column 'bsn' is not granted by the profile",
		("dataset 'people': column 'no_such_column' is not granted by "
		 "the profile"),
		"dataset 'people': column 'bsn' is not granted by the profile",
	};
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(scripts); i++) {
		struct h_run r;

		h_run1(&r, scripts[i], &people);
		expect_error(&r, SBX_LUA_ERROR, "COLUMN_NOT_GRANTED", msgs[i]);
		assert_non_null(strstr(r.err_tb, "analysis.lua:1:"));
		assert_int_equal(r.ntexts, 0);
		/* the usage record still goes out */
		assert_string_equal(r.usage.buf, "people:sample:0:");
		h_free(&r);
	}
}

static void
test_rows(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local out = {} "
	       "for row in data.open('people'):rows{'name', 'visitors'} do "
	       "out[#out + 1] = row.name .. '=' .. tostring(row.visitors) "
	       "end "
	       "for row in data.open('people'):rows{'zone', where = {age = "
	       "30}} do out[#out + 1] = row.zone end "
	       "output.text('r', table.concat(out, ';'))",
	       &people_rows);
	expect_ok(&r);
	assert_string_equal(r.text[0], "Jansen, P.=10;de \"Vries\"=5;Ömer=nil;"
				       "Zoë=-3;plain=7;anon=2;A;A");
	assert_string_equal(r.usage.buf,
			    "people:sample:6:zone,name,visitors,age:iterated");
	h_free(&r);
}

/* A data error inside a rows loop is an ordinary Lua error; the iterator
 * is finished afterwards. */
static void
test_rows_error(void **state)
{
	static const struct h_dataset d = { "d", "a,b\n1,2\n3\n4,5\n", 0,
					    LUABOX_ACCESS_ROWS, "a,b" };
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local it = data.open('d'):rows{'a'} local seen = {} "
	       "local ok, e = pcall(function() for row in it do "
	       "seen[#seen + 1] = row.a end end) "
	       "output.text('e', table.concat(seen, ',') .. ' ' .. "
	       "tostring(ok) .. ' ' .. e .. ' ' .. tostring(it()))",
	       &d);
	expect_ok(&r);
	assert_string_equal(r.text[0],
			    "1 false analysis.lua:1: dataset 'd': "
			    "line 3: expected 2 fields, found 1 nil");
	h_free(&r);
}

static void
test_rows_not_granted(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r, "for row in data.open('people'):rows{'zone'} do end",
	       &people);
	expect_error(&r, SBX_LUA_ERROR, "ROWS_NOT_GRANTED",
		     "dataset 'people': the profile grants aggregates only, "
		     "not rows");
	h_free(&r);
	h_run1(&r, "for row in data.open('people'):rows{'bsn'} do end",
	       &people_rows);
	expect_error(&r, SBX_LUA_ERROR, "COLUMN_NOT_GRANTED",
		     "dataset 'people': column 'bsn' is not granted by the "
		     "profile");
	h_free(&r);
}

static void
test_aggregate_immutable(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local t = data.open('people'):count{by = 'zone'} "
	       "assert(#t == 4) assert(getmetatable(t) == 'protected') "
	       "local s = {} for row in t:rows() do s[#s + 1] = "
	       "tostring(row.zone) .. ':' .. row.count end "
	       "output.text('v', table.concat(s, ';') .. ';' .. "
	       "table.concat(t:columns(), ',')) "
	       "t.x = 1",
	       &people);
	expect_error(&r, SBX_LUA_ERROR, "LUA_ERROR",
		     "analysis.lua:1: attempt to modify a read-only object");
	assert_string_equal(r.text[0], "nil:1;A:3;B:1;Zuid\nOost:1;zone,count");
	h_free(&r);
}

struct bad_csv {
	const char *csv;
	const char *script;
	const char *msg;
};

static const struct bad_csv bad[] = {
	/* DATA_ERROR: a stop, decided over the whole file (sample data:
	 * with the line and the value) */
	{ "a,b\n1,2\n3\n", "output.table('t', data.open('d'):count())",
	  "dataset 'd': line 3: expected 2 fields, found 1" },
	{ "a,b\n1,2\n3,4,5\n", "output.table('t', data.open('d'):count())",
	  "dataset 'd': line 3: expected 2 fields, found 3" },
	{ "a,b\n1,2\n\"x\ny\",2\n5,\xff\n",
	  "output.table('t', data.open('d'):count())",
	  "dataset 'd': line 5: invalid UTF-8" },
	{ "a,b\n1,\"2\n", "output.table('t', data.open('d'):count())",
	  "dataset 'd': line 2: unterminated quoted field" },
	{ "a,b\n1,\"2\"x\n", "output.table('t', data.open('d'):count())",
	  "dataset 'd': line 2: malformed quoting" },
	{ "a,b\n1,2\n1,x2\n", "output.table('t', data.open('d'):sum('b'))",
	  "dataset 'd': line 3: column 'b': 'x2' is not a number" },
	{ "a,b\n1,0x10\n", "output.table('t', data.open('d'):sum('b'))",
	  "dataset 'd': line 2: column 'b': '0x10' is not a number" },
	{ "a,b\n1, 2\n", "local n = #data.open('d'):mean('b')",
	  "dataset 'd': line 2: column 'b': ' 2' is not a number" },
	/* whatever the filter: the row that passes is fine, the bad one
	 * is still found */
	{ "a,b\n1,2\n7,x\n",
	  "local n = #data.open('d'):sum('b', {where = {a = 1}})",
	  "dataset 'd': line 3: column 'b': 'x' is not a number" },
	/* an aggregate never used is still computed at the end */
	{ "a,b\n1,2\n3\n", "data.open('d'):count()",
	  "dataset 'd': line 3: expected 2 fields, found 1" },
	{ "a,a\n1,2\n", "data.open('d')",
	  "analysis.lua:1: dataset 'd': column 'a' appears twice in the "
	  "header" },
	{ "", "data.open('d')",
	  "analysis.lua:1: dataset 'd': empty file, no header" },
	{ "a,c\n1,2\n", "data.open('d')",
	  "analysis.lua:1: dataset 'd': granted column 'b' is not in the "
	  "file's header" },
};

static void
test_malformed(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(bad); i++) {
		struct h_dataset d = { "d", bad[i].csv, 0,
				       LUABOX_ACCESS_AGGREGATE, "a,b" };
		struct h_run r;

		if (bad[i].csv[0] == '\0') {
			/* an empty file: the harness needs a length */
			d.csv = "";
		}
		h_run1(&r, bad[i].script, &d);
		expect_error(&r, SBX_LUA_ERROR,
			     strncmp(bad[i].msg, "dataset", 7) == 0
				 ? "DATA_ERROR"
				 : "LUA_ERROR",
			     bad[i].msg);
		h_free(&r);
	}
}

/* NUL bytes in the data are malformed input, on both parsing paths;
 * NUL in outputs is refused; error texts are escaped. */
static void
test_nul_bytes(void **state)
{
	static const char plain[] = "a,b\n1,2\n3,x\0y\n";
	static const char quoted[] = "a,b\n1,2\n3,\"x\0y\"\n";
	struct h_dataset d = { "d", plain, sizeof(plain) - 1,
			       LUABOX_ACCESS_AGGREGATE, "a,b" };
	struct h_run r;

	(void)state;
	h_run1(&r, "output.table('t', data.open('d'):count())", &d);
	expect_error(&r, SBX_LUA_ERROR, "DATA_ERROR",
		     "dataset 'd': line 3: NUL byte");
	h_free(&r);
	d.csv = quoted;
	d.csv_len = sizeof(quoted) - 1;
	h_run1(&r, "output.table('t', data.open('d'):count())", &d);
	expect_error(&r, SBX_LUA_ERROR, "DATA_ERROR",
		     "dataset 'd': line 3: NUL byte");
	h_free(&r);
	h_run1(&r, "output.text('t', 'a\\0b')", NULL);
	expect_error(&r, SBX_LUA_ERROR, "LUA_ERROR",
		     "analysis.lua:1: output.text: the text is not UTF-8 or "
		     "contains NUL");
	h_free(&r);
	h_run1(&r, "error('a\\0b\\27[1m\\xff\\nline 2', 0)", NULL);
	expect_error(&r, SBX_LUA_ERROR, "LUA_ERROR",
		     "a\\x00b\\x1b[1m\\xff\nline 2");
	h_free(&r);
}

/* Numbers in sum columns: decimals, exponents, signs; a BOM and a file
 * without a final newline. */
static void
test_numbers_and_edges(void **state)
{
	static const struct h_dataset d = {
		"d", "\xEF\xBB\xBFk,v\nx,1.5\nx,-2.5e1\ny,+3\ny,.5\nx,1e2", 0,
		LUABOX_ACCESS_AGGREGATE, "k,v"
	};
	struct h_run r;

	(void)state;
	h_run1(&r, "output.table('t', data.open('d'):sum('v', {by = 'k'}))",
	       &d);
	expect_ok(&r);
	assert_string_equal(r.tables[0].render.buf, "k,sum|x,76.5|y,3.5");
	assert_string_equal(r.tables[0].evidence.buf,
			    "3/1/0/100/25/76.5|2/0/0/3/0.5/3.5");
	h_free(&r);
}

/* A larger file crosses the 1 MiB read buffer, with quoted records that
 * straddle the boundary. */
static void
test_large_file(void **state)
{
	struct sbuf csv = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_AGGREGATE, "k,v" };
	struct h_run r;
	int i;

	(void)state;
	sbuf_adds(&csv, "k,v,pad\n");
	for (i = 0; i < 60000; i++)
		sbuf_printf(&csv, "%s,%d,\"pad, %d\nline\"\n",
			    i % 3 == 0 ? "a" : "b", i % 7, i);
	d.csv = csv.buf;
	d.csv_len = csv.len;
	h_run1(&r, "output.table('t', data.open('d'):sum('v', {by = 'k'}))",
	       &d);
	expect_ok(&r);
	/* sums of i % 7 over i % 3 == 0 and the rest, computed here */
	{
		long sa = 0, sb = 0, na = 0, nb = 0;
		char want[128];

		/* contributors are the non-zero values */
		for (i = 0; i < 60000; i++) {
			if (i % 3 == 0) {
				sa += i % 7;
				na += i % 7 != 0;
			} else {
				sb += i % 7;
				nb += i % 7 != 0;
			}
		}
		snprintf(want, sizeof(want), "k,sum|a,%ld|b,%ld", sa, sb);
		assert_string_equal(r.tables[0].render.buf, want);
		snprintf(want, sizeof(want), "%ld/0/0/6/6/%ld|%ld/0/0/6/6/%ld",
			 na, sa, nb, sb);
		assert_string_equal(r.tables[0].evidence.buf, want);
	}
	assert_string_equal(r.usage.buf, "d:sample:60000:k,v");
	h_free(&r);
	sbuf_free(&csv);
}

/* 1000 groups arrive shuffled and leave sorted; a plain table of 500 rows
 * too (exercises the sort on arrays larger than a few elements). */
static void
test_many_groups_sorted(void **state)
{
	struct sbuf csv = SBUF_INIT, want = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_AGGREGATE, "k" };
	struct h_run r;
	int i;

	(void)state;
	sbuf_adds(&csv, "k\n");
	for (i = 0; i < 3000; i++)
		sbuf_printf(&csv, "key%04d\n", (i * 7919) % 1000);
	d.csv = csv.buf;
	d.csv_len = csv.len;
	h_run1(&r,
	       "output.table('g', data.open('d'):count{by = 'k'}) "
	       "local t = {} for i = 1, 500 do t[i] = {v = (i * 7919) % 500} "
	       "end output.table('p', t)",
	       &d);
	expect_ok(&r);
	sbuf_adds(&want, "k,count");
	for (i = 0; i < 1000; i++)
		sbuf_printf(&want, "|key%04d,3", i);
	assert_string_equal(r.tables[0].render.buf, want.buf);
	sbuf_reset(&want);
	sbuf_adds(&want, "v");
	for (i = 0; i < 500; i++)
		sbuf_printf(&want, "|%d", i);
	assert_string_equal(r.tables[1].render.buf, want.buf);
	h_free(&r);
	sbuf_free(&csv);
	sbuf_free(&want);
}

/* The fast (unquoted) path across read-buffer boundaries: 3 MiB of CRLF
 * records with UTF-8 keys. */
static void
test_large_unquoted(void **state)
{
	static const char *const keys[] = { "a", "b\xc3\xa9", "c" };
	struct sbuf csv = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_AGGREGATE, "k,v" };
	long sum[3] = { 0, 0, 0 }, n[3] = { 0, 0, 0 };
	char want[256];
	struct h_run r;
	int i;

	(void)state;
	sbuf_adds(&csv, "k,v,pad\r\n");
	for (i = 0; i < 150000; i++) {
		int k = (i * 31) % 3;

		sbuf_printf(&csv, "%s,%d,padding-%d\r\n", keys[k], i % 11, i);
		sum[k] += i % 11;
		n[k] += i % 11 != 0; /* contributors: the non-zero values */
	}
	d.csv = csv.buf;
	d.csv_len = csv.len;
	h_run1(&r, "output.table('t', data.open('d'):sum('v', {by = 'k'}))",
	       &d);
	expect_ok(&r);
	snprintf(want, sizeof(want), "k,sum|a,%ld|b\xc3\xa9,%ld|c,%ld", sum[0],
		 sum[1], sum[2]);
	assert_string_equal(r.tables[0].render.buf, want);
	snprintf(want, sizeof(want),
		 "%ld/0/0/10/10/%ld|%ld/0/0/10/10/%ld|%ld/0/0/10/10/%ld", n[0],
		 sum[0], n[1], sum[1], n[2], sum[2]);
	assert_string_equal(r.tables[0].evidence.buf, want);
	assert_string_equal(r.usage.buf, "d:sample:150000:k,v");
	h_free(&r);
	sbuf_free(&csv);
}

/* Random records through both parsing paths: every field comes back
 * exactly, whether it needed quotes (comma, quote, line break) or not,
 * with LF or CRLF line ends.  A fixed-seed generator keeps it
 * reproducible. */
static void
test_random_records(void **state)
{
	static const char *const atoms[] = { "a",  "Z",	       "7",
					     " ",  ",",	       "\"",
					     "\n", "\xc3\xa9", "\xe2\x82\xac",
					     "-",  "x y",      "\r\n" };
	struct sbuf csv = SBUF_INIT, want = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_ROWS, "a,b,c" };
	uint32_t seed = 12345;
	struct h_run r;
	int i, f, k;

	(void)state;
	sbuf_adds(&csv, "a,b,c\n");
	for (i = 0; i < 3000; i++) {
		if (i > 0)
			sbuf_addc(&want, '\x1e');
		for (f = 0; f < 3; f++) {
			struct sbuf field = SBUF_INIT;
			bool quote;
			size_t j;
			int n;

			seed = seed * 1103515245u + 12345u;
			n = (int)((seed >> 16) % 5);
			for (k = 0; k < n; k++) {
				seed = seed * 1103515245u + 12345u;
				sbuf_adds(
				    &field,
				    atoms[(seed >> 16) % PT_ARRAY_LEN(atoms)]);
			}
			/* fields of only a line end would read as blank */
			if (field.len > 0 &&
			    strspn(field.buf, "\r\n") == field.len)
				sbuf_addc(&field, 'q');
			seed = seed * 1103515245u + 12345u;
			quote = field.len > 0 &&
				(strpbrk(field.buf, ",\"\r\n") != NULL ||
				 ((seed >> 16) & 3) == 0);
			if (f > 0) {
				sbuf_addc(&csv, ',');
				sbuf_addc(&want, '\x1f');
			}
			if (quote)
				sbuf_addc(&csv, '"');
			for (j = 0; j < field.len; j++) {
				if (quote && field.buf[j] == '"')
					sbuf_addc(&csv, '"');
				sbuf_addc(&csv, field.buf[j]);
			}
			if (quote)
				sbuf_addc(&csv, '"');
			if (field.len == 0)
				sbuf_adds(&want, "<nil>");
			else
				sbuf_add(&want, field.buf, field.len);
			sbuf_free(&field);
		}
		seed = seed * 1103515245u + 12345u;
		sbuf_adds(&csv, ((seed >> 16) & 1) ? "\r\n" : "\n");
	}
	d.csv = csv.buf;
	d.csv_len = csv.len;
	h_run1(
	    &r,
	    "local out = {} for row in data.open('d'):rows{'a', 'b', 'c'} do "
	    "out[#out + 1] = (row.a or '<nil>') .. '\\31' .. (row.b or "
	    "'<nil>') .. '\\31' .. (row.c or '<nil>') end "
	    "output.text('all', table.concat(out, '\\30'))",
	    &d);
	expect_ok(&r);
	assert_int_equal(strlen(r.text[0]), want.len);
	assert_string_equal(r.text[0], want.buf);
	assert_string_equal(r.usage.buf, "d:sample:3000:a,b,c:iterated");
	h_free(&r);
	sbuf_free(&csv);
	sbuf_free(&want);
}

static void
test_plain_table(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "output.table('p', {{b = 2, a = 'x'}, {a = 'w'}, "
	       "{a = 'x', b = 1.5}}, {description = 'd'}) "
	       "output.table('q', {{z = 1, y = 'k'}}, {columns = {'y', 'z'}, "
	       "keys = 1})",
	       NULL);
	expect_ok(&r);
	assert_string_equal(r.tables[0].render.buf, "a,b|w,-|x,1.5|x,2");
	assert_string_equal(r.tables[0].statistic, "custom");
	assert_int_equal(r.tables[0].has_evidence, 0);
	assert_int_equal(r.tables[0].nkeys, 0);
	assert_string_equal(r.tables[1].render.buf, "y,z|k,1");
	assert_int_equal(r.tables[1].nkeys, 1);
	h_free(&r);
}

/* Red team: a pass pushed every aggregate of the batch and two userdata
 * per query on the Lua stack without lua_checkstack, past the end of the
 * stack Lua had allocated: a heap overflow from a plain script (32
 * aggregates forced at once), and a crash when a finalizer (__gc) queued
 * aggregates, since a finalizer runs on a short stack. */
static void
test_batch_stack(void **state)
{
	static const char *const scripts[] = {
		"local c = data.open('d') local t = {} "
		"for i = 1, 33 do t[i] = c:count{where = {v = i % 50}} end "
		"local n = 0 for i = 1, 33 do n = n + #t[i] end "
		"output.text('n', tostring(n))",
		"local c = data.open('d') local saved = {} "
		"local mt = {__gc = function() saved[#saved + 1] = "
		"c:count{where = {v = #saved % 50}} end} "
		"for round = 1, 2 do "
		"  for i = 1, 20 do setmetatable({}, mt) end "
		"  local junk = {} for i = 1, 1000 do junk[i] = {i} end "
		"end "
		"local t = {} for i = 1, 40 do t[i] = setmetatable({}, mt) end "
		"t = nil "
		"local junk = {} for i = 1, 20000 do junk[i] = {i} end "
		"local n = 0 for _, a in ipairs(saved) do n = n + #a end "
		"output.text('n', tostring(n > 0 and #saved))",
	};
	struct sbuf csv = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_AGGREGATE, "z,w,v" };
	size_t i;

	(void)state;
	sbuf_adds(&csv, "id,z,w,v\n");
	for (i = 0; i < 20000; i++)
		sbuf_printf(&csv, "S%zu,Z%zu,W%zu,%zu\n", i, i % 5000, i % 7,
			    i % 50);
	d.csv = csv.buf;
	d.csv_len = csv.len;
	for (i = 0; i < PT_ARRAY_LEN(scripts); i++) {
		struct h_run r;

		h_run1(&r, scripts[i], &d);
		expect_ok(&r);
		assert_int_equal(r.ntexts, 1);
		if (i == 0)
			assert_string_equal(r.text[0], "33");
		else
			assert_true(atoi(r.text[0]) >= 40);
		h_free(&r);
	}
	sbuf_free(&csv);
}

static void
test_output_refusals(void **state)
{
	static const char *const scripts[] = {
		"output.text('.hidden', 'x')",
		"output.text('a/b', 'x')",
		"output.text('ok', 'x') output.table('ok', {{a = 1}})",
		"output.table('t', {{a = {}}})",
		"output.table('t', {{a = 1, b = 2}}, {columns = {'a'}})",
		"output.table('t', 42)",
		"output.table('t', {{a = 0/0}})",
		"output.text('t', 'x', {colour = 'red'})",
		/* red team: outputs/Visits.txt and outputs/visits.txt are one
		 * file on a case-insensitive file system */
		"output.text('Visits', 'x') output.text('visits', 'y')",
		"output.table('AB', {{a = 1}}) output.table('ab', {{a = 1}})",
		/* red team: the runner takes 1000 outputs; the 1001st was
		 * reported as malformed results from the sandbox */
		"for i = 1, 1001 do output.text('t' .. i, 'x') end",
	};
	static const char *const msgs[] = {
		"output name '.hidden' is not allowed",
		"output name 'a/b' is not allowed",
		"output 'ok' was already written",
		"cells must be strings, numbers or nil",
		"has a field that is not one of the columns",
		"expected an aggregate or a table of rows",
		"number is not finite",
		"unknown output option",
		"output 'visits' differs from 'Visits' only in case",
		"output 'ab' differs from 'AB' only in case",
		"at most 1000 outputs",
	};
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(scripts); i++) {
		struct h_run r;

		h_run1(&r, scripts[i], NULL);
		if (strstr(r.err_msg, msgs[i]) == NULL)
			print_message("%s -> %s\n", scripts[i], r.err_msg);
		assert_int_equal(r.end, SBX_LUA_ERROR);
		assert_non_null(strstr(r.err_msg, msgs[i]));
		h_free(&r);
	}
}

static void
test_output_limit_table(void **state)
{
	struct h_opts o;
	struct h_run r;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.output = 4096;
	h_run(&r,
	      "local t = {} for i = 1, 1000 do t[i] = {n = i} end "
	      "output.table('big', t)",
	      &o);
	expect_error(&r, SBX_OUTPUT_LIMIT, "OUTPUT_LIMIT",
		     "script stopped: output limit");
	h_free(&r);
}

static void
test_unknown_dataset_and_options(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r, "data.open('secret')", &people);
	expect_error(&r, SBX_LUA_ERROR, "LUA_ERROR",
		     "analysis.lua:1: data.open: no dataset 'secret' is "
		     "declared and granted");
	h_free(&r);
	h_run1(&r, "data.open('people'):count{group = 'zone'}", &people);
	expect_error(&r, SBX_LUA_ERROR, "LUA_ERROR",
		     "analysis.lua:1: unknown option 'group' (expected by, "
		     "where)");
	h_free(&r);
}

/* Two datasets; one unused: its usage record lists nothing read. */
static void
test_usage_two_datasets(void **state)
{
	struct h_dataset ds[2] = {
		people,
		{ "other", "q\n1\n", 0, LUABOX_ACCESS_AGGREGATE, "q" },
	};
	struct h_opts o;
	struct h_run r;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.datasets = ds;
	o.ndatasets = 2;
	h_run(&r, "data.open('people'):sum('age', {where = {zone = 'A'}})", &o);
	expect_ok(&r);
	assert_string_equal(r.usage.buf,
			    "people:sample:6:zone,age;other:sample:0:");
	h_free(&r);
}

/* A pass that runs out of the engine's memory for its atoms ends the run,
 * whatever pcall says: the engine's memory is its own, apart from the
 * script's. */
static void
test_groups_memory(void **state)
{
	struct sbuf csv = SBUF_INIT;
	struct h_dataset d = { "d", NULL, 0, LUABOX_ACCESS_AGGREGATE, "id" };
	struct h_opts o;
	struct h_run r;
	int i;

	(void)state;
	sbuf_adds(&csv, "id\n");
	for (i = 0; i < 200000; i++)
		sbuf_printf(&csv, "person-%08d\n", i);
	d.csv = csv.buf;
	d.csv_len = csv.len;
	memset(&o, 0, sizeof(o));
	o.datasets = &d;
	o.ndatasets = 1;
	o.memory = 8u << 20;
	h_run(&r,
	      "pcall(data.open('d').count, data.open('d'), {by = 'id'}) "
	      "output.text('x', 'escaped')",
	      &o);
	expect_error(&r, SBX_MEMORY_LIMIT, "MEMORY_LIMIT",
		     "dataset 'd': the data engine needs more memory than the "
		     "limit (too many distinct groups)");
	h_free(&r);
	/* With memory enough, the same table is too big to send. */
	o.memory = 256u << 20;
	o.output = 1u << 20;
	h_run(&r, "output.table('ids', data.open('d'):count{by = 'id'})", &o);
	expect_error(&r, SBX_OUTPUT_LIMIT, "OUTPUT_LIMIT",
		     "script stopped: output limit");
	assert_int_equal(r.ntables, 0);
	h_free(&r);
	sbuf_free(&csv);
}

/* ---- protected answers (sandbox/lua/protect.h) ---- */

static const struct sdc_params protect10 = {
	.min_cell = 10,
	.round_to = 5,
	.dominance_n = 2,
	.dominance_k = 85,
	.p_percent = 10,
	.zeros = SDC_ACT_REVIEW,
	.negatives = SDC_ACT_REVIEW,
	.missing = SDC_ACT_REVIEW,
};

/* zone A: 23 people, B: 12, C: 3; score 1 for 2 people in A, 0 else. */
static char *
zones_csv(void)
{
	struct sbuf sb = SBUF_INIT;
	int i;

	sbuf_adds(&sb, "zone,score,amount\n");
	for (i = 0; i < 23; i++)
		sbuf_printf(&sb, "A,%d,%d\n", i < 2 ? 1 : 0, 100 + i);
	for (i = 0; i < 12; i++)
		sbuf_printf(&sb, "B,0,%d\n", 50 + i);
	for (i = 0; i < 3; i++)
		sbuf_adds(&sb, "C,0,70\n");
	return sbuf_steal(&sb);
}

static void
run_protected(struct h_run *r, const char *script, const char *csv,
	      const char *source)
{
	struct h_dataset d = { "z", csv, 0, LUABOX_ACCESS_AGGREGATE,
			       "zone,score,amount" };
	struct h_opts o;

	memset(&o, 0, sizeof(o));
	o.datasets = &d;
	o.ndatasets = 1;
	o.disclosure = &protect10;
	o.source = source;
	h_run(r, script, &o);
}

/* What Lua reads is what would be published: the small cell is not
 * there at all, counts are rounded, and # counts released cells. */
static void
test_protected_cells(void **state)
{
	char *csv = zones_csv();
	struct h_run r;

	(void)state;
	run_protected(
	    &r,
	    "local a = data.open('z'):count{by = 'zone'} "
	    "local seen = {} "
	    "for row in a:rows() do seen[#seen + 1] = row.zone .. '=' "
	    ".. row.count end "
	    "output.text('seen', #a .. ':' .. table.concat(seen, ',')) "
	    "output.table('t', a)",
	    csv, NULL);
	expect_ok(&r);
	/* C (3 people) is withheld; and as the report publishes the 38 rows
	 * of the file, B is withheld too: 38 - A - B would be C. */
	assert_string_equal(r.text[0], "1:A=25");
	assert_string_equal(r.tables[0].render.buf, "zone,count|A,25");
	assert_string_equal(r.ledger.buf, "1 z count  by=zone released=1 "
					  "min_cell=1 differencing=1");
	h_free(&r);
	free(csv);
}

/* A sum counts its non-zero values: two people with score 1 among 23
 * rows are two contributors, withheld; a mean is the rounded sum over
 * the rounded count. */
static void
test_protected_sums_and_means(void **state)
{
	char *csv = zones_csv();
	struct h_run r;

	(void)state;
	run_protected(&r,
		      "local d = data.open('z') "
		      "output.table('s', d:sum('score', {by = 'zone'})) "
		      "output.table('m', d:mean('amount', {by = 'zone'})) "
		      "output.table('t', d:sum('amount', {by = 'zone'}))",
		      csv, NULL);
	expect_ok(&r);
	/* A withheld; B is all zeros over 12 rows: the zeros rule's call
	 * (review: released, flagged) */
	assert_string_equal(r.tables[0].render.buf, "zone,sum|B,0");
	assert_string_equal(r.ledger.buf,
			    "1 z sum score by=zone released=1 min_cell=2 "
			    "flag:zeros=1|2 z mean amount by=zone released=1 "
			    "min_cell=1 differencing=1|3 z sum amount by=zone "
			    "released=2 min_cell=1");
	/* A: sum 2553 -> 2555, 23 values -> 25: 102.2; B's mean would give
	 * its count of values, and with the 38 rows C's */
	assert_string_equal(r.tables[1].render.buf, "zone,mean|A,102.2");
	assert_string_equal(r.tables[2].render.buf, "zone,sum|A,2555|B,665");
	h_free(&r);
	free(csv);
}

/* The total is public (the report publishes the rows of the file), so it
 * is released; A + B would then give C (3 people), so it is withheld and
 * the script sees nothing of it. */
static void
test_protected_differencing(void **state)
{
	char *csv = zones_csv();
	struct h_run r;

	(void)state;
	run_protected(&r,
		      "local d = data.open('z') "
		      "local by = d:count{by = 'zone'} "
		      "local n = #by "
		      "local all = d:count() "
		      "local ab = d:count{where = {zone = {'A', 'B'}}} "
		      "output.text('n', #all .. ' ' .. #ab)",
		      csv, NULL);
	expect_ok(&r);
	assert_string_equal(r.text[0], "1 0");
	assert_string_equal(r.ledger.buf,
			    "1 z count  by=zone released=1 min_cell=1 "
			    "differencing=1|2 z count  released=1|"
			    "3 z count  zone=A/B released=0 differencing=1");
	h_free(&r);
	free(csv);
}

/* On custodian data a data error names no line and no value, and it is
 * the same whatever the filter selects. */
static void
test_custodian_data_error(void **state)
{
	static const char csv[] = "zone,score,amount\nA,1,2\nB,1,x9\n";
	static const char *const scripts[] = {
		"local n = #data.open('z'):sum('amount')",
		"local n = #data.open('z'):sum('amount', {where = {zone = "
		"'A'}})",
		"local n = #data.open('z'):sum('amount', {where = {zone = "
		"'B'}})",
		"pcall(function() return #data.open('z'):sum('amount', "
		"{where = {zone = 'A'}}) end) output.text('x', 'caught')",
	};
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(scripts); i++) {
		struct h_run r;

		run_protected(&r, scripts[i], csv, "custodian");
		expect_error(&r, SBX_LUA_ERROR, "DATA_ERROR",
			     "dataset 'z': column 'amount' holds a value that "
			     "is not a number");
		assert_int_equal(r.ntexts, 0);
		h_free(&r);
	}
}

/* Once the script has read rows, what it makes carries the flag. */
static void
test_after_rows(void **state)
{
	struct h_run r;

	(void)state;
	h_run1(&r,
	       "local d = data.open('people') "
	       "output.table('before', d:count()) "
	       "for row in d:rows{'zone'} do end "
	       "output.table('after', d:count()) "
	       "output.text('t', 'x')",
	       &people_rows);
	expect_ok(&r);
	assert_int_equal(r.tables[0].after_rows, 0);
	assert_int_equal(r.tables[1].after_rows, 1);
	assert_int_equal(r.text_after_rows[0], 1);
	assert_string_equal(r.ledger.buf, "1 people count  released=1|"
					  "2 people count  released=1 "
					  "after_rows");
	h_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_protected_cells),
		cmocka_unit_test(test_protected_sums_and_means),
		cmocka_unit_test(test_protected_differencing),
		cmocka_unit_test(test_custodian_data_error),
		cmocka_unit_test(test_after_rows),
		cmocka_unit_test(test_count_by),
		cmocka_unit_test(test_count_total_and_two_keys),
		cmocka_unit_test(test_sum_evidence),
		cmocka_unit_test(test_mean),
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_value_name_clash),
		cmocka_unit_test(test_not_granted),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_rows_error),
		cmocka_unit_test(test_rows_not_granted),
		cmocka_unit_test(test_aggregate_immutable),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_nul_bytes),
		cmocka_unit_test(test_numbers_and_edges),
		cmocka_unit_test(test_large_file),
		cmocka_unit_test(test_many_groups_sorted),
		cmocka_unit_test(test_large_unquoted),
		cmocka_unit_test(test_random_records),
		cmocka_unit_test(test_plain_table),
		cmocka_unit_test(test_output_refusals),
		cmocka_unit_test(test_batch_stack),
		cmocka_unit_test(test_output_limit_table),
		cmocka_unit_test(test_unknown_dataset_and_options),
		cmocka_unit_test(test_usage_two_datasets),
		cmocka_unit_test(test_groups_memory),
	};

	return cmocka_run_group_tests_name("lua_data", tests, NULL, NULL);
}
