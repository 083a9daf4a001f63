/* csvscan.c - streaming CSV records from a descriptor; see csvscan.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csvscan.h"
#include "textsafe.h"
#include "util.h"

#define INITIAL_BUF (1024u * 1024)
/* Bytes after the sentinel, so a 16-byte vector load that starts at or
 * before the sentinel stays inside the buffer. */
#define PAD 32

/* Byte classes for the fast path. */
enum { C_PLAIN = 0, C_COMMA, C_NL, C_QUOTE, C_HIGH };

static uint8_t byte_class[256];
static bool classes_ready;

static void
init_classes(void)
{
	int c;

	if (classes_ready)
		return;
	for (c = 0x80; c < 256; c++)
		byte_class[c] = C_HIGH;
	/* NUL is checked on the slow path with non-ASCII bytes: no text
	 * file has it, and the runner refuses strings that contain it. */
	byte_class[0] = C_HIGH;
	byte_class[','] = C_COMMA;
	byte_class['\n'] = C_NL;
	byte_class['"'] = C_QUOTE;
	classes_ready = true;
}

static void *
grow(struct csvscan *s, void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap != 0 ? *cap : 16;
	void *np;

	while (ncap < need)
		ncap *= 2;
	np = s->alloc(s->alloc_ud, p, *cap * elem, ncap * elem);
	if (np == NULL)
		return NULL;
	*cap = ncap;
	return np;
}

static int
fail(struct csvscan *s, uint64_t line, const char *msg)
{
	snprintf(s->err, sizeof(s->err), "line %llu: %s",
		 (unsigned long long)line, msg);
	return -1;
}

/* Make room for at least `need` fields in the record arrays. */
static int
reserve_fields(struct csvscan *s, size_t need)
{
	size_t c1 = s->fcap, c2 = s->fcap, c3 = s->fcap;
	const char **fp;
	size_t *fl, *ao;

	if (need <= s->fcap)
		return 0;
	if (need > CSVSCAN_MAX_FIELDS)
		return fail(s, s->rec_line, "too many fields");
	fp = grow(s, (void *)s->fptr, &c1, need, sizeof(*fp));
	if (fp == NULL)
		return fail(s, s->rec_line, "out of memory");
	s->fptr = fp;
	fl = grow(s, s->flen, &c2, need, sizeof(*fl));
	if (fl == NULL)
		return fail(s, s->rec_line, "out of memory");
	s->flen = fl;
	ao = grow(s, s->aoff, &c3, need, sizeof(*ao));
	if (ao == NULL)
		return fail(s, s->rec_line, "out of memory");
	s->aoff = ao;
	s->fcap = c1;
	return 0;
}

/* Move the unconsumed bytes to the front and read more.  Grows the buffer
 * when one record fills it.  Returns bytes read (0 at EOF) or -1. */
