/*
 * unpack.c - the intake child's archive reader; see unpack.h.
 *
 * This is the only code that parses archive bytes, and it runs in the
 * sandboxed child.  Following bsdtar's read loop, every libarchive return
 * below ARCHIVE_OK ends the stream (ARCHIVE_WARN included: a warning about
 * a header or a data block means the archive is not what it claims).
 */
#include <string.h>

#include "archive_lib.h"
#include "channel.h"
#include "unpack.h"

/* libarchive, loaded by the parent before the child started. */
static const struct archive_lib *al;

struct out {
	unpack_emit_fn emit;
	void *arg;
};

/* Emit one record of `type` in channel.h's framing.  The header and the
 * payload go out separately, so a data block is never copied. */
static int
emit_rec(struct out *o, enum unpack_rec type, const void *p, size_t n)
{
	uint8_t h[CHAN_HEADER_SIZE];

	chan_encode_header(h, (uint8_t)type, (uint32_t)n);
	if (o->emit(o->arg, h, sizeof(h)) < 0)
		return -1;
	if (n > 0 && o->emit(o->arg, p, n) < 0)
		return -1;
	return 0;
}

static int
emit_error(struct out *o, struct archive *a, const char *fallback)
{
	const char *msg = al->archive_error_string(a);

	if (msg == NULL || *msg == '\0')
		msg = fallback;
	return emit_rec(o, UNPACK_ERROR, msg, strlen(msg));
}

const char *
bundle_kind_name(enum bundle_kind k)
{
	switch (k) {
	case BUNDLE_TAR:
		return "tar";
	case BUNDLE_TAR_GZ:
		return "tar.gz";
	case BUNDLE_TAR_ZST:
		return "tar.zst";
	case BUNDLE_ZIP:
		return "zip";
	}
	return "?";
}

int
unpack_expected_format(enum bundle_kind k)
{
	return k == BUNDLE_ZIP ? ARCHIVE_FORMAT_ZIP : ARCHIVE_FORMAT_TAR;
}

int
unpack_expected_filter(enum bundle_kind k)
{
	return k == BUNDLE_TAR_GZ    ? ARCHIVE_FILTER_GZIP
	       : k == BUNDLE_TAR_ZST ? ARCHIVE_FILTER_ZSTD
				     : ARCHIVE_FILTER_NONE;
}

/* Enable exactly the format and filter for `k`.  Never *_all(), never a
 * program filter; a warning at registration (libarchive falling back to
 * an external program when built without the library) is a failure. */
static int
enable_kind(struct archive *a, enum bundle_kind k)
{
	if (k == BUNDLE_ZIP)
		return al->archive_read_support_format_zip(a) == ARCHIVE_OK
			   ? 0
			   : -1;
	if (al->archive_read_support_format_tar(a) != ARCHIVE_OK)
		return -1;
	if (k == BUNDLE_TAR_GZ)
		return al->archive_read_support_filter_gzip(a) == ARCHIVE_OK
			   ? 0
			   : -1;
	if (k == BUNDLE_TAR_ZST)
		return al->archive_read_support_filter_zstd(a) == ARCHIVE_OK
			   ? 0
			   : -1;
	return 0;
}

static enum unpack_kind
entry_kind(struct archive_entry *e)
{
	if (al->archive_entry_hardlink(e) != NULL)
		return UNPACK_HARDLINK;
	switch (al->archive_entry_filetype(e)) {
	case AE_IFREG:
		return al->archive_entry_symlink(e) != NULL ? UNPACK_SYMLINK
							    : UNPACK_FILE;
	case AE_IFDIR:
		return UNPACK_DIR;
	case AE_IFLNK:
		return UNPACK_SYMLINK;
	case AE_IFCHR:
	case AE_IFBLK:
		return UNPACK_DEVICE;
	case AE_IFIFO:
		return UNPACK_FIFO;
	case AE_IFSOCK:
		return UNPACK_SOCKET;
	default:
		return UNPACK_OTHER;
	}
}

