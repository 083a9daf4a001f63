/* audit.c - the query auditor; see audit.h. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "util.h"

typedef unsigned __int128 u128;

/* Rows of one search: more means an attack or a pathological workload. */
#define MAX_SEARCH_ROWS 4096
/* Work to rebuild the echelon form after the classes changed, as a
 * multiple of the per-decision budget. */
#define REBUILD_FACTOR 64

/* A sparse row over classes, sorted by column; val[0] is the pivot's. */
struct srow {
	uint32_t n;
	uint32_t *col;
	uint64_t *val;
};

struct audit {
	uint64_t p;
	uint64_t threshold;
	uint64_t budget;
	uint64_t work;	/* total, for the benchmark */
	uint64_t spent; /* of the current decision */
	bool saturated; /* a rebuild ran out of budget: refuse everything */

	/* atoms */
	uint32_t natoms;
	uint64_t *measure;

	/* released equations over atoms, kept to rebuild */
	uint32_t *pool;
	size_t plen, pcap;
	size_t *eq_off;
	uint32_t *eq_len;
	size_t neq, ceq;

	/* classes */
	int32_t *cls; /* per atom, or -1 */
	uint32_t ncls, ccls;
	uint64_t *cmeasure;
	uint32_t *csize;
	uint64_t *cstamp;
	uint32_t *ctwin;   /* the twin made when the class split this round */
	uint32_t *corigin; /* of a twin: the class it split from */
	uint64_t *cborn;   /* of a twin: the round it was made in */
	uint64_t stamp;
	uint32_t nlarge;
	bool numbered;
	uint32_t *parent; /* union-find over classes */
	bool *root_small; /* per root: the component has a small class */

	/* echelon form */
	bool basis;
	struct srow *rows;
	size_t nrows, crows;
	int32_t *pivot_row; /* per class */
	uint32_t nnumbered; /* classes the arrays made by numbering hold */

	bool last_eq, last_row;

	/* scratch over classes */
	uint64_t *dense;
	uint32_t *heap;
	bool *inheap;
	uint32_t *touched;
	size_t ntouched;
	uint32_t *eqcls; /* one equation as classes */
	uint64_t *eqstamp;
	uint32_t *cseen;
};

/* ---- arithmetic modulo p ---- */

static uint64_t
mulm(uint64_t a, uint64_t b, uint64_t p)
{
	return (uint64_t)(((u128)a * b) % p);
}

static uint64_t
subm(uint64_t a, uint64_t b, uint64_t p)
{
	return a >= b ? a - b : a + (p - b);
}

static uint64_t
powm(uint64_t a, uint64_t e, uint64_t p)
{
	uint64_t r = 1;

	while (e > 0) {
		if (e & 1)
			r = mulm(r, a, p);
		a = mulm(a, a, p);
		e >>= 1;
	}
	return r;
}

static uint64_t
invm(uint64_t a, uint64_t p)
{
	return powm(a, p - 2, p);
}

/* Deterministic Miller-Rabin for 64-bit numbers. */
static bool
is_prime(uint64_t n)
{
	static const uint64_t bases[] = { 2,  3,  5,  7,  11, 13,
					  17, 19, 23, 29, 31, 37 };
	uint64_t d = n - 1;
	unsigned s = 0, i, r;

	if (n < 2 || n % 2 == 0)
		return n == 2;
	while (d % 2 == 0) {
		d /= 2;
		s++;
	}
	for (i = 0; i < PT_ARRAY_LEN(bases); i++) {
		uint64_t x = powm(bases[i] % n, d, n);

		if (x == 0 || x == 1 || x == n - 1)
			continue;
		for (r = 1; r < s; r++) {
			x = mulm(x, x, n);
			if (x == n - 1)
				break;
		}
		if (r == s)
			return false;
	}
	return true;
}

uint64_t
audit_prime(uint64_t seed)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull, n;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	n = (1ull << 61) | (z & ((1ull << 61) - 1)) | 1;
	while (!is_prime(n))
		n += 2;
	return n;
}

/* ---- life cycle ---- */

struct audit *
audit_new(uint64_t prime, uint64_t threshold, uint64_t budget)
{
	struct audit *a = xcalloc(1, sizeof(*a));

	a->p = prime;
	a->threshold = threshold;
	a->budget = budget;
	return a;
}