static ssize_t
fill(struct csvscan *s)
{
	ssize_t n;

	if (s->start > 0) {
		memmove(s->buf, s->buf + s->start, s->end - s->start);
		s->end -= s->start;
		s->start = 0;
	}
	if (s->end == s->cap) {
		size_t ncap = s->cap * 2;
		char *nb;

		if (s->cap > CSVSCAN_MAX_RECORD)
			return fail(s, s->line, "record longer than 16 MiB");
		nb = s->alloc(s->alloc_ud, s->buf, s->cap + PAD, ncap + PAD);
		if (nb == NULL)
			return fail(s, s->line, "out of memory");
		s->buf = nb;
		s->cap = ncap;
	}
	/* Several scans may share the descriptor, so position it each time. */
	if (lseek(s->fd, s->next_off, SEEK_SET) < 0) {
		/* errno as a number: strerror may consult message catalogs */
		snprintf(s->err, sizeof(s->err), "seek failed (errno %d)",
			 errno);
		return -1;
	}
	do
		n = read(s->fd, s->buf + s->end, s->cap - s->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(s->err, sizeof(s->err), "read failed (errno %d)",
			 errno);
		return -1;
	}
	if (s->next_off == 0 && n >= 3 &&
	    memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
		s->start = 3; /* byte order mark */
	s->next_off += n;
	s->end += (size_t)n;
	if (n == 0)
		s->eof = true;
	return n;
}

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
on_field(void *field, size_t len, void *data)
{
	struct csvscan *s = data;
	size_t need;

	if (s->cb_failed)
		return;
	if (reserve_fields(s, s->nfields + 1) < 0) {
		s->cb_failed = true;
		snprintf(s->cb_err, sizeof(s->cb_err), "too many fields");
		return;
	}
	if (len > 0 && memchr(field, '\0', len) != NULL) {
		s->cb_failed = true;
		snprintf(s->cb_err, sizeof(s->cb_err), "NUL byte");
		return;
	}
	if (len > 0 && !utf8_valid(field, len)) {
		s->cb_failed = true;
		snprintf(s->cb_err, sizeof(s->cb_err), "invalid UTF-8");
		return;
	}
	need = s->arena_len + len + 1;
	if (need > s->arena_cap) {
		char *na = grow(s, s->arena, &s->arena_cap, need, 1);

		if (na == NULL) {
			s->cb_failed = true;
			snprintf(s->cb_err, sizeof(s->cb_err), "out of memory");
			return;
		}
		s->arena = na;
	}
	if (len > 0)
		memcpy(s->arena + s->arena_len, field, len);
	s->aoff[s->nfields] = s->arena_len;
	s->flen[s->nfields] = len;
	s->arena_len += len;
	s->nfields++;
}

static void
on_row(int c, void *data)
{
	struct csvscan *s = data;

	(void)c;
	s->rows_ended++;
}

int
csvscan_init(struct csvscan *s, int fd, csvscan_alloc_fn alloc, void *ud)
{
	memset(s, 0, sizeof(*s));
	init_classes();
	s->fd = fd;
	s->alloc = alloc;
	s->alloc_ud = ud;
	s->line = 1;
	s->buf = alloc(ud, NULL, 0, INITIAL_BUF + PAD);
	if (s->buf == NULL)
		return fail(s, 0, "out of memory");
	s->cap = INITIAL_BUF;
	if (csv_init(&s->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
		return fail(s, 0, "cannot start the CSV parser");
	csv_set_space_func(&s->parser, no_space);
	s->parser_ready = true;
	return 0;
}

void
csvscan_fini(struct csvscan *s)
{
	if (s->alloc == NULL)
		return;
	if (s->parser_ready)
		csv_free(&s->parser);
	s->parser_ready = false;
	if (s->buf != NULL)
		s->alloc(s->alloc_ud, s->buf, s->cap + PAD, 0);
	if (s->fptr != NULL)
		s->alloc(s->alloc_ud, (void *)s->fptr,
			 s->fcap * sizeof(*s->fptr), 0);
	if (s->flen != NULL)
		s->alloc(s->alloc_ud, s->flen, s->fcap * sizeof(*s->flen), 0);
	if (s->aoff != NULL)
		s->alloc(s->alloc_ud, s->aoff, s->fcap * sizeof(*s->aoff), 0);
	if (s->arena != NULL)
		s->alloc(s->alloc_ud, s->arena, s->arena_cap, 0);
	s->buf = NULL;
	s->fptr = NULL;
	s->flen = NULL;
	s->aoff = NULL;
	s->arena = NULL;
}

/* Feed bytes of the current quoted record to libcsv. */
static int
feed(struct csvscan *s, const char *p, size_t n, size_t *fed)
{
	*fed += n;
	if (*fed > CSVSCAN_MAX_RECORD)
		return fail(s, s->rec_line, "record longer than 16 MiB");
	if (csv_parse(&s->parser, p, n, on_field, on_row, s) != n)
		return fail(s, s->rec_line, "malformed quoting");
	if (s->cb_failed)
		return fail(s, s->rec_line, s->cb_err);
	return 0;
}

/* Parse the record at s->start with libcsv; it contains a quote. */
static int
next_quoted(struct csvscan *s)
{
	size_t fed = 0, i;

	s->nfields = 0;
	s->arena_len = 0;
	s->rows_ended = 0;
	s->cb_failed = false;
	while (s->rows_ended == 0) {
		char *p = s->buf + s->start, *lim = s->buf + s->end;
		char *nl = memchr(p, '\n', (size_t)(lim - p));

		if (nl != NULL) {
			if (feed(s, p, (size_t)(nl + 1 - p), &fed) < 0)
				return -1;
			s->start = (size_t)(nl + 1 - s->buf);
			s->line++;
			continue;
		}
		if (feed(s, p, (size_t)(lim - p), &fed) < 0)
			return -1;
		s->start = s->end;
		if (s->eof) {
			if (csv_fini(&s->parser, on_field, on_row, s) != 0)
				return fail(s, s->rec_line,
					    "unterminated quoted field");
			if (s->cb_failed)
				return fail(s, s->rec_line, s->cb_err);
			break;
		}
		if (fill(s) < 0)
			return -1;
	}
	if (s->rows_ended > 1)
		return fail(s, s->rec_line, "carriage return outside quotes");
	for (i = 0; i < s->nfields; i++)
		s->fptr[i] = s->arena + s->aoff[i];
	return s->nfields > 0 ? 1 : 0;
}

/* Bit i set when byte i of the 16 at `p` is ',', '\n', '"', NUL or
 * >= 0x80. */
#ifdef __SSE2__
static inline unsigned
special_mask(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m =
	    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')),
				      _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))),
			 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				      _mm_cmpeq_epi8(v, _mm_setzero_si128())));

	return (unsigned)_mm_movemask_epi8(m) | (unsigned)_mm_movemask_epi8(v);
}
#else
static inline unsigned
special_mask(const char *p)
{
	unsigned m = 0;
	int i;

	for (i = 0; i < 16; i++)
		if (byte_class[(uint8_t)p[i]] != C_PLAIN)
			m |= 1u << i;
	return m;
}
#endif

