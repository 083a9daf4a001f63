/* bundle.c - the bundle after intake; see bundle.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "bundle.h"

const struct bundle_file *
bundle_find(const struct bundle *b, const char *path)
{
	size_t i;

	for (i = 0; i < b->nfiles; i++)
		if (strcmp(b->files[i].path, path) == 0)
			return &b->files[i];
	return NULL;
}

static int
append_chunk(void *arg, const void *p, size_t n, struct pt_err *err)
{
	(void)err;
	sbuf_add(arg, p, n);
	return 0;
}

int
bundle_read(const struct bundle_file *f, struct sbuf *out, struct pt_err *err)
{
	return pt_pread_all(f->fd, f->path, append_chunk, out, NULL, err);
}

void
bundle_compute_digest(struct bundle *b)
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	size_t i;

	sha256_init(&ctx);
	for (i = 0; i < b->nfiles; i++) {
		sha256_update(&ctx, 64, (const uint8_t *)b->files[i].sha256);
		sha256_update(&ctx, 2, (const uint8_t *)"  ");
		sha256_update(&ctx, strlen(b->files[i].path),
			      (const uint8_t *)b->files[i].path);
		sha256_update(&ctx, 1, (const uint8_t *)"\n");
	}
	sha256_digest(&ctx, sizeof(d), d);
	pt_hex(d, sizeof(d), b->digest);
}

void
bundle_fini(struct bundle *b)
{
	size_t i;

	for (i = 0; i < b->nfiles; i++) {
		free(b->files[i].path);
		if (b->files[i].fd >= 0)
			close(b->files[i].fd);
	}
	free(b->files);
	free(b->format);
	b->files = NULL;
	b->format = NULL;
	b->nfiles = 0;
}

static int
file_cmp(const void *x, const void *y)
{
	const struct bundle_file *a = x, *b = y;

	return strcmp(a->path, b->path);
}

void
bundle_finish(struct bundle *b)
{
	if (b->nfiles > 1)
		qsort(b->files, b->nfiles, sizeof(*b->files), file_cmp);
	bundle_compute_digest(b);
}

void
bundle_add(struct bundle *b, char *path, const struct bundle_file *f)
{
	b->files = xreallocarray(b->files, b->nfiles + 1, sizeof(*b->files));
	b->files[b->nfiles] = *f;
	b->files[b->nfiles].path = path;
	b->nfiles++;
}

int
bundle_sink_open(struct bundle_sink *s, struct pt_err *err)
{
	s->fd =
	    memfd_create("proeftuin-input", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->fd < 0)
		return pt_err_set(err, EX_OSERR, "memfd_create: %s",
				  strerror(errno));
	s->size = 0;
	sha256_init(&s->ctx);
	return 0;
}

int
bundle_sink_write(struct bundle_sink *s, const void *p, size_t n,
		  struct pt_err *err)
{
	sha256_update(&s->ctx, n, p);
	if (pt_write_all(s->fd, p, n) < 0)
		return pt_err_set(err, errno == ENOSPC ? EX_OSERR : EX_IOERR,
				  "memfd write: %s", strerror(errno));
	s->size += n;
	return 0;
}

int
bundle_sink_close(struct bundle_sink *s, struct bundle_file *f,
		  struct pt_err *err)
{
	uint8_t d[SHA256_DIGEST_SIZE];

	if (fcntl(s->fd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) <
	    0) {
		bundle_sink_abort(s);
		return pt_err_set(err, EX_OSERR, "sealing memfd: %s",
				  strerror(errno));
	}
	sha256_digest(&s->ctx, sizeof(d), d);
	pt_hex(d, sizeof(d), f->sha256);
	f->size = s->size;
	f->fd = s->fd;
	s->fd = -1;
	return 0;
}

void
bundle_sink_abort(struct bundle_sink *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

void
intake_problem_add(struct intake_problems *ps, const char *entry,
		   const char *fmt, ...)
{
	struct sbuf sb = SBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sbuf_vprintf(&sb, fmt, ap);
	va_end(ap);
	ps->v = xreallocarray(ps->v, ps->n + 1, sizeof(*ps->v));
	ps->v[ps->n].entry = xstrdup(entry);
	ps->v[ps->n].reason = sbuf_steal(&sb);
	ps->n++;
}

void
intake_problems_fini(struct intake_problems *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].entry);
		free(ps->v[i].reason);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = 0;
}
