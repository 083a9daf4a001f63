/* audit.c - the query auditor; see audit.h. */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "util.h"

typedef unsigned __int128 u128;

/* Rows of one search: more means an attack or a pathological workload. */
#define MAX_SEARCH_ROWS 4096
/* Work to rebuild the echelon form after the classes changed, as a
 * multiple of the per-decision budget, and never more than is left of the
 * total. */
#define REBUILD_FACTOR 1000
/* Work over the whole run, as a multiple of the per-decision budget
 * (some seconds of CPU time): past it the system refuses every further
 * answer, so a script cannot make the auditor spend the run's CPU time. */
#define TOTAL_FACTOR 2000

/* A sparse row over classes, sorted by column; val[0] is the pivot's. */
struct srow {
	uint32_t n;
	uint32_t *col;
	uint64_t *val;
};

/* Partition refinement: the twin made for (class, weight) this round. */
struct twin {
	uint64_t round;
	uint64_t coef;
	uint32_t cls;
	uint32_t twin;
};

struct audit {
	uint64_t p;
	uint64_t threshold;
	uint64_t budget;
	uint64_t work;	       /* total, for the benchmark */
	uint64_t total_budget; /* past it, everything is refused */
	uint64_t spent;	       /* of the current decision */
	bool saturated; /* a rebuild ran out of budget: refuse everything */

	/* atoms */
	uint32_t natoms;
	uint64_t *measure;
	const struct sdc_evidence *ev; /* per atom, or NULL */
	struct sdc_params evp;

	/* released equations over atoms, kept to rebuild */
	uint32_t *pool;
	uint64_t *cpool; /* weights, beside pool */
	size_t plen, pcap;
	size_t *eq_off;
	uint32_t *eq_len;
	size_t neq, ceq;

	/* classes */
	int32_t *cls; /* per atom, or -1 */
	uint32_t ncls, ccls;
	uint64_t *cmeasure;
	uint32_t *csize;
	uint64_t *cstamp;  /* the round the class last split in */
	uint32_t *ntwins;  /* twins made for it that round */
	uint32_t *corigin; /* of a twin: the class it split from */
	uint64_t *cborn;   /* of a twin: the round it was made in */
	uint64_t stamp;
	struct twin *tmap;
	size_t tcap;
	uint32_t nlarge;
	bool numbered;
	uint32_t nnumbered; /* classes the arrays made by numbering hold */
	uint32_t *catoms;   /* atoms per class, CSR with catoms_off */
	uint32_t *catoms_off;

	/* echelon form */
	bool basis;
	struct srow *rows;
	size_t nrows, crows;
	int32_t *pivot_row; /* per class */

	bool last_eq, last_row;
	/* what appending the last row did to the others: row i lost
	 * elim_x[j] times the new row */
	uint32_t *elim_row;
	uint64_t *elim_x;
	size_t nelim, celim;

	/* scratch over classes */
	uint64_t *dense;
	uint32_t *heap;
	bool *inheap;
	uint32_t *touched;
	size_t ntouched;
	uint32_t *eqcls; /* one equation as classes and weights */
	uint64_t *eqcoef;
	uint64_t *ctmp;
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

bool
audit_mod_decimal(const char *s, size_t n, uint64_t p, uint64_t *out)
{
	size_t i = 0, digits = 0;
	int64_t exp10 = 0, e = 0;
	bool neg = false, eneg = false;
	uint64_t v = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++)
		v = (mulm(v, 10, p) + (uint64_t)(s[i] - '0')) % p;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			v = (mulm(v, 10, p) + (uint64_t)(s[i] - '0')) % p;
			exp10--;
		}
	if (digits == 0)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ed++)
			if (e < 1000000)
				e = e * 10 + (s[i] - '0');
		if (ed == 0)
			return false;
	}
	if (i != n)
		return false;
	exp10 += eneg ? -e : e;
	v = exp10 >= 0 ? mulm(v, powm(10, (uint64_t)exp10, p), p)
		       : mulm(v, powm(invm(10, p), (uint64_t)-exp10, p), p);
	*out = neg ? (p - v) % p : v;
	return true;
}

/* ---- life cycle ---- */

