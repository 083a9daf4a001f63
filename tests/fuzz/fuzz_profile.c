/*
 * fuzz_profile.c - libFuzzer harness for the two INI parsers that read
 * input from outside: the profile (custodian) and the manifest (hostile
 * bundle).  Each input is fed to both; whatever is accepted is also
 * serialised, so the JSON copy of a profile is exercised too.
 *
 *   CC=clang meson setup build-fuzz -Dfuzzers=true \
 *       -Db_sanitize=address,undefined
 *   ninja -C build-fuzz tests/fuzz/fuzz_profile
 *   build-fuzz/tests/fuzz/fuzz_profile -max_total_time=60 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "manifest.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_err err = { 0, "" };
	struct profile *p = NULL;
	struct manifest *m = NULL;

	if (profile_parse((const char *)data, size, "fuzz.ini", &p, &err) ==
	    0) {
		struct jv *j = profile_to_json(p);
		struct sbuf sb = SBUF_INIT;

		jv_write(j, &sb);
		sbuf_free(&sb);
		jv_free(j);
		profile_free(p);
	}
	if (manifest_parse((const char *)data, size, &m, &err) == 0)
		manifest_free(m);
	return 0;
}
