/* atoms.c - the atom table of a dataset; see atoms.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atoms.h"
#include "csvscan.h"

/* ---- the engine's allocator: counted and capped ---- */

static uint64_t mem_cap = (uint64_t)256 << 20;
static uint64_t mem_used;

void
atoms_set_cap(uint64_t bytes)
{
	mem_cap = bytes;
}

/* lua_Alloc-shaped, for csvscan too.  NULL when over the cap. */
static void *
ealloc(void *ud, void *p, size_t osize, size_t nsize)
{
	void *np;

	(void)ud;
	if (p == NULL)
		osize = 0;
	if (nsize == 0) {
		free(p);
		mem_used -= osize;
		return NULL;
	}
	if (nsize > osize && nsize - osize > mem_cap - mem_used)
		return NULL;
	np = realloc(p, nsize);
	if (np == NULL)
		return NULL;
	mem_used = mem_used - osize + nsize;
	return np;
}

/* Grow `*p` (an array of `*cap` elements of `size`) to hold `need`. */
static bool
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t nc = *cap != 0 ? *cap : 64;
	void *np;

	if (need <= *cap)
		return true;
	while (nc < need)
		nc *= 2;
	np = ealloc(NULL, *p, *cap * size, nc * size);
	if (np == NULL)
		return false;
	*p = np;
	*cap = nc;
	return true;
}

/* Resize an array of `old` elements to exactly `n`: a failed resize
 * keeps the old one.  The parallel arrays of a table share one count, so
 * they are freed with the size they were made with. */
static bool
resize(void **p, size_t old, size_t n, size_t size)
{
	void *np;

	if (n == 0)
		return true;
	np = ealloc(NULL, *p, old * size, n * size);
	if (np == NULL)
		return false;
	*p = np;
	return true;
}

/* ---- keys ---- */

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	w = 0;
	while (n > 0)
		w = (w << 8) | (uint8_t)p[--n];
	h = (h ^ w) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

/* Bytes of the key field of predicate `p` starting at `k`. */
static size_t
field_size(const struct atom_pred *p, const char *k)
{
	uint32_t len;

	if (!p->exact)
		return (p->nsets + 7) / 8;
	memcpy(&len, k + 1, 4);
	return 5 + len;
}

static const char *
field_at(const struct atom_table *t, const struct atom_spec *spec, size_t a,
	 size_t p)
{
	const char *k = t->keys + t->koff[a];
	size_t i;

	for (i = 0; i < p; i++)
		k += field_size(&spec->pred[i], k);
	return k;
}

bool
atoms_value_text(const struct atom_table *t, const struct atom_spec *spec,
		 size_t a, size_t v, const char **s, size_t *len)
{
	if (!t->facts[v].homogeneous ||
	    t->state[a * t->nval + v] != ATOM_NONZERO)
		return false;
	if (spec->valpred[v] != SIZE_MAX)
		return atoms_exact(t, spec, a, spec->valpred[v], s, len);
	*s = t->vpool + t->vtext[a * t->nval + v];
	*len = t->vtlen[a * t->nval + v];
	return true;
}

bool
atoms_exact(const struct atom_table *t, const struct atom_spec *spec, size_t a,
	    size_t p, const char **s, size_t *len)
{
	const char *k = field_at(t, spec, a, p);
	uint32_t n;

	memcpy(&n, k + 1, 4);
	*s = k + 5;
	*len = n;
	return k[0] != 0;
}

bool
atoms_passes(const struct atom_table *t, const struct atom_spec *spec, size_t a,
	     size_t p, uint32_t f)
{
	const struct atom_pred *pr = &spec->pred[p];
	const char *k = field_at(t, spec, a, p);
	uint32_t j;

	if (pr->exact) {
		uint32_t n;

		memcpy(&n, k + 1, 4);
		return query_filter_pass(&spec->filters[f], k + 5, n);
	}
	for (j = 0; j < pr->nsets; j++)
		if (pr->sets[j] == f)
			return (k[j / 8] >> (j % 8)) & 1;
	return false;
}

/* ---- building ---- */

struct builder {
	struct atom_table *t;
	const struct atom_spec *spec;
	char *scratch;
	size_t scap;
	double *vals;
	size_t vcap;
	/* per value column: still split by exact value, and the distinct
	 * non-zero values seen so far */
	bool *split;
	double *seen;
	uint32_t *nseen;
};