struct audit *
audit_new(uint64_t prime, uint64_t threshold, uint64_t budget)
{
	struct audit *a = xcalloc(1, sizeof(*a));

	a->p = prime;
	a->threshold = threshold;
	a->budget = budget;
	a->total_budget = budget * TOTAL_FACTOR;
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
	free(a->ntwins);
	free(a->corigin);
	free(a->cborn);
	free(a->catoms);
	free(a->catoms_off);
	free(a->pivot_row);
	free(a->dense);
	free(a->heap);
	free(a->inheap);
	free(a->touched);
	free(a->eqcls);
	free(a->eqcoef);
	free(a->ctmp);
	free(a->eqstamp);
	free(a->cseen);
	a->cmeasure = NULL;
	a->csize = NULL;
	a->cstamp = NULL;
	a->ntwins = NULL;
	a->corigin = NULL;
	a->cborn = NULL;
	a->catoms = NULL;
	a->catoms_off = NULL;
	a->pivot_row = NULL;
	a->dense = NULL;
	a->heap = NULL;
	a->inheap = NULL;
	a->touched = NULL;
	a->eqcls = NULL;
	a->eqcoef = NULL;
	a->ctmp = NULL;
	a->eqstamp = NULL;
	a->cseen = NULL;
	a->ncls = a->ccls = 0;
	a->nnumbered = 0;
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
	free(a->cpool);
	free(a->eq_off);
	free(a->eq_len);
	free(a->tmap);
	free(a->elim_row);
	free(a->elim_x);
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
	a->ev = NULL;
	a->plen = 0;
	a->neq = 0;
	a->numbered = false;
	a->saturated = false;
	a->last_eq = a->last_row = false;
}