static void
free_rows(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->nrows; i++) {
		free(a->rows[i].col);
		free(a->rows[i].val);
	}
	a->nrows = 0;
	a->basis = false;
	if (a->pivot_row != NULL)
		memset(a->pivot_row, 0xff,
		       a->nnumbered * sizeof(*a->pivot_row));
}

static void
free_classes(struct audit *a)
{
	free(a->cmeasure);
	free(a->csize);
	free(a->cstamp);
	free(a->ctwin);
	free(a->corigin);
	free(a->cborn);
	free(a->parent);
	free(a->root_small);
	free(a->pivot_row);
	free(a->dense);
	free(a->heap);
	free(a->inheap);
	free(a->touched);
	free(a->eqcls);
	free(a->eqstamp);
	free(a->cseen);
	a->cmeasure = NULL;
	a->csize = NULL;
	a->cstamp = NULL;
	a->ctwin = NULL;
	a->corigin = NULL;
	a->cborn = NULL;
	a->parent = NULL;
	a->root_small = NULL;
	a->pivot_row = NULL;
	a->dense = NULL;
	a->heap = NULL;
	a->inheap = NULL;
	a->touched = NULL;
	a->eqcls = NULL;
	a->eqstamp = NULL;
	a->cseen = NULL;
	a->ncls = a->ccls = 0;
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	free_rows(a);
	free(a->rows);
	free_classes(a);
	free(a->cls);
	free(a->measure);
	free(a->pool);
	free(a->eq_off);
	free(a->eq_len);
	free(a);
}

void
audit_reset(struct audit *a, const uint64_t *measure, uint32_t natoms)
{
	free_rows(a);
	free_classes(a);
	free(a->cls);
	free(a->measure);
	a->natoms = natoms;
	a->measure = xcalloc(natoms ? natoms : 1, sizeof(*a->measure));
	if (natoms > 0)
		memcpy(a->measure, measure, natoms * sizeof(*measure));
	a->cls = xmalloc((natoms ? natoms : 1) * sizeof(*a->cls));
	memset(a->cls, 0xff, (natoms ? natoms : 1) * sizeof(*a->cls));
	a->plen = 0;
	a->neq = 0;
	a->numbered = false;
	a->saturated = false;
	a->last_eq = a->last_row = false;
}

uint64_t
audit_work(const struct audit *a)
{
	return a->work;
}

size_t
audit_equations(const struct audit *a)
{
	return a->neq;
}

static void
record_eq(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	if (a->plen + n > a->pcap) {
		a->pcap = (a->plen + n) * 2 + 64;
		a->pool = xreallocarray(a->pool, a->pcap, sizeof(*a->pool));
	}
	if (a->neq == a->ceq) {
		a->ceq = a->ceq * 2 + 16;
		a->eq_off =
		    xreallocarray(a->eq_off, a->ceq, sizeof(*a->eq_off));
		a->eq_len =
		    xreallocarray(a->eq_len, a->ceq, sizeof(*a->eq_len));
	}
	if (n > 0)
		memcpy(a->pool + a->plen, atoms, n * sizeof(*atoms));
	a->eq_off[a->neq] = a->plen;
	a->eq_len[a->neq] = n;
	a->plen += n;
	a->neq++;
}

void
audit_add_released(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	record_eq(a, atoms, n);
	a->numbered = false; /* the classes must take it into account */
}

/* ---- classes: partition refinement over the equations ---- */

static uint32_t
new_class(struct audit *a)
{
	if (a->ncls == a->ccls) {
		a->ccls = a->ccls * 2 + 64;
		a->cmeasure =
		    xreallocarray(a->cmeasure, a->ccls, sizeof(*a->cmeasure));
		a->csize = xreallocarray(a->csize, a->ccls, sizeof(*a->csize));
		a->cstamp =
		    xreallocarray(a->cstamp, a->ccls, sizeof(*a->cstamp));
		a->ctwin = xreallocarray(a->ctwin, a->ccls, sizeof(*a->ctwin));
		a->corigin =
		    xreallocarray(a->corigin, a->ccls, sizeof(*a->corigin));
		a->cborn = xreallocarray(a->cborn, a->ccls, sizeof(*a->cborn));
	}
	a->cmeasure[a->ncls] = 0;
	a->csize[a->ncls] = 0;
	a->cstamp[a->ncls] = 0;
	a->ctwin[a->ncls] = UINT32_MAX;
	a->corigin[a->ncls] = UINT32_MAX;
	a->cborn[a->ncls] = 0;
	return a->ncls++;
}