void
atoms_free(struct atom_table *t)
{
	if (t == NULL)
		return;
	ealloc(NULL, t->rows, t->cap * sizeof(*t->rows), 0);
	ealloc(NULL, t->state, t->cap * t->nval, 0);
	ealloc(NULL, t->ev, t->cap * t->nval * sizeof(*t->ev), 0);
	ealloc(NULL, t->vtext, t->cap * t->nval * sizeof(*t->vtext), 0);
	ealloc(NULL, t->vtlen, t->cap * t->nval * sizeof(*t->vtlen), 0);
	ealloc(NULL, t->vpool, t->vpcap, 0);
	ealloc(NULL, t->keys, t->kcap, 0);
	ealloc(NULL, t->koff, t->cap * sizeof(*t->koff), 0);
	ealloc(NULL, t->klen, t->cap * sizeof(*t->klen), 0);
	ealloc(NULL, t->slot, t->nslot * sizeof(*t->slot), 0);
	ealloc(NULL, t->facts, (t->nval ? t->nval : 1) * sizeof(*t->facts), 0);
	ealloc(NULL, t, sizeof(*t), 0);
}

static bool
rehash(struct atom_table *t)
{
	size_t n = t->nslot * 2, i;
	uint32_t *slot = ealloc(NULL, NULL, 0, n * sizeof(*slot));

	if (slot == NULL)
		return false;
	memset(slot, 0, n * sizeof(*slot));
	for (i = 0; i < t->natoms; i++) {
		size_t j =
		    hash_bytes(t->keys + t->koff[i], t->klen[i]) & (n - 1);

		while (slot[j] != 0)
			j = (j + 1) & (n - 1);
		slot[j] = (uint32_t)i + 1;
	}
	ealloc(NULL, t->slot, t->nslot * sizeof(*t->slot), 0);
	t->slot = slot;
	t->nslot = n;
	return true;
}

/* The atom with key [k, k + klen), added when new; SIZE_MAX when out of
 * memory. */
static size_t
find_or_add(struct atom_table *t, const char *k, size_t klen)
{
	uint64_t h = hash_bytes(k, klen);
	size_t j = h & (t->nslot - 1), a, cap, v;

	while (t->slot[j] != 0) {
		a = t->slot[j] - 1;
		if (t->klen[a] == klen &&
		    memcmp(t->keys + t->koff[a], k, klen) == 0)
			return a;
		j = (j + 1) & (t->nslot - 1);
	}
	if (t->natoms >= UINT32_MAX - 1)
		return SIZE_MAX;
	a = t->natoms;
	if (a == t->cap) {
		cap = t->cap != 0 ? t->cap * 2 : 256;
		if (!resize((void **)&t->rows, t->cap, cap, sizeof(*t->rows)) ||
		    !resize((void **)&t->koff, t->cap, cap, sizeof(*t->koff)) ||
		    !resize((void **)&t->klen, t->cap, cap, sizeof(*t->klen)) ||
		    !resize((void **)&t->state, t->cap * t->nval, cap * t->nval,
			    1) ||
		    !resize((void **)&t->ev, t->cap * t->nval, cap * t->nval,
			    sizeof(*t->ev)) ||
		    !resize((void **)&t->vtext, t->cap * t->nval, cap * t->nval,
			    sizeof(*t->vtext)) ||
		    !resize((void **)&t->vtlen, t->cap * t->nval, cap * t->nval,
			    sizeof(*t->vtlen)))
			return SIZE_MAX;
		t->cap = cap;
	}
	if (!grow((void **)&t->keys, &t->kcap, t->klenall + klen + 1, 1))
		return SIZE_MAX;
	memcpy(t->keys + t->klenall, k, klen);
	t->koff[a] = t->klenall;
	t->klen[a] = (uint32_t)klen;
	t->klenall += klen;
	t->rows[a] = 0;
	for (v = 0; v < t->nval; v++) {
		memset(&t->ev[a * t->nval + v], 0, sizeof(*t->ev));
		t->vtext[a * t->nval + v] = 0;
		t->vtlen[a * t->nval + v] = 0;
	}
	t->slot[j] = (uint32_t)a + 1;
	t->natoms++;
	if (t->natoms * 2 > t->nslot && !rehash(t))
		return SIZE_MAX;
	return a;
}