void
audit_set_evidence(struct audit *a, const struct sdc_evidence *ev,
		   const struct sdc_params *p)
{
	a->ev = ev;
	a->evp = *p;
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

static uint64_t
weight(const struct audit *a, const struct audit_eq *e, uint32_t i)
{
	return e->coef != NULL ? e->coef[i] % a->p : 1;
}

static void
record_eq(struct audit *a, const struct audit_eq *e)
{
	uint32_t i;

	if (a->plen + e->n > a->pcap) {
		a->pcap = (a->plen + e->n) * 2 + 64;
		a->pool = xreallocarray(a->pool, a->pcap, sizeof(*a->pool));
		a->cpool = xreallocarray(a->cpool, a->pcap, sizeof(*a->cpool));
	}
	if (a->neq == a->ceq) {
		a->ceq = a->ceq * 2 + 16;
		a->eq_off =
		    xreallocarray(a->eq_off, a->ceq, sizeof(*a->eq_off));
		a->eq_len =
		    xreallocarray(a->eq_len, a->ceq, sizeof(*a->eq_len));
	}
	for (i = 0; i < e->n; i++) {
		a->pool[a->plen + i] = e->atoms[i];
		a->cpool[a->plen + i] = weight(a, e, i);
	}
	a->eq_off[a->neq] = a->plen;
	a->eq_len[a->neq] = e->n;
	a->plen += e->n;
	a->neq++;
}

static struct audit_eq
released_eq(const struct audit *a, size_t e)
{
	struct audit_eq q = { a->pool + a->eq_off[e], a->cpool + a->eq_off[e],
			      a->eq_len[e] };

	return q;
}

void
audit_add_released(struct audit *a, const struct audit_eq *eq)
{
	record_eq(a, eq);
	a->numbered = false; /* the classes must take it into account */
}

static bool
over_budget(struct audit *a, uint64_t units)
{
	a->spent += units;
	a->work += units;
	return a->spent > a->budget;
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
		a->ntwins =
		    xreallocarray(a->ntwins, a->ccls, sizeof(*a->ntwins));
		a->corigin =
		    xreallocarray(a->corigin, a->ccls, sizeof(*a->corigin));
		a->cborn = xreallocarray(a->cborn, a->ccls, sizeof(*a->cborn));
	}
	a->cmeasure[a->ncls] = 0;
	a->csize[a->ncls] = 0;
	a->cstamp[a->ncls] = 0;
	a->ntwins[a->ncls] = 0;
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

/* The twin of class `c` (UINT32_MAX: atoms in no class yet) for weight
 * `x` in round `st`, made when new. */
static uint32_t
twin_for(struct audit *a, uint32_t c, uint64_t x, uint64_t st)
{
	size_t mask = a->tcap - 1;
	size_t j = (size_t)(((uint64_t)c * 0x9e3779b97f4a7c15ull) ^
			    (x * 0xbf58476d1ce4e5b9ull)) &
		   mask;
	uint32_t tw;

	while (a->tmap[j].round == st) {
		if (a->tmap[j].cls == c && a->tmap[j].coef == x)
			return a->tmap[j].twin;
		j = (j + 1) & mask;
	}
	tw = new_class(a);
	a->cborn[tw] = st;
	a->corigin[tw] = c;
	a->tmap[j].round = st;
	a->tmap[j].cls = c;
	a->tmap[j].coef = x;
	a->tmap[j].twin = tw;
	if (c != UINT32_MAX) {
		if (a->cstamp[c] != st) {
			a->cstamp[c] = st;
			a->ntwins[c] = 0;
		}
		a->ntwins[c]++;
	}
	return tw;
}

/*
 * Split every class by the equation: the atoms of a class that it holds
 * move to a twin per weight, made for this round; a class that moved whole
 * into one twin is put back.  Atoms that were in no class get one per
 * weight.  True if the partition changed.  Linear in the equation.
 */
static bool
refine(struct audit *a, const struct audit_eq *e)
{
	uint64_t st = ++a->stamp;
	bool changed = false;
	uint32_t i;

	a->work += e->n; /* outside any decision: the total only */
	if (a->tcap < 2 * (size_t)e->n + 16) {
		size_t c = 16;

		while (c < 2 * (size_t)e->n + 16)
			c *= 2;
		free(a->tmap);
		a->tmap = xcalloc(c, sizeof(*a->tmap));
		a->tcap = c;
	}
	for (i = 0; i < e->n; i++) {
		uint32_t at = e->atoms[i], c, tw;
		uint64_t x = weight(a, e, i);

		if (at >= a->natoms || a->measure[at] == 0 || x == 0)
			continue;
		if (a->cls[at] < 0) {
			tw = twin_for(a, UINT32_MAX, x, st);
			a->cls[at] = (int32_t)tw;
			a->csize[tw]++;
			a->cmeasure[tw] += a->measure[at];
			changed = true;
			continue;
		}
		c = (uint32_t)a->cls[at];
		if (a->cborn[c] == st)
			continue; /* made this round: a duplicate atom */
		move_atom(a, at, c, twin_for(a, c, x, st));
	}
	for (i = 0; i < e->n; i++) {
		uint32_t at = e->atoms[i], t, c;

		if (at >= a->natoms || a->cls[at] < 0)
			continue;
		t = (uint32_t)a->cls[at];
		if (a->cborn[t] != st || a->corigin[t] == UINT32_MAX)
			continue;
		c = a->corigin[t];
		if (a->ntwins[c] == UINT32_MAX ||
		    (a->csize[c] == 0 && a->ntwins[c] == 1)) {
			/* c moved whole into one twin: it did not split */
			a->ntwins[c] = UINT32_MAX;
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
	for (e = 0; e < a->neq; e++) {
		struct audit_eq q = released_eq(a, e);

		(void)refine(a, &q);
	}
}

/* Renumber the live classes: large ones first, each group in the order
 * of its first atom, so that every decision is reproducible. */
static void
number_classes(struct audit *a)
{
	uint32_t *newid = xmalloc((a->ncls + 1) * sizeof(*newid));
	uint64_t *meas;
	uint32_t *size, i, nl = 0, ns = 0, nlive = 0, pass;

	a->work += 3 * (uint64_t)a->natoms + a->ncls;
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
	a->ntwins = xcalloc(nlive + 1, sizeof(*a->ntwins));
	a->corigin = xcalloc(nlive + 1, sizeof(*a->corigin));
	a->cborn = xcalloc(nlive + 1, sizeof(*a->cborn));
	for (i = 0; i < nlive; i++)
		a->corigin[i] = UINT32_MAX;
	a->nlarge = nl;
	a->nnumbered = nlive + 1;
	a->pivot_row = xmalloc((nlive + 1) * sizeof(*a->pivot_row));
	memset(a->pivot_row, 0xff, (nlive + 1) * sizeof(*a->pivot_row));
	a->dense = xcalloc(nlive + 1, sizeof(*a->dense));
	a->heap = xcalloc(nlive + 1, sizeof(*a->heap));
	a->inheap = xcalloc(nlive + 1, sizeof(*a->inheap));
	a->touched = xcalloc(nlive + 1, sizeof(*a->touched));
	a->eqcls = xcalloc(nlive + 1, sizeof(*a->eqcls));
	a->eqcoef = xcalloc(nlive + 1, sizeof(*a->eqcoef));
	a->ctmp = xcalloc(nlive + 1, sizeof(*a->ctmp));
	a->eqstamp = xcalloc(nlive + 1, sizeof(*a->eqstamp));
	a->cseen = xcalloc(nlive + 1, sizeof(*a->cseen));
	/* The atoms of each class, for the evidence of a class. */
	a->catoms_off = xcalloc(nlive + 2, sizeof(*a->catoms_off));
	a->catoms = xcalloc(a->natoms + 1, sizeof(*a->catoms));
	for (i = 0; i < a->natoms; i++)
		if (a->cls[i] >= 0)
			a->catoms_off[a->cls[i] + 1]++;
	for (i = 0; i < nlive; i++)
		a->catoms_off[i + 1] += a->catoms_off[i];
	for (i = 0; i < a->natoms; i++)
		if (a->cls[i] >= 0)
			a->catoms[a->catoms_off[a->cls[i]] +
				  a->cseen[a->cls[i]]++] = i;
	memset(a->cseen, 0, (nlive + 1) * sizeof(*a->cseen));
	a->numbered = true;
}

/* Sift v[i] down the max-heap v[0..n). */
static void
sift_down(uint32_t *v, size_t i, size_t n)
{
	uint32_t x = v[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && v[c + 1] > v[c])
			c++;
		if (v[c] <= x)
			break;
		v[i] = v[c];
		i = c;
	}
	v[i] = x;
}

/* Heapsort: no allocation, and no libc qsort, which asks the kernel how
 * much memory there is (sysinfo, outside the jail's allowlist). */
static void
sort_u32(uint32_t *v, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (i = n; i-- > 1;) {
		uint32_t t = v[0];

		v[0] = v[i];
		v[i] = t;
		sift_down(v, 0, i);
	}
}

/* An equation as its classes and weights, sorted, in a->eqcls and
 * a->eqcoef; returns the count, or -1 when it covers part of a class, or
 * weighs the atoms of a class differently (it was not declared to
 * audit_prepare), or holds an atom no class has. */
static int64_t
eq_classes(struct audit *a, const struct audit_eq *e)
{
	uint64_t st = ++a->stamp;
	uint32_t i, k = 0;

	for (i = 0; i < e->n; i++) {
		uint32_t at = e->atoms[i];
		uint64_t x = weight(a, e, i);
		int32_t c;

		if (at >= a->natoms || a->measure[at] == 0 || x == 0)
			continue;
		c = a->cls[at];
		if (c < 0 || (uint32_t)c >= a->ncls)
			return -1;
		if (a->eqstamp[c] != st) {
			a->eqstamp[c] = st;
			a->cseen[c] = 0;
			a->ctmp[c] = x;
			a->eqcls[k++] = (uint32_t)c;
		} else if (a->ctmp[c] != x) {
			return -1;
		}
		a->cseen[c]++;
	}
	for (i = 0; i < k; i++)
		if (a->cseen[a->eqcls[i]] != a->csize[a->eqcls[i]])
			return -1;
	sort_u32(a->eqcls, k);
	for (i = 0; i < k; i++)
		a->eqcoef[i] = a->ctmp[a->eqcls[i]];
	return k;
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

		a->dense[c] = a->eqcoef[i];
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

static void row_axpy(struct srow *dst, uint64_t x, const struct srow *src,
		     uint64_t p);
static bool row_get(const struct srow *r, uint32_t c, uint64_t *v);

/*
 * Append a reduced row (zero at every pivot column) and eliminate its
 * pivot from the rows that hold it, so that the basis stays fully reduced:
 * each pivot column is then nonzero in its own row only.  What was done is
 * kept so that pop_row can take it back.
 */
static void
append_row(struct audit *a, struct srow *r)
{
	uint32_t pv = r->col[0];
	size_t i;

	a->nelim = 0;
	for (i = 0; i < a->nrows; i++) {
		uint64_t x;

		if (!row_get(&a->rows[i], pv, &x))
			continue;
		(void)over_budget(a, a->rows[i].n + r->n);
		row_axpy(&a->rows[i], x, r, a->p);
		if (a->nelim == a->celim) {
			a->celim = a->celim * 2 + 16;
			a->elim_row = xreallocarray(a->elim_row, a->celim,
						    sizeof(*a->elim_row));
			a->elim_x = xreallocarray(a->elim_x, a->celim,
						  sizeof(*a->elim_x));
		}
		a->elim_row[a->nelim] = (uint32_t)i;
		a->elim_x[a->nelim++] = x;
	}
	if (a->nrows == a->crows) {
		a->crows = a->crows * 2 + 16;
		a->rows = xreallocarray(a->rows, a->crows, sizeof(*a->rows));
	}
	a->pivot_row[pv] = (int32_t)a->nrows;
	a->rows[a->nrows++] = *r;
	r->col = NULL;
	r->val = NULL;
	r->n = 0;
}

/* Take back the last append_row. */
static void
pop_row(struct audit *a)
{
	struct srow *r = &a->rows[--a->nrows];
	size_t j;

	for (j = 0; j < a->nelim; j++)
		row_axpy(&a->rows[a->elim_row[j]], (a->p - a->elim_x[j]) % a->p,
			 r, a->p);
	a->nelim = 0;
	a->pivot_row[r->col[0]] = -1;
	free(r->col);
	free(r->val);
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
	if (a->total_budget - a->work < a->budget)
		a->budget = a->total_budget - a->work;
	for (e = 0; e < a->neq && ok; e++) {
		struct audit_eq q = released_eq(a, e);
		int64_t k = eq_classes(a, &q);
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

/*
 * The local system of one search: k rows, reduced against each other, over
 * ncols columns (the classes met, renumbered); per column the rows that
 * touch it.  A 0/1 combination is sought whose measure is at most
 * `limit`.  State: per row in, out or undecided; per column the sum so far
 * and the rows still undecided.
 */
struct search {
	struct audit *a;
	uint32_t k, ncols;
	struct srow *r;
	uint64_t *measure;
	uint64_t *pmeasure; /* of each row's pivot */
	uint32_t *coff;	    /* CSR: the rows of each column */
	uint32_t *crow;
	uint64_t *cval;
	int8_t *dec; /* -1 undecided, 0 out, 1 in */
	uint64_t *x;
	uint32_t *u;
	uint64_t lb;   /* measure of closed columns holding 1 */
	uint64_t m1;   /* measure of every column holding 1 */
	uint32_t nbad; /* columns holding neither 0 nor 1 */
	uint32_t *bad; /* those columns, and where each one is in `bad` */
	uint32_t *badpos;
	uint32_t ninc;
	uint32_t *trail;
	uint32_t ntrail;
	uint32_t *queue;
	uint32_t nqueue, cqueue;
	uint64_t limit;
	enum { FOUND_NONE, FOUND_SMALL, FOUND_BUDGET } result;
};

static void
set_x(struct search *S, uint32_t c, uint64_t nx)
{
	uint64_t ox = S->x[c];

	if (ox == 1)
		S->m1 -= S->measure[c];
	if (ox > 1 && nx <= 1) {
		uint32_t last = S->bad[--S->nbad];

		S->bad[S->badpos[c]] = last;
		S->badpos[last] = S->badpos[c];
	}
	S->x[c] = nx;
	if (nx == 1)
		S->m1 += S->measure[c];
	if (nx > 1 && ox <= 1) {
		S->badpos[c] = S->nbad;
		S->bad[S->nbad++] = c;
	}
}

static void
enqueue(struct search *S, uint32_t c)
{
	if (S->nqueue == S->cqueue) {
		S->cqueue = S->cqueue * 2 + 64;
		S->queue =
		    xreallocarray(S->queue, S->cqueue, sizeof(*S->queue));
	}
	S->queue[S->nqueue++] = c;
}

/* Decide row i; false when that breaks a column or the bound (the
 * decision is on the trail either way). */
static bool
assign(struct search *S, uint32_t i, int v)
{
	const struct srow *r = &S->r[i];
	uint64_t p = S->a->p;
	bool ok = true;
	uint32_t j;

	S->dec[i] = (int8_t)v;
	S->trail[S->ntrail++] = i;
	S->ninc += v != 0;
	(void)over_budget(S->a, r->n);
	for (j = 0; j < r->n; j++) {
		uint32_t c = r->col[j];

		if (v)
			set_x(S, c, (S->x[c] + r->val[j]) % p);
		if (--S->u[c] == 0) {
			if (S->x[c] > 1)
				ok = false;
			else if (S->x[c] == 1)
				S->lb += S->measure[c];
		} else if (S->u[c] == 1) {
			enqueue(S, c);
		}
	}
	return ok && S->lb <= S->limit;
}

static void
undo_to(struct search *S, uint32_t mark)
{
	uint64_t p = S->a->p;

	while (S->ntrail > mark) {
		uint32_t i = S->trail[--S->ntrail], j;
		const struct srow *r = &S->r[i];
		int v = S->dec[i];

		for (j = 0; j < r->n; j++) {
			uint32_t c = r->col[j];

			if (S->u[c]++ == 0 && S->x[c] == 1)
				S->lb -= S->measure[c];
			if (v)
				set_x(S, c, subm(S->x[c], r->val[j], p));
		}
		S->ninc -= v != 0;
		S->dec[i] = -1;
	}
}

/* A column with one undecided row left forces that row when only one of
 * its two choices leaves the column 0 or 1. */
static bool
propagate(struct search *S)
{
	uint64_t p = S->a->p;

	while (S->nqueue > 0) {
		uint32_t c = S->queue[--S->nqueue], j, row = UINT32_MAX;
		uint64_t val = 0;
		bool out_ok, in_ok;

		if (S->u[c] != 1)
			continue;
		for (j = S->coff[c]; j < S->coff[c + 1]; j++)
			if (S->dec[S->crow[j]] < 0) {
				row = S->crow[j];
				val = S->cval[j];
				break;
			}
		if (row == UINT32_MAX)
			continue;
		out_ok = S->x[c] <= 1;
		in_ok = (S->x[c] + val) % p <= 1;
		if (!out_ok && !in_ok)
			return false;
		if (out_ok != in_ok && !assign(S, row, in_ok ? 1 : 0))
			return false;
	}
	return true;
}

/* Can row i still be added?  Its pivot, a column of its own, would hold
 * 1 and close: past the bound, the row stays out. */
static bool
open_row(const struct search *S, uint32_t i)
{
	return S->dec[i] < 0 && S->lb + S->pmeasure[i] <= S->limit;
}

/* The row to branch on: one that can fix the bad column with the fewest
 * such rows; with no bad column, the first open row from `from`.
 * UINT32_MAX: none left; DEAD: a bad column no open row can fix. */
#define DEAD (UINT32_MAX - 1)
static uint32_t
branch_row(struct search *S, uint32_t from)
{
	uint32_t b, j, i, best = UINT32_MAX, bestn = UINT32_MAX;

	for (b = 0; b < S->nbad; b++) {
		uint32_t c = S->bad[b], n = 0, first = UINT32_MAX;

		(void)over_budget(S->a, S->coff[c + 1] - S->coff[c]);
		for (j = S->coff[c]; j < S->coff[c + 1]; j++)
			if (open_row(S, S->crow[j]) && n++ == 0)
				first = S->crow[j];
		if (n == 0)
			return DEAD;
		if (n < bestn) {
			bestn = n;
			best = first;
		}
	}
	if (best != UINT32_MAX)
		return best;
	for (i = from; i < S->k; i++)
		if (open_row(S, i))
			return i;
	return UINT32_MAX;
}

static void
dfs(struct search *S, uint32_t from)
{
	uint32_t mark = S->ntrail, row, m2, next;

	if (over_budget(S->a, 1)) {
		S->result = FOUND_BUDGET;
		return;
	}
	if (!propagate(S)) {
		S->nqueue = 0;
		undo_to(S, mark);
		return;
	}
	/* Everything still undecided left out: a 0/1 combination? */
	if (S->nbad == 0 && S->ninc > 0 && S->m1 <= S->limit) {
		S->result = FOUND_SMALL;
		return;
	}
	row = branch_row(S, from);
	if (row != UINT32_MAX && row != DEAD) {
		/* Without a bad column the rows before the one branched on
		 * are decided or closed by the bound, in both branches. */
		next = S->nbad == 0 ? row + 1 : from;
		m2 = S->ntrail;
		if (assign(S, row, 1))
			dfs(S, next);
		else
			S->nqueue = 0;
		if (S->result != FOUND_NONE)
			return;
		undo_to(S, m2);
		if (assign(S, row, 0))
			dfs(S, next);
		else
			S->nqueue = 0;
		if (S->result != FOUND_NONE)
			return;
	}
	undo_to(S, mark);
}

static void
free_rowset(struct srow *tr, uint32_t k)
{
	uint32_t i;

	for (i = 0; i < k; i++)
		srow_free(&tr[i]);
	free(tr);
}

/*
 * The rows a new small combination can use: the rows whose pivot is a
 * small class that are connected to `nr` through shared columns (a
 * combination of rows that share no column with these is 0/1 on its own,
 * and was safe before).  Copies, with nr's pivot eliminated, plus nr last.
 * NULL when over budget or too many.
 */
static struct srow *
connected_rows(struct audit *a, const struct srow *nr, uint32_t *k)
{
	uint32_t *pick = NULL, npick = 0, *colrow_off, *colrow, i, j, n = 0;
	uint32_t *stack, nstack = 0, *cols, ncols = 0;
	uint64_t st = ++a->stamp;
	bool *inq, *used;
	struct srow *tr;

	/* The small-pivot rows, and per column (class) the ones that hold
	 * it: a CSR over the classes met. */
	for (i = 0; i < a->nrows; i++)
		if (a->rows[i].col[0] >= a->nlarge)
			n++;
	pick = xcalloc(n + 1, sizeof(*pick));
	for (i = 0; i < a->nrows; i++)
		if (a->rows[i].col[0] >= a->nlarge)
			pick[npick++] = i;
	cols = xcalloc(a->ncls + 1, sizeof(*cols));
	for (i = 0; i < npick; i++) {
		const struct srow *r = &a->rows[pick[i]];

		if (over_budget(a, r->n))
			break;
		for (j = 0; j < r->n; j++)
			if (a->eqstamp[r->col[j]] != st) {
				a->eqstamp[r->col[j]] = st;
				a->cseen[r->col[j]] = 0;
				cols[ncols++] = r->col[j];
			}
	}
	if (a->spent > a->budget) {
		free(pick);
		free(cols);
		return NULL;
	}
	/* local column numbers in cseen, counts in a first pass */
	for (i = 0; i < ncols; i++)
		a->ctmp[cols[i]] = i;
	colrow_off = xcalloc(ncols + 2, sizeof(*colrow_off));
	for (i = 0; i < npick; i++) {
		const struct srow *r = &a->rows[pick[i]];

		for (j = 0; j < r->n; j++)
			colrow_off[a->ctmp[r->col[j]] + 1]++;
	}
	for (i = 0; i < ncols; i++)
		colrow_off[i + 1] += colrow_off[i];
	colrow = xcalloc(colrow_off[ncols] + 1, sizeof(*colrow));
	{
		uint32_t *fill = xcalloc(ncols + 1, sizeof(*fill));

		for (i = 0; i < npick; i++) {
			const struct srow *r = &a->rows[pick[i]];

			for (j = 0; j < r->n; j++) {
				uint32_t lc = (uint32_t)a->ctmp[r->col[j]];

				colrow[colrow_off[lc] + fill[lc]++] = i;
			}
		}
		free(fill);
	}
	/* Breadth-first from nr's columns. */
	inq = xcalloc(npick + 1, sizeof(*inq));
	used = xcalloc(ncols + 1, sizeof(*used));
	stack = xcalloc(npick + 1, sizeof(*stack));
	for (j = 0; j < nr->n; j++) {
		uint32_t c = nr->col[j], lc, x;

		if (a->eqstamp[c] != st)
			continue;
		lc = (uint32_t)a->ctmp[c];
		if (used[lc])
			continue;
		used[lc] = true;
		for (x = colrow_off[lc]; x < colrow_off[lc + 1]; x++)
			if (!inq[colrow[x]]) {
				inq[colrow[x]] = true;
				stack[nstack++] = colrow[x];
			}
	}
	for (i = 0; i < nstack && nstack <= MAX_SEARCH_ROWS; i++) {
		const struct srow *r = &a->rows[pick[stack[i]]];

		for (j = 0; j < r->n; j++) {
			uint32_t lc = (uint32_t)a->ctmp[r->col[j]], x;

			if (used[lc])
				continue;
			used[lc] = true;
			for (x = colrow_off[lc]; x < colrow_off[lc + 1]; x++)
				if (!inq[colrow[x]]) {
					inq[colrow[x]] = true;
					stack[nstack++] = colrow[x];
				}
		}
	}
	tr = NULL;
	if (nstack + 1 <= MAX_SEARCH_ROWS) {
		tr = xcalloc(nstack + 2, sizeof(*tr));
		for (i = 0; i <= nstack; i++) {
			const struct srow *src =
			    i < nstack ? &a->rows[pick[stack[i]]] : nr;
			uint64_t x;

			tr[i].n = src->n;
			tr[i].col = xmalloc((src->n + 1) * sizeof(*tr[i].col));
			tr[i].val = xmalloc((src->n + 1) * sizeof(*tr[i].val));
			memcpy(tr[i].col, src->col, src->n * sizeof(*src->col));
			memcpy(tr[i].val, src->val, src->n * sizeof(*src->val));
			(void)over_budget(a, src->n);
			if (i < nstack && row_get(&tr[i], nr->col[0], &x))
				row_axpy(&tr[i], x, nr, a->p);
		}
		*k = nstack + 1;
	}
	free(pick);
	free(cols);
	free(colrow_off);
	free(colrow);
	free(inq);
	free(used);
	free(stack);
	return tr;
}

/* Would adding the reduced row `nr` (pivot on a small class) let a small
 * population be derived? */
static enum audit_verdict
search(struct audit *a, const struct srow *nr)
{
	uint32_t k = 0, i, j, ncols = 0;
	struct search S;
	struct srow *tr;
	enum audit_verdict v;
	uint64_t st;

	tr = connected_rows(a, nr, &k);
	if (tr == NULL)
		return AUDIT_BUDGET;
	memset(&S, 0, sizeof(S));
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
	for (j = 0; j < ncols; j++) {
		a->cseen[a->eqcls[j]] = j;
		S.measure[j] = a->cmeasure[a->eqcls[j]];
	}
	S.coff = xcalloc(ncols + 2, sizeof(*S.coff));
	for (i = 0; i < k; i++)
		for (j = 0; j < tr[i].n; j++) {
			tr[i].col[j] = a->cseen[tr[i].col[j]];
			S.coff[tr[i].col[j] + 1]++;
		}
	for (j = 0; j < ncols; j++)
		S.coff[j + 1] += S.coff[j];
	S.crow = xcalloc(S.coff[ncols] + 1, sizeof(*S.crow));
	S.cval = xcalloc(S.coff[ncols] + 1, sizeof(*S.cval));
	S.u = xcalloc(ncols + 1, sizeof(*S.u));
	for (i = 0; i < k; i++)
		for (j = 0; j < tr[i].n; j++) {
			uint32_t c = tr[i].col[j], at = S.coff[c] + S.u[c]++;

			S.crow[at] = i;
			S.cval[at] = tr[i].val[j];
		}
	S.a = a;
	S.k = k;
	S.ncols = ncols;
	S.r = tr;
	S.dec = xmalloc(k + 1);
	memset(S.dec, -1, k + 1);
	S.x = xcalloc(ncols + 1, sizeof(*S.x));
	S.bad = xcalloc(ncols + 1, sizeof(*S.bad));
	S.badpos = xcalloc(ncols + 1, sizeof(*S.badpos));
	S.trail = xcalloc(k + 1, sizeof(*S.trail));
	S.limit = a->threshold - 1;
	S.result = FOUND_NONE;
	/* Columns touched by one row decide it at once. */
	for (j = 0; j < ncols; j++)
		if (S.u[j] == 1)
			enqueue(&S, j);
	S.pmeasure = xcalloc(k + 1, sizeof(*S.pmeasure));
	for (i = 0; i < k; i++)
		S.pmeasure[i] = S.measure[tr[i].col[0]];
	dfs(&S, 0);
	v = S.result == FOUND_SMALL    ? AUDIT_REFUSED
	    : S.result == FOUND_BUDGET ? AUDIT_BUDGET
				       : AUDIT_RELEASED;
	free_rowset(tr, k);
	free(S.measure);
	free(S.pmeasure);
	free(S.coff);
	free(S.crow);
	free(S.cval);
	free(S.u);
	free(S.dec);
	free(S.x);
	free(S.bad);
	free(S.badpos);
	free(S.trail);
	free(S.queue);
	return v;
}

/*
 * With evidence (sums): a class that the equations determine on its own
 * (a row of one entry once reduced) releases its sum, which must pass
 * dominance and the p% rule as any published cell.
 */
static enum audit_verdict
dominance_check(struct audit *a)
{
	size_t i, j;

	/* The basis is fully reduced, so a class determined on its own is
	 * a row of one entry; appending the last row can only have made the
	 * new row and the rows it changed into such rows. */
	for (i = 0; i <= a->nelim; i++) {
		const struct srow *r =
		    &a->rows[i < a->nelim ? a->elim_row[i] : a->nrows - 1];
		struct sdc_evidence e;
		uint32_t c;

		if (r->n != 1)
			continue;
		c = r->col[0];
		memset(&e, 0, sizeof(e));
		for (j = a->catoms_off[c]; j < a->catoms_off[c + 1]; j++)
			sdc_merge(&e, &a->ev[a->catoms[j]], SDC_MAX_TOP);
		if (!(e.abs_sum > 0))
			continue;
		if (sdc_dominated(a->evp.dominance_n, a->evp.dominance_k,
				  sdc_top_sum(&e, a->evp.dominance_n),
				  e.abs_sum) ||
		    sdc_p_violated(a->evp.p_percent, e.ntop > 0 ? e.top[0] : 0,
				   e.ntop > 1 ? e.top[1] : 0, e.abs_sum))
			return AUDIT_REFUSED;
	}
	return AUDIT_RELEASED;
}

/* ---- the entry points ---- */

void
audit_prepare(struct audit *a, const struct audit_eq *cand, size_t n)
{
	bool changed = false;
	size_t e;

	a->last_eq = a->last_row = false;
	if (a->threshold <= 1 || a->saturated)
		return;
	if (a->work >= a->total_budget) {
		a->saturated = true;
		return;
	}
	if (!a->numbered) {
		classes_from_scratch(a);
		changed = true;
	}
	for (e = 0; e < n; e++)
		changed = refine(a, &cand[e]) || changed;
	if (changed) {
		free_rows(a);
		number_classes(a);
	} else {
		/* Only twins that were put back again were made: drop them. */
		a->ncls = a->nnumbered - 1;
	}
	/* Every class large and no evidence to check: nothing can be
	 * derived that matters, and no basis is needed. */
	if (a->nlarge == a->ncls && a->ev == NULL) {
		free_rows(a);
		return;
	}
	if (!a->basis && !rebuild_basis(a)) {
		a->saturated = true;
		free_rows(a);
	}
}

enum audit_verdict
audit_try(struct audit *a, const struct audit_eq *eq)
{
	enum audit_verdict v;
	struct srow r;
	int64_t k;

	/* last_eq and last_row keep naming the last release until it is
	 * undone, also across a refused try (a mean's second equation). */
	if (a->threshold > 1 && (a->saturated || a->work > a->total_budget))
		return AUDIT_BUDGET;
	if (a->threshold <= 1) {
		record_eq(a, eq);
		a->last_eq = true;
		a->last_row = false;
		return AUDIT_RELEASED;
	}
	if (!a->numbered)
		return AUDIT_BUDGET; /* not prepared */
	a->spent = 0;
	k = eq_classes(a, eq);
	if (k < 0)
		return AUDIT_BUDGET; /* not declared: refuse */
	if (k == 0 || !a->basis) {
		record_eq(a, eq);
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
	if (v == AUDIT_RELEASED && r.n > 0) {
		append_row(a, &r);
		if (a->ev != NULL) {
			v = dominance_check(a);
			if (v != AUDIT_RELEASED)
				pop_row(a);
		}
		if (v == AUDIT_RELEASED)
			a->last_row = true;
	} else if (v == AUDIT_RELEASED) {
		a->last_row = false;
	}
	if (v == AUDIT_RELEASED) {
		record_eq(a, eq);
		a->last_eq = true;
	}
	srow_free(&r);
	return v;
}

void
audit_undo(struct audit *a)
{
	if (a->last_row)
		pop_row(a);
	if (a->last_eq) {
		a->neq--;
		a->plen -= a->eq_len[a->neq];
	}
	a->last_eq = a->last_row = false;
}