static void
move_atom(struct audit *a, uint32_t at, uint32_t from, uint32_t to)
{
	a->cls[at] = (int32_t)to;
	a->csize[from]--;
	a->cmeasure[from] -= a->measure[at];
	a->csize[to]++;
	a->cmeasure[to] += a->measure[at];
}

/*
 * Split every class by membership in `atoms` (sorted, unique): the atoms
 * of a class that are in the equation move to a twin class made for this
 * round; a class that moved whole is put back.  Atoms that were in no
 * class share one new class.  True if the partition changed.  Linear in
 * the equation's length.
 */
static bool
refine(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	uint64_t st = ++a->stamp;
	uint32_t fresh = UINT32_MAX, i;
	bool changed = false;

	for (i = 0; i < n; i++) {
		uint32_t at = atoms[i], c;

		if (at >= a->natoms || a->measure[at] == 0)
			continue;
		if (a->cls[at] < 0) {
			if (fresh == UINT32_MAX) {
				fresh = new_class(a);
				a->cborn[fresh] = st;
			}
			a->cls[at] = (int32_t)fresh;
			a->csize[fresh]++;
			a->cmeasure[fresh] += a->measure[at];
			changed = true;
			continue;
		}
		c = (uint32_t)a->cls[at];
		if (a->cborn[c] == st)
			continue; /* made this round: a duplicate atom */
		if (a->cstamp[c] != st) {
			uint32_t tw = new_class(a);

			a->cstamp[c] = st;
			a->ctwin[c] = tw;
			a->cborn[tw] = st;
			a->corigin[tw] = c;
		}
		move_atom(a, at, c, a->ctwin[c]);
	}
	for (i = 0; i < n; i++) {
		uint32_t at = atoms[i], t, c;

		if (at >= a->natoms || a->cls[at] < 0)
			continue;
		t = (uint32_t)a->cls[at];
		if (a->cborn[t] != st || a->corigin[t] == UINT32_MAX)
			continue;
		c = a->corigin[t];
		if (a->csize[c] == 0 || a->ctwin[c] == UINT32_MAX) {
			/* c moved whole into its twin: it did not split */
			a->ctwin[c] = UINT32_MAX;
			move_atom(a, at, t, c);
		} else {
			changed = true;
		}
	}
	return changed;
}

/* Atoms of measure 0 or in no equation have no class. */
static void
classes_from_scratch(struct audit *a)
{
	size_t e;

	a->ncls = 0;
	memset(a->cls, 0xff, (a->natoms ? a->natoms : 1) * sizeof(*a->cls));
	for (e = 0; e < a->neq; e++)
		(void)refine(a, a->pool + a->eq_off[e], a->eq_len[e]);
}

/* Renumber the live classes: large ones first, each group in the order
 * of its first atom, so that every decision is reproducible. */
