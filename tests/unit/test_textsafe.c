/* test_textsafe.c - the UTF-8 codec and the table of what is taken out of
 * hostile text where (textsafe.h), one sample character per class. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "textsafe.h"
#include "util.h"

static void
decode_and_validate(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
	assert_int_equal(cp, 0x1f600);
	assert_int_equal(utf8_decode("\xc0\xaf", 2, &cp), 0); /* overlong */
	assert_int_equal(utf8_decode("\xe0\x80\xaf", 3, &cp), 0);
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp),
			 0); /* surrogate */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 2, &cp), 0); /* short */
	assert_int_equal(utf8_decode("\xe2\x82", 3, &cp), 0); /* NUL-ended */
	assert_int_equal(utf8_decode("\x80", 1, &cp), 0);
	assert_int_equal(utf8_decode("\xf8\x88\x80\x80", 4, &cp), 0);

	assert_true(utf8_valid("caf\xc3\xa9", 5));
	assert_true(utf8_valid("a\0b", 3));
	assert_false(utf8_valid("\xc0\xaf", 2));
	assert_false(utf8_valid("ok\xe2\x82", 4));
	assert_false(utf8_valid("\x80", 1));
}

static void
encode_roundtrip(void **state)
{
	static const uint32_t cps[] = { 0x41,  0x7f,   0x80,	0x7ff,
					0x800, 0xfffd, 0x10000, 0x10ffff };
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(cps); i++) {
		struct sbuf sb = SBUF_INIT;
		uint32_t back = 0;

		utf8_encode(&sb, cps[i]);
		assert_int_equal(utf8_decode(sb.buf, sb.len, &back), sb.len);
		assert_int_equal(back, cps[i]);
		sbuf_free(&sb);
	}
}

/* One character of each class, as UTF-8. */
static const struct sample {
	const char *text;
	unsigned cls;
} samples[] = {
	{ "\x80", TEXT_INVALID },
	{ "\0", TEXT_NUL },
	{ "\x1b", TEXT_C0 },
	{ "\t", TEXT_TAB },
	{ "\n", TEXT_LF },
	{ "\x7f", TEXT_C1 },
	{ "\xc2\x9b", TEXT_C1 },	    /* CSI */
	{ "\xe2\x80\xae", TEXT_BIDI },	    /* U+202E override */
	{ "\xe2\x81\xa6", TEXT_BIDI },	    /* U+2066 isolate */
	{ "\xe2\x80\x8e", TEXT_BIDI },	    /* U+200E mark */
	{ "\xe2\x80\x8f", TEXT_BIDI },	    /* U+200F mark */
	{ "\xd8\x9c", TEXT_BIDI },	    /* U+061C Arabic mark */
	{ "\xe2\x80\xa8", TEXT_LINESEP },   /* U+2028 */
	{ "\xe2\x80\x8b", TEXT_INVISIBLE }, /* U+200B */
	{ "\xef\xbb\xbf", TEXT_INVISIBLE }, /* U+FEFF */
	{ "\xcc\x81", TEXT_COMBINING },	    /* U+0301 */
	{ "\xc3\xa9", 0 },		    /* é: ordinary */
	{ "\xe2\x82\xac", 0 },		    /* €: ordinary */
};

/* The rows of textsafe.h's table: which classes each context takes out. */
static const struct context {
	const char *name;
	unsigned remove;
	unsigned expected;
} contexts[] = {
	{ "report text", TEXT_FOR_REPORT,
	  TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_TAB | TEXT_LF | TEXT_C1 |
	      TEXT_BIDI },
	{ "report text, lines", TEXT_FOR_REPORT_LINES,
	  TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_C1 | TEXT_BIDI },
	{ "run.log, errors", TEXT_FOR_LOG,
	  TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_LF | TEXT_C1 | TEXT_BIDI },
	{ "run.log, lines", TEXT_FOR_LOG_LINES,
	  TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_C1 | TEXT_BIDI },
	{ "names on a terminal", TEXT_FOR_TERMINAL,
	  TEXT_INVALID | TEXT_NUL | TEXT_C0 | TEXT_TAB | TEXT_LF | TEXT_C1 |
	      TEXT_BIDI },
	{ "JSON strings", TEXT_FOR_JSON, TEXT_INVALID | TEXT_NUL },
};

