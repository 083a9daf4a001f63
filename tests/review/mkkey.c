/*
 * mkkey.c - write a key pair from a fixed seed, for tests whose signatures
 * must be the same on every run (golden statements): mkkey DIR NAME EMAIL
 * SEED, where SEED is any text; the key's seed is its SHA-256.
 */
#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include "sign.h"

int
main(int argc, char **argv)
{
	struct sha256_ctx ctx;
	uint8_t seed[KEY_SIZE];
	struct pt_err err = { 0, "" };
	struct key k;

	if (argc != 5) {
		fprintf(stderr, "usage: mkkey DIR NAME EMAIL SEED\n");
		return 64;
	}
	sha256_init(&ctx);
	sha256_update(&ctx, strlen(argv[4]), (const uint8_t *)argv[4]);
	sha256_digest(&ctx, sizeof(seed), seed);
	key_from_seed(argv[2], argv[3], seed, &k);
	if (key_write_pair(argv[1], &k, &err) < 0) {
		fprintf(stderr, "mkkey: %s\n", err.msg);
		return 1;
	}
	key_fini(&k);
	return 0;
}