static void
number_classes(struct audit *a)
{
	uint32_t *newid = xmalloc((a->ncls + 1) * sizeof(*newid));
	uint64_t *meas;
	uint32_t *size, i, nl = 0, ns = 0, nlive = 0, pass;

	for (i = 0; i < a->ncls; i++) {
		newid[i] = UINT32_MAX;
		if (a->csize[i] > 0)
			nlive++;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < a->natoms; i++) {
			int32_t c = a->cls[i];
			bool large;

			if (c < 0 || newid[c] != UINT32_MAX)
				continue;
			large = a->cmeasure[c] >= a->threshold;
			if (pass == 0 && large)
				newid[c] = nl++;
			else if (pass == 1 && !large)
				newid[c] = nl + ns++;
		}
	}
	meas = xcalloc(nlive + 1, sizeof(*meas));
	size = xcalloc(nlive + 1, sizeof(*size));
	for (i = 0; i < a->ncls; i++)
		if (newid[i] != UINT32_MAX) {
			meas[newid[i]] = a->cmeasure[i];
			size[newid[i]] = a->csize[i];
		}
	for (i = 0; i < a->natoms; i++)
		if (a->cls[i] >= 0)
			a->cls[i] = (int32_t)newid[a->cls[i]];
	free(newid);
	free_classes(a);
	a->ncls = a->ccls = nlive;
	a->cmeasure = meas;
	a->csize = size;
	a->cstamp = xcalloc(nlive + 1, sizeof(*a->cstamp));
	a->ctwin = xcalloc(nlive + 1, sizeof(*a->ctwin));
	a->corigin = xcalloc(nlive + 1, sizeof(*a->corigin));
	a->cborn = xcalloc(nlive + 1, sizeof(*a->cborn));
	for (i = 0; i < nlive; i++)
		a->ctwin[i] = a->corigin[i] = UINT32_MAX;
	a->nlarge = nl;
	a->parent = xcalloc(nlive + 1, sizeof(*a->parent));
	a->root_small = xcalloc(nlive + 1, sizeof(*a->root_small));
	a->nnumbered = nlive + 1;
	a->pivot_row = xmalloc((nlive + 1) * sizeof(*a->pivot_row));
	memset(a->pivot_row, 0xff, (nlive + 1) * sizeof(*a->pivot_row));
	a->dense = xcalloc(nlive + 1, sizeof(*a->dense));
	a->heap = xcalloc(nlive + 1, sizeof(*a->heap));
	a->inheap = xcalloc(nlive + 1, sizeof(*a->inheap));
	a->touched = xcalloc(nlive + 1, sizeof(*a->touched));
	a->eqcls = xcalloc(nlive + 1, sizeof(*a->eqcls));
	a->eqstamp = xcalloc(nlive + 1, sizeof(*a->eqstamp));
	a->cseen = xcalloc(nlive + 1, sizeof(*a->cseen));
	a->numbered = true;
}

/* ---- small helpers ---- */

static bool
over_budget(struct audit *a, uint64_t units)
{
	a->spent += units;
	a->work += units;
	return a->spent > a->budget;
}

static void
sort_u32(uint32_t *v, size_t n)
{
	size_t gap, i, j;

	/* Shell sort: no allocation, fine for the lengths met here. */
	for (gap = n / 2; gap > 0; gap /= 2)
		for (i = gap; i < n; i++) {
			uint32_t x = v[i];

			for (j = i; j >= gap && v[j - gap] > x; j -= gap)
				v[j] = v[j - gap];
			v[j] = x;
		}
}

/* The classes of an equation over atoms, sorted, in a->eqcls; returns the
 * count, or -1 when it covers part of a class (it was not declared to
 * audit_prepare) or an atom no class holds. */
static int64_t
eq_classes(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	uint64_t st = ++a->stamp;
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		int32_t c;

		if (atoms[i] >= a->natoms || a->measure[atoms[i]] == 0)
			continue;
		c = a->cls[atoms[i]];
		if (c < 0 || (uint32_t)c >= a->ncls)
			return -1;
		if (a->eqstamp[c] != st) {
			a->eqstamp[c] = st;
			a->cseen[c] = 0;
			a->eqcls[k++] = (uint32_t)c;
		}
		a->cseen[c]++;
	}
	for (i = 0; i < k; i++)
		if (a->cseen[a->eqcls[i]] != a->csize[a->eqcls[i]])
			return -1;
	sort_u32(a->eqcls, k);
	return k;
}

/* ---- components: union-find over classes ---- */

static uint32_t
find_root(struct audit *a, uint32_t c)
{
	while (a->parent[c] != c) {
		a->parent[c] = a->parent[a->parent[c]];
		c = a->parent[c];
	}
	return c;
}

static void
join_eq(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	int64_t k = eq_classes(a, atoms, n), i;
	uint32_t r0;

	if (k <= 1)
		return;
	r0 = find_root(a, a->eqcls[0]);
	for (i = 1; i < k; i++) {
		uint32_t r = find_root(a, a->eqcls[i]);

		if (r != r0) {
			if (r < r0) {
				a->parent[r0] = r;
				r0 = r;
			} else {
				a->parent[r] = r0;
			}
		}
	}
}

