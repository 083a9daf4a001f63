/* receive.c - the parent's side of archive intake; see receive.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>

#include "channel.h"
#include "receive.h"
#include "textsafe.h"

#define BUF_CAP (2 * (UNPACK_REC_MAX + CHAN_HEADER_SIZE))

void
receiver_init(struct receiver *r, enum bundle_kind kind,
	      const struct profile_bundle *lim, uint64_t archive_bytes,
	      struct bundle *b, struct intake_problems *problems)
{
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->lim = lim;
	r->archive_bytes = archive_bytes;
	r->b = b;
	r->problems = problems;
	r->seen = pathset_new();
	r->cap = BUF_CAP;
	r->buf = xmalloc(r->cap);
	r->sink.fd = -1;
}

void
receiver_fini(struct receiver *r)
{
	bundle_sink_abort(&r->sink);
	pathset_free(r->seen);
	free(r->buf);
	free(r->name);
	r->seen = NULL;
	r->buf = NULL;
	r->name = NULL;
}

char *
receive_display_name(const char *p, size_t n)
{
	struct sbuf sb = SBUF_INIT;

	text_escape(&sb, p, n, TEXT_FOR_TERMINAL);
	return sbuf_steal(&sb);
}

/* Record a reason against the current entry (or the archive). */
static void refuse(struct receiver *r, const char *entry, const char *fmt, ...)
    PT_PRINTF(3, 4);

static void
refuse(struct receiver *r, const char *entry, const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	intake_problem_add(r->problems, entry != NULL ? entry : "", "%s",
			   sb.buf != NULL ? sb.buf : "");
	sbuf_free(&sb);
}

/* A stream the child cannot produce honestly: stop it. */
static int
malformed(struct receiver *r, const char *what)
{
	refuse(r, r->name, "the unpacker sent a malformed stream (%s)", what);
	r->stopped = true;
	return -1;
}

static int
too_many(struct receiver *r)
{
	if (r->problems->n < RECEIVE_MAX_PROBLEMS)
		return 0;
	refuse(r, "", "more than %d problems; intake stopped",
	       RECEIVE_MAX_PROBLEMS);
	r->stopped = true;
	return -1;
}

static const char *
kind_reason(enum unpack_kind k)
{
	switch (k) {
	case UNPACK_FILE:
	case UNPACK_DIR:
		return NULL;
	case UNPACK_SYMLINK:
		return "symbolic links are not allowed";
	case UNPACK_HARDLINK:
		return "hard links are not allowed";
	case UNPACK_DEVICE:
		return "device nodes are not allowed";
	case UNPACK_FIFO:
		return "FIFOs are not allowed";
	case UNPACK_SOCKET:
		return "sockets are not allowed";
	case UNPACK_OTHER:
		break;
	}
	return "entries of this type are not allowed";
}

/* Decide on an entry from its header alone. */
static const char *
judge_entry(struct receiver *r, enum unpack_kind kind, unsigned flags,
	    const char *raw, size_t n, const char *warning, char *buf,
	    size_t bufsize)
{
	const char *why = kind_reason(kind);
	char *path;

	if (why != NULL)
		return why;
	if (flags & UNPACK_F_NAME_CUT) {
		snprintf(buf, bufsize, "path longer than %lld bytes",
			 (long long)r->lim->max_path);
		return buf;
	}
	if (n == 0 && *warning != '\0') {
		snprintf(buf, bufsize, "unreadable name: %s", warning);
		return buf;
	}
	why = pathcheck_name(raw, n, kind == UNPACK_DIR, r->lim->max_path,
			     r->lim->max_depth, buf, bufsize);
	if (why != NULL)
		return why;
	if (flags & UNPACK_F_ENCRYPTED)
		return "encrypted entries are not allowed";
	if (flags & UNPACK_F_SPARSE)
		return "sparse entries are not allowed";
	if (*warning != '\0') {
		snprintf(buf, bufsize, "damaged entry: %s", warning);
		return buf;
	}
	path = xstrndup(raw, n);
	if (kind == UNPACK_DIR && n > 0 && path[n - 1] == '/')
		path[n - 1] = '\0';
	why = pathset_add(r->seen, path, kind == UNPACK_DIR, buf, bufsize);
	free(path);
	return why;
}

