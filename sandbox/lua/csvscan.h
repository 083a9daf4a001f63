/*
 * csvscan.h - a streaming RFC 4180 CSV record reader over a file descriptor.
 *
 * Built for the sandboxed child: it only ever calls lseek(2) and read(2) on
 * the descriptor it is given, and allocates through a lua_Alloc-shaped
 * function so its buffers count against the script's memory limit.
 *
 * Records without a quote character are split in place by a tight byte loop
 * (for such records RFC 4180 has no escaping, so splitting on ',' is exact);
 * a record with a quote character anywhere is handed to libcsv in strict
 * mode, which handles quoted commas, doubled quotes and quoted line breaks.
 * Both paths agree: no trimming of spaces, a CRLF or LF line end, blank
 * lines skipped, a UTF-8 byte order mark at the start of the file skipped.
 *
 * Every record is checked: well-formed UTF-8, at most CSVSCAN_MAX_FIELDS
 * fields, at most CSVSCAN_MAX_RECORD bytes, correct quoting.  Errors carry
 * the line number where the record starts.
 */
#ifndef PROEFTUIN_CSVSCAN_H
#define PROEFTUIN_CSVSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <csv.h>

#define CSVSCAN_MAX_RECORD (16u * 1024 * 1024)
#define CSVSCAN_MAX_FIELDS 4096u

/* Same shape as lua_Alloc: (ud, ptr, old size, new size); new size 0 frees. */
typedef void *(*csvscan_alloc_fn)(void *ud, void *ptr, size_t osize,
				  size_t nsize);

struct csvscan {
	int fd;
	csvscan_alloc_fn alloc;
	void *alloc_ud;

	char *buf; /* cap + 1 bytes: one for the sentinel */
	size_t cap;
	size_t start;	/* first unconsumed byte */
	size_t end;	/* end of valid bytes */
	off_t next_off; /* file offset of the next read */
	bool eof;
	uint64_t line; /* line number of the next unconsumed byte */

	/* The current record; pointers stay valid until the next call. */
	uint64_t rec_line;
	size_t nfields;
	const char **fptr;
	size_t *flen;
	size_t fcap;

	/* libcsv path: field bytes are copied into `arena`. */
	struct csv_parser parser;
	bool parser_ready;
	char *arena;
	size_t arena_len;
	size_t arena_cap;
	size_t *aoff;
	int rows_ended;
	bool cb_failed;
	char cb_err[96];

	char err[256];
};

/* Start a scan of `fd` from file offset 0.  Returns 0, or -1 with s->err. */
int csvscan_init(struct csvscan *s, int fd, csvscan_alloc_fn alloc, void *ud);

/* Read the next record into s->nfields/fptr/flen.  Returns 1 for a record,
 * 0 at the end of the file, -1 with s->err ("line N: ...") on bad input or
 * a read error. */
int csvscan_next(struct csvscan *s);

/* Release the buffers; safe to call twice and on a zeroed struct. */
void csvscan_fini(struct csvscan *s);

#endif
