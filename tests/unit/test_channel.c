/* test_channel.c - the result channel codec and the helpers of util.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "util.h"

static void
roundtrip_fields(void **state)
{
	struct sbuf sb = SBUF_INIT;
	struct chan_cursor c;
	const char *s;
	char *d;

	(void)state;
	chan_put_u8(&sb, 7);
	chan_put_u32(&sb, 0xdeadbeef);
	chan_put_u64(&sb, 0x0102030405060708ull);
	chan_put_f64(&sb, -2.5);
	chan_put_cstr(&sb, "zone");
	chan_put_str(&sb, "a\0b", 3);
	chan_cursor_init(&c, sb.buf, sb.len);
	assert_int_equal(chan_get_u8(&c), 7);
	assert_int_equal(chan_get_u32(&c), 0xdeadbeef);
	assert_true(chan_get_u64(&c) == 0x0102030405060708ull);
	assert_true(chan_get_f64(&c) == -2.5);
	assert_int_equal(chan_get_str(&c, &s), 4);
	assert_memory_equal(s, "zone", 4);
	/* An embedded NUL is refused when a C string is wanted. */
	d = chan_get_strdup(&c);
	assert_string_equal(d, "");
	assert_true(c.bad);
	free(d);
	sbuf_free(&sb);
}

static void
short_input_is_bad(void **state)
{
	struct sbuf sb = SBUF_INIT;
	struct chan_cursor c;
	const char *s;

	(void)state;
	chan_put_u32(&sb, 1000); /* a string length with no bytes after it */
	chan_cursor_init(&c, sb.buf, sb.len);
	assert_int_equal(chan_get_str(&c, &s), 0);
	assert_true(c.bad);
	assert_false(chan_cursor_done(&c));
	/* Once bad, every getter returns zero. */
	assert_int_equal(chan_get_u64(&c), 0);
	sbuf_free(&sb);
}

static void
records_are_framed(void **state)
{
	struct sbuf payload = SBUF_INIT, stream = SBUF_INIT;
	const uint8_t *p;
	uint32_t len;
	uint8_t type;
	size_t off = 0;
	int fds[2];
	char buf[256];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	chan_put_cstr(&payload, "hello");
	assert_int_equal(chan_send(fds[1], CHAN_TEXT, &payload), 0);
	assert_int_equal(chan_send(fds[1], CHAN_DONE, NULL), 0);
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		sbuf_add(&stream, buf, (size_t)n);
	close(fds[0]);
	assert_int_equal(
	    chan_next_record(stream.buf, stream.len, &off, &type, &p, &len), 1);
	assert_int_equal(type, CHAN_TEXT);
	assert_int_equal(len, payload.len);
	assert_int_equal(
	    chan_next_record(stream.buf, stream.len, &off, &type, &p, &len), 1);
	assert_int_equal(type, CHAN_DONE);
	assert_int_equal(len, 0);
	assert_int_equal(
	    chan_next_record(stream.buf, stream.len, &off, &type, &p, &len), 0);
	/* A record cut short is malformed, not a clean end. */
	off = 0;
	assert_int_equal(
	    chan_next_record(stream.buf, stream.len - 3, &off, &type, &p, &len),
	    1);
	assert_int_equal(
	    chan_next_record(stream.buf, stream.len - 3, &off, &type, &p, &len),
	    -1);
	sbuf_free(&payload);
	sbuf_free(&stream);
}

static void
oversized_record_is_refused(void **state)
{
	uint8_t hdr[5] = { CHAN_TEXT, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *p;
	uint32_t len;
	uint8_t type;
	size_t off = 0;

	(void)state;
	assert_int_equal(
	    chan_next_record(hdr, sizeof(hdr), &off, &type, &p, &len), -1);
}

/* A stream still arriving: a partial record waits, an oversized header is
 * refused before its payload arrives, and *off moves only past whole
 * records. */
static void
split_waits_for_whole_records(void **state)
{
	struct sbuf payload = SBUF_INIT, stream = SBUF_INIT;
	uint8_t hdr[CHAN_HEADER_SIZE];
	const uint8_t *p;
	uint32_t len;
	uint8_t type;
	size_t off = 0;

	(void)state;
	chan_put_cstr(&payload, "abc");
	chan_frame(&stream, CHAN_TEXT, &payload);
	assert_int_equal(
	    chan_split_record(stream.buf, 3, &off, 64, &type, &p, &len), 0);
	assert_int_equal(chan_split_record(stream.buf, stream.len - 1, &off, 64,
					   &type, &p, &len),
			 0);
	assert_int_equal(off, 0);
	assert_int_equal(chan_split_record(stream.buf, stream.len, &off, 64,
					   &type, &p, &len),
			 1);
	assert_int_equal(type, CHAN_TEXT);
	assert_int_equal(len, payload.len);
	assert_int_equal(off, stream.len);
	assert_int_equal(chan_split_record(stream.buf, stream.len, &off, 64,
					   &type, &p, &len),
			 0);
	/* A type byte of another stream, and a length over `max`. */
	chan_encode_header(hdr, 200, 65);
	off = 0;
	assert_int_equal(
	    chan_split_record(hdr, sizeof(hdr), &off, 64, &type, &p, &len), -1);
	assert_int_equal(off, 0);
	chan_encode_header(hdr, 200, 0);
	assert_int_equal(
	    chan_split_record(hdr, sizeof(hdr), &off, 64, &type, &p, &len), 1);
	assert_int_equal(type, 200);
	sbuf_free(&payload);
	sbuf_free(&stream);
}

/* The rest of a record is borrowed whole, and nothing after a bad field. */
static void
rest_of_record(void **state)
{
	struct sbuf sb = SBUF_INIT;
	struct chan_cursor c;
	const char *s;

	(void)state;
	chan_put_u8(&sb, 7);
	sbuf_adds(&sb, "tail");
	chan_cursor_init(&c, sb.buf, sb.len);
	assert_int_equal(chan_get_u8(&c), 7);
	assert_int_equal(chan_get_rest(&c, &s), 4);
	assert_memory_equal(s, "tail", 4);
	assert_true(chan_cursor_done(&c));
	assert_int_equal(chan_get_rest(&c, &s), 0);
	chan_cursor_init(&c, sb.buf, sb.len);
	(void)chan_get_u64(&c);
	assert_int_equal(chan_get_rest(&c, &s), 0);
	assert_string_equal(s, "");
	sbuf_free(&sb);
}

static void
sha256_known_answer(void **state)
{
	char hex[PT_SHA256_HEX];

	(void)state;
	pt_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
}

static void
sbuf_grows(void **state)
{
	struct sbuf sb = SBUF_INIT;
	int i;
	char *s;

	(void)state;
	for (i = 0; i < 10000; i++)
		sbuf_printf(&sb, "%d,", i % 10);
	assert_int_equal(sb.len, 20000);
	assert_int_equal(sb.buf[sb.len], '\0');
	s = sbuf_steal(&sb);
	assert_null(sb.buf);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip_fields),
		cmocka_unit_test(short_input_is_bad),
		cmocka_unit_test(records_are_framed),
		cmocka_unit_test(oversized_record_is_refused),
		cmocka_unit_test(split_waits_for_whole_records),
		cmocka_unit_test(rest_of_record),
		cmocka_unit_test(sha256_known_answer),
		cmocka_unit_test(sbuf_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