static size_t
sample_len(const struct sample *s)
{
	return s->cls == TEXT_NUL ? 1 : strlen(s->text);
}

static void
classes_of_samples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(samples); i++) {
		uint32_t cp = 0;
		size_t len =
		    utf8_decode(samples[i].text, sample_len(&samples[i]), &cp);

		if (samples[i].cls == TEXT_INVALID) {
			assert_int_equal(len, 0);
			continue;
		}
		assert_int_equal(len, sample_len(&samples[i]));
		assert_true((text_classes(cp) & samples[i].cls) ==
			    samples[i].cls);
		if (samples[i].cls == 0)
			assert_int_equal(text_classes(cp), 0);
	}
}

/* Every context, every sample, in both writers: a sample is replaced
 * (U+FFFD) or escaped (\xNN per byte) exactly when its context takes its
 * class out, and otherwise copied as it is. */
static void
table_holds(void **state)
{
	size_t i, j, k;

	(void)state;
	for (i = 0; i < PT_ARRAY_LEN(contexts); i++) {
		for (j = 0; j < PT_ARRAY_LEN(samples); j++) {
			const struct sample *s = &samples[j];
			size_t n = sample_len(s);
			bool out = (s->cls & contexts[i].expected) != 0;
			struct sbuf r = SBUF_INIT, e = SBUF_INIT,
				    want = SBUF_INIT;
			size_t replaced;

			sbuf_adds(&r, "<");
			replaced = text_replace(&r, s->text, n, 64,
						contexts[i].remove);
			sbuf_adds(&r, ">");
			sbuf_adds(&want, "<");
			if (out)
				sbuf_adds(&want, "\xef\xbf\xbd");
			else
				sbuf_add(&want, s->text, n);
			sbuf_adds(&want, ">");
			assert_int_equal(replaced, out ? 1 : 0);
			assert_int_equal(r.len, want.len);
			assert_memory_equal(r.buf, want.buf, want.len);

			sbuf_reset(&want);
			text_escape(&e, s->text, n, contexts[i].remove);
			/* text_escape always takes out invalid bytes. */
			if (out || s->cls == TEXT_INVALID)
				for (k = 0; k < n; k++)
					sbuf_printf(&want, "\\x%02x",
						    (unsigned char)s->text[k]);
			else
				sbuf_add(&want, s->text, n);
			assert_int_equal(e.len, want.len);
			assert_memory_equal(e.buf, want.buf, want.len);
			sbuf_free(&r);
			sbuf_free(&e);
			sbuf_free(&want);
		}
	}
}

static void
replace_cuts_at_a_character(void **state)
{
	struct sbuf sb = SBUF_INIT;
	char *d;

	(void)state;
	/* "aé€" is 1 + 2 + 3 bytes; a cap of 4 keeps "aé". */
	text_replace(&sb, "a\xc3\xa9\xe2\x82\xac", 6, 4, TEXT_FOR_REPORT);
	assert_string_equal(sb.buf, "a\xc3\xa9 … [3 bytes cut]");
	sbuf_free(&sb);
	/* An invalid byte is replaced one byte at a time. */
	text_replace(&sb, "x\xe2\x82y", 4, 64, TEXT_FOR_REPORT);
	assert_string_equal(sb.buf, "x\xef\xbf\xbd\xef\xbf\xbdy");
	sbuf_free(&sb);
	d = text_clean_dup("tab\there", 64, true);
	assert_string_equal(d, "tab\there");
	free(d);
	d = text_clean_dup("tab\there", 64, false);
	assert_string_equal(d, "tab\xef\xbf\xbdhere");
	free(d);
	d = text_clean_dup(NULL, 64, false);
	assert_string_equal(d, "");
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_and_validate),
		cmocka_unit_test(encode_roundtrip),
		cmocka_unit_test(classes_of_samples),
		cmocka_unit_test(table_holds),
		cmocka_unit_test(replace_cuts_at_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
