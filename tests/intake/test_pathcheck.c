/* test_pathcheck.c - entry name rules, case folding, the duplicate set and
 * the parent's record parser (receive.c) fed with hand-made streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bundle.h"
#include "pathcheck.h"
#include "receive.h"

static const struct profile_bundle lim = {
	.max_bytes = 1 << 20,
	.max_entries = 10,
	.max_file_bytes = 1000,
	.max_ratio = 200,
	.max_depth = 3,
	.max_path = 40,
};

static const char *
check(const char *name, bool dir)
{
	static char buf[128];

	return pathcheck_name(name, strlen(name), dir, lim.max_path,
			      lim.max_depth, buf, sizeof(buf));
}

static void
test_names(void **state)
{
	(void)state;
	assert_null(check("a.csv", false));
	assert_null(check("data/a.csv", false));
	assert_null(check("data/", true));
	assert_null(check("caf\xc3\xa9.txt", false));
	assert_string_equal(check("", false), "empty name");
	assert_string_equal(check("../x", false),
			    "path contains a '..' component");
	assert_string_equal(check("a/..", true),
			    "path contains a '..' component");
	assert_string_equal(check("a//b", false),
			    "path contains an empty or '.' component");
	assert_string_equal(check("a/./b", false),
			    "path contains an empty or '.' component");
	assert_string_equal(check("a/", false),
			    "path contains an empty or '.' component");
	assert_string_equal(check("/etc/passwd", false), "absolute path");
	assert_string_equal(check("a\\b", false), "name contains a backslash");
	assert_string_equal(check("c:x", false),
			    "name starts with a drive prefix");
	assert_string_equal(check("a\nb", false),
			    "name contains control characters");
	assert_string_equal(check("a\x7f", false),
			    "name contains control characters");
	assert_string_equal(check("a\xc2\x85", false),
			    "name contains control characters");
	assert_string_equal(check("a\xe2\x80\xae"
				  "b",
				  false),
			    "name contains control characters");
	assert_string_equal(check("bad\xff", false), "name is not valid UTF-8");
	assert_string_equal(check("\xc0\xae\xc0\xae/x", false),
			    "name is not valid UTF-8");
	assert_string_equal(check("cafe\xcc\x81", false),
			    "name contains combining characters; use "
			    "precomposed (NFC) characters");
	/* Invisible characters would let "analysis<U+200B>.lua" pose as
	 * analysis.lua in the report's file list (red team). */
	assert_string_equal(check("analysis\xe2\x80\x8b.lua", false),
			    "name contains invisible characters");
	assert_string_equal(check("a\xef\xbb\xbf", false),
			    "name contains invisible characters");
	assert_string_equal(check("a\xc2\xad"
				  "b",
				  false),
			    "name contains invisible characters");
	assert_string_equal(check("a\xe2\x81\xa0", false),
			    "name contains invisible characters");
	assert_string_equal(check("a\xef\xb8\x8f", false),
			    "name contains invisible characters");
	assert_string_equal(check("a\xf3\xa0\x80\x81", false),
			    "name contains invisible characters");
	assert_null(check("caf\xc3\xa9/\xe2\x82\xac.csv", false));
	assert_string_equal(check("a/b/c/d/e.csv", false),
			    "deeper than 3 levels");
	assert_null(check("a/b/c/d.csv", false));
	assert_null(check("a/b/c/", true));
	assert_string_equal(check("a/b/c/d/", true), "deeper than 3 levels");
	assert_string_equal(
	    check("0123456789012345678901234567890123456789x", false),
	    "path longer than 40 bytes");
	assert_string_equal(
	    pathcheck_name("a\0b", 3, false, 40, 3, (char[64]){ 0 }, 64),
	    "name contains a NUL byte");
}

static void
test_fold(void **state)
{
	char *f;

	(void)state;
	f = pathcheck_fold("Data/\xc3\x89T\xc3\x89/\xc5\xb8/\xce\xa3\xcf\x82/"
			   "\xd0\x96");
	assert_string_equal(f,
			    "data/\xc3\xa9t\xc3\xa9/\xc3\xbf/\xcf\x83\xcf\x83/"
			    "\xd0\xb6");
	free(f);
}

static void
test_pathset(void **state)
{
	struct pathset *s = pathset_new();
	char buf[128];

	(void)state;
	assert_null(pathset_add(s, "data", true, buf, sizeof(buf)));
	assert_null(pathset_add(s, "data/a.csv", false, buf, sizeof(buf)));
	assert_string_equal(
	    pathset_add(s, "data/a.csv", false, buf, sizeof(buf)),
	    "duplicate path");
	assert_string_equal(
	    pathset_add(s, "DATA/A.csv", false, buf, sizeof(buf)),
	    "duplicate path: same as 'data/a.csv' after case "
	    "folding");
	assert_string_equal(
	    pathset_add(s, "data/a.csv/x", false, buf, sizeof(buf)),
	    "path is below 'data/a.csv', which is a file");
	assert_null(pathset_add(s, "x/y/z", false, buf, sizeof(buf)));
	assert_string_equal(pathset_add(s, "X/Y", false, buf, sizeof(buf)),
			    "path is both a file and a folder");
	assert_null(pathset_add(s, "x/y", true, buf, sizeof(buf)));
	pathset_free(s);
}

static void
test_display(void **state)
{
	char *d;

	(void)state;
	d = receive_display_name("a\nb\xff\xc3\xa9\x1b", 7);
	assert_string_equal(d, "a\\x0ab\\xff\xc3\xa9\\x1b");
	free(d);
}