int
csvscan_next(struct csvscan *s)
{
	for (;;) {
		char *rec = s->buf + s->start, *lim = s->buf + s->end;
		char *q = rec, *fstart = rec, *p = NULL;
		size_t nf = 0, len;
		bool high = false;
		uint8_t c = C_PLAIN;

		*lim = '\n'; /* sentinel: the scan stops there at the latest */
		s->rec_line = s->line;
		/* Sixteen bytes at a time; visit only the special ones. */
		for (;; q += 16) {
			unsigned mask = special_mask(q);

			while (mask != 0) {
				p = q + __builtin_ctz(mask);
				mask &= mask - 1;
				c = byte_class[(uint8_t)*p];
				if (c == C_COMMA) {
					if (nf >= s->fcap &&
					    reserve_fields(s, nf + 1) < 0)
						return -1;
					s->fptr[nf] = fstart;
					s->flen[nf++] = (size_t)(p - fstart);
					fstart = p + 1;
				} else if (c == C_HIGH) {
					high = true;
				} else {
					goto special;
				}
			}
		}
	special:
		q = p;
		if (c == C_QUOTE)
			return next_quoted(s);
		/* c == C_NL: a real line end or the sentinel. */
		if (q == lim && !s->eof) {
			ssize_t n = fill(s);

			if (n < 0)
				return -1;
			continue;
		}
		if (q == lim && q == rec)
			return 0; /* end of file */
		len = (size_t)(q - fstart);
		if (len > 0 && fstart[len - 1] == '\r')
			len--;
		s->start = q == lim ? s->end : (size_t)(q + 1 - s->buf);
		s->line++;
		if (nf == 0 && len == 0)
			continue; /* blank line */
		if (high && memchr(rec, '\0', (size_t)(q - rec)) != NULL)
			return fail(s, s->rec_line, "NUL byte");
		if (high && !utf8_valid(rec, (size_t)(q - rec)))
			return fail(s, s->rec_line, "invalid UTF-8");
		if (nf >= s->fcap && reserve_fields(s, nf + 1) < 0)
			return -1;
		s->fptr[nf] = fstart;
		s->flen[nf++] = len;
		s->nfields = nf;
		return 1;
	}
}