static void
fail(struct atoms_result *res, enum atoms_error code, const char *msg)
{
	res->code = code;
	snprintf(res->msg, sizeof(res->msg), "%s", msg);
}

/* Encode the current row's key into b->scratch; the values of the value
 * columns into b->vals.  Returns the key length, or SIZE_MAX when out of
 * memory. */
static size_t
row_key(struct builder *b, const struct csvscan *s, uint8_t *states)
{
	const struct atom_spec *sp = b->spec;
	size_t need = 9 * sp->nval, off = 0, i;

	for (i = 0; i < sp->npred; i++)
		need += sp->pred[i].exact ? 5 + s->flen[sp->pred[i].col]
					  : (sp->pred[i].nsets + 7) / 8;
	if (!grow((void **)&b->scratch, &b->scap, need + 1, 1))
		return SIZE_MAX;
	for (i = 0; i < sp->npred; i++) {
		const struct atom_pred *p = &sp->pred[i];
		const char *f = s->fptr[p->col];
		uint32_t len = (uint32_t)s->flen[p->col], j;

		if (p->exact) {
			b->scratch[off] = len > 0;
			memcpy(b->scratch + off + 1, &len, 4);
			memcpy(b->scratch + off + 5, f, len);
			off += 5 + len;
			continue;
		}
		memset(b->scratch + off, 0, (p->nsets + 7) / 8);
		for (j = 0; j < p->nsets; j++)
			if (query_filter_pass(&sp->filters[p->sets[j]], f, len))
				b->scratch[off + j / 8] |= (char)(1 << (j % 8));
		off += (p->nsets + 7) / 8;
	}
	for (i = 0; i < sp->nval; i++) {
		b->scratch[off++] = (char)states[i];
		if (b->split[i] && states[i] == ATOM_NONZERO) {
			memcpy(b->scratch + off, &b->vals[i], 8);
			off += 8;
		}
	}
	return off;
}

static void
builder_free(struct builder *b, const struct atom_spec *spec)
{
	ealloc(NULL, b->scratch, b->scap, 0);
	ealloc(NULL, b->vals, b->vcap * sizeof(double), 0);
	if (b->split != NULL)
		ealloc(NULL, b->split, spec->nval + 1, 0);
	if (b->seen != NULL)
		ealloc(NULL, b->seen,
		       (spec->nval * ATOMS_DISCRETE + 1) * sizeof(double), 0);
	if (b->nseen != NULL)
		ealloc(NULL, b->nseen, (spec->nval + 1) * sizeof(uint32_t), 0);
}

/* Record v among the distinct non-zero values of value column i; false
 * when the column already has ATOMS_DISCRETE others. */
static bool
note_value(struct builder *b, size_t i, double v)
{
	double *set = b->seen + i * ATOMS_DISCRETE;
	uint32_t j, n = b->nseen[i];

	for (j = 0; j < n; j++)
		if (set[j] == v)
			return true;
	if (n == ATOMS_DISCRETE)
		return false;
	set[n] = v;
	b->nseen[i]++;
	return true;
}

/* Keep the text of the value of value column `v` for atom `a`. */
static bool
keep_text(struct atom_table *t, size_t a, size_t v, const char *s, size_t n)
{
	if (t->vtlen[a * t->nval + v] > 0)
		return true;
	if (!grow((void **)&t->vpool, &t->vpcap, t->vplen + n + 1, 1))
		return false;
	memcpy(t->vpool + t->vplen, s, n);
	t->vtext[a * t->nval + v] = (uint32_t)t->vplen;
	t->vtlen[a * t->nval + v] = (uint32_t)n;
	t->vplen += n;
	return true;
}

/*
 * Value column `col` turned out to have many values: stop splitting the
 * atoms by it.  Every key is rewritten without the column's value and the
 * atoms that become equal are merged.  Returns false when out of memory.
 */
