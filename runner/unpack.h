/*
 * unpack.h - the archive reader that runs in the sandboxed intake child,
 * and the record stream it sends to the parent.
 *
 * The child does as little as possible: it opens libarchive on a descriptor
 * it was handed, with exactly one format and at most one decompression
 * filter (chosen by the parent from the file name), and streams each entry
 * back.  It writes nothing anywhere else; it never needs open(), so it also
 * works with no file system at all.  Every check on what it sends is made
 * by the parent (receive.h), on the bytes that actually arrive.
 *
 * Wire format of one record (child to parent): channel.h's framing and
 * field encoding, with the record types below (their own numbering; the
 * intake stream is not the result channel):
 *
 *	u8 type | u32 length | payload[length]       (length <= UNPACK_REC_MAX)
 *
 *	UNPACK_HELLO   empty: the child's first write (the parent may then drop
 *	               its copy of the pipe's write end)
 *	UNPACK_ENTRY   u8 kind (enum unpack_kind), u8 flags (UNPACK_F_*),
 *	               str name (raw, as libarchive gives them, at most
 *	               UNPACK_NAME_MAX bytes), then the rest of the payload is
 *	               a warning libarchive gave for the header (empty when
 *	               none)
 *	UNPACK_DATA    the next bytes of the current entry's contents
 *	UNPACK_HOLE    the current entry's data has a hole (sparse)
 *	UNPACK_EOE     end of the current entry
 *	UNPACK_ERROR   libarchive cannot go on: the message
 *	UNPACK_END     u32 archive_format(), u32 archive_filter_code(0): the
 *	               archive ended normally
 */
#ifndef PROEFTUIN_UNPACK_H
#define PROEFTUIN_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNPACK_REC_MAX (1u << 20)
#define UNPACK_NAME_MAX 8192u

enum unpack_rec {
	UNPACK_HELLO = 1,
	UNPACK_ENTRY,
	UNPACK_DATA,
	UNPACK_HOLE,
	UNPACK_EOE,
	UNPACK_ERROR,
	UNPACK_END,
};

enum unpack_kind {
	UNPACK_FILE = 1,
	UNPACK_DIR,
	UNPACK_SYMLINK,
	UNPACK_HARDLINK,
	UNPACK_DEVICE,
	UNPACK_FIFO,
	UNPACK_SOCKET,
	UNPACK_OTHER,
};

#define UNPACK_F_SPARSE 0x01
#define UNPACK_F_ENCRYPTED 0x02
#define UNPACK_F_NAME_CUT 0x04 /* name longer than UNPACK_NAME_MAX */

/* The archive kinds a bundle may be; the file name picks one. */
enum bundle_kind {
	BUNDLE_TAR = 0,
	BUNDLE_TAR_GZ,
	BUNDLE_TAR_ZST,
	BUNDLE_ZIP,
};

/* "tar", "tar.gz", "tar.zst" or "zip". */
const char *bundle_kind_name(enum bundle_kind k);

/* How the child hands records on: write them to a pipe, or (fuzzer, unit
 * tests) feed them straight to a receiver.  Returns 0 or -1 to stop. */
typedef int (*unpack_emit_fn)(void *arg, const void *p, size_t n);

/*
 * Read the archive on `fd` as kind `k` and emit every entry as records.
 * Returns 0 when the stream ended with UNPACK_END or UNPACK_ERROR, -1 when
 * `emit` failed.  Runs in the child: never opens a file, never prints.
 */
int unpack_stream(int fd, enum bundle_kind k, unpack_emit_fn emit, void *arg);

/* The expected archive_format() family and filter code for kind `k`. */
int unpack_expected_format(enum bundle_kind k);
int unpack_expected_filter(enum bundle_kind k);

#endif