static void
components(struct audit *a, const uint32_t *const *cand, const uint32_t *ncand,
	   size_t n)
{
	uint32_t c;
	size_t e;

	for (c = 0; c < a->ncls; c++)
		a->parent[c] = c;
	for (e = 0; e < a->neq; e++)
		join_eq(a, a->pool + a->eq_off[e], a->eq_len[e]);
	for (e = 0; e < n; e++)
		join_eq(a, cand[e], ncand[e]);
	memset(a->root_small, 0, a->ncls * sizeof(*a->root_small));
	for (c = a->nlarge; c < a->ncls; c++)
		a->root_small[find_root(a, c)] = true;
}

/* ---- echelon form ---- */

static void
heap_push(struct audit *a, size_t *hn, uint32_t c)
{
	size_t i = (*hn)++;

	while (i > 0 && a->heap[(i - 1) / 2] > c) {
		a->heap[i] = a->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	a->heap[i] = c;
}

static uint32_t
heap_pop(struct audit *a, size_t *hn)
{
	uint32_t top = a->heap[0], x = a->heap[--(*hn)];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < *hn && a->heap[l] < x)
			m = l;
		if (l + 1 < *hn && a->heap[l + 1] < (m == i ? x : a->heap[l]))
			m = l + 1;
		if (m == i)
			break;
		a->heap[i] = a->heap[m];
		i = m;
	}
	if (*hn > 0)
		a->heap[i] = x;
	return top;
}

/*
 * Reduce the 0/1 equation over the classes a->eqcls[0..k) against the
 * echelon rows, columns in increasing order (a row is zero left of its
 * pivot, so a column once passed never changes again).  The result, the
 * nonzero entries in column order, is put in `out`, with its pivot scaled
 * to 1.  Returns false when over budget.
 */
static bool
reduce(struct audit *a, uint32_t k, struct srow *out)
{
	size_t hn = 0, i, cap = 16;
	bool ok = true;

	out->n = 0;
	out->col = xmalloc(cap * sizeof(*out->col));
	out->val = xmalloc(cap * sizeof(*out->val));
	a->ntouched = 0;
	for (i = 0; i < k; i++) {
		uint32_t c = a->eqcls[i];

		a->dense[c] = 1;
		a->inheap[c] = true;
		a->touched[a->ntouched++] = c;
		heap_push(a, &hn, c);
	}
	while (hn > 0) {
		uint32_t c = heap_pop(a, &hn), j;
		uint64_t x = a->dense[c];
		int32_t pr;

		a->inheap[c] = false;
		if (x == 0)
			continue;
		pr = a->pivot_row[c];
		if (pr < 0) {
			if (out->n == cap) {
				cap *= 2;
				out->col = xreallocarray(out->col, cap,
							 sizeof(*out->col));
				out->val = xreallocarray(out->val, cap,
							 sizeof(*out->val));
			}
			out->col[out->n] = c;
			out->val[out->n++] = x;
			continue;
		}
		if (over_budget(a, a->rows[pr].n)) {
			ok = false;
			break;
		}
		for (j = 0; j < a->rows[pr].n; j++) {
			uint32_t col = a->rows[pr].col[j];

			a->dense[col] =
			    subm(a->dense[col],
				 mulm(x, a->rows[pr].val[j], a->p), a->p);
			if (col != c && !a->inheap[col]) {
				a->inheap[col] = true;
				a->touched[a->ntouched++] = col;
				heap_push(a, &hn, col);
			}
		}
	}
	for (i = 0; i < a->ntouched; i++) {
		a->dense[a->touched[i]] = 0;
		a->inheap[a->touched[i]] = false;
	}
	a->ntouched = 0;
	if (ok && out->n > 0) {
		uint64_t inv = invm(out->val[0], a->p);

		for (i = 0; i < out->n; i++)
			out->val[i] = mulm(out->val[i], inv, a->p);
	}
	return ok;
}

static void
append_row(struct audit *a, struct srow *r)
{
	if (a->nrows == a->crows) {
		a->crows = a->crows * 2 + 16;
		a->rows = xreallocarray(a->rows, a->crows, sizeof(*a->rows));
	}
	a->pivot_row[r->col[0]] = (int32_t)a->nrows;
	a->rows[a->nrows++] = *r;
	r->col = NULL;
	r->val = NULL;
	r->n = 0;
}