static bool
coarsen(struct builder *b, size_t col)
{
	const struct atom_spec *sp = b->spec;
	struct atom_table *t = b->t, *nt, tmp;
	char *key = NULL;
	size_t kcap = 0, a, i, v;
	bool ok = true;

	nt = ealloc(NULL, NULL, 0, sizeof(*nt));
	if (nt == NULL)
		return false;
	memset(nt, 0, sizeof(*nt));
	nt->npred = t->npred;
	nt->nval = t->nval;
	nt->nslot = 256;
	nt->slot = ealloc(NULL, NULL, 0, nt->nslot * sizeof(*nt->slot));
	if (nt->slot == NULL) {
		ealloc(NULL, nt, sizeof(*nt), 0);
		return false;
	}
	memset(nt->slot, 0, nt->nslot * sizeof(*nt->slot));
	for (a = 0; a < t->natoms && ok; a++) {
		const char *k = t->keys + t->koff[a], *end = k + t->klen[a];
		size_t off = 0, na;

		if (!grow((void **)&key, &kcap, t->klen[a] + 1, 1)) {
			ok = false;
			break;
		}
		for (i = 0; i < sp->npred; i++) {
			size_t f = field_size(&sp->pred[i], k);

			memcpy(key + off, k, f);
			off += f;
			k += f;
		}
		for (v = 0; v < sp->nval; v++) {
			uint8_t st = (uint8_t)*k++;

			key[off++] = (char)st;
			if (b->split[v] && st == ATOM_NONZERO) {
				if (v != col) {
					memcpy(key + off, k, 8);
					off += 8;
				}
				k += 8;
			}
		}
		(void)end;
		na = find_or_add(nt, key, off);
		if (na == SIZE_MAX) {
			ok = false;
			break;
		}
		nt->rows[na] += t->rows[a];
		for (v = 0; v < sp->nval; v++) {
			size_t o = a * t->nval + v, n = na * nt->nval + v;

			nt->state[n] = t->state[o];
			sdc_merge(&nt->ev[n], &t->ev[o], sp->ntop);
			if (t->vtlen[o] > 0 &&
			    !keep_text(nt, na, v, t->vpool + t->vtext[o],
				       t->vtlen[o]))
				ok = false;
		}
	}
	ealloc(NULL, key, kcap, 0);
	b->split[col] = false;
	/* The new table takes the old one's place (the caller holds t). */
	nt->facts = t->facts;
	nt->rows_total = t->rows_total;
	t->facts = NULL;
	tmp = *t;
	*t = *nt;
	*nt = tmp;
	atoms_free(nt);
	return ok;
}

