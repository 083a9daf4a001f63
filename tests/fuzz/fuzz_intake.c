/*
 * fuzz_intake.c - libFuzzer harness over the archive intake path: the
 * child's libarchive reader (unpack_stream) feeding the parent's record
 * parser and entry checks (receiver) in one process, for every bundle kind.
 *
 * Build:  CC=clang meson setup build-fuzz -Dfuzzers=true \
 *             -Db_sanitize=address,undefined -Db_lundef=false
 *         ninja -C build-fuzz tests/fuzz/fuzz_intake
 * Run:    build-fuzz/tests/fuzz/fuzz_intake -max_total_time=60 CORPUS/
 *         (tests/fuzz/run.sh seeds a corpus and runs it briefly)
 *
 * The first input byte picks the kind (tar, tar.gz, tar.zst, zip); the rest
 * is the archive.  Limits are small so bombs end quickly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive_lib.h"
#include "bundle.h"
#include "receive.h"
#include "unpack.h"

static const struct profile_bundle lim = {
	.max_bytes = 8 << 20,
	.max_entries = 1000,
	.max_file_bytes = 4 << 20,
	.max_ratio = 200,
	.max_depth = 16,
	.max_path = 255,
};

static int
to_receiver(void *arg, const void *p, size_t n)
{
	struct receiver *r = arg;

	/* Once the receiver stopped, the child would have been killed. */
	if (r->stopped || r->failed)
		return -1;
	return receiver_feed(r, p, n) < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct intake_problems problems = { NULL, 0 };
	struct receiver r;
	struct bundle b;
	int fd;

	if (size < 1 || archive_lib_load(NULL) == NULL)
		return 0;
	fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0 || pt_write_all(fd, data + 1, size - 1) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0)
		abort();
	memset(&b, 0, sizeof(b));
	receiver_init(&r, (enum bundle_kind)(data[0] % 4), &lim, size, &b,
		      &problems);
	(void)unpack_stream(fd, r.kind, to_receiver, &r);
	if (r.failed)
		abort(); /* a system error, never the input's fault */
	receiver_fini(&r);
	bundle_finish(&b);
	bundle_fini(&b);
	intake_problems_fini(&problems);
	close(fd);
	return 0;
}