static void
srow_free(struct srow *r)
{
	free(r->col);
	free(r->val);
	r->col = NULL;
	r->val = NULL;
	r->n = 0;
}

/* Echelon form of every released equation; false when over budget. */
static bool
rebuild_basis(struct audit *a)
{
	uint64_t saved = a->budget;
	size_t e;
	bool ok = true;

	free_rows(a);
	a->basis = true;
	a->spent = 0;
	a->budget = saved * REBUILD_FACTOR;
	for (e = 0; e < a->neq && ok; e++) {
		int64_t k = eq_classes(a, a->pool + a->eq_off[e], a->eq_len[e]);
		struct srow r;

		if (k < 0) {
			ok = false;
			break;
		}
		if (!reduce(a, (uint32_t)k, &r))
			ok = false;
		else if (r.n > 0)
			append_row(a, &r);
		srow_free(&r);
	}
	a->budget = saved;
	return ok;
}

/* ---- the search for a small derivable population ---- */

struct search {
	struct audit *a;
	uint32_t k;	   /* rows, reduced against each other */
	struct srow *r;	   /* columns renumbered 0 .. ncols-1 */
	uint64_t *measure; /* per column */
	uint32_t *close;   /* the columns each row is the last to touch */
	uint32_t *close_off;
	uint64_t *sum; /* the current combination, per column */
	uint64_t limit;
	enum { FOUND_NONE, FOUND_SMALL, FOUND_BUDGET } result;
};

/* dst -= x * src, both sorted sparse rows. */
static void
row_axpy(struct srow *dst, uint64_t x, const struct srow *src, uint64_t p)
{
	uint32_t *col = xmalloc((dst->n + src->n + 1) * sizeof(*col));
	uint64_t *val = xmalloc((dst->n + src->n + 1) * sizeof(*val));
	uint32_t i = 0, j = 0, n = 0;

	while (i < dst->n || j < src->n) {
		uint64_t v;
		uint32_t c;

		if (j == src->n || (i < dst->n && dst->col[i] < src->col[j])) {
			c = dst->col[i];
			v = dst->val[i++];
		} else if (i == dst->n || src->col[j] < dst->col[i]) {
			c = src->col[j];
			v = subm(0, mulm(x, src->val[j++], p), p);
		} else {
			c = dst->col[i];
			v = subm(dst->val[i++], mulm(x, src->val[j++], p), p);
		}
		if (v != 0) {
			col[n] = c;
			val[n++] = v;
		}
	}
	free(dst->col);
	free(dst->val);
	dst->col = col;
	dst->val = val;
	dst->n = n;
}

static bool
row_get(const struct srow *r, uint32_t c, uint64_t *v)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->col[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < r->n && r->col[lo] == c) {
		*v = r->val[lo];
		return true;
	}
	return false;
}

/* By pivot.  Not qsort: glibc's may call sysinfo(2) for large arrays,
 * which the sandbox's seccomp filter does not allow. */
static void
sort_by_pivot(struct srow *r, size_t n)
{
	size_t gap, i, j;

	for (gap = n / 2; gap > 0; gap /= 2)
		for (i = gap; i < n; i++) {
			struct srow x = r[i];

			for (j = i; j >= gap && r[j - gap].col[0] > x.col[0];
			     j -= gap)
				r[j] = r[j - gap];
			r[j] = x;
		}
}

/* The columns of row i that no later row touches must hold 0 or 1 now;
 * add the measure of the ones.  False when one holds anything else. */
static bool
close_columns(struct search *S, uint32_t i, uint64_t *lb)
{
	uint32_t j;

	for (j = S->close_off[i]; j < S->close_off[i + 1]; j++) {
		uint64_t v = S->sum[S->close[j]];

		if (v == 1)
			*lb += S->measure[S->close[j]];
		else if (v != 0)
			return false;
	}
	return true;
}

static void
add_row(struct search *S, uint32_t i, bool subtract)
{
	const struct srow *r = &S->r[i];
	uint64_t p = S->a->p;
	uint32_t j;

	for (j = 0; j < r->n; j++)
		S->sum[r->col[j]] = subtract
					? subm(S->sum[r->col[j]], r->val[j], p)
					: (S->sum[r->col[j]] + r->val[j]) % p;
}