void
atoms_build(int fd, size_t ncols, const struct atom_spec *spec,
	    struct atom_table **out, struct atoms_result *res)
{
	struct builder b;
	struct csvscan s;
	struct atom_table *t;
	uint8_t *states = NULL;
	size_t i, scap = 0;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&b, 0, sizeof(b));
	memset(&s, 0, sizeof(s));
	*out = NULL;
	t = ealloc(NULL, NULL, 0, sizeof(*t));
	if (t == NULL) {
		fail(res, ATOMS_NOMEM, "out of memory");
		return;
	}
	memset(t, 0, sizeof(*t));
	t->npred = spec->npred;
	t->nval = spec->nval;
	t->facts = ealloc(NULL, NULL, 0,
			  (spec->nval ? spec->nval : 1) * sizeof(*t->facts));
	t->nslot = 256;
	t->slot = ealloc(NULL, NULL, 0, t->nslot * sizeof(*t->slot));
	if (t->facts == NULL || t->slot == NULL ||
	    !grow((void **)&states, &scap, spec->nval + 1, 1) ||
	    !grow((void **)&b.vals, &b.vcap, spec->nval + 1, sizeof(double)))
		goto nomem;
	b.split = ealloc(NULL, NULL, 0, spec->nval + 1);
	b.seen = ealloc(NULL, NULL, 0,
			(spec->nval * ATOMS_DISCRETE + 1) * sizeof(double));
	b.nseen = ealloc(NULL, NULL, 0, (spec->nval + 1) * sizeof(uint32_t));
	if (b.split == NULL || b.seen == NULL || b.nseen == NULL)
		goto nomem;
	for (i = 0; i < spec->nval; i++) {
		/* A column split by an exact predicate needs no split of its
		 * own. */
		b.split[i] = spec->valpred[i] == SIZE_MAX;
		b.nseen[i] = 0;
	}
	memset(t->facts, 0, (spec->nval ? spec->nval : 1) * sizeof(*t->facts));
	memset(t->slot, 0, t->nslot * sizeof(*t->slot));
	for (i = 0; i < spec->nval; i++)
		t->facts[i].constant = true;
	b.t = t;
	b.spec = spec;
	if (csvscan_init(&s, fd, ealloc, NULL) < 0) {
		fail(res, ATOMS_SCAN, s.err);
		goto bad;
	}
	r = csvscan_next(&s); /* the header, checked when the dataset opened */
	if (r < 0) {
		fail(res, ATOMS_SCAN, s.err);
		goto bad;
	}
	while ((r = csvscan_next(&s)) > 0) {
		size_t klen, a;

		if (s.nfields != ncols) {
			res->code = ATOMS_FIELDS;
			res->line = s.rec_line;
			res->found = s.nfields;
			goto bad;
		}
		for (i = 0; i < spec->nval; i++) {
			struct atom_colfacts *fc = &t->facts[i];
			const char *f = s.fptr[spec->valcol[i]];
			size_t len = s.flen[spec->valcol[i]];
			double v;

			if (len == 0) {
				states[i] = ATOM_MISSING;
				fc->missing++;
				continue;
			}
			if (!query_parse_number(f, len, &v)) {
				/* Decided after the pass, over the whole
				 * column; the row counts as missing. */
				if (!fc->bad) {
					fc->bad = true;
					fc->bad_line = s.rec_line;
					memcpy(fc->bad_text, f,
					       len < 40 ? len : 40);
					fc->bad_text[len < 40 ? len : 40] = 0;
				}
				states[i] = ATOM_MISSING;
				continue;
			}
			if (v == 0) {
				states[i] = ATOM_ZERO;
				v = 0; /* no -0 in a key */
			} else {
				states[i] = ATOM_NONZERO;
				if (fc->nonzero == 0)
					fc->constant_value = v;
				else if (v != fc->constant_value)
					fc->constant = false;
				fc->nonzero++;
				if (b.split[i] && !note_value(&b, i, v) &&
				    !coarsen(&b, i))
					goto nomem;
			}
			b.vals[i] = v;
		}
		klen = row_key(&b, &s, states);
		if (klen == SIZE_MAX)
			goto nomem;
		a = find_or_add(t, b.scratch, klen);
		if (a == SIZE_MAX)
			goto nomem;
		t->rows[a]++;
		t->rows_total++;
		for (i = 0; i < spec->nval; i++) {
			struct sdc_evidence *e = &t->ev[a * t->nval + i];
			double v = b.vals[i];

			t->state[a * t->nval + i] = states[i];
			if (b.split[i] && states[i] == ATOM_NONZERO &&
			    !keep_text(t, a, i, s.fptr[spec->valcol[i]],
				       s.flen[spec->valcol[i]]))
				goto nomem;
			e->rows++;
			if (states[i] == ATOM_MISSING) {
				e->missing++;
				continue;
			}
			e->values++;
			if (states[i] == ATOM_ZERO)
				continue;
			e->nonzero++;
			e->sum += v;
			e->abs_sum += fabs(v);
			if (v < 0)
				e->negatives++;
			sdc_top_add(e, fabs(v), spec->ntop);
		}
	}
	if (r < 0) {
		fail(res, ATOMS_SCAN, s.err);
		goto bad;
	}
	for (i = 0; i < spec->nval; i++) {
		if (t->facts[i].nonzero == 0)
			t->facts[i].constant = false;
		t->facts[i].discrete = b.split[i];
		t->facts[i].homogeneous =
		    b.split[i] || spec->valpred[i] != SIZE_MAX;
	}
	csvscan_fini(&s);
	ealloc(NULL, t->slot, t->nslot * sizeof(*t->slot), 0);
	t->slot = NULL;
	t->nslot = 0;
	builder_free(&b, spec);
	ealloc(NULL, states, scap, 0);
	*out = t;
	return;
nomem:
	fail(res, ATOMS_NOMEM,
	     "the data engine needs more memory than the "
	     "limit (too many distinct groups)");
bad:
	csvscan_fini(&s);
	builder_free(&b, spec);
	ealloc(NULL, states, scap, 0);
	atoms_free(t);
}