static int
on_entry(struct receiver *r, const unsigned char *p, size_t len)
{
	char buf[512], *warning;
	const char *why, *name, *rest;
	struct chan_cursor c;
	enum unpack_kind kind;
	unsigned flags;
	size_t n, nrest;

	if (r->in_entry || len < 6)
		return malformed(r, "entry header");
	chan_cursor_init(&c, p, len);
	kind = (enum unpack_kind)chan_get_u8(&c);
	flags = chan_get_u8(&c);
	n = chan_get_str(&c, &name);
	if (c.bad || n > UNPACK_NAME_MAX)
		return malformed(r, "entry name");
	nrest = chan_get_rest(&c, &rest);
	warning = receive_display_name(rest, nrest);
	len = n;
	p = (const unsigned char *)name;
	/* `tar -C dir -cf x.tar .` names everything "./...": drop that
	 * prefix, and the entry "./" itself (it still counts as an entry). */
	while (n >= 2 && p[0] == '.' && p[1] == '/') {
		p += 2;
		n -= 2;
	}
	free(r->name);
	r->name = receive_display_name((const char *)p, n);
	if (++r->entries > (uint64_t)r->lim->max_entries) {
		refuse(r, r->name, "more than %lld entries",
		       (long long)r->lim->max_entries);
		free(warning);
		r->stopped = true;
		return -1;
	}
	if (kind == UNPACK_DIR && *warning == '\0' &&
	    ((n == 0 && len > 0) || (n == 1 && p[0] == '.'))) {
		free(warning);
		return 0;
	}
	why = judge_entry(r, kind, flags, (const char *)p, n, warning, buf,
			  sizeof(buf));
	free(warning);
	r->in_entry = kind == UNPACK_FILE;
	r->accept = why == NULL && r->in_entry;
	r->entry_bytes = 0;
	if (why != NULL) {
		refuse(r, r->name, "%s", why);
		return too_many(r);
	}
	if (r->accept && bundle_sink_open(&r->sink, &r->err) < 0) {
		r->failed = true;
		return -1;
	}
	return 0;
}

static int
on_data(struct receiver *r, const unsigned char *p, size_t n)
{
	const struct profile_bundle *lim = r->lim;

	if (!r->in_entry)
		return malformed(r, "data outside a file");
	r->entry_bytes += n;
	r->total += n;
	/* Counted on bytes received, never on declared sizes: this is what
	 * stops zip bombs with overlapping entries and lying size fields. */
	if (r->entry_bytes > (uint64_t)lim->max_file_bytes) {
		refuse(r, r->name, "file larger than %lld bytes",
		       (long long)lim->max_file_bytes);
		r->stopped = true;
		return -1;
	}
	if (r->total > (uint64_t)lim->max_bytes) {
		refuse(r, r->name, "bundle larger than %lld bytes",
		       (long long)lim->max_bytes);
		r->stopped = true;
		return -1;
	}
	if (r->total > RECEIVE_RATIO_FLOOR &&
	    r->total / (uint64_t)lim->max_ratio > r->archive_bytes) {
		refuse(r, r->name,
		       "archive expands to more than %lld times its size "
		       "(compression bomb)",
		       (long long)lim->max_ratio);
		r->stopped = true;
		return -1;
	}
	if (r->accept && bundle_sink_write(&r->sink, p, n, &r->err) < 0) {
		r->failed = true;
		return -1;
	}
	return 0;
}

static int
on_end_of_entry(struct receiver *r)
{
	struct bundle_file f;
	char *path;

	if (!r->in_entry)
		return malformed(r, "end outside a file");
	r->in_entry = false;
	if (!r->accept)
		return 0;
	r->accept = false;
	memset(&f, 0, sizeof(f));
	if (bundle_sink_close(&r->sink, &f, &r->err) < 0) {
		r->failed = true;
		return -1;
	}
	/* An accepted name is valid UTF-8 without control characters, so
	 * its display form is the name itself. */
	path = xstrdup(r->name);
	bundle_add(r->b, path, &f);
	return 0;
}

