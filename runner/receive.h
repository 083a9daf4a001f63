/*
 * receive.h - the parent's side of archive intake: read the record stream
 * the unpacker child sends (unpack.h), check every entry, and keep the
 * accepted files as sealed memfds in a struct bundle.
 *
 * Nothing the child says is trusted: names are checked here (pathcheck.h),
 * limits are counted on the bytes that actually arrive (never on sizes the
 * archive declares), and a malformed stream stops the child.  Nothing is
 * extracted to disk at any point.
 */
#ifndef PROEFTUIN_RECEIVE_H
#define PROEFTUIN_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bundle.h"
#include "pathcheck.h"
#include "profile.h"
#include "unpack.h"

/* Below this many bytes out, the compression ratio is not checked: a
 * tar.gz of a few small files legitimately expands a lot (tar pads every
 * entry to 512 bytes and gzip squeezes the padding away). */
#define RECEIVE_RATIO_FLOOR (1u << 20)
/* Stop collecting reasons after this many. */
#define RECEIVE_MAX_PROBLEMS 50

struct receiver {
	enum bundle_kind kind;
	const struct profile_bundle *lim;
	uint64_t archive_bytes;
	struct bundle *b;
	struct intake_problems *problems;
	struct pathset *seen;

	unsigned char *buf; /* partial records */
	size_t len, cap;

	/* The current entry. */
	char *name;    /* as received (display form) */
	bool in_entry; /* a regular file whose data may follow */
	bool accept;   /* its bytes go into `sink` */
	struct bundle_sink sink;
	uint64_t entry_bytes;

	uint64_t total;
	uint64_t entries;
	bool hello;   /* the child has started */
	bool done;    /* UNPACK_END or UNPACK_ERROR arrived */
	bool eof;     /* the child closed the stream */
	bool stopped; /* we stopped the child (a limit, a bad stream) */
	bool failed;  /* a system error; see err */
	struct pt_err err;
};

void receiver_init(struct receiver *r, enum bundle_kind kind,
		   const struct profile_bundle *lim, uint64_t archive_bytes,
		   struct bundle *b, struct intake_problems *problems);
void receiver_fini(struct receiver *r);

/*
 * Take `n` more bytes of the stream.  Returns 0 to go on, 1 when the stream
 * is complete (or refused for good), -1 when the child must be stopped
 * (a limit was passed, the stream is malformed, or r->failed).
 */
int receiver_feed(struct receiver *r, const void *p, size_t n);

/* Read what is available on the non-blocking `fd` and take it in; same
 * returns as receiver_feed, and 1 at end of file. */
int receiver_read(struct receiver *r, int fd);

/* Printable form of an untrusted name for a terminal (textsafe.h: every
 * control, bidi character and invalid byte becomes \xHH).  malloc'd. */
char *receive_display_name(const char *p, size_t n);

#endif