/*
 * Decide row i in or out.  The pivot of a row is touched by that row
 * alone, so including a row always adds its pivot's measure: a
 * combination of measure below the threshold has fewer rows than the
 * threshold, which bounds the depth of inclusion.
 */
static void
dfs(struct search *S, uint32_t i, uint64_t lb, uint32_t chosen)
{
	uint64_t l;

	if (S->result != FOUND_NONE)
		return;
	if (over_budget(S->a, 1)) {
		S->result = FOUND_BUDGET;
		return;
	}
	if (i == S->k) {
		if (chosen > 0)
			S->result = FOUND_SMALL;
		return;
	}
	l = lb;
	if (close_columns(S, i, &l) && l <= S->limit)
		dfs(S, i + 1, l, chosen);
	if (S->result != FOUND_NONE)
		return;
	add_row(S, i, false);
	l = lb;
	if (close_columns(S, i, &l) && l <= S->limit)
		dfs(S, i + 1, l, chosen + 1);
	add_row(S, i, true);
}

/* Would adding the reduced row `nr` (pivot on a small class) let a small
 * population be derived?  Searches the component of its pivot. */
static enum audit_verdict
search(struct audit *a, const struct srow *nr)
{
	uint32_t root = find_root(a, nr->col[0]), k = 0, i, j, ncols = 0;
	struct search S;
	struct srow *tr;
	enum audit_verdict v = AUDIT_RELEASED;
	uint64_t st;
	uint32_t *last, *nclose;

	for (i = 0; i < a->nrows; i++) {
		uint32_t pv = a->rows[i].col[0];

		if (pv >= a->nlarge && find_root(a, pv) == root)
			k++;
	}
	if (k + 1 > MAX_SEARCH_ROWS)
		return AUDIT_BUDGET;
	tr = xcalloc(k + 1, sizeof(*tr));
	k = 0;
	for (i = 0; i <= a->nrows; i++) {
		const struct srow *src = i < a->nrows ? &a->rows[i] : nr;

		if (i < a->nrows && (src->col[0] < a->nlarge ||
				     find_root(a, src->col[0]) != root))
			continue;
		tr[k].n = src->n;
		tr[k].col = xmalloc((src->n + 1) * sizeof(*tr[k].col));
		tr[k].val = xmalloc((src->n + 1) * sizeof(*tr[k].val));
		memcpy(tr[k].col, src->col, src->n * sizeof(*src->col));
		memcpy(tr[k].val, src->val, src->n * sizeof(*src->val));
		k++;
	}
	sort_by_pivot(tr, k);
	/* Gauss-Jordan: each pivot column then appears in its own row only. */
	for (i = 0; i < k && v == AUDIT_RELEASED; i++)
		for (j = 0; j < k; j++) {
			uint64_t x;

			if (j == i || !row_get(&tr[j], tr[i].col[0], &x))
				continue;
			if (over_budget(a, tr[i].n + tr[j].n)) {
				v = AUDIT_BUDGET;
				break;
			}
			row_axpy(&tr[j], x, &tr[i], a->p);
		}
	memset(&S, 0, sizeof(S));
	if (v != AUDIT_RELEASED)
		goto out;
	/* Renumber the columns met, in class order. */
	st = ++a->stamp;
	for (i = 0; i < k; i++)
		for (j = 0; j < tr[i].n; j++) {
			uint32_t c = tr[i].col[j];

			if (a->eqstamp[c] != st) {
				a->eqstamp[c] = st;
				a->eqcls[ncols++] = c;
			}
		}
	sort_u32(a->eqcls, ncols);
	S.measure = xcalloc(ncols + 1, sizeof(*S.measure));
	S.sum = xcalloc(ncols + 1, sizeof(*S.sum));
	last = xcalloc(ncols + 1, sizeof(*last));
	nclose = xcalloc(k + 2, sizeof(*nclose));
	for (j = 0; j < ncols; j++) {
		a->cseen[a->eqcls[j]] = j;
		S.measure[j] = a->cmeasure[a->eqcls[j]];
	}
	for (i = 0; i < k; i++)
		for (j = 0; j < tr[i].n; j++) {
			tr[i].col[j] = a->cseen[tr[i].col[j]];
			last[tr[i].col[j]] = i;
		}
	for (j = 0; j < ncols; j++)
		nclose[last[j]]++;
	S.close_off = xcalloc(k + 2, sizeof(*S.close_off));
	for (i = 0; i < k; i++)
		S.close_off[i + 1] = S.close_off[i] + nclose[i];
	S.close_off[k + 1] = S.close_off[k];
	S.close = xcalloc(ncols + 1, sizeof(*S.close));
	memset(nclose, 0, (k + 2) * sizeof(*nclose));
	for (j = 0; j < ncols; j++)
		S.close[S.close_off[last[j]] + nclose[last[j]]++] = j;
	free(last);
	free(nclose);
	S.a = a;
	S.k = k;
	S.r = tr;
	S.limit = a->threshold - 1;
	S.result = FOUND_NONE;
	dfs(&S, 0, 0, 0);
	v = S.result == FOUND_SMALL    ? AUDIT_REFUSED
	    : S.result == FOUND_BUDGET ? AUDIT_BUDGET
				       : AUDIT_RELEASED;
out:
	for (i = 0; i < k; i++)
		srow_free(&tr[i]);
	free(tr);
	free(S.measure);
	free(S.sum);
	free(S.close);
	free(S.close_off);
	return v;
}