static const char *
format_name(uint32_t fmt, uint32_t filt)
{
	if ((fmt & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
		return filt == ARCHIVE_FILTER_NONE ? "zip" : "compressed zip";
	if ((fmt & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_TAR)
		return "an unknown format";
	return filt == ARCHIVE_FILTER_NONE   ? "tar"
	       : filt == ARCHIVE_FILTER_GZIP ? "tar.gz"
	       : filt == ARCHIVE_FILTER_ZSTD ? "tar.zst"
					     : "compressed tar";
}

static int
on_end(struct receiver *r, const unsigned char *p, size_t len)
{
	struct chan_cursor c;
	uint32_t fmt, filt;

	if (r->in_entry || len != 8)
		return malformed(r, "end of archive");
	chan_cursor_init(&c, p, len);
	fmt = chan_get_u32(&c);
	filt = chan_get_u32(&c);
	r->done = true;
	/* An empty archive has no format to compare. */
	if (r->entries > 0 &&
	    ((fmt & ARCHIVE_FORMAT_BASE_MASK) !=
		 (uint32_t)unpack_expected_format(r->kind) ||
	     filt != (uint32_t)unpack_expected_filter(r->kind)))
		refuse(r, "", "the content is %s, but the name says %s",
		       format_name(fmt, filt), bundle_kind_name(r->kind));
	return 1;
}

/* Handle one whole record. */
static int
on_record(struct receiver *r, unsigned type, const unsigned char *p, size_t len)
{
	char *msg;

	if (!r->hello && type != UNPACK_HELLO)
		return malformed(r, "no greeting");
	switch (type) {
	case UNPACK_HELLO:
		if (r->hello || len != 0)
			return malformed(r, "greeting");
		r->hello = true;
		return 0;
	case UNPACK_ENTRY:
		return on_entry(r, p, len);
	case UNPACK_DATA:
		return on_data(r, p, len);
	case UNPACK_HOLE:
		if (!r->in_entry || len != 0)
			return malformed(r, "hole outside a file");
		if (r->accept)
			refuse(r, r->name, "sparse entries are not allowed");
		bundle_sink_abort(&r->sink);
		r->in_entry = r->accept = false;
		return too_many(r);
	case UNPACK_EOE:
		return len != 0 ? malformed(r, "end of entry")
				: on_end_of_entry(r);
	case UNPACK_ERROR:
		msg = receive_display_name((const char *)p,
					   len > 512 ? 512 : len);
		refuse(r, r->in_entry ? r->name : "",
		       "archive cannot be read: %s", msg);
		free(msg);
		bundle_sink_abort(&r->sink);
		r->in_entry = r->accept = false;
		r->done = true;
		return 1;
	case UNPACK_END:
		return on_end(r, p, len);
	default:
		return malformed(r, "unknown record");
	}
}

/* Handle the whole records in the buffer; keep a partial one. */
static int
parse(struct receiver *r)
{
	size_t off = 0;
	int rc = 0;

	while (rc == 0) {
		const uint8_t *payload;
		uint8_t type;
		uint32_t len;
		int got =
		    chan_split_record(r->buf, r->len, &off, UNPACK_REC_MAX,
				      &type, &payload, &len);

		if (got < 0) {
			rc = malformed(r, "record too long");
			break;
		}
		if (got == 0)
			break;
		rc = on_record(r, type, payload, len);
	}
	if (off > 0) {
		memmove(r->buf, r->buf + off, r->len - off);
		r->len -= off;
	}
	return rc;
}

int
receiver_feed(struct receiver *r, const void *p, size_t n)
{
	const unsigned char *s = p;
	int rc;

	if (r->done)
		return n == 0 ? 1 : malformed(r, "bytes after the end");
	while (n > 0) {
		size_t k = r->cap - r->len < n ? r->cap - r->len : n;

		memcpy(r->buf + r->len, s, k);
		r->len += k;
		s += k;
		n -= k;
		rc = parse(r);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
receiver_read(struct receiver *r, int fd)
{
	size_t budget = 16u << 20; /* then let the supervisor check time */
	int rc;

	while (budget > 0) {
		ssize_t n = read(fd, r->buf + r->len, r->cap - r->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0) {
			r->eof = true;
			return 1;
		}
		if (r->done)
			return malformed(r, "bytes after the end");
		r->len += (size_t)n;
		budget = (size_t)n < budget ? budget - (size_t)n : 0;
		rc = parse(r);
		if (rc != 0)
			return rc;
	}
	return 0;
}