static int
emit_entry(struct out *o, struct archive *a, struct archive_entry *e,
	   enum unpack_kind kind, bool warned)
{
	const char *name = al->archive_entry_pathname(e);
	const char *warning = warned ? al->archive_error_string(a) : NULL;
	struct sbuf rec = SBUF_INIT;
	size_t n;
	uint8_t flags = 0;
	int rc;

	if (name == NULL)
		name = al->archive_entry_pathname_utf8(e);
	if (name == NULL)
		name = "";
	if (warned && (warning == NULL || *warning == '\0'))
		warning = "libarchive warned about this entry";
	n = strlen(name);
	if (n > UNPACK_NAME_MAX) {
		n = UNPACK_NAME_MAX;
		flags |= UNPACK_F_NAME_CUT;
	}
	if (al->archive_entry_sparse_count(e) > 0)
		flags |= UNPACK_F_SPARSE;
	if (al->archive_entry_is_encrypted(e))
		flags |= UNPACK_F_ENCRYPTED;
	chan_put_u8(&rec, (uint8_t)kind);
	chan_put_u8(&rec, flags);
	chan_put_str(&rec, name, n);
	if (warning != NULL) {
		size_t w = strlen(warning);

		/* The warning is the rest of the record, without a length. */
		sbuf_add(&rec, warning, w > 512 ? 512 : w);
	}
	rc = emit_rec(o, UNPACK_ENTRY, rec.buf, rec.len);
	sbuf_free(&rec);
	return rc;
}

/* Stream one regular file's data.  1 when the archive cannot go on. */
static int
copy_data(struct out *o, struct archive *a)
{
	int64_t expect = 0;

	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;
		int r = al->archive_read_data_block(a, &buf, &size, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			if (emit_error(o, a, "cannot read entry data") < 0)
				return -1;
			return 1;
		}
		/* A jump in the offset is a hole: a sparse entry that
		 * did not say so in its header. */
		if (off != expect)
			return emit_rec(o, UNPACK_HOLE, NULL, 0) < 0 ? -1 : 0;
		expect += (int64_t)size;
		while (size > 0) {
			size_t k =
			    size < UNPACK_REC_MAX ? size : UNPACK_REC_MAX;

			if (emit_rec(o, UNPACK_DATA, buf, k) < 0)
				return -1;
			buf = (const char *)buf + k;
			size -= k;
		}
	}
	return emit_rec(o, UNPACK_EOE, NULL, 0) < 0 ? -1 : 0;
}

static int
read_all(struct out *o, struct archive *a)
{
	struct archive_entry *e;
	struct sbuf end = SBUF_INIT;
	int r;

	for (;;) {
		enum unpack_kind kind;

		r = al->archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return emit_error(o, a, "cannot read the next entry");
		kind = entry_kind(e);
		if (emit_entry(o, a, e, kind, r == ARCHIVE_WARN) < 0)
			return -1;
		if (kind != UNPACK_FILE)
			continue;
		r = copy_data(o, a);
		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	chan_put_u32(&end, (uint32_t)al->archive_format(a));
	chan_put_u32(&end, (uint32_t)al->archive_filter_code(a, 0));
	r = emit_rec(o, UNPACK_END, end.buf, end.len);
	sbuf_free(&end);
	return r;
}

int
unpack_stream(int fd, enum bundle_kind k, unpack_emit_fn emit, void *arg)
{
	struct out o = { emit, arg };
	struct archive *a;
	int rc;

	if (emit_rec(&o, UNPACK_HELLO, NULL, 0) < 0)
		return -1;
	al = archive_lib_loaded();
	if (al == NULL) {
		static const char msg[] = "libarchive is not loaded";

		return emit_rec(&o, UNPACK_ERROR, msg, sizeof(msg) - 1);
	}
	a = al->archive_read_new();
	if (a == NULL) {
		static const char msg[] = "out of memory";

		return emit_rec(&o, UNPACK_ERROR, msg, sizeof(msg) - 1);
	}
	if (enable_kind(a, k) < 0)
		rc = emit_error(&o, a, "cannot enable the archive format");
	else if (al->archive_read_open_fd(a, fd, 128 * 1024) != ARCHIVE_OK)
		rc = emit_error(&o, a, "not a readable archive");
	else
		rc = read_all(&o, a);
	al->archive_read_free(a);
	return rc;
}
