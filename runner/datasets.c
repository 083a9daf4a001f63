/* datasets.c - sample or custodian data per dataset; see datasets.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <csv.h>
#include <nettle/sha2.h>

#include "datasets.h"
#include "inifile.h"

struct header {
	char **cols;
	size_t n;
	bool done;
};

static void
on_field(void *s, size_t len, void *user)
{
	struct header *h = user;

	if (h->done)
		return;
	h->cols = xreallocarray(h->cols, h->n + 1, sizeof(*h->cols));
	h->cols[h->n++] = xstrndup(s, len);
}

static void
on_record(int c, void *user)
{
	(void)c;
	((struct header *)user)->done = true;
}

int
csv_read_header(int fd, char ***cols, const char **why)
{
	struct header h = { NULL, 0, false };
	struct csv_parser p;
	char buf[4096];
	off_t off = 0;

	*cols = NULL;
	if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL) != 0) {
		*why = "cannot initialise the CSV parser";
		return -1;
	}
	while (!h.done && off < 1024 * 1024) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += n;
		/* libcsv parses the whole chunk, rows after the header too; a
		 * fault there is the data API's to report with its line, not
		 * a header problem. */
		if (csv_parse(&p, buf, (size_t)n, on_field, on_record, &h) !=
			(size_t)n &&
		    !h.done) {
			*why = "malformed CSV in the header row";
			csv_free(&p);
			ini_free_list(h.cols, h.n);
			return -1;
		}
	}
	if (!h.done)
		csv_fini(&p, on_field, on_record, &h);
	csv_free(&p);
	if (h.n == 0) {
		*why = "no header row";
		return -1;
	}
	/* A UTF-8 byte-order mark is not part of the first name. */
	if (strncmp(h.cols[0], "\xef\xbb\xbf", 3) == 0)
		memmove(h.cols[0], h.cols[0] + 3, strlen(h.cols[0]) - 2);
	*cols = h.cols;
	return (int)h.n;
}

int
datasets_open_custodian(const char *path, struct pt_err *err)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return pt_err_set(err, EX_DATAERR, "custodian data %s: %s",
				  path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pt_err_set(err, EX_DATAERR,
				  "custodian data %s: not a regular file",
				  path);
	}
	return fd;
}

/* Copy `fd` into a new sealed memfd, hashing on the way (as intake does
 * for bundle files): later readers see exactly the hashed bytes, whatever
 * happens to the file at `path` meanwhile. */
static int
copy_sealed(int fd, const char *path, struct dataset_input *di,
	    struct pt_err *err)
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE];
	char buf[1 << 16];
	uint64_t size = 0;
	int mfd;

	mfd = memfd_create("proeftuin-custodian",
			   MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return pt_err_set(err, EX_OSERR, "memfd_create: %s",
				  strerror(errno));
	sha256_init(&ctx);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(mfd);
			return pt_err_set(err, EX_DATAERR,
					  "custodian data %s: %s", path,
					  strerror(errno));
		}
		if (n == 0)
			break;
		size += (uint64_t)n;
		sha256_update(&ctx, (size_t)n, (const uint8_t *)buf);
		if (pt_write_all(mfd, buf, (size_t)n) < 0) {
			close(mfd);
			return pt_err_set(err, EX_OSERR, "memfd write: %s",
					  strerror(errno));
		}
	}
	if (fcntl(mfd, F_ADD_SEALS,
		  F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) <
	    0) {
		close(mfd);
		return pt_err_set(err, EX_OSERR, "sealing memfd: %s",
				  strerror(errno));
	}
	sha256_digest(&ctx, sizeof(d), d);
	pt_hex(d, sizeof(d), di->sha256);
	di->bytes = size;
	di->fd = mfd;
	di->owned = true;
	return 0;
}

int
datasets_open(const struct manifest *m, const struct profile *p,
	      const struct bundle *b, enum datasets_mode mode,
	      struct dataset_inputs *out, struct pt_err *err)
{
	size_t i;

	out->v = xcalloc(m->ndatasets + 1, sizeof(*out->v));
	out->n = 0;
	for (i = 0; i < m->ndatasets; i++) {
		const struct manifest_dataset *md = &m->datasets[i];
		const struct profile_dataset *pd = profile_dataset(p, md->name);
		struct dataset_input *di = &out->v[out->n++];
		struct pt_err derr = { 0, "" };

		di->name = md->name;
		di->fd = -1;
		if (pd == NULL || pd->access == ACCESS_NONE) {
			di->source = "none";
		} else if (pd->path != NULL) {
			int fd = datasets_open_custodian(pd->path, &derr);
			int rc = 0;

			di->source = "custodian";
			if (fd >= 0 && mode == DATASETS_HEADER_ONLY) {
				di->fd = fd;
				di->owned = true;
			} else if (fd >= 0) {
				rc = copy_sealed(fd, pd->path, di, &derr);
				close(fd);
			}
			if (rc < 0 && derr.code != EX_DATAERR) {
				*err = derr;
				return -1;
			}
			if (di->fd < 0)
				di->why = xstrdup(derr.msg);
		} else {
			const struct bundle_file *f = bundle_find(b, md->file);

			di->source = "sample";
			if (f == NULL) {
				di->why = xasprintf("dataset file '%s' is not "
						    "in the bundle",
						    md->file);
				continue;
			}
			di->fd = f->fd;
			memcpy(di->sha256, f->sha256, sizeof(di->sha256));
			di->bytes = f->size;
		}
	}
	return 0;
}

void
datasets_fini(struct dataset_inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++) {
		if (in->v[i].owned && in->v[i].fd >= 0)
			close(in->v[i].fd);
		free(in->v[i].why);
	}
	free(in->v);
	in->v = NULL;
	in->n = 0;
}

const struct dataset_input *
datasets_find(const struct dataset_inputs *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->v[i].name, name) == 0)
			return &in->v[i];
	return NULL;
}
