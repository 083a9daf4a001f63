/*
 * test_sign.c - Ed25519 keys and DSSE envelopes (runner/sign.c): the
 * RFC 8032 and DSSE test vectors, strict base64, key files, and every way
 * an envelope can be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nettle/eddsa.h>

#include "sign.h"

static void
unhex(const char *s, uint8_t *out)
{
	size_t i;

	for (i = 0; s[2 * i] != '\0'; i++) {
		unsigned v;

		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

/* RFC 8032 section 7.1, TEST 1: the empty message. */
static void
test_rfc8032_vector(void **state)
{
	uint8_t seed[32];
	struct key k;
	char hex[65];

	(void)state;
	unhex(
	    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    seed);
	key_from_seed("t", "t@example.org", seed, &k);
	pt_hex(k.pub, 32, hex);
	assert_string_equal(
	    hex,
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
	{
		uint8_t sig[64];
		char sighex[129];

		ed25519_sha512_sign(k.pub, k.seed, 0, (const uint8_t *)"", sig);
		pt_hex(sig, 64, sighex);
		assert_string_equal(
		    sighex, "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d8"
			    "73e065224901555fb8821590a33bacc61e39701cf9b46bd25"
			    "bf5f0595bbe24655141438e7a100b");
	}
	key_fini(&k);
}

/* The DSSE protocol's own example of the pre-authentication encoding. */
static void
test_pae_vector(void **state)
{
	struct sbuf s = SBUF_INIT;

	(void)state;
	dsse_pae("http://example.com/HelloWorld", "hello world", 11, &s);
	assert_string_equal(s.buf,
			    "DSSEv1 29 http://example.com/HelloWorld 11 hello "
			    "world");
	sbuf_free(&s);
}

static void
test_base64(void **state)
{
	static const char *const bad[] = { "A",
					   "AB=C",
					   "A===",
					   "AB$D",
					   "AB==AB==",
					   "AB"
					   "\n"
					   "CD",
					   "AR==" };
	struct sbuf s = SBUF_INIT;
	size_t i;

	(void)state;
	pt_base64_encode("\xfb\xff", 2, &s);
	assert_string_equal(s.buf, "+/8=");
	sbuf_reset(&s);
	assert_int_equal(pt_base64_decode("+/8=", 4, &s), 0);
	assert_memory_equal(s.buf, "\xfb\xff", 2);
	sbuf_reset(&s);
	/* DSSE: verifiers accept URL-safe base64 too, padded or not. */
	assert_int_equal(pt_base64_decode("-_8", 3, &s), 0);
	assert_memory_equal(s.buf, "\xfb\xff", 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sbuf_reset(&s);
		assert_int_equal(pt_base64_decode(bad[i], strlen(bad[i]), &s),
				 -1);
	}
	sbuf_free(&s);
}

static void
make_key(const char *name, char c, struct key *k)
{
	uint8_t seed[32];
	char *email = NULL;

	memset(seed, c, sizeof(seed));
	email = malloc(strlen(name) + 16);
	sprintf(email, "%s@example.org", name);
	key_from_seed(name, email, seed, k);
	free(email);
}

/* Sign with `signer`; open against a ring holding `ring_key`. */
static int
open_with(const struct sbuf *env, const struct key *ring_key,
	  struct sbuf *payload, struct pt_err *err)
{
	struct key copy = *ring_key;
	struct keyring ring = { &copy, 1 };
	const struct key *who;

	return dsse_open(env->buf, env->len, INTOTO_PAYLOAD_TYPE, &ring,
			 payload, &who, err);
}

static void
test_envelope(void **state)
{
	struct sbuf env = SBUF_INIT, again = SBUF_INIT, payload = SBUF_INIT;
	struct pt_err err = { 0, "" };
	struct key a, b;
	char *p;

	(void)state;
	make_key("alice", 'a', &a);
	make_key("bob", 'b', &b);
	dsse_sign(&a, INTOTO_PAYLOAD_TYPE, "{\"x\":1}", 7, &env);
	dsse_sign(&a, INTOTO_PAYLOAD_TYPE, "{\"x\":1}", 7, &again);
	/* Deterministic: a re-run gives the same bytes. */
	assert_int_equal(env.len, again.len);
	assert_memory_equal(env.buf, again.buf, env.len);
	assert_int_equal(open_with(&env, &a, &payload, &err), 0);
	assert_int_equal(payload.len, 7);
	assert_memory_equal(payload.buf, "{\"x\":1}", 7);

	/* A key outside the keyring is not trusted, however well it signs. */
	assert_int_equal(open_with(&env, &b, &payload, &err), -1);
	assert_non_null(strstr(err.msg, "not in the keyring"));

	/* A changed payload (the same length, one character) fails. */
	p = strstr(again.buf, "\"payload\":\"") + 11;
	p[2] = p[2] == 'A' ? 'B' : 'A';
	assert_int_equal(open_with(&again, &a, &payload, &err), -1);
	assert_true(strstr(err.msg, "does not verify") != NULL ||
		    strstr(err.msg, "base64") != NULL);

	/* Another payload type is refused. */
	sbuf_reset(&again);
	dsse_sign(&a, "text/plain", "x", 1, &again);
	assert_int_equal(open_with(&again, &a, &payload, &err), -1);
	assert_non_null(strstr(err.msg, "payload type"));

	/* Two signatures, or none, are refused: one author per record. */
	sbuf_reset(&again);
	sbuf_adds(&again,
		  "{\"payload\":\"eA==\",\"payloadType\":\"" INTOTO_PAYLOAD_TYPE
		  "\",\"signatures\":[]}");
	assert_int_equal(open_with(&again, &a, &payload, &err), -1);
	assert_non_null(strstr(err.msg, "0 signatures"));
	sbuf_reset(&again);
	sbuf_adds(&again, "not json");
	assert_int_equal(open_with(&again, &a, &payload, &err), -1);

	key_fini(&a);
	key_fini(&b);
	sbuf_free(&env);
	sbuf_free(&again);
	sbuf_free(&payload);
}

static void
test_key_files(void **state)
{
	struct pt_err err = { 0, "" };
	struct sbuf text = SBUF_INIT;
	struct key a, back;

	(void)state;
	make_key("alice", 'a', &a);
	key_private_text(&a, &text);
	assert_int_equal(key_parse(text.buf, text.len, "t", &back, &err), 0);
	assert_true(back.has_private);
	assert_memory_equal(back.pub, a.pub, 32);
	assert_string_equal(back.keyid, a.keyid);
	key_fini(&back);
	/* A public key that does not match the private one is refused. */
	text.buf[strstr(text.buf, "public = ") - text.buf + 9] ^= 1;
	assert_int_equal(key_parse(text.buf, text.len, "t", &back, &err), -1);
	sbuf_reset(&text);
	key_public_text(&a, &text);
	assert_int_equal(key_parse(text.buf, text.len, "t", &back, &err), 0);
	assert_false(back.has_private);
	key_fini(&back);
	/* Unknown or repeated keys, bad names, missing fields. */
	assert_int_equal(
	    key_parse("name = a\nname = b\n", 18, "t", &back, &err), -1);
	assert_int_equal(key_parse("name = ../x\n", 12, "t", &back, &err), -1);
	assert_int_equal(
	    key_parse("name = a\nemail = a@b\n", 21, "t", &back, &err), -1);
	assert_false(key_name_ok("../x"));
	assert_false(key_name_ok(".hidden"));
	assert_false(key_name_ok(""));
	assert_true(key_name_ok("a.jansen"));
	key_fini(&a);
	sbuf_free(&text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8032_vector),
		cmocka_unit_test(test_pae_vector),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_key_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
