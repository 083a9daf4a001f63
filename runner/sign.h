/*
 * sign.h - Ed25519 keys of custodians and advisors, and DSSE envelopes.
 *
 * A key pair is two small text files in a keyring folder: NAME.key (the
 * 32-byte private seed, mode 0600) and NAME.pub (the public key), each
 * with the holder's name and e-mail address.  The key id is the SHA-256 of
 * the 32 public-key bytes in hex.  Which public keys are trusted is the
 * keyring's business, never the report's: a signature is only accepted
 * when its key id is in the keyring the caller loaded, so a forger cannot
 * ship their own key beside a forged record.
 *
 * Envelopes follow DSSE v1.0: the signature covers the pre-authentication
 * encoding "DSSEv1 LEN(type) type LEN(body) body"; the envelope is the
 * canonical JSON {payload, payloadType, signatures:[{keyid, sig}]} with
 * standard base64.  Ed25519 signatures are deterministic, so the same
 * payload and key always give the same envelope bytes.
 */
#ifndef PROEFTUIN_SIGN_H
#define PROEFTUIN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define KEY_SIZE 32
#define SIG_SIZE 64
#define KEY_NAME_MAX 64
#define INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

struct key {
	char name[KEY_NAME_MAX + 1]; /* letters, digits, '_', '-', '.' */
	char *email;
	uint8_t pub[KEY_SIZE];
	uint8_t seed[KEY_SIZE]; /* zero unless has_private */
	bool has_private;
	char keyid[PT_SHA256_HEX];
};

struct keyring {
	struct key *v;
	size_t n;
};

/* True when `name` may name a key (and so a file in the keyring). */
bool key_name_ok(const char *name);

/* A new key pair from the kernel's random source.  -1 with `err`. */
int key_generate(const char *name, const char *email, struct key *out,
		 struct pt_err *err);

/* A key pair from a given 32-byte seed (RFC 8032 test vectors, tests). */
void key_from_seed(const char *name, const char *email,
		   const uint8_t seed[KEY_SIZE], struct key *out);

/* The text of NAME.pub / NAME.key for `k`. */
void key_public_text(const struct key *k, struct sbuf *out);
void key_private_text(const struct key *k, struct sbuf *out);

/*
 * Write NAME.key (0600) and NAME.pub into `dir` (created 0700 if absent),
 * refusing to replace either: EX_CANTCREAT when one exists.
 */
int key_write_pair(const char *dir, const struct key *k, struct pt_err *err);

/* Parse a key file's text; `origin` names it in messages.  A .key file
 * gives a key with has_private.  EX_DATAERR on a malformed file. */
int key_parse(const char *text, size_t len, const char *origin, struct key *out,
	      struct pt_err *err);
/* Read and parse DIR/NAME.key (refused unless mode 0600 or stricter). */
int key_load_private(const char *dir, const char *name, struct key *out,
		     struct pt_err *err);

/* Every DIR/ *.pub; a missing folder is an empty keyring. */
int keyring_load(const char *dir, struct keyring *out, struct pt_err *err);
const struct key *keyring_find(const struct keyring *ring, const char *keyid);
void keyring_fini(struct keyring *ring);
void key_fini(struct key *k);

/* The DSSE v1 pre-authentication encoding of (type, body). */
void dsse_pae(const char *type, const void *body, size_t len, struct sbuf *out);

/* The envelope (canonical JSON and a newline) of `payload` signed by `k`,
 * which must have its private half. */
void dsse_sign(const struct key *k, const char *type, const void *payload,
	       size_t len, struct sbuf *out);

/*
 * Open an envelope: parse it, check that it has exactly one signature,
 * whose key is in `ring` and verifies over the PAE of its payload, and
 * whose payloadType is `type`.  On success the payload is in `payload`
 * and `*signer` points into `ring`.  -1 with a message in `err` (code
 * EX_DATAERR) that says which check failed.
 */
int dsse_open(const char *text, size_t len, const char *type,
	      const struct keyring *ring, struct sbuf *payload,
	      const struct key **signer, struct pt_err *err);

/* Standard base64 (with padding); decoding also accepts URL-safe base64
 * as DSSE asks of verifiers.  Decoding returns -1 on malformed input. */
void pt_base64_encode(const void *p, size_t n, struct sbuf *out);
int pt_base64_decode(const char *s, size_t n, struct sbuf *out);

#endif