/* Records by hand. */
static void
rec(struct sbuf *sb, int type, const void *p, size_t n)
{
	unsigned char h[5] = { (unsigned char)type, (unsigned char)n,
			       (unsigned char)(n >> 8),
			       (unsigned char)(n >> 16),
			       (unsigned char)(n >> 24) };

	sbuf_add(sb, h, 5);
	if (n > 0)
		sbuf_add(sb, p, n);
}

static void
entry(struct sbuf *sb, int kind, const char *name)
{
	struct sbuf e = SBUF_INIT;
	size_t n = strlen(name);
	unsigned char h[6] = {
		(unsigned char)kind, 0, (unsigned char)n, 0, 0, 0
	};

	sbuf_add(&e, h, 6);
	sbuf_add(&e, name, n);
	rec(sb, UNPACK_ENTRY, e.buf, e.len);
	sbuf_free(&e);
}

struct fixture {
	struct receiver r;
	struct bundle b;
	struct intake_problems ps;
};

static int
feed(struct fixture *f, const struct sbuf *sb, uint64_t archive_bytes)
{
	size_t i;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	receiver_init(&f->r, BUNDLE_TAR, &lim, archive_bytes, &f->b, &f->ps);
	/* One byte at a time: records split anywhere must still parse. */
	for (i = 0; i < sb->len && rc == 0; i++)
		rc = receiver_feed(&f->r, sb->buf + i, 1);
	return rc;
}

static void
done(struct fixture *f)
{
	receiver_fini(&f->r);
	bundle_fini(&f->b);
	intake_problems_fini(&f->ps);
}

static void
test_receive_ok(void **state)
{
	static const unsigned char end[8] = { 0, 0, 3, 0, 0, 0, 0, 0 };
	struct sbuf sb = SBUF_INIT;
	struct fixture f;
	char hex[PT_SHA256_HEX];

	(void)state;
	rec(&sb, UNPACK_HELLO, NULL, 0);
	entry(&sb, UNPACK_DIR, "./");
	entry(&sb, UNPACK_DIR, "./d/");
	entry(&sb, UNPACK_FILE, "./d/a.csv");
	rec(&sb, UNPACK_DATA, "hello ", 6);
	rec(&sb, UNPACK_DATA, "world", 5);
	rec(&sb, UNPACK_EOE, NULL, 0);
	rec(&sb, UNPACK_END, end, 8); /* ARCHIVE_FORMAT_TAR, no filter */
	assert_int_equal(feed(&f, &sb, 1000), 1);
	assert_int_equal(f.ps.n, 0);
	assert_int_equal(f.b.nfiles, 1);
	assert_string_equal(f.b.files[0].path, "d/a.csv");
	pt_sha256_hex("hello world", 11, hex);
	assert_string_equal(f.b.files[0].sha256, hex);
	assert_int_equal(f.b.files[0].size, 11);
	done(&f);
	sbuf_free(&sb);
}

static void
test_receive_limits(void **state)
{
	char big[600];
	struct sbuf sb = SBUF_INIT;
	struct fixture f;

	(void)state;
	memset(big, 'x', sizeof(big));
	rec(&sb, UNPACK_HELLO, NULL, 0);
	entry(&sb, UNPACK_FILE, "a");
	rec(&sb, UNPACK_DATA, big, sizeof(big));
	rec(&sb, UNPACK_DATA, big, sizeof(big));
	assert_int_equal(feed(&f, &sb, 100000), -1);
	assert_int_equal(f.ps.n, 1);
	assert_string_equal(f.ps.v[0].entry, "a");
	assert_string_equal(f.ps.v[0].reason, "file larger than 1000 bytes");
	done(&f);
	sbuf_free(&sb);
}

static void
expect_malformed(struct sbuf *sb, const char *what)
{
	struct fixture f;
	char want[128];

	assert_int_equal(feed(&f, sb, 1000), -1);
	assert_int_equal(f.ps.n, 1);
	snprintf(want, sizeof(want),
		 "the unpacker sent a malformed stream (%s)", what);
	assert_string_equal(f.ps.v[0].reason, want);
	done(&f);
	sbuf_reset(sb);
}

static void
test_receive_malformed(void **state)
{
	struct sbuf sb = SBUF_INIT;
	unsigned char huge[5] = { UNPACK_DATA, 0xff, 0xff, 0xff, 0x7f };

	(void)state;
	rec(&sb, UNPACK_DATA, "x", 1);
	expect_malformed(&sb, "no greeting");
	rec(&sb, UNPACK_HELLO, NULL, 0);
	rec(&sb, UNPACK_DATA, "x", 1);
	expect_malformed(&sb, "data outside a file");
	rec(&sb, UNPACK_HELLO, NULL, 0);
	rec(&sb, 99, NULL, 0);
	expect_malformed(&sb, "unknown record");
	rec(&sb, UNPACK_HELLO, NULL, 0);
	sbuf_add(&sb, huge, sizeof(huge));
	expect_malformed(&sb, "record too long");
	rec(&sb, UNPACK_HELLO, NULL, 0);
	entry(&sb, UNPACK_FILE, "a");
	entry(&sb, UNPACK_FILE, "b");
	expect_malformed(&sb, "entry header");
	sbuf_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_pathset),
		cmocka_unit_test(test_display),
		cmocka_unit_test(test_receive_ok),
		cmocka_unit_test(test_receive_limits),
		cmocka_unit_test(test_receive_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
