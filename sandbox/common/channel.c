/* channel.c - encoding and strict decoding of result records; see channel.h */
#include <errno.h>
#include <string.h>

#include "channel.h"

void
chan_put_u8(struct sbuf *sb, uint8_t v)
{
	sbuf_add(sb, &v, 1);
}

void
chan_put_u32(struct sbuf *sb, uint32_t v)
{
	uint8_t b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sbuf_add(sb, b, sizeof(b));
}

void
chan_put_u64(struct sbuf *sb, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	sbuf_add(sb, b, sizeof(b));
}

void
chan_put_f64(struct sbuf *sb, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	chan_put_u64(sb, bits);
}

void
chan_put_str(struct sbuf *sb, const char *s, size_t n)
{
	chan_put_u32(sb, (uint32_t)n);
	sbuf_add(sb, s, n);
}

void
chan_put_cstr(struct sbuf *sb, const char *s)
{
	chan_put_str(sb, s, strlen(s));
}

void
chan_encode_header(uint8_t h[CHAN_HEADER_SIZE], uint8_t type, uint32_t len)
{
	int i;

	h[0] = type;
	for (i = 0; i < 4; i++)
		h[1 + i] = (uint8_t)(len >> (8 * i));
}

void
chan_frame(struct sbuf *out, enum chan_type type, const struct sbuf *payload)
{
	size_t n = payload != NULL ? payload->len : 0;
	uint8_t h[CHAN_HEADER_SIZE];

	chan_encode_header(h, (uint8_t)type, (uint32_t)n);
	sbuf_add(out, h, sizeof(h));
	if (n > 0)
		sbuf_add(out, payload->buf, n);
}

int
chan_send(int fd, enum chan_type type, const struct sbuf *payload)
{
	uint8_t small[4096];
	size_t n = payload != NULL ? payload->len : 0;

	if (n > CHAN_MAX_RECORD) {
		errno = EMSGSIZE;
		return -1;
	}
	chan_encode_header(small, (uint8_t)type, (uint32_t)n);
	/* One write for a small record, so the reader wakes once for it,
	 * not once for the header and again for the payload. */
	if (n <= sizeof(small) - CHAN_HEADER_SIZE) {
		if (n > 0)
			memcpy(small + CHAN_HEADER_SIZE, payload->buf, n);
		return pt_write_all(fd, small, CHAN_HEADER_SIZE + n);
	}
	if (pt_write_all(fd, small, CHAN_HEADER_SIZE) < 0)
		return -1;
	return pt_write_all(fd, payload->buf, n);
}

void
chan_cursor_init(struct chan_cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->bad = false;
}

static const uint8_t *
take(struct chan_cursor *c, size_t n)
{
	const uint8_t *r;

	if (c->bad || c->len - c->off < n) {
		c->bad = true;
		return NULL;
	}
	r = c->p + c->off;
	c->off += n;
	return r;
}

uint8_t
chan_get_u8(struct chan_cursor *c)
{
	const uint8_t *b = take(c, 1);

	return b != NULL ? b[0] : 0;
}

uint32_t
chan_get_u32(struct chan_cursor *c)
{
	const uint8_t *b = take(c, 4);
	uint32_t v = 0;
	int i;

	if (b == NULL)
		return 0;
	for (i = 3; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

uint64_t
chan_get_u64(struct chan_cursor *c)
{
	const uint8_t *b = take(c, 8);
	uint64_t v = 0;
	int i;

	if (b == NULL)
		return 0;
	for (i = 7; i >= 0; i--)
		v = (v << 8) | b[i];
	return v;
}

double
chan_get_f64(struct chan_cursor *c)
{
	uint64_t bits = chan_get_u64(c);
	double v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

size_t
chan_get_str(struct chan_cursor *c, const char **out)
{
	uint32_t n = chan_get_u32(c);
	const uint8_t *b = take(c, n);

	if (b == NULL) {
		*out = "";
		return 0;
	}
	*out = (const char *)b;
	return n;
}

char *
chan_get_strdup(struct chan_cursor *c)
{
	const char *s;
	size_t n = chan_get_str(c, &s);

	if (memchr(s, '\0', n) != NULL) {
		c->bad = true;
		return xstrdup("");
	}
	return xstrndup(s, n);
}

size_t
chan_get_rest(struct chan_cursor *c, const char **out)
{
	size_t n = c->bad ? 0 : c->len - c->off;
	const uint8_t *b = take(c, n);

	*out = b != NULL ? (const char *)b : "";
	return b != NULL ? n : 0;
}

bool
chan_cursor_done(const struct chan_cursor *c)
{
	return !c->bad && c->off == c->len;
}

int
chan_split_record(const void *stream, size_t stream_len, size_t *off,
		  uint32_t max, uint8_t *type, const uint8_t **payload,
		  uint32_t *len)
{
	const uint8_t *s = stream;
	uint32_t n = 0;
	int i;

	if (stream_len - *off < CHAN_HEADER_SIZE)
		return 0;
	for (i = 3; i >= 0; i--)
		n = (n << 8) | s[*off + 1 + (size_t)i];
	/* Refused on the header alone: a reader need not buffer it first. */
	if (n > max)
		return -1;
	if (stream_len - *off - CHAN_HEADER_SIZE < n)
		return 0;
	*type = s[*off];
	*payload = s + *off + CHAN_HEADER_SIZE;
	*len = n;
	*off += CHAN_HEADER_SIZE + n;
	return 1;
}

int
chan_next_record(const void *stream, size_t stream_len, size_t *off,
		 uint8_t *type, const uint8_t **payload, uint32_t *len)
{
	int rc;

	if (*off == stream_len)
		return 0;
	rc = chan_split_record(stream, stream_len, off, CHAN_MAX_RECORD, type,
			       payload, len);
	/* A whole stream: a record cut short is malformed, not pending. */
	return rc == 0 ? -1 : rc;
}
