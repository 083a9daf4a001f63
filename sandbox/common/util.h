/*
 * util.h - pure helpers shared by every part of proeftuin: error values,
 * growable byte buffers, checked allocation and hex digests.
 *
 * Library code (sandbox/, most of runner/) reports failures through a
 * struct pt_err and never prints or exits; only the CLI turns an error into
 * a message and an exit status.  The one exception is running out of memory,
 * which ends the process with EX_SOFTWARE (70), as git and bubblewrap do.
 */
#ifndef PROEFTUIN_UTIL_H
#define PROEFTUIN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_NORETURN __attribute__((noreturn))
#define PT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* An error handed back to the caller.  `code` is the sysexits-style status
 * the CLI should exit with; `msg` is lowercase without a final period. */
struct pt_err {
	int code;
	char msg[1024];
};

/* Fill `e` (which may be NULL) and return -1, so callers can write
 * `return pt_err_set(e, EX_DATAERR, "...")`. */
int pt_err_set(struct pt_err *e, int code, const char *fmt, ...)
    PT_PRINTF(3, 4);

PT_NORETURN void pt_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: like reallocarray(3) but never fails. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PT_PRINTF(1, 2);

/* A growable byte buffer; `buf` is always NUL-terminated when non-NULL. */
struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define SBUF_INIT                                                              \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

/* Room for `extra` more bytes (and the NUL) without another allocation. */
void sbuf_reserve(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...) PT_PRINTF(2, 3);
void sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap) PT_PRINTF(2, 0);
void sbuf_reset(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
/* Hand the buffer to the caller (never NULL) and leave `sb` empty. */
char *sbuf_steal(struct sbuf *sb);

#define PT_SHA256_SIZE 32
#define PT_SHA256_HEX 65 /* 64 hex digits and a NUL */

void pt_hex(const uint8_t *bytes, size_t n, char *out);
/* SHA-256 of a memory block, as lowercase hex. */
void pt_sha256_hex(const void *p, size_t n, char out[PT_SHA256_HEX]);

/* True when `s` holds only ASCII letters, digits, '_', '-' and '.' (a
 * name that is safe as a file name on every system; callers add their own
 * length and first-character rules). */
bool pt_word_chars(const char *s);

/* Read all of `fd` from offset 0 with pread (the descriptor's offset is
 * left alone), handing each chunk to `fn`, which returns 0 to go on or -1
 * with `err` set to stop.  Returns 0 with the bytes read in *total (when
 * not NULL), or -1 with `err` (EX_IOERR naming `what` for a read error). */
typedef int (*pt_chunk_fn)(void *arg, const void *p, size_t n,
			   struct pt_err *err);
int pt_pread_all(int fd, const char *what, pt_chunk_fn fn, void *arg,
		 uint64_t *total, struct pt_err *err);

/* True when `s` is one of the `n` strings of `list`. */
bool pt_list_has(char *const *list, size_t n, const char *s);

/* Write all of `n` bytes, retrying on EINTR and short writes. 0 or -1. */
int pt_write_all(int fd, const void *p, size_t n);

#endif
