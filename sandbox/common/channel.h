/*
 * channel.h - the result channel between the sandboxed child and the runner.
 *
 * The child writes length-prefixed records on a dedicated descriptor; the
 * parent reads at most a capped number of bytes and parses them strictly.
 * stdout and stderr are only a log and are never trusted for results.
 *
 * Wire format of one record:
 *
 *	u8 type | u32 length (little endian) | payload[length]
 *
 * A payload is a sequence of fields, each encoded without tags (the record
 * type fixes the layout):
 *
 *	u8, u32, u64       little endian
 *	f64                IEEE 754 binary64 bits as a u64
 *	str                u32 length, then that many bytes (not NUL-terminated)
 *
 * Record layouts (the child writes them, runner/ parses them):
 *
 *	CHAN_SETTING   repeated (str key, str value): what the child enforced,
 *	               written once, after the jail is set up and before any
 *	               bundle code runs
 *	CHAN_TABLE     str name, str description, str statistic
 *	               ("count" | "sum" | "mean" | "custom"), str dataset,
 *	               str value_column, u8 has_evidence,
 *	               u32 ncols, u32 nkeys (the first nkeys columns are group
 *	               keys, the others values), ncols x str column name,
 *	               u32 nrows, nrows x ncols x cell,
 *	               and if has_evidence: nrows x evidence,
 *	               then u32 query (the ledger number of the aggregate, 0
 *	               for a custom table), u8 flags (CHAN_FLAG_*: made after
 *	               the script read rows, or after it was given an answer
 *	               with withheld cells)
 *	               cell     = u8 kind (CELL_MISSING | CELL_STR | CELL_NUM),
 *	                          then str for CELL_STR or f64 for CELL_NUM
 *	               evidence = u64 rows, u64 values, u64 nonzero,
 *	                          u64 negatives, u64 missing, f64 sum,
 *	                          f64 abs_sum, u32 ntop, ntop x f64 (the
 *	                          largest absolute values; see sdc.h)
 *	CHAN_TEXT      str name, str description, str text, u8 flags
 *	CHAN_QUERY     one per aggregate query, when it is answered:
 *	               u32 query (ledger number, from 1), str dataset,
 *	               str statistic, str value_column, u32 nby, nby x str,
 *	               u32 nwhere, nwhere x (str column, u32 nvals,
 *	               nvals x (u8 CELL_STR str | u8 CELL_NUM f64)),
 *	               u32 cells released, u32 n, n x (str reason,
 *	               u32 cells withheld), u32 n, n x (str reason,
 *	               u32 cells flagged), u8 after_rows
 *	CHAN_USAGE     str dataset, str source ("sample" | "custodian"),
 *	               u64 rows, u32 n, n x str column read, u8 iterated
 *	               one per configured dataset, in configuration order,
 *	               sent before CHAN_DONE and before a CHAN_ERROR of the
 *	               Lua child; rows = data rows of the file (header and
 *	               blank lines not counted), 0 when no pass read the whole
 *	               file; columns in header order, each a column some
 *	               aggregate or rows iterator used (opening and
 *	               ds:columns() read none); iterated = ds:rows was called
 *	CHAN_ERROR     str class (an sbx end-class name or a finding code such
 *	               as "COLUMN_NOT_GRANTED"), str message, str traceback
 *	               finding codes of the Lua child, all with exit status
 *	               SBX_EXIT_LUA_ERROR: "COLUMN_NOT_GRANTED" (a column the
 *	               profile does not grant was named), "ROWS_NOT_GRANTED"
 *	               (ds:rows on a dataset with access = aggregate) and
 *	               "DATA_ERROR" (the data of an aggregate are malformed)
 *	CHAN_DONE      empty: the script returned normally
 */
#ifndef PROEFTUIN_CHANNEL_H
#define PROEFTUIN_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

enum chan_type {
	CHAN_SETTING = 1,
	CHAN_TABLE = 2,
	CHAN_TEXT = 3,
	CHAN_USAGE = 4,
	CHAN_ERROR = 5,
	CHAN_DONE = 6,
	CHAN_QUERY = 7,
};

enum chan_flag {
	CHAN_FLAG_AFTER_ROWS = 1,
	CHAN_FLAG_AFTER_WITHHELD = 2,
};

enum chan_cell {
	CELL_MISSING = 0,
	CELL_STR = 1,
	CELL_NUM = 2,
};

#define CHAN_HEADER_SIZE 5
/* No single record may be larger than this; the parent refuses it. */
#define CHAN_MAX_RECORD (64u * 1024 * 1024)

/* Encoding (child side): append fields to a payload buffer. */
void chan_put_u8(struct sbuf *sb, uint8_t v);
void chan_put_u32(struct sbuf *sb, uint32_t v);
void chan_put_u64(struct sbuf *sb, uint64_t v);
void chan_put_f64(struct sbuf *sb, double v);
void chan_put_str(struct sbuf *sb, const char *s, size_t n);
void chan_put_cstr(struct sbuf *sb, const char *s);

/* Write the header of a record of `type` with `len` payload bytes into `h`.
 * The type is a byte: other streams that share this framing (the intake's
 * unpack.h) bring their own record types. */
void chan_encode_header(uint8_t h[CHAN_HEADER_SIZE], uint8_t type,
			uint32_t len);

/* Append `payload` to `out` framed as one record of `type`. */
void chan_frame(struct sbuf *out, enum chan_type type,
		const struct sbuf *payload);

/* Frame `payload` as one record of `type` and write it to `fd`.
 * Returns 0, or -1 with errno set (EPIPE when the parent closed its end). */
int chan_send(int fd, enum chan_type type, const struct sbuf *payload);

/* Decoding (parent side).  A cursor over untrusted bytes: every getter
 * checks bounds and, on a short or malformed input, sets `bad` and returns
 * a zero value; callers check `bad` once at the end of a record. */
struct chan_cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void chan_cursor_init(struct chan_cursor *c, const void *p, size_t len);
uint8_t chan_get_u8(struct chan_cursor *c);
uint32_t chan_get_u32(struct chan_cursor *c);
uint64_t chan_get_u64(struct chan_cursor *c);
double chan_get_f64(struct chan_cursor *c);
/* Borrow a string field: *out points into the buffer, not NUL-terminated. */
size_t chan_get_str(struct chan_cursor *c, const char **out);
/* Copy a string field into a new NUL-terminated allocation; refuses
 * embedded NULs (sets `bad`).  Never returns NULL. */
char *chan_get_strdup(struct chan_cursor *c);
/* Borrow the rest of the record (a trailing field without a length);
 * the cursor is then done. */
size_t chan_get_rest(struct chan_cursor *c, const char **out);
bool chan_cursor_done(const struct chan_cursor *c);

/* Split a stream into records.  Returns 1 with type, payload and len set and
 * advances *off, 0 at a clean end, -1 on a malformed or oversized record. */
int chan_next_record(const void *stream, size_t stream_len, size_t *off,
		     uint8_t *type, const uint8_t **payload, uint32_t *len);

/* The same for a stream still arriving, with records of at most `max`
 * bytes.  Returns 1 with type, payload and len set and advances *off, 0
 * when the bytes from *off do not yet hold a whole record (wait for more),
 * -1 when the header declares more than `max` bytes (whether or not they
 * arrived).  *off moves only on 1. */
int chan_split_record(const void *stream, size_t stream_len, size_t *off,
		      uint32_t max, uint8_t *type, const uint8_t **payload,
		      uint32_t *len);

#endif