/* ---- the entry points ---- */

void
audit_prepare(struct audit *a, const uint32_t *const *cand,
	      const uint32_t *ncand, size_t n)
{
	bool changed = false;
	size_t e;

	a->last_eq = a->last_row = false;
	if (a->threshold <= 1 || a->saturated)
		return;
	if (!a->numbered) {
		classes_from_scratch(a);
		changed = true;
	}
	for (e = 0; e < n; e++)
		changed = refine(a, cand[e], ncand[e]) || changed;
	if (changed) {
		free_rows(a);
		number_classes(a);
	} else {
		/* Only twins that were put back again were made: drop them. */
		a->ncls = a->nnumbered - 1;
	}
	components(a, cand, ncand, n);
	if (a->nlarge == a->ncls) {
		/* Every class is large: no small population exists. */
		free_rows(a);
		return;
	}
	if (!a->basis && !rebuild_basis(a)) {
		a->saturated = true;
		free_rows(a);
	}
}

enum audit_verdict
audit_try(struct audit *a, const uint32_t *atoms, uint32_t n)
{
	enum audit_verdict v;
	struct srow r;
	int64_t k;

	/* last_eq and last_row keep naming the last release until it is
	 * undone, also across a refused try (a mean's second equation). */
	if (a->threshold > 1 && a->saturated)
		return AUDIT_BUDGET;
	if (a->threshold <= 1 || !a->numbered) {
		if (a->threshold > 1)
			return AUDIT_BUDGET; /* not prepared */
		record_eq(a, atoms, n);
		a->last_eq = true;
		a->last_row = false;
		return AUDIT_RELEASED;
	}
	a->spent = 0;
	k = eq_classes(a, atoms, n);
	if (k < 0)
		return AUDIT_BUDGET; /* not declared: refuse */
	if (k == 0 || !a->basis) {
		record_eq(a, atoms, n);
		a->last_eq = true;
		a->last_row = false;
		return AUDIT_RELEASED;
	}
	if (!reduce(a, (uint32_t)k, &r)) {
		srow_free(&r);
		return AUDIT_BUDGET;
	}
	if (r.n == 0 || r.col[0] < a->nlarge)
		v = AUDIT_RELEASED;
	else
		v = search(a, &r);
	if (v == AUDIT_RELEASED) {
		a->last_row = r.n > 0;
		if (r.n > 0)
			append_row(a, &r);
		record_eq(a, atoms, n);
		a->last_eq = true;
	}
	srow_free(&r);
	return v;
}

void
audit_undo(struct audit *a)
{
	if (a->last_row) {
		struct srow *r = &a->rows[--a->nrows];

		a->pivot_row[r->col[0]] = -1;
		srow_free(r);
	}
	if (a->last_eq) {
		a->neq--;
		a->plen -= a->eq_len[a->neq];
	}
	a->last_eq = a->last_row = false;
}
